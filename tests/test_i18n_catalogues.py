"""The catalogues: every string of the code and templates translated into French, Spanish
and Arabic, none fuzzy, placeholders intact, and the compiled catalogues used by the app."""

from __future__ import annotations

import pytest

from delegations.i18n import compile_catalogues
from tests.i18n_support import TRANSLATED, TRANSLATIONS, catalogue, source_messages


@pytest.fixture(scope="module")
def sources():
    return source_messages()


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(s for s in strings)


def test_catalogue_statistics(sources, capsys):
    lines, problems = [], []
    for lang in TRANSLATED:
        cat = catalogue(lang)
        done = fuzzy = 0
        missing = []
        for msgid, where in sources.items():
            m = cat.get(msgid)
            if m is None or not _translated(m):
                missing.append(f"{msgid!r} ({where[0]})")
            elif m.fuzzy:
                fuzzy += 1
                missing.append(f"{msgid!r} is fuzzy ({where[0]})")
            else:
                done += 1
        pct = 100 * done / len(sources) if sources else 100
        lines.append(f"{lang}: {done}/{len(sources)} translated ({pct:.1f}%), {fuzzy} fuzzy, "
                     f"{len(missing) - fuzzy} missing")
        problems += [f"{lang}: {p}" for p in missing[:15]]
    with capsys.disabled():
        print("\ncatalogue statistics\n  " + "\n  ".join(lines))
    assert not problems, ("run `make i18n-update`, then translate (README, Languages):\n"
                          + "\n".join(problems))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_survive_translation(lang):
    """A translation that drops or renames %(name)s would fail at run time."""
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalogue(lang).check()]
    assert errors == []


def test_compiled_catalogues_are_built_from_the_po_files(tmp_path):
    import shutil

    shutil.copytree(TRANSLATIONS, tmp_path / "t", ignore=shutil.ignore_patterns("*.mo"))
    built = compile_catalogues(tmp_path / "t")
    assert sorted(p.parent.parent.name for p in built) == sorted(TRANSLATED)
    assert compile_catalogues(tmp_path / "t") == []  # up to date: nothing rebuilt


def test_pages_come_in_the_browser_language(client):
    r = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    html = r.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert "Mot de passe" in html
    r = client.get("/login", headers={"Accept-Language": "ar"})
    html = r.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "كلمة المرور" in html
    r = client.get("/login", headers={"Accept-Language": "de, en;q=0.5"})
    assert '<html lang="en" dir="ltr">' in r.get_data(as_text=True)
