"""Forms of the roster and accreditation screens. Each keeps what was typed and puts its
errors beside the field."""

from __future__ import annotations

from typing import Any

import pycountry
import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .db import db
from .fields import ColumnCheckedForm
from .models import (
    Accreditation,
    BadgeType,
    Capacity,
    Deadline,
    DeadlineKind,
    Delegate,
    Delegation,
    Level,
    NameOrder,
    Organisation,
    OrganisationKind,
    PartnerQuota,
    Route,
)
from .timeutil import is_valid_zone


def _enum_choices(enum_cls: Any, blank: Any = None) -> list[SelectChoice]:
    """Choices whose labels are translated when the form is drawn, not at import."""
    out = [SelectChoice("", blank)] if blank is not None else []
    return out + [SelectChoice(m.value, LazyString(lambda m=m: m.label)) for m in enum_cls]


def organisation_choices(blank: str = "—") -> list[SelectChoice]:
    orgs = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    return [SelectChoice("", blank)] + [
        SelectChoice(str(o.id), f"{o.name} ({o.acronym})" if o.acronym else o.name)
        for o in orgs]


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def _country(form: Any, field: Any) -> None:
    if field.data:
        field.data = field.data.strip().upper()
        if pycountry.countries.get(alpha_2=field.data) is None:
            raise ValidationError(_("Use a two-letter ISO 3166 country code, e.g. SL, BR, CN."))


class DelegationForm(ColumnCheckedForm):
    model = Delegation
    version = HiddenField()  # the version the form was opened at
    name = StringField(_l("Name (usually the city)"), validators=[DataRequired(), Length(max=200)])
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(max=2), _country])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    leading_organisation_id = SelectField(_l("Leading organisation"), coerce=_int_or_none,
                                          validate_choice=False)
    focal_point_name = StringField(_l("Focal point"), validators=[Optional(), Length(max=200)])
    focal_point_email = EmailField(_l("Focal point e-mail"), validators=[Optional(), Email()])
    focal_point_phone = StringField(_l("Focal point phone"), validators=[Optional(), Length(max=50)])
    notes = TextAreaField(_l("Notes"), validators=[Optional()])

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.leading_organisation_id.choices = organisation_choices()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data.strip(),
            "country": self.country.data or None,
            "region": (self.region.data or "").strip(),
            "leading_organisation_id": self.leading_organisation_id.data,
            "focal_point_name": (self.focal_point_name.data or "").strip(),
            "focal_point_email": (self.focal_point_email.data or "").strip().lower(),
            "focal_point_phone": (self.focal_point_phone.data or "").strip(),
            "notes": self.notes.data or "",
        }


