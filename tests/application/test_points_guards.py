"""Guards added after review: a revision keeps what it does not change, never reaches
into a closed year; odd inputs are refused naming their field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from domain.errors import InvalidInputError
from domain.points import PointsError, Rule
from projections.system import System
from tests.application.points_support import NEW_YEAR, YEAR, on, year_clock
from tests.application.support import refused
from tests.conftest import Org, Staff, member_draft


def latest(system: System, code: str) -> dict[str, object]:
    rule: Rule = system.app.repository.get(Rule.id_for(code))
    return rule.versions[-1]


def test_a_revision_keeps_the_cap_unless_it_is_removed_on_purpose(
    system: System, staff: Staff
) -> None:
    app, admin = system.app, staff.admin
    year_clock(system)
    app.revise_rule("study", 3, on(6, 1), "提高学习积分", actor=admin)
    assert (latest(system, "study")["points"], latest(system, "study")["cap"]) == (3, 40)
    app.revise_rule("study", 3, on(7, 1), "取消上限", cap=0, actor=admin)
    assert latest(system, "study")["cap"] is None


def test_a_revision_never_reaches_into_a_closed_year(system: System, staff: Staff) -> None:
    app = system.app
    year_clock(system, NEW_YEAR)
    app.close_period(YEAR, actor=staff.supervisor)
    with refused(system, PointsError, rule="period_closed"):
        app.revise_rule("study", 5, on(12, 1), "追溯调整", actor=staff.admin)
    app.revise_rule("study", 5, date(YEAR + 1, 2, 1), "新年度调整", actor=staff.admin)


def test_an_activity_needs_a_day_and_a_selection_at_least_one_per_branch(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    year_clock(system)
    for held in (None, "2025-03-01", datetime(2025, 3, 1)):
        with refused(system, InvalidInputError, field="held_on", case=held):
            app.plan_activity("主题党日", "party_day", held, org.community, actor=staff.clerk)  # type: ignore[arg-type]
    year_clock(system, NEW_YEAR)
    with refused(system, InvalidInputError, field="per_branch"):
        app.propose_selection(YEAR, per_branch=0, actor=staff.supervisor)


def test_attendance_is_recorded_once_the_activity_has_been_held(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    year_clock(system)  # 15 December
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    ahead = app.plan_activity(
        "新年主题党日", "party_day", date(YEAR + 1, 1, 2), org.community, actor=staff.clerk
    ).id
    with refused(system, PointsError, rule="activity_ahead"):
        app.record_attendance(ahead, [member], actor=staff.clerk)


def test_an_award_racing_the_closing_of_its_year_is_refused(
    system: System, staff: Staff, org: Org
) -> None:
    """The award reads "open", then the year is closed by another process before the
    award is saved: the save conflicts and the retry refuses (nothing lands after the
    closing)."""
    from projections.config import Settings
    from projections.system import open_system

    app = system.app
    clock = year_clock(system, NEW_YEAR)
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    other = open_system(Settings(database_url=system.settings.database_url))
    other.app.clock = clock
    try:
        read = app._open_year
        closed: list[int] = []

        def open_then_closed(year: int) -> dict[Any, Any]:
            guard = read(year)
            if not closed:  # the other station closes the year right now
                closed.append(other.app.close_period(year, actor=staff.supervisor).position)
            return guard

        app._open_year = open_then_closed  # type: ignore[method-assign]
        with pytest.raises(PointsError) as caught:
            app.award_points(member, "study", on(12, 1), note="迟到的录入", actor=staff.clerk)
        assert caught.value.rule == "period_closed"
        # The closing is the last event: the award that read "open" did not land.
        assert closed and app.last_position() == closed[0]
    finally:
        other.shutdown()


def test_an_objection_is_settled_by_someone_other_than_who_filed_it(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    year_clock(system)
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    app.award_points(member, "study", on(3, 1), note="学习", actor=staff.clerk)
    year_clock(system, NEW_YEAR)
    app.close_period(YEAR, actor=staff.supervisor)
    objection = app.file_objection(member, YEAR, "我还参加了志愿服务", actor=staff.supervisor).id
    with refused(system, PointsError, rule="same_person"):
        app.uphold_objection(
            objection, "核实", award_rule="volunteer", deed_on=on(5, 1), actor=staff.supervisor
        )
    with refused(system, PointsError, rule="same_person"):
        app.reject_objection(objection, "不属实", actor=staff.supervisor)
    app.uphold_objection(
        objection, "核实", award_rule="volunteer", deed_on=on(5, 1), actor=staff.admin
    )


def test_nobody_awards_or_decides_their_own_points(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    year_clock(system)
    mine = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    app.link_account_member("clerk", mine, "本人", actor=staff.admin)
    with refused(system, PointsError, rule="own_points"):
        app.award_points(mine, "contribution", on(3, 1), note="自己给自己", actor=staff.clerk)
    app.link_account_member("supervisor", mine, "本人", actor=staff.admin)
    proposal = app.propose_deduction(
        mine, "absent_without_leave", on(4, 1), "缺席", actor=staff.clerk
    ).id
    with refused(system, PointsError, rule="own_points"):
        app.reject_adjustment(proposal, "不算", actor=staff.supervisor)
    app.approve_adjustment(proposal, actor=staff.admin)


def test_the_help_star_is_never_given_by_hand(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    year_clock(system)
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    with refused(system, PointsError, rule="automatic_rule"):
        app.award_points(member, "help_resident", on(3, 1), note="帮忙", actor=staff.clerk)


def test_no_rule_version_reaches_back_into_a_closed_year(system: System, staff: Staff) -> None:
    app, admin = system.app, staff.admin
    year_clock(system, NEW_YEAR)
    app.close_period(YEAR, actor=staff.supervisor)
    # Starting in an earlier, open year would still govern the closed one.
    with refused(system, PointsError, rule="period_closed"):
        app.revise_rule("volunteer", 7, date(YEAR - 1, 6, 1), "追溯", actor=admin)
    with refused(system, PointsError, rule="period_closed"):
        app.define_rule(
            "old", "旧规则", "Old", "study", 1, effective_from=date(YEAR, 1, 1), actor=admin
        )
    with refused(system, InvalidInputError, field="effective_from"):
        app.define_rule(
            "ancient", "古", "Ancient", "study", 1, effective_from=date(1, 1, 1), actor=admin
        )
