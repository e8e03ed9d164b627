"""The plumbing every command of the Application shares.

Commands take `actor=` (a Principal), check the actor's rights, load what one rule
spans, call one method, save once, and return a Receipt with the log position.

A bulk load (`yimai generate`) runs the same commands inside `app.batch(size=...)`:
every rule and guard still runs and every event is made as usual; only the storage is
batched (see `YimaiBase.batch`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, tzinfo
from typing import Any, ParamSpec, Protocol, TypeVar, cast
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.application import AggregateNotFoundError, Application, Repository
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
#: Commands per save in a batch, unless told otherwise.
BATCH_SIZE = 500
#: Aggregates a caching batch keeps in memory at most (it starts afresh when full).
CACHE_LIMIT = 200_000

#: Writes new per-subject keys, all in one transaction (see `YimaiBase.batch`).
KeyWriter = Callable[[Mapping[UUID, bytes]], None]


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
            batch: _Batch | None = getattr(args[0], "_batch", None)
            if batch is not None:
                return batch.run(lambda: _once(fn, args, kwargs, actor))
            for attempt in range(CONFLICT_RETRIES):
                try:
                    return _once(fn, args, kwargs, actor)
                except RecordConflictError:
                    if attempt == CONFLICT_RETRIES - 1:
                        raise ConcurrencyError(
                            "someone else changed this at the same time; reload and try again"
                        ) from None
            raise AssertionError("unreachable")

        setattr(wrapper, PERMISSIONS, frozenset(permissions))
        return wrapper

    return decorate


def _once(fn: Callable[..., R], args: Any, kwargs: Any, actor: Principal) -> R:
    with acting_as(actor.username, _clock_of(args[0])):
        return fn(*args, **kwargs)


class _BatchKeys:
    """The key store during a batch: keys made for new subjects are held and written
    (by the batch's key writer) just before the events sealed under them are saved.
    Without a key writer each new key is stored at once, as outside a batch."""

    def __init__(self, store: KeyStore, writer: KeyWriter | None) -> None:
        self.store = store
        self.writer = writer
        self.pending: dict[UUID, bytes] = {}
        #: Keys read from the store during the batch: a key never changes while it
        #: exists, and one destroyed in the batch leaves this too.
        self.known: dict[UUID, bytes] = {}
        self._pepper: bytes | None = None

    def _stored(self, subject_id: UUID) -> bytes | None:
        key = self.known.get(subject_id)
        if key is None:
            key = self.store.get_key(subject_id)
            if key is not None:
                self.known[subject_id] = key
        return key

    def get_or_create_key(self, subject_id: UUID) -> bytes:
        key = self.pending.get(subject_id) or self._stored(subject_id)
        if key is not None:
            return key
        if self.writer is None:
            key = self.known[subject_id] = self.store.get_or_create_key(subject_id)
            return key
        key = self.pending[subject_id] = AESGCM.generate_key(bit_length=256)
        return key

    def get_key(self, subject_id: UUID) -> bytes | None:
        return self.pending.get(subject_id) or self._stored(subject_id)

    def destroy_key(self, subject_id: UUID) -> None:
        self.pending.pop(subject_id, None)
        self.known.pop(subject_id, None)
        self.store.destroy_key(subject_id)

    def pepper(self) -> bytes:
        if self._pepper is None:
            self._pepper = self.store.pepper()
        return self._pepper

    def write(self) -> None:
        if self.pending and self.writer is not None:
            self.writer(dict(self.pending))
        self.pending.clear()


#: In a caching batch's cache: no aggregate is stored under this id (yet).
_MISSING: Any = object()


class _HeldRepository:
    """The Application's repository during a batch: an aggregate a command of the batch
    changed is answered from what the batch holds, so a later command sees it."""

    def __init__(self, repository: Any, batch: _Batch) -> None:
        self._repository = repository
        self._batch = batch

    def get(self, aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        if args or any(kwargs.values()):
            return self._repository.get(aggregate_id, *args, **kwargs)
        batch = self._batch
        found = batch.held.get(aggregate_id)
        if found is None and batch.cache is not None:
            found = batch.cache.get(aggregate_id)
            if found is _MISSING:
                raise AggregateNotFoundError(aggregate_id)
            if found is None:
                if len(batch.cache) >= CACHE_LIMIT:
                    batch.cache.clear()
                try:
                    found = self._repository.get(aggregate_id)
                except AggregateNotFoundError:
                    batch.cache[aggregate_id] = _MISSING
                    raise
                batch.cache[aggregate_id] = found
        if found is None:
            return self._repository.get(aggregate_id)
        batch.touched.setdefault(aggregate_id, found.version)
        return found

    def __contains__(self, aggregate_id: UUID) -> bool:
        batch = self._batch
        if aggregate_id in batch.held:
            return True
        if batch.cache and aggregate_id in batch.cache:
            return batch.cache[aggregate_id] is not _MISSING
        return aggregate_id in self._repository

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repository, name)


class _FlushFirst:
    """A read model the Application asks (occupancy, standings, ...): during a batch,
    what the batch holds is saved first, so the read model can see it."""

    def __init__(self, target: Any, batch: _Batch) -> None:
        self._target = target
        self._batch = batch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def flushed(*args: Any, **kwargs: Any) -> Any:
            self._batch.flush()
            return attribute(*args, **kwargs)

        return flushed


class _Batch:
    """What a batch holds: the events of its commands since the last save, in the
    order they were made, and the aggregates they changed."""

    def __init__(self, app: YimaiBase, size: int, keys: _BatchKeys, cache: bool) -> None:
        self.app = app
        self.size = size
        self.keys = keys
        #: With `cache`, aggregates read or saved stay here for the whole batch.
        self.cache: dict[UUID, Aggregate] | None = {} if cache else None
        self.events: list[Any] = []
        self.held: dict[UUID, Aggregate] = {}
        #: Guards of the held commands on aggregates they read without changing.
        self.unchanged: dict[UUID, int | None] = {}
        self.commands = 0
        self.saved_events = 0
        #: Held aggregates the running command was handed, with the version it saw.
        self.touched: dict[UUID, int] = {}
        self.depth = 0
        self.repository = _HeldRepository(app._repository, self)

    def run(self, step: Callable[[], R]) -> R:
        """One command: on failure, what it did to held aggregates is undone."""
        outermost = self.depth == 0
        if outermost:
            self.touched = {}
        self.depth += 1
        try:
            result = step()
        except BaseException:
            if outermost:
                self._undo_touched()
            raise
        finally:
            self.depth -= 1
        if outermost and self.commands >= self.size:
            self.flush()
        return result

    def hold(self, aggregates: tuple[Aggregate, ...], unchanged: Mapping[UUID, int | None]) -> int:
        events = [event for aggregate in aggregates for event in aggregate.collect_events()]
        if not events:
            raise RuleViolationError("nothing_changed", "the command changed nothing")
        for ident, version in unchanged.items():
            self.unchanged.setdefault(ident, version)
        self.events.extend(events)
        for aggregate in aggregates:
            self.held[aggregate.id] = aggregate
        self.commands += 1
        return len(events)

    def _undo_touched(self) -> None:
        """Rebuild each held aggregate the failed command changed, from the store and
        the events the batch holds for it."""
        for ident, version in self.touched.items():
            aggregate = self.held.get(ident)
            if aggregate is None and self.cache is not None:
                aggregate = self.cache.pop(ident, None)
                if aggregate is not None and aggregate.version != version:
                    continue  # read again from the store when next asked
                if aggregate is not None:
                    self.cache[ident] = aggregate
                continue
            if aggregate is None or aggregate.version == version:
                continue
            try:
                rebuilt: Any = self.app._repository.get(ident)
            except AggregateNotFoundError:
                rebuilt = None
            for event in self.events:
                if event.originator_id == ident:
                    rebuilt = event.mutate(rebuilt)
            if rebuilt is None:
                del self.held[ident]
            else:
                self.held[ident] = rebuilt
        self.touched = {}

    def flush(self) -> None:
        """Save what is held, all or nothing: the new keys first (a key is stored
        before the events sealed under it), then every event in one transaction. On
        failure what was held is discarded and the error raised."""
        if not self.events:
            self.keys.write()
            return
        events, unchanged = self.events, self.unchanged
        # A guard on an aggregate the batch changes is kept by the store itself: the
        # batch's first new event of it must follow the version that was read.
        changed = {event.originator_id for event in events}
        guards = {i: v for i, v in unchanged.items() if i not in changed}
        held = self.held
        self.discard()
        try:
            self.keys.write()
            self.app.save(*events, unchanged=guards)
        except RecordConflictError:
            raise ConcurrencyError(
                "someone else changed what this batch changed; nothing of it was saved"
            ) from None
        self.saved_events += len(events)
        if self.cache is not None:
            self.cache.update(held)

    def discard(self) -> None:
        if self.cache is not None:
            self.cache.clear()
        self.events = []
        self.held = {}
        self.unchanged = {}
        self.touched = {}
        self.commands = 0


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

    _batch: _Batch | None = None

    def batch(
        self, size: int = BATCH_SIZE, *, write_keys: KeyWriter | None = None, cache: bool = False
    ) -> AbstractContextManager[None]:
        """Run many commands, saving them `size` commands at a time.

        Inside the block every command checks its rules and makes its events as always,
        but `_commit` holds them instead of saving: the events of `size` commands are
        saved in one transaction (and what is left when the block ends). Reads of an
        aggregate (`_get`, `_find`, `repository.get`) answer from what the batch holds,
        so a later command sees an earlier one's changes. A command that fails leaves
        the held aggregates as they were before it. A read model the Application asks
        (occupancy, standings, a household's items) is asked after what is held has
        been saved. Commands return position 0 (their Receipt's `position`): nothing is
        in the log yet.

        Keys for new subjects are held too and written, all at once, by `write_keys`
        (default: the key store's `put_keys`, if it has one) just before the events
        sealed under them: a failed save leaves orphan keys, never events without keys.
        With no key writer a new key is stored when it is made, as outside a batch.

        With `cache`, every aggregate read or saved stays in memory for the whole batch
        (up to CACHE_LIMIT of them): for a bulk load whose process is the only writer.
        Another writer's change is then not seen, and makes the next save conflict.

        Saving is all or nothing; an exception raised in the block discards what is
        held since the last save and is raised again. Batches do not nest.
        """
        return self._batching(size, write_keys, cache)

    @contextmanager
    def _batching(self, size: int, write_keys: KeyWriter | None, cache: bool) -> Iterator[None]:
        if self._batch is not None:
            raise RuntimeError("a batch is already running")
        if size < 1:
            raise ValueError("a batch holds at least one command")
        store = self.personal.keys
        writer = write_keys or getattr(store, "put_keys", None)
        keys = _BatchKeys(store, writer)
        batch = _Batch(self, size, keys, cache)
        saved = {
            name: getattr(self, name)
            for name in ("occupancy", "standings", "household_items")
            if getattr(self, name, None) is not None
        }
        self._batch = batch
        self.personal.keys = keys
        for name, target in saved.items():
            setattr(self, name, _FlushFirst(target, batch))
        try:
            yield
            batch.flush()
        except BaseException:
            batch.discard()
            keys.pending.clear()
            raise
        finally:
            self._batch = None
            self.personal.keys = store
            for name, target in saved.items():
                setattr(self, name, target)

    @property
    def repository(self) -> Repository[UUID]:
        """The repository; in a batch, one that answers from what the batch holds."""
        if self._batch is not None:
            return cast(Repository[UUID], self._batch.repository)
        return self._repository

    def batch_saved(self) -> int:
        """Events the running batch has saved so far (0 outside a batch)."""
        return self._batch.saved_events if self._batch else 0

    def _commit(
        self, *aggregates: Aggregate, unchanged: Mapping[UUID, int | None] | None = None
    ) -> int:
        """Save in one atomic save; the log position of the last event. `unchanged`
        names aggregates the command read but does not change, with the version it read
        (None: absent): if one moved on meanwhile, the save conflicts and is retried.
        In a batch the events are held (see `batch`) and the position is 0."""
        if self._batch is not None:
            self._batch.hold(aggregates, dict(unchanged or {}))
            return 0
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
