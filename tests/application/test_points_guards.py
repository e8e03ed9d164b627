"""Guards added after review: a revision keeps what it does not change, never reaches
into a closed year; odd inputs are refused naming their field."""

from __future__ import annotations

from datetime import date, datetime

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
