"""Protocol order: the one rule every list of people follows.

A UN list of participants groups delegations by category (Member States, then observers,
intergovernmental organisations, the UN system, other stakeholders), orders them by name in the
list's own language with real collation (a French list is in French order), and inside each
delegation puts the head of delegation first, then people by level of representation (Head of
State before Head of Government, minister before vice-minister...), then by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import i18n
from .models import AccreditationStatus, Capacity, Delegate, Delegation, DelegationCategory

#: The statuses a final list shows, and those a provisional list adds.
LISTED = (AccreditationStatus.APPROVED, AccreditationStatus.BADGE_COLLECTED)
PROVISIONAL = (*LISTED, AccreditationStatus.SUBMITTED)

STATE_CATEGORIES = (DelegationCategory.MEMBER_STATE, DelegationCategory.OBSERVER)


def collation_key(text: str) -> tuple[int, ...]:
    """The Unicode Collation Algorithm's key (``i18n.sort_key``): "Élodie" sorts with E,
    Arabic in Arabic order, case and accents only break ties."""
    return tuple(i18n.sort_key(text))


def country_name(code: str | None, lang: str = "en") -> str:
    return i18n.country_name(code, lang)


def delegation_title(delegation: Delegation, lang: str = "en") -> str:
    """What a list prints for a delegation and sorts it by: a State by its country's name in the
    list's language, anyone else by the delegation's own name."""
    if delegation.category in STATE_CATEGORIES and delegation.country:
        return country_name(delegation.country, lang)
    return delegation.name


def delegation_key(delegation: Delegation, lang: str = "en") -> tuple[Any, ...]:
    return (delegation.category.rank, collation_key(delegation_title(delegation, lang)),
            delegation.id or 0)


def person_key(person: Delegate) -> tuple[Any, ...]:
    """Head of delegation first, then level of representation, then capacity, then name."""
    return (person.capacity != Capacity.HEAD, person.level.rank, person.capacity.rank,
            collation_key(person.family_name), collation_key(person.given_names), person.id or 0)


@dataclass
class ListedDelegation:
    delegation: Delegation
    title: str
    people: list[Delegate]


@dataclass
class CategoryGroup:
    category: DelegationCategory
    delegations: list[ListedDelegation] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(d.people) for d in self.delegations)


def order(delegations: Iterable[tuple[Delegation, list[Delegate]]],
          lang: str = "en") -> list[CategoryGroup]:
    """Group and sort delegations (each with the people to list) in protocol order."""
    ranked = sorted(((delegation_key(d, lang), d, people) for d, people in delegations if people),
                    key=lambda item: item[0])
    groups: list[CategoryGroup] = []
    for _key, d, people in ranked:
        if not groups or groups[-1].category != d.category:
            groups.append(CategoryGroup(d.category))
        groups[-1].delegations.append(
            ListedDelegation(d, delegation_title(d, lang), sorted(people, key=person_key)))
    return groups


def warnings(groups: Iterable[CategoryGroup]) -> list[str]:
    """What a protocol officer must settle before the list goes out."""
    out = []
    for group in groups:
        for entry in group.delegations:
            heads = [p for p in entry.people if p.capacity == Capacity.HEAD]
            if len(heads) > 1:
                names = ", ".join(p.display_name for p in heads)
                out.append(f"{entry.title} has {len(heads)} heads of delegation: {names}.")
    return out
