"""Points and stars in isolation: rules and their versions, a member's ledger of one year
with its caps, activities, two-person adjustments, the period's publicity window,
objections and the year's selection."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.base import acting_as
from domain.points import (
    DEFAULT_RULES,
    HELP_RULE,
    Activity,
    Adjustment,
    AdjustmentState,
    Ledger,
    Objection,
    ObjectionState,
    Period,
    PeriodState,
    PointsError,
    Rule,
    RuleCategory,
    Selection,
    SelectionState,
    check_rule_terms,
)

YEAR = 2025
T0 = datetime(2026, 1, 4, 1, 0, tzinfo=UTC)
WINDOW_ENDS = datetime(2026, 1, 9, 15, 59, 59, tzinfo=UTC)
MEMBER, MEMBER2, MEMBER3 = uuid4(), uuid4(), uuid4()
BRANCH, BRANCH2 = uuid4(), uuid4()


def as_(actor: str, action: Any) -> Any:
    with acting_as(actor):
        return action()


def collected(aggregate: Any) -> list[Any]:
    """The aggregate's new events (typed loosely: each event class has its own fields)."""
    return list(aggregate.collect_events())


def names(aggregate: Any) -> list[str]:
    return [type(e).__qualname__ for e in aggregate.collect_events()]


def refused(aggregate: Any, rule: str, action: Any, actor: str = "someone") -> None:
    """The action breaks `rule`: an error naming it (409), no event, nothing changed."""
    assert aggregate.collect_events() == [], "collect events before checking a refusal"
    before = copy.deepcopy(vars(aggregate))
    with acting_as(actor), pytest.raises(PointsError) as caught:
        action()
    assert caught.value.rule == rule, caught.value
    assert caught.value.status == 409
    assert vars(aggregate) == before
    assert aggregate.collect_events() == []


def study_rule(points: int = 2, cap: int | None = 40, *, star: bool = False) -> Rule:
    rule: Rule = as_(
        "admin",
        lambda: Rule(  # type: ignore[call-arg]
            id=Rule.id_for("study"),
            code="study",
            name_zh="学习教育",
            name_en="Study session",
            category="study",
            points=points,
            earns_star=star,
            cap=cap,
            effective_from=date(2000, 1, 1),
        ),
    )
    return rule


def ledger(member: UUID = MEMBER, year: int = YEAR) -> Ledger:
    opened: Ledger = as_(
        "clerk",
        lambda: Ledger(id=Ledger.id_for(member, year), member_id=member, year=year),  # type: ignore[call-arg]
    )
    opened.collect_events()
    return opened


def award(
    book: Ledger,
    points: int = 2,
    *,
    asked: int | None = None,
    stars: int = 0,
    rule: str = "study",
    deed_on: date = date(YEAR, 3, 5),
    award_id: UUID | None = None,
) -> UUID:
    ident = award_id or uuid4()
    asked = points if asked is None else asked
    as_(
        "clerk",
        lambda: book.award(
            ident, rule, 1, points, stars, asked, points < asked, deed_on, "note", None, "x"
        ),
    )
    return ident


def deduct(book: Ledger, points: int = -5, deed_on: date = date(YEAR, 5, 10)) -> UUID:
    ident = uuid4()
    as_("supervisor", lambda: book.deduct(ident, "breach", 1, points, deed_on, "无故缺席"))
    return ident


# -- the rule catalogue ------------------------------------------------------------------


RULE_TERMS: list[tuple[str, int, int | None, str | None]] = [
    ("study", 2, 40, None),
    ("study", 2, None, None),
    ("study", 2, 2, None),
    ("party_day", 0, None, "award_sign"),
    ("volunteer", -2, None, "award_sign"),
    ("helping", 5, 4, "cap_too_small"),
    ("bottom_line", -5, None, None),
    ("bottom_line", 5, None, "deduction_sign"),
    ("bottom_line", 0, None, "deduction_sign"),
    ("bottom_line", -5, 10, "deduction_cap"),
]


@pytest.mark.parametrize(("category", "points", "cap", "rule"), RULE_TERMS)
def test_rule_terms_reward_with_a_positive_amount_and_deduct_without_a_cap(
    category: str, points: int, cap: int | None, rule: str | None
) -> None:
    if rule is None:
        check_rule_terms(category, points, cap)
        return
    with pytest.raises(PointsError) as caught:
        check_rule_terms(category, points, cap)
    assert caught.value.rule == rule


def test_an_unknown_category_is_not_a_rule_category() -> None:
    with pytest.raises(ValueError):
        check_rule_terms("gardening", 2, None)


