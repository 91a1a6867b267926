"""Forms of the programme editor: sessions, venues, rooms and speaker slots.

Times are typed as wall-clock time in the forum's zone (``YYYY-MM-DDTHH:MM``); the view
turns them into UTC with ``timeutil.parse_local``.
"""

from __future__ import annotations

from datetime import datetime

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


def _local(form: FlaskForm, field: StringField) -> None:
    try:
        naive = datetime.fromisoformat(field.data.strip().replace(" ", "T"))
    except (ValueError, AttributeError):
        raise ValidationError("Give a date and time like 2022-05-17 10:00.") from None
    zone_name = getattr(form, "zone", None)  # the forum's zone, set by the view
    if zone_name and naive.tzinfo is None:
        problem = local_time_problem(naive, zone_name)
        if problem:
            raise ValidationError(problem)


class SessionForm(ColumnCheckedForm):
    model = Session
    version = HiddenField()  # the revision the form was opened at
    zone: str | None = None  # the forum's IANA zone: times in its DST gaps are refused
    title = StringField("Title", validators=[DataRequired(), Length(max=400)])
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in SessionKind])
    official = BooleanField("Official session (not a side event)")
    private = BooleanField("Private (only coordinators and the people in it see it)")
    organiser = StringField("Organiser", validators=[Length(max=300)])
    chairs = StringField("Chairs or co-chairs", validators=[Length(max=500)])
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in SessionStatus],
                         default=SessionStatus.CONFIRMED.value)
    room_id = SelectField("Room", choices=[], validate_choice=True)
    starts = StringField("Starts (venue time)", validators=[DataRequired(), _local],
                         render_kw={"type": "datetime-local"})
    ends = StringField("Ends (venue time)", validators=[DataRequired(), _local],
                       render_kw={"type": "datetime-local"})
    location_note = StringField("Location, when not in a room", validators=[Length(max=300)])
    online_link = StringField("Online link", validators=[Optional(), URL(), Length(max=500)])
    expected_attendance = IntegerField("Expected attendance",
                                       validators=[Optional(), NumberRange(min=0)])
    background = TextAreaField("Background note")
    objectives = TextAreaField("Objectives (for briefs)")
    points_to_make = TextAreaField("Points to make (for briefs)")
    press_line = TextAreaField("Press line (for briefs)")


class VenueForm(ColumnCheckedForm):
    model = Venue
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    address = TextAreaField("Address")
    access_instructions = TextAreaField("Access instructions")


class RoomForm(ColumnCheckedForm):
    model = Room
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField("Capacity (seats)", validators=[Optional(), NumberRange(min=0)])
    interpretation_languages = StringField("Interpretation languages (e.g. en, fr, es)",
                                           validators=[Length(max=100)])
    online = BooleanField("Online / hybrid")


class SpeakerForm(FlaskForm):
    delegate_id = HiddenField()
    guest_name = StringField("External guest's name (when not a delegate)",
                             validators=[Length(max=300)])
    guest_function = StringField("Guest's function", validators=[Length(max=300)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in SpeakerRole],
                       default=SpeakerRole.SPEAKER.value)
    order = IntegerField("Order", validators=[Optional(), NumberRange(min=0)])
    minutes = IntegerField("Speaking minutes", validators=[Optional(), NumberRange(min=0)])
    remote = BooleanField("Speaks remotely")
    notes = TextAreaField("Notes")
    confirm = HiddenField()
