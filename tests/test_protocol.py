"""Protocol order: the list of participants as a UN protocol officer would write it, in English
and in French, checked line by line against an order written by hand; and the rule's
invariants over any delegation hypothesis can think of."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from delegations import protocol
from delegations.db import db
from delegations.models import (
    AccreditationStatus,
    Capacity,
    DelegationCategory,
    Level,
    Route,
)
from delegations.participants import participants, participants_csv

C = DelegationCategory


def _forum(make_forum: Any, make_delegation: Any, make_delegate: Any) -> Any:
    forum = make_forum(short_name="PROT")
    states = [("DE", "Germany"), ("EG", "Egypt"), ("ES", "Spain"), ("AL", "Albania"),
              ("CH", "Switzerland"), ("DZ", "Algeria")]
    for code, name in states:
        d = make_delegation(forum, name=name, country=code, category=C.MEMBER_STATE)
        make_delegate(d, given_names="Head", family_name=name, level=Level.MINISTER,
                      capacity=Capacity.HEAD, route=Route.NATIONAL_DELEGATION)
    holy_see = make_delegation(forum, name="Holy See", country="VA", category=C.OBSERVER)
    make_delegate(holy_see, given_names="Paul", family_name="Gallagher", level=Level.MINISTER,
                  capacity=Capacity.HEAD)
    iom = make_delegation(forum, name="International Organization for Migration", country=None,
                          category=C.UN_BODY)
    make_delegate(iom, given_names="António", family_name="Vitorino", level=Level.SENIOR_OFFICIAL,
                  capacity=Capacity.HEAD)
    unhcr = make_delegation(forum, name="Office of the UN High Commissioner for Refugees",
                            country=None, category=C.UN_BODY)
    make_delegate(unhcr, given_names="Gillian", family_name="Triggs",
                  level=Level.SENIOR_OFFICIAL, capacity=Capacity.HEAD)
    au = make_delegation(forum, name="African Union", country=None, category=C.INTERGOVERNMENTAL)
    make_delegate(au, given_names="Amira", family_name="Elfadil", level=Level.MINISTER,
                  capacity=Capacity.HEAD)
    for city in ("Zurich", "Évry", "Accra"):
        d = make_delegation(forum, name=city, country="FR", category=C.OTHER_STAKEHOLDER)
        make_delegate(d, given_names="Mayor", family_name=city, level=Level.MAYOR,
                      capacity=Capacity.HEAD)
    # Inside Germany: the head first, then by level (Head of State before Head of Government,
    # minister before vice-minister), then by name with accents folded.
    germany = next(d for d in forum.delegations if d.name == "Germany")
    for first, family, level in [("Élodie", "Zimmer", Level.VICE_MINISTER),
                                 ("Olaf", "Kanzler", Level.HEAD_OF_GOVERNMENT),
                                 ("Frank-Walter", "Präsident", Level.HEAD_OF_STATE),
                                 ("Emil", "Ebert", Level.VICE_MINISTER),
                                 ("Otto", "Late", Level.ADVISER)]:
        make_delegate(germany, given_names=first, family_name=family, level=level,
                      capacity=Capacity.MEMBER, route=Route.NATIONAL_DELEGATION)
    make_delegate(germany, given_names="Nomi", family_name="Nated", level=Level.MINISTER,
                  capacity=Capacity.MEMBER, status=AccreditationStatus.SUBMITTED,
                  route=Route.NATIONAL_DELEGATION)
    make_delegate(germany, given_names="Dra", family_name="Ft", level=Level.MINISTER,
                  capacity=Capacity.MEMBER, status=AccreditationStatus.DRAFT,
                  route=Route.NATIONAL_DELEGATION)
    db.session.commit()
    return forum


def _lines(forum: Any, lang: str, provisional: bool = False) -> list[str]:
    out = []
    for group in participants(forum, lang, provisional):
        out.append(f"# {group.category.value}")
        for entry in group.delegations:
            out.append(entry.title)
            out.extend(f"  {p.given_names} {p.family_name}" for p in entry.people)
    return out


GERMANY = ["  Head Germany", "  Frank-Walter Präsident", "  Olaf Kanzler", "  Emil Ebert",
           "  Élodie Zimmer", "  Otto Late"]

ENGLISH = [
    "# member_state",
    "Albania", "  Head Albania",
    "Algeria", "  Head Algeria",
    "Egypt", "  Head Egypt",
    "Germany", *GERMANY,
    "Spain", "  Head Spain",
    "Switzerland", "  Head Switzerland",
    "# observer",
    "Vatican City", "  Paul Gallagher",
    "# intergovernmental",
    "African Union", "  Amira Elfadil",
    "# un_body",
    "International Organization for Migration", "  António Vitorino",
    "Office of the UN High Commissioner for Refugees", "  Gillian Triggs",
    "# other_stakeholder",
    "Accra", "  Mayor Accra",
    "Évry", "  Mayor Évry",
    "Zurich", "  Mayor Zurich",
]

# A French list is in French order: Albanie, Algérie, Allemagne, Égypte, Espagne, Suisse.
FRENCH = [
    "# member_state",
    "Albanie", "  Head Albania",
    "Algérie", "  Head Algeria",
    "Allemagne", *GERMANY,
    "Égypte", "  Head Egypt",
    "Espagne", "  Head Spain",
    "Suisse", "  Head Switzerland",
    "# observer",
    "État de la Cité du Vatican", "  Paul Gallagher",
    "# intergovernmental",
    "African Union", "  Amira Elfadil",
    "# un_body",
    "International Organization for Migration", "  António Vitorino",
    "Office of the UN High Commissioner for Refugees", "  Gillian Triggs",
    "# other_stakeholder",
    "Accra", "  Mayor Accra",
    "Évry", "  Mayor Évry",
    "Zurich", "  Mayor Zurich",
]


def test_english_list_line_by_line(make_forum, make_delegation, make_delegate):
    forum = _forum(make_forum, make_delegation, make_delegate)
    assert _lines(forum, "en") == ENGLISH


def test_french_list_line_by_line(make_forum, make_delegation, make_delegate):
    forum = _forum(make_forum, make_delegation, make_delegate)
    assert _lines(forum, "fr") == FRENCH


def test_provisional_list_adds_submitted_never_drafts(make_forum, make_delegation,
                                                      make_delegate):
    forum = _forum(make_forum, make_delegation, make_delegate)
    lines = _lines(forum, "en", provisional=True)
    assert "  Nomi Nated" in lines and "  Dra Ft" not in lines
    assert "  Nomi Nated" not in _lines(forum, "en")
    # a minister comes before the vice-ministers
    assert lines.index("  Nomi Nated") < lines.index("  Emil Ebert")


def test_csv_follows_the_same_order(make_forum, make_delegation, make_delegate):
    forum = _forum(make_forum, make_delegation, make_delegate)
    rows = list(csv.DictReader(io.StringIO(participants_csv(forum, "fr").decode("utf-8-sig"))))
    assert [r["delegation"] for r in rows][:4] == ["Albanie", "Algérie", "Allemagne", "Allemagne"]


def test_two_heads_of_one_delegation_are_named(make_forum, make_delegation, make_delegate,
                                               runner, tmp_path):
    forum = make_forum(short_name="TWO")
    d = make_delegation(forum, name="Freetown", country="SL")
    make_delegate(d, given_names="Yvonne", family_name="Aki-Sawyerr", capacity=Capacity.HEAD)
    make_delegate(d, given_names="Other", family_name="Head", capacity=Capacity.HEAD)
    db.session.commit()
    warnings = protocol.warnings(participants(forum))
    assert warnings == ["Freetown has 2 heads of delegation: Yvonne Aki-Sawyerr, Other Head."]
    r = runner.invoke(args=["roster", "participants", "--forum", "TWO",
                            "--out", str(tmp_path / "l.csv")])
    assert r.exit_code == 0 and "2 heads of delegation" in r.output


def test_collation_puts_accents_with_their_letter():
    names = ["Zurich", "Évry", "Eve", "Élodie", "Ezra", "Abel", "émile"]
    assert sorted(names, key=protocol.collation_key) == [
        "Abel", "Élodie", "émile", "Eve", "Évry", "Ezra", "Zurich"]


# --------------------------------------------------------------------------- the rule's invariants

people = st.builds(
    lambda i, cap, lvl, fam, giv: SimpleNamespace(
        id=i, capacity=cap, level=lvl, family_name=fam, given_names=giv,
        display_name=f"{giv} {fam}"),
    st.integers(1, 10_000), st.sampled_from(list(Capacity)), st.sampled_from(list(Level)),
    st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
delegations = st.builds(
    lambda i, cat, name, country: SimpleNamespace(id=i, category=cat, name=name,
                                                  country=country),
    st.integers(1, 10_000), st.sampled_from(list(DelegationCategory)),
    st.text(min_size=1, max_size=20), st.sampled_from([None, "FR", "DE", "EG", "JP", "BR"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(delegations, st.lists(people, max_size=6)), max_size=8),
       st.sampled_from(["en", "fr", "es", "ar"]))
def test_order_invariants(entries, lang):
    groups = protocol.order(entries, lang)
    # categories appear once each, in the ladder's order
    ranks = [g.category.rank for g in groups]
    assert ranks == sorted(set(ranks))
    # nobody is lost or added; empty delegations are left out
    assert sum(g.count for g in groups) == sum(len(p) for _d, p in entries)
    for g in groups:
        titles = [protocol.collation_key(e.title) for e in g.delegations]
        assert titles == sorted(titles)
        for e in g.delegations:
            heads = [p.capacity == Capacity.HEAD for p in e.people]
            # heads first, then never a head again
            assert heads == sorted(heads, reverse=True)
            rest = [p.level.rank for p in e.people if p.capacity != Capacity.HEAD]
            assert rest == sorted(rest)
