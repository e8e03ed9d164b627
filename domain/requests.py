"""The four orders (四单): a resident's request from placement to publication.

A request is placed (群众下单), classified by the committee (梳理分类), claimed by a cadre
(干部领单), supervised (社区督单), visited back (回访) and published (公开晒单). Every
transition is an event method whose guard names the rule it keeps.

The clock runs from placement. Releasing, sending back or giving a request to someone
else never restarts it; only a pause with a reason stops it, and the pause is recorded.
Times that drive the clock are passed in (`at`), taken by the Application from its clock,
so replaying the events reproduces every due time exactly.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import YimaiAggregate, derived_id
from domain.errors import RuleViolationError


class RequestError(RuleViolationError):
    """A request rule was broken."""


class Channel(StrEnum):
    CADRE_VISIT = "cadre_visit"
    LIAISON_VISIT = "liaison_visit"
    ONLINE = "online"
    WALK_IN = "walk_in"
    PHONE = "phone"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class RequesterKind(StrEnum):
    RESIDENT = "resident"
    HOUSEHOLD = "household"
    ANONYMOUS = "anonymous"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class RequestState(StrEnum):
    PLACED = "placed"
    CLASSIFIED = "classified"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    ACCEPTED = "accepted"
    VISITED = "visited"
    PUBLISHED = "published"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    MERGED = "merged"


#: States in which the work is not done yet: the clock runs and the request can be
#: escalated.
WORKING = frozenset(
    {RequestState.PLACED, RequestState.CLASSIFIED, RequestState.CLAIMED, RequestState.RESOLVED}
)
ENDED = frozenset(
    {RequestState.CLOSED, RequestState.WITHDRAWN, RequestState.REJECTED, RequestState.MERGED}
)
#: States in which nobody has resolved it yet.
OPEN = (RequestState.PLACED, RequestState.CLASSIFIED, RequestState.CLAIMED)

#: Letters a resident can read out without confusion (no 0/O, 1/I/L).
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_receipt_code() -> str:
    """A short code the resident keeps, e.g. 'K7Q-4MZ2'."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(7))
    return f"{chars[:3]}-{chars[3:]}"


class Category(YimaiAggregate):
    """A category of the catalogue, with its time limits (hours from placement)."""

    id: UUID

    @staticmethod
    def id_for(code: str) -> UUID:
        return derived_id("category", code)

    @event("Defined")
    def __init__(
        self, code: str, name_zh: str, name_en: str, claim_hours: int, resolve_hours: int
    ) -> None:
        _check_limits(claim_hours, resolve_hours)
        self.code = code
        self.name_zh = name_zh
        self.name_en = name_en
        self.claim_hours = claim_hours
        self.resolve_hours = resolve_hours
        self.retired = False

    @event("LimitsChanged")
    def change_limits(self, claim_hours: int, resolve_hours: int, reason: str) -> None:
        _need(reason, "a reason is required to change a category's limits")
        _check_limits(claim_hours, resolve_hours)
        if (claim_hours, resolve_hours) == (self.claim_hours, self.resolve_hours):
            raise RequestError("same_limits", "the category already has these limits")
        self.claim_hours = claim_hours
        self.resolve_hours = resolve_hours

    @event("Retired")
    def retire(self, reason: str) -> None:
        _need(reason, "a reason is required to retire a category")
        if self.retired:
            raise RequestError("category_retired", f"category '{self.code}' is retired")
        self.retired = True


#: The catalogue a new database starts with: code, zh, en, hours to claim, to resolve.
DEFAULT_CATEGORIES: tuple[tuple[str, str, str, int, int], ...] = (
    ("environment", "环境卫生", "Environment and sanitation", 24, 72),
    ("property", "物业与设施", "Property and facilities", 24, 120),
    ("dispute", "邻里纠纷", "Neighbour disputes", 24, 168),
    ("care", "助老助残", "Elderly and disabled care", 12, 72),
    ("safety", "公共安全", "Public safety", 4, 48),
    ("policy", "政策咨询", "Policy consultation", 24, 72),
    ("employment", "就业服务", "Employment", 48, 240),
    ("other", "其他", "Other", 48, 240),
)


def _check_limits(claim_hours: int, resolve_hours: int) -> None:
    if not 1 <= claim_hours <= resolve_hours <= 24 * 365:
        raise RequestError(
            "bad_limits", "limits must satisfy 1 ≤ hours to claim ≤ hours to resolve ≤ a year"
        )


def _need(reason: str, message: str) -> None:
    if not reason or not reason.strip():
        raise RequestError("reason_required", message)


