"""Points and stars through the Application: a member's year from the first award to the
year's excellent members, and the rules of awards, caps, rule versions and the two-person
adjustments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.base import derived_id
from domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from domain.points import HELP_RULE, Ledger, Rule
from projections.system import System
from tests.application.points_support import (
    NEW_YEAR,
    YEAR,
    LedgerStandings,
    counted,
    ledger,
    on,
    period,
    year_clock,
)
from tests.application.support import (
    Desk,
    People,
    events_after,
    names,
    refused,
    request_in,
)
from tests.conftest import Org, Staff

OBJECTION = "七月的志愿服务少记了一次"
OBJECTION2 = "学习次数不对"


class Saves:
    """Counts the Application's saves (one command, one save)."""

    def __init__(self, system: System, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        save = system.app.save

        def counting(*aggregates: Any, **kwargs: Any) -> Any:
            self.count += 1
            return save(*aggregates, **kwargs)

        monkeypatch.setattr(system.app, "save", counting)


# -- the narrative -----------------------------------------------------------------------


def test_a_members_year_from_the_first_award_to_the_excellent_members(
    system: System, staff: Staff, org: Org, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cadre studies, attends the themed party day with two volunteers, gives talks
    until the cap cuts them, volunteers before and after the rule is raised, helps a
    resident (a star), misses a meeting (a deduction two people agree on) and has a
    study session reversed. The year closes; in its window the cadre objects and is put
    right, a volunteer objects and is not; the year becomes final, and the committee
    selects and publishes its excellent members."""
    app, do = system.app, Desk(system)
    clock = year_clock(system)
    member, helper, helper2 = people.cadre, people.helper, people.helper2
    saves = Saves(system, monkeypatch)

    # The admin adds a rule for talks given to residents: 4 points, at most 10 a year.
    start = app.last_position()
    receipt = app.define_rule(
        "lecture",
        "宣讲",
        "Talk to residents",
        "study",
        4,
        cap=10,
        effective_from=on(1, 1),
        actor=staff.admin,
    )
    (defined,) = events_after(system, start)
    assert names([defined]) == ["Rule.Defined"]
    assert receipt.id == Rule.id_for("lecture") == defined.originator_id
    assert (defined.code, defined.name_zh, defined.category, defined.points) == (
        "lecture",
        "宣讲",
        "study",
        4,
    )
    assert (defined.earns_star, defined.cap, defined.effective_from, defined.actor) == (
        False,
        10,
        on(1, 1),
        "admin",
    )

    # A study session, noted by the clerk: the first award opens the member's ledger.
    start = app.last_position()
    studied = app.award_points(member, "study", on(2, 10), note="学习党章", actor=staff.clerk)
    opened, awarded = events_after(system, start)
    assert names([opened, awarded]) == ["Ledger.Opened", "Ledger.Awarded"]
    assert (opened.member_id, opened.year) == (member, YEAR)
    assert opened.originator_id == awarded.originator_id
    assert (studied.points, studied.asked, studied.stars, studied.capped) == (2, 2, 0, False)
    assert (studied.position, studied.id) == (app.last_position(), awarded.award_id)
    assert (awarded.rule_code, awarded.rule_version, awarded.points, awarded.asked) == (
        "study",
        1,
        2,
        2,
    )
    assert (awarded.stars, awarded.capped, awarded.deed_on, awarded.actor) == (
        0,
        False,
        on(2, 10),
        "clerk",
    )
    assert (awarded.evidence_kind, awarded.evidence_ref, awarded.note) == (
        "note",
        None,
        "学习党章",
    )

    # The themed party day: the supervisor plans it, the clerk records who came, and
    # every attendee is awarded in the one save that records the attendance.
    day = do(
        staff.supervisor,
        "plan_activity",
        "三月主题党日",
        "party_day",
        on(3, 5),
        org.community,
        branch_id=org.branch,
    )
    assert (day.title, day.rule_code, day.held_on) == ("三月主题党日", "party_day", on(3, 5))
    assert (day.community_id, day.branch_id) == (org.community, org.branch)
    activity = day.originator_id
    start, saved = app.last_position(), saves.count
    receipt = app.record_attendance(activity, [member, helper, helper2], actor=staff.clerk)
    assert saves.count == saved + 1
    stored = events_after(system, start)
    assert names(stored) == [
        "Activity.AttendanceRecorded",
        "Ledger.Awarded",
        "Ledger.Opened",
        "Ledger.Awarded",
        "Ledger.Opened",
        "Ledger.Awarded",
    ]
    assert stored[0].member_ids == [member, helper, helper2]
    assert receipt.position == app.last_position() and receipt.id == activity
    attendance = [derived_id("attendance", f"{activity}:{m}") for m in (member, helper, helper2)]
    assert (receipt.awards, receipt.capped) == (attendance, [])
    for e, award_id in zip(
        [s for s in stored if names([s]) == ["Ledger.Awarded"]], attendance, strict=True
    ):
        assert (e.award_id, e.rule_code, e.points, e.stars, e.deed_on) == (
            award_id,
            "party_day",
            3,
            1,
            on(3, 5),
        )
        assert (e.evidence_kind, e.evidence_ref) == ("activity", str(activity))

    # Talks until the cap: 4, 4, then 2 of 4, then nothing; the receipts say so.
    talks = [
        app.award_points(member, "lecture", on(4, d), note="宣讲", actor=staff.clerk)
        for d in (1, 8, 15, 22)
    ]
    assert [(t.points, t.asked, t.capped) for t in talks] == [
        (4, 4, False),
        (4, 4, False),
        (2, 4, True),
        (0, 4, True),
    ]
    cut = events_after(system, talks[1].position, talks[2].position)[-1]
    assert (cut.award_id, cut.points, cut.asked, cut.capped) == (talks[2].id, 2, 4, True)
    book = ledger(system, member)
    assert book.by_rule["lecture"] == 10 and book.room("lecture", 10) == 0

    # Volunteer service in May; then the rule is raised to 4 points from 1 July. An
    # award for a deed of June made after the revision still takes the old version.
    may = app.award_points(member, "volunteer", on(5, 1), note="清扫楼道", actor=staff.clerk)
    revised = do(
        staff.admin,
        "revise_rule",
        "volunteer",
        4,
        on(7, 1),
        "上级提高了志愿服务的分值",
        cap=40,
    )
    assert (revised.points, revised.cap, revised.effective_from, revised.earns_star) == (
        4,
        40,
        on(7, 1),
        False,
    )
    assert (revised.name_zh, revised.reason) == ("志愿服务", "上级提高了志愿服务的分值")
    june = app.award_points(member, "volunteer", on(6, 20), note="义诊", actor=staff.clerk)
    july = app.award_points(member, "volunteer", on(7, 2), note="防汛", actor=staff.clerk)
    versions = {
        e.award_id: (e.rule_version, e.points)
        for e in events_after(system, start)
        if names([e]) == ["Ledger.Awarded"] and e.rule_code == "volunteer"
    }
    assert versions == {may.id: (1, 2), june.id: (1, 2), july.id: (2, 4)}
    assert [r.points for r in (may, june, july)] == [2, 2, 4]

    # A resident's request the member solved: the supervisor's acceptance brings the
    # "helped a resident" star, in the same save.
    rid = request_in(system, staff.admin, org, "resolved", claimant=member)
    start = app.last_position()
    app.accept_resolution(rid, actor=staff.supervisor)
    star, accepted, star_awarded = events_after(system, start)
    assert names([star, accepted, star_awarded]) == [
        "Ledger.Awarded",
        "Request.Accepted",
        "Request.StarAwarded",
    ]
    assert (star.rule_code, star.points, star.stars, star.deed_on) == (
        HELP_RULE,
        3,
        1,
        app.today(),
    )
    assert (star.evidence_kind, star.evidence_ref, star.actor) == (
        "request",
        str(rid),
        "supervisor",
    )
    assert (star_awarded.member_id, star_awarded.award_id) == (member, star.award_id)
    assert star.award_id == derived_id("help-star", str(rid))

    # The member missed a meeting without leave: the clerk proposes a deduction; it
    # counts only once the supervisor approves it.
    before = ledger(system, member).points
    proposal = do(
        staff.clerk,
        "propose_deduction",
        member,
        "absent_without_leave",
        on(5, 20),
        "五月组织生活无故缺席",
    )
    assert (proposal.kind, proposal.member_id, proposal.year, proposal.rule_code) == (
        "deduction",
        member,
        YEAR,
        "absent_without_leave",
    )
    assert (proposal.entry_id, proposal.deed_on, proposal.proposer) == (None, on(5, 20), "clerk")
    deduction = proposal.originator_id
    assert app.proposal_state(deduction, actor=staff.reviewer) == "proposed"
    assert ledger(system, member).points == before
    with refused(system, PermissionDeniedError):
        app.approve_adjustment(deduction, actor=staff.clerk)
    start = app.last_position()
    app.approve_adjustment(deduction, actor=staff.supervisor)
    approved, deducted = events_after(system, start)
    assert names([approved, deducted]) == ["Adjustment.Approved", "Ledger.Deducted"]
    assert approved.approver == "supervisor"
    assert (deducted.adjustment_id, deducted.rule_code, deducted.rule_version) == (
        deduction,
        "absent_without_leave",
        1,
    )
    assert (deducted.points, deducted.deed_on, deducted.reason) == (-5, on(5, 20), proposal.reason)
    assert app.proposal_state(deduction, actor=staff.cadre) == "approved"
    book = ledger(system, member)
    assert (book.points, book.bottom_line) == (before - 5, True)
    with refused(system, RuleViolationError, rule="adjustment_decided"):
        app.approve_adjustment(deduction, actor=staff.admin)

    # The February study session was recorded twice over: reversed, by two people.
    reversal = do(staff.clerk, "propose_reversal", member, YEAR, studied.id, "与三月记录重复")
    assert (reversal.kind, reversal.entry_id, reversal.rule_code, reversal.deed_on) == (
        "reversal",
        studied.id,
        "study",
        None,
    )
    start = app.last_position()
    app.approve_adjustment(reversal.originator_id, actor=staff.supervisor)
    _, reversed_ = events_after(system, start)
    assert names([reversed_]) == ["Ledger.Reversed"]
    assert (reversed_.entry_id, reversed_.adjustment_id, reversed_.reason) == (
        studied.id,
        reversal.originator_id,
        "与三月记录重复",
    )
    with refused(system, RuleViolationError, rule="already_reversed"):
        app.propose_reversal(member, YEAR, studied.id, "again", actor=staff.clerk)

    # The year so far: party day 3, talks 10, volunteering 8, the resident 3, minus 5.
    book = ledger(system, member)
    assert (book.points, book.stars) == (3 + 10 + 8 + 3 - 5, 2)
    assert counted(book) == book.points
    assert book.by_rule == {"study": 0, "party_day": 3, "lecture": 10, "volunteer": 8, HELP_RULE: 3}

    # A volunteer serves at the old people's home in September.
    app.award_points(helper2, "volunteer", on(9, 1), note="敬老院", actor=staff.clerk)

    # The year ends; the supervisor closes it into its publicity window.
    clock.now = NEW_YEAR
    with refused(system, RuleViolationError, rule="period_running"):
        app.close_period(YEAR + 1, actor=staff.supervisor)
    closed = do(staff.supervisor, "close_period", YEAR)
    window_ends = datetime.combine(date(YEAR + 1, 1, 10), time(23, 59, 59), tzinfo=app.tz)
    assert (closed.year, closed.closed_at, closed.window_ends_at) == (YEAR, NEW_YEAR, window_ends)
    with refused(system, RuleViolationError, rule="period_closed"):
        app.close_period(YEAR, actor=staff.supervisor)
    # Nothing more goes onto the closed year except through an objection.
    with refused(system, RuleViolationError, rule="period_closed"):
        app.award_points(member, "study", on(12, 30), note="补记", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="period_closed"):
        app.propose_deduction(member, "breach", on(12, 1), "x", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="period_closed"):
        app.propose_reversal(member, YEAR, july.id, "x", actor=staff.clerk)

    # In the window, the cadre objects for themselves; a clerk for a volunteer.
    clock.advance(days=1)
    start = app.last_position()
    filed = app.file_objection(member, YEAR, OBJECTION, actor=staff.cadre)
    opened_, objection = events_after(system, start)
    assert names([opened_, objection]) == ["Period.ObjectionOpened", "Objection.Filed"]
    assert (opened_.objection_id, opened_.at) == (filed.id, clock.now)
    assert (objection.member_id, objection.year, objection.filed_at) == (member, YEAR, clock.now)
    assert objection.text.startswith("v1:") and OBJECTION not in repr(objection)
    history = app.get_history(filed.id, actor=staff.reviewer)
    assert history[0].fields["text"] == OBJECTION
    with refused(system, PermissionDeniedError):
        app.file_objection(helper, YEAR, OBJECTION2, actor=staff.cadre)
    rejected_one = app.file_objection(helper, YEAR, OBJECTION2, actor=staff.clerk).id
    assert period(system).open_objections == [filed.id, rejected_one]

    # The window is open: not final yet.
    with refused(system, RuleViolationError, rule="window_open"):
        app.finalize_period(YEAR, actor=staff.supervisor)

    # Upheld: the missing volunteer service is awarded, with the objection, in one save.
    start = app.last_position()
    app.uphold_objection(
        filed.id,
        "核实漏记",
        award_rule="volunteer",
        deed_on=on(7, 20),
        note="七月二十日防汛值守",
        actor=staff.supervisor,
    )
    upheld, settled, correction = events_after(system, start)
    assert names([upheld, settled, correction]) == [
        "Objection.Upheld",
        "Period.ObjectionSettled",
        "Ledger.Awarded",
    ]
    assert correction.award_id == derived_id("objection", str(filed.id))
    assert (correction.rule_code, correction.rule_version, correction.points) == (
        "volunteer",
        2,
        4,
    )
    assert (correction.evidence_kind, correction.note) == ("note", "七月二十日防汛值守")
    assert upheld.reason == "核实漏记"
    assert upheld.correction == {"kind": "award", "entry_id": correction.award_id}
    assert settled.objection_id == filed.id
    with refused(system, RuleViolationError, rule="objection_settled"):
        app.reject_objection(filed.id, "x", actor=staff.supervisor)

    # Rejected: the volunteer's ledger was right.
    start = app.last_position()
    app.reject_objection(rejected_one, "经核实记录无误", actor=staff.supervisor)
    rejected, settled = events_after(system, start)
    assert names([rejected, settled]) == ["Objection.Rejected", "Period.ObjectionSettled"]
    assert rejected.reason == "经核实记录无误"

    # The window ends; a late objection is refused; the year becomes final.
    clock.now = window_ends + timedelta(seconds=1)
    with refused(system, RuleViolationError, rule="window_closed"):
        app.file_objection(member, YEAR, "晚了", actor=staff.cadre)
    final = do(staff.supervisor, "finalize_period", YEAR)
    assert final.at == clock.now
    book = ledger(system, member)
    assert (book.points, book.stars) == (3 + 10 + 8 + 3 - 5 + 4, 2)

    # The committee's selection: the member broke the bottom line and is not a
    # candidate; of the two volunteers, the one with more points comes first.
    standings = LedgerStandings(
        system, {member: org.branch, helper: org.branch, helper2: org.branch}
    )
    monkeypatch.setattr(app, "standings", standings)
    proposed = do(staff.supervisor, "propose_selection", YEAR, per_branch=2)
    assert standings.asked == [(YEAR, 2)]
    assert (proposed.year, proposed.per_branch) == (YEAR, 2)
    assert [
        (c["member_id"], c["branch_id"], c["stars"], c["points"]) for c in proposed.candidates
    ] == [
        (helper2, org.branch, 1, 7),
        (helper, org.branch, 1, 3),
    ]
    with refused(system, RuleViolationError, rule="selection_exists"):
        app.propose_selection(YEAR, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="not_a_candidate"):
        app.confirm_selection(YEAR, [member], actor=staff.supervisor)
    confirmed = do(staff.supervisor, "confirm_selection", YEAR, [helper2], reason="支委会决定")
    assert (confirmed.chosen, confirmed.reason) == ([helper2], "支委会决定")
    published = do(staff.supervisor, "publish_selection", YEAR)
    assert published.at == clock.now
    with refused(system, RuleViolationError, rule="selection_state"):
        app.publish_selection(YEAR, actor=staff.supervisor)


# -- awards and their rules ------------------------------------------------------------------


def test_a_cap_cuts_what_a_member_earns_under_a_rule_in_a_year(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    app.define_rule(
        "lecture", "宣讲", "Talk", "study", 4, cap=6, effective_from=on(1, 1), actor=staff.admin
    )
    member, other = people.helper, people.helper2

    def talk(who: UUID, day: date) -> tuple[int, int, bool]:
        r = app.award_points(who, "lecture", day, note="宣讲", actor=staff.clerk)
        return r.points, r.asked, r.capped

    assert [talk(member, on(3, d)) for d in (1, 2, 3)] == [
        (4, 4, False),
        (2, 4, True),
        (0, 4, True),
    ]
    # Another member, and the same member in another year, have room of their own.
    assert talk(other, on(3, 4)) == (4, 4, False)
    assert talk(member, app.today()) == (4, 4, False)
    # A reversed award gives its room back.
    first = next(i for i, e in ledger(system, member).entries.items() if e["points"] == 4)
    proposal = app.propose_reversal(member, YEAR, first, "重复", actor=staff.clerk).id
    app.approve_adjustment(proposal, actor=staff.supervisor)
    assert ledger(system, member).room("lecture", 6) == 4
    assert talk(member, on(3, 9)) == (4, 4, False)
    book = ledger(system, member)
    assert (book.by_rule["lecture"], book.points, counted(book)) == (6, 6, 6)


def test_a_capped_attendee_keeps_the_star_and_the_receipt_names_them(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    app.define_rule(
        "party_lesson",
        "党课",
        "Party lesson",
        "party_day",
        3,
        earns_star=True,
        cap=3,
        effective_from=on(1, 1),
        actor=staff.admin,
    )
    member, other = people.helper, people.helper2
    app.award_points(member, "party_lesson", on(2, 1), note="党课", actor=staff.clerk)
    activity = app.plan_activity(
        "四月党课", "party_lesson", on(4, 1), org.community, actor=staff.clerk
    ).id
    receipt = app.record_attendance(activity, [member, other], actor=staff.clerk)
    assert receipt.capped == [member]
    assert (ledger(system, member).points, ledger(system, member).stars) == (3, 2)
    assert (ledger(system, other).points, ledger(system, other).stars) == (3, 1)
    (cut,) = [
        e
        for e in events_after(system, receipt.position - 5)
        if names([e]) == ["Ledger.Awarded"] and e.originator_id == ledger(system, member).id
    ]
    assert (cut.points, cut.asked, cut.capped, cut.stars) == (0, 3, True, 1)
    # Each attendee once per activity.
    with refused(system, RuleViolationError, rule="already_attended"):
        app.record_attendance(activity, [other], actor=staff.clerk)


def test_each_award_keeps_the_version_in_effect_on_its_deed(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, member = system.app, people.helper
    app.define_rule(
        "patrol", "巡逻", "Patrol", "volunteer", 1, effective_from=on(3, 1), actor=staff.admin
    )
    with refused(system, RuleViolationError, rule="not_in_effect"):
        app.award_points(member, "patrol", on(2, 28), note="x", actor=staff.clerk)
    before = app.award_points(member, "patrol", on(5, 31), note="x", actor=staff.clerk)
    app.revise_rule("patrol", 2, on(6, 1), "夏季加倍", actor=staff.admin)
    app.revise_rule("patrol", 3, on(9, 1), "秋季", earns_star=True, actor=staff.admin)
    for day, reason in ((on(9, 1), "same day"), (on(8, 1), "earlier")):
        with refused(system, RuleViolationError, rule="effective_order", case=reason):
            app.revise_rule("patrol", 5, day, "x", actor=staff.admin)
    with refused(system, InvalidInputError, field="effective_from"):
        app.revise_rule("patrol", 5, None, "x", actor=staff.admin)
    with refused(system, InvalidInputError, field="reason"):
        app.revise_rule("patrol", 5, on(10, 1), " ", actor=staff.admin)
    with refused(system, RuleViolationError, rule="award_sign"):
        app.revise_rule("patrol", -5, on(10, 1), "x", actor=staff.admin)
    start = app.last_position()
    receipts = [
        app.award_points(member, "patrol", day, note="x", actor=staff.clerk)
        for day in (on(5, 31), on(6, 1), on(8, 31), on(9, 1))
    ]
    awarded = [e for e in events_after(system, start) if names([e]) == ["Ledger.Awarded"]]
    assert [(e.rule_version, e.points, e.stars) for e in awarded] == [
        (1, 1, 0),
        (2, 2, 0),
        (2, 2, 0),
        (3, 3, 1),
    ]
    assert [(r.points, r.stars) for r in receipts] == [(1, 0), (2, 0), (2, 0), (3, 1)]
    # The award made before the revisions is as it was.
    (first,) = events_after(system, before.position - 1, before.position)
    assert (first.rule_version, first.points) == (1, 1)
    rule: Rule = app.repository.get(Rule.id_for("patrol"))
    assert [(v["version"], v["points"], v["name_zh"]) for v in rule.versions] == [
        (1, 1, "巡逻"),
        (2, 2, "巡逻"),
        (3, 3, "巡逻"),
    ]


def test_deductions_are_never_awarded_directly(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, member = system.app, people.helper
    with refused(system, RuleViolationError, rule="use_deduction"):
        app.award_points(member, "breach", on(3, 1), note="x", actor=staff.supervisor)
    with refused(system, InvalidInputError, field="rule_code"):
        app.plan_activity("x", "absent_without_leave", on(3, 1), org.community, actor=staff.clerk)
    with refused(system, InvalidInputError, field="rule_code"):
        app.propose_deduction(member, "study", on(3, 1), "x", actor=staff.clerk)


AWARD_CASES: list[tuple[str, dict[str, Any]]] = [
    ("rule_code", {"rule_code": "no_such_rule"}),
    ("rule_code", {"rule_code": "Not A Code!"}),
    ("deed_on", {"deed_on": None}),
    ("deed_on", {"deed_on": date(2999, 1, 1)}),
    ("evidence_kind", {"evidence_kind": "photo"}),
    ("note", {"note": None}),
    ("note", {"note": " "}),
    ("evidence_ref", {"evidence_kind": "request", "evidence_ref": None}),
    ("evidence_ref", {"evidence_kind": "activity", "evidence_ref": "not-an-id"}),
    ("member_id", {"member_id": "not-an-id"}),
]


def test_an_award_names_a_rule_a_past_deed_and_its_evidence(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    base: dict[str, Any] = dict(
        member_id=people.helper, rule_code="study", deed_on=on(3, 1), note="学习"
    )
    for field, change in AWARD_CASES:
        with refused(system, InvalidInputError, field=field, case=change):
            app.award_points(**{**base, **change}, actor=staff.clerk)
    # Evidence names a request or an activity that exists, and not the other kind.
    rid = request_in(system, staff.admin, org, "placed")
    with refused(system, InvalidInputError, field="evidence_ref"):
        app.award_points(**base, evidence_kind="activity", evidence_ref=str(rid), actor=staff.clerk)
    receipt = app.award_points(
        **{**base, "note": None}, evidence_kind="request", evidence_ref=str(rid), actor=staff.clerk
    )
    (event,) = events_after(system, receipt.position - 1)
    assert (event.evidence_kind, event.evidence_ref, event.note) == ("request", str(rid), None)
    with refused(system, NotFoundError):
        app.award_points(**{**base, "member_id": people.helper.hex[::-1]}, actor=staff.clerk)


def test_a_deregistered_member_earns_nothing_more(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    app.deregister_member(people.helper, "moved", "搬走了", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="member_deregistered"):
        app.award_points(people.helper, "study", on(3, 1), note="x", actor=staff.clerk)
    activity = app.plan_activity("党日", "party_day", on(3, 5), org.community, actor=staff.clerk).id
    with refused(system, RuleViolationError, rule="member_deregistered"):
        app.record_attendance(activity, [people.helper2, people.helper], actor=staff.clerk)


RULE_CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("code", ("X", "名", "Name", "study", 2), {}),
    ("code", ("9lives", "名", "Name", "study", 2), {}),
    ("category", ("new_rule", "名", "Name", "gardening", 2), {}),
    ("points", ("new_rule", "名", "Name", "study", 0), {}),
    ("points", ("new_rule", "名", "Name", "study", 101), {}),
    ("points", ("new_rule", "名", "Name", "study", True), {}),
    ("cap", ("new_rule", "名", "Name", "study", 2), {"cap": 0}),
    ("earns_star", ("new_rule", "名", "Name", "study", 2), {"earns_star": "yes"}),
    ("name_zh", ("new_rule", "", "Name", "study", 2), {}),
]


def test_a_rule_is_defined_once_with_sound_terms(system: System, staff: Staff) -> None:
    app = system.app
    for field, args, kw in RULE_CASES:
        with refused(system, InvalidInputError, field=field, case=(args, kw)):
            app.define_rule(*args, **kw, actor=staff.admin)
    broken: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("rule_exists", ("study", "学习", "Study", "study", 2), {}),
        ("deduction_sign", ("late", "迟到", "Late", "bottom_line", 2), {}),
        ("deduction_cap", ("late", "迟到", "Late", "bottom_line", -2), {"cap": 10}),
        ("award_sign", ("gift", "捐赠", "Gift", "contribution", -2), {}),
        ("cap_too_small", ("gift", "捐赠", "Gift", "contribution", 5), {"cap": 4}),
    ]
    for rule, args, kw in broken:
        with refused(system, RuleViolationError, rule=rule, case=args):
            app.define_rule(*args, **kw, actor=staff.admin)
    # Without a date, a new rule is in effect from today.
    app.define_rule(" Late ", "迟到", "Late", "bottom_line", -2, actor=staff.admin)
    late: Rule = app.repository.get(Rule.id_for("late"))
    assert (late.code, late.versions[0]["effective_from"], late.is_deduction) == (
        "late",
        app.today(),
        True,
    )


def test_the_catalogue_is_seeded_once(system: System, staff: Staff) -> None:
    app = system.app
    rules = [
        app._find(Rule, Rule.id_for(code))
        for code in (
            "study",
            "party_day",
            "volunteer",
            HELP_RULE,
            "contribution",
            "absent_without_leave",
            "breach",
        )
    ]
    assert all(r is not None and r.versions[0]["effective_from"] == date(2000, 1, 1) for r in rules)
    position = app.last_position()
    assert app.seed_rules(actor=staff.admin) == position
    assert app.last_position() == position
    with refused(system, PermissionDeniedError):
        app.seed_rules(actor=staff.supervisor)


# -- deductions and reversals: two people -----------------------------------------------------


def test_who_proposes_never_decides(system: System, staff: Staff, people: People) -> None:
    app, member = system.app, people.helper
    proposal = app.propose_deduction(
        member, "breach", on(6, 1), "违反底线要求", actor=staff.supervisor
    ).id
    with refused(system, RuleViolationError, rule="same_person"):
        app.approve_adjustment(proposal, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="same_person"):
        app.reject_adjustment(proposal, "x", actor=staff.supervisor)
    with refused(system, PermissionDeniedError):
        app.approve_adjustment(proposal, actor=staff.cadre)
    with refused(system, InvalidInputError, field="reason"):
        app.reject_adjustment(proposal, " ", actor=staff.admin)
    start = app.last_position()
    app.reject_adjustment(proposal, "证据不足", actor=staff.admin)
    (rejected,) = events_after(system, start)
    assert (names([rejected]), rejected.approver, rejected.reason) == (
        ["Adjustment.Rejected"],
        "admin",
        "证据不足",
    )
    assert app.proposal_state(proposal, actor=staff.reviewer) == "rejected"
    assert app._find(Ledger, Ledger.id_for(member, YEAR)) is None  # nothing counted
    with refused(system, RuleViolationError, rule="adjustment_decided"):
        app.approve_adjustment(proposal, actor=staff.admin)
    # An admin's own proposal needs another person too.
    own = app.propose_deduction(member, "breach", on(6, 2), "x", actor=staff.admin).id
    with refused(system, RuleViolationError, rule="same_person"):
        app.approve_adjustment(own, actor=staff.admin)
    app.approve_adjustment(own, actor=staff.supervisor)
    assert ledger(system, member).points == -10
    with refused(system, NotFoundError):
        app.approve_adjustment(member, actor=staff.supervisor)


def test_a_reversal_names_an_entry_on_the_members_ledger(
    system: System, staff: Staff, people: People
) -> None:
    app, member, other = system.app, people.helper, people.helper2
    entry = app.award_points(member, "study", on(3, 1), note="x", actor=staff.clerk).id
    with refused(system, InvalidInputError, field="entry_id"):
        app.propose_reversal(other, YEAR, entry, "x", actor=staff.clerk)
    with refused(system, InvalidInputError, field="entry_id"):
        app.propose_reversal(member, YEAR - 1, entry, "x", actor=staff.clerk)
    with refused(system, InvalidInputError, field="reason"):
        app.propose_reversal(member, YEAR, entry, "", actor=staff.clerk)
    # Two proposals to reverse the same entry: the second cannot be approved.
    first = app.propose_reversal(member, YEAR, entry, "记错了人", actor=staff.clerk).id
    second = app.propose_reversal(member, YEAR, entry, "重复", actor=staff.supervisor).id
    app.approve_adjustment(first, actor=staff.supervisor)
    with refused(system, RuleViolationError, rule="already_reversed"):
        app.approve_adjustment(second, actor=staff.admin)
    assert ledger(system, member).points == 0
    # A deduction is reversed the same way, and the bottom line is clear again.
    deduction = app.propose_deduction(member, "breach", on(4, 1), "x", actor=staff.clerk).id
    app.approve_adjustment(deduction, actor=staff.supervisor)
    assert ledger(system, member).bottom_line
    undo = app.propose_reversal(member, YEAR, deduction, "申诉成立", actor=staff.clerk).id
    app.approve_adjustment(undo, actor=staff.supervisor)
    book = ledger(system, member)
    assert (book.points, book.bottom_line) == (0, False)


# -- the request star: exactly once ---------------------------------------------------------


def test_a_reopened_request_accepted_again_earns_no_second_star(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, member = system.app, people.helper
    rid = request_in(system, staff.admin, org, "accepted", claimant=member)
    year = app.today().year
    book = ledger(system, member, year)
    assert (book.points, book.stars) == (3, 1)
    app.record_visit(rid, "dissatisfied", reason="灯又坏了", actor=staff.clerk)
    app.resolve_request(rid, "更换线路", actor=staff.admin)
    start = app.last_position()
    app.accept_resolution(rid, actor=staff.supervisor)
    assert names(events_after(system, start)) == ["Request.Accepted"]
    book = ledger(system, member, year)
    assert (book.points, book.stars, len(book.entries)) == (3, 1, 1)
    assert app.get_request(rid, actor=staff.reviewer).state == "accepted"


def test_the_star_goes_to_the_claimant_even_when_the_cap_is_reached(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, member = system.app, people.helper
    year = app.today().year
    app.revise_rule(HELP_RULE, 3, date(2001, 1, 1), "封顶试点", cap=3, actor=staff.admin)
    request_in(system, staff.admin, org, "accepted", claimant=member)
    request_in(system, staff.admin, org, "accepted", claimant=member)
    book = ledger(system, member, year)
    assert (book.points, book.stars, book.by_rule[HELP_RULE]) == (3, 2, 3)
