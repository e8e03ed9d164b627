"""Helpers for the stories of points and stars: a year gone by (2025), its clock, its
ledgers read from the log, and standings read straight from those ledgers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.access import Principal
from domain.points import Ledger, Period
from projections.system import System
from tests.application.support import Clock

#: The year of the stories: over by the time the tests run, so it can be closed.
YEAR = 2025
#: 09:00 at the station (Asia/Shanghai) on 15 December of that year: every deed of the
#: year up to then is in the past.
LATE_IN_THE_YEAR = datetime(YEAR, 12, 15, 1, 0, tzinfo=UTC)
#: 09:00 at the station on 5 January of the next year: the year has ended.
NEW_YEAR = datetime(YEAR + 1, 1, 5, 1, 0, tzinfo=UTC)


def on(month: int, day: int) -> date:
    return date(YEAR, month, day)


def year_clock(system: System, start: datetime = LATE_IN_THE_YEAR) -> Clock:
    """The Application's clock set by hand to a day of the year of the stories."""
    clock = Clock(start)
    system.app.clock = clock
    return clock


def ledger(system: System, member: UUID, year: int = YEAR) -> Ledger:
    """A member's ledger of a year, as the log has it now."""
    book: Ledger = system.app.repository.get(Ledger.id_for(member, year))
    return book


def period(system: System, year: int = YEAR) -> Period:
    found: Period = system.app.repository.get(Period.id_for(year))
    return found


def counted(book: Ledger) -> int:
    """The points that count on a ledger, added entry by entry (reversed ones count 0)."""
    return sum(e["points"] for e in book.entries.values() if not e["reversed"])


class LedgerStandings:
    """Standings read from the ledgers of a few members rather than from the read model:
    per branch, the top members by stars, then points, then id, among those with a star
    and no approved deduction standing."""

    def __init__(self, system: System, branches: dict[UUID, UUID]) -> None:
        self.system = system
        self.branches = branches  # member -> branch
        self.asked: list[tuple[int, int]] = []

    def candidates(self, year: int, per_branch: int) -> list[dict[str, Any]]:
        self.asked.append((year, per_branch))
        rows: list[dict[str, Any]] = []
        for member, branch in self.branches.items():
            book = self.system.app._find(Ledger, Ledger.id_for(member, year))
            if book is None or book.stars == 0 or book.bottom_line:
                continue
            rows.append(
                {
                    "member_id": member,
                    "branch_id": branch,
                    "stars": book.stars,
                    "points": book.points,
                }
            )
        rows.sort(
            key=lambda r: (str(r["branch_id"]), -r["stars"], -r["points"], str(r["member_id"]))
        )
        taken: dict[UUID, int] = {}
        chosen: list[dict[str, Any]] = []
        for row in rows:
            if taken.get(row["branch_id"], 0) < per_branch:
                taken[row["branch_id"]] = taken.get(row["branch_id"], 0) + 1
                chosen.append(row)
        return chosen


def close_and_finalize(system: System, actor: Principal, clock: Clock, year: int = YEAR) -> None:
    """Close a year, let its publicity window pass without objections, finalize it."""
    system.app.close_period(year, actor=actor)
    clock.advance(days=system.app.publicity_days + 1)
    system.app.finalize_period(year, actor=actor)
