"""Writing a checked roster plan, set-based: Core INSERTs and UPDATEs run as executemany in
batches (psycopg pipelines them on PostgreSQL; SQLite runs one prepared statement), ids of
new people are fetched by key afterwards, and every status change writes its history
entry through the status module's bulk path. One transaction: the caller commits once,
so a failure (or a killed worker) leaves nothing written.

Updates carry the version the check saw: a delegate edited from a form since the check is
not overwritten (the write stops with ``RosterChanged`` and nothing is kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from . import changelog
from .db import db, utcnow
from .models import Accreditation, Delegate, Delegation, Forum, User
from .roster_check import (
    ACC_FIELDS,
    PERSON_FIELDS,
    DelegationRef,
    ImportPlan,
    PlannedRow,
    key_name,
)
from .status import TIMESTAMP_FIELD, history_entry, record_statuses, status_labels

BATCH = 2000
# Core tables, not the ORM entities: executemany as it is, no ORM bulk machinery
PEOPLE: sa.Table = Delegate.__table__  # type: ignore[assignment]
ACCS: sa.Table = Accreditation.__table__  # type: ignore[assignment]
N_PERSON = len(PERSON_FIELDS)
Progress = Callable[[int], None]


class RosterChanged(RuntimeError):
    """Someone changed delegates of this file between the check and the write."""


def _batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _person(r: PlannedRow) -> dict[str, Any]:
    return dict(zip(PERSON_FIELDS, r.values[:N_PERSON], strict=True))


def _acc(r: PlannedRow) -> dict[str, Any]:
    return dict(zip(ACC_FIELDS, r.values[N_PERSON:], strict=True))


def _status_times(status: Any, now: Any) -> dict[str, Any]:
    out = {"status_changed_at": now}
    if status in TIMESTAMP_FIELD:
        out[TIMESTAMP_FIELD[status]] = now
    return out


def _checked_executemany(stmt: Any, params: list[dict[str, Any]]) -> None:
    """An UPDATE ... WHERE version = :v for many rows; all of them must match."""
    if not params:
        return
    result = db.session.execute(stmt, params)
    dialect = db.session.get_bind().dialect
    if dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        raise RosterChanged("delegates changed since the file was checked")


def _one_import_at_a_time(forum_id: int) -> None:
    """Take the write lock first. PostgreSQL: a lock per forum, held to the commit, so a
    second import of the forum waits for the first. SQLite: an empty write takes the
    database's one write lock now, not half-way (where a read snapshot could no longer be
    upgraded)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(forum_id)))
    else:
        db.session.execute(sa.update(PEOPLE).where(sa.false()).values(version=PEOPLE.c.version))


def apply_plan(forum: Forum, plan: ImportPlan, actor: User | None, filename: str = "",
               progress: Progress | None = None) -> tuple[int, int]:
    """Write every row of a clean plan; returns (created, updated). Flushes only."""
    if plan.error_count or plan.errors:
        raise ValueError("the plan has errors; nothing is written")
    db.session.flush()
    # the forum's id without a query (it may be expired): the lock must be the first
    # statement of the transaction
    _one_import_at_a_time(sa.inspect(forum).identity[0])
    now = utcnow()
    done = 0
    _create_delegations(forum, plan, actor)
    changed = [r for r in plan.rows if r.existing is not None]
    new_rows = [r for r in plan.rows if r.existing is None]
    history: list[dict[str, Any]] = []

    # people already on the roster: one UPDATE per table, executed for many rows
    person_update = (
        sa.update(PEOPLE)
        .where(PEOPLE.c.id == sa.bindparam("b_id"), PEOPLE.c.version == sa.bindparam("b_v"))
        .values({**{f: sa.bindparam(f"b_{f}") for f in PERSON_FIELDS},
                 "version": PEOPLE.c.version + 1}))
    missing_acc: list[PlannedRow] = []
    for batch in _batches(changed):
        people, accs = [], []
        for r in batch:
            e = r.existing
            assert e is not None
            people.append({"b_id": e.id, "b_v": e.version,
                           **{f"b_{k}": v for k, v in _person(r).items()}})
            if e.acc_id is None:
                missing_acc.append(r)
                continue
            acc = _acc(r)
            params = {"b_id": e.acc_id, "b_v": e.acc_version,
                      **{f"b_{k}": v for k, v in acc.items()}}
            accs.append((params, e, acc["status"]))
        _checked_executemany(person_update, people)
        _write_accreditations(accs, now, actor, history)
        record_statuses(history)  # per batch: the history never piles up in memory
        history.clear()
        done += len(batch)
        if progress is not None:
            progress(done)

    created = _insert_new(forum, new_rows + missing_acc, now, actor, progress, done)
    db.session.expire_all()  # the ORM's view of these rows is stale now
    updated = len(changed)
    changelog.record(actor, "roster", forum.id, "import",
                     f"Imported {filename or 'a file'}: {created} created, {updated} updated",
                     {"created": created, "updated": updated, "rows": len(plan.rows)})
    db.session.flush()
    return created, updated


