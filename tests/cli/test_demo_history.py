"""The demo is a history that moves forward: along the log, every event's time and every
commit's time never decrease, the history spans more than two years with work in most
months, the roster as of one date differs from the roster as of another, and the same
seed and end make the same history."""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from eventsourcing.domain import DomainEvent

from cli.demo import load_demo
from cli.demo_base import Agenda, SimClock, Story
from projections.eventstore import COMMITS_TABLE
from projections.system import System
from tests.conftest import make_system


def load_small(system: System, **options: Any) -> None:
    load_demo(system, members=20, households=12, requests=20, **options)


def log_of(system: System) -> list[tuple[int, str, datetime]]:
    """(position, event type, timestamp) of every event, decoded from the stored log."""
    app = system.app
    found: list[tuple[int, str, datetime]] = []
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=1000):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            assert isinstance(event, DomainEvent)
            found.append((notification.id, type(event).__qualname__, event.timestamp))
        start = page[-1].id + 1
    return found


def commits_of(system: System) -> list[tuple[int, datetime]]:
    with system.db.read.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT position, committed_at FROM {COMMITS_TABLE} ORDER BY position")
        ).all()
    return [(int(position), datetime.fromisoformat(at)) for position, at in rows]


def check_moves_forward(system: System) -> list[tuple[int, str, datetime]]:
    """Event times and commit times never decrease along the log, and each event's time
    is no later than its transaction's commit; returns the log."""
    log = log_of(system)
    commits = commits_of(system)
    assert log and commits
    assert [p for p, _, _ in log] == list(range(1, len(log) + 1))
    stamps = [at for _, _, at in log]
    backwards = [(log[i], log[i + 1]) for i in range(len(log) - 1) if stamps[i + 1] < stamps[i]]
    assert not backwards, backwards[:3]
    times = [at for _, at in commits]
    assert times == sorted(times)
    assert commits[-1][0] == len(log)
    ends = [p for p, _ in commits]
    for position, _, stamp in log:
        transaction = bisect.bisect_left(ends, position)
        assert stamp <= times[transaction], (position, stamp, times[transaction])
        if transaction:
            assert times[transaction - 1] <= stamp
    return log


def months(first: datetime, last: datetime) -> list[tuple[int, int]]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def test_every_event_and_commit_moves_forward_in_time(demo: System) -> None:
    log = check_moves_forward(demo)
    # Nothing is dated after the load.
    assert log[-1][2] <= datetime.now(UTC)


def test_the_history_spans_more_than_two_years_with_work_in_most_months(demo: System) -> None:
    log = log_of(demo)
    first, last = log[0][2], log[-1][2]
    assert last - first > timedelta(days=2 * 365)
    tz = demo.app.tz
    busy = {(at.astimezone(tz).year, at.astimezone(tz).month) for _, _, at in log}
    every = months(first.astimezone(tz), last.astimezone(tz))
    assert len(busy) >= 0.9 * len(every), sorted(set(every) - busy)
    # Not one burst: no month holds most of the log.
    per_month = Counter((at.year, at.month) for _, _, at in log)
    assert max(per_month.values()) < len(log) / 4


def test_the_roster_grows_and_changes_over_the_years(demo: System) -> None:
    log = log_of(demo)
    first = log[0][2]
    founding = first + timedelta(days=30)
    by_type: dict[str, list[datetime]] = {}
    for _, kind, at in log:
        by_type.setdefault(kind, []).append(at)
    registered = by_type["Member.Registered"]
    # Most members come with the station; others join year after year.
    assert sum(at <= founding for at in registered) > len(registered) / 2
    late = {at.year for at in registered if at > founding}
    assert len(late) >= 2
    # So the roster as of the end of each year is larger than a year before.
    ends = sorted({at.year for _, _, at in log})
    sizes = [sum(at.year <= year for at in registered) for year in ends]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    for kind in (
        "Member.Transferred",
        "Member.Corrected",
        "Member.Deregistered",
        "Household.Registered",
        "HouseholdLink.Unlinked",
        "HouseholdLink.Linked",
        "HouseholdLink.Relinked",
    ):
        assert any(at > founding for at in by_type[kind]), kind
    contacts = by_type["HouseholdLink.ContactLogged"]
    assert len({(at.year, at.month) for at in contacts}) >= 12


