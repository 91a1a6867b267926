"""Forum set-up in the browser: a new forum (blank, from last year's structure, or from a
forum JSON file), then one page with its details and what is left to set up: venues with
travel times, rooms, partner quotas, deadlines, delegations, people."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from delegations.auth import manager_required
from delegations.db import db
from delegations.forum_setup import ForumSetupError, update_forum
from delegations.forum_setup import create_forum as create_blank_forum
from delegations.forums import forum_or_404
from delegations.models import Delegation, Forum, Series
from delegations.nav import add_nav
from delegations.timeutil import zone_names
from delegations.zones import picker_zones

from .forum_io import ForumFileError, import_forum
from .models import Room, Venue, VenueTravel
from .setup import duplicate_forum

bp = Blueprint("setup", __name__)


class ForumForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=300)])
    short_name = StringField(_l("Short name (in addresses, e.g. IMRF2026)"),
                             validators=[Length(max=40)])
    series = SelectField(_l("Series"), choices=[SelectChoice(s.value, s.value) for s in Series],
                         default=Series.OTHER.value)
    timezone = StringField(_l("Time zone of the venues"), validators=[Length(max=64)])
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()])
    host_city = StringField(_l("Host city"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    start_from = SelectField(_l("Start from"), validate_choice=False)
    json_file = FileField(_l("Forum file (JSON)"))

    def values(self) -> dict[str, Any]:
        return {
            "name": (self.name.data or "").strip(),
            "short_name": (self.short_name.data or "").strip(),
            "series": Series(self.series.data or Series.OTHER.value),
            "timezone": (self.timezone.data or "").strip(),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "host_city": (self.host_city.data or "").strip(),
            "description": self.description.data or "",
        }

    def show(self, e: ForumSetupError) -> None:
        for name, message in e.problems.items():
            getattr(self, name).errors = [*getattr(self, name).errors, message]


def _start_choices() -> list[SelectChoice]:
    forums = db.session.scalars(sa.select(Forum).order_by(Forum.start_date.desc())).all()
    return ([SelectChoice("blank", _("An empty forum")),
             SelectChoice("json", _("A forum file (JSON)"))]
            + [SelectChoice(str(f.id), _("The structure of %(forum)s: venues, rooms, travel "
                                         "times, quotas, deadlines",
                                         forum=" ".join((f.name, f"({f.short_name})"))))
               for f in forums])


def _new_page(form: ForumForm, problems: list[str] | None = None, code: int = 200) -> Any:
    form.start_from.choices = _start_choices()
    return render_template("setup/new_forum.html", form=form, problems=problems or [],
                           zones=([], zone_names())), code


@bp.get("/forums/new")
@manager_required
def new_forum() -> Any:
    form = ForumForm()
    source = request.args.get("from", "")
    form.start_from.data = source if source else "blank"
    return _new_page(form)


@bp.post("/forums/new")
@manager_required
def new_forum_post() -> Any:
    form = ForumForm()
    form.start_from.choices = _start_choices()
    start_from = form.start_from.data or "blank"
    if start_from == "json":
        upload = request.files.get("json_file")
        data = upload.read() if upload is not None else b""
        if not data:
            form.json_file.errors = [_("Choose the forum file to read.")]
            return _new_page(form, code=422)
        try:
            forum = import_forum(data)
        except ForumFileError as e:
            db.session.rollback()
            return _new_page(form, [str(p) for p in e.problems], 422)
    else:
        try:
            if start_from == "blank":
                forum = create_blank_forum(current_user, form.values())
            else:
                source = db.session.get(Forum, int(start_from)) if start_from.isdigit() else None
                if source is None:
                    abort(404)
                forum = duplicate_forum(source, current_user, form.values())
        except ForumSetupError as e:
            db.session.rollback()
            form.show(e)
            return _new_page(form, code=422)
    db.session.commit()
    flash(_("Created %(forum)s. Now add its venues, rooms, quotas and deadlines.",
            forum=forum.name), "success")
    return redirect(url_for("setup.forum_setup", forum=forum.short_name))


def _checklist(f: Forum) -> dict[str, int]:
    venue_ids = sa.select(Venue.id).where(Venue.forum_id == f.id)
    count = db.session.scalar
    return {
        "venues": count(sa.select(sa.func.count()).select_from(venue_ids.subquery())) or 0,
        "rooms": count(sa.select(sa.func.count(Room.id)).where(
            Room.venue_id.in_(venue_ids))) or 0,
        "travel": count(sa.select(sa.func.count(VenueTravel.id)).where(
            VenueTravel.from_venue_id.in_(venue_ids))) or 0,
        "quotas": len(f.quotas),
        "deadlines": len(f.deadlines),
        "delegations": count(sa.select(sa.func.count(Delegation.id)).where(
            Delegation.forum_id == f.id)) or 0,
    }


def _setup_page(f: Forum, form: ForumForm, code: int = 200) -> Any:
    venues = db.session.scalars(sa.select(Venue).where(Venue.forum_id == f.id)
                                .order_by(Venue.name)).all()
    return render_template("setup/forum.html", forum=f, form=form, todo=_checklist(f),
                           venues=venues, zones=picker_zones(f)), code


@bp.get("/<forum>/setup/")
@manager_required
def forum_setup(forum: str) -> Any:
    f = forum_or_404(forum)
    form = ForumForm(obj=f)
    form.series.data = f.series.value
    return _setup_page(f, form)


@bp.post("/<forum>/setup/")
@manager_required
def forum_setup_post(forum: str) -> Any:
    f = forum_or_404(forum)
    form = ForumForm()
    try:
        changed = update_forum(f, current_user, form.values())
    except ForumSetupError as e:
        db.session.rollback()
        form.show(e)
        return _setup_page(forum_or_404(forum), form, 422)
    db.session.commit()
    flash(_("Saved the forum.") if changed else _("Nothing changed."), "info")
    return redirect(url_for("setup.forum_setup", forum=f.short_name))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav(app, "setup.forum_setup", "Set-up", managers_only=True, order=78)
