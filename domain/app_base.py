"""The plumbing every command of the Application shares.

Commands take `actor=` (a Principal), check the actor's rights, load what one rule
spans, call one method, save once, and return a Receipt with the log position.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import ParamSpec, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, RecordConflictError

from domain import validation as v
from domain.access import Permission, Principal
from domain.accounts import Account, CredentialStore
from domain.base import DateAsISO, FrozensetAsList, acting_as
from domain.errors import ConcurrencyError, NotFoundError, RuleViolationError
from domain.personal import KeyStore, PersonalData

P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)

#: How often a command is retried when another writer changed the same aggregate.
CONFLICT_RETRIES = 3
#: Open claims a resident unit may hold on alliance needs, unless configured otherwise.
UNIT_CLAIM_LIMIT = 2
#: The attribute of a command that holds the rights opening it.
PERMISSIONS = "permissions"


class RosterOccupancy(Protocol):
    """What the read model knows that no single aggregate does."""

    def open_children(self, unit_id: UUID) -> int: ...

    def active_members(self, unit_id: UUID) -> int: ...

    def open_households(self, unit_id: UUID) -> int: ...


def _clock_of(app: object) -> Callable[[], datetime] | None:
    """The Application's clock, as an aware UTC time (events are stamped in UTC)."""
    clock = getattr(app, "clock", None)
    if clock is None:
        return None
    return lambda: clock().astimezone(UTC)


def command(*permissions: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Check the actor's right (any one of `permissions`), record the actor on every
    event, retry conflicts. A command that several rights open checks the finer rule
    (e.g. "only the claimant") itself. The rights stay on the command as `permissions`
    (see `YimaiBase.may`)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs.get("actor")
            if not isinstance(actor, Principal):
                raise TypeError(f"{fn.__name__}() needs actor=Principal")
            actor.require_any(*permissions)
            for attempt in range(CONFLICT_RETRIES):
                try:
                    with acting_as(actor.username, _clock_of(args[0])):
                        return fn(*args, **kwargs)
                except RecordConflictError:
                    if attempt == CONFLICT_RETRIES - 1:
                        raise ConcurrencyError(
                            "someone else changed this at the same time; reload and try again"
                        ) from None
            raise AssertionError("unreachable")

        setattr(wrapper, PERMISSIONS, frozenset(permissions))
        return wrapper

    return decorate


class YimaiBase(Application):
    """The Application's plumbing: side stores, the clock, loading and saving."""

    name = "Yimai"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        keys: KeyStore,
        credentials: CredentialStore,
        occupancy: RosterOccupancy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tz: tzinfo = UTC,
        unit_claim_limit: int = UNIT_CLAIM_LIMIT,
    ) -> None:
        super().__init__(env)
        self.personal = PersonalData(keys)
        self.credentials = credentials
        self.occupancy = occupancy
        self.clock = clock
        self.tz = tz
        self.unit_claim_limit = unit_claim_limit

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(FrozensetAsList())

    def may(self, actor: Principal, command_name: str) -> bool:
        """Whether the actor holds a right that opens the command (e.g. "claim_request").
        The command's finer rules (only the claimant, never one's own work) are checked
        when it runs."""
        permissions = getattr(getattr(type(self), command_name, None), PERMISSIONS, None)
        if not isinstance(permissions, frozenset):
            raise ValueError(f"'{command_name}' is not a command")
        return any(actor.can(p) for p in permissions)

    def today(self) -> date:
        """The date at the station (its time zone), against which "future" is judged."""
        return self.clock().astimezone(self.tz).date()

    def now(self) -> datetime:
        """The time that drives requests' clocks (UTC, from the configured clock)."""
        return self.clock().astimezone(UTC)

    def _commit(
        self, *aggregates: Aggregate, unchanged: Mapping[UUID, int | None] | None = None
    ) -> int:
        """Save in one atomic save; the log position of the last event. `unchanged`
        names aggregates the command read but does not change, with the version it read
        (None: absent): if one moved on meanwhile, the save conflicts and is retried."""
        recordings = self.save(*aggregates, unchanged=dict(unchanged or {}))
        if not recordings:
            raise RuleViolationError("nothing_changed", "the command changed nothing")
        return recordings[-1].notification.id

    def _get(
        self, cls: type[A], aggregate_id: UUID | str | None, kind: str, field: str = "id"
    ) -> A:
        ident = v.uuid(field, aggregate_id)
        try:
            aggregate: Aggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFoundError(kind, ident) from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(kind, ident)
        return aggregate

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when there is none of this kind under the id."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def member_of(self, actor: Principal) -> UUID | None:
        """The member an account is linked to, if any."""
        account = self._find(Account, Account.id_for(actor.username))
        return account.member_id if account else None

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def is_initialized(self) -> bool:
        """True once any account exists (the log starts with the first admin)."""
        return self.last_position() > 0
