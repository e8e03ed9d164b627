"""Any aggregate as it stood at any version, in plain values, for reviewers.

The state is rebuilt from the aggregate's own events up to that version (the
library's repository replays them), so what a reviewer sees is what the events say.
Sealed personal fields stay sealed here: a state view shows that a blob is there, never
what it holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import resolve_topic

from domain import validation as v
from domain.access import Permission, Principal
from domain.application import Yimai
from domain.errors import InvalidInputError, NotFoundError
from domain.personal import ERASED, is_sealed

SEALED = "[sealed]"


def plain(value: Any, sealed: str = SEALED) -> Any:
    """A JSON-friendly copy of an aggregate's attribute value; a sealed blob reads
    `sealed` ("[erased]" for an erased subject's record)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return sealed if is_sealed(value) else value
    if isinstance(value, Enum):
        return plain(value.value, sealed)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(plain(k, sealed)): plain(val, sealed) for k, val in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(x, sealed) for x in value), key=str)
    if isinstance(value, list | tuple):
        return [plain(x, sealed) for x in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value), sealed)
    return str(value)


def _kind(app: Yimai, ident: UUID) -> type:
    first: Any = next(iter(app.events.get(ident, lte=1)), None)
    if first is None:
        raise NotFoundError("record", ident)
    cls: type = resolve_topic(first.originator_topic)
    return cls


def aggregate_state(
    app: Yimai, aggregate_id: UUID | str, *, actor: Principal, version: int | None = None
) -> dict[str, Any]:
    """The aggregate at `version` (the latest when None): kind, version, times, state.

    The right needed is the one that opens the aggregate's history.
    """
    ident = v.uuid("id", aggregate_id)
    cls = _kind(app, ident)
    actor.require(app.HISTORY_RIGHTS.get(cls, Permission.AUDIT_READ))
    if version is not None and version < 1:
        raise InvalidInputError("version", "is 1 or more")
    try:
        aggregate: Any = app.repository.get(ident, version=version)
    except AggregateNotFoundError:
        raise NotFoundError("record", ident) from None
    if version is not None and aggregate.version != version:
        raise NotFoundError("version", f"{ident} has no version {version}")
    sealed = ERASED if app.is_erased(ident) else SEALED
    state = {
        name: plain(value, sealed)
        for name, value in sorted(vars(aggregate).items())
        if not name.startswith("_")
    }
    return {
        "id": str(ident),
        "kind": cls.__name__,
        "version": aggregate.version,
        "created_on": aggregate.created_on.isoformat(),
        "modified_on": aggregate.modified_on.isoformat(),
        "state": state,
    }


def event_entry(
    app: Yimai, aggregate_id: UUID | str, version: int, *, actor: Principal
) -> dict[str, Any]:
    """One event of an aggregate as its history shows it (who, when, what)."""
    for entry in app.get_history(aggregate_id, actor=actor):
        if entry.version == version:
            return {
                "version": entry.version,
                "event": entry.event,
                "timestamp": entry.timestamp.isoformat(),
                "actor": entry.actor,
                "fields": plain(entry.fields),
            }
    raise NotFoundError("version", f"{aggregate_id} has no version {version}")
