"""A delegate's own details: contact, languages, home zone, stay dates and photo. The name as
on the passport is theirs to correct only until the accreditation is submitted; then it is
shown read-only with whom to ask. Stay dates that would put them outside a session they are
in are previewed and confirmed first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from . import roster, write_preview
from .auth import roles_required
from .db import db
from .forums import forum_or_404
from .models import AccreditationStatus, Delegate, Forum, Role
from .timeutil import is_valid_zone
from .zones import picker_zones

bp = Blueprint("me", __name__)


class SelfForm(FlaskForm):
    given_names = StringField(_l("Given names (as on passport)"),
                              validators=[DataRequired(), Length(max=200)])
    family_name = StringField(_l("Family name (as on passport)"),
                              validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=320)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=50)])
    languages = StringField(_l("Languages (e.g. en, fr)"),
                            validators=[Optional(), Length(max=200)])
    home_timezone = StringField(_l("Home time zone"), validators=[Optional(), Length(max=64)])
    arrival_date = DateField(_l("Arrival"), validators=[Optional()])
    departure_date = DateField(_l("Departure"), validators=[Optional()])
    photo = FileField(_l("New photo (JPEG or PNG, at most 2 MB)"))

    def validate_home_timezone(self, field: Any) -> None:
        if field.data and not is_valid_zone(field.data.strip()):
            raise ValidationError(_("Unknown time zone: pick one from the list, e.g. "
                                    "Africa/Freetown."))

    def validate_departure_date(self, field: Any) -> None:
        if field.data and self.arrival_date.data and field.data < self.arrival_date.data:
            raise ValidationError(_("Departure is before arrival."))


def name_locked(person: Delegate) -> bool:
    """Once the accreditation left the draft, the passport name is the coordinator's."""
    acc = person.accreditation
    return acc is not None and acc.status != AccreditationStatus.DRAFT


def _me(f: Forum) -> Delegate:
    person = current_user.delegate
    if person is None or person.delegation.forum_id != f.id:
        abort(403)
    return person


def _page(f: Forum, person: Delegate, form: SelfForm, clashes: list[Any] | None = None,
          code: int = 200) -> Any:
    return render_template("people/me.html", forum=f, person=person, form=form,
                           locked=name_locked(person), clashes=clashes or [],
                           zones=picker_zones(f)), code


@bp.get("/<forum>/me/")
@roles_required(Role.DELEGATE)
def edit(forum: str) -> Any:
    f = forum_or_404(forum)
    person = _me(f)
    return _page(f, person, SelfForm(obj=person))


@bp.post("/<forum>/me/")
@roles_required(Role.DELEGATE)
def edit_post(forum: str) -> Any:
    f = forum_or_404(forum)
    person = _me(f)
    form = SelfForm()
    if name_locked(person):  # shown read-only; whatever is sent, the record keeps its name
        form.given_names.data, form.family_name.data = person.given_names, person.family_name
    if not form.validate():
        return _page(f, person, form, code=422)
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else b""
    values = {
        "given_names": form.given_names.data.strip(),
        "family_name": form.family_name.data.strip(),
        "email": (form.email.data or "").strip().lower() or None,
        "mobile": (form.mobile.data or "").strip(),
        "languages": (form.languages.data or "").strip(),
        "home_timezone": (form.home_timezone.data or "").strip() or None,
        "arrival_date": form.arrival_date.data,
        "departure_date": form.departure_date.data,
    }
    if values["email"] and roster.email_taken(f.id, values["email"], except_id=person.id):
        form.email.errors = [*form.email.errors,
                             _("Someone else in this forum has this e-mail.")]
        return _page(f, person, form, code=422)
    clashes: list[Any] = []
    if (values["arrival_date"], values["departure_date"]) != (person.arrival_date,
                                                               person.departure_date):
        clashes = write_preview.clashes_for(f, write_preview.StayChange(
            person.id, values["arrival_date"], values["departure_date"]))
    if not write_preview.confirmed(clashes, write_preview.given_confirmation(request.form)):
        return _page(f, person, form, clashes, 409)
    try:
        roster.update_delegate(person, values, current_user)
        if photo:
            roster.set_photo(person, current_app.config["UPLOAD_FOLDER"], photo, current_user)
    except roster.UploadError as e:
        db.session.rollback()
        f = forum_or_404(forum)
        form.photo.errors = [str(e)]
        return _page(f, _me(f), form, code=422)
    db.session.commit()
    flash(_("Your details and your photo are saved.") if photo
          else _("Your details are saved."), "success")
    return redirect(url_for("me.edit", forum=forum))
