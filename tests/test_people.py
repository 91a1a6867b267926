"""People and accounts in the browser's forms: invitations (one-time, expiring, hashed),
accounts changed by an administrator with a log, a delegate's own details."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from PIL import Image

from delegations.db import db
from delegations.invitations import hash_token
from delegations.models import AccreditationStatus, ChangeLog, Invitation, Role, User
from tests.conftest import PASSWORD


def _link(html: str) -> str:
    m = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def test_coordinator_invites_a_focal_point_who_sets_a_password(client, auth, make_user,
                                                               make_delegation, app):
    d = make_delegation(name="Freetown")
    make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    f = d.forum.short_name
    r = client.post(f"/{f}/invitations/", data={"email": "FP@Example.org", "role": "focal_point",
                                                "delegation_id": str(d.id)})
    assert r.status_code == 200
    link = _link(r.get_data(as_text=True))
    token = link.rsplit("/", 1)[1]
    inv = db.session.scalar(sa.select(Invitation))
    assert inv.email == "fp@example.org" and inv.token_hash == hash_token(token)
    assert token not in inv.token_hash
    # the link is shown once: the list page does not carry it
    assert token not in client.get(f"/{f}/invitations/").get_data(as_text=True)
    auth.logout()

    page = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert "focal point" in page and "Freetown" in page
    r = client.post(f"/invitation/{token}", data={"password": "short", "repeat": "short"})
    assert r.status_code == 422
    r = client.post(f"/invitation/{token}", data={"password": PASSWORD, "repeat": PASSWORD})
    assert r.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "fp@example.org"))
    assert user.role == Role.FOCAL_POINT and user.delegation_id == d.id
    # one time only
    assert client.get(f"/invitation/{token}").status_code == 404
    assert client.post(f"/invitation/{token}", data={"password": PASSWORD,
                                                     "repeat": PASSWORD}).status_code == 404
    actions = db.session.scalars(sa.select(ChangeLog.action).where(
        ChangeLog.entity == "invitation")).all()
    assert set(actions) == {"create", "accept"}


def test_invitation_expires_and_a_new_one_replaces_the_old(client, auth, make_user,
                                                           make_delegation):
    d = make_delegation()
    make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    f = d.forum.short_name
    data = {"email": "fp@example.org", "role": "focal_point", "delegation_id": str(d.id)}
    first = _link(client.post(f"/{f}/invitations/", data=data).get_data(as_text=True))
    second = _link(client.post(f"/{f}/invitations/", data=data).get_data(as_text=True))
    assert client.get(first).status_code == 404  # replaced
    assert client.get(second).status_code == 200
    inv = db.session.scalar(sa.select(Invitation).where(Invitation.revoked_at.is_(None)))
    inv.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert client.get(second).status_code == 404


def test_who_may_invite_whom(client, auth, make_user, make_delegation, make_delegate):
    own = make_delegation(name="Freetown")
    other = make_delegation(forum=own.forum, name="Milan")
    member = make_delegate(own, email="member@example.org")
    stranger = make_delegate(other)
    make_user(Role.FOCAL_POINT, email="fp@example.org", delegation=own)
    auth.login("fp@example.org")
    f = own.forum.short_name
    r = client.post(f"/{f}/invitations/", data={"email": "x@example.org", "role": "coordinator"})
    assert r.status_code == 422
    r = client.post(f"/{f}/invitations/", data={"email": "s@example.org", "role": "delegate",
                                                "delegate_id": str(stranger.id)})
    assert r.status_code == 422 and b"may not invite" in r.data
    r = client.post(f"/{f}/invitations/", data={"email": "member@example.org",
                                                "role": "delegate",
                                                "delegate_id": str(member.id)})
    assert r.status_code == 200 and _link(r.get_data(as_text=True))
    # a delegate cannot invite at all
    assert client.get("/accounts/").status_code == 403


def test_admin_changes_a_role_and_disables_an_account_with_a_log(client, auth, make_user,
                                                                  make_delegation):
    d = make_delegation()
    admin = make_user(Role.ADMIN, email="admin@example.org")
    coord = make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    assert client.get("/accounts/").status_code == 200  # coordinators see the list
    assert client.post(f"/accounts/{coord.id}", data={"role": "admin",
                                                      "active": "1"}).status_code == 403
    auth.logout()
    auth.login("admin@example.org")
    r = client.post(f"/accounts/{coord.id}", data={"role": "focal_point",
                                                   "delegation_id": str(d.id), "active": "1"})
    assert r.status_code == 302
    r = client.post(f"/accounts/{coord.id}", data={"role": "focal_point",
                                                   "delegation_id": str(d.id)})
    db.session.expire_all()
    assert coord.role == Role.FOCAL_POINT and coord.delegation_id == d.id and not coord.active
    # the last administrator cannot lock everyone out
    r = client.post(f"/accounts/{admin.id}", data={"role": "admin"})
    assert r.status_code == 422 and b"last administrator" in r.data
    page = client.get("/accounts/").get_data(as_text=True)
    assert "coord@example.org: role coordinator -&gt; focal_point" in page
    assert "coord@example.org: disabled" in page
    auth.logout()
    assert auth.login("coord@example.org").status_code == 401


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (330, 440), (200, 120, 40)).save(buf, "PNG")  # badge-sized
    return buf.getvalue()


def test_delegate_edits_own_details_name_locked_after_submission(client, auth, make_user,
                                                                 make_delegate,
                                                                 make_delegation):
    d = make_delegation(focal_point_email="fp@city.example", focal_point_name="Fatmata")
    p = make_delegate(d, given_names="Yvonne", family_name="Aki",
                      status=AccreditationStatus.SUBMITTED)
    make_user(Role.DELEGATE, email="yvonne@example.org", delegate=p)
    auth.login("yvonne@example.org")
    f = d.forum.short_name
    page = client.get(f"/{f}/me/").get_data(as_text=True)
    assert "can no longer be changed here" in page and "fp@city.example" in page
    assert 'name="given_names"' not in page
    r = client.post(f"/{f}/me/", data={
        "given_names": "Hacked", "family_name": "Name", "mobile": "+232 76 000000",
        "languages": "en, fr", "home_timezone": "Africa/Freetown",
        "photo": (io.BytesIO(_png()), "me.png")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert (p.given_names, p.family_name) == ("Yvonne", "Aki")
    assert p.mobile == "+232 76 000000" and p.home_timezone == "Africa/Freetown"
    assert p.photo_path
    r = client.post(f"/{f}/me/", data={"given_names": "Y", "family_name": "A",
                                       "home_timezone": "Mars/Olympus"})
    assert r.status_code == 422 and b"Unknown time zone" in r.data
    # someone else's page is not theirs
    assert client.get(f"/{f}/invitations/").status_code == 403


def test_delegate_stay_dates_outside_a_session_are_previewed(client, auth, make_user,
                                                             make_delegate, make_session):
    p = make_delegate(given_names="Ana", family_name="Lopes")
    f = p.delegation.forum
    make_session(f, start=datetime(2022, 5, 17, 14, tzinfo=UTC), speakers=[p], title="Roundtable")
    make_user(Role.DELEGATE, email="ana@example.org", delegate=p)
    auth.login("ana@example.org")
    data = {"given_names": "Ana", "family_name": "Lopes", "arrival_date": "2022-05-18",
            "departure_date": "2022-05-20"}
    r = client.post(f"/{f.short_name}/me/", data=data)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Saving this would create 1 clash" in page and "Roundtable" in page
    assert 'value="2022-05-18"' in page  # what was typed is kept
    db.session.expire_all()
    assert p.arrival_date is None
    fp = re.search(r'name="confirm_clashes" value="([0-9a-f]+)"', page).group(1)
    r = client.post(f"/{f.short_name}/me/", data=data | {"confirm": "1", "confirm_clashes": fp})
    assert r.status_code == 302
    db.session.expire_all()
    assert p.arrival_date == date(2022, 5, 18)


def test_invitation_goes_out_through_the_mail_outbox(client, auth, app, runner,
                                                     make_user, make_delegation):
    from tests.mail_support import SmtpServer

    server = SmtpServer()
    server.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                          MAIL_DEFAULT_SENDER="Forum Desk <desk@forumdesk.example>")
        d = make_delegation(name="Freetown")
        make_user(Role.COORDINATOR, email="coord@example.org")
        auth.login("coord@example.org")
        r = client.post(f"/{d.forum.short_name}/invitations/", data={
            "email": "fp@example.org", "role": "focal_point", "delegation_id": str(d.id)})
        page = r.get_data(as_text=True)
        link = _link(page)
        assert "queued in the mail outbox for fp@example.org" in page
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output
        (got,) = [m for m in server.handler.received if m.to == "fp@example.org"]
        assert link in got.text() and "Freetown" in got.text()
        assert got.msg["Subject"] == "Your invitation to Forum Desk"
    finally:
        server.stop()
