"""Which language a page is in, the switcher, Babel formats, country names, names and
collation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from delegations.db import db
from delegations.i18n import COOKIE, collated, country_name, first_known, language
from delegations.models import NameOrder, Role, User
from delegations.timeutil import fmt_datetime, fmt_day


def _lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_forum_default_applies_when_the_browser_asks_for_nothing_we_have(
        client, auth, make_forum, make_user):
    forum = make_forum(language="es")
    make_user(Role.COORDINATOR, email="coord@example.org")
    db.session.commit()
    auth.login("coord@example.org")
    r = client.get(f"/{forum.short_name}/delegations/", headers={"Accept-Language": "de"})
    assert _lang(r) == "es"
    r = client.get(f"/{forum.short_name}/delegations/", headers={"Accept-Language": "fr"})
    assert _lang(r) == "fr"  # the browser's language before the forum's default


def test_the_switcher_saves_the_choice_on_the_account(client, auth, make_forum, make_user):
    forum = make_forum()
    user = make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    page = f"/{forum.short_name}/delegations/"
    r = client.post("/language", data={"lang": "ar", "next": page})
    assert r.status_code == 302 and r.headers["Location"].endswith(page)
    assert db.session.get(User, user.id).language == "ar"
    # the account's choice wins over the browser, on any device (no cookie needed)
    other = client.application.test_client()
    other.post("/login", data={"email": "coord@example.org", "password": "correct horse battery"})
    r = other.get(page, headers={"Accept-Language": "fr"})
    assert _lang(r) == "ar" and 'dir="rtl"' in r.get_data(as_text=True)


def test_an_anonymous_visitor_chooses_with_a_cookie(client):
    r = client.post("/language", data={"lang": "es", "next": "/login"})
    assert r.status_code == 302
    assert f"{COOKIE}=es" in r.headers["Set-Cookie"]
    r = client.get("/login", headers={"Accept-Language": "fr"})
    assert _lang(r) == "es"
    assert "Contraseña" in r.get_data(as_text=True)


def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.post("/language", data={"lang": "xx"}).status_code == 400
    r = client.post("/language", data={"lang": "fr", "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"


def test_every_page_has_the_switcher(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'action="/language"' in html
    for name in ("Français", "Español", "العربية"):
        assert name in html


def test_dates_and_times_in_each_language(app):
    at = datetime(2022, 5, 17, 14, 0, tzinfo=UTC)
    with language("en"):
        assert fmt_day(date(2022, 5, 17)) == "Tuesday 17 May 2022"
        assert fmt_datetime(at, "America/New_York") == "Tue 17 May 2022, 10:00 EDT"
    with language("fr"):
        assert fmt_day(date(2022, 5, 17)) == "mardi 17 mai 2022"
    with language("es"):
        assert fmt_day(date(2022, 5, 17)) == "martes, 17 de mayo de 2022"
    with language("ar"):
        assert fmt_day(date(2022, 5, 17)) == "الثلاثاء، 17 مايو 2022"


def test_country_names_come_from_cldr(app):
    assert country_name("SL", "fr") == "Sierra Leone"
    assert country_name("SL", "es") == "Sierra Leona"
    assert country_name("SL", "ar") == "سيراليون"
    assert country_name("BF", "fr") == "Burkina Faso"
    assert country_name("BD", "ar") == "بنغلاديش"
    assert country_name(None) == ""


def test_a_delegate_book_language_is_the_first_one_we_have():
    assert first_known("pt, fr, en") == "fr"
    assert first_known("es-UY") == "es"
    assert first_known("pt; de") is None
    assert first_known("") is None


def test_collation_puts_accents_with_their_letter_and_arabic_in_arabic_order():
    names = ["Zoé", "Élodie", "Emma", "Eduardo", "Åsa", "Ana"]
    assert collated(names, str) == ["Ana", "Åsa", "Eduardo", "Élodie", "Emma", "Zoé"]
    arabic = ["يوسف", "محمد", "أحمد", "بشير", "خالد"]
    assert collated(arabic, str) == ["أحمد", "بشير", "خالد", "محمد", "يوسف"]


def test_a_family_name_first_prints_first_in_capitals(make_delegate):
    wang = make_delegate(given_names="Xiaoming", family_name="Wang",
                         name_order=NameOrder.FAMILY_FIRST, original_name="王小明")
    aki = make_delegate(given_names="Yvonne", family_name="Aki-Sawyerr")
    db.session.commit()
    assert wang.full_name == "WANG Xiaoming"
    assert aki.full_name == "Yvonne Aki-Sawyerr"
    assert wang.sort_name == "Wang Xiaoming"
    stored = db.session.scalar(sa.select(type(wang).original_name).where(type(wang).id == wang.id))
    assert stored == "王小明"
