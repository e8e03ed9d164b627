"""Micro-wishes (微心愿) and alliance needs (需求项目): close relatives of the four orders.

A micro-wish is posted for a resident and claimed by a member; an alliance need is
listed by the committee and claimed by a resident unit. Both are fulfilled, confirmed
and published under the same rules of claiming and publication as a request: one
claimant at a time, a reason for every release, a public summary a supervisor approves.

A resident unit holds at most a few open claims (a setting, 2 by default). The limit is
kept by a `UnitClaims` aggregate per unit, saved in the same atomic save as the need, so
two claims by one unit that arrive at once cannot both pass it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import YimaiAggregate, derived_id
from domain.errors import RuleViolationError


class WishError(RuleViolationError):
    """A micro-wish or alliance-need rule was broken."""


class WishState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    FULFILLED = "fulfilled"
    CONFIRMED = "confirmed"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


def _need(text: str | None, message: str) -> None:
    if not text or not text.strip():
        raise WishError("reason_required", message)


class _Claimable:
    """What a micro-wish and an alliance need share: claim, fulfil, confirm, publish.

    A plain mixin (not an aggregate of its own, so it defines no events of its own)."""

    kind = "item"
    state: WishState
    claimant: UUID | None

    def _start(self, community_id: UUID, branch_id: UUID | None, title: str) -> None:
        self.community_id = community_id
        self.branch_id = branch_id
        self.title = title
        self.state = WishState.OPEN
        self.claimant: UUID | None = None
        self.claimed_at: datetime | None = None
        self.fulfilled_at: datetime | None = None
        self.summary: str | None = None
        self.published_at: datetime | None = None
        self.moves: list[dict[str, Any]] = []

    def check_state(self, rule: str, *allowed: WishState) -> None:
        if self.state not in allowed:
            names = ", ".join(s.value for s in allowed)
            raise WishError(rule, f"the {self.kind} is {self.state.value}; this needs {names}")

    # The guards of each step: the steps call them, and `possible_steps` asks them, so
    # the two agree.

    def check_claim(self) -> None:
        if self.state == WishState.CLAIMED:
            raise WishError("already_claimed", f"someone has already claimed this {self.kind}")
        self.check_state("claim_state", WishState.OPEN)

    def check_release(self) -> None:
        self.check_state("release_state", WishState.CLAIMED)

    def check_fulfil(self) -> None:
        self.check_state("fulfil_state", WishState.CLAIMED)

    def check_confirm(self) -> None:
        self.check_state("confirm_state", WishState.FULFILLED)

    def check_send_back(self) -> None:
        self.check_state("send_back_state", WishState.FULFILLED)

    def check_publish(self) -> None:
        self.check_state("publish_state", WishState.CONFIRMED)

    def check_withdraw(self) -> None:
        self.check_state("withdraw_state", WishState.OPEN, WishState.CLAIMED)

    def possible_steps(self) -> frozenset[str]:
        """The steps the state allows now (named as in `STEPS`); who may take them, and
        with what input, is checked when one is taken."""
        possible = set()
        for step, check in STEPS.items():
            try:
                check(self)
            except WishError:
                continue
            possible.add(step)
        return frozenset(possible)

    def _claim(self, claimant: UUID, at: datetime) -> None:
        self.check_claim()
        self.claimant = claimant
        self.claimed_at = at
        self.state = WishState.CLAIMED

    def _release(self, reason: str) -> None:
        _need(reason, f"a reason is required to release a {self.kind}")
        self.check_release()
        self.moves.append({"move": "released", "from": self.claimant, "reason": reason})
        self.claimant = None
        self.claimed_at = None
        self.state = WishState.OPEN

    def _fulfil(self, at: datetime) -> None:
        self.check_fulfil()
        self.fulfilled_at = at
        self.state = WishState.FULFILLED

    def _confirm(self) -> None:
        self.check_confirm()
        self.state = WishState.CONFIRMED

    def _send_back(self, reason: str) -> None:
        _need(reason, "a reason is required to send a fulfilment back")
        self.check_send_back()
        self.moves.append({"move": "sent_back", "to": self.claimant, "reason": reason})
        self.fulfilled_at = None
        self.state = WishState.CLAIMED

    def _publish(self, summary: str, at: datetime) -> None:
        _need(summary, "a public summary is required")
        self.check_publish()
        self.summary = summary
        self.published_at = at
        self.state = WishState.PUBLISHED

    def _withdraw(self, reason: str) -> None:
        _need(reason, f"a reason is required to withdraw a {self.kind}")
        self.check_withdraw()
        self.state = WishState.WITHDRAWN

    @property
    def holds_claim(self) -> bool:
        """The claimant's claim is still open: claimed and not yet confirmed done."""
        return self.state in (WishState.CLAIMED, WishState.FULFILLED)


