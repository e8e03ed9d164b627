"""The points-and-stars read model: the rule catalogue with its versions, members'
ledgers entry by entry, activities, proposals awaiting a second person, periods with
their objections, and the year's selection of excellent members.

It keeps no personal data of its own: names and branches come from the roster's tables
when a query runs, and an objection's words stay sealed in the log. Every entry keeps
the rule version it was made under, what the rule asked and what the cap left of it, so
an explanation of a total adds up line by line (a reversed entry counts 0).

Quarters are those of the deed date. Staff queries check `points.read`; the public
outputs (rankings of a closed year, a published selection) build their items from
explicit allowlists and mask names with the configured style.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent

from domain import validation as v
from domain.access import Permission, Principal
from domain.errors import InvalidInputError, NotFoundError
from domain.personal import ERASED, mask_name
from domain.points import (
    AdjustmentState,
    EvidenceKind,
    ObjectionState,
    PeriodState,
    SelectionState,
)
from projections.config import Settings
from projections.db import Database, UTCDateTime, metadata
from projections.history import temporal, with_histories
from projections.queries import Page, allow, check_page, contains
from projections.roster import members, units
from projections.runner import Changes, Projection
from projections.timeline import timeline

rules = sa.Table(
    "points_rules",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("category", sa.String(16), nullable=False),
    # The latest version (which may take effect later than today).
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name_zh", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("earns_star", sa.Boolean, nullable=False),
    sa.Column("cap", sa.Integer),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

rule_versions = sa.Table(
    "points_rule_versions",
    metadata,
    # "<code>:<version>"
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name_zh", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("earns_star", sa.Boolean, nullable=False),
    sa.Column("cap", sa.Integer),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("code", "version"),
)

ledgers = sa.Table(
    "points_ledgers",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    # Running totals: every entry's points and stars, reversed ones taken off.
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("stars", sa.Integer, nullable=False),
    # Approved deductions not reversed (bottom line broken while above 0).
    sa.Column("deductions", sa.Integer, nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("member_id", "year"),
)

entries = sa.Table(
    "points_entries",
    metadata,
    # The award id or the approved adjustment's id.
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("ledger_id", sa.Uuid, nullable=False, index=True),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("quarter", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("rule_code", sa.String(32), nullable=False),
    sa.Column("rule_version", sa.Integer, nullable=False),
    # Granted (after the cap); negative for a deduction.
    sa.Column("points", sa.Integer, nullable=False),
    # What the rule version gives.
    sa.Column("asked", sa.Integer, nullable=False),
    sa.Column("capped", sa.Boolean, nullable=False),
    sa.Column("stars", sa.Integer, nullable=False),
    sa.Column("deed_on", sa.Date, nullable=False),
    sa.Column("evidence_kind", sa.String(12)),
    sa.Column("evidence_ref", sa.String(40), index=True),
    # An award's note, or a deduction's reason.
    sa.Column("note", sa.Text),
    sa.Column("reversed", sa.Boolean, nullable=False),
    # The approved reversal proposal, or the upheld objection.
    sa.Column("reversed_by", sa.Uuid),
    sa.Column("reverse_reason", sa.Text),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

activities = sa.Table(
    "points_activities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("title", sa.String(60), nullable=False),
    sa.Column("rule_code", sa.String(32), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid),
    sa.Column("attendees", sa.Integer, nullable=False),
    sa.Column("planned_at", UTCDateTime, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

adjustments = sa.Table(
    "points_adjustments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("rule_code", sa.String(32)),
    sa.Column("entry_id", sa.Uuid),
    sa.Column("deed_on", sa.Date),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("proposer", sa.String(64), nullable=False),
    sa.Column("state", sa.String(12), nullable=False, index=True),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decision_reason", sa.Text),
    sa.Column("proposed_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("position", sa.BigInteger, nullable=False),
)

periods = sa.Table(
    "points_periods",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False, unique=True),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=False),
    sa.Column("window_ends_at", UTCDateTime, nullable=False),
    sa.Column("open_objections", sa.Integer, nullable=False),
    sa.Column("finalized_at", UTCDateTime),
)

objections = sa.Table(
    "points_objections",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("state", sa.String(12), nullable=False, index=True),
    sa.Column("filed_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("reason", sa.Text),
    sa.Column("correction_kind", sa.String(12)),
    sa.Column("correction_entry_id", sa.Uuid),
    sa.Column("position", sa.BigInteger, nullable=False),
)

selections = sa.Table(
    "points_selections",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False, unique=True),
    sa.Column("per_branch", sa.Integer, nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("proposed_at", UTCDateTime, nullable=False),
    sa.Column("confirmed_at", UTCDateTime),
    sa.Column("reason", sa.Text),
    sa.Column("published_at", UTCDateTime),
)

candidates = sa.Table(
    "points_candidates",
    metadata,
    # "<selection id>:<member id>"
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("selection_id", sa.Uuid, nullable=False, index=True),
    sa.Column("member_id", sa.Uuid, nullable=False),
    sa.Column("branch_id", sa.Uuid),
    # The order the proposal gave (per branch, best first).
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("stars", sa.Integer, nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("chosen", sa.Boolean, nullable=False),
)

# The books' past (as of any log position).
temporal(ledgers)
temporal(entries)
temporal(periods)

POINTS_TABLES = with_histories(
    rules,
    rule_versions,
    ledgers,
    entries,
    activities,
    adjustments,
    periods,
    objections,
    selections,
    candidates,
)

# -- what each output may show (explicit allowlists) ---------------------------------------

RULE_VERSION_FIELDS = (
    "version",
    "name_zh",
    "name_en",
    "points",
    "earns_star",
    "cap",
    "effective_from",
    "reason",
)
RULE_FIELDS = (
    "code",
    "category",
    "version",
    "name_zh",
    "name_en",
    "points",
    "earns_star",
    "cap",
    "effective_from",
    "versions",
)
LEDGER_FIELDS = (
    "entry_id",
    "kind",
    "year",
    "quarter",
    "rule_code",
    "rule_version",
    "rule_name_zh",
    "rule_name_en",
    "points",
    "asked",
    "capped",
    "stars",
    "deed_on",
    "evidence_kind",
    "evidence_ref",
    "note",
    "reversed",
    "reversed_by",
    "reverse_reason",
    "recorded_at",
    "actor",
)
TOTALS_FIELDS = (
    "member_id",
    "year",
    "points",
    "stars",
    "star_level",
    "by_quarter",
    "bottom_line",
)
EXPLAIN_FIELDS = ("member_id", "year", "quarter", "total", "stars", "star_level", "lines")
EXPLAIN_LINE_FIELDS = (
    "entry_id",
    "kind",
    "rule_code",
    "rule_version",
    "rule_name_zh",
    "rule_name_en",
    "cap",
    "deed_on",
    "quarter",
    "asked",
    "points",
    "capped",
    "cap_cut",
    "stars",
    "reversed",
    "reverse_reason",
    "counted",
    "counted_stars",
    "note",
)
RANKING_FIELDS = (
    "rank",
    "member_id",
    "name",
    "branch_id",
    "branch_name",
    "points",
    "stars",
    "star_level",
)
PUBLIC_RANKING_FIELDS = ("rank", "name", "branch_name", "points", "stars", "star_level")
OBJECTION_FIELDS = (
    "id",
    "member_id",
    "name",
    "year",
    "state",
    "filed_at",
    "window_ends_at",
    "decided_at",
    "reason",
    "correction_kind",
    "correction_entry_id",
)
APPROVAL_FIELDS = (
    "id",
    "kind",
    "member_id",
    "name",
    "year",
    "rule_code",
    "entry_id",
    "deed_on",
    "reason",
    "proposer",
    "proposed_at",
)
PERIOD_FIELDS = (
    "year",
    "state",
    "closed_at",
    "window_ends_at",
    "open_objections",
    "finalized_at",
)
SELECTION_FIELDS = (
    "year",
    "state",
    "per_branch",
    "proposed_at",
    "confirmed_at",
    "reason",
    "published_at",
    "candidates",
)
CANDIDATE_FIELDS = ("member_id", "name", "branch_id", "branch_name", "stars", "points", "chosen")
PUBLIC_SELECTION_FIELDS = ("year", "published_on", "members")
PUBLIC_SELECTED_FIELDS = ("name", "branch_name", "stars", "points")
PUBLIC_PERIOD_FIELDS = ("year", "state", "window_ends_at", "finalized_on")
STANDING_FIELDS = ("member_id", "branch_id", "stars", "points")
ACTIVITY_FIELDS = (
    "id",
    "title",
    "rule_code",
    "held_on",
    "community_id",
    "branch_id",
    "attendees",
)

OBJECTION_STATES = tuple(s.value for s in ObjectionState)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _version_key(code: str, version: int) -> str:
    return f"{code}:{version}"


class PointsProjection(Projection):
    """Builds the points tables from the rule, ledger, activity, adjustment, period,
    objection and selection events."""

    name = "points"
    tables = POINTS_TABLES

    def __init__(self) -> None:
        self.handle_with(
            {
                "Rule.Defined": self._rule_defined,
                "Rule.Revised": self._rule_revised,
                "Ledger.Opened": self._ledger_opened,
                "Ledger.Awarded": self._awarded,
                "Ledger.Deducted": self._deducted,
                "Ledger.Reversed": self._reversed,
                "Activity.Planned": self._activity_planned,
                "Activity.AttendanceRecorded": self._attendance,
                "Adjustment.Proposed": self._proposed,
                "Adjustment.Approved": self._approved,
                "Adjustment.Rejected": self._rejected,
                "Period.Closed": self._period_closed,
                "Period.ObjectionOpened": self._objection_opened,
                "Period.ObjectionSettled": self._objection_settled,
                "Period.Finalized": self._finalized,
                "Objection.Filed": self._objection_filed,
                "Objection.Upheld": self._upheld,
                "Objection.Rejected": self._objection_rejected,
                "Selection.Proposed": self._selection_proposed,
                "Selection.Confirmed": self._selection_confirmed,
                "Selection.Published": self._selection_published,
            }
        )

    def prepare(self, changes: Changes, batch: Sequence[tuple[DomainEvent, int]]) -> None:
        """Read in bulk the ledgers, entries, rules, periods and activities the batch
        changes from what they were."""
        wanted: dict[sa.Table, list[Any]] = {
            ledgers: [],
            entries: [],
            rules: [],
            periods: [],
            activities: [],
        }
        for e, _ in batch:
            kind = type(e).__qualname__
            if kind in ("Ledger.Awarded", "Ledger.Deducted", "Ledger.Reversed"):
                wanted[ledgers].append(e.originator_id)
                if kind == "Ledger.Reversed":
                    wanted[entries].append(e.entry_id)  # type: ignore[attr-defined]
            elif kind == "Rule.Revised":
                wanted[rules].append(e.originator_id)
            elif kind in ("Period.ObjectionOpened", "Period.ObjectionSettled"):
                wanted[periods].append(e.originator_id)
            elif kind == "Activity.AttendanceRecorded":
                wanted[activities].append(e.originator_id)
        for table, keys in wanted.items():
            changes.load(table, keys)

    # -- the rule catalogue --
    def _version_row(self, e: Any, code: str, version: int, reason: str | None) -> dict[str, Any]:
        return {
            "id": _version_key(code, version),
            "code": code,
            "version": version,
            "name_zh": e.name_zh,
            "name_en": e.name_en,
            "points": e.points,
            "earns_star": e.earns_star,
            "cap": e.cap,
            "effective_from": e.effective_from,
            "reason": reason,
            "recorded_at": e.timestamp,
        }

    def _rule_defined(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            rules,
            id=e.originator_id,
            code=e.code,
            category=e.category,
            version=1,
            name_zh=e.name_zh,
            name_en=e.name_en,
            points=e.points,
            earns_star=e.earns_star,
            cap=e.cap,
            effective_from=e.effective_from,
            position=position,
        )
        changes.insert(rule_versions, **self._version_row(e, e.code, 1, None))

    def _rule_revised(self, changes: Changes, e: Any, position: int) -> None:
        rule = changes.row(rules, e.originator_id)
        version = rule["version"] + 1
        changes.insert(rule_versions, **self._version_row(e, rule["code"], version, e.reason))
        changes.update(
            rules,
            e.originator_id,
            version=version,
            name_zh=e.name_zh,
            name_en=e.name_en,
            points=e.points,
            earns_star=e.earns_star,
            cap=e.cap,
            effective_from=e.effective_from,
        )

    # -- ledgers --
    def _ledger_opened(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            ledgers,
            id=e.originator_id,
            member_id=e.member_id,
            year=e.year,
            points=0,
            stars=0,
            deductions=0,
            opened_at=e.timestamp,
        )

    def _entry(
        self, changes: Changes, e: Any, position: int, entry_id: UUID, **values: Any
    ) -> Mapping[str, Any]:
        ledger = changes.row(ledgers, e.originator_id)
        changes.insert(
            entries,
            id=entry_id,
            ledger_id=e.originator_id,
            member_id=ledger["member_id"],
            year=ledger["year"],
            quarter=quarter_of(e.deed_on),
            rule_code=e.rule_code,
            rule_version=e.rule_version,
            points=e.points,
            deed_on=e.deed_on,
            reversed=False,
            reversed_by=None,
            reverse_reason=None,
            recorded_at=e.timestamp,
            actor=e.actor,
            position=position,
            **values,
        )
        return ledger

    def _awarded(self, changes: Changes, e: Any, position: int) -> None:
        ledger = self._entry(
            changes,
            e,
            position,
            e.award_id,
            kind="award",
            asked=e.asked,
            capped=e.capped,
            stars=e.stars,
            evidence_kind=e.evidence_kind,
            evidence_ref=e.evidence_ref,
            note=e.note,
        )
        changes.update(
            ledgers,
            e.originator_id,
            points=ledger["points"] + e.points,
            stars=ledger["stars"] + e.stars,
        )

    def _deducted(self, changes: Changes, e: Any, position: int) -> None:
        ledger = self._entry(
            changes,
            e,
            position,
            e.adjustment_id,
            kind="deduction",
            asked=e.points,
            capped=False,
            stars=0,
            evidence_kind=None,
            evidence_ref=None,
            note=e.reason,
        )
        changes.update(
            ledgers,
            e.originator_id,
            points=ledger["points"] + e.points,
            deductions=ledger["deductions"] + 1,
        )

    def _reversed(self, changes: Changes, e: Any, position: int) -> None:
        entry = changes.row(entries, e.entry_id)
        ledger = changes.row(ledgers, e.originator_id)
        changes.update(
            entries,
            e.entry_id,
            reversed=True,
            reversed_by=e.adjustment_id,
            reverse_reason=e.reason,
        )
        changes.update(
            ledgers,
            e.originator_id,
            points=ledger["points"] - entry["points"],
            stars=ledger["stars"] - entry["stars"],
            deductions=ledger["deductions"] - (1 if entry["kind"] == "deduction" else 0),
        )

    # -- activities --
    def _activity_planned(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            activities,
            id=e.originator_id,
            title=e.title,
            rule_code=e.rule_code,
            held_on=e.held_on,
            community_id=e.community_id,
            branch_id=e.branch_id,
            attendees=0,
            planned_at=e.timestamp,
            position=position,
        )

    def _attendance(self, changes: Changes, e: Any, position: int) -> None:
        activity = changes.row(activities, e.originator_id)
        changes.update(
            activities, e.originator_id, attendees=activity["attendees"] + len(e.member_ids)
        )

    # -- two-person adjustments --
    def _proposed(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            adjustments,
            id=e.originator_id,
            kind=e.kind,
            member_id=e.member_id,
            year=e.year,
            rule_code=e.rule_code,
            entry_id=e.entry_id,
            deed_on=e.deed_on,
            reason=e.reason,
            proposer=e.proposer,
            state=AdjustmentState.PROPOSED.value,
            decided_by=None,
            decision_reason=None,
            proposed_at=e.timestamp,
            decided_at=None,
            position=position,
        )

    def _approved(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            adjustments,
            e.originator_id,
            state=AdjustmentState.APPROVED.value,
            decided_by=e.approver,
            decided_at=e.timestamp,
        )

    def _rejected(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            adjustments,
            e.originator_id,
            state=AdjustmentState.REJECTED.value,
            decided_by=e.approver,
            decision_reason=e.reason,
            decided_at=e.timestamp,
        )

    # -- periods and objections --
    def _period_closed(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            periods,
            id=e.originator_id,
            year=e.year,
            state=PeriodState.PUBLICITY.value,
            closed_at=e.closed_at,
            window_ends_at=e.window_ends_at,
            open_objections=0,
            finalized_at=None,
        )

    def _objection_opened(self, changes: Changes, e: Any, position: int) -> None:
        period = changes.row(periods, e.originator_id)
        changes.update(periods, e.originator_id, open_objections=period["open_objections"] + 1)

    def _objection_settled(self, changes: Changes, e: Any, position: int) -> None:
        period = changes.row(periods, e.originator_id)
        changes.update(periods, e.originator_id, open_objections=period["open_objections"] - 1)

    def _finalized(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(periods, e.originator_id, state=PeriodState.FINAL.value, finalized_at=e.at)

    def _objection_filed(self, changes: Changes, e: Any, position: int) -> None:
        # The member's words (e.text) stay sealed in the log.
        changes.insert(
            objections,
            id=e.originator_id,
            member_id=e.member_id,
            year=e.year,
            state=ObjectionState.OPEN.value,
            filed_at=e.filed_at,
            decided_at=None,
            reason=None,
            correction_kind=None,
            correction_entry_id=None,
            position=position,
        )

    def _upheld(self, changes: Changes, e: Any, position: int) -> None:
        correction = e.correction or {}
        changes.update(
            objections,
            e.originator_id,
            state=ObjectionState.UPHELD.value,
            decided_at=e.timestamp,
            reason=e.reason,
            correction_kind=correction.get("kind"),
            correction_entry_id=correction.get("entry_id"),
        )

    def _objection_rejected(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            objections,
            e.originator_id,
            state=ObjectionState.REJECTED.value,
            decided_at=e.timestamp,
            reason=e.reason,
        )

    # -- the year's selection --
    def _selection_proposed(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            selections,
            id=e.originator_id,
            year=e.year,
            per_branch=e.per_branch,
            state=SelectionState.PROPOSED.value,
            proposed_at=e.timestamp,
            confirmed_at=None,
            reason=None,
            published_at=None,
        )
        for seq, c in enumerate(e.candidates, start=1):
            changes.insert(
                candidates,
                id=f"{e.originator_id}:{c['member_id']}",
                selection_id=e.originator_id,
                member_id=c["member_id"],
                branch_id=c.get("branch_id"),
                seq=seq,
                stars=c["stars"],
                points=c["points"],
                chosen=False,
            )

    def _selection_confirmed(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            selections,
            e.originator_id,
            state=SelectionState.CONFIRMED.value,
            confirmed_at=e.timestamp,
            reason=e.reason,
        )
        for member_id in e.chosen:
            changes.update(candidates, f"{e.originator_id}:{member_id}", chosen=True)

    def _selection_published(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            selections, e.originator_id, state=SelectionState.PUBLISHED.value, published_at=e.at
        )


# -- queries --------------------------------------------------------------------------------


def _year(year: int) -> int:
    return v.positive_int("year", year, maximum=9999)


def _quarter(quarter: int | None) -> int | None:
    if quarter is None:
        return None
    if not isinstance(quarter, int) or isinstance(quarter, bool) or not 1 <= quarter <= 4:
        raise InvalidInputError("quarter", "must be 1, 2, 3 or 4")
    return quarter


def _counted(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """A column's value as it counts now: 0 once the entry is reversed."""
    return sa.case((entries.c.reversed.is_(True), 0), else_=column)


