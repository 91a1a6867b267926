"""What a status change should make a coordinator look at first: for an approval, missing
documents, a missing badge type and the partner's quota; for any change of who is approved,
the programme clashes it would create (through ``write_preview``). Each check either asks
to confirm or, where the forum's rule says so (``APPROVAL_REQUIRES``), refuses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from . import write_preview
from .accreditation import missing_documents, quota_for
from .models import Accreditation, AccreditationStatus, Forum, Route

APPROVED = (AccreditationStatus.APPROVED, AccreditationStatus.BADGE_COLLECTED)


@dataclass
class StatusChecks:
    """``warnings`` are confirmed by the coordinator; ``refusals`` stop the change."""

    warnings: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    clashes: list[Any] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warnings or self.clashes)

    def fingerprint(self) -> str:
        """Ties a confirmation to the very warnings and clashes the coordinator saw."""
        text = "\n".join(sorted(self.warnings)) + write_preview.fingerprint(self.clashes)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _approval_warnings(acc: Accreditation) -> list[tuple[str, str]]:
    """(rule, message) for what is not ready for an approval."""
    out: list[tuple[str, str]] = []
    missing = missing_documents(acc)
    if missing:
        out.append(("documents", _("Documents missing: %(docs)s.",
                                   docs=", ".join(k.label for k in missing))))
    if acc.badge_type is None:
        out.append(("badge_type", _("No badge type is set.")))
    if acc.route == Route.PARTNER_ORGANISATION and acc.sponsor_id and not acc.substitute:
        use = quota_for(acc.forum_id, acc.sponsor_id)
        if use is not None and use.quota is not None:
            org = use.organisation.acronym or use.organisation.name
            counted = acc.status in (AccreditationStatus.SUBMITTED, *APPROVED)
            after = use.used + (0 if counted else 1)
            if after > use.quota:
                out.append(("quota", _("%(org)s is over its quota: %(used)d places for a quota "
                                       "of %(quota)d.", org=org, used=after, quota=use.quota)))
    return out


def checks_for(forum: Forum, acc: Accreditation, new: AccreditationStatus) -> StatusChecks:
    """What moving ``acc`` to ``new`` should be checked against, before it is written."""
    checks = StatusChecks()
    if new == AccreditationStatus.APPROVED and acc.status not in APPROVED:
        required = set(current_app.config.get("APPROVAL_REQUIRES", ()))
        for rule, message in _approval_warnings(acc):
            (checks.refusals if rule in required else checks.warnings).append(message)
    if (new in APPROVED) != (acc.status in APPROVED):
        checks.clashes = write_preview.clashes_for(forum, write_preview.AccreditationChange(
            acc.delegate_id, approved=new in APPROVED))
    return checks
