"""People, organisations, accreditation, users and the change log.

The forum itself lives here too: delegations, quotas and deadlines hang off it, and
``schedule`` (venues, rooms, sessions) builds on it. Nothing here imports ``schedule``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, enum_column, utcnow


class Series(enum.StrEnum):
    IMRF = "IMRF"
    GFMD = "GFMD"
    GRF = "GRF"
    COP = "COP"
    UNGA = "UNGA"
    HLPF = "HLPF"
    OTHER = "other"


class OrganisationKind(enum.StrEnum):
    NATIONAL_GOVERNMENT = "national_government"  # incl. permanent missions
    LOCAL_GOVERNMENT = "local_government"  # local or regional government
    PARTNER = "partner"  # partner organisation or network
    UN_AGENCY = "un_agency"
    CIVIL_SOCIETY = "civil_society"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "national_government": _("National government / permanent mission"),
            "local_government": _("Local or regional government"),
            "partner": _("Partner organisation or network"),
            "un_agency": _("UN agency"),
            "civil_society": _("Civil society"),
            "other": _("Other"),
        }[self.value]


class Level(enum.StrEnum):
    """Level of representation, in protocol order (highest first)."""

    HEAD_OF_STATE = "head_of_state"
    VICE_PRESIDENT = "vice_president"  # and crown princes and princesses
    HEAD_OF_GOVERNMENT = "head_of_government"
    DEPUTY_HEAD_OF_GOVERNMENT = "deputy_head_of_government"
    MINISTER = "minister"
    VICE_MINISTER = "vice_minister"
    AMBASSADOR = "ambassador"
    MAYOR = "mayor"
    DEPUTY_MAYOR = "deputy_mayor"
    COUNCILLOR = "councillor"
    SENIOR_OFFICIAL = "senior_official"
    OFFICIAL = "official"
    ADVISER = "adviser"
    EXPERT = "expert"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "head_of_state": _("Head of State"),
            "vice_president": _("Vice-President or Crown Prince"),
            "head_of_government": _("Head of Government"),
            "deputy_head_of_government": _("Deputy Prime Minister"),
            "minister": _("Minister"),
            "vice_minister": _("Vice-Minister"),
            "ambassador": _("Ambassador"),
            "mayor": _("Mayor"),
            "deputy_mayor": _("Deputy mayor"),
            "councillor": _("Councillor"),
            "senior_official": _("Senior official"),
            "official": _("Official"),
            "adviser": _("Adviser"),
            "expert": _("Expert"),
            "other": _("Other"),
        }[self.value]

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class DelegationCategory(enum.StrEnum):
    """The groups of a UN list of participants, in the order the list gives them."""

    MEMBER_STATE = "member_state"
    OBSERVER = "observer"  # non-member States and entities with standing invitations
    INTERGOVERNMENTAL = "intergovernmental"
    UN_BODY = "un_body"  # UN system: funds, programmes, specialised agencies
    OTHER_STAKEHOLDER = "other_stakeholder"  # local governments, civil society, others

    @property
    def label(self) -> str:
        return {
            "member_state": _("Member States"),
            "observer": _("Observers"),
            "intergovernmental": _("Intergovernmental organisations"),
            "un_body": _("United Nations system"),
            "other_stakeholder": _("Other stakeholders"),
        }[self.value]

    @property
    def rank(self) -> int:
        return list(DelegationCategory).index(self)


class Capacity(enum.StrEnum):
    """Capacity in which a person serves in the delegation (protocol order)."""

    HEAD = "head"
    MEMBER = "member"
    ADVISER = "adviser"
    SUPPORT = "support"

    @property
    def label(self) -> str:
        return {"head": _("Head of delegation"), "member": _("Member"), "adviser": _("Adviser"),
                "support": _("Support staff")}[self.value]

    @property
    def rank(self) -> int:
        return list(Capacity).index(self)


class Route(enum.StrEnum):
    NATIONAL_DELEGATION = "national_delegation"
    PARTNER_ORGANISATION = "partner_organisation"
    OWN_AUTHORITY = "own_authority"

    @property
    def label(self) -> str:
        return {
            "national_delegation": _("Inside the national delegation"),
            "partner_organisation": _("Through a partner organisation"),
            "own_authority": _("In its own name"),
        }[self.value]


class AccreditationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    BADGE_COLLECTED = "badge_collected"

    @property
    def label(self) -> str:
        return {
            "draft": _("Draft"),
            "submitted": _("Submitted"),
            "approved": _("Approved"),
            "rejected": _("Rejected"),
            "withdrawn": _("Withdrawn"),
            "badge_collected": _("Badge collected"),
        }[self.value]


class BadgeType(enum.StrEnum):
    PARTY = "party"
    PARTY_OVERFLOW = "party_overflow"
    OBSERVER = "observer"
    UN = "un"
    TEMPORARY_PASS = "temporary_pass"  # noqa: S105 (a badge type, not a secret)
    PRESS = "press"
    HOST_COUNTRY_GUEST = "host_country_guest"
    COURTESY = "courtesy"

    @property
    def label(self) -> str:
        return {
            "party": _("Party"),
            "party_overflow": _("Party overflow"),
            "observer": _("Observer"),
            "un": _("UN"),
            "temporary_pass": _("Temporary pass"),
            "press": _("Press"),
            "host_country_guest": _("Host country guest"),
            "courtesy": _("Courtesy"),
        }[self.value]


class DocumentKind(enum.StrEnum):
    NOTE_VERBALE = "note_verbale"  # or credentials letter from the mission
    NOMINATION_LETTER = "nomination_letter"
    PASSPORT_BIO_PAGE = "passport_bio_page"
    PHOTO = "photo"

    @property
    def label(self) -> str:
        return {
            "note_verbale": _("Note Verbale or credentials letter"),
            "nomination_letter": _("Nomination letter"),
            "passport_bio_page": _("Passport bio page"),
            "photo": _("Photo"),
        }[self.value]


class DeadlineKind(enum.StrEnum):
    NOMINATIONS_OPEN = "nominations_open"
    NOMINATIONS_CLOSE = "nominations_close"
    CONFIRMATION_CLOSE = "confirmation_close"
    BADGE_PICKUP = "badge_pickup"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "nominations_open": _("Nominations open"),
            "nominations_close": _("Nominations close"),
            "confirmation_close": _("Confirmation close"),
            "badge_pickup": _("Badge pickup"),
            "other": _("Other"),
        }[self.value]


class NameOrder(enum.StrEnum):
    """How a person writes their name: given names first, or family name first (Chinese,
    Korean, Japanese, Hungarian, Vietnamese names as on the passport)."""

    GIVEN_FIRST = "given_first"
    FAMILY_FIRST = "family_first"

    @property
    def label(self) -> str:
        return {"given_first": _("Given names first"),
                "family_first": _("Family name first")}[self.value]


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FOCAL_POINT = "focal_point"
    DELEGATE = "delegate"
    DESK = "desk"  # badge desk: checks badges in, sees nothing else

    @property
    def label(self) -> str:
        return {
            "admin": _("Admin"),
            "coordinator": _("Coordinator"),
            "focal_point": _("Focal point"),
            "delegate": _("Delegate"),
            "desk": _("Desk"),
        }[self.value]


class Forum(Base):
    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    short_name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    series: Mapped[Series] = mapped_column(enum_column(Series), default=Series.OTHER)
    timezone: Mapped[str] = mapped_column(sa.String(64))  # IANA name, e.g. America/New_York
    start_date: Mapped[date]
    end_date: Mapped[date]
    host_city: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # the language of pages and books when nobody has said otherwise (en, fr, es, ar)
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegations: Mapped[list[Delegation]] = relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="Delegation.name"
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="Deadline.due_at"
    )
    quotas: Mapped[list[PartnerQuota]] = relationship(
        back_populates="forum", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),)

    def __repr__(self) -> str:
        return f"<Forum {self.short_name}>"


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), unique=True)
    acronym: Mapped[str] = mapped_column(sa.String(40), default="")
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind), default=OrganisationKind.OTHER
    )
    country: Mapped[str | None] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class PartnerQuota(Base):
    """How many people a partner organisation may nominate to a forum."""

    __tablename__ = "partner_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    quota: Mapped[int]

    forum: Mapped[Forum] = relationship(back_populates="quotas")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("forum_id", "organisation_id"),
        sa.CheckConstraint("quota >= 0", name="quota_not_negative"),
    )


class Deadline(Base):
    """A dated milestone of a forum (nominations close, badge pick-up...)."""

    __tablename__ = "deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    kind: Mapped[DeadlineKind] = mapped_column(enum_column(DeadlineKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    forum: Mapped[Forum] = relationship(back_populates="deadlines")


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))  # e.g. "Freetown"
    country: Mapped[str | None] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    category: Mapped[DelegationCategory] = mapped_column(
        enum_column(DelegationCategory), default=DelegationCategory.OTHER_STAKEHOLDER,
        server_default=DelegationCategory.OTHER_STAKEHOLDER.value)
    leading_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL")
    )
    focal_point_name: Mapped[str] = mapped_column(sa.String(200), default="")
    focal_point_email: Mapped[str] = mapped_column(sa.String(320), default="")
    focal_point_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    # the optimistic version: every UPDATE checks and bumps it (see versions.py)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    forum: Mapped[Forum] = relationship(back_populates="delegations")
    leading_organisation: Mapped[Organisation | None] = relationship()
    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="delegation", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("forum_id", "name"),)

    def __repr__(self) -> str:
        return f"<Delegation {self.name}>"


class Delegate(Base):
    """A person in a delegation. Names exactly as on the passport."""

    __tablename__ = "delegate"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE"), index=True
    )
    honorific: Mapped[str] = mapped_column(sa.String(40), default="")
    given_names: Mapped[str] = mapped_column(sa.String(200))
    family_name: Mapped[str] = mapped_column(sa.String(200))
    name_order: Mapped[NameOrder] = mapped_column(
        enum_column(NameOrder), default=NameOrder.GIVEN_FIRST, server_default="given_first")
    # the name in its own script (王小明, Владимир, محمد), printed beside the Latin one
    original_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    function: Mapped[str] = mapped_column(sa.String(300), default="")  # job title
    level: Mapped[Level] = mapped_column(enum_column(Level), default=Level.OFFICIAL)
    capacity: Mapped[Capacity] = mapped_column(enum_column(Capacity), default=Capacity.MEMBER)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL")
    )
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    mobile: Mapped[str] = mapped_column(sa.String(50), default="")
    languages: Mapped[str] = mapped_column(sa.String(200), default="")  # e.g. "en, fr"
    home_timezone: Mapped[str | None] = mapped_column(sa.String(64))
    arrival_date: Mapped[date | None]
    departure_date: Mapped[date | None]
    photo_path: Mapped[str | None] = mapped_column(sa.String(300))
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    # the optimistic version: every UPDATE checks and bumps it (see versions.py)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    delegation: Mapped[Delegation] = relationship(back_populates="delegates")
    organisation: Mapped[Organisation | None] = relationship()
    accreditations: Mapped[list[Accreditation]] = relationship(
        back_populates="delegate", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        """The name in the person's own order; a family name written first is in capitals
        (the UN's way of showing which part is the family name): "WANG Xiaoming"."""
        if self.name_order == NameOrder.FAMILY_FIRST:
            return f"{self.family_name.upper()} {self.given_names}".strip()
        return f"{self.given_names} {self.family_name}".strip()

    @property
    def sort_name(self) -> str:
        """What lists sort by: family name, then given names, whatever the order printed."""
        return f"{self.family_name} {self.given_names}".strip()

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.full_name}".strip()

    @property
    def accreditation(self) -> Accreditation | None:
        for a in self.accreditations:
            if a.forum_id == self.delegation.forum_id:
                return a
        return None

    def __repr__(self) -> str:
        return f"<Delegate {self.full_name}>"


