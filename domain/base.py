"""The base of every aggregate: each event carries its actor.

The actor is read from a context variable that only the Application sets, around one
command, so no caller can forge it and no event is ever recorded without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoding

_ACTOR: ContextVar[str | None] = ContextVar("yimai_actor", default=None)
#: The Application's clock during a command: events are stamped with it, so the log's
#: times and the domain's times (placed_at, due dates) come from one clock.
_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("yimai_clock", default=None)

#: Namespace for ids derived from natural keys (uuid5).
NAMESPACE = uuid5(NAMESPACE_URL, "https://yimai.example/ids")


def derived_id(kind: str, key: str) -> UUID:
    """A stable aggregate id for a natural key."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


@contextmanager
def acting_as(username: str, clock: Callable[[], datetime] | None = None) -> Iterator[None]:
    """Within this block, every new event records `username` as its actor and, when a
    clock is given, takes its timestamp from that clock."""
    token = _ACTOR.set(username)
    clock_token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(clock_token)
        _ACTOR.reset(token)


def _stamp(kwargs: dict[str, Any]) -> None:
    clock = _CLOCK.get()
    if clock is not None and kwargs.get("timestamp") is None:
        kwargs["timestamp"] = clock()


def current_actor() -> str:
    actor = _ACTOR.get()
    if not actor:
        raise RuntimeError("an event was triggered outside a command: no actor is set")
    return actor


class YimaiAggregate(Aggregate):
    """Aggregate whose every event records who caused it."""

    class Event(Aggregate.Event):
        actor: str

    class Created(Event, Aggregate.Created):
        pass

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("actor", current_actor())
        _stamp(kwargs)
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("actor", current_actor())
        _stamp(kwargs)
        return super()._create(event_class, id=id, **kwargs)


class DateAsISO(Transcoding):
    """Dates travel in events as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FrozensetAsList(Transcoding):
    """Sets of roles and the like travel as sorted lists."""

    type = frozenset
    name = "frozenset"

    def encode(self, obj: frozenset[Any]) -> list[Any]:
        return sorted(obj)

    def decode(self, data: list[Any]) -> frozenset[Any]:
        return frozenset(data)
