"""Resident units, households and member–household links in isolation."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.base import acting_as
from domain.roster import (
    ContactChannel,
    Household,
    HouseholdLink,
    ResidentUnit,
    ResidentUnitKind,
    RosterError,
    Status,
)

COMMUNITY, BRANCH = uuid4(), uuid4()
ON = date(2025, 3, 1)


def recorded(aggregate: Any) -> list[str]:
    return [type(e).__qualname__ for e in aggregate.collect_events()]


def broken(aggregate: Any, rule: str, action) -> None:  # type: ignore[no-untyped-def]
    version = aggregate.version
    with acting_as("clerk"), pytest.raises(RosterError) as caught:
        action()
    assert caught.value.rule == rule
    assert aggregate.version == version
    assert recorded(aggregate) == []


def test_a_resident_unit_is_renamed_with_a_reason_and_closed_once() -> None:
    with acting_as("clerk"):
        ru = ResidentUnit(name="莱芜区供电公司", kind="enterprise", community_id=COMMUNITY)
    assert recorded(ru) == ["ResidentUnit.Registered"]
    assert (ru.kind, ru.status) == (ResidentUnitKind.ENTERPRISE, Status.OPEN)
    broken(ru, "same_name", lambda: ru.rename("莱芜区供电公司", "typo"))
    broken(ru, "reason_required", lambda: ru.rename("国网莱芜供电公司", ""))
    broken(ru, "reason_required", lambda: ru.close(" "))
    with acting_as("clerk"):
        ru.rename("国网莱芜供电公司", "official name")
        ru.close("moved out of the community")
    assert recorded(ru) == ["ResidentUnit.Renamed", "ResidentUnit.Closed"]
    broken(ru, "resident_unit_closed", lambda: ru.close("again"))
    broken(ru, "resident_unit_closed", lambda: ru.rename("x", "y"))


def household() -> Household:
    with acting_as("clerk"):
        h = Household(  # type: ignore[call-arg]
            id=uuid4(),
            personal="v1:sealed",
            community_id=COMMUNITY,
            branch_id=BRANCH,
            group_id=None,
            building="1号楼",
            size=3,
        )
    recorded(h)
    return h


def test_a_household_correction_needs_a_reason_and_a_change() -> None:
    h = household()
    broken(h, "reason_required", lambda: h.correct(None, {"size": 4}, ["size"], ""))
    broken(h, "nothing_to_correct", lambda: h.correct(None, {}, [], "check"))
    with acting_as("clerk"):
        h.correct("v1:new", {"size": 4, "building": "2号楼"}, ["building", "size", "unit"], "moved")
    (corrected,) = h.collect_events()
    assert corrected.fields == ["building", "size", "unit"]  # type: ignore[attr-defined]
    assert (h.personal, h.size, h.building) == ("v1:new", 4, "2号楼")


def test_a_household_that_moved_out_accepts_no_changes() -> None:
    h = household()
    broken(h, "reason_required", lambda: h.close(""))
    with acting_as("clerk"):
        h.close("moved to Jinan")
    assert recorded(h) == ["Household.Closed"]
    broken(h, "household_closed", lambda: h.close("again"))
    broken(h, "household_closed", lambda: h.correct(None, {"size": 2}, ["size"], "x"))


def link() -> HouseholdLink:
    member, home = uuid4(), uuid4()
    with acting_as("clerk"):
        lk = HouseholdLink(  # type: ignore[call-arg]
            id=HouseholdLink.id_for(member, home), member_id=member, household_id=home, since=ON
        )
    assert recorded(lk) == ["HouseholdLink.Linked"]
    return lk


def test_a_link_id_is_one_per_member_and_household() -> None:
    a, b = uuid4(), uuid4()
    assert HouseholdLink.id_for(a, b) == HouseholdLink.id_for(a, b) != HouseholdLink.id_for(b, a)


def test_contacts_are_logged_only_on_a_current_link() -> None:
    lk = link()
    entry = uuid4()
    with acting_as("cadre"):
        lk.log_contact(entry, ON, "visit", "v1:note")
    (logged,) = lk.collect_events()
    assert (logged.actor, logged.entry_id, logged.note) == ("cadre", entry, "v1:note")  # type: ignore[attr-defined]
    assert lk.contacts == [
        {"id": entry, "on": ON, "channel": ContactChannel.VISIT, "note": "v1:note"}
    ]
    broken(lk, "reason_required", lambda: lk.unlink(""))
    with acting_as("clerk"):
        lk.unlink("the household asked for another member")
    assert recorded(lk) == ["HouseholdLink.Unlinked"]
    assert not lk.active
    broken(lk, "not_linked", lambda: lk.log_contact(uuid4(), ON, "phone", None))
    broken(lk, "not_linked", lambda: lk.unlink("again"))


def test_an_unlinked_household_can_be_linked_again_but_not_twice() -> None:
    lk = link()
    broken(lk, "already_linked", lambda: lk.relink(ON))
    with acting_as("clerk"):
        lk.unlink("paused")
        lk.relink(date(2025, 6, 1))
    assert recorded(lk) == ["HouseholdLink.Unlinked", "HouseholdLink.Relinked"]
    assert (lk.active, lk.since) == (True, date(2025, 6, 1))


def test_an_unknown_contact_channel_is_refused() -> None:
    lk = link()
    with acting_as("clerk"), pytest.raises(ValueError):
        lk.log_contact(uuid4(), ON, "letter", None)
    assert lk.contacts == []
    assert recorded(lk) == []