def test_the_default_catalogue_keeps_its_own_terms() -> None:
    assert len(DEFAULT_RULES) == 7
    codes = [code for code, *_ in DEFAULT_RULES]
    assert len(set(codes)) == 7 and HELP_RULE in codes
    for _code, _zh, _en, category, points, _star, cap in DEFAULT_RULES:
        check_rule_terms(category, points, cap)
    help_rule = next(r for r in DEFAULT_RULES if r[0] == HELP_RULE)
    assert (help_rule[3], help_rule[5]) == ("helping", True)  # the request star


def test_a_rule_is_defined_and_revised_from_a_later_date() -> None:
    rule = study_rule()
    (defined,) = collected(rule)
    assert type(defined).__qualname__ == "Rule.Defined"
    assert (defined.code, defined.category, defined.points, defined.cap) == (
        "study",
        "study",
        2,
        40,
    )
    assert (rule.category, rule.is_deduction, rule.id) == (
        RuleCategory.STUDY,
        False,
        Rule.id_for("study"),
    )
    as_(
        "admin",
        lambda: rule.revise("学习", "Study", 3, True, 45, date(YEAR, 7, 1), "上级新标准"),
    )
    (revised,) = collected(rule)
    assert type(revised).__qualname__ == "Rule.Revised"
    assert (revised.points, revised.earns_star, revised.cap, revised.reason) == (
        3,
        True,
        45,
        "上级新标准",
    )
    assert [v["version"] for v in rule.versions] == [1, 2]
    # Each day has the version in effect on it; the boundary belongs to the new one.
    assert rule.version_on(date(YEAR, 6, 30))["points"] == 2
    assert rule.version_on(date(YEAR, 7, 1))["version"] == 2
    assert rule.version_on(date(YEAR + 5, 1, 1))["name_zh"] == "学习"
    refused(rule, "not_in_effect", lambda: rule.version_on(date(1999, 12, 31)))


def test_a_revision_takes_effect_after_the_latest_with_a_reason_and_sound_terms() -> None:
    rule = study_rule()
    rule.collect_events()
    as_("admin", lambda: rule.revise("学习", "Study", 3, False, 40, date(YEAR, 7, 1), "x"))
    rule.collect_events()
    for day in (date(YEAR, 7, 1), date(YEAR, 6, 1)):
        refused(
            rule,
            "effective_order",
            lambda day=day: rule.revise("学习", "Study", 4, False, 40, day, "x"),
        )
    refused(
        rule,
        "reason_required",
        lambda: rule.revise("学习", "Study", 4, False, 40, date(YEAR, 9, 1), " "),
    )
    refused(
        rule,
        "award_sign",
        lambda: rule.revise("学习", "Study", -4, False, None, date(YEAR, 9, 1), "x"),
    )
    breach = as_(
        "admin",
        lambda: Rule(  # type: ignore[call-arg]
            id=Rule.id_for("breach"),
            code="breach",
            name_zh="违反底线要求",
            name_en="Broke a bottom-line rule",
            category="bottom_line",
            points=-10,
            earns_star=False,
            cap=None,
            effective_from=date(2000, 1, 1),
        ),
    )
    breach.collect_events()
    assert breach.is_deduction
    refused(
        breach,
        "deduction_cap",
        lambda: breach.revise("违", "Breach", -20, False, 40, date(YEAR, 1, 1), "x"),
    )


def test_a_rule_with_bad_terms_is_never_defined() -> None:
    with acting_as("admin"), pytest.raises(PointsError) as caught:
        Rule(  # type: ignore[call-arg]
            id=Rule.id_for("bad"),
            code="bad",
            name_zh="坏",
            name_en="Bad",
            category="bottom_line",
            points=3,
            earns_star=False,
            cap=None,
            effective_from=date(2000, 1, 1),
        )
    assert caught.value.rule == "deduction_sign"


def test_derived_ids_are_stable_and_distinct() -> None:
    assert Rule.id_for("study") == Rule.id_for("study") != Rule.id_for("volunteer")
    assert Ledger.id_for(MEMBER, YEAR) != Ledger.id_for(MEMBER, YEAR + 1)
    assert Ledger.id_for(MEMBER, YEAR) != Ledger.id_for(MEMBER2, YEAR)
    assert Period.id_for(YEAR) == Period.id_for(YEAR) != Selection.id_for(YEAR)


# -- a ledger: awards, caps, deductions, reversals ---------------------------------------


