"""The clashes page: every clash of the forum, filtered by kind, severity and text."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import render_template, request

from delegations.auth import manager_required
from delegations.forums import forum_or_404

from . import clashes as clash_mod
from .views import bp


@bp.get("/<forum>/clashes/")
@manager_required
def clashes(forum: str) -> Any:
    f = forum_or_404(forum)
    found = clash_mod.forum_clashes(f)
    totals = clash_mod.counts(found)
    by_kind: dict[str, int] = defaultdict(int)
    for c in found:
        by_kind[c.kind.value] += 1
    kind = request.args.get("kind", "")
    severity = request.args.get("severity", "")
    q = request.args.get("q", "").strip().lower()
    shown = [c for c in found
             if (not kind or c.kind.value == kind)
             and (not severity or c.severity.value == severity)
             and (not q or q in c.message.lower())]
    return render_template(
        "schedule/clashes.html", forum=f, clashes=shown, totals=totals, by_kind=by_kind,
        kinds=list(clash_mod.ClashKind), kind=kind, severity=severity, q=q)
