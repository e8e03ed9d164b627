"""The timeline: one row per event, the index behind histories and per-actor trails."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent
from sqlalchemy.engine import Connection

from domain.access import Permission, Principal
from projections.db import Database, UTCDateTime, metadata
from projections.queries import check_page
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


class SQLAlchemyTimelineView:
    """The latest events by kind: what the station has been doing (no personal data:
    the position, the time, the staff account and the kind of event)."""

    def __init__(self, db: Database, wait_for: Callable[[int], None]) -> None:
        self.db = db
        self.wait_for = wait_for

    def recent(
        self,
        *,
        actor: Principal,
        events: Iterable[str] | None = None,
        limit: int = 20,
        min_position: int = 0,
    ) -> list[dict[str, Any]]:
        """Newest first; `events` are qualified names (`Request.Placed`), None for all.

        Anyone who reads requests sees the station's activity; per-account trails with
        their records stay behind the audit right (projections.review)."""
        actor.require(Permission.REQUESTS_READ)
        check_page(0, limit)
        self.wait_for(min_position)
        query = sa.select(
            timeline.c.position, timeline.c.stamped_at, timeline.c.actor, timeline.c.event
        )
        if events is not None:
            query = query.where(timeline.c.event.in_(list(events)))
        query = query.order_by(timeline.c.position.desc()).limit(limit)
        with self.db.read.connect() as conn:
            return [r._asdict() for r in conn.execute(query)]
