"""Shared helpers for the accreditation tests: a small forum with Unicode city
names and a partner organisation, and roster CSV text built from rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from delegations.db import db
from delegations.models import Delegation, Forum, Organisation, OrganisationKind, Role
from delegations.spreadsheets import COLUMNS

CITIES = (("São Paulo", "BR"), ("Montréal", "CA"), ("Niš", "RS"), ("北京", "CN"),
          ("القاهرة", "EG"), ("Freetown", "SL"))


@dataclass
class World:
    forum: Forum
    delegations: dict[str, Delegation]
    uclg: Organisation
    mission: Organisation


def make_world(make_forum: Callable[..., Forum],
               make_delegation: Callable[..., Delegation]) -> World:
    forum = make_forum(name="International Migration Review Forum 2022", short_name="IMRF")
    delegations = {name: make_delegation(forum=forum, name=name, country=cc)
                   for name, cc in CITIES}
    uclg = Organisation(name="United Cities and Local Governments", acronym="UCLG",
                        kind=OrganisationKind.PARTNER, country="ES")
    mission = Organisation(name="Permanent Mission of Brazil", acronym="PM-BR",
                           kind=OrganisationKind.NATIONAL_GOVERNMENT, country="BR")
    db.session.add_all([uclg, mission])
    db.session.commit()
    return World(forum, delegations, uclg, mission)


def row(**kw: Any) -> dict[str, str]:
    values = {c: "" for c in COLUMNS}
    values.update({"route": "partner_organisation", "sponsor": "UCLG", "status": "draft",
                   "level": "official", "capacity": "member"})
    values.update({k: str(v) for k, v in kw.items()})
    return values


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def generated_rows(n: int) -> list[dict[str, str]]:
    """n valid rows spread over the cities, unique e-mails and names."""
    out = []
    for i in range(n):
        city, cc = CITIES[i % len(CITIES)]
        out.append(row(delegation=city, country=cc, given_names=f"Given{i}",
                       family_name=f"Family{i}", email=f"person{i}@example.org",
                       arrival_date="2022-05-15", departure_date="2022-05-21"))
    return out


def login_as(client: Any, make_user: Callable[..., Any], role: Role, **kw: Any) -> Any:
    from tests.conftest import PASSWORD

    user = make_user(role, **kw)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return user


def follow_import(client: Any, r: Any, timeout: float = 120) -> Any:
    """Follow an import from the upload's answer to the job's page, reloading it as a
    browser does (its Refresh header) until the job has finished checking or writing."""
    import time

    from flask import g

    deadline = time.monotonic() + timeout
    url = None
    while r.status_code in (302, 303) or "Refresh" in r.headers:
        assert time.monotonic() < deadline, "the import job did not finish"
        if r.status_code in (302, 303):
            url = r.headers["Location"]
        else:
            time.sleep(0.1)
        # the test's app context is every request's: end its snapshot, forget its user
        from delegations.db import db

        db.session.rollback()
        g.pop("_login_user", None)
        r = client.get(url)
    return r