def _write_accreditations(accs: list[tuple[dict[str, Any], Any, Any]], now: Any,
                          actor: User | None, history: list[dict[str, Any]]) -> None:
    """One statement for the rows whose status stays, one per status reached by the
    others (each sets its own timestamp column); every move gets its history entry."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    labels = status_labels()
    for params, e, status in accs:
        if status == e.acc_status:
            groups.setdefault(None, []).append(params)
            continue
        groups.setdefault(status, []).append(params)
        history.append(history_entry(actor, e.acc_id, e.id, e.name, e.acc_status, status,
                                     "spreadsheet", at=now, labels=labels))
    for status, params in groups.items():
        values: dict[str, Any] = {f: sa.bindparam(f"b_{f}") for f in ACC_FIELDS}
        if status is not None:
            times = _status_times(status, now)
            values.update({k: sa.bindparam(f"b_{k}") for k in times})
            for p in params:
                p.update({f"b_{k}": v for k, v in times.items()})
        stmt = (sa.update(ACCS)
                .where(ACCS.c.id == sa.bindparam("b_id"), ACCS.c.version == sa.bindparam("b_v"))
                .values({**values, "version": ACCS.c.version + 1}))
        _checked_executemany(stmt, params)


def _insert_new(forum: Forum, rows: list[PlannedRow], now: Any, actor: User | None,
                progress: Progress | None, done: int) -> int:
    """New people: batched INSERTs without RETURNING, ids fetched by key afterwards (the
    check made (delegation, name) unique among the new rows and the roster)."""
    fresh = [r for r in rows if r.existing is None]
    if not rows:
        return 0
    first_id = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Delegate.id), 0)))
    for batch in _batches(fresh):
        db.session.execute(sa.insert(PEOPLE), [
            {"delegation_id": r.delegation.id, **_person(r)} for r in batch])
        done += len(batch)
        if progress is not None:
            progress(done)
    ids: dict[tuple[int, str], int] = {}
    delegation_ids = list({r.delegation.id for r in fresh})
    for did_batch in _batches(delegation_ids, 500):
        for pid, did, given, family in db.session.execute(
                sa.select(Delegate.id, Delegate.delegation_id, Delegate.given_names,
                          Delegate.family_name)
                .where(Delegate.id > first_id, Delegate.delegation_id.in_(did_batch))):
            ids[(did, key_name(given, family))] = pid
    pending = []
    for r in rows:
        if r.existing is not None:
            pending.append((r.existing.id, r))
        else:
            pending.append((ids[(r.delegation.id, key_name(*_name(r)))], r))
    for batch in _batches(pending):
        db.session.execute(sa.insert(ACCS), [
            {"forum_id": forum.id, "delegate_id": pid, "created_at": now, "notes": "",
             "version": 1, **{f: None for f in TIMESTAMP_FIELD.values()}, **_acc(r),
             **_status_times(_acc(r)["status"], now)} for pid, r in batch])
    acc_ids = dict(db.session.execute(
        sa.select(Accreditation.delegate_id, Accreditation.id)
        .where(Accreditation.forum_id == forum.id,
               Accreditation.delegate_id.in_(sa.bindparam("pids", expanding=True))),
        {"pids": [pid for pid, _ in pending]}).all()) if len(pending) <= 30000 else \
        _acc_ids_in_batches(forum, [pid for pid, _ in pending])
    labels = status_labels()
    for batch in _batches(pending):
        record_statuses(
            history_entry(actor, acc_ids[pid], pid, " ".join(_name(r)).strip(), None,
                          _acc(r)["status"], "spreadsheet", at=now, labels=labels)
            for pid, r in batch)
    return len(fresh)


def _acc_ids_in_batches(forum: Forum, pids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for batch in _batches(pids, 20000):
        out.update(db.session.execute(
            sa.select(Accreditation.delegate_id, Accreditation.id)
            .where(Accreditation.forum_id == forum.id,
                   Accreditation.delegate_id.in_(batch))).all())
    return out


def _create_delegations(forum: Forum, plan: ImportPlan, actor: User | None) -> None:
    """The delegations the check planned (cities new to the roster, with their country),
    created first so that their people go in with the same batched INSERTs."""
    if not plan.new_delegations:
        return
    real: dict[int, DelegationRef] = {}
    for ref in plan.new_delegations:
        d = Delegation(forum_id=forum.id, name=ref.name, country=ref.country)
        db.session.add(d)
        db.session.flush()
        real[ref.id] = DelegationRef(d.id, d.name, d.country)
        changelog.record(actor, "delegation", d.id, "create",
                         f"{d.name} ({d.country}), from a roster import")
    for r in plan.rows:
        if r.delegation.id in real:
            r.delegation = real[r.delegation.id]
    plan.new_delegations = []


def _name(r: PlannedRow) -> tuple[str, str]:
    return r.values[PERSON_FIELDS.index("given_names")], r.values[
        PERSON_FIELDS.index("family_name")]