class Accreditation(Base):
    """One per delegate per forum: the route, its sponsor and where the file stands."""

    __tablename__ = "accreditation"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("delegate.id", ondelete="CASCADE"))
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    route: Mapped[Route] = mapped_column(enum_column(Route))
    sponsor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL")
    )
    status: Mapped[AccreditationStatus] = mapped_column(
        enum_column(AccreditationStatus), default=AccreditationStatus.DRAFT
    )
    badge_type: Mapped[BadgeType | None] = mapped_column(enum_column(BadgeType))
    substitute: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    badge_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    # the optimistic version: every UPDATE checks and bumps it (see versions.py)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    delegate: Mapped[Delegate] = relationship(back_populates="accreditations")
    forum: Mapped[Forum] = relationship()
    sponsor: Mapped[Organisation | None] = relationship()
    documents: Mapped[list[AccreditationDocument]] = relationship(
        back_populates="accreditation", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("delegate_id", "forum_id"),)


class AccreditationDocument(Base):
    """A document an accreditation route requires, received on paper or uploaded."""

    __tablename__ = "accreditation_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation.id", ondelete="CASCADE")
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_path: Mapped[str | None] = mapped_column(sa.String(300))
    original_filename: Mapped[str] = mapped_column(sa.String(300), default="")

    accreditation: Mapped[Accreditation] = relationship(back_populates="documents")

    __table_args__ = (sa.UniqueConstraint("accreditation_id", "kind"),)


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="SET NULL")
    )
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(sa.String(8))  # chosen with the switcher

    # raised by a password change and by "log out everywhere": every remember-me cookie
    # and session made before stops working (it is part of get_id)
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    delegation: Mapped[Delegation | None] = relationship()
    delegate: Mapped[Delegate | None] = relationship()

    def get_id(self) -> str:  # flask-login: what the session and remember cookies hold
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def is_manager(self) -> bool:
        """Coordinators and admins manage everything."""
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    @property
    def own_delegation_id(self) -> int | None:
        if self.role == Role.FOCAL_POINT:
            return self.delegation_id
        if self.role == Role.DELEGATE and self.delegate is not None:
            return self.delegate.delegation_id
        return None

    # For templates: the rules themselves live in ``delegations.access``.
    def can_see_delegation(self, delegation_id: int) -> bool:
        from .access import can_see_delegation

        return can_see_delegation(self, delegation_id)

    def can_edit_delegation(self, delegation_id: int) -> bool:
        from .access import can_edit_delegation

        return can_edit_delegation(self, delegation_id)