def test_a_ledger_adds_awards_per_rule_and_leaves_room_under_the_cap() -> None:
    book = as_(
        "clerk",
        lambda: Ledger(id=Ledger.id_for(MEMBER, YEAR), member_id=MEMBER, year=YEAR),  # type: ignore[call-arg]
    )
    assert names(book) == ["Ledger.Opened"]
    assert (book.member_id, book.year, book.points, book.stars) == (MEMBER, YEAR, 0, 0)
    assert book.room("study", 40) == 40
    assert book.room("study", None) is None
    first = award(book, 2)
    award(book, 3, stars=1, rule="party_day")
    (awarded, _) = collected(book)
    assert type(awarded).__qualname__ == "Ledger.Awarded"
    assert (awarded.award_id, awarded.rule_code, awarded.points, awarded.asked) == (
        first,
        "study",
        2,
        2,
    )
    assert (book.points, book.stars, book.by_rule) == (5, 1, {"study": 2, "party_day": 3})
    assert book.room("study", 40) == 38
    assert book.room("party_day", 3) == 0
    # The cap cut what the rule asked: 2 of 4 granted; the room is spent, never negative.
    award(book, 2, asked=4)
    assert book.room("study", 4) == 0
    assert book.room("study", 3) == 0
    (cut,) = collected(book)
    assert (cut.points, cut.asked, cut.capped) == (2, 4, True)
    # A capped award with nothing left still records the star it earns.
    award(book, 0, asked=3, stars=1, rule="party_day")
    assert (book.points, book.stars) == (7, 2)


def test_an_award_is_recorded_once_in_its_year_and_never_takes_points() -> None:
    book = ledger()
    first = award(book)
    book.collect_events()
    refused(book, "already_recorded", lambda: award(book, award_id=first))
    refused(book, "other_period", lambda: award(book, deed_on=date(YEAR + 1, 1, 1)))
    refused(book, "award_sign", lambda: award(book, -2, asked=2))
    refused(book, "award_sign", lambda: award(book, 3, asked=2))
    refused(book, "award_sign", lambda: award(book, 2, stars=-1))


def test_a_deduction_takes_points_and_marks_the_bottom_line() -> None:
    book = ledger()
    award(book, 10, rule="contribution")
    book.collect_events()
    first = deduct(book, -5)
    (deducted,) = collected(book)
    assert type(deducted).__qualname__ == "Ledger.Deducted"
    assert (deducted.adjustment_id, deducted.points, deducted.reason) == (first, -5, "无故缺席")
    assert (book.points, book.stars, book.bottom_line) == (5, 0, True)
    assert "breach" not in book.by_rule  # deductions do not count against a cap
    refused(book, "deduction_sign", lambda: deduct(book, 0))
    refused(book, "deduction_sign", lambda: deduct(book, 5))
    refused(book, "other_period", lambda: deduct(book, deed_on=date(YEAR - 1, 12, 31)))


def test_a_reversal_takes_an_entry_off_once_and_gives_its_room_back() -> None:
    book = ledger()
    entry = award(book, 3, stars=1, rule="party_day")
    award(book, 3, stars=1, rule="party_day")
    book.collect_events()
    proposal = uuid4()
    as_("supervisor", lambda: book.reverse(entry, proposal, "重复登记"))
    (reversed_,) = collected(book)
    assert type(reversed_).__qualname__ == "Ledger.Reversed"
    assert (reversed_.entry_id, reversed_.adjustment_id, reversed_.reason) == (
        entry,
        proposal,
        "重复登记",
    )
    assert (book.points, book.stars, book.by_rule["party_day"]) == (3, 1, 3)
    assert book.entries[entry]["reversed"] is True
    assert book.room("party_day", 6) == 3
    refused(book, "already_reversed", lambda: book.reverse(entry, uuid4(), "again"))
    refused(book, "no_such_entry", lambda: book.reverse(uuid4(), uuid4(), "x"))
    other = award(book)
    book.collect_events()
    refused(book, "reason_required", lambda: book.reverse(other, uuid4(), " "))


def test_the_bottom_line_clears_only_when_every_deduction_is_reversed() -> None:
    book = ledger()
    first, second = deduct(book, -5), deduct(book, -10)
    book.collect_events()
    as_("supervisor", lambda: book.reverse(first, uuid4(), "请假条补交"))
    assert (book.points, book.bottom_line) == (-10, True)
    as_("supervisor", lambda: book.reverse(second, uuid4(), "核实有误"))
    assert (book.points, book.bottom_line) == (0, False)


# -- activities ---------------------------------------------------------------------------


