"""The read models as of any moment equal a replay of the log up to that moment.

A small history is written over five days with a hand-moved clock; for the end of each
day, every temporal table read "as of" (its history) must hold exactly the rows that
read models rebuilt from the events up to that day's last commit hold, and the views'
own queries (the tree, the board, the rankings) must answer the same for the past as a
replayed read model answers for its present.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.dto import MemberCorrection
from projections.points import SQLAlchemyPointsView
from projections.requests import SQLAlchemyRequestsView
from projections.roster import SQLAlchemyRosterView, members
from projections.system import System
from tests.application.support import Clock, request_in
from tests.conftest import Org, Staff, member_draft
from tests.projections.replayed import replay_until, table_as_of, table_now, temporal_tables

pytestmark = pytest.mark.usefixtures("system")


def _history(system: System, staff: Staff, org: Org, clock: Clock) -> list[date]:
    """Five days of work; returns the days."""
    app = system.app
    days = []

    def next_day() -> None:
        clock.advance(days=1)
        days.append(clock.now.astimezone(system.settings.tzinfo).date())

    next_day()
    a = app.register_member(
        member_draft(org.branch, name="甲党员", phone="13800000001"), actor=staff.clerk
    ).id
    b = app.register_member(
        member_draft(org.branch, name="乙党员", phone="13800000002"), actor=staff.clerk
    ).id
    rid = request_in(system, staff.admin, org, "claimed", claimant=a)
    app.award_points(a, "volunteer", clock.now.date(), note="参加活动", actor=staff.clerk)
    next_day()
    app.transfer_member(a, org.branch2, "搬家", actor=staff.clerk)
    app.correct_member(b, MemberCorrection(phone="13800000009"), "号码有误", actor=staff.clerk)
    app.resolve_request(rid, "修好了", evidence=["photo:1"], actor=staff.admin)
    app.award_points(b, "study", clock.now.date(), note="参加活动", actor=staff.clerk)
    next_day()
    c = app.register_member(
        member_draft(org.other_branch, name="丙党员", phone="13800000003"), actor=staff.clerk
    ).id
    app.deregister_member(b, "moved", "迁出本社区", actor=staff.clerk)
    app.accept_resolution(rid, actor=staff.supervisor)
    request_in(
        system,
        staff.admin,
        org,
        "classified",
        community_id=org.other_community,
        branch=org.other_branch,
        branch_id=org.other_branch,
    )
    next_day()  # a quiet day
    next_day()
    app.award_points(c, "party_day", clock.now.date(), note="参加活动", actor=staff.clerk)
    app.record_visit(rid, "satisfied", actor=staff.supervisor)
    return days


@pytest.fixture
def days(system: System, staff: Staff, org: Org) -> list[date]:
    clock = Clock(datetime.now(UTC) + timedelta(hours=1))
    system.app.clock = clock
    found = _history(system, staff, org, clock)
    system.runner.catch_up()
    return found


def test_every_temporal_table_as_of_each_day_equals_a_replay(
    system: System, days: list[date], tmp_path: Path
) -> None:
    positions = [system.review.moment(d).position for d in days]
    assert positions == sorted(positions) and len(set(positions)) == len(days) - 1  # one quiet day
    tables = temporal_tables()
    assert {"roster_members", "requests_board", "points_ledgers"} <= {t.name for t in tables}
    for day, position in zip(days, positions, strict=True):
        replayed = replay_until(system.app, position, tmp_path / f"{day}.db")
        try:
            for table in tables:
                assert table_as_of(system.db, table, position) == table_now(replayed, table), (
                    f"{table.name} as of {day}"
                )
        finally:
            replayed.dispose()
    # The present is the last day's past.
    for table in tables:
        assert table_as_of(system.db, table, system.app.last_position()) == table_now(
            system.db, table
        )


def test_the_views_answer_for_the_past_as_a_replay_answers_for_its_present(
    system: System, staff: Staff, org: Org, days: list[date], tmp_path: Path
) -> None:
    review = system.review
    for day in days:
        moment = review.moment(day)
        replayed = replay_until(system.app, moment.position, tmp_path / f"{day}.db")
        try:
            now_roster = SQLAlchemyRosterView(replayed, lambda _p: None)
            past_roster = review.at(system.roster, moment.position, actor=staff.reviewer)
            assert past_roster.tree(actor=staff.reviewer) == now_roster.tree(actor=staff.reviewer)
            now_board = SQLAlchemyRequestsView(
                replayed, lambda _p: None, system.settings.tzinfo, system.settings.name_mask
            )
            past_board = review.at(system.requests, moment.position, actor=staff.reviewer)
            kw: dict[str, Any] = dict(actor=staff.reviewer, now=moment.at, limit=200)
            assert past_board.board(**kw).items == now_board.board(**kw).items
            assert (
                past_board.board(overdue=True, **kw).total
                == now_board.board(overdue=True, **kw).total
            )
            now_points = SQLAlchemyPointsView(replayed, lambda _p: None, system.settings)
            past_points = review.at(system.points, moment.position, actor=staff.reviewer)
            year = day.year
            assert [
                (r["member_id"], r["points"], r["stars"])
                for r in past_points.rankings(actor=staff.reviewer, year=year).items
            ] == [
                (r["member_id"], r["points"], r["stars"])
                for r in now_points.rankings(actor=staff.reviewer, year=year).items
            ]
        finally:
            replayed.dispose()


def test_a_diff_lists_exactly_what_differs_between_two_replays(
    system: System, staff: Staff, org: Org, days: list[date], tmp_path: Path
) -> None:
    review = system.review
    since, until = review.moment(days[0]), review.moment(days[2])
    diff = review.diff("roster", since, until, actor=staff.reviewer)
    before = replay_until(system.app, since.position, tmp_path / "a.db")
    after = replay_until(system.app, until.position, tmp_path / "b.db")
    try:
        for table in (members,):
            old = {r[0]: r for r in table_now(before, table)}
            new = {r[0]: r for r in table_now(after, table)}
            expected = {str(k) for k, row in new.items() if old.get(k) != row}
            listed = {c["key"] for c in diff["changes"] if c["table"] == table.name}
            assert listed == expected and expected
    finally:
        before.dispose()
        after.dispose()
    changed = {c["key"]: c for c in diff["changes"] if c["table"] == "roster_members"}
    moved = [c for c in changed.values() if c["change"] == "changed" and "branch_id" in c["fields"]]
    assert [c["fields"]["branch_id"] for c in moved] == [[str(org.branch), str(org.branch2)]]
    assert moved[0]["by"]["event"] == "Member.Transferred" and moved[0]["by"]["actor"] == "clerk"
    # Personal columns never appear in a diff.
    assert all("phone" not in c["fields"] and "name" not in c["fields"] for c in diff["changes"])
    # Narrowed to the other community: only what happened there.
    other = review.diff(
        "roster", since, until, actor=staff.reviewer, community_id=org.other_community
    )
    assert {c["table"] for c in other["changes"]} == {"roster_members"}
    assert all(c["change"] == "added" for c in other["changes"])


def test_an_aggregate_as_of_a_version_or_a_moment(
    system: System, staff: Staff, org: Org, days: list[date]
) -> None:
    review = system.review
    member_id = next(
        UUID(str(r.id))
        for r in system.roster.search_members("乙党员", actor=staff.clerk, status=None).items
    )
    first = review.state(member_id, actor=staff.reviewer, moment=review.moment(days[0]))
    assert first["version"] == 1 and first["state"]["status"] == "active"
    third = review.state(member_id, actor=staff.reviewer, moment=review.moment(days[2]))
    assert third["state"]["status"] == "deregistered"
    assert review.state(member_id, actor=staff.reviewer, version=1) == first
    # Personal fields stay sealed in a state view.
    assert first["state"]["personal"] == "[sealed]"
    assert "13800000002" not in str(first)
