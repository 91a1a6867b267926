"""Agendas: a delegate's, a delegation's, and the viewer's own."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Delegate, Delegation, Forum
from delegations.timeutil import (
    zone_names,
)

from . import clashes as clash_mod
from .models import (
    Session,
    SpeakerSlot,
)
from .queries import visible_sessions_clause
from .view_support import (
    agenda_days,
    get_in_forum,
    session_load_options,
)
from .views import bp, viewer_zone


def _agenda_sessions(f: Forum, delegate_ids: list[int]) -> list[Session]:
    if not delegate_ids:
        return []
    ids = sa.select(SpeakerSlot.session_id).where(SpeakerSlot.delegate_id.in_(delegate_ids))
    return list(db.session.scalars(
        sa.select(Session).where(Session.forum_id == f.id, Session.id.in_(ids),
                                 visible_sessions_clause(current_user))
        .options(*session_load_options()).order_by(Session.starts_at, Session.title)))


def _person_clashes(f: Forum, delegate_ids: set[int]) -> list[clash_mod.Clash]:
    if not current_user.is_manager:
        return []
    return [c for c in clash_mod.forum_clashes(f) if c.delegate_ids & delegate_ids]


@bp.get("/<forum>/delegates/<int:delegate_id>/agenda")
def delegate_agenda(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    person = get_in_forum(Delegate, delegate_id, f)
    sessions = _agenda_sessions(f, [person.id])
    home_tz = viewer_zone(f.timezone, person.home_timezone or "")
    return render_template(
        "schedule/agenda.html", forum=f, title=person.display_name,
        subtitle=f"{person.function or ''} {person.delegation.name}".strip(),
        days=agenda_days(f, sessions), home_tz=home_tz, zone_names=zone_names(),
        person=person, delegation=person.delegation, focus={person.id},
        clashes=_person_clashes(f, {person.id}))


@bp.get("/<forum>/delegations/<int:delegation_id>/agenda")
def delegation_agenda(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    delegation = get_in_forum(Delegation, delegation_id, f)
    people = db.session.scalars(sa.select(Delegate).where(
        Delegate.delegation_id == delegation.id).order_by(Delegate.family_name)).all()
    ids = [p.id for p in people]
    sessions = _agenda_sessions(f, ids)
    fallback = current_user.delegate.home_timezone if current_user.delegate else None
    if fallback is None:
        fallback = next((p.home_timezone for p in people if p.home_timezone), None)
    home_tz = viewer_zone(f.timezone, fallback or "")
    return render_template(
        "schedule/agenda.html", forum=f, title=_("%(name)s delegation", name=delegation.name),
        subtitle="", days=agenda_days(f, sessions), home_tz=home_tz, zone_names=zone_names(),
        person=None, delegation=delegation, people=people, focus=set(ids),
        clashes=_person_clashes(f, set(ids)))


@bp.get("/<forum>/my-agenda/")
def my_agenda(forum: str) -> Any:
    f = forum_or_404(forum)
    if current_user.delegate_id is not None and current_user.delegate is not None \
            and current_user.delegate.delegation.forum_id == f.id:
        return delegate_agenda(forum, current_user.delegate_id)
    own = current_user.own_delegation_id
    if own is not None:
        d = db.session.get(Delegation, own)
        if d is not None and d.forum_id == f.id:
            return delegation_agenda(forum, own)
    if current_user.is_manager:
        delegations = db.session.scalars(sa.select(Delegation).where(
            Delegation.forum_id == f.id).order_by(Delegation.name)).all()
        return render_template("schedule/agendas.html", forum=f, delegations=delegations)
    abort(403)