def test_an_activity_records_each_attendee_once() -> None:
    activity: Activity = as_(
        "clerk",
        lambda: Activity(  # type: ignore[call-arg]
            id=uuid4(),
            title="七一主题党日",
            rule_code="party_day",
            held_on=date(YEAR, 7, 1),
            community_id=uuid4(),
            branch_id=None,
        ),
    )
    assert names(activity) == ["Activity.Planned"]
    as_("clerk", lambda: activity.record_attendance([MEMBER, MEMBER2]))
    (recorded,) = collected(activity)
    assert recorded.member_ids == [MEMBER, MEMBER2]
    refused(activity, "no_attendees", lambda: activity.record_attendance([]))
    refused(activity, "already_attended", lambda: activity.record_attendance([MEMBER3, MEMBER]))
    refused(activity, "already_attended", lambda: activity.record_attendance([MEMBER3, MEMBER3]))
    as_("clerk", lambda: activity.record_attendance([MEMBER3]))
    assert activity.attendees == [MEMBER, MEMBER2, MEMBER3]


# -- adjustments: one proposes, another decides ------------------------------------------


def proposed(proposer: str = "clerk") -> Adjustment:
    adjustment: Adjustment = as_(
        proposer,
        lambda: Adjustment(  # type: ignore[call-arg]
            id=uuid4(),
            kind="deduction",
            member_id=MEMBER,
            year=YEAR,
            rule_code="breach",
            entry_id=None,
            deed_on=date(YEAR, 5, 10),
            reason="无故缺席组织生活",
            proposer=proposer,
        ),
    )
    adjustment.collect_events()
    return adjustment


def test_a_proposal_is_decided_by_someone_else() -> None:
    adjustment = proposed("supervisor")
    assert adjustment.state == AdjustmentState.PROPOSED
    refused(adjustment, "same_person", lambda: adjustment.approve("supervisor"), "supervisor")
    refused(adjustment, "same_person", lambda: adjustment.reject("supervisor", "x"), "supervisor")
    as_("admin", lambda: adjustment.approve("admin"))
    (approved,) = collected(adjustment)
    assert (type(approved).__qualname__, approved.approver) == ("Adjustment.Approved", "admin")
    assert adjustment.state == AdjustmentState.APPROVED
    refused(adjustment, "adjustment_decided", lambda: adjustment.approve("other"))
    refused(adjustment, "adjustment_decided", lambda: adjustment.reject("other", "x"))


def test_a_rejection_says_why_and_ends_the_proposal() -> None:
    adjustment = proposed()
    refused(adjustment, "reason_required", lambda: adjustment.reject("supervisor", ""))
    as_("supervisor", lambda: adjustment.reject("supervisor", "有请假条"))
    (rejected,) = collected(adjustment)
    assert (rejected.approver, rejected.reason) == ("supervisor", "有请假条")
    assert adjustment.state == AdjustmentState.REJECTED
    refused(adjustment, "adjustment_decided", lambda: adjustment.approve("admin"))


def test_a_proposal_says_why() -> None:
    with acting_as("clerk"), pytest.raises(PointsError) as caught:
        Adjustment(  # type: ignore[call-arg]
            id=uuid4(),
            kind="reversal",
            member_id=MEMBER,
            year=YEAR,
            rule_code="study",
            entry_id=uuid4(),
            deed_on=None,
            reason="  ",
            proposer="clerk",
        )
    assert caught.value.rule == "reason_required"


# -- the period: closed into its publicity window, then final ------------------------------


def closed() -> Period:
    period: Period = as_(
        "supervisor",
        lambda: Period(  # type: ignore[call-arg]
            id=Period.id_for(YEAR), year=YEAR, closed_at=T0, window_ends_at=WINDOW_ENDS
        ),
    )
    assert names(period) == ["Period.Closed"]
    return period


def test_objections_open_in_the_window_only() -> None:
    period = closed()
    assert period.state == PeriodState.PUBLICITY
    assert period.in_window(T0) and period.in_window(WINDOW_ENDS)
    assert not period.in_window(WINDOW_ENDS + timedelta(seconds=1))
    first, second = uuid4(), uuid4()
    as_("cadre", lambda: period.objection_opened(first, T0 + timedelta(days=1)))
    as_("clerk", lambda: period.objection_opened(second, WINDOW_ENDS))
    assert names(period) == ["Period.ObjectionOpened"] * 2
    assert period.open_objections == [first, second]
    late = WINDOW_ENDS + timedelta(seconds=1)
    refused(period, "window_closed", lambda: period.objection_opened(uuid4(), late))
    as_("supervisor", lambda: period.objection_settled(first))
    (settled,) = collected(period)
    assert settled.objection_id == first
    refused(period, "no_such_objection", lambda: period.objection_settled(first))
    refused(period, "no_such_objection", lambda: period.objection_settled(uuid4()))