def test_points_are_entered_as_the_years_go(demo: System) -> None:
    tz = demo.app.tz
    log = [(p, kind, at.astimezone(tz)) for p, kind, at in log_of(demo)]
    this_year = demo.app.today().year
    closed = [at for _, kind, at in log if kind == "Period.Closed"]
    assert [at.year for at in closed] == [this_year - 1, this_year]
    awarded = [at for _, kind, at in log if kind == "Ledger.Awarded"]
    assert {at.year for at in awarded} == {this_year - 2, this_year - 1, this_year}
    # The earlier year closed in January of the next, and was final a week or so later.
    assert closed[0].month == 1
    finalized = [at for _, kind, at in log if kind == "Period.Finalized"]
    assert len(finalized) == 1 and closed[0] < finalized[0] < closed[0] + timedelta(days=30)


def test_the_same_seed_and_end_make_the_same_history(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    end = datetime.now(UTC) - timedelta(days=40)
    histories = []
    for name in ("one", "two"):
        system = make_system(f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.db'}")
        try:
            load_small(system, seed=11, now=end)
            log = check_moves_forward(system)
        finally:
            system.shutdown()
        assert log[-1][2] < end
        histories.append([(kind, at) for _, kind, at in log])
    assert histories[0] == histories[1]


@pytest.mark.postgres
def test_a_small_demo_moves_forward_on_postgresql_too(postgres_url: str) -> None:
    system = make_system(postgres_url)
    try:
        load_small(system)
        log = check_moves_forward(system)
    finally:
        system.shutdown()
    assert log[-1][2] - log[0][2] > timedelta(days=2 * 365)


def test_a_demo_may_not_end_in_the_future(sqlite_url: str) -> None:
    system = make_system(sqlite_url)
    try:
        with pytest.raises(ValueError, match="future"):
            load_small(system, now=datetime.now(UTC) + timedelta(days=1))
        assert system.app.last_position() == 0
    finally:
        system.shutdown()


def test_the_simulated_clock_never_goes_back_nor_past_its_limit(sqlite_system: System) -> None:
    start = datetime(2024, 3, 1, 1, tzinfo=UTC)
    clock = SimClock(sqlite_system.app, start, start + timedelta(days=10))
    clock.advance(start + timedelta(hours=1))
    with pytest.raises(RuntimeError, match="back"):
        clock.advance(start)
    with pytest.raises(RuntimeError, match="pass"):
        clock.advance(start + timedelta(days=11))
    assert clock.at == start + timedelta(hours=1)


def test_the_agenda_runs_steps_in_time_order(sqlite_system: System) -> None:
    start = datetime(2024, 3, 1, 1, tzinfo=UTC)
    clock = SimClock(sqlite_system.app, start, start + timedelta(days=10))
    done: list[tuple[str, datetime]] = []

    def story(name: str, offsets: list[float]) -> Story:
        for hours in offsets:
            yield start + timedelta(hours=hours)
            done.append((name, clock.at))

    agenda = Agenda(clock)
    agenda.add(story("a", [5, 1, 30]))  # asks for a moment already past: runs at once
    agenda.add(story("b", [2, 3, 1000]))  # asks beyond the limit: runs at the limit
    agenda.run()
    assert [name for name, _ in done] == ["b", "b", "a", "a", "a", "b"]
    times = [at for _, at in done]
    assert times == sorted(times)
    assert times[-1] == clock.limit
    assert times[3] == start + timedelta(hours=5)  # "a" asked for hour 1 after hour 5
