"""No template holds English for people outside _(): text between tags and the attributes
people read (title, placeholder, aria-label, alt, button values) must be translatable."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}
WORD = re.compile(r"[^\W\d_]{2,}")
# names, not sentences: the product's name, and what reads the same in every language
ALLOWED = {"Forum Desk", "Forum", "Desk", "iCal", "webcal", "PDF", "CSV", "XLSX", "JSON", "UTC",
           "ICS", "URL", "OK",
           "wide"}  # a class name given through {% block main_class %}
MARK = "\x00"  # where a {{ ... }} or {% ... %} stood (spaced: it may sit inside a tag)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (
                    tag == "input" and name == "value"
                    and values.get("type") in ("submit", "button"))):
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)

    def _check(self, text: str) -> None:
        for part in text.replace(" " + MARK + " ", MARK).split(MARK):
            words = [w for w in WORD.findall(part) if w not in ALLOWED]
            if words:
                self.found.append(" ".join(part.split()))


def literal_text(source: str) -> list[str]:
    """Text a person would read that sits in the template itself, not in an expression."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexed
    pieces: list[str] = []
    in_trans = 0
    tokens = list(env.lex(source))
    for i, (_line, kind, value) in enumerate(tokens):
        if kind == "name" and i > 0 and tokens[i - 1][1] == "block_begin":
            in_trans += {"trans": 1, "endtrans": -1}.get(value, 0)
        if kind == "data" and not in_trans:
            pieces.append(value)
        elif kind in ("variable_begin", "block_begin"):
            pieces.append(f" {MARK} ")
    parser = _Text()
    parser.feed("".join(pieces))
    parser.close()
    return parser.found


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_text_goes_through_gettext(path):
    assert literal_text(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_english():
    assert literal_text("<p>Log out</p>") == ["Log out"]
    assert literal_text('<input placeholder="Search by name">') == ["Search by name"]
    assert literal_text("<td>{{ n }} day</td>") == ["day"]
    assert literal_text("<p>{{ _('Log out') }}</p><p>{{ x }} · {{ y }}</p>") == []
    assert literal_text("<style>p { color: red }</style><p>Forum Desk</p>") == []
