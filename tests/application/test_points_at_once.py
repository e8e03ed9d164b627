"""Points awarded at the same moment, from threads of one process, on SQLite and
PostgreSQL.

A member's points of a year live in one ledger, so two awards at once both save it: one
conflicts, is retried against the winner's total, and the cap holds. Two acceptances of
one resolution at once give its claimant one star: the loser's retry finds the request
accepted and is refused.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.points import Ledger
from projections.system import System
from tests.application.points_support import YEAR, ledger, on
from tests.application.support import People, events_after, names, request_in
from tests.application.test_claims_at_once import all_at_once
from tests.conftest import Org, Staff


@pytest.fixture
def talks(system: System, staff: Staff) -> str:
    """A rule of 4 points with a cap of 6 a year."""
    system.app.define_rule(
        "lecture", "宣讲", "Talk", "study", 4, cap=6, effective_from=on(1, 1), actor=staff.admin
    )
    return "lecture"


def awarded(system: System, start: int, member: UUID) -> list[Any]:
    book = Ledger.id_for(member, YEAR)
    return [
        e
        for e in events_after(system, start)
        if names([e]) == ["Ledger.Awarded"] and e.originator_id == book
    ]


@pytest.mark.parametrize("opened", [False, True], ids=["new ledger", "open ledger"])
def test_two_awards_at_once_under_a_cap_never_exceed_it(
    system: System,
    staff: Staff,
    people: People,
    talks: str,
    opened: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, member = system.app, people.helper
    if opened:  # the ledger exists, with other points on it
        app.award_points(member, "study", on(2, 1), note="x", actor=staff.clerk)
    start = app.last_position()
    results = all_at_once(
        system,
        monkeypatch,
        [
            lambda d=d: app.award_points(member, talks, on(3, d), note="x", actor=staff.clerk)  # type: ignore[misc]
            for d in (1, 2)
        ],
    )
    assert all(r.get("won") for r in results), results
    assert any(r["saves"] == 2 for r in results), "the awards did not race"
    events = awarded(system, start, member)
    assert sorted((e.points, e.asked, e.capped) for e in events) == [(2, 4, True), (4, 4, False)]
    assert ledger(system, member).by_rule[talks] == 6
    assert names(events_after(system, start)).count("Ledger.Opened") == (0 if opened else 1)


def test_many_awards_at_once_keep_the_cap(
    system: System, staff: Staff, people: People, talks: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each round of conflicts saves one award; a thread that loses every retry is
    refused with a ConcurrencyError, never with points over the cap."""
    app, member = system.app, people.helper
    start = app.last_position()
    results = all_at_once(
        system,
        monkeypatch,
        [
            lambda d=d: app.award_points(member, talks, on(4, d), note="x", actor=staff.clerk)  # type: ignore[misc]
            for d in range(1, 6)
        ],
    )
    won = [r for r in results if r.get("won")]
    assert won, results
    assert {(r["error"], r["status"]) for r in results if not r.get("won")} <= {
        ("ConcurrencyError", 409)
    }, results
    events = awarded(system, start, member)
    assert len(events) == len(won)
    assert sum(e.points for e in events) == ledger(system, member).by_rule[talks] <= 6
    assert [e.points for e in events][:2] == [4, 2]
    assert all(e.points == 0 and e.capped for e in events[2:])


def test_two_acceptances_at_once_give_one_star(
    system: System,
    staff: Staff,
    org: Org,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, member = system.app, people.helper
    rid = request_in(system, staff.admin, org, "resolved", claimant=member)
    start = app.last_position()
    results = all_at_once(
        system,
        monkeypatch,
        [
            lambda: app.accept_resolution(rid, actor=staff.supervisor),
            lambda: app.accept_resolution(rid, actor=staff.admin),
        ],
    )
    assert sorted(bool(r.get("won")) for r in results) == [False, True], results
    (lost,) = [r for r in results if not r.get("won")]
    assert (lost["error"], lost["rule"], lost["saves"]) == ("RuleViolationError", "accept_state", 1)
    assert sorted(names(events_after(system, start))) == [
        "Ledger.Awarded",
        "Ledger.Opened",
        "Request.Accepted",
        "Request.StarAwarded",
    ]
    book = ledger(system, member, app.today().year)
    assert (book.points, book.stars) == (3, 1)