class ChangeLog(Base):
    """Who changed what, when. Written by services, never edited."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(sa.String(320), default="system")
    entity: Mapped[str] = mapped_column(sa.String(50))  # e.g. "accreditation", "session"
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(50))  # e.g. "create", "status:approved"
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_change_log_entity", "entity", "entity_id"),)


class LoginAttempt(Base):
    """Failed logins, for throttling (kept in the database so every worker sees them)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJob(Base):
    """A roster file being checked or written by a job: its state and progress live here,
    so the page that follows it works from any web worker and survives a restart."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(300))
    stored_name: Mapped[str] = mapped_column(sa.String(100))  # in the uploads folder
    # queued, checking, checked, refused, writing, done, failed
    state: Mapped[str] = mapped_column(sa.String(20), default="queued", index=True)
    done_rows: Mapped[int] = mapped_column(default=0)
    total_rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any] | None] = mapped_column(sa.JSON)  # [[line, name, reason], ...]
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship()


class Invitation(Base):
    """A one-time link to set a password and join as a given role. Only the token's hash is
    stored; the link is shown once (and mailed when mail is set up)."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    forum_id: Mapped[int | None] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE"))
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegation: Mapped[Delegation | None] = relationship()
    delegate: Mapped[Delegate | None] = relationship()
    created_by: Mapped[User | None] = relationship()
