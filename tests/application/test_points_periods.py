"""A year of points closes into its publicity window, takes objections there, becomes
final, and yields the year's excellent members: through the Application, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import UUID

import pytest

from domain.base import derived_id
from domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from domain.points import Ledger, PointsError, Selection
from projections.system import System
from tests.application.points_support import (
    YEAR,
    LedgerStandings,
    close_and_finalize,
    ledger,
    on,
    period,
)
from tests.application.support import Clock, People, events_after, names, refused
from tests.conftest import Org, Staff, member_draft


def window_end(system: System, clock: Clock) -> datetime:
    """When the window of a period closed now ends: its last day's end, at the station."""
    last_day = clock.now.astimezone(system.app.tz).date() + timedelta(days=5)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=system.app.tz)


# -- closing ------------------------------------------------------------------------------


def test_a_year_closes_once_it_has_ended_and_then_takes_no_more_entries(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    app, member = system.app, people.helper
    this_year = app.today().year
    with refused(system, RuleViolationError, rule="period_running"):
        app.close_period(this_year, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="period_open"):
        app.finalize_period(YEAR, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="period_open"):
        app.file_objection(member, YEAR, "x", actor=staff.clerk)
    with refused(system, InvalidInputError, field="year"):
        app.close_period(0, actor=staff.supervisor)
    with refused(system, PermissionDeniedError):
        app.close_period(YEAR, actor=staff.clerk)
    activity = app.plan_activity(
        "年末党日", "party_day", on(12, 20), org.community, actor=staff.clerk
    ).id
    pending = app.propose_deduction(member, "breach", on(12, 1), "x", actor=staff.clerk).id
    undecided = app.propose_deduction(member, "breach", on(12, 2), "y", actor=staff.clerk).id

    closed = app.close_period(YEAR, actor=staff.supervisor)
    (event,) = events_after(system, closed.position - 1)
    assert names([event]) == ["Period.Closed"]
    assert (event.year, event.closed_at, event.window_ends_at) == (
        YEAR,
        clock.now,
        window_end(system, clock),
    )
    assert period(system).state == "publicity"

    with refused(system, RuleViolationError, rule="period_closed"):
        app.award_points(member, "study", on(12, 31), note="x", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="period_closed"):
        app.record_attendance(activity, [member], actor=staff.clerk)
    with refused(system, RuleViolationError, rule="period_closed"):
        app.approve_adjustment(pending, actor=staff.supervisor)
    # A proposal left over from the year can still be turned down.
    app.reject_adjustment(undecided, "年度已结算", actor=staff.supervisor)
    assert app.proposal_state(pending, actor=staff.clerk) == "proposed"
    assert app._find(Ledger, Ledger.id_for(member, YEAR)) is None
    # The running year is not affected.
    app.award_points(member, "study", app.today(), note="x", actor=staff.clerk)


# -- objections ------------------------------------------------------------------------------


def test_a_cadre_files_an_objection_only_for_their_own_member(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    app = system.app
    app.close_period(YEAR, actor=staff.supervisor)
    for actor, member in [(staff.cadre, people.helper), (staff.cadre, people.supervisor)]:
        with refused(system, PermissionDeniedError, case=member) as caught:
            app.file_objection(member, YEAR, "我的积分少了", actor=actor)
        assert caught.value.status == 403
    with refused(system, PermissionDeniedError):
        app.file_objection(people.helper, YEAR, "x", actor=staff.reviewer)
    own = app.file_objection(people.cadre, YEAR, "我的积分少了", actor=staff.cadre)
    # A clerk or supervisor records one for any member; an admin too.
    app.file_objection(people.helper, YEAR, "学习次数不对", actor=staff.clerk)
    app.file_objection(people.helper2, YEAR, "党日没记", actor=staff.supervisor)
    app.file_objection(people.supervisor, YEAR, "x", actor=staff.admin)
    # Without a linked member, a cadre files for nobody.
    app.link_account_member("cadre", None, "换人", actor=staff.admin)
    with refused(system, PermissionDeniedError):
        app.file_objection(people.cadre, YEAR, "x", actor=staff.cadre)
    assert len(period(system).open_objections) == 4
    assert period(system).open_objections[0] == own.id
    with refused(system, InvalidInputError, field="text"):
        app.file_objection(people.helper, YEAR, " ", actor=staff.clerk)
    with refused(system, NotFoundError):
        app.file_objection(org.branch, YEAR, "x", actor=staff.clerk)


def test_an_objection_upheld_with_a_reversal_takes_the_entry_off(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    app, member = system.app, people.helper
    wrong = app.award_points(member, "party_day", on(6, 1), note="记错人", actor=staff.clerk).id
    app.award_points(member, "study", on(6, 2), note="x", actor=staff.clerk)
    app.close_period(YEAR, actor=staff.supervisor)
    objection = app.file_objection(member, YEAR, "六月一日的党日我没参加", actor=staff.clerk).id

    # One correction at a time, in the objection's year, under a rule that awards.
    for kw in ({}, {"award_rule": "study", "deed_on": on(6, 3), "reverse_entry": wrong}):
        with refused(system, InvalidInputError, field="award_rule", case=kw):
            app.uphold_objection(objection, "x", **kw, actor=staff.supervisor)  # type: ignore[arg-type]
    with refused(system, InvalidInputError, field="deed_on"):
        app.uphold_objection(
            objection, "x", award_rule="study", deed_on=app.today(), actor=staff.supervisor
        )
    with refused(system, RuleViolationError, rule="use_deduction"):
        app.uphold_objection(
            objection, "x", award_rule="breach", deed_on=on(6, 3), actor=staff.supervisor
        )
    with refused(system, RuleViolationError, rule="no_such_entry"):
        app.uphold_objection(objection, "x", reverse_entry=objection, actor=staff.supervisor)
    with refused(system, InvalidInputError, field="reason"):
        app.uphold_objection(objection, "", reverse_entry=wrong, actor=staff.supervisor)
    with refused(system, PermissionDeniedError):
        app.uphold_objection(objection, "x", reverse_entry=wrong, actor=staff.clerk)

    start = app.last_position()
    app.uphold_objection(objection, "签到表上没有他", reverse_entry=wrong, actor=staff.supervisor)
    upheld, settled, reversed_ = events_after(system, start)
    assert names([upheld, settled, reversed_]) == [
        "Objection.Upheld",
        "Period.ObjectionSettled",
        "Ledger.Reversed",
    ]
    assert upheld.correction == {"kind": "reversal", "entry_id": wrong}
    assert (reversed_.entry_id, reversed_.adjustment_id, reversed_.reason) == (
        wrong,
        objection,
        "签到表上没有他",
    )
    book = ledger(system, member)
    assert (book.points, book.stars) == (2, 0)
    assert period(system).open_objections == []
    history = app.get_history(objection, actor=staff.cadre)
    assert [h.event for h in history] == ["Objection.Filed", "Objection.Upheld"]
    assert history[0].fields["text"] == "六月一日的党日我没参加"


def test_an_upheld_award_is_recorded_once_per_objection(
    system: System, staff: Staff, people: People, clock: Clock
) -> None:
    app, member = system.app, people.helper
    app.close_period(YEAR, actor=staff.supervisor)
    objection = app.file_objection(member, YEAR, "漏记", actor=staff.clerk).id
    app.uphold_objection(
        objection, "漏记", award_rule="party_day", deed_on=on(7, 1), actor=staff.supervisor
    )
    book = ledger(system, member)
    award = derived_id("objection", str(objection))
    assert (list(book.entries), book.points, book.stars) == ([award], 3, 1)
    with refused(system, RuleViolationError, rule="objection_settled"):
        app.uphold_objection(
            objection, "again", award_rule="party_day", deed_on=on(7, 1), actor=staff.supervisor
        )


# -- finality ------------------------------------------------------------------------------


def test_a_year_is_final_after_its_window_with_no_objection_open(
    system: System, staff: Staff, people: People, clock: Clock
) -> None:
    app = system.app
    app.close_period(YEAR, actor=staff.supervisor)
    ends = period(system).window_ends_at
    objection = app.file_objection(people.cadre, YEAR, "x", actor=staff.cadre).id
    with refused(system, RuleViolationError, rule="window_open"):
        app.finalize_period(YEAR, actor=staff.supervisor)
    clock.now = ends  # the last second of the window is still in it
    app.file_objection(people.helper, YEAR, "最后一刻", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="window_open"):
        app.finalize_period(YEAR, actor=staff.supervisor)
    clock.advance(seconds=1)
    with refused(system, RuleViolationError, rule="window_closed"):
        app.file_objection(people.helper2, YEAR, "晚了", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="objections_open"):
        app.finalize_period(YEAR, actor=staff.supervisor)
    # Objections filed in time are settled after the window too.
    app.reject_objection(objection, "无误", actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="objections_open"):
        app.finalize_period(YEAR, actor=staff.supervisor)
    (last,) = period(system).open_objections
    with refused(system, PermissionDeniedError):
        app.reject_objection(last, "x", actor=staff.clerk)
    with refused(system, InvalidInputError, field="reason"):
        app.reject_objection(last, " ", actor=staff.supervisor)
    app.reject_objection(last, "无误", actor=staff.supervisor)
    receipt = app.finalize_period(YEAR, actor=staff.supervisor)
    (final,) = events_after(system, receipt.position - 1)
    assert (names([final]), final.at) == (["Period.Finalized"], clock.now)
    assert period(system).state == "final"
    with refused(system, RuleViolationError, rule="period_final"):
        app.finalize_period(YEAR, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="window_closed"):
        app.file_objection(people.cadre, YEAR, "x", actor=staff.cadre)
    with refused(system, RuleViolationError, rule="period_closed"):
        app.award_points(people.cadre, "study", on(1, 2), note="x", actor=staff.clerk)


# -- the selection -----------------------------------------------------------------------------


def test_a_selection_waits_for_a_final_year_and_goes_in_order(
    system: System,
    staff: Staff,
    org: Org,
    people: People,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = system.app
    standings = LedgerStandings(system, {people.helper: org.branch})
    monkeypatch.setattr(app, "standings", standings)
    app.award_points(people.helper, "party_day", on(7, 1), note="x", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="period_open"):
        app.propose_selection(YEAR, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="no_selection"):
        app.confirm_selection(YEAR, [people.helper], actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="no_selection"):
        app.publish_selection(YEAR, actor=staff.supervisor)
    app.close_period(YEAR, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="period_not_final"):
        app.propose_selection(YEAR, actor=staff.supervisor)
    clock.advance(days=6)
    app.finalize_period(YEAR, actor=staff.supervisor)
    with refused(system, InvalidInputError, field="per_branch"):
        app.propose_selection(YEAR, per_branch=51, actor=staff.supervisor)
    with refused(system, PermissionDeniedError):
        app.propose_selection(YEAR, actor=staff.clerk)
    receipt = app.propose_selection(YEAR, actor=staff.supervisor)
    assert receipt.id == Selection.id_for(YEAR)
    assert standings.asked[-1] == (YEAR, app.excellent_per_branch)
    with refused(system, InvalidInputError, field="chosen"):
        app.confirm_selection(YEAR, ["nobody"], actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="nobody_chosen"):
        app.confirm_selection(YEAR, [], actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="chosen_twice"):
        app.confirm_selection(YEAR, [people.helper, people.helper], actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="selection_state"):
        app.publish_selection(YEAR, actor=staff.supervisor)
    app.confirm_selection(YEAR, [str(people.helper)], actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="selection_state"):
        app.confirm_selection(YEAR, [people.helper], actor=staff.supervisor)
    app.publish_selection(YEAR, actor=staff.supervisor)


def test_a_year_without_a_star_has_no_candidates(
    system: System, staff: Staff, people: People, clock: Clock
) -> None:
    app = system.app
    app.award_points(people.helper, "study", on(3, 1), note="x", actor=staff.clerk)
    close_and_finalize(system, staff.supervisor, clock)
    with refused(system, RuleViolationError, rule="no_candidates"):
        app.propose_selection(YEAR, actor=staff.supervisor)


def test_the_selection_comes_from_the_standings_of_the_read_model(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    """Per branch, the members with the most stars (then points) of a final year; none
    with a deduction approved and standing. Uses the real standings of the read model."""
    app = system.app
    assert app.standings is not None, "open_system sets the read model's standings"

    def member(name: str, phone: str, branch: UUID) -> UUID:
        draft = member_draft(branch, name=name, phone=phone)
        return app.register_member(draft, actor=staff.clerk).id

    # The first branch: five with stars and one who broke the bottom line; the second:
    # one with a star and one without.
    top, second, third = people.helper, people.helper2, people.supervisor
    broke, cleared = people.cadre, member("周清", "13822220001", org.branch)
    fifth = member("冯五", "13822220004", org.branch)
    other = member("吴远", "13822220002", org.branch2)
    no_star = member("郑无", "13822220003", org.branch2)

    def award(who: UUID, rule: str, day: int) -> None:
        app.award_points(who, rule, on(5, day), note="x", actor=staff.clerk)

    for who in (top, second, third, broke, cleared, fifth, other):
        award(who, "party_day", 1)
    award(top, "party_day", 2)  # two stars, 6 points
    award(second, "contribution", 3)  # one star, 13 points
    award(cleared, "study", 4)  # one star, 7 points
    award(cleared, "volunteer", 4)
    award(third, "study", 5)  # one star, 5 points
    award(broke, "contribution", 6)  # would be second, but breaks the bottom line
    award(no_star, "contribution", 7)

    deduction = app.propose_deduction(broke, "breach", on(6, 1), "违反底线", actor=staff.clerk).id
    app.approve_adjustment(deduction, actor=staff.supervisor)
    # A deduction reversed no longer stands; one rejected never did.
    undone = app.propose_deduction(cleared, "breach", on(6, 1), "x", actor=staff.clerk).id
    app.approve_adjustment(undone, actor=staff.supervisor)
    reversal = app.propose_reversal(cleared, YEAR, undone, "核实有误", actor=staff.clerk).id
    app.approve_adjustment(reversal, actor=staff.supervisor)
    rejected = app.propose_deduction(third, "breach", on(6, 1), "x", actor=staff.clerk).id
    # The supervisor's account is `third` themselves: someone else decides.
    with refused(system, PointsError, rule="own_points"):
        app.reject_adjustment(rejected, "证据不足", actor=staff.supervisor)
    app.reject_adjustment(rejected, "证据不足", actor=staff.admin)

    close_and_finalize(system, staff.supervisor, clock)
    start = app.last_position()
    app.propose_selection(YEAR, per_branch=4, actor=staff.supervisor)
    (proposed,) = events_after(system, start)
    by_branch = {
        branch: [
            (c["member_id"], c["stars"], c["points"])
            for c in proposed.candidates
            if c["branch_id"] == branch
        ]
        for branch in (org.branch, org.branch2)
    }
    assert by_branch == {
        org.branch: [(top, 2, 6), (second, 1, 13), (cleared, 1, 7), (third, 1, 5)],
        org.branch2: [(other, 1, 3)],
    }
    # Fifth in its branch of four places; the bottom line broken; no star.
    assert len(proposed.candidates) == 5
    app.confirm_selection(YEAR, [top, other], reason="支委会研究", actor=staff.supervisor)
    receipt = app.publish_selection(YEAR, actor=staff.supervisor)
    (published,) = events_after(system, receipt.position - 1)
    assert names([published]) == ["Selection.Published"]