#: Each step of a micro-wish or a need and its guard (the Application's commands are
#: `<step>_wish` and `<step>_need`).
STEPS: dict[str, Callable[[_Claimable], None]] = {
    "claim": _Claimable.check_claim,
    "release": _Claimable.check_release,
    "fulfil": _Claimable.check_fulfil,
    "confirm": _Claimable.check_confirm,
    "send_back": _Claimable.check_send_back,
    "publish": _Claimable.check_publish,
    "withdraw": _Claimable.check_withdraw,
}


class Wish(_Claimable, YimaiAggregate):
    """A micro-wish posted for a resident (the resident and their wish are sealed)."""

    id: UUID
    kind = "micro-wish"

    @event("Posted")
    def __init__(
        self,
        community_id: UUID,
        branch_id: UUID | None,
        title: str,
        household_id: UUID | None,
        personal: str,
        posted_at: datetime,
    ) -> None:
        self._start(community_id, branch_id, title)
        self.household_id = household_id
        #: The resident's name and contact and the wish in their words, sealed.
        self.personal = personal
        self.posted_at = posted_at

    @event("Claimed")
    def claim(self, member_id: UUID, at: datetime) -> None:
        self._claim(member_id, at)

    @event("Released")
    def release(self, reason: str) -> None:
        self._release(reason)

    @event("Fulfilled")
    def fulfil(self, note: str, at: datetime) -> None:
        """`note` is sealed: it may say where and to whom the wish was delivered."""
        self._fulfil(at)

    @event("Confirmed")
    def confirm(self) -> None:
        self._confirm()

    @event("SentBack")
    def send_back(self, reason: str) -> None:
        self._send_back(reason)

    @event("Published")
    def publish(self, summary: str, at: datetime) -> None:
        self._publish(summary, at)

    @event("Withdrawn")
    def withdraw(self, reason: str) -> None:
        self._withdraw(reason)


class Need(_Claimable, YimaiAggregate):
    """An alliance need (需求项目) listed by the committee for resident units to claim."""

    id: UUID
    kind = "alliance need"

    @event("Listed")
    def __init__(
        self,
        community_id: UUID,
        branch_id: UUID | None,
        title: str,
        description: str,
        alliance: str,
        listed_at: datetime,
    ) -> None:
        self._start(community_id, branch_id, title)
        self.description = description
        self.alliance = alliance
        self.listed_at = listed_at

    @event("Claimed")
    def claim(self, resident_unit_id: UUID, at: datetime) -> None:
        self._claim(resident_unit_id, at)

    @event("Released")
    def release(self, reason: str) -> None:
        self._release(reason)

    @event("Fulfilled")
    def fulfil(self, note: str, at: datetime) -> None:
        self._fulfil(at)

    @event("Confirmed")
    def confirm(self) -> None:
        self._confirm()

    @event("SentBack")
    def send_back(self, reason: str) -> None:
        self._send_back(reason)

    @event("Published")
    def publish(self, summary: str, at: datetime) -> None:
        self._publish(summary, at)

    @event("Withdrawn")
    def withdraw(self, reason: str) -> None:
        self._withdraw(reason)


class UnitClaims(YimaiAggregate):
    """The open claims of one resident unit on alliance needs."""

    id: UUID

    @staticmethod
    def id_for(resident_unit_id: UUID) -> UUID:
        return derived_id("unit-claims", str(resident_unit_id))

    @event("Started")
    def __init__(self, resident_unit_id: UUID) -> None:
        self.resident_unit_id = resident_unit_id
        self.open: list[UUID] = []

    @event("Taken")
    def take(self, need_id: UUID, limit: int) -> None:
        if need_id in self.open:
            raise WishError("already_claimed", "the unit already holds this need")
        if len(self.open) >= limit:
            raise WishError(
                "unit_claim_limit",
                f"a resident unit holds at most {limit} open claims; finish one first",
            )
        self.open.append(need_id)

    @event("Returned")
    def give_back(self, need_id: UUID) -> None:
        if need_id not in self.open:
            raise WishError("not_held", "the unit does not hold this need")
        self.open.remove(need_id)
