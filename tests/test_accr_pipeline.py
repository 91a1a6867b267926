"""Accreditation: the status pipeline with who and when, documents, quotas,
deadlines, bulk actions and the coordinator dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from delegations import accreditation
from delegations.accreditation import TransitionError, change_status, quota_usage
from delegations.db import db, utcnow
from delegations.models import (
    AccreditationStatus,
    BadgeType,
    ChangeLog,
    Deadline,
    DeadlineKind,
    DocumentKind,
    PartnerQuota,
    Role,
    Route,
)
from tests.accr_support import login_as, make_world

S = AccreditationStatus


@pytest.fixture
def world(make_forum, make_delegation):
    return make_world(make_forum, make_delegation)


def test_draft_to_badge_collected_is_refused_with_a_clear_error(app, world, make_delegate,
                                                                make_user):
    p = make_delegate(world.delegations["Niš"], status=S.DRAFT, sponsor=world.uclg)
    with pytest.raises(TransitionError) as e:
        change_status(p.accreditation, S.BADGE_COLLECTED, None)
    assert str(e.value) == ("Cannot go from Draft to Badge collected. "
                            "Allowed next steps from Draft: Submitted, Withdrawn.")
    assert p.accreditation.status == S.DRAFT
    assert p.accreditation.badge_collected_at is None


def test_draft_to_badge_collected_refused_on_the_page(client, world, make_delegate, make_user):
    p = make_delegate(world.delegations["Niš"], status=S.DRAFT, sponsor=world.uclg)
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    r = client.post(f"/IMRF/delegates/{p.id}/status", data={"status": "badge_collected"},
                    follow_redirects=True)
    assert "Cannot go from Draft to Badge collected." in r.get_data(as_text=True)
    db.session.expire_all()
    assert p.accreditation.status == S.DRAFT


def test_the_whole_pipeline_with_who_and_when(app, world, make_delegate, make_user):
    coord = make_user(Role.COORDINATOR, email="coord@example.org")
    p = make_delegate(world.delegations["São Paulo"], status=S.DRAFT, sponsor=world.uclg)
    acc = p.accreditation
    for step in (S.SUBMITTED, S.APPROVED, S.BADGE_COLLECTED):
        change_status(acc, step, coord)
    db.session.commit()
    assert acc.submitted_at <= acc.approved_at <= acc.badge_collected_at
    assert acc.status_changed_at == acc.badge_collected_at
    log = db.session.scalars(sa.select(ChangeLog).where(
        ChangeLog.entity == "accreditation", ChangeLog.entity_id == acc.id)
        .order_by(ChangeLog.id)).all()
    assert [e.action for e in log] == ["status:submitted", "status:approved",
                                       "status:badge_collected"]
    assert {e.actor for e in log} == {"coord@example.org"}
    assert log[1].details == {"from": "submitted", "to": "approved", "delegate_id": p.id,
                              "source": "form"}
    # from badge collected, only a coordinator's undo (back to approved) is allowed
    with pytest.raises(TransitionError, match="Allowed next steps from Badge collected: "
                                              "Approved"):
        change_status(acc, S.WITHDRAWN, coord)


def test_focal_point_cannot_approve(client, world, make_delegate, make_user):
    own = world.delegations["Freetown"]
    p = make_delegate(own, status=S.SUBMITTED, sponsor=world.uclg)
    db.session.commit()
    login_as(client, make_user, Role.FOCAL_POINT, delegation=own)
    assert client.post(f"/IMRF/delegates/{p.id}/status",
                       data={"status": "approved"}).status_code == 403
    page = client.get(f"/IMRF/delegates/{p.id}").get_data(as_text=True)
    assert ">Withdraw<" in page and ">Approve<" not in page
    r = client.post("/IMRF/roster/bulk", data={"action": "approve", "delegate_id": [p.id]})
    assert r.status_code == 403
    # but they can withdraw and put back to draft
    assert client.post(f"/IMRF/delegates/{p.id}/status",
                       data={"status": "draft"}).status_code == 302
    db.session.expire_all()
    assert p.accreditation.status == S.DRAFT
    with pytest.raises(TransitionError, match="Only a coordinator"):
        from delegations.models import User

        fp = db.session.scalars(sa.select(User).where(User.role == Role.FOCAL_POINT)).one()
        change_status(p.accreditation, S.SUBMITTED, fp)
        change_status(p.accreditation, S.APPROVED, fp)


def test_focal_point_cannot_set_the_badge_type(client, world, make_delegate, make_user):
    own = world.delegations["Freetown"]
    p = make_delegate(own, status=S.APPROVED, sponsor=world.uclg)
    p.accreditation.badge_type = BadgeType.OBSERVER
    db.session.commit()
    login_as(client, make_user, Role.FOCAL_POINT, delegation=own)
    assert 'name="badge_type"' not in client.get(f"/IMRF/delegates/{p.id}").get_data(as_text=True)
    r = client.post(f"/IMRF/delegates/{p.id}/accreditation", data={
        "route": "partner_organisation", "sponsor_id": str(world.uclg.id),
        "badge_type": "party", "notes": "changed by the focal point"})
    assert r.status_code == 302
    db.session.expire_all()
    assert p.accreditation.badge_type == BadgeType.OBSERVER
    assert p.accreditation.notes == "changed by the focal point"


def test_quota_4_with_7_nominations_is_over_by_3(client, world, make_delegate, make_user):
    db.session.add(PartnerQuota(forum_id=world.forum.id, organisation_id=world.uclg.id, quota=4))
    statuses = [S.SUBMITTED] * 4 + [S.APPROVED] * 3
    for st in statuses:
        make_delegate(world.delegations["Montréal"], sponsor=world.uclg, status=st)
    # neither drafts, rejected, substitutes nor other routes count
    make_delegate(world.delegations["Montréal"], sponsor=world.uclg, status=S.DRAFT)
    make_delegate(world.delegations["Montréal"], sponsor=world.uclg, status=S.REJECTED)
    sub = make_delegate(world.delegations["Montréal"], sponsor=world.uclg, status=S.APPROVED)
    sub.accreditation.substitute = True
    make_delegate(world.delegations["Montréal"], sponsor=world.uclg, status=S.APPROVED,
                  route=Route.NATIONAL_DELEGATION)
    db.session.commit()
    (use,) = quota_usage(world.forum.id)
    assert (use.quota, use.used, use.over_by, use.substitutes) == (4, 7, 3, 1)

    login_as(client, make_user, Role.COORDINATOR)
    page = client.get("/IMRF/accreditation/").get_data(as_text=True)
    assert "over quota by 3" in page
    assert f"/IMRF/roster/?sponsor={world.uclg.id}" in page


def test_nominating_over_quota_warns(client, world, make_delegate, make_user):
    db.session.add(PartnerQuota(forum_id=world.forum.id, organisation_id=world.uclg.id, quota=1))
    make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.SUBMITTED)
    p = make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.DRAFT)
    db.session.commit()
    assert accreditation.quota_warnings(p.accreditation) == [
        "UCLG has a quota of 1 and this nomination makes 2: over quota by 1."]
    login_as(client, make_user, Role.COORDINATOR)
    r = client.post(f"/IMRF/delegates/{p.id}/status", data={"status": "submitted"},
                    follow_redirects=True)
    assert "over quota by 1" in r.get_data(as_text=True)


def test_documents_required_by_route(app, world, make_delegate, make_user):
    coord = make_user(Role.COORDINATOR)
    national = make_delegate(world.delegations["São Paulo"], route=Route.NATIONAL_DELEGATION,
                             sponsor=world.mission, status=S.DRAFT)
    partner = make_delegate(world.delegations["São Paulo"], sponsor=world.uclg, status=S.DRAFT)
    assert accreditation.missing_documents(national.accreditation) == [
        DocumentKind.NOTE_VERBALE, DocumentKind.PASSPORT_BIO_PAGE, DocumentKind.PHOTO]
    assert accreditation.missing_documents(partner.accreditation) == [
        DocumentKind.NOMINATION_LETTER, DocumentKind.PASSPORT_BIO_PAGE, DocumentKind.PHOTO]
    accreditation.mark_document_received(partner.accreditation, DocumentKind.NOMINATION_LETTER,
                                         coord)
    assert accreditation.missing_documents(partner.accreditation) == [
        DocumentKind.PASSPORT_BIO_PAGE, DocumentKind.PHOTO]


def test_bulk_submit_approve_and_mark_received(client, world, make_delegate, make_user):
    people = [make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.DRAFT)
              for _ in range(3)]
    withdrawn = make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.WITHDRAWN)
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    ids = [p.id for p in people] + [withdrawn.id]
    r = client.post("/IMRF/roster/bulk", data={"action": "submit", "delegate_id": ids},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Done for 3" in page
    assert f"Skipped {withdrawn.full_name}: Cannot go from Withdrawn to Submitted." in page
    client.post("/IMRF/roster/bulk", data={"action": "approve", "delegate_id": ids})
    client.post("/IMRF/roster/bulk", data={"action": "document:passport_bio_page",
                                           "delegate_id": ids[:2]})
    db.session.expire_all()
    assert [p.accreditation.status for p in people] == [S.APPROVED] * 3
    assert withdrawn.accreditation.status == S.WITHDRAWN
    assert [DocumentKind.PASSPORT_BIO_PAGE in accreditation.missing_documents(p.accreditation)
            for p in people] == [False, False, True]


def test_focal_point_bulk_only_on_own_delegation(client, world, make_delegate, make_user):
    own = make_delegate(world.delegations["Freetown"], sponsor=world.uclg, status=S.DRAFT)
    other = make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.DRAFT)
    db.session.commit()
    login_as(client, make_user, Role.FOCAL_POINT, delegation=world.delegations["Freetown"])
    assert client.post("/IMRF/roster/bulk", data={
        "action": "submit", "delegate_id": [own.id, other.id]}).status_code == 403
    assert client.post("/IMRF/roster/bulk", data={
        "action": "submit", "delegate_id": [own.id]}).status_code == 302
    db.session.expire_all()
    assert (own.accreditation.status, other.accreditation.status) == (S.SUBMITTED, S.DRAFT)


def test_deadlines_days_left_and_who_is_not_ready(client, world, make_delegate, make_user):
    due = utcnow() + timedelta(days=10)
    d = Deadline(forum_id=world.forum.id, kind=DeadlineKind.CONFIRMATION_CLOSE,
                 title="Confirmations close", due_at=due)
    db.session.add(d)
    ready = make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.APPROVED)
    for k in accreditation.required_documents(Route.PARTNER_ORGANISATION):
        accreditation.mark_document_received(ready.accreditation, k, None)
    late = make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.SUBMITTED,
                         family_name="Latecomer")
    make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.WITHDRAWN)
    db.session.commit()
    assert accreditation.not_ready(d, late.accreditation) == [
        "submitted, needs to be approved or badge collected",
        "missing Nomination letter, Passport bio page, Photo"]
    assert accreditation.not_ready(d, ready.accreditation) == []
    assert accreditation.days_left(due, "America/New_York") in (9, 10, 11)
    login_as(client, make_user, Role.COORDINATOR)
    page = client.get("/IMRF/accreditation/").get_data(as_text=True)
    assert "Confirmations close" in page
    assert f'/IMRF/roster/?not_ready={d.id}">1</a>' in page
    page = client.get(f"/IMRF/roster/?not_ready={d.id}").get_data(as_text=True)
    assert "Latecomer" in page and ready.family_name not in page


def test_days_left_uses_the_forum_zone():
    # 23:30 on 1 May in New York is already 2 May in UTC
    due = datetime(2022, 5, 2, 3, 30, tzinfo=UTC)
    from datetime import date

    assert accreditation.days_left(due, "America/New_York", today=date(2022, 4, 30)) == 1
    assert accreditation.days_left(due, "UTC", today=date(2022, 4, 30)) == 2


def test_deadline_form_keeps_input_and_stores_forum_time(client, world, make_user):
    login_as(client, make_user, Role.COORDINATOR)
    r = client.post("/IMRF/deadlines/", data={"kind": "badge_pickup", "title": "Badges",
                                              "due": "not a time"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'value="Badges"' in page and 'class="error"' in page
    r = client.post("/IMRF/deadlines/", data={"kind": "badge_pickup", "title": "Badges",
                                              "due": "2022-05-13T09:00"})
    assert r.status_code == 302
    d = db.session.scalars(sa.select(Deadline)).one()
    assert d.due_at == datetime(2022, 5, 13, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_dashboard_counts_link_to_filtered_lists(client, world, make_delegate, make_user):
    make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.SUBMITTED,
                  family_name="Submitted1")
    make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.APPROVED,
                  family_name="Approved1")
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    page = client.get("/IMRF/accreditation/").get_data(as_text=True)
    assert "/IMRF/roster/?status=submitted" in page
    assert "/IMRF/roster/?missing=photo" in page
    assert "/IMRF/roster/?route=partner_organisation" in page
    listed = client.get("/IMRF/roster/?status=submitted").get_data(as_text=True)
    assert "Submitted1" in listed and "Approved1" not in listed


def test_quota_form(client, world, make_user):
    login_as(client, make_user, Role.COORDINATOR)
    r = client.post("/IMRF/quotas/", data={"organisation_id": world.uclg.id, "quota": "-1"})
    assert r.status_code == 400 and 'value="-1"' in r.get_data(as_text=True)
    r = client.post("/IMRF/quotas/", data={"organisation_id": world.uclg.id, "quota": "0"})
    assert r.status_code == 302
    assert db.session.scalars(sa.select(PartnerQuota)).one().quota == 0
    r = client.post("/IMRF/organisations/new", data={"name": "Mayors Migration Council",
                                                     "acronym": "MMC", "kind": "partner",
                                                     "country": "XX"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'value="Mayors Migration Council"' in page and "ISO 3166" in page


def test_moving_an_approved_person_to_a_full_partner_warns(client, world, make_delegate,
                                                           make_user):
    db.session.add(PartnerQuota(forum_id=world.forum.id, organisation_id=world.uclg.id, quota=1))
    make_delegate(world.delegations["Niš"], sponsor=world.uclg, status=S.APPROVED)
    p = make_delegate(world.delegations["Niš"], sponsor=world.mission, status=S.APPROVED,
                      route=Route.NATIONAL_DELEGATION)
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    r = client.post(f"/IMRF/delegates/{p.id}/accreditation", data={
        "route": "partner_organisation", "sponsor_id": world.uclg.id},
        follow_redirects=True)
    assert "UCLG has a quota of 1 and this nomination makes 2: over quota by 1." in \
        r.get_data(as_text=True)
    # marking them a substitute frees the place: no warning
    r = client.post(f"/IMRF/delegates/{p.id}/accreditation", data={
        "route": "partner_organisation", "sponsor_id": world.uclg.id, "substitute": "y"},
        follow_redirects=True)
    assert "over quota" not in r.get_data(as_text=True)


def test_remove_a_deadline(client, world, make_user):
    d = Deadline(forum_id=world.forum.id, kind=DeadlineKind.BADGE_PICKUP, title="Badges",
                 due_at=utcnow())
    db.session.add(d)
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    page = client.get("/IMRF/deadlines/").get_data(as_text=True)
    assert f'name="deadline_id" value="{d.id}"' in page
    assert client.post("/IMRF/deadlines/delete", data={"deadline_id": "999"}).status_code == 404
    assert client.post("/IMRF/deadlines/delete", data={"deadline_id": d.id}).status_code == 302
    assert db.session.scalars(sa.select(Deadline)).all() == []
