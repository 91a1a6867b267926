"""One forum across the end of New York's summer time: the day grid, the agendas, the
home-time column, the briefing book and the clash messages all show the local times
zoneinfo gives (they all take them from ``timeutil.to_zone``; the participants list shows
no session times, only its issue date, also through ``to_zone``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from delegations.db import db
from delegations.models import Role
from schedule import briefing
from schedule.clashes import ClashKind, forum_clashes

NY, DHAKA = ZoneInfo("America/New_York"), ZoneInfo("Asia/Dhaka")


def hm(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%H:%M")


def test_every_surface_agrees_with_zoneinfo_across_a_change(
        client, auth, make_forum, make_delegation, make_delegate, make_session, make_user):
    forum = make_forum(short_name="NOV26", start_date=date(2026, 10, 30),
                       end_date=date(2026, 11, 3))
    d = make_delegation(forum, name="Dhaka North")
    mayor = make_delegate(d, given_names="Atiqul", family_name="Islam",
                          home_timezone="Asia/Dhaka")
    times = {  # UTC instants: before the change (EDT), in the repeated hour, after (EST)
        "Before": (datetime(2026, 10, 31, 14, 0, tzinfo=UTC),
                   datetime(2026, 10, 31, 15, 30, tzinfo=UTC)),
        "Repeated hour": (datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
                          datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        "After": (datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
                  datetime(2026, 11, 2, 15, 0, tzinfo=UTC)),
        "Clashing": (datetime(2026, 11, 2, 14, 30, tzinfo=UTC),
                     datetime(2026, 11, 2, 15, 30, tzinfo=UTC)),
    }
    for title, (start, end) in times.items():
        make_session(forum, start=start, end=end, title=title, speakers=[mayor])
    make_user(Role.COORDINATOR, email="c@example.org")
    db.session.commit()
    auth.login("c@example.org")

    def venue(title: str) -> str:
        a, b = times[title]
        return f"{hm(a, NY)}–{hm(b, NY)}"

    def home(title: str) -> str:
        a, b = times[title]
        return f"{hm(a, DHAKA)}–{hm(b, DHAKA)}"

    assert venue("Before") == "10:00–11:30" and venue("After") == "09:00–10:00"
    assert venue("Repeated hour") == "01:30–02:00"

    # day grid with the home-time column
    for title in times:
        day = times[title][0].astimezone(NY).date()
        page = client.get(f"/NOV26/grid/?day={day}&tz=Asia/Dhaka").get_data(as_text=True)
        assert venue(title) in page and home(title) in page, title
    # the delegate's and the delegation's agendas (home time from the delegate's record)
    for url in (f"/NOV26/delegates/{mayor.id}/agenda",
                f"/NOV26/delegations/{d.id}/agenda?tz=Asia/Dhaka"):
        page = client.get(url).get_data(as_text=True)
        for title in times:
            assert venue(title) in page and home(title) in page, (url, title)
    # the briefing book
    data = briefing.gather_book(forum, delegate=mayor)
    html = briefing.book_html(data, edition=1, issued_at=datetime(2026, 10, 1, tzinfo=UTC),
                              changes=None)
    for title in times:
        assert venue(title) in html and home(title) in html, title
    # the clash messages
    (clash,) = [c for c in forum_clashes(forum) if c.kind == ClashKind.PERSON_DOUBLE_BOOKED]
    a, b = times["After"], times["Clashing"]
    assert f"({a[0].astimezone(NY):%a %d %b %H:%M}–{hm(a[1], NY)})" in clash.message
    assert f"({b[0].astimezone(NY):%a %d %b %H:%M}–{hm(b[1], NY)})" in clash.message
