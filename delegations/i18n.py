"""Languages: which one a page is in, its direction, names of countries, and sorting.

The language of a page is, in order: the user's saved choice, the choice an anonymous
visitor made with the switcher (a cookie), the browser's Accept-Language, the forum's
default, English. Catalogues live in ``delegations/translations``; the compiled ``.mo``
files are built from the ``.po`` files at install (``make setup``) and, when missing or
older than their ``.po``, when the app starts.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, gettext, refresh
from flask_login import current_user
from markupsafe import Markup

T = TypeVar("T")

# Each language named in itself: the switcher shows these, never translated.
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
DEFAULT_LANGUAGE = "en"
COOKIE = "forum_desk_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def known(code: str | None) -> str | None:
    """``code`` reduced to a language we have ("fr-CA" -> "fr"), or None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def first_known(codes: str | Iterable[str] | None) -> str | None:
    """The first language we have in a list such as a delegate's "pt, fr, en"."""
    if not codes:
        return None
    if isinstance(codes, str):
        codes = codes.replace(";", ",").replace("/", ",").split(",")
    for code in codes:
        if (lang := known(code)) is not None:
            return lang
    return None


def select_locale() -> str:
    if has_request_context():
        if current_user and current_user.is_authenticated:
            if (lang := known(getattr(current_user, "language", None))) is not None:
                return lang
        if (lang := known(request.cookies.get(COOKIE))) is not None:
            return lang
        if (lang := request.accept_languages.best_match(list(LANGUAGES))) is not None:
            return lang
    forum = g.get("forum") if has_request_context() else None
    if forum is not None and (lang := known(getattr(forum, "language", None))) is not None:
        return lang
    return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def text_direction(lang: str | None = None) -> str:
    return "rtl" if Locale.parse(lang or current_language()).text_direction == "rtl" else "ltr"


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Work in ``lang`` (a book, a list, a CLI command) whatever the request's language."""
    lang = known(lang) or current_language()
    with force_locale(lang):
        yield lang


def ordinal(n: int) -> str:
    """A speaking order in the page's language: 1st, 1er, 1.º, 1."""
    lang = current_language()
    if lang == "fr":
        return "1er" if n == 1 else f"{n}e"
    if lang == "es":
        return f"{n}.º"
    if lang == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return str(n)


# --------------------------------------------------------------------------- countries


@lru_cache(maxsize=8)
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(lang).territories)


def country_name(code: str | None, lang: str | None = None) -> str:
    """The ISO 3166 country named in the page's language (CLDR's names, through Babel)."""
    if not code:
        return ""
    code = code.upper()
    name = _territories(lang or current_language()).get(code)
    if name:
        return name
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


# --------------------------------------------------------------------------- collation


@lru_cache(maxsize=1)
def _collator() -> Any:
    # The Unicode Collation Algorithm with its default table: accents are secondary
    # ("Élodie" sorts with E), case tertiary, Arabic letters in Arabic alphabetical order.
    from pyuca import Collator

    return Collator()


def sort_key(text: str) -> tuple[int, ...]:
    return _collator().sort_key(text or "")


def collated(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: sort_key(key(item)))


# --------------------------------------------------------------------------- print CSS


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string (for ``content:`` in @page rules): quotes,
    backslashes, control characters and ``<>&`` escaped the CSS way, so no text can end
    the string or the <style> element."""
    out = []
    for ch in str(text):
        if ch in '"\\<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')  # noqa: S704 (every character checked above)


def css_page_numbers() -> Markup:
    """"Page 3 of 12" in the page's language, as a CSS content value with counters."""
    text = str(css_string(gettext("Page %(page)s of %(pages)s", page="\x01", pages="\x02")))
    return Markup(text.replace("\\1 ", '" counter(page) "')  # noqa: S704
                  .replace("\\2 ", '" counter(pages) "'))


# --------------------------------------------------------------------------- catalogues


def compile_catalogues(folder: Path = TRANSLATIONS, *, force: bool = False) -> list[Path]:
    """Build each ``messages.mo`` from its ``.po`` when missing or older; return those built.

    Written to a temporary file and renamed, so two workers starting at once never read
    half a catalogue.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    built = []
    for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
        built.append(mo)
    return built


def _context() -> dict[str, Any]:
    lang = current_language()
    return {
        "languages": LANGUAGES,
        "current_language": lang,
        "text_direction": text_direction(lang),
    }


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    try:
        compile_catalogues(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    except OSError as e:  # a read-only install: the catalogues were compiled at install
        app.logger.warning("could not compile the translation catalogues: %s", e)
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps the locale on g; a request that reuses an app context (tests, CLI
    # calling views) must not inherit the previous request's language.
    app.before_request(refresh)
    app.context_processor(_context)
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.globals["sort_key"] = sort_key
    app.jinja_env.globals["css_string"] = css_string
    app.jinja_env.globals["css_page_numbers"] = css_page_numbers
