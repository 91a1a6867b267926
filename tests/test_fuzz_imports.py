"""Hypothesis over the import paths: whatever the CSV rows or the forum JSON, the result is
either a clear refusal (FileProblem / row problems / ForumFileError) or a plan the
database then takes whole. Never another exception, never a preview that passes what the
write refuses."""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from delegations.db import db
from delegations.models import Delegate
from delegations.spreadsheets import COLUMNS, FileProblem, apply_plan, check_rows, read_table
from schedule.cli import DEMO_FILE
from schedule.forum_io import ForumFileError, import_forum
from tests.accr_support import make_world

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# cells as people and tools really produce them, plus what breaks other formats
nasty = st.sampled_from(["", " ", "=1+2", " =cmd|' /C calc'!A0", "+1", "-", "@SUM(A1)",
                         "\t=x", "a\nb", "a\r\nb", "\x00", "\x0b", "\u2028", "\ufeff",
                         '"', '""', "'", ",", ";", "é", "القاهرة", "x" * 300,
                         "a@b.c", "Freetown", "own_authority", "approved", "2022-05-16"])
cell = st.one_of(nasty, st.text(max_size=40), st.text(alphabet=st.characters(
    codec="utf-8", categories=["Cc", "Zl", "Zp", "Lu", "Nd", "Po"]), max_size=12))
columns = st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True)


@st.composite
def csv_files(draw: Any) -> bytes:
    cols = ["delegation", "given_names", "family_name", "route", *draw(columns)]
    cols = list(dict.fromkeys(cols))
    # mostly plausible rows, so that many examples get as far as the write
    plausible = {"delegation": st.sampled_from(["Freetown", "S\u00e3o Paulo", "Nowhere"]),
                 "route": st.sampled_from(["own_authority", "national_delegation", "x"]),
                 "email": st.one_of(st.just(""), cell),
                 "given_names": cell, "family_name": cell}
    free = ("honorific", "function", "mobile", "languages", "notes")
    rows = draw(st.lists(st.tuples(*[plausible.get(c, cell if c in free else st.one_of(
        st.just(""), cell)) for c in cols]),
                         min_size=1, max_size=6))
    out = io.StringIO()
    w = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    w.writerow(cols)
    w.writerows(rows)
    return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@pytest.fixture
def world(make_forum, make_delegation):
    return make_world(make_forum, make_delegation)


@FUZZ
@given(data=csv_files())
def test_csv_rows_are_refused_clearly_or_written_whole(app, world, data):
    before = db.session.scalar(sa.select(sa.func.count(Delegate.id)))
    try:
        rows = read_table(data, "fuzz.csv")
    except FileProblem as e:
        assert str(e)
        return
    plan = check_rows(world.forum, rows)
    if not plan.ok:
        assert all(reason for _, reason in plan.errors)
        return
    event("written")
    savepoint = db.session.begin_nested()
    apply_plan(world.forum, plan, None, "fuzz.csv")
    db.session.flush()  # what the preview passed, the database takes
    names = db.session.scalars(sa.select(Delegate.given_names)).all()
    assert all("\n" not in n and "\x00" not in n for n in names)
    savepoint.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Delegate.id))) == before


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.text(max_size=30), nasty)
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=12)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


@pytest.fixture
def demo_json(app) -> dict[str, Any]:
    return json.loads(DEMO_FILE.read_bytes())


@FUZZ
@given(st.data())
def test_forum_json_with_one_value_changed(app, demo_json, data):
    """A valid forum with any one value replaced by any JSON value."""
    doc = copy.deepcopy(demo_json)
    where = data.draw(st.sampled_from(paths(doc)[1:]))
    target = doc
    for k in where[:-1]:
        target = target[k]
    target[where[-1]] = data.draw(json_value)
    raw = json.dumps(doc).encode()
    savepoint = db.session.begin_nested()
    try:
        import_forum(raw)
        db.session.flush()
        event("written")
    except ForumFileError as e:
        assert e.problems and all(isinstance(p, str) and p for p in e.problems)
    finally:
        savepoint.rollback()


@FUZZ
@given(raw=st.one_of(json_value.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64)))
def test_any_json_or_bytes_is_a_clear_refusal(app, raw):
    with pytest.raises(ForumFileError) as e:
        import_forum(raw)
    db.session.rollback()
    assert e.value.problems
