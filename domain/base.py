"""The base of every aggregate: each event carries its actor.

The actor is read from a context variable that only the Application sets, around one
command, so no caller can forge it and no event is ever recorded without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoding

_ACTOR: ContextVar[str | None] = ContextVar("yimai_actor", default=None)

#: Namespace for ids derived from natural keys (uuid5).
NAMESPACE = uuid5(NAMESPACE_URL, "https://yimai.example/ids")


def derived_id(kind: str, key: str) -> UUID:
    """A stable aggregate id for a natural key."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


@contextmanager
def acting_as(username: str) -> Iterator[None]:
    """Within this block, every new event records `username` as its actor."""
    token = _ACTOR.set(username)
    try:
        yield
    finally:
        _ACTOR.reset(token)


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
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("actor", current_actor())
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
