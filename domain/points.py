"""Points and stars (积分 / 星级): rules, members' ledgers, activities, two-person
adjustments, periods with their publicity window, objections, the year's selection.

A member's points of one year live in one `Ledger` aggregate, so a rule's cap per member
per period is kept even when two awards arrive at once: both saves touch the ledger, one
conflicts and is retried against the new total. Every award keeps the rule version it was
made under, so replaying the log reproduces the totals of any day.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import YimaiAggregate, derived_id
from domain.errors import RuleViolationError


class PointsError(RuleViolationError):
    """A points rule was broken."""


class RuleCategory(StrEnum):
    STUDY = "study"
    PARTY_DAY = "party_day"
    VOLUNTEER = "volunteer"
    HELPING = "helping"
    CONTRIBUTION = "contribution"
    BOTTOM_LINE = "bottom_line"


class EvidenceKind(StrEnum):
    REQUEST = "request"
    ACTIVITY = "activity"
    NOTE = "note"


#: The rule a supervisor's acceptance of a resolution earns its claimant (one star).
HELP_RULE = "help_resident"

#: The catalogue a new database starts with: code, zh, en, category, points, star, cap.
DEFAULT_RULES: tuple[tuple[str, str, str, str, int, bool, int | None], ...] = (
    ("study", "学习教育", "Study session", "study", 2, False, 40),
    ("party_day", "主题党日", "Themed party day", "party_day", 3, True, 36),
    ("volunteer", "志愿服务", "Volunteer service", "volunteer", 2, False, 40),
    (HELP_RULE, "帮助群众解决问题", "Helped a resident solve a problem", "helping", 3, True, 60),
    ("contribution", "突出贡献", "Outstanding contribution", "contribution", 10, False, None),
    (
        "absent_without_leave",
        "无故缺席组织生活",
        "Missed organization life without leave",
        "bottom_line",
        -5,
        False,
        None,
    ),
    ("breach", "违反底线要求", "Broke a bottom-line rule", "bottom_line", -10, False, None),
)


def _need(text: str | None, message: str) -> None:
    if not text or not text.strip():
        raise PointsError("reason_required", message)


def check_rule_terms(category: str, points: int, cap: int | None) -> None:
    """Deductions are negative and uncapped; everything else earns a positive amount."""
    if RuleCategory(category) == RuleCategory.BOTTOM_LINE:
        if points >= 0:
            raise PointsError("deduction_sign", "a bottom-line rule deducts: points below 0")
        if cap is not None:
            raise PointsError("deduction_cap", "a deduction has no cap")
    elif points <= 0:
        raise PointsError("award_sign", "a rule that rewards gives more than 0 points")
    if cap is not None and cap < points:
        raise PointsError("cap_too_small", "the cap must allow at least one award")


class Rule(YimaiAggregate):
    """A rule of the catalogue and its versions, each in effect from a date."""

    id: UUID

    @staticmethod
    def id_for(code: str) -> UUID:
        return derived_id("points-rule", code)

    @event("Defined")
    def __init__(
        self,
        code: str,
        name_zh: str,
        name_en: str,
        category: str,
        points: int,
        earns_star: bool,
        cap: int | None,
        effective_from: date,
    ) -> None:
        check_rule_terms(category, points, cap)
        self.code = code
        self.category = RuleCategory(category)
        self.versions: list[dict[str, Any]] = [
            {
                "version": 1,
                "name_zh": name_zh,
                "name_en": name_en,
                "points": points,
                "earns_star": earns_star,
                "cap": cap,
                "effective_from": effective_from,
            }
        ]

    @event("Revised")
    def revise(
        self,
        name_zh: str,
        name_en: str,
        points: int,
        earns_star: bool,
        cap: int | None,
        effective_from: date,
        reason: str,
    ) -> None:
        """A new version from a date; awards made under earlier versions keep theirs."""
        _need(reason, "a reason is required to revise a rule")
        check_rule_terms(self.category.value, points, cap)
        if effective_from <= self.versions[-1]["effective_from"]:
            raise PointsError("effective_order", "a new version takes effect after the latest one")
        self.versions.append(
            {
                "version": len(self.versions) + 1,
                "name_zh": name_zh,
                "name_en": name_en,
                "points": points,
                "earns_star": earns_star,
                "cap": cap,
                "effective_from": effective_from,
            }
        )

    def version_on(self, day: date) -> dict[str, Any]:
        """The version in effect on `day`."""
        for version in reversed(self.versions):
            if version["effective_from"] <= day:
                return version
        raise PointsError("not_in_effect", f"rule '{self.code}' is not in effect on {day}")

    @property
    def is_deduction(self) -> bool:
        return self.category == RuleCategory.BOTTOM_LINE


class Ledger(YimaiAggregate):
    """One member's points and stars of one year (the period)."""

    id: UUID

    @staticmethod
    def id_for(member_id: UUID, year: int) -> UUID:
        return derived_id("points-ledger", f"{member_id}:{year}")

    @event("Opened")
    def __init__(self, member_id: UUID, year: int) -> None:
        self.member_id = member_id
        self.year = year
        #: award id -> rule, points, stars, reversed
        self.entries: dict[UUID, dict[str, Any]] = {}
        #: points granted per rule (positive rules, reversals taken off), for caps
        self.by_rule: dict[str, int] = {}
        self.points = 0
        self.stars = 0

    @property
    def bottom_line(self) -> bool:
        """A bottom-line deduction stands (approved and not reversed)."""
        return any(e["kind"] == "deduction" and not e["reversed"] for e in self.entries.values())

    def room(self, rule_code: str, cap: int | None) -> int | None:
        """How many points the rule may still give this year (None: no cap)."""
        if cap is None:
            return None
        return max(cap - self.by_rule.get(rule_code, 0), 0)

    def _check_new(self, entry_id: UUID) -> None:
        if entry_id in self.entries:
            raise PointsError("already_recorded", "this award is already on the ledger")

    @event("Awarded")
    def award(
        self,
        award_id: UUID,
        rule_code: str,
        rule_version: int,
        points: int,
        stars: int,
        asked: int,
        capped: bool,
        deed_on: date,
        evidence_kind: str,
        evidence_ref: str | None,
        note: str | None,
    ) -> None:
        """`asked` is what the rule gives; `points` what the cap left of it."""
        self._check_new(award_id)
        if deed_on.year != self.year:
            raise PointsError("other_period", "the deed is not in this ledger's year")
        if points < 0 or stars < 0 or points > asked:
            raise PointsError("award_sign", "an award gives points, it never takes them")
        self.entries[award_id] = {
            "kind": "award",
            "rule": rule_code,
            "points": points,
            "stars": stars,
            "reversed": False,
        }
        self.by_rule[rule_code] = self.by_rule.get(rule_code, 0) + points
        self.points += points
        self.stars += stars

    @event("Deducted")
    def deduct(
        self,
        adjustment_id: UUID,
        rule_code: str,
        rule_version: int,
        points: int,
        deed_on: date,
        reason: str,
    ) -> None:
        """An approved deduction under a bottom-line rule."""
        self._check_new(adjustment_id)
        if points >= 0:
            raise PointsError("deduction_sign", "a deduction takes points: below 0")
        if deed_on.year != self.year:
            raise PointsError("other_period", "the deed is not in this ledger's year")
        self.entries[adjustment_id] = {
            "kind": "deduction",
            "rule": rule_code,
            "points": points,
            "stars": 0,
            "reversed": False,
        }
        self.points += points

    @event("Reversed")
    def reverse(self, entry_id: UUID, adjustment_id: UUID, reason: str) -> None:
        """An approved reversal of one award or deduction: its points and stars come off."""
        _need(reason, "a reason is required to reverse an entry")
        entry = self.entries.get(entry_id)
        if entry is None:
            raise PointsError("no_such_entry", "the entry is not on this member's ledger")
        if entry["reversed"]:
            raise PointsError("already_reversed", "the entry is already reversed")
        entry["reversed"] = True
        self.points -= entry["points"]
        self.stars -= entry["stars"]
        if entry["kind"] == "award":
            self.by_rule[entry["rule"]] -= entry["points"]