class DelegateForm(ColumnCheckedForm):
    model = Delegate
    version = HiddenField()  # the version the form was opened at
    honorific = StringField(_l("Honorific"), validators=[Optional(), Length(max=40)])
    given_names = StringField(_l("Given names (as on passport)"),
                              validators=[DataRequired(), Length(max=200)])
    family_name = StringField(_l("Family name (as on passport)"),
                              validators=[DataRequired(), Length(max=200)])
    name_order = SelectField(_l("Name order"), choices=_enum_choices(NameOrder),
                             default=NameOrder.GIVEN_FIRST.value)
    original_name = StringField(_l("Name in its own script"),
                                validators=[Optional(), Length(max=200)])
    function = StringField(_l("Function"), validators=[Optional(), Length(max=300)])
    level = SelectField(_l("Level of representation"), choices=_enum_choices(Level),
                        default=Level.OFFICIAL.value)
    capacity = SelectField(_l("Capacity in the delegation"), choices=_enum_choices(Capacity),
                           default=Capacity.MEMBER.value)
    organisation_id = SelectField(_l("Organisation"), coerce=_int_or_none, validate_choice=False)
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=320)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=50)])
    languages = StringField(_l("Languages"), validators=[Optional(), Length(max=200)])
    home_timezone = StringField(_l("Home time zone (e.g. Africa/Freetown)"),
                                validators=[Optional(), Length(max=64)])
    arrival_date = DateField(_l("Arrival"), validators=[Optional()])
    departure_date = DateField(_l("Departure"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional()])
    # only on the "new delegate" form
    route = SelectField(_l("Accreditation route"), choices=_enum_choices(Route),
                        default=Route.PARTNER_ORGANISATION.value)
    sponsor_id = SelectField(_l("Sponsor (partner organisation or mission)"), coerce=_int_or_none,
                             validate_choice=False)

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.organisation_id.choices = organisation_choices()
        self.sponsor_id.choices = organisation_choices()

    def validate_home_timezone(self, field: Any) -> None:
        if field.data and not is_valid_zone(field.data.strip()):
            raise ValidationError(_("Unknown time zone; use an IANA name such as Africa/Freetown."))

    def validate_departure_date(self, field: Any) -> None:
        if field.data and self.arrival_date.data and field.data < self.arrival_date.data:
            raise ValidationError(_("Departure is before arrival."))

    def validate_sponsor_id(self, field: Any) -> None:
        if self.route.data == Route.PARTNER_ORGANISATION.value and not field.data:
            raise ValidationError(_("The partner organisation route needs a sponsor."))

    def values(self) -> dict[str, Any]:
        return {
            "honorific": (self.honorific.data or "").strip(),
            "given_names": self.given_names.data.strip(),
            "family_name": self.family_name.data.strip(),
            "name_order": NameOrder(self.name_order.data),
            "original_name": (self.original_name.data or "").strip(),
            "function": (self.function.data or "").strip(),
            "level": Level(self.level.data),
            "capacity": Capacity(self.capacity.data),
            "organisation_id": self.organisation_id.data,
            "email": (self.email.data or "").strip().lower() or None,
            "mobile": (self.mobile.data or "").strip(),
            "languages": (self.languages.data or "").strip(),
            "home_timezone": (self.home_timezone.data or "").strip() or None,
            "arrival_date": self.arrival_date.data,
            "departure_date": self.departure_date.data,
            "notes": self.notes.data or "",
        }


class AccreditationForm(ColumnCheckedForm):
    model = Accreditation
    version = HiddenField()  # the version the form was opened at
    route = SelectField(_l("Route"), choices=_enum_choices(Route))
    sponsor_id = SelectField(_l("Sponsor"), coerce=_int_or_none, validate_choice=False)
    badge_type = SelectField(_l("Badge type"), choices=_enum_choices(BadgeType, _l("— not set —")),
                             default="")
    substitute = BooleanField(_l("Substitute (does not use a quota place)"))
    notes = TextAreaField(_l("Notes"), validators=[Optional()])

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.sponsor_id.choices = organisation_choices()

    def validate_sponsor_id(self, field: Any) -> None:
        if self.route.data == Route.PARTNER_ORGANISATION.value and not field.data:
            raise ValidationError(_("The partner organisation route needs a sponsor."))

    def values(self) -> dict[str, Any]:
        return {
            "route": Route(self.route.data),
            "sponsor_id": self.sponsor_id.data,
            "badge_type": BadgeType(self.badge_type.data) if self.badge_type.data else None,
            "substitute": bool(self.substitute.data),
            "notes": self.notes.data or "",
        }


class DeadlineForm(ColumnCheckedForm):
    model = Deadline
    kind = SelectField(_l("Milestone"), choices=_enum_choices(DeadlineKind))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    due = DateTimeLocalField(_l("Due (forum time)"), format="%Y-%m-%dT%H:%M",
                             validators=[DataRequired(message=_l("Give a date and time."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional()])


class QuotaForm(ColumnCheckedForm):
    model = PartnerQuota
    organisation_id = SelectField(_l("Partner organisation"), coerce=_int_or_none,
                                  validate_choice=False,
                                  validators=[DataRequired(message=_l("Choose an organisation."))])
    quota = IntegerField(_l("Quota (people)"), validators=[
        InputRequired(message=_l("Give a number.")), NumberRange(min=0, max=10_000)])

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.organisation_id.choices = organisation_choices(_("— choose —"))


class OrganisationForm(ColumnCheckedForm):
    model = Organisation
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Kind"), choices=_enum_choices(OrganisationKind),
                       default=OrganisationKind.PARTNER.value)
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(max=2), _country])

    def validate_name(self, field: Any) -> None:
        if db.session.scalar(sa.select(Organisation.id).where(
                sa.func.lower(Organisation.name) == field.data.strip().lower())):
            raise ValidationError(_("An organisation with this name exists already."))
