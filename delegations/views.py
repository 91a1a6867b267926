"""The ``delegations`` blueprint: the home page, the list of delegations of a forum and one
delegation's roster. ``roster_views`` and ``accreditation_views`` add their routes to ``bp``;
the app factory imports them before registering it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .access import can_see, get_or_404_for
from .db import db
from .forums import forum_or_404, forums_for
from .models import (
    Accreditation,
    Delegate,
    Delegation,
)
from .nav import forum_home

bp = Blueprint("delegations", __name__)


def home() -> Any:
    forums = forums_for(current_user)
    if len(forums) == 1:
        return redirect(url_for(forum_home(current_app), forum=forums[0].short_name))
    return render_template("delegations/forums.html", forums=forums)


@bp.get("/<forum>/delegations/")
def index(forum: str) -> Any:
    f = forum_or_404(forum)
    if not current_user.is_manager:
        own = current_user.own_delegation_id
        if own is None:
            abort(403)
        return redirect(url_for("delegations.detail", forum=forum, delegation_id=own))
    delegations = db.session.scalars(
        sa.select(Delegation)
        .where(Delegation.forum_id == f.id)
        .options(
            selectinload(Delegation.delegates)
            .selectinload(Delegate.accreditations)
            .selectinload(Accreditation.sponsor),
            selectinload(Delegation.leading_organisation),
        )
        .order_by(Delegation.name)
    ).all()
    return render_template("delegations/index.html", forum=f, delegations=delegations)


@bp.get("/<forum>/delegations/<int:delegation_id>")
def detail(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    delegation = get_or_404_for(current_user, Delegation, delegation_id, f)
    delegates = db.session.scalars(
        sa.select(Delegate)
        .where(Delegate.delegation_id == delegation.id)
        .options(
            selectinload(Delegate.accreditations).selectinload(Accreditation.sponsor),
            selectinload(Delegate.accreditations).selectinload(Accreditation.documents),
            selectinload(Delegate.organisation),
        )
    ).all()
    delegates = sorted(delegates, key=lambda d: (d.capacity.rank, d.level.rank, d.family_name))
    delegates = [d for d in delegates if can_see(current_user, d)]
    return render_template(
        "delegations/detail.html", forum=f, delegation=delegation, delegates=delegates
    )