class Activity(YimaiAggregate):
    """A themed party day, volunteer service or study session, with its attendance."""

    id: UUID

    @event("Planned")
    def __init__(
        self,
        title: str,
        rule_code: str,
        held_on: date,
        community_id: UUID,
        branch_id: UUID | None,
    ) -> None:
        self.title = title
        self.rule_code = rule_code
        self.held_on = held_on
        self.community_id = community_id
        self.branch_id = branch_id
        self.attendees: list[UUID] = []

    @event("AttendanceRecorded")
    def record_attendance(self, member_ids: list[UUID]) -> None:
        if not member_ids:
            raise PointsError("no_attendees", "name at least one member who attended")
        again = [m for m in member_ids if m in self.attendees]
        if again or len(set(member_ids)) != len(member_ids):
            raise PointsError("already_attended", "a member's attendance is already recorded")
        self.attendees.extend(member_ids)


class AdjustmentKind(StrEnum):
    DEDUCTION = "deduction"
    REVERSAL = "reversal"


class AdjustmentState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class Adjustment(YimaiAggregate):
    """A deduction or reversal: one person proposes, another approves (or rejects)."""

    id: UUID

    @event("Proposed")
    def __init__(
        self,
        kind: str,
        member_id: UUID,
        year: int,
        rule_code: str | None,
        entry_id: UUID | None,
        deed_on: date | None,
        reason: str,
        proposer: str,
    ) -> None:
        _need(reason, "say why")
        self.kind = AdjustmentKind(kind)
        self.member_id = member_id
        self.year = year
        self.rule_code = rule_code
        self.entry_id = entry_id
        self.deed_on = deed_on
        self.reason = reason
        #: The proposer's user name (also the event's actor), kept for the two-person rule.
        self.proposer = proposer
        self.state = AdjustmentState.PROPOSED

    def _check_open(self) -> None:
        if self.state != AdjustmentState.PROPOSED:
            raise PointsError("adjustment_decided", f"the proposal is already {self.state.value}")

    @event("Approved")
    def approve(self, approver: str) -> None:
        self._check_open()
        if approver == self.proposer:
            raise PointsError("same_person", "a different person must approve what you proposed")
        self.state = AdjustmentState.APPROVED

    @event("Rejected")
    def reject(self, approver: str, reason: str) -> None:
        _need(reason, "a reason is required to reject a proposal")
        self._check_open()
        if approver == self.proposer:
            raise PointsError("same_person", "a different person must decide on your proposal")
        self.state = AdjustmentState.REJECTED


