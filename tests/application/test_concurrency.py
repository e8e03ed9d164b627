"""Two processes' worth of Yimai on one database change the same member at once.

Each `System` here is a separate application with its own connections, as a second
process would have. A command that loses the race reloads and retries; after three
losses it gives up with ConcurrencyError. No update is ever lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from domain.dto import MemberCorrection
from domain.errors import ConcurrencyError, DuplicateError
from projections.system import System
from tests.application.support import events_after, in_clear, names
from tests.conftest import Org, Prepared, Staff, make_system, member_draft


@pytest.fixture
def other(prepared: Prepared) -> Iterator[System]:
    """A second system on the same database."""
    s = make_system(prepared.url)
    yield s
    s.shutdown()


def before_each_save(
    system: System, monkeypatch: pytest.MonkeyPatch, times: int, act: Callable[[], Any]
) -> list[int]:
    """Make `act` happen (elsewhere) just before each of the next `times` saves of `system`."""
    save = system.app.save
    calls: list[int] = []

    def interleaved(*aggregates: Any, **kwargs: Any) -> Any:
        if len(calls) < times:
            calls.append(len(calls))
            act()
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(system.app, "save", interleaved)
    return calls


def test_a_command_that_lost_the_race_retries_on_the_new_version(
    system: System, other: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    start = system.app.last_position()
    before_each_save(
        system,
        monkeypatch,
        1,
        lambda: other.app.transfer_member(member, org.branch2, "moved west", actor=staff.cadre),
    )
    system.app.correct_member(
        member, MemberCorrection(address="2号楼"), "new address", actor=staff.clerk
    )
    transferred, corrected = events_after(system, start)
    assert names([transferred, corrected]) == ["Member.Transferred", "Member.Corrected"]
    assert (transferred.actor, corrected.actor) == ("cadre", "clerk")
    assert (transferred.originator_version, corrected.originator_version) == (2, 3)
    detail = other.app.get_member(member, actor=staff.reviewer)
    assert (detail.branch_id, detail.version) == (org.branch2, 3)
    assert in_clear(other, member, staff.clerk)["address"] == "2号楼"


def test_a_command_that_keeps_losing_gives_up_with_a_concurrency_error(
    system: System, other: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    targets = iter([org.branch2, org.branch, org.branch2])
    before_each_save(
        system,
        monkeypatch,
        3,
        lambda: other.app.transfer_member(member, next(targets), "moving", actor=staff.cadre),
    )
    start = system.app.last_position()
    with pytest.raises(ConcurrencyError) as caught:
        system.app.correct_member(
            member, MemberCorrection(address="2号楼"), "new address", actor=staff.clerk
        )
    assert caught.value.status == 409
    assert names(events_after(system, start)) == ["Member.Transferred"] * 3
    detail = system.app.get_member(member, actor=staff.reviewer)
    assert (detail.branch_id, detail.version) == (org.branch2, 4)
    assert in_clear(system, member, staff.clerk)["address"] == "1号楼1单元101"


def test_the_same_person_registered_at_once_in_two_places_is_registered_once(
    system: System, other: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner: list[UUID] = []
    before_each_save(
        system,
        monkeypatch,
        1,
        lambda: winner.append(
            other.app.register_member(member_draft(org.branch2), actor=staff.cadre).id
        ),
    )
    start = system.app.last_position()
    with pytest.raises(DuplicateError) as caught:
        system.app.register_member(member_draft(org.branch), actor=staff.clerk)
    assert caught.value.existing_id == str(winner[0])
    assert names(events_after(system, start)) == ["PersonIndex.Claimed", "Member.Registered"]


def test_two_writers_hammering_one_member_lose_no_update(
    system: System, other: System, staff: Staff, org: Org
) -> None:
    """Real threads, no interleaving forced: every success is in the log, in order."""
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    rounds = 12
    barrier = threading.Barrier(2)
    done: dict[str, list[Any]] = {"address": [], "branch": [], "errors": []}

    def correct_address() -> None:
        barrier.wait()
        for i in range(rounds):
            address = f"{i}号楼"
            try:
                system.app.correct_member(
                    member, MemberCorrection(address=address), "address", actor=staff.clerk
                )
                done["address"].append(address)
            except ConcurrencyError as error:
                done["errors"].append(error)

    def transfer() -> None:
        barrier.wait()
        here = org.branch
        for _ in range(rounds):
            branch = org.branch2 if here == org.branch else org.branch
            try:
                other.app.transfer_member(member, branch, "rotation", actor=staff.cadre)
                done["branch"].append(branch)
                here = branch
            except ConcurrencyError as error:
                done["errors"].append(error)

    threads = [threading.Thread(target=correct_address), threading.Thread(target=transfer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = system.app.get_history(member, actor=staff.reviewer)
    successes = len(done["address"]) + len(done["branch"])
    assert [h.version for h in history] == list(range(1, successes + 2))
    assert len(done["errors"]) + successes == 2 * rounds
    assert [h.event for h in history].count("Member.Corrected") == len(done["address"])
    detail = other.app.get_member(member, actor=staff.reviewer)
    address = in_clear(other, member, staff.clerk)["address"]
    assert address == (done["address"][-1] if done["address"] else "1号楼1单元101")
    assert detail.branch_id == (done["branch"][-1] if done["branch"] else org.branch)
