"""A member in isolation: transfers, corrections and deregistration, each with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.base import acting_as
from domain.errors import DomainError, InvalidInputError
from domain.roster import (
    DeregistrationCause,
    Member,
    MemberKind,
    PersonIndex,
    RosterError,
    Status,
)

COMMUNITY, BRANCH, GROUP = uuid4(), uuid4(), uuid4()


#: When `member()` registers its member (the domain's clock, in UTC).
REGISTERED_AT = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)


def member() -> Member:
    with acting_as("clerk", clock=lambda: REGISTERED_AT):
        m = Member(  # type: ignore[call-arg]
            id=uuid4(),
            personal="v1:sealed",
            community_id=COMMUNITY,
            branch_id=BRANCH,
            group_id=None,
            kind="resident",
            resident_unit_id=None,
            joined_party_on=date(1995, 7, 1),
        )
    return m


def recorded(aggregate: Any) -> list[str]:
    return [type(e).__qualname__ for e in aggregate.collect_events()]


def broken(m: Member, rule: str, action) -> None:  # type: ignore[no-untyped-def]
    version = m.version
    with acting_as("clerk"), pytest.raises(RosterError) as caught:
        action()
    assert caught.value.rule == rule
    assert m.version == version
    assert recorded(m) == []


def test_a_registered_member_is_active_in_one_branch() -> None:
    m = member()
    (registered,) = m.collect_events()
    assert type(registered).__qualname__ == "Member.Registered"
    assert registered.actor == "clerk"  # type: ignore[attr-defined]
    assert registered.personal == "v1:sealed"  # type: ignore[attr-defined]
    assert (m.status, m.is_active, m.kind, m.branch_id) == (
        Status.ACTIVE,
        True,
        MemberKind.RESIDENT,
        BRANCH,
    )


def test_a_transfer_moves_the_member_and_records_the_reason() -> None:
    m = member()
    recorded(m)
    other_community, other_branch = uuid4(), uuid4()
    with acting_as("clerk"):
        m.transfer(other_community, other_branch, None, "moved to 汶源")
    (transferred,) = m.collect_events()
    assert transferred.reason == "moved to 汶源"  # type: ignore[attr-defined]
    assert (m.community_id, m.branch_id, m.group_id) == (other_community, other_branch, None)
    with acting_as("clerk"):
        m.transfer(other_community, other_branch, GROUP, "joined the building group")
    assert m.group_id == GROUP
    assert recorded(m) == ["Member.Transferred"]


def test_a_transfer_needs_a_reason_and_another_place() -> None:
    m = member()
    recorded(m)
    broken(m, "reason_required", lambda: m.transfer(uuid4(), uuid4(), None, " "))
    broken(m, "same_place", lambda: m.transfer(COMMUNITY, BRANCH, None, "no move"))


def test_a_correction_needs_a_reason_and_a_change_and_names_fields_only() -> None:
    m = member()
    recorded(m)
    broken(m, "reason_required", lambda: m.correct(None, {}, ["name"], ""))
    broken(m, "nothing_to_correct", lambda: m.correct(None, {}, [], "typo"))
    with acting_as("clerk"):
        m.correct(
            "v1:resealed",
            {"joined_party_on": date(1996, 7, 1)},
            ["joined_party_on", "name"],
            "typo",
        )
    (corrected,) = m.collect_events()
    assert corrected.fields == ["joined_party_on", "name"]  # type: ignore[attr-defined]
    assert (m.personal, m.joined_party_on) == ("v1:resealed", date(1996, 7, 1))


def test_a_correction_can_change_the_kind_and_resident_unit() -> None:
    m = member()
    unit = uuid4()
    with acting_as("clerk"):
        m.correct(
            None,
            {"kind": "in_service", "resident_unit_id": unit},
            ["kind", "resident_unit_id"],
            "x",
        )
    assert (m.kind, m.resident_unit_id, m.personal) == (MemberKind.IN_SERVICE, unit, "v1:sealed")


def test_deregistration_records_cause_date_and_reason_and_ends_all_changes() -> None:
    m = member()
    recorded(m)
    broken(m, "reason_required", lambda: m.deregister("moved", date(2025, 1, 1), ""))
    with acting_as("clerk"):
        m.deregister("moved", date(2025, 1, 1), "moved to Jinan")
    assert recorded(m) == ["Member.Deregistered"]
    assert m.status == Status.DEREGISTERED
    assert m.deregistration == {
        "cause": DeregistrationCause.MOVED,
        "on": date(2025, 1, 1),
        "reason": "moved to Jinan",
    }
    broken(m, "member_deregistered", lambda: m.deregister("deceased", date(2025, 2, 1), "x"))
    broken(m, "member_deregistered", lambda: m.transfer(uuid4(), uuid4(), None, "x"))
    broken(m, "member_deregistered", lambda: m.correct(None, {}, ["name"], "x"))


def test_a_deregistration_is_not_dated_before_joining_or_registration() -> None:
    m = member()
    recorded(m)
    for on, why in (
        (date(1995, 6, 30), "is before the member joined the party"),
        (date(2024, 5, 31), "is before the member was registered in the roster"),
    ):
        with acting_as("clerk"), pytest.raises(InvalidInputError) as caught:
            m.deregister("moved", on, "moved to Jinan")
        assert (caught.value.field, caught.value.reason) == ("on", why)
        assert m.is_active and recorded(m) == []
    # The day of registration is the station's: 2024-06-01 03:00 UTC is 2024-05-31 in
    # Los Angeles, where that day is allowed.
    with acting_as("clerk"), pytest.raises(InvalidInputError):
        m.deregister("moved", date(2024, 5, 31), "x", tz=ZoneInfo("Asia/Shanghai"))
    with acting_as("clerk"):
        m.deregister("moved", date(2024, 5, 31), "x", tz=ZoneInfo("America/Los_Angeles"))
    assert recorded(m) == ["Member.Deregistered"]


def test_an_unknown_cause_is_refused() -> None:
    m = member()
    recorded(m)
    with acting_as("clerk"), pytest.raises(ValueError):
        m.deregister("retired", date(2025, 1, 1), "x")
    assert m.is_active
    assert recorded(m) == []


def test_a_correction_with_an_unknown_kind_changes_nothing() -> None:
    m = member()
    recorded(m)
    with acting_as("clerk"), pytest.raises(ValueError):
        m.correct("v1:resealed", {"kind": "retired"}, ["kind", "name"], "x")
    assert (m.personal, m.kind, m.version) == ("v1:sealed", MemberKind.RESIDENT, 1)
    assert recorded(m) == []


def index(identity: str, holder: UUID) -> PersonIndex:
    with acting_as("clerk"):
        return PersonIndex(member_id=holder, id=PersonIndex.id_for(identity))  # type: ignore[call-arg]


def test_the_person_index_is_claimed_released_and_reclaimed() -> None:
    first, second = uuid4(), uuid4()
    idx = index("digest", first)
    assert idx.id == PersonIndex.id_for("digest") != PersonIndex.id_for("other")
    with acting_as("clerk"):
        with pytest.raises(DomainError):
            idx.release(second)
        assert idx.member_id == first
        idx.release(first)
        assert idx.member_id is None
        idx.reclaim(second)
    assert recorded(idx) == ["PersonIndex.Claimed", "PersonIndex.Released", "PersonIndex.Reclaimed"]
    assert idx.member_id == second