class PeriodState(StrEnum):
    OPEN = "open"
    PUBLICITY = "publicity"
    FINAL = "final"


class Period(YimaiAggregate):
    """A year of points: open, then closed into its publicity window (公示期), then final."""

    id: UUID

    @staticmethod
    def id_for(year: int) -> UUID:
        return derived_id("points-period", str(year))

    @event("Closed")
    def __init__(self, year: int, closed_at: datetime, window_ends_at: datetime) -> None:
        """A period is created by its closing: before that, it is simply open."""
        self.year = year
        self.closed_at = closed_at
        self.window_ends_at = window_ends_at
        self.open_objections: list[UUID] = []
        self.state = PeriodState.PUBLICITY

    def in_window(self, now: datetime) -> bool:
        return self.state == PeriodState.PUBLICITY and now <= self.window_ends_at

    @event("ObjectionOpened")
    def objection_opened(self, objection_id: UUID, at: datetime) -> None:
        if not self.in_window(at):
            raise PointsError("window_closed", "objections are filed in the publicity window")
        self.open_objections.append(objection_id)

    @event("ObjectionSettled")
    def objection_settled(self, objection_id: UUID) -> None:
        if objection_id not in self.open_objections:
            raise PointsError("no_such_objection", "the objection is not open on this period")
        self.open_objections.remove(objection_id)

    @event("Finalized")
    def finalize(self, at: datetime) -> None:
        if self.state == PeriodState.FINAL:
            raise PointsError("period_final", "the period is already final")
        if at <= self.window_ends_at:
            raise PointsError("window_open", "the publicity window has not ended")
        if self.open_objections:
            raise PointsError("objections_open", "settle the open objections first")
        self.state = PeriodState.FINAL


class ObjectionState(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class Objection(YimaiAggregate):
    """A member's objection to their totals in the publicity window."""

    id: UUID

    @event("Filed")
    def __init__(
        self, member_id: UUID, year: int, text: str, filed_at: datetime, filed_by: str
    ) -> None:
        """`text` is sealed: the member's own words may name others. `filed_by` (the
        account that filed or recorded it) never settles it."""
        self.member_id = member_id
        self.year = year
        self.filed_at = filed_at
        self.filed_by = filed_by
        self.state = ObjectionState.OPEN

    def check_open(self) -> None:
        """Settled once: upheld or rejected."""
        if self.state != ObjectionState.OPEN:
            raise PointsError("objection_settled", f"the objection is already {self.state.value}")

    @event("Upheld")
    def uphold(self, reason: str, correction: dict[str, Any]) -> None:
        """`correction` names the award or reversal that puts it right."""
        _need(reason, "say why the objection is upheld")
        self.check_open()
        self.state = ObjectionState.UPHELD

    @event("Rejected")
    def reject(self, reason: str) -> None:
        _need(reason, "a reason is required to reject an objection")
        self.check_open()
        self.state = ObjectionState.REJECTED


class SelectionState(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    PUBLISHED = "published"


class Selection(YimaiAggregate):
    """The year-end selection of excellent members (优秀党员)."""

    id: UUID

    @staticmethod
    def id_for(year: int) -> UUID:
        return derived_id("points-selection", str(year))

    @event("Proposed")
    def __init__(self, year: int, per_branch: int, candidates: list[dict[str, Any]]) -> None:
        """`candidates`: member_id, branch_id, stars, points, in rank order per branch."""
        self.year = year
        self.per_branch = per_branch
        self.candidates = candidates
        self.chosen: list[UUID] = []
        self.state = SelectionState.PROPOSED

    @event("Confirmed")
    def confirm(self, chosen: list[UUID], reason: str | None) -> None:
        if self.state != SelectionState.PROPOSED:
            raise PointsError("selection_state", f"the selection is {self.state.value}")
        names = {c["member_id"] for c in self.candidates}
        if not chosen:
            raise PointsError("nobody_chosen", "choose at least one excellent member")
        if any(m not in names for m in chosen):
            raise PointsError("not_a_candidate", "choose among the candidates")
        if len(set(chosen)) != len(chosen):
            raise PointsError("chosen_twice", "each member is chosen once")
        self.chosen = list(chosen)
        self.state = SelectionState.CONFIRMED

    @event("Published")
    def publish(self, at: datetime) -> None:
        if self.state != SelectionState.CONFIRMED:
            raise PointsError("selection_state", "confirm the selection before publishing it")
        self.state = SelectionState.PUBLISHED
