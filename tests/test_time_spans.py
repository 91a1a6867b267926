"""A start–end range that ends on a later day says so ("23:30–01:30 (+1)"), on every
surface, from the one function that writes ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from delegations.db import db
from delegations.timeutil import all_zone_names, fmt_span, to_zone
from schedule.models import Session

COORDINATOR = "coordinator@demo.forumdesk.example"
RECEPTION = "MMC-European Union Reception in Honour of Mayors"  # 18:30-20:30 New York


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31),
                    timezones=st.just(UTC)),
       st.integers(min_value=15, max_value=3 * 24 * 60),
       st.sampled_from(sorted(all_zone_names())))
def test_a_range_marks_the_days_it_ends_later(start, minutes, tz):
    end = start + timedelta(minutes=minutes)
    text = fmt_span(start, end, tz)
    days_later = (to_zone(end, tz).date() - to_zone(start, tz).date()).days
    assert text.startswith(f"{to_zone(start, tz):%H:%M}–{to_zone(end, tz):%H:%M}")
    assert text.endswith(f" (+{days_later})") == (days_later > 0)
    if days_later == 0:
        assert "(" not in text


def test_every_surface_marks_the_next_day(demo_forum, client, auth):
    auth.login(COORDINATOR)
    s = db.session.scalar(sa.select(Session).where(Session.title == RECEPTION))
    expected = "23:30–01:30 (+1)"  # London is five hours ahead of New York in May
    pages = {
        "programme": "/IMRF2022/programme/?tz=Europe/London",
        "grid": "/IMRF2022/grid/?day=2022-05-17&tz=Europe/London",
        "session": f"/IMRF2022/sessions/{s.id}/?tz=Europe/London",
    }
    for name, url in pages.items():
        page = client.get(url).get_data(as_text=True)
        assert expected in page, name
        assert "18:30–20:30" in page, name  # venue time beside it, same day