class ReceiptCode(YimaiAggregate):
    """The index that keeps receipt codes unique: its id is derived from the code, and
    it is saved with its request, so two requests can never be given the same code."""

    id: UUID

    @staticmethod
    def id_for(code: str) -> UUID:
        return derived_id("receipt", code.strip().upper())

    @event("Issued")
    def __init__(self, code: str, request_id: UUID) -> None:
        self.code = code
        self.request_id = request_id


def limits_for(claim_hours: int, resolve_hours: int, urgency: str) -> tuple[int, int]:
    """The time limits of one request: an urgent one gets half of its category's."""
    if Urgency(urgency) == Urgency.URGENT:
        return max(1, claim_hours // 2), max(1, resolve_hours // 2)
    return claim_hours, resolve_hours


class Request(YimaiAggregate):
    """A resident's request (群众下单) and everything that happens to it.

    The claimant is a member (points and stars go to members); which account may act
    for the claimant is the Application's business. Text that may name people (the
    description and contact, progress notes, the solution, the resident's comment) is
    sealed under the request's own key; reasons for moves are the staff's own words.
    """

    id: UUID

    @event("Placed")
    def __init__(
        self,
        receipt_code: str,
        channel: str,
        category: str,
        claim_hours: int,
        resolve_hours: int,
        urgency: str,
        community_id: UUID,
        branch_id: UUID | None,
        building: str | None,
        requester_kind: str,
        requester_id: UUID | None,
        personal: str,
        placed_at: datetime,
    ) -> None:
        self.receipt_code = receipt_code
        self.channel = Channel(channel)
        self.category = category
        self.claim_hours = claim_hours
        self.resolve_hours = resolve_hours
        self.urgency = Urgency(urgency)
        self.community_id = community_id
        self.branch_id = branch_id
        self.building = building
        self.requester_kind = RequesterKind(requester_kind)
        self.requester_id = requester_id
        #: Description and the requester's contact, sealed (see domain.personal).
        self.personal = personal
        self.placed_at = placed_at
        self.state = RequestState.PLACED
        self.claimant: UUID | None = None
        self.claimed_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.paused_since: datetime | None = None
        self.paused = timedelta()
        self.presses = 0
        self.escalated = False
        self.moves: list[dict[str, Any]] = []
        self.satisfaction: Satisfaction | None = None
        self.summary: str | None = None
        #: The current solution and the resident's last comment, sealed.
        self.solution: str | None = None
        self.visit_comment: str | None = None
        self.published_at: datetime | None = None
        self.merged_into: UUID | None = None
        self.duplicates: list[UUID] = []
        #: The award that gave the claimant the "helped a resident" star, once ever.
        self.star_award: UUID | None = None

    # -- guards -------------------------------------------------------------------------
    # One `check_<step>` per step: what the request's state allows, whatever the input.
    # The event methods call them, and `possible_steps` asks them, so the two agree.

    def check_state(self, rule: str, *allowed: RequestState) -> None:
        if self.state not in allowed:
            names = ", ".join(s.value for s in allowed)
            raise RequestError(
                rule, f"the request is {self.state.value}; this needs it to be {names}"
            )

    def check_classify(self) -> None:
        self.check_state("classify_state", RequestState.PLACED, RequestState.CLASSIFIED)

    def check_claim(self) -> None:
        if self.state == RequestState.CLAIMED:
            raise RequestError("already_claimed", "someone has already claimed this request")
        self.check_state("claim_state", RequestState.CLASSIFIED)

    def check_release(self) -> None:
        self.check_state("release_state", RequestState.CLAIMED)

    def check_give(self) -> None:
        self.check_state("give_state", RequestState.CLASSIFIED, RequestState.CLAIMED)

    def check_note_progress(self) -> None:
        self.check_state("progress_state", RequestState.CLAIMED)

    def check_resolve(self) -> None:
        self.check_state("resolve_state", RequestState.CLAIMED)
        if self.paused_since is not None:
            raise RequestError("clock_paused", "resume the clock before resolving")

    def check_accept(self) -> None:
        self.check_state("accept_state", RequestState.RESOLVED)

    def check_send_back(self) -> None:
        self.check_state("send_back_state", RequestState.RESOLVED)

    def check_press(self) -> None:
        self.check_state("press_state", *OPEN)

    def check_escalate(self) -> None:
        self.check_state("escalate_state", *WORKING)
        if self.escalated:
            raise RequestError("already_escalated", "the request is already escalated")

    def check_pause(self) -> None:
        self.check_state("pause_state", *OPEN)
        if self.paused_since is not None:
            raise RequestError("already_paused", "the clock is already paused")

    def check_resume(self) -> None:
        if self.paused_since is None:
            raise RequestError("not_paused", "the clock is not paused")

    def check_record_visit(self) -> None:
        self.check_state("visit_state", RequestState.ACCEPTED)
        if self.requester_kind == RequesterKind.ANONYMOUS:
            raise RequestError("anonymous_visit", "an anonymous requester cannot be visited")

    def check_publish(self) -> None:
        if self.requester_kind == RequesterKind.ANONYMOUS:
            # Nobody to visit: an accepted resolution is published as it stands.
            self.check_state("publish_state", RequestState.VISITED, RequestState.ACCEPTED)
        else:
            self.check_state("publish_state", RequestState.VISITED)

    def check_close(self) -> None:
        self.check_state("close_state", RequestState.PUBLISHED)

    def check_withdraw(self) -> None:
        self.check_state("withdraw_state", *OPEN)

    def check_reject(self) -> None:
        self.check_state("reject_state", RequestState.PLACED, RequestState.CLASSIFIED)

    def check_merge(self) -> None:
        self.check_state("merge_state", *OPEN)

    def possible_steps(self) -> frozenset[str]:
        """The steps the request's state allows now (named as in `STEPS`); who may take
        them, and with what input, is checked when one is taken."""
        possible = set()
        for step, check in STEPS.items():
            try:
                check(self)
            except RequestError:
                continue
            possible.add(step)
        return frozenset(possible)

    # -- the clock ----------------------------------------------------------------------

    def paused_for(self, now: datetime) -> timedelta:
        running = now - self.paused_since if self.paused_since else timedelta()
        return self.paused + max(running, timedelta())

    def due_at(self, now: datetime) -> datetime:
        """When the request must be resolved, pauses added on."""
        return self.placed_at + timedelta(hours=self.resolve_hours) + self.paused_for(now)

    def claim_due_at(self, now: datetime) -> datetime:
        return self.placed_at + timedelta(hours=self.claim_hours) + self.paused_for(now)

    def is_overdue(self, now: datetime) -> bool:
        """Past its limit and not yet resolved (a paused clock does not run)."""
        if self.state not in WORKING or self.state == RequestState.RESOLVED:
            return False
        if now > self.due_at(now):
            return True
        return self.claimant is None and now > self.claim_due_at(now)

    # -- the committee --------------------------------------------------------------------

    @event("Classified")
    def classify(
        self, category: str, claim_hours: int, resolve_hours: int, branch_id: UUID | None
    ) -> None:
        self.check_classify()
        self.category = category
        self.claim_hours = claim_hours
        self.resolve_hours = resolve_hours
        self.branch_id = branch_id
        self.state = RequestState.CLASSIFIED

    # -- claiming -----------------------------------------------------------------------

    @event("Claimed")
    def claim(self, claimant: UUID, at: datetime) -> None:
        self.check_claim()
        self.claimant = claimant
        self.claimed_at = self.claimed_at or at
        self.state = RequestState.CLAIMED

    @event("Released")
    def release(self, reason: str) -> None:
        _need(reason, "a reason is required to release a request")
        self.check_release()
        self.moves.append({"move": "released", "from": self.claimant, "reason": reason})
        self.claimant = None
        self.state = RequestState.CLASSIFIED

    @event("Given")
    def give(self, to: UUID, reason: str, at: datetime) -> None:
        _need(reason, "a reason is required to give a request to someone else")
        self.check_give()
        if to == self.claimant:
            raise RequestError("same_claimant", "that member already holds the request")
        self.moves.append({"move": "given", "from": self.claimant, "to": to, "reason": reason})
        self.claimant = to
        self.claimed_at = self.claimed_at or at
        self.state = RequestState.CLAIMED

    @event("ProgressNoted")
    def note_progress(self, note: str) -> None:
        _need(note, "a progress note cannot be empty")
        self.check_note_progress()

    @event("Resolved")
    def resolve(self, solution: str, evidence: list[str], at: datetime) -> None:
        _need(solution, "say how the request was solved")
        self.check_resolve()
        self.solution = solution
        self.resolved_at = at
        self.state = RequestState.RESOLVED

    # -- supervision ----------------------------------------------------------------------

    @event("Accepted")
    def accept(self) -> None:
        self.check_accept()
        self.state = RequestState.ACCEPTED

    @event("StarAwarded")
    def record_star(self, member_id: UUID, award_id: UUID) -> None:
        """The claimant's star for an accepted resolution: once per request, ever."""
        self.check_state("star_state", RequestState.ACCEPTED)
        if self.star_award is not None:
            raise RequestError("star_awarded", "this request has already earned its star")
        if member_id != self.claimant:
            raise RequestError("not_the_claimant", "the star goes to the claimant")
        self.star_award = award_id

    @event("SentBack")
    def send_back(self, reason: str) -> None:
        _need(reason, "a reason is required to send a resolution back")
        self.check_send_back()
        self.moves.append({"move": "sent_back", "to": self.claimant, "reason": reason})
        self.solution = None
        self.resolved_at = None
        self.state = RequestState.CLAIMED

    @event("Pressed")
    def press(self, reason: str) -> None:
        _need(reason, "say what the press is about")
        self.check_press()
        self.presses += 1

    @event("Escalated")
    def escalate(self, reason: str) -> None:
        _need(reason, "a reason is required to escalate to the subdistrict")
        self.check_escalate()
        self.escalated = True

    @event("ClockPaused")
    def pause(self, reason: str, at: datetime) -> None:
        _need(reason, "a reason is required to pause the clock")
        self.check_pause()
        self.paused_since = at

    @event("ClockResumed")
    def resume(self, at: datetime) -> None:
        self.check_resume()
        since = self.paused_since or at  # set: check_resume says so
        self.paused += max(at - since, timedelta())
        self.paused_since = None

    # -- the resident's word and publication -------------------------------------------------

    @event("Visited")
    def record_visit(self, satisfaction: str, comment: str | None, reason: str | None) -> None:
        """`comment` is sealed; `reason` is the staff's clear note of a reopening."""
        level = Satisfaction(satisfaction)
        self.check_record_visit()
        if level == Satisfaction.DISSATISFIED:
            _need(reason or "", "say why the resident is dissatisfied: the request reopens")
            self.moves.append({"move": "reopened", "to": self.claimant, "reason": reason})
            self.solution = None
            self.resolved_at = None
            self.state = RequestState.CLAIMED
        else:
            self.state = RequestState.VISITED
        self.satisfaction = level
        self.visit_comment = comment

    @event("Published")
    def publish(self, summary: str, at: datetime) -> None:
        _need(summary, "a public summary is required")
        self.check_publish()
        self.summary = summary
        self.published_at = at
        self.state = RequestState.PUBLISHED

    @event("Closed")
    def close(self) -> None:
        self.check_close()
        self.state = RequestState.CLOSED

    # -- other endings ------------------------------------------------------------------------

    @event("Withdrawn")
    def withdraw(self, reason: str) -> None:
        _need(reason, "a reason is required to withdraw a request")
        self.check_withdraw()
        self._end(RequestState.WITHDRAWN)

    @event("Rejected")
    def reject(self, reason: str) -> None:
        _need(reason, "a reason is required to reject a request as out of scope")
        self.check_reject()
        self._end(RequestState.REJECTED)

    @event("Merged")
    def merge_into(self, original_id: UUID, reason: str) -> None:
        _need(reason, "a reason is required to merge a duplicate")
        self.check_merge()
        if original_id == self.id:
            raise RequestError("merge_self", "a request cannot be a duplicate of itself")
        self.merged_into = original_id
        self._end(RequestState.MERGED)

    def _end(self, state: RequestState) -> None:
        """An ended request's clock stops for good: a running pause ends with it (its
        length no longer matters, since nothing is due any more)."""
        self.paused_since = None
        self.state = state

    @event("DuplicateAbsorbed")
    def absorb(self, duplicate_id: UUID) -> None:
        if self.state in ENDED:
            raise RequestError("merge_target_ended", "merge into a request that is still open")
        self.duplicates.append(duplicate_id)


#: Each step of a request, named as the Application's command that takes it says it,
#: with the guard of the request's state it passes first.
STEPS: dict[str, Callable[[Request], None]] = {
    "classify": Request.check_classify,
    "claim": Request.check_claim,
    "release": Request.check_release,
    "give": Request.check_give,
    "note_progress": Request.check_note_progress,
    "resolve": Request.check_resolve,
    "pause_clock": Request.check_pause,
    "resume_clock": Request.check_resume,
    "accept": Request.check_accept,
    "send_back": Request.check_send_back,
    "press": Request.check_press,
    "escalate": Request.check_escalate,
    "record_visit": Request.check_record_visit,
    "publish": Request.check_publish,
    "close": Request.check_close,
    "withdraw": Request.check_withdraw,
    "reject": Request.check_reject,
    "merge": Request.check_merge,
}
