"""Feed links for others: a coordinator or focal point sees each member's and the
delegation's link state, gets a new link shown once on the right page, keeps the old link
working unless "revoke and replace" is chosen, and every button says whose link it makes."""

from __future__ import annotations

import html
import re

from delegations.db import db
from delegations.models import Role
from tests.conftest import PASSWORD


def _links(page: bytes) -> list[str]:
    return [m.decode() for m in re.findall(
        rb'class="feed-url" type="text" readonly value="webcal://[^"/]+(/[^"]+)"', page)]


def test_coordinator_gets_a_delegation_link_shown_on_its_page(client, auth, make_user,
                                                             make_delegation, make_delegate):
    d = make_delegation(name="Freetown")
    make_delegate(d, given_names="Yvonne", family_name="Aki")
    make_user(Role.COORDINATOR, email="c@example.org")
    auth.login("c@example.org")
    f = d.forum.short_name
    page = html.unescape(client.get(f"/{f}/calendar/?delegation_id={d.id}").get_data(
        as_text=True))
    assert "Get the Freetown delegation's feed link" in page
    assert "Get Yvonne Aki's feed link" in page
    assert "Get my feed link" not in page
    r = client.post(f"/{f}/calendar/delegations/{d.id}/link")
    assert r.status_code == 200
    (first,) = _links(r.data)  # shown, on the delegation's own section
    assert client.get(first).status_code == 200
    # a new link beside the old one: both work
    (second,) = _links(client.post(f"/{f}/calendar/delegations/{d.id}/link").data)
    assert second != first
    assert client.get(first).status_code == 200 and client.get(second).status_code == 200
    # revoke and replace: only the newest works
    r = client.post(f"/{f}/calendar/delegations/{d.id}/link", data={"replace": "1"})
    (third,) = _links(r.data)
    assert b"no longer works" in r.data
    assert client.get(first).status_code == 404 and client.get(second).status_code == 404
    assert client.get(third).status_code == 200


def test_focal_point_gets_a_members_link_without_breaking_theirs(client, app, auth,
                                                                 make_user, make_delegation,
                                                                 make_delegate):
    d = make_delegation(name="Freetown")
    member = make_delegate(d, given_names="Yvonne", family_name="Aki")
    make_user(Role.DELEGATE, email="y@example.org", delegate=member)
    make_user(Role.FOCAL_POINT, email="fp@example.org", delegation=d)
    f = d.forum.short_name
    own = app.test_client()
    own.post("/login", data={"email": "y@example.org", "password": PASSWORD})
    (subscribed,) = _links(own.post(f"/{f}/calendar/delegates/{member.id}/link").data)
    auth.login("fp@example.org")
    page = client.get(f"/{f}/calendar/").data
    assert b"Show a new link for Yvonne Aki (the old one keeps working)" in page
    assert b"A feed link is live since" in page
    r = client.post(f"/{f}/calendar/delegates/{member.id}/link")
    (given,) = _links(r.data)
    assert b"<details open>" in r.data  # the member's section is open, the link in view
    db.session.commit()
    assert client.get(given).status_code == 200
    assert own.get(subscribed).status_code == 200  # the member's own calendar still updates
