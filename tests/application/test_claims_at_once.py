"""Claims that arrive at the same moment, from threads of one process and from separate
processes, on SQLite and PostgreSQL.

Of several claims of one request exactly one wins. Every other one loses the race at
the save (a version conflict), is retried, re-reads the request, finds it claimed and
is refused with the rule `already_claimed` (409), never with a ConcurrencyError: after
one conflict there is nothing left to race for.

A resident unit claiming several needs at once holds at most its limit (2): the claims
conflict on the unit's `UnitClaims`, and each retry counts the winners' claims. Every
conflict means another claim was saved, so by the third attempt a loser sees the limit
reached and is refused with `unit_claim_limit`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import DomainError
from domain.wishes import UnitClaims
from projections.system import System
from tests.application.claimer import outcome
from tests.application.support import events_after, names, need_in, request_in
from tests.conftest import Org, Prepared, Staff, make_system, member_draft

CLAIMER = Path(__file__).with_name("claimer.py")
THREADS = 8
PROCESSES = 3


def members(system: System, staff: Staff, org: Org, count: int) -> list[UUID]:
    return [
        system.app.register_member(
            member_draft(org.branch, name=f"志愿者{i}", phone=f"1390000{i:04d}"), actor=staff.clerk
        ).id
        for i in range(count)
    ]


def all_at_once(
    system: System, monkeypatch: pytest.MonkeyPatch, calls: list[Callable[[], Any]]
) -> list[dict[str, Any]]:
    """Run each call in a thread of its own; every thread loads what it claims, then all
    save together (their first save waits for the others), so every claim races."""
    barrier = threading.Barrier(len(calls), timeout=30)
    save = system.app.save
    local = threading.local()

    def save_together(*aggregates: Any, **kwargs: Any) -> Any:
        local.saves = getattr(local, "saves", 0) + 1
        if local.saves == 1:
            barrier.wait()
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(system.app, "save", save_together)
    results: list[dict[str, Any]] = [{} for _ in calls]

    def run(i: int) -> None:
        try:
            calls[i]()
            results[i] = {"won": True}
        except DomainError as error:
            results[i] = outcome(error)
        except Exception as error:  # pragma: no cover - reported by the checks
            results[i] = {"error": repr(error), "rule": None, "status": None}
        results[i]["saves"] = getattr(local, "saves", 0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    monkeypatch.setattr(system.app, "save", save)
    return results


def in_processes(
    prepared: Prepared, tmp_path: Path, mode: str, claims: list[tuple[UUID, UUID]]
) -> list[dict[str, Any]]:
    """Start one claimer process per (target, claimant), let them go at once."""
    prepared.system.shutdown()  # the processes are the only writers now
    go = tmp_path / f"go-{uuid4().hex}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(CLAIMER),
                mode,
                prepared.url,
                str(go),
                str(target),
                str(claimant),
                str(len(claims)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for target, claimant in claims
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob(f"{go.name}.ready.*"))) < len(procs):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "database is locked" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def check_one_winner(
    system: System,
    staff: Staff,
    request: UUID,
    results: list[dict[str, Any]],
    claimants: list[UUID],
    start: int,
) -> None:
    winners = [i for i, r in enumerate(results) if r.get("won")]
    assert len(winners) == 1, results
    losers = [r for r in results if not r.get("won")]
    assert {(r["error"], r["rule"], r["status"]) for r in losers} == {
        ("RuleViolationError", "already_claimed", 409)
    }, results
    # Each loser reached its save with the others: it lost at the save, not by coming late.
    assert all(r["saves"] == 1 for r in results), results
    assert names(events_after(system, start)) == ["Request.Claimed"]
    detail = system.app.get_request(request, actor=staff.reviewer)
    assert (detail.state, detail.claimant_id) == ("claimed", claimants[winners[0]])


def check_unit_limit(
    system: System,
    staff: Staff,
    unit: UUID,
    needs: list[UUID],
    results: list[dict[str, Any]],
    start: int,
) -> None:
    won = [needs[i] for i, r in enumerate(results) if r.get("won")]
    assert len(won) == system.app.unit_claim_limit == 2, results
    losers = [r for r in results if not r.get("won")]
    assert {(r["error"], r["rule"]) for r in losers} == {
        ("RuleViolationError", "unit_claim_limit")
    }, results
    assert all(r["saves"] <= 3 for r in results), results
    claims: UnitClaims = system.app.repository.get(UnitClaims.id_for(unit))
    assert sorted(claims.open) == sorted(won)
    stored = events_after(system, start)
    assert names(stored).count("Need.Claimed") == 2
    assert {e.originator_id for e in stored if type(e).__qualname__ == "Need.Claimed"} == set(won)
    for need in needs:
        state = system.app.get_need(need, actor=staff.reviewer).state
        assert state == ("claimed" if need in won else "open")


# -- threads -------------------------------------------------------------------------------


def test_of_eight_threads_claiming_one_request_exactly_one_wins(
    system: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    claimants = members(system, staff, org, THREADS)
    rid = request_in(system, staff.clerk, org, "classified")
    start = system.app.last_position()
    results = all_at_once(
        system,
        monkeypatch,
        [
            lambda m=m: system.app.claim_request(rid, member_id=m, actor=staff.clerk)  # type: ignore[misc]
            for m in claimants
        ],
    )
    check_one_winner(system, staff, rid, results, claimants, start)


def test_a_unit_claiming_five_needs_from_five_threads_at_once_holds_two(
    system: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = system.app.register_resident_unit(
        "国网供电公司", "enterprise", org.community, actor=staff.clerk
    ).id
    needs = [need_in(system, staff.clerk, org, "open") for _ in range(5)]
    start = system.app.last_position()
    results = all_at_once(
        system,
        monkeypatch,
        [
            lambda n=n: system.app.claim_need(n, unit, actor=staff.clerk)  # type: ignore[misc]
            for n in needs
        ],
    )
    check_unit_limit(system, staff, unit, needs, results, start)


# -- processes ------------------------------------------------------------------------------


@pytest.fixture
def fresh(prepared: Prepared) -> Iterator[Callable[[], System]]:
    """Opens a new system on the prepared database, to check what the processes did."""
    opened: list[System] = []

    def open_() -> System:
        opened.append(make_system(prepared.url))
        return opened[-1]

    yield open_
    for s in opened:
        s.shutdown()


def test_of_three_processes_claiming_one_request_exactly_one_wins(
    prepared: Prepared, tmp_path: Path, fresh: Callable[[], System]
) -> None:
    system, staff, org = prepared.system, prepared.staff, prepared.org
    claimants = members(system, staff, org, PROCESSES)
    rid = request_in(system, staff.clerk, org, "classified")
    start = system.app.last_position()
    results = in_processes(prepared, tmp_path, "request", [(rid, m) for m in claimants])
    check_one_winner(fresh(), staff, rid, results, claimants, start)


def test_a_unit_claiming_three_needs_from_three_processes_at_once_holds_two(
    prepared: Prepared, tmp_path: Path, fresh: Callable[[], System]
) -> None:
    system, staff, org = prepared.system, prepared.staff, prepared.org
    unit = system.app.register_resident_unit(
        "国网供电公司", "enterprise", org.community, actor=staff.clerk
    ).id
    needs = [need_in(system, staff.clerk, org, "open") for _ in range(PROCESSES)]
    start = system.app.last_position()
    results = in_processes(prepared, tmp_path, "need", [(n, unit) for n in needs])
    check_unit_limit(fresh(), staff, unit, needs, results, start)
