"""A polling runner that any number of processes can run against one read model.

Each batch of events is applied and the view's position advanced in ONE transaction,
and the position moves by compare-and-set, so an event is applied exactly once even
when two processes catch up at the same time (eventsourcing's ProjectionRunner needs
subscriptions, which SQLite lacks; see docs/decisions.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification
from sqlalchemy.engine import Connection

from domain.application import Yimai
from projections.db import Database, tracking

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class Projection:
    """A read model: tables, the event types it reads, and how each changes the rows."""

    name: str = ""
    tables: Sequence[sa.Table] = ()
    #: Event class names (qualnames like "Member.Registered") this view reads; empty: all.
    handles: frozenset[str] = frozenset()

    def wants(self, topic: str) -> bool:
        return not self.handles or topic.rsplit(":", 1)[-1] in self.handles

    def apply(self, conn: Connection, event: DomainEvent, position: int) -> None:
        raise NotImplementedError


class _Raced(Exception):
    """Another process advanced the view first; re-read and try again."""


class Runner:
    """Catches read models up with the event log, in batches, from any process."""

    def __init__(
        self, app: Yimai, db: Database, projections: Iterable[Projection], batch_size: int = 500
    ) -> None:
        self.app = app
        self.db = db
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[int], None]] = []

    # -- positions -----------------------------------------------------------------

    def ensure_tracking(self) -> None:
        with self.db.write.begin() as conn:
            known = set(conn.execute(sa.select(tracking.c.name)).scalars())
            for name in self.projections:
                if name not in known:
                    conn.execute(tracking.insert().values(name=name, position=0))

    def positions(self) -> dict[str, int]:
        with self.db.read.connect() as conn:
            rows = conn.execute(sa.select(tracking.c.name, tracking.c.position)).all()
        found = {r.name: r.position for r in rows}
        return {name: found.get(name, 0) for name in self.projections}

    def position(self) -> int:
        """The position every read model has reached."""
        return min(self.positions().values(), default=0)

    # -- catching up -----------------------------------------------------------------

    def catch_up(
        self,
        names: Iterable[str] | None = None,
        *,
        until: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Apply new events to the named views (all by default); returns events applied."""
        selected = [self.projections[n] for n in (names or self.projections)]
        applied = 0
        with self._lock:
            head = self.app.last_position()
            target = head if until is None else min(until, head)
            for projection in selected:
                while True:
                    try:
                        done, reached = self._advance(projection, target)
                    except _Raced:
                        continue
                    applied += done
                    if progress:
                        progress(reached, target)
                    if reached >= target or done == 0:
                        break
        if applied:
            for listener in list(self._listeners):
                listener(applied)
        return applied

    def _current(self, conn: Connection, name: str, *, lock: bool) -> int:
        query = sa.select(tracking.c.position).where(tracking.c.name == name)
        if lock and not self.db.is_sqlite:
            query = query.with_for_update()
        value = conn.execute(query).scalar()
        return int(value or 0)

    def _advance(self, projection: Projection, target: int) -> tuple[int, int]:
        with self.db.read.connect() as conn:
            start = self._current(conn, projection.name, lock=False)
        if start >= target:
            return 0, start
        notifications: Sequence[Notification] = self.app.recorder.select_notifications(
            start=start, limit=self.batch_size, stop=target, inclusive_of_start=False
        )
        if not notifications:
            return 0, start
        last = notifications[-1].id
        with self.db.write.begin() as conn:
            if self._current(conn, projection.name, lock=True) != start:
                raise _Raced
            mapper = self.app.mapper
            for n in notifications:
                if projection.wants(n.topic):
                    projection.apply(conn, mapper.to_domain_event(n), n.id)  # type: ignore[arg-type]
            moved = conn.execute(
                tracking.update()
                .where(tracking.c.name == projection.name, tracking.c.position == start)
                .values(position=last)
            ).rowcount
            if moved != 1:
                raise _Raced
        return len(notifications), last

    def wait_for(self, position: int) -> None:
        """Return once every read model has applied the event at `position`."""
        if position and self.position() < position:
            self.catch_up(until=position)

    def rebuild(
        self, names: Iterable[str] | None = None, *, progress: Progress | None = None
    ) -> int:
        """Empty the named views and apply the whole log again, batch by batch."""
        selected = list(names or self.projections)
        for name in selected:
            if name not in self.projections:
                raise KeyError(name)
        with self._lock:
            with self.db.write.begin() as conn:
                for name in selected:
                    for table in reversed(self.projections[name].tables):
                        conn.execute(table.delete())
                    conn.execute(
                        tracking.update().where(tracking.c.name == name).values(position=0)
                    )
            return self.catch_up(selected, progress=progress)

    # -- following in the background ---------------------------------------------------

    def on_applied(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(count)` (from the runner's thread) after events were applied;
        returns a function that stops the calls."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def start(self, interval: float = 0.5) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._follow, args=(interval,), name="yimai-runner", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self._thread = None

    def _follow(self, interval: float) -> None:
        delay = interval
        while not self._stop.is_set():
            try:
                self.catch_up()
                delay = interval
            except Exception as error:  # keep following; never log event contents
                log.warning("read models could not catch up: %s", type(error).__name__)
                delay = min(delay * 2, 10.0)
            self._stop.wait(delay)


def rows(conn: Connection, table: sa.Table, order: Any) -> list[tuple[Any, ...]]:
    """Every row of a table in a stable order, for byte-for-byte comparisons."""
    return [tuple(r) for r in conn.execute(sa.select(table).order_by(order))]


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
