"""Time rules by role and kind: speakers get their kind's limit and a word budget, whoever
runs a session gets a line of their own; a forum sets its own limits; a session's speakers
can be sorted by protocol."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from delegations.db import db
from delegations.models import Capacity, Delegate, DelegationCategory, Level
from schedule import speaking
from schedule.briefing import book_html, gather_book
from schedule.models import SessionKind, SpeakerRole, SpeakerSlot
from schedule.services import add_speaker, sort_speakers_by_protocol

COORDINATOR = "coordinator@demo.forumdesk.example"
CALL = "Localizing the Global Compacts with a Call to Local Action"


def _goyeneche() -> Delegate:
    return db.session.scalar(sa.select(Delegate).where(Delegate.family_name == "Goyeneche"))


def _engagement(book, title):
    return next(e for e in book["engagements"] if e["title"].startswith(title))


def test_a_moderator_gets_a_line_and_a_speaker_a_word_budget(demo_forum, app):
    book = gather_book(demo_forum, delegate=_goyeneche())
    call = _engagement(book, CALL)["ours"][0]
    assert call["chairs"] and call["minutes"] is None and call["words"] is None
    floor = _engagement(book, "Roundtable 4")["ours"][0]
    assert (floor["chairs"], floor["minutes"], floor["words"]) == (False, 3, 360)
    with app.test_request_context():
        html = book_html(book, edition=1, issued_at=datetime(2022, 5, 10, tzinfo=UTC),
                         changes=None)
    assert "moderates: opens the session" in html
    assert "time limit 3 min ≈ 360 words" in html


def test_a_speaker_without_minutes_gets_the_kinds_limit(demo_forum, make_delegate):
    rt1 = next(s for s in demo_forum_sessions(demo_forum) if s.title == "Roundtable 1")
    person = make_delegate(_goyeneche().delegation)
    add_speaker(rt1, None, delegate=person, role=SpeakerRole.SPEAKER, minutes=None)
    db.session.commit()
    book = gather_book(demo_forum, delegate=person)
    assert _engagement(book, "Roundtable 1")["ours"][0]["minutes"] == 3  # roundtables: 3 min


def demo_forum_sessions(forum):
    from schedule.models import Session

    return db.session.scalars(sa.select(Session).where(Session.forum_id == forum.id)).all()


def test_limits_apply_to_speaking_roles_only():
    limits = dict(speaking.DEFAULT_LIMITS)
    for role in SpeakerRole:
        for kind in SessionKind:
            limit = speaking.slot_limit(role, kind, None, limits)
            if role in speaking.SPEAKING_ROLES and kind not in speaking.CONVERSATIONS:
                assert limit == limits[kind]
            else:
                assert limit is None, (role, kind)


def test_a_forum_sets_its_own_limits(demo_forum, client, auth):
    auth.login(COORDINATOR)
    page = client.get("/IMRF2022/speaking-limits").get_data(as_text=True)
    assert "Roundtable" in page and 'value="3"' in page
    form = {k.value: ("" if v is None else str(v)) for k, v in speaking.DEFAULT_LIMITS.items()}
    form["roundtable"] = "4"
    assert client.post("/IMRF2022/speaking-limits", data=form).status_code == 302
    assert speaking.limits(demo_forum.id)[SessionKind.ROUNDTABLE] == 4
    book = gather_book(demo_forum, delegate=_goyeneche())
    assert _engagement(book, "Roundtable 4")["ours"][0]["minutes"] == 3  # her slot's own 3
    form["roundtable"] = "ninety"
    r = client.post("/IMRF2022/speaking-limits", data=form)
    assert r.status_code == 422 and "from 1 to 60" in r.get_data(as_text=True)
    assert speaking.limits(demo_forum.id)[SessionKind.ROUNDTABLE] == 4


def test_only_coordinators_set_limits_and_sort(demo_forum, client, auth):
    auth.login("focal.freetown@demo.forumdesk.example")
    assert client.get("/IMRF2022/speaking-limits").status_code == 403
    s = demo_forum_sessions(demo_forum)[0]
    assert client.post(f"/IMRF2022/sessions/{s.id}/speakers/sort").status_code == 403


def test_sort_speakers_by_protocol(make_forum, make_delegation, make_delegate, make_session,
                                   client, auth, make_user):
    forum = make_forum(short_name="SORT")
    state = make_delegation(forum, name="Germany", country="DE",
                            category=DelegationCategory.MEMBER_STATE)
    city = make_delegation(forum, name="Accra", country="GH")
    s = make_session(forum, kind=SessionKind.PLENARY)
    people = [
        (make_delegate(city, given_names="Elizabeth", family_name="Sackey", level=Level.MAYOR),
         SpeakerRole.SPEAKER),
        (None, SpeakerRole.SPEAKER),  # a guest
        (make_delegate(state, given_names="Olaf", family_name="Kanzler",
                       level=Level.HEAD_OF_GOVERNMENT, capacity=Capacity.MEMBER),
         SpeakerRole.SPEAKER),
        (make_delegate(state, given_names="Frank", family_name="Präsident",
                       level=Level.HEAD_OF_STATE), SpeakerRole.SPEAKER),
        (make_delegate(city, given_names="Listening", family_name="Only", level=Level.OFFICIAL),
         SpeakerRole.PARTICIPANT),
        (None, SpeakerRole.MODERATOR),
    ]
    for i, (p, role) in enumerate(people):
        db.session.add(SpeakerSlot(session=s, delegate=p, role=role, order=i + 1,
                                   guest_name="" if p else f"Guest {role.value}"))
    db.session.commit()
    revision = s.revision
    assert sort_speakers_by_protocol(s, None)
    order = [sl.speaker_name for sl in sorted(s.speaker_slots, key=lambda sl: sl.order)]
    assert order == ["Guest moderator", "Frank Präsident", "Olaf Kanzler", "Elizabeth Sackey",
                     "Guest speaker", "Listening Only"]
    assert s.revision == revision + 1
    assert not sort_speakers_by_protocol(s, None)  # already in order: nothing changes
    assert s.revision == revision + 1
