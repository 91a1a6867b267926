"""Forms of the programme editor: sessions, venues, rooms and speaker slots.

Times are typed as wall-clock time in the forum's zone (``YYYY-MM-DDTHH:MM``); the view
turns them into UTC with ``timeutil.parse_local``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from delegations.fields import ColumnCheckedForm
from delegations.timeutil import local_time_problem

from .models import Room, Session, SessionKind, SessionStatus, SpeakerRole, Venue

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _choices(enum_cls: Any) -> list[SelectChoice]:
    """Labels translated when the form is drawn, not at import."""
    return [SelectChoice(m.value, LazyString(lambda m=m: m.label)) for m in enum_cls]


def _local(form: FlaskForm, field: StringField) -> None:
    try:
        naive = datetime.fromisoformat(field.data.strip().replace(" ", "T"))
    except (ValueError, AttributeError):
        raise ValidationError(_("Give a date and time like 2022-05-17 10:00.")) from None
    zone_name = getattr(form, "zone", None)  # the forum's zone, set by the view
    if zone_name and naive.tzinfo is None:
        problem = local_time_problem(naive, zone_name)
        if problem:
            raise ValidationError(problem)


class SessionForm(ColumnCheckedForm):
    model = Session
    version = HiddenField()  # the revision the form was opened at
    zone: str | None = None  # the forum's IANA zone: times in its DST gaps are refused
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=400)])
    kind = SelectField(_l("Kind"), choices=_choices(SessionKind))
    official = BooleanField(_l("Official session (not a side event)"))
    private = BooleanField(_l("Private (only coordinators and the people in it see it)"))
    organiser = StringField(_l("Organiser"), validators=[Length(max=300)])
    chairs = StringField(_l("Chairs or co-chairs"), validators=[Length(max=500)])
    status = SelectField(_l("Status"), choices=_choices(SessionStatus),
                         default=SessionStatus.CONFIRMED.value)
    room_id = SelectField(_l("Room"), choices=[], validate_choice=True)
    starts = StringField(_l("Starts (venue time)"), validators=[DataRequired(), _local],
                         render_kw={"type": "datetime-local"})
    ends = StringField(_l("Ends (venue time)"), validators=[DataRequired(), _local],
                       render_kw={"type": "datetime-local"})
    location_note = StringField(_l("Location, when not in a room"), validators=[Length(max=300)])
    online_link = StringField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)])
    expected_attendance = IntegerField(_l("Expected attendance"),
                                       validators=[Optional(), NumberRange(min=0)])
    background = TextAreaField(_l("Background note"))
    objectives = TextAreaField(_l("Objectives (for briefs)"))
    points_to_make = TextAreaField(_l("Points to make (for briefs)"))
    press_line = TextAreaField(_l("Press line (for briefs)"))


class VenueForm(ColumnCheckedForm):
    model = Venue
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = TextAreaField(_l("Address"))
    access_instructions = TextAreaField(_l("Access instructions"))


class RoomForm(ColumnCheckedForm):
    model = Room
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[Optional(), NumberRange(min=0)])
    interpretation_languages = StringField(_l("Interpretation languages (e.g. en, fr, es)"),
                                           validators=[Length(max=100)])
    online = BooleanField(_l("Online / hybrid"))


class SpeakerForm(FlaskForm):
    delegate_id = HiddenField()
    guest_name = StringField(_l("External guest's name (when not a delegate)"),
                             validators=[Length(max=300)])
    guest_function = StringField(_l("Guest's function"), validators=[Length(max=300)])
    role = SelectField(_l("Role"), choices=_choices(SpeakerRole),
                       default=SpeakerRole.SPEAKER.value)
    order = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=0)])
    minutes = IntegerField(_l("Speaking minutes"), validators=[Optional(), NumberRange(min=0)])
    remote = BooleanField(_l("Speaks remotely"))
    notes = TextAreaField(_l("Notes"))
    confirm = HiddenField()
