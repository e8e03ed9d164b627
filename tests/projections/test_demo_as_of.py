"""On the demo's history: the books as of several days equal a replay of the log up to
those days, and a month's diff in one community equals the difference of two replays.

The demo writes about two and a half years in time order (its clock only moves forward),
so its days are real points in its books.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.access import Principal
from projections.history import as_of
from projections.points import SQLAlchemyPointsView
from projections.requests import SQLAlchemyRequestsView, board
from projections.roster import SQLAlchemyRosterView, members, units
from projections.system import System
from projections.timeline import timeline
from tests.projections.replayed import (
    kept_columns,
    replay_until,
    table_as_of,
    table_now,
    temporal_tables,
)


@pytest.fixture(scope="module")
def demo(demo_system: System) -> System:
    return demo_system


@pytest.fixture(scope="module")
def reviewer(demo: System) -> Principal:
    return demo.app.authenticate("demo-reviewer", "demo")


def _days(demo: System) -> list[date]:
    """Five days spread over the demo's history, the last one today."""
    with demo.db.read.connect() as conn:
        first, last = conn.execute(
            sa.select(sa.func.min(timeline.c.stamped_at), sa.func.max(timeline.c.stamped_at))
        ).one()
    tz = demo.settings.tzinfo
    start = _as_time(first).astimezone(tz).date()
    end = _as_time(last).astimezone(tz).date()
    span = (end - start).days
    return [start + timedelta(days=span * k // 4) for k in range(5)]


def _as_time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def test_the_demo_history_spans_years(demo: System) -> None:
    days = _days(demo)
    assert (days[-1] - days[0]).days > 700
    positions = [demo.review.moment(d).position for d in days]
    assert positions == sorted(positions) and len(set(positions)) == 5


def test_the_books_as_of_several_demo_days_equal_a_replay(
    demo: System, reviewer: Principal, tmp_path: Path
) -> None:
    review = demo.review
    for day in _days(demo):
        moment = review.moment(day)
        replayed = replay_until(demo.app, moment.position, tmp_path / f"{day}.db")
        try:
            for table in temporal_tables():
                assert table_as_of(demo.db, table, moment.position) == table_now(replayed, table), (
                    f"{table.name} as of {day}"
                )
            # The views' own answers: the tree with its counts, the board with its clocks
            # as of that day, and the year's standings.
            past_roster = review.at(demo.roster, moment.position, actor=reviewer)
            now_roster = SQLAlchemyRosterView(replayed, lambda _p: None)
            assert past_roster.tree(actor=reviewer) == now_roster.tree(actor=reviewer)
            past_board = review.at(demo.requests, moment.position, actor=reviewer)
            now_board = SQLAlchemyRequestsView(
                replayed, lambda _p: None, demo.settings.tzinfo, demo.settings.name_mask
            )
            for overdue in (None, True):
                kw: dict[str, Any] = dict(actor=reviewer, now=moment.at, overdue=overdue)
                assert past_board.board(limit=500, **kw) == now_board.board(limit=500, **kw)
            past_points = review.at(demo.points, moment.position, actor=reviewer)
            now_points = SQLAlchemyPointsView(replayed, lambda _p: None, demo.settings)
            for year in (day.year - 1, day.year):
                assert past_points.rankings(actor=reviewer, year=year, limit=500) == (
                    now_points.rankings(actor=reviewer, year=year, limit=500)
                )
        finally:
            replayed.dispose()


def test_records_as_of_a_day_agree_with_the_roster_and_board_of_that_day(
    demo: System, reviewer: Principal
) -> None:
    """The read models' past (their history tables) and the aggregates' past (their own
    events up to that day) are two independent replays: they must agree."""
    review = demo.review
    moment = review.moment(demo.app.today() - timedelta(days=30))
    with demo.db.read.connect() as conn:
        past_members = conn.execute(
            sa.select(*(table_as_of_columns(members, moment.position)))
        ).all()
        past_requests = conn.execute(
            sa.select(*(table_as_of_columns(board, moment.position)))
        ).all()
    assert past_members and past_requests
    for row in past_members[::7]:
        state = review.state(row.id, actor=reviewer, moment=moment)["state"]
        assert (state["branch_id"], state["status"]) == (str(row.branch_id), row.status)
    for row in past_requests[::5]:
        state = review.state(row.id, actor=reviewer, moment=moment)["state"]
        assert state["state"] == row.state


def table_as_of_columns(table: sa.Table, position: int) -> list[Any]:
    past = as_of(table, position)
    return [past.c[name] for name in kept_columns(table)]


def test_a_months_diff_in_one_community_equals_the_difference_of_two_replays(
    demo: System, reviewer: Principal, tmp_path: Path
) -> None:
    review = demo.review
    today = demo.app.today()
    month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    since = review.moment(month_start - timedelta(days=1))
    until = review.moment(today.replace(day=1) - timedelta(days=1))
    with demo.db.read.connect() as conn:
        community = conn.execute(sa.select(units.c.id).where(units.c.level == "community")).scalar()
    for model, tables in (("roster", (members,)), ("board", (board,))):
        diff = review.diff(model, since, until, actor=reviewer, community_id=community, limit=500)
        before = replay_until(demo.app, since.position, tmp_path / f"{model}-a.db")
        after = replay_until(demo.app, until.position, tmp_path / f"{model}-b.db")
        try:
            for table in tables:
                names = kept_columns(table)
                where = names.index("community_id")
                old = {r[0]: r for r in table_now(before, table)}
                new = {r[0]: r for r in table_now(after, table) if r[where] == community}
                expected = {str(k) for k, row in new.items() if old.get(k) != row}
                listed = {c["key"] for c in diff["changes"] if c["table"] == table.name}
                assert listed == expected, f"{model}: {table.name}"
                for change in diff["changes"]:
                    if change["table"] != table.name:
                        continue
                    row = dict(zip(names, new[_key(change["key"])], strict=True))
                    for field, (_old, value) in change["fields"].items():
                        assert value == _plain(row[field]), (table.name, field)
        finally:
            before.dispose()
            after.dispose()
    assert diff["total"] > 0  # the demo's last month on the board is busy


def _key(text: str) -> Any:
    return UUID(text)


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
