"""The timeline: one row per event, the index behind histories and per-actor trails."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent
from sqlalchemy.engine import Connection

from projections.db import UTCDateTime, metadata
from projections.runner import Changes, Projection

timeline = sa.Table(
    "yimai_timeline",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("originator_id", sa.Uuid, nullable=False, index=True),
    sa.Column("originator_version", sa.Integer, nullable=False),
    sa.Column("event", sa.String(64), nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False, index=True),
    sa.Column("stamped_at", UTCDateTime, nullable=False, index=True),
)


class TimelineProjection(Projection):
    """Indexes every event by aggregate, type, actor and time."""

    name = "timeline"
    tables = (timeline,)

    def apply(self, changes: Changes, event: DomainEvent, position: int) -> None:
        changes.insert(
            timeline,
            position=position,
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            event=type(event).__qualname__,
            actor=getattr(event, "actor", "") or "",
            stamped_at=event.timestamp,
        )


def actor_trail(conn: Connection, actor: str, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        sa.select(timeline)
        .where(timeline.c.actor == actor)
        .order_by(timeline.c.position.desc())
        .limit(limit)
    )
    return [r._asdict() for r in conn.execute(query)]
