"""Points and stars: the Application's commands (a mixin of the one Application).

Rights: `points.award` (clerk, supervisor) awards and records attendance;
`points.propose` (clerk, supervisor) proposes deductions and reversals and
`points.approve` (supervisor, admin) decides them, never one's own; `points.object`
files a member's objection (a cadre for their own member, a clerk for anyone);
`points.periods` (supervisor, admin) closes and finalizes periods, settles objections
and runs the selection; `points.rules` (admin) keeps the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

from domain import validation as v
from domain.access import Permission, Principal
from domain.accounts import Account
from domain.app_base import YimaiBase, command
from domain.base import derived_id
from domain.dto import AttendanceReceipt, AwardReceipt, Receipt
from domain.errors import InvalidInputError, PermissionDeniedError
from domain.points import (
    DEFAULT_RULES,
    HELP_RULE,
    Activity,
    Adjustment,
    AdjustmentKind,
    AdjustmentState,
    EvidenceKind,
    Ledger,
    Objection,
    Period,
    PeriodState,
    PointsError,
    Rule,
    RuleCategory,
    Selection,
)
from domain.requests import Request
from domain.roster import Member, OrgUnit, UnitLevel

RULE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
#: Rules of the default catalogue are in effect from this date.
CATALOGUE_START = date(2000, 1, 1)
#: The publicity window (公示期) after a period closes, unless configured otherwise.
PUBLICITY_DAYS = 5
#: Candidates per grid branch for the year's excellent members.
EXCELLENT_PER_BRANCH = 3


class PointsStandings(Protocol):
    """What the points read model knows across members (caught up when asked)."""

    def candidates(self, year: int, per_branch: int) -> list[dict[str, Any]]:
        """Per branch, the top members by stars (then points) of the year, excluding
        anyone with an approved bottom-line deduction in it: member_id, branch_id,
        stars, points."""
        ...


class Points(YimaiBase):
    """The commands of points and stars."""

    standings: PointsStandings | None = None
    publicity_days: int = PUBLICITY_DAYS
    excellent_per_branch: int = EXCELLENT_PER_BRANCH

    # -- the rule catalogue ------------------------------------------------------------

    def _rule(self, code: str | None, field: str = "rule_code") -> Rule:
        code = (code or "").strip().lower()
        if not RULE_CODE.match(code):
            raise InvalidInputError(field, "is not a rule code")
        rule = self._find(Rule, Rule.id_for(code))
        if rule is None:
            raise InvalidInputError(field, "is not in the rule catalogue")
        return rule

    def _rule_terms(
        self, points: int, cap: int | None, earns_star: bool
    ) -> tuple[int, int | None, bool]:
        if not isinstance(points, int) or isinstance(points, bool) or not -100 <= points <= 100:
            raise InvalidInputError("points", "a whole number from -100 to 100")
        if points == 0:
            raise InvalidInputError("points", "cannot be 0")
        if cap is not None:
            cap = v.positive_int("cap", cap, maximum=1000)
        if not isinstance(earns_star, bool):
            raise InvalidInputError("earns_star", "is true or false")
        return points, cap, earns_star

    @command(Permission.POINTS_RULES)
    def define_rule(
        self,
        code: str,
        name_zh: str,
        name_en: str,
        category: str,
        points: int,
        *,
        earns_star: bool = False,
        cap: int | None = None,
        effective_from: date | None = None,
        actor: Principal,
    ) -> Receipt:
        """Add a rule: points (negative for a bottom-line deduction), star, cap per year."""
        code = (code or "").strip().lower()
        if not RULE_CODE.match(code):
            raise InvalidInputError("code", "2–32 lower-case letters, digits or '_'")
        if self._find(Rule, Rule.id_for(code)) is not None:
            raise PointsError("rule_exists", f"rule '{code}' exists")
        category_ = v.choice("category", category, RuleCategory)
        points, cap, earns_star = self._rule_terms(points, cap, earns_star)
        start = effective_from or self.today()
        if not isinstance(start, date) or isinstance(start, datetime):
            raise InvalidInputError("effective_from", "is a date")
        guard = self._open_since(start, "effective_from")
        rule = Rule(  # type: ignore[call-arg]
            id=Rule.id_for(code),
            code=code,
            name_zh=v.text("name_zh", name_zh, max_len=40),
            name_en=v.text("name_en", name_en, max_len=80),
            category=category_.value,
            points=points,
            earns_star=earns_star,
            cap=cap,
            effective_from=start,
        )
        return Receipt(rule.id, self._commit(rule, unchanged=guard))

    @command(Permission.POINTS_RULES)
    def revise_rule(
        self,
        code: str,
        points: int,
        effective_from: date | None,
        reason: str,
        *,
        name_zh: str | None = None,
        name_en: str | None = None,
        earns_star: bool | None = None,
        cap: int | None = None,
        actor: Principal,
    ) -> Receipt:
        """A new version of a rule from a date; earlier awards keep their version. Left
        out, the names, the star and the cap stay as they are; `cap=0` removes the cap.
        A version never reaches back into a closed year."""
        rule = self._rule(code, "code")
        latest = rule.versions[-1]
        if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
            raise InvalidInputError("effective_from", "say from when the new version applies")
        guard = self._open_since(effective_from, "effective_from")
        if cap is None:
            cap = latest["cap"]
        elif cap == 0:
            cap = None
        points, cap, star = self._rule_terms(
            points, cap, latest["earns_star"] if earns_star is None else earns_star
        )
        rule.revise(
            v.text("name_zh", name_zh, max_len=40) if name_zh else latest["name_zh"],
            v.text("name_en", name_en, max_len=80) if name_en else latest["name_en"],
            points,
            star,
            cap,
            effective_from,
            v.text("reason", reason, max_len=500),
        )
        return Receipt(rule.id, self._commit(rule, unchanged=guard))

    @command(Permission.POINTS_RULES)
    def seed_rules(self, *, actor: Principal) -> int:
        """Define the default catalogue's rules that are missing; the log position."""
        missing = [
            Rule(  # type: ignore[call-arg]
                id=Rule.id_for(code),
                code=code,
                name_zh=zh,
                name_en=en,
                category=category,
                points=points,
                earns_star=star,
                cap=cap,
                effective_from=CATALOGUE_START,
            )
            for code, zh, en, category, points, star, cap in DEFAULT_RULES
            if self._find(Rule, Rule.id_for(code)) is None
        ]
        return self._commit(*missing) if missing else self.last_position()

    # -- ledgers ------------------------------------------------------------------------

    def _ledger(self, member_id: UUID, year: int) -> Ledger:
        ledger = self._find(Ledger, Ledger.id_for(member_id, year))
        if ledger is None:
            ledger = Ledger(  # type: ignore[call-arg]
                id=Ledger.id_for(member_id, year), member_id=member_id, year=year
            )
        return ledger

    def _open_year(self, year: int) -> dict[UUID, int | None]:
        """Refuse a closed year; else the precondition to save with: the year is still
        not closed when the save holds the log's write lock (a closing at the same
        moment makes the save conflict, and the retry refuses)."""
        if self._find(Period, Period.id_for(year)) is not None:
            raise PointsError(
                "period_closed",
                f"{year} is closed; corrections go through an objection in its window",
            )
        return {Period.id_for(year): None}

    def _open_since(self, day: date, field: str) -> dict[UUID, int | None]:
        """A rule version from `day` must not reach into a closed year: every year from
        the day's to this one must still be open."""
        if not date(2000, 1, 1) <= day <= self.today() + timedelta(days=366):
            raise InvalidInputError(field, "must be from 2000 to a year from now")
        guard: dict[UUID, int | None] = {}
        for year in range(day.year, self.today().year + 1):
            if self._find(Period, Period.id_for(year)) is not None:
                raise PointsError("period_closed", f"{year} is closed: its rules stay as they were")
            guard[Period.id_for(year)] = None
        return guard

    def _not_own_member(self, actor: Principal, member_id: UUID, what: str) -> None:
        """Nobody decides on the points of the member they are themselves."""
        if self.member_of(actor) == member_id:
            raise PointsError("own_points", f"someone else must {what} your own points")

    def _deed_date(self, deed_on: date | None) -> date:
        return v.past_date("deed_on", deed_on, today=self.today())

    def _award_on(
        self,
        ledger: Ledger,
        award_id: UUID,
        rule: Rule,
        deed_on: date,
        evidence_kind: EvidenceKind,
        evidence_ref: str | None,
        note: str | None,
    ) -> AwardReceipt:
        """Put one award on the ledger (not saved): the cap cuts it, the star stays."""
        if rule.is_deduction:
            raise PointsError("use_deduction", "a deduction is proposed and approved by two")
        version = rule.version_on(deed_on)
        asked = int(version["points"])
        room = ledger.room(rule.code, version["cap"])
        points = asked if room is None else min(asked, room)
        stars = 1 if version["earns_star"] else 0
        ledger.award(
            award_id,
            rule.code,
            version["version"],
            points,
            stars,
            asked,
            points < asked,
            deed_on,
            evidence_kind.value,
            evidence_ref,
            note,
        )
        return AwardReceipt(award_id, 0, points, asked, stars, points < asked)

    def _member(self, member_id: UUID | str | None) -> Member:
        member = self._get(Member, v.uuid("member_id", member_id), "member", "member_id")
        member.check_active()
        return member

    def _evidence(
        self, kind: str, ref: str | None, note: str | None
    ) -> tuple[EvidenceKind, str | None, str | None]:
        kind_ = v.choice("evidence_kind", kind, EvidenceKind)
        note = v.optional_text("note", note, max_len=500)
        if kind_ == EvidenceKind.NOTE:
            if not note:
                raise InvalidInputError("note", "say what the deed was")
            return kind_, None, note
        ident = v.uuid("evidence_ref", ref)
        cls = Request if kind_ == EvidenceKind.REQUEST else Activity
        if self._find(cls, ident) is None:
            raise InvalidInputError("evidence_ref", f"is not a known {kind_.value}")
        return kind_, str(ident), note

    @command(Permission.POINTS_AWARD)
    def award_points(
        self,
        member_id: UUID | str,
        rule_code: str,
        deed_on: date | None,
        *,
        evidence_kind: str = "note",
        evidence_ref: str | None = None,
        note: str | None = None,
        actor: Principal,
    ) -> AwardReceipt:
        """Award a member under a rule for a deed on a date; the receipt says whether a
        cap cut it."""
        member = self._member(member_id)
        rule = self._rule(rule_code)
        day = self._deed_date(deed_on)
        if rule.code == HELP_RULE:
            raise PointsError(
                "automatic_rule",
                "the star for helping a resident comes with the acceptance of the resolution",
            )
        self._not_own_member(actor, member.id, "award")
        evidence = self._evidence(evidence_kind, evidence_ref, note)
        guard = self._open_year(day.year)
        ledger = self._ledger(member.id, day.year)
        receipt = self._award_on(ledger, uuid4(), rule, day, *evidence)
        position = self._commit(ledger, unchanged=guard)
        return AwardReceipt(
            receipt.id, position, receipt.points, receipt.asked, receipt.stars, receipt.capped
        )

    # -- activities -------------------------------------------------------------------

    @command(Permission.POINTS_AWARD)
    def plan_activity(
        self,
        title: str,
        rule_code: str,
        held_on: date | None,
        community_id: UUID | str,
        *,
        branch_id: UUID | str | None = None,
        actor: Principal,
    ) -> Receipt:
        """A themed party day, volunteer service or study session under a rule."""
        title = v.text("title", title, max_len=60)
        rule = self._rule(rule_code)
        if rule.is_deduction:
            raise InvalidInputError("rule_code", "an activity earns points, it does not deduct")
        held = v.uuid("community_id", community_id)
        community = self._get(OrgUnit, held, "community", "community_id")
        if community.level != UnitLevel.COMMUNITY:
            raise InvalidInputError("community_id", "is not a community committee")
        branch: UUID | None = None
        if branch_id:
            unit = self._get(OrgUnit, v.uuid("branch_id", branch_id), "branch", "branch_id")
            if unit.level != UnitLevel.BRANCH or unit.parent_id != community.id:
                raise InvalidInputError("branch_id", "is not a grid branch of that community")
            branch = unit.id
        if not isinstance(held_on, date) or isinstance(held_on, datetime):
            raise InvalidInputError("held_on", "is required: the day it is held")
        rule.version_on(held_on)  # the rule must be in effect that day
        self._open_year(held_on.year)
        activity = Activity(  # type: ignore[call-arg]
            id=uuid4(),
            title=title,
            rule_code=rule.code,
            held_on=held_on,
            community_id=community.id,
            branch_id=branch,
        )
        return Receipt(activity.id, self._commit(activity))

    @command(Permission.POINTS_AWARD)
    def record_attendance(
        self, activity_id: UUID | str, member_ids: Sequence[UUID | str], *, actor: Principal
    ) -> AttendanceReceipt:
        """Everyone who attended is awarded under the activity's rule, in one save."""
        activity = self._get(Activity, activity_id, "activity", "activity_id")
        if activity.held_on > self.today():
            raise PointsError("activity_ahead", "record attendance once the activity is held")
        day = activity.held_on
        if not member_ids:
            raise InvalidInputError("member_ids", "name at least one member who attended")
        if len(member_ids) > 500:
            raise InvalidInputError("member_ids", "at most 500 at a time")
        members = [self._member(m) for m in member_ids]
        guard = self._open_year(day.year)
        rule = self._rule(activity.rule_code)
        activity.record_attendance([m.id for m in members])
        ledgers, awards, capped = [], [], []
        for member in members:
            ledger = self._ledger(member.id, day.year)
            award_id = derived_id("attendance", f"{activity.id}:{member.id}")
            receipt = self._award_on(
                ledger, award_id, rule, day, EvidenceKind.ACTIVITY, str(activity.id), None
            )
            ledgers.append(ledger)
            awards.append(award_id)
            if receipt.capped:
                capped.append(member.id)
        position = self._commit(activity, *ledgers, unchanged=guard)
        return AttendanceReceipt(activity.id, position, awards, capped)

    # -- the star for a resident helped ------------------------------------------------

    def _help_star(self, request: Request) -> tuple[list[Any], dict[UUID, int | None]]:
        """The claimant's star for an accepted resolution (once per request, ever):
        the ledger and request changes to save with the acceptance, or nothing when the
        request has had its star or the rule is not in effect."""
        if request.star_award is not None or request.claimant is None:
            return [], {}
        rule = self._find(Rule, Rule.id_for(HELP_RULE))
        day = self.today()
        if rule is None or self._find(Period, Period.id_for(day.year)) is not None:
            return [], {}
        try:
            rule.version_on(day)
        except PointsError:
            return [], {}
        award_id = derived_id("help-star", str(request.id))
        ledger = self._ledger(request.claimant, day.year)
        self._award_on(ledger, award_id, rule, day, EvidenceKind.REQUEST, str(request.id), None)
        request.record_star(request.claimant, award_id)
        return [ledger], {Period.id_for(day.year): None}

    # -- deductions and reversals: two people ---------------------------------------------

    @command(Permission.POINTS_PROPOSE)
    def propose_deduction(
        self,
        member_id: UUID | str,
        rule_code: str,
        deed_on: date | None,
        reason: str,
        *,
        actor: Principal,
    ) -> Receipt:
        """Propose a deduction under a bottom-line rule; it counts once approved."""
        member = self._member(member_id)
        rule = self._rule(rule_code)
        if not rule.is_deduction:
            raise InvalidInputError("rule_code", "is not a bottom-line rule")
        day = self._deed_date(deed_on)
        rule.version_on(day)
        self._open_year(day.year)
        proposal = Adjustment(  # type: ignore[call-arg]
            id=uuid4(),
            kind=AdjustmentKind.DEDUCTION.value,
            member_id=member.id,
            year=day.year,
            rule_code=rule.code,
            entry_id=None,
            deed_on=day,
            reason=v.text("reason", reason, max_len=500),
            proposer=actor.username,
        )
        return Receipt(proposal.id, self._commit(proposal))

    @command(Permission.POINTS_PROPOSE)
    def propose_reversal(
        self,
        member_id: UUID | str,
        year: int,
        entry_id: UUID | str,
        reason: str,
        *,
        actor: Principal,
    ) -> Receipt:
        """Propose to reverse one award or deduction on a member's ledger, with why."""
        member_ident = v.uuid("member_id", member_id)
        year = v.positive_int("year", year, maximum=9999)
        ledger = self._find(Ledger, Ledger.id_for(member_ident, year))
        entry = v.uuid("entry_id", entry_id)
        if ledger is None or entry not in ledger.entries:
            raise InvalidInputError("entry_id", "is not on this member's ledger of that year")
        if ledger.entries[entry]["reversed"]:
            raise PointsError("already_reversed", "the entry is already reversed")
        self._open_year(year)
        proposal = Adjustment(  # type: ignore[call-arg]
            id=uuid4(),
            kind=AdjustmentKind.REVERSAL.value,
            member_id=member_ident,
            year=year,
            rule_code=ledger.entries[entry]["rule"],
            entry_id=entry,
            deed_on=None,
            reason=v.text("reason", reason, max_len=500),
            proposer=actor.username,
        )
        return Receipt(proposal.id, self._commit(proposal))

    def _adjustment(self, adjustment_id: UUID | str) -> Adjustment:
        return self._get(Adjustment, adjustment_id, "proposal", "adjustment_id")

    def _apply(self, proposal: Adjustment, ledger: Ledger, reason: str) -> None:
        if proposal.kind == AdjustmentKind.DEDUCTION:
            assert proposal.rule_code is not None and proposal.deed_on is not None
            rule = self._rule(proposal.rule_code)
            version = rule.version_on(proposal.deed_on)
            ledger.deduct(
                proposal.id,
                rule.code,
                version["version"],
                int(version["points"]),
                proposal.deed_on,
                reason,
            )
        else:
            assert proposal.entry_id is not None
            ledger.reverse(proposal.entry_id, proposal.id, reason)

    @command(Permission.POINTS_APPROVE)
    def approve_adjustment(self, adjustment_id: UUID | str, *, actor: Principal) -> Receipt:
        """A second person approves: only now does the deduction or reversal count."""
        proposal = self._adjustment(adjustment_id)
        proposal.approve(actor.username)
        self._not_own_member(actor, proposal.member_id, "decide on")
        guard = self._open_year(proposal.year)
        ledger = self._ledger(proposal.member_id, proposal.year)
        self._apply(proposal, ledger, proposal.reason)
        return Receipt(proposal.id, self._commit(proposal, ledger, unchanged=guard))

    @command(Permission.POINTS_APPROVE)
    def reject_adjustment(
        self, adjustment_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        proposal = self._adjustment(adjustment_id)
        proposal.reject(actor.username, v.text("reason", reason, max_len=500))
        self._not_own_member(actor, proposal.member_id, "decide on")
        return Receipt(proposal.id, self._commit(proposal))

    # -- periods, the publicity window and objections -----------------------------------

    def _period(self, year: int) -> Period:
        year = v.positive_int("year", year, maximum=9999)
        period = self._find(Period, Period.id_for(year))
        if period is None:
            raise PointsError("period_open", f"{year} has not been closed")
        return period

    @command(Permission.POINTS_PERIODS)
    def close_period(self, year: int, *, actor: Principal) -> Receipt:
        """Close a year that has ended: its totals go into the publicity window."""
        year = v.positive_int("year", year, maximum=9999)
        if self.today() <= date(year, 12, 31):
            raise PointsError("period_running", f"{year} has not ended yet")
        if self._find(Period, Period.id_for(year)) is not None:
            raise PointsError("period_closed", f"{year} is already closed")
        now = self.now()
        # The window ends at the end of its last day in the station's time zone.
        last_day = now.astimezone(self.tz).date() + timedelta(days=self.publicity_days)
        ends = datetime.combine(last_day, time(23, 59, 59), tzinfo=self.tz)
        period = Period(  # type: ignore[call-arg]
            id=Period.id_for(year), year=year, closed_at=now, window_ends_at=ends
        )
        return Receipt(period.id, self._commit(period))

    def _objector(self, actor: Principal, member: Member) -> None:
        """A cadre files for their own member; a clerk or supervisor records for anyone."""
        if actor.can(Permission.POINTS_AWARD):
            return
        account = self._find(Account, Account.id_for(actor.username))
        if account is None or account.member_id != member.id:
            raise PermissionDeniedError(
                f"{actor.username} may not do this: a member files their own objection"
            )

    @command(Permission.POINTS_OBJECT)
    def file_objection(
        self, member_id: UUID | str, year: int, text: str, *, actor: Principal
    ) -> Receipt:
        """A member objects to their totals while the publicity window is open."""
        member = self._get(Member, v.uuid("member_id", member_id), "member", "member_id")
        self._objector(actor, member)
        period = self._period(year)
        text = v.text("text", text, max_len=1000)
        objection_id = uuid4()
        now = self.now()
        period.objection_opened(objection_id, now)
        objection = Objection(  # type: ignore[call-arg]
            id=objection_id,
            member_id=member.id,
            year=period.year,
            text=self.personal.seal(objection_id, {"text": text}),
            filed_at=now,
            filed_by=actor.username,
        )
        return Receipt(objection.id, self._commit(period, objection))

    def _settler(self, actor: Principal, objection: Objection) -> None:
        """Two people: whoever filed or recorded an objection does not settle it, nor
        does anyone settle an objection about their own points."""
        if actor.username == objection.filed_by:
            raise PointsError("same_person", "a different person settles what you filed")
        self._not_own_member(actor, objection.member_id, "settle an objection about")

    def _objection(self, objection_id: UUID | str) -> Objection:
        return self._get(Objection, objection_id, "objection", "objection_id")

    @command(Permission.POINTS_PERIODS)
    def uphold_objection(
        self,
        objection_id: UUID | str,
        reason: str,
        *,
        award_rule: str | None = None,
        deed_on: date | None = None,
        note: str | None = None,
        reverse_entry: UUID | str | None = None,
        actor: Principal,
    ) -> Receipt:
        """Uphold with the correction: an award (rule, deed date, note) or a reversal of
        one entry, put on the member's ledger with the objection, in one save."""
        objection = self._objection(objection_id)
        # Settled already: say so before the correction would find its award recorded.
        objection.check_open()
        self._settler(actor, objection)
        reason = v.text("reason", reason, max_len=500)
        period = self._period(objection.year)
        ledger = self._ledger(objection.member_id, objection.year)
        if (award_rule is None) == (reverse_entry is None):
            raise InvalidInputError(
                "award_rule", "give either an award's rule or the entry to reverse"
            )
        correction: dict[str, Any]
        if award_rule is not None:
            rule = self._rule(award_rule, "award_rule")
            day = self._deed_date(deed_on)
            if day.year != objection.year:
                raise InvalidInputError("deed_on", "is not in the objection's year")
            award_id = derived_id("objection", str(objection.id))
            self._award_on(ledger, award_id, rule, day, EvidenceKind.NOTE, None, note or reason)
            correction = {"kind": "award", "entry_id": award_id}
        else:
            entry = v.uuid("reverse_entry", reverse_entry)
            ledger.reverse(entry, objection.id, reason)
            correction = {"kind": "reversal", "entry_id": entry}
        objection.uphold(reason, correction)
        period.objection_settled(objection.id)
        return Receipt(objection.id, self._commit(objection, period, ledger))

    @command(Permission.POINTS_PERIODS)
    def reject_objection(
        self, objection_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        objection = self._objection(objection_id)
        reason = v.text("reason", reason, max_len=500)
        period = self._period(objection.year)
        self._settler(actor, objection)
        objection.reject(reason)
        period.objection_settled(objection.id)
        return Receipt(objection.id, self._commit(objection, period))

    @command(Permission.POINTS_PERIODS)
    def finalize_period(self, year: int, *, actor: Principal) -> Receipt:
        """Final once the window has ended and no objection is open."""
        period = self._period(year)
        period.finalize(self.now())
        return Receipt(period.id, self._commit(period))

    # -- the year's excellent members ------------------------------------------------------

    @command(Permission.POINTS_PERIODS)
    def propose_selection(
        self, year: int, *, per_branch: int | None = None, actor: Principal
    ) -> Receipt:
        """Candidates: the top members by stars per branch of a final year, without
        anyone who had a bottom-line deduction approved in it."""
        n = v.positive_int(
            "per_branch",
            self.excellent_per_branch if per_branch is None else per_branch,
            maximum=50,
        )
        period = self._period(year)
        if period.state != PeriodState.FINAL:
            raise PointsError("period_not_final", "the year's totals are not final yet")
        if self._find(Selection, Selection.id_for(period.year)) is not None:
            raise PointsError("selection_exists", "the year's selection is already proposed")
        if self.standings is None:
            raise RuntimeError("no standings read model is configured")
        candidates = self.standings.candidates(period.year, n)
        if not candidates:
            raise PointsError("no_candidates", "nobody earned a star in that year")
        selection = Selection(  # type: ignore[call-arg]
            id=Selection.id_for(period.year),
            year=period.year,
            per_branch=n,
            candidates=candidates,
        )
        return Receipt(selection.id, self._commit(selection))

    def _selection(self, year: int) -> Selection:
        year = v.positive_int("year", year, maximum=9999)
        selection = self._find(Selection, Selection.id_for(year))
        if selection is None:
            raise PointsError("no_selection", f"no selection was proposed for {year}")
        return selection

    @command(Permission.POINTS_PERIODS)
    def confirm_selection(
        self,
        year: int,
        chosen: Sequence[UUID | str],
        *,
        reason: str | None = None,
        actor: Principal,
    ) -> Receipt:
        """The committee confirms whom of the candidates it selects."""
        selection = self._selection(year)
        members = [v.uuid("chosen", m) for m in chosen]
        selection.confirm(members, v.optional_text("reason", reason, max_len=500))
        return Receipt(selection.id, self._commit(selection))

    @command(Permission.POINTS_PERIODS)
    def publish_selection(self, year: int, *, actor: Principal) -> Receipt:
        selection = self._selection(year)
        selection.publish(self.now())
        return Receipt(selection.id, self._commit(selection))

    def proposal_state(self, adjustment_id: UUID | str, *, actor: Principal) -> str:
        """A proposal's state (proposed, approved, rejected)."""
        actor.require(Permission.POINTS_READ)
        state: AdjustmentState = self._adjustment(adjustment_id).state
        return state.value