class SQLAlchemyPointsView:
    """Queries over the points read model; staff queries check `points.read`."""

    def __init__(self, db: Database, wait_for: Callable[[int], None], settings: Settings) -> None:
        self.db = db
        self.wait_for = wait_for
        self.settings = settings

    def _prepare(self, actor: Principal, min_position: int) -> None:
        actor.require(Permission.POINTS_READ)
        self.wait_for(min_position)

    def _level(self, stars: int) -> int:
        return min(stars, self.settings.star_cap)

    def _mask(self, name: str | None) -> str:
        if not name or name == ERASED:
            return ERASED
        return mask_name(name, self.settings.name_mask)

    def _check_member(self, conn: Any, member_id: UUID) -> None:
        found = conn.execute(sa.select(members.c.id).where(members.c.id == member_id)).first()
        if found is None:
            raise NotFoundError("member", member_id)

    # -- the rule catalogue (anyone may read it) --

    def rules(self, *, min_position: int = 0) -> list[dict[str, Any]]:
        """The catalogue in the order it was defined: each rule's latest version and
        every version with the date it takes effect from."""
        self.wait_for(min_position)
        with self.db.read.connect() as conn:
            found = conn.execute(sa.select(rules).order_by(rules.c.position)).mappings().all()
            history = (
                conn.execute(
                    sa.select(rule_versions).order_by(rule_versions.c.code, rule_versions.c.version)
                )
                .mappings()
                .all()
            )
        versions: dict[str, list[dict[str, Any]]] = {}
        for r in history:
            versions.setdefault(r["code"], []).append(allow(RULE_VERSION_FIELDS, r))
        return [allow(RULE_FIELDS, {**r, "versions": versions.get(r["code"], [])}) for r in found]

    # -- one member's ledger --

    def _entries_select(self) -> sa.Select[Any]:
        return sa.select(
            entries,
            rule_versions.c.name_zh.label("rule_name_zh"),
            rule_versions.c.name_en.label("rule_name_en"),
            rule_versions.c.cap.label("cap"),
        ).outerjoin(
            rule_versions,
            sa.and_(
                rule_versions.c.code == entries.c.rule_code,
                rule_versions.c.version == entries.c.rule_version,
            ),
        )

    def ledger(
        self,
        member_id: UUID | str,
        *,
        actor: Principal,
        year: int | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """A member's awards and deductions (of one year or all), latest deed first; a
        reversed entry stays, marked with who reversed it and why."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        ident = v.uuid("member_id", member_id)
        where: list[Any] = [entries.c.member_id == ident]
        if year is not None:
            where.append(entries.c.year == _year(year))
        with self.db.read.connect() as conn:
            self._check_member(conn, ident)
            total = conn.execute(
                sa.select(sa.func.count()).select_from(entries).where(*where)
            ).scalar_one()
            rows = (
                conn.execute(
                    self._entries_select()
                    .where(*where)
                    .order_by(entries.c.deed_on.desc(), entries.c.position.desc())
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        items = [allow(LEDGER_FIELDS, {**r, "entry_id": r["id"]}) for r in rows]
        return Page(items, total, offset, limit)

    def totals(
        self, member_id: UUID | str, *, actor: Principal, year: int, min_position: int = 0
    ) -> dict[str, Any]:
        """A member's points and stars of a year, the star level (stars up to the cap),
        each quarter's share (by deed date), and whether a deduction stands."""
        self._prepare(actor, min_position)
        ident = v.uuid("member_id", member_id)
        year = _year(year)
        with self.db.read.connect() as conn:
            self._check_member(conn, ident)
            ledger = (
                conn.execute(
                    sa.select(ledgers).where(ledgers.c.member_id == ident, ledgers.c.year == year)
                )
                .mappings()
                .first()
            )
            quarters = conn.execute(
                sa.select(
                    entries.c.quarter,
                    sa.func.sum(_counted(entries.c.points)),
                    sa.func.sum(_counted(entries.c.stars)),
                )
                .where(entries.c.member_id == ident, entries.c.year == year)
                .group_by(entries.c.quarter)
            ).all()
        by_quarter = {q: {"points": 0, "stars": 0} for q in (1, 2, 3, 4)}
        for q, points, stars in quarters:
            by_quarter[int(q)] = {"points": int(points or 0), "stars": int(stars or 0)}
        points = int(ledger["points"]) if ledger else 0
        stars = int(ledger["stars"]) if ledger else 0
        values = {
            "member_id": ident,
            "year": year,
            "points": points,
            "stars": stars,
            "star_level": self._level(stars),
            "by_quarter": by_quarter,
            "bottom_line": bool(ledger and ledger["deductions"] > 0),
        }
        return allow(TOTALS_FIELDS, values)

    def explain(
        self,
        member_id: UUID | str,
        *,
        actor: Principal,
        year: int,
        quarter: int | None = None,
        min_position: int = 0,
    ) -> dict[str, Any]:
        """How a total comes about, line by line in deed order: what each rule version
        asked, what its cap cut, and what counts now (a reversed line counts 0); the
        lines' `counted` add up to `total` and their `counted_stars` to `stars`."""
        self._prepare(actor, min_position)
        ident = v.uuid("member_id", member_id)
        year = _year(year)
        quarter = _quarter(quarter)
        where: list[Any] = [entries.c.member_id == ident, entries.c.year == year]
        if quarter is not None:
            where.append(entries.c.quarter == quarter)
        with self.db.read.connect() as conn:
            self._check_member(conn, ident)
            rows = (
                conn.execute(
                    self._entries_select()
                    .where(*where)
                    .order_by(entries.c.deed_on, entries.c.position)
                )
                .mappings()
                .all()
            )
        lines = []
        for r in rows:
            reversed_ = bool(r["reversed"])
            values = {
                **r,
                "entry_id": r["id"],
                "cap_cut": r["asked"] - r["points"],
                "counted": 0 if reversed_ else r["points"],
                "counted_stars": 0 if reversed_ else r["stars"],
            }
            lines.append(allow(EXPLAIN_LINE_FIELDS, values))
        stars = sum(line["counted_stars"] for line in lines)
        values = {
            "member_id": ident,
            "year": year,
            "quarter": quarter,
            "total": sum(line["counted"] for line in lines),
            "stars": stars,
            "star_level": self._level(stars),
            "lines": lines,
        }
        return allow(EXPLAIN_FIELDS, values)

    # -- rankings --

    def _standings(
        self,
        year: int,
        quarter: int | None,
        community_id: UUID | None,
        branch_id: UUID | None,
    ) -> sa.Select[Any]:
        """Each member's counted points and stars of the year (or quarter), with their
        current branch and a rank among those the filters keep."""
        where: list[Any] = [entries.c.year == year]
        if quarter is not None:
            where.append(entries.c.quarter == quarter)
        per = (
            sa.select(
                entries.c.member_id,
                sa.func.sum(_counted(entries.c.points)).label("points"),
                sa.func.sum(_counted(entries.c.stars)).label("stars"),
            )
            .where(*where)
            .group_by(entries.c.member_id)
            .subquery("per")
        )
        branch = units.alias("branch")
        filters: list[Any] = []
        if community_id is not None:
            filters.append(members.c.community_id == community_id)
        if branch_id is not None:
            filters.append(members.c.branch_id == branch_id)
        query = (
            sa.select(
                sa.func.rank()
                .over(order_by=(per.c.points.desc(), per.c.stars.desc()))
                .label("rank"),
                per.c.member_id,
                members.c.name,
                members.c.branch_id,
                branch.c.name.label("branch_name"),
                per.c.points,
                per.c.stars,
            )
            .select_from(per)
            .join(members, members.c.id == per.c.member_id)
            .outerjoin(branch, branch.c.id == members.c.branch_id)
            .where(*filters)
        )
        return query

    def _ranked(
        self,
        year: int,
        quarter: int | None,
        community_id: UUID | None,
        branch_id: UUID | None,
        offset: int,
        limit: int,
        q: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        ranked = self._standings(year, quarter, community_id, branch_id).subquery("ranked")
        # The name filter applies to the ranked rows: a member found keeps their rank.
        where = []
        if q:
            named = sa.select(members.c.id).where(contains(q, members.c.name))
            where.append(ranked.c.member_id.in_(named))
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(ranked).where(*where)
            ).scalar_one()
            rows = (
                conn.execute(
                    sa.select(ranked)
                    .where(*where)
                    .order_by(
                        ranked.c.points.desc(),
                        ranked.c.stars.desc(),
                        ranked.c.name,
                        ranked.c.member_id,
                    )
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        found = []
        for r in rows:
            stars = int(r["stars"] or 0)
            found.append(
                {
                    **r,
                    "rank": int(r["rank"]),
                    "points": int(r["points"] or 0),
                    "stars": stars,
                    "star_level": self._level(stars),
                }
            )
        return found, int(total)

    def rankings(
        self,
        *,
        actor: Principal,
        year: int,
        quarter: int | None = None,
        community_id: UUID | None = None,
        branch_id: UUID | None = None,
        q: str | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Members with entries in the year (or quarter, by deed date), by points, then
        stars, then name; equal points and stars share a rank (1, 2, 2, 4). Community
        and branch are the member's current ones, and the rank is among those in that
        scope; `q` keeps the members whose name contains it, each with that rank."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        query = (q or "").strip()
        if len(query) > 40:
            raise InvalidInputError("q", "is longer than 40 characters")
        rows, total = self._ranked(
            _year(year), _quarter(quarter), community_id, branch_id, offset, limit, query
        )
        return Page([allow(RANKING_FIELDS, r) for r in rows], total, offset, limit)

    def public_rankings(
        self,
        *,
        year: int,
        quarter: int | None = None,
        community_id: UUID | None = None,
        branch_id: UUID | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """The rankings as the public sees them: masked names, no ids. Only a year that
        has been closed (in its publicity window or final) is shown; NotFoundError for
        a year still open, whose totals are nobody's business yet."""
        self.wait_for(min_position)
        check_page(offset, limit)
        year = _year(year)
        quarter = _quarter(quarter)
        with self.db.read.connect() as conn:
            closed = conn.execute(sa.select(periods.c.id).where(periods.c.year == year)).first()
        if closed is None:
            raise NotFoundError("closed period", year)
        rows, total = self._ranked(year, quarter, community_id, branch_id, offset, limit)
        items = [allow(PUBLIC_RANKING_FIELDS, {**r, "name": self._mask(r["name"])}) for r in rows]
        return Page(items, total, offset, limit)

    # -- activities --

    def activities(
        self,
        *,
        actor: Principal,
        community_id: UUID | None = None,
        branch_id: UUID | None = None,
        year: int | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Planned activities with how many attended, the latest held first. A branch
        means the activities its members may attend: the branch's own and its
        community's whole-community ones."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where: list[Any] = []
        if community_id is not None:
            where.append(activities.c.community_id == community_id)
        if branch_id is not None:
            community = sa.select(units.c.parent_id).where(units.c.id == branch_id)
            where.append(
                sa.or_(
                    activities.c.branch_id == branch_id,
                    sa.and_(
                        activities.c.branch_id.is_(None),
                        activities.c.community_id == community.scalar_subquery(),
                    ),
                )
            )
        if year is not None:
            year = _year(year)
            where.append(activities.c.held_on.between(date(year, 1, 1), date(year, 12, 31)))
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(activities).where(*where)
            ).scalar_one()
            rows = (
                conn.execute(
                    sa.select(activities)
                    .where(*where)
                    .order_by(activities.c.held_on.desc(), activities.c.position.desc())
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return Page([allow(ACTIVITY_FIELDS, r) for r in rows], total, offset, limit)

    def activity_attendees(
        self, activity_id: UUID | str, *, actor: Principal, min_position: int = 0
    ) -> list[UUID]:
        """The members whose attendance of an activity is recorded (its awards' members,
        a reversed award included: the attendance itself stands)."""
        self._prepare(actor, min_position)
        ident = v.uuid("activity_id", activity_id)
        with self.db.read.connect() as conn:
            found = conn.execute(
                sa.select(entries.c.member_id)
                .where(
                    entries.c.kind == "award",
                    entries.c.evidence_kind == EvidenceKind.ACTIVITY.value,
                    entries.c.evidence_ref == str(ident),
                )
                .order_by(entries.c.position)
            ).scalars()
            return list(found)

    # -- objections, proposals, periods --

    def objections(
        self,
        *,
        actor: Principal,
        year: int | None = None,
        state: str | None = "open",
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Objections, oldest filed first (`state=None`: all); the member's words are
        opened only in the application's history, never here."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where: list[Any] = []
        if year is not None:
            where.append(objections.c.year == _year(year))
        if state:
            where.append(objections.c.state == v.choice("state", state, ObjectionState).value)
        query = (
            sa.select(
                objections,
                members.c.name,
                periods.c.window_ends_at,
            )
            .outerjoin(members, members.c.id == objections.c.member_id)
            .outerjoin(periods, periods.c.year == objections.c.year)
            .where(*where)
            .order_by(objections.c.filed_at, objections.c.position)
        )
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(objections).where(*where)
            ).scalar_one()
            rows = conn.execute(query.offset(offset).limit(limit)).mappings().all()
        return Page([allow(OBJECTION_FIELDS, r) for r in rows], total, offset, limit)

    def pending_approvals(
        self, *, actor: Principal, offset: int = 0, limit: int = 50, min_position: int = 0
    ) -> Page:
        """Proposed deductions and reversals waiting for a second person, oldest first."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where = [adjustments.c.state == AdjustmentState.PROPOSED.value]
        query = (
            sa.select(adjustments, members.c.name)
            .outerjoin(members, members.c.id == adjustments.c.member_id)
            .where(*where)
            .order_by(adjustments.c.position)
        )
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(adjustments).where(*where)
            ).scalar_one()
            rows = conn.execute(query.offset(offset).limit(limit)).mappings().all()
        return Page([allow(APPROVAL_FIELDS, r) for r in rows], total, offset, limit)

    def periods(self, *, actor: Principal, min_position: int = 0) -> list[dict[str, Any]]:
        """Every year with points or a closing, newest first: open (no closing yet), in
        its publicity window, or final."""
        self._prepare(actor, min_position)
        with self.db.read.connect() as conn:
            closed = {r["year"]: r for r in conn.execute(sa.select(periods)).mappings().all()}
            years = set(conn.execute(sa.select(ledgers.c.year).distinct()).scalars())
        result = []
        for year in sorted(years | set(closed), reverse=True):
            r = closed.get(year)
            values: Mapping[Any, Any] = r or {
                "year": year,
                "state": PeriodState.OPEN.value,
                "closed_at": None,
                "window_ends_at": None,
                "open_objections": 0,
                "finalized_at": None,
            }
            result.append(allow(PERIOD_FIELDS, values))
        return result

    # -- the year's excellent members --

    def _selection(self, conn: Any, year: int) -> Mapping[str, Any] | None:
        row: Mapping[str, Any] | None = (
            conn.execute(sa.select(selections).where(selections.c.year == year)).mappings().first()
        )
        return row

    def _candidates(self, conn: Any, selection_id: UUID) -> list[Mapping[str, Any]]:
        branch = units.alias("branch")
        return list(
            conn.execute(
                sa.select(candidates, members.c.name, branch.c.name.label("branch_name"))
                .outerjoin(members, members.c.id == candidates.c.member_id)
                .outerjoin(branch, branch.c.id == candidates.c.branch_id)
                .where(candidates.c.selection_id == selection_id)
                .order_by(candidates.c.seq)
            )
            .mappings()
            .all()
        )

    def selection(self, year: int, *, actor: Principal, min_position: int = 0) -> dict[str, Any]:
        """The year's selection: its state and the candidates as proposed (per branch,
        best first), marked with whom the committee chose."""
        self._prepare(actor, min_position)
        year = _year(year)
        with self.db.read.connect() as conn:
            found = self._selection(conn, year)
            if found is None:
                raise NotFoundError("selection", year)
            listed = self._candidates(conn, found["id"])
        values = {**found, "candidates": [allow(CANDIDATE_FIELDS, c) for c in listed]}
        return allow(SELECTION_FIELDS, values)

    def public_selection(self, year: int, *, min_position: int = 0) -> dict[str, Any]:
        """The excellent members of a year once published: masked names and their
        branches; NotFoundError before that."""
        self.wait_for(min_position)
        year = _year(year)
        with self.db.read.connect() as conn:
            found = self._selection(conn, year)
            if found is None or found["state"] != SelectionState.PUBLISHED.value:
                raise NotFoundError("published selection", year)
            listed = self._candidates(conn, found["id"])
        published: datetime = found["published_at"]
        chosen = [
            allow(PUBLIC_SELECTED_FIELDS, {**c, "name": self._mask(c["name"])})
            for c in listed
            if c["chosen"]
        ]
        values = {
            "year": year,
            "published_on": published.astimezone(self.settings.tzinfo).date(),
            "members": chosen,
        }
        return allow(PUBLIC_SELECTION_FIELDS, values)

    def public_periods(self, *, min_position: int = 0) -> list[dict[str, Any]]:
        """The closed years as the public sees them, newest first: each in its publicity
        window (`window_ends_at`, in the station's time zone) or final (`finalized_on`,
        the station's day it became final). A year still open is not listed, and nothing
        else of a period (its objections) is shown."""
        self.wait_for(min_position)
        query = sa.select(
            periods.c.year, periods.c.state, periods.c.window_ends_at, periods.c.finalized_at
        ).order_by(periods.c.year.desc())
        with self.db.read.connect() as conn:
            rows = conn.execute(query).mappings().all()
        tz = self.settings.tzinfo
        result = []
        for r in rows:
            finalized: datetime | None = r["finalized_at"]
            values = {
                "year": int(r["year"]),
                "state": r["state"],
                "window_ends_at": r["window_ends_at"].astimezone(tz),
                "finalized_on": None if finalized is None else finalized.astimezone(tz).date(),
            }
            result.append(allow(PUBLIC_PERIOD_FIELDS, values))
        return result

    def selection_published_position(self, year: int, *, min_position: int = 0) -> int | None:
        """The log position of the event that published the year's selection, None while
        it is not published. The selection's table keeps no history (a view as of an
        earlier position reads its current state), so a page computed as of a checkpoint
        shows a published selection only when this position is within the checkpoint."""
        self.wait_for(min_position)
        year = _year(year)
        with self.db.read.connect() as conn:
            found = self._selection(conn, year)
            if found is None or found["state"] != SelectionState.PUBLISHED.value:
                return None
            position = conn.execute(
                sa.select(sa.func.max(timeline.c.position)).where(
                    timeline.c.originator_id == found["id"],
                    timeline.c.event == "Selection.Published",
                )
            ).scalar()
        return None if position is None else int(position)

    # -- what the application asks of the read model (PointsStandings) --

    def candidates(self, year: int, per_branch: int) -> list[dict[str, Any]]:
        """Per branch (the member's current one, branches in the order they were
        opened), the top `per_branch` members of the year by stars, then points, then
        id, among active members with a star and without a standing bottom-line
        deduction (someone who died or moved away is not selected)."""
        query = (
            sa.select(
                ledgers.c.member_id,
                members.c.branch_id,
                ledgers.c.stars,
                ledgers.c.points,
                units.c.position.label("branch_position"),
            )
            .join(members, members.c.id == ledgers.c.member_id)
            .outerjoin(units, units.c.id == members.c.branch_id)
            .where(
                ledgers.c.year == year,
                ledgers.c.stars > 0,
                ledgers.c.deductions == 0,
                members.c.status == "active",
            )
        )
        with self.db.read.connect() as conn:
            rows = conn.execute(query).mappings().all()
        last = max((r["branch_position"] or 0 for r in rows), default=0) + 1
        ordered = sorted(
            rows,
            key=lambda r: (
                last if r["branch_position"] is None else r["branch_position"],
                str(r["branch_id"]),
                -r["stars"],
                -r["points"],
                r["member_id"],
            ),
        )
        taken: dict[UUID, int] = {}
        result = []
        for r in ordered:
            branch = r["branch_id"]
            if taken.get(branch, 0) >= per_branch:
                continue
            taken[branch] = taken.get(branch, 0) + 1
            values = {**r, "stars": int(r["stars"]), "points": int(r["points"])}
            result.append(allow(STANDING_FIELDS, values))
        return result