def test_a_period_is_final_after_its_window_with_no_objection_open() -> None:
    period = closed()
    objection = uuid4()
    as_("cadre", lambda: period.objection_opened(objection, T0))
    period.collect_events()
    refused(period, "window_open", lambda: period.finalize(T0 + timedelta(days=1)))
    refused(period, "window_open", lambda: period.finalize(WINDOW_ENDS))
    after = WINDOW_ENDS + timedelta(seconds=1)
    refused(period, "objections_open", lambda: period.finalize(after))
    as_("supervisor", lambda: period.objection_settled(objection))
    period.collect_events()
    as_("supervisor", lambda: period.finalize(after))
    (final,) = collected(period)
    assert (type(final).__qualname__, final.at) == ("Period.Finalized", after)
    assert period.state == PeriodState.FINAL
    refused(period, "period_final", lambda: period.finalize(after + timedelta(days=1)))
    # Nothing is filed on a final year, even at a time the window would allow.
    refused(period, "window_closed", lambda: period.objection_opened(uuid4(), T0))


# -- objections --------------------------------------------------------------------------


def filed() -> Objection:
    objection: Objection = as_(
        "cadre",
        lambda: Objection(  # type: ignore[call-arg]
            id=uuid4(),
            member_id=MEMBER,
            year=YEAR,
            text="v1:sealed",
            filed_at=T0,
            filed_by="cadre",
        ),
    )
    assert names(objection) == ["Objection.Filed"]
    assert objection.state == ObjectionState.OPEN
    return objection


def test_an_objection_is_upheld_with_its_correction_once() -> None:
    objection = filed()
    entry = uuid4()
    refused(objection, "reason_required", lambda: objection.uphold("", {"kind": "award"}))
    as_(
        "supervisor",
        lambda: objection.uphold("志愿服务漏记", {"kind": "award", "entry_id": entry}),
    )
    (upheld,) = collected(objection)
    assert (upheld.reason, upheld.correction) == (
        "志愿服务漏记",
        {"kind": "award", "entry_id": entry},
    )
    assert objection.state == ObjectionState.UPHELD
    refused(objection, "objection_settled", lambda: objection.reject("x"))
    refused(objection, "objection_settled", lambda: objection.uphold("x", {"kind": "award"}))


def test_an_objection_is_rejected_with_a_reason() -> None:
    objection = filed()
    refused(objection, "reason_required", lambda: objection.reject(" "))
    as_("supervisor", lambda: objection.reject("经核实记录无误"))
    (rejected,) = collected(objection)
    assert rejected.reason == "经核实记录无误"
    assert objection.state == ObjectionState.REJECTED
    refused(objection, "objection_settled", lambda: objection.reject("again"))


# -- the selection of excellent members ---------------------------------------------------

CANDIDATES = [
    {"member_id": MEMBER, "branch_id": BRANCH, "stars": 5, "points": 40},
    {"member_id": MEMBER2, "branch_id": BRANCH, "stars": 3, "points": 30},
    {"member_id": MEMBER3, "branch_id": BRANCH2, "stars": 2, "points": 12},
]


def test_a_selection_is_proposed_confirmed_among_its_candidates_and_published() -> None:
    selection: Selection = as_(
        "supervisor",
        lambda: Selection(  # type: ignore[call-arg]
            id=Selection.id_for(YEAR), year=YEAR, per_branch=2, candidates=CANDIDATES
        ),
    )
    (proposal,) = collected(selection)
    assert (proposal.year, proposal.per_branch, proposal.candidates) == (YEAR, 2, CANDIDATES)
    assert selection.state == SelectionState.PROPOSED
    refused(selection, "selection_state", lambda: selection.publish(T0))
    refused(selection, "nobody_chosen", lambda: selection.confirm([], None))
    refused(selection, "not_a_candidate", lambda: selection.confirm([MEMBER, uuid4()], None))
    refused(selection, "chosen_twice", lambda: selection.confirm([MEMBER, MEMBER], None))
    as_("supervisor", lambda: selection.confirm([MEMBER, MEMBER3], "支委会研究决定"))
    (confirmed,) = collected(selection)
    assert (confirmed.chosen, confirmed.reason) == ([MEMBER, MEMBER3], "支委会研究决定")
    assert (selection.state, selection.chosen) == (SelectionState.CONFIRMED, [MEMBER, MEMBER3])
    refused(selection, "selection_state", lambda: selection.confirm([MEMBER2], None))
    as_("supervisor", lambda: selection.publish(T0))
    (published,) = collected(selection)
    assert published.at == T0
    assert selection.state == SelectionState.PUBLISHED
    refused(selection, "selection_state", lambda: selection.publish(T0))
