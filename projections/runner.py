"""A polling runner that any number of processes can run against one read model.

Each batch of events is applied and the view's position advanced in ONE transaction,
and the position moves by compare-and-set, so an event is applied exactly once even
when two processes catch up at the same time (eventsourcing's ProjectionRunner needs
subscriptions, which SQLite lacks; see docs/decisions.md).

Views that stand at the same position advance together: one read of the log, one
decoding of each event, one transaction that moves every one of their tracking rows by
compare-and-set. Handlers do not execute statements: they write rows into a `Changes`
buffer, which keeps the batch's rows in memory and writes them with one executemany per
table and statement shape just before the commit.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification
from sqlalchemy.engine import Connection

from domain.application import Yimai
from projections.db import Database, read_schemas, tracking
from projections.history import VALID_FROM, VALID_TO, history_of, history_rows, key_column

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: Keys per `IN (…)` when rows are read in bulk (SQLite allows 32,766 parameters).
_IN_CHUNK = 500
_ROW_KEY = "row_key_"


class Changes:
    """The rows one batch writes, kept in memory and written in bulk before its commit.

    Handlers `insert` rows and `update` them by key (a table's single primary-key column,
    or the unique column named by `table.info["row_key"]`). The tables end exactly as if
    every statement had run one by one, in order:

    - an update of a row inserted by the same batch changes that row before it is written;
    - the updates of a row that existed before the batch merge into one UPDATE holding the
      last value of each column (an update of a row that does not exist changes nothing,
      as in SQL, and is dropped if the batch then inserts that row);
    - `row()` answers from the batch first and reads the database only for a row the batch
      has not seen yet (`load()` reads many at once), so a handler never reads around
      what the batch has written but not yet flushed.

    `flush()` writes each table's inserts in event order with one executemany per set of
    columns, then its updates with one executemany per set of changed columns, from
    statements built once. Inserts come before updates, which is safe because an update
    held here only ever targets a row that existed before the batch.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        #: Scratch space for the batch, for projections (e.g. keys read in bulk).
        self.memo: dict[str, Any] = {}
        #: The log position of the event being applied (the runner sets it): the
        #: history of temporal tables (`projections.history`) is kept by it.
        self.position = 0
        self._tables: dict[sa.Table, _TableChanges] = {}

    def _of(self, table: sa.Table) -> _TableChanges:
        changes = self._tables.get(table)
        if changes is None:
            changes = self._tables[table] = _TableChanges(table)
        return changes

    def insert(self, table: sa.Table, **row: Any) -> None:
        t = self._of(table)
        key = row[t.key]
        if key in t.known:
            raise sa.exc.IntegrityError(
                f"INSERT INTO {table.name}", None, ValueError("the row already exists")
            )
        t.updated.pop(key, None)
        t.inserted[key] = t.known[key] = row
        if t.images is not None:
            # Whatever the batch "updated" before the row existed changed nothing.
            t.images[key] = [(self.position, dict(row))]
            t.needs_base.discard(key)

    def update(self, table: sa.Table, key: Any, **values: Any) -> None:
        t = self._of(table)
        if t.images is not None:
            self._remember(t, key, values)
        row = t.inserted.get(key)
        if row is not None:
            row.update(values)
            return
        t.updated.setdefault(key, {}).update(values)
        loaded = t.known.get(key)
        if loaded is not None:
            loaded.update(values)

    def _remember(self, t: _TableChanges, key: Any, values: Mapping[str, Any]) -> None:
        """Note the row's state after this event (for a row from before the batch, only
        what the batch changed: `_history` adds the rest)."""
        assert t.images is not None
        images = t.images.get(key)
        if images is None:
            t.images[key] = [(self.position, dict(values))]
            t.needs_base.add(key)
        elif images[-1][0] == self.position:
            images[-1][1].update(values)
        else:
            images.append((self.position, {**images[-1][1], **values}))

    def _history(self, t: _TableChanges) -> None:
        """Write the states the batch's events gave the table's rows into its history,
        closing each row's state from before the batch. Runs before the table's own
        writes, so rows from before the batch are still read as they were."""
        assert t.images is not None and t.history is not None
        bases: dict[Any, dict[str, Any]] = {}
        wanted = list(t.needs_base)
        for i in range(0, len(wanted), _IN_CHUNK):
            found = self.conn.execute(t.sql.select, {"keys": wanted[i : i + _IN_CHUNK]})
            bases.update((r[t.key], dict(r)) for r in found.mappings())
        new: list[dict[str, Any]] = []
        closed: list[dict[str, Any]] = []
        for key, images in t.images.items():
            if key in t.needs_base:
                base = bases.get(key)
                if base is None:  # an update of no row: it changed nothing
                    continue
                images = [(p, {**base, **image}) for p, image in images]
                closed.append({"key_": key, "until_": images[0][0]})
            new += history_rows(t.table, images)
        if closed:
            executemany(self.conn, t.close_history, closed)
        if new:
            executemany(self.conn, t.history_insert, new)

    def load(self, table: sa.Table, keys: Iterable[Any]) -> None:
        """Read the rows with these keys that the batch has not seen yet, in bulk."""
        t = self._of(table)
        wanted = [k for k in dict.fromkeys(keys) if k not in t.known and k not in t.absent]
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            found = self.conn.execute(t.sql.select, {"keys": chunk}).mappings().all()
            for r in found:
                row = dict(r)
                row.update(t.updated.get(row[t.key], ()))
                t.known[row[t.key]] = row
            t.absent.update(k for k in chunk if k not in t.known)

    def row(self, table: sa.Table, key: Any) -> Mapping[str, Any]:
        """The row as the batch has left it so far; LookupError when there is none."""
        t = self._of(table)
        row = t.known.get(key)
        if row is None:
            self.load(table, (key,))
            row = t.known.get(key)
            if row is None:
                raise LookupError(f"{table.name}: no row {key}")
        return row

    def flush(self) -> None:
        for t in self._tables.values():
            if t.images:
                self._history(t)
            run: list[dict[str, Any]] = []
            shape: tuple[str, ...] = ()
            for row in t.inserted.values():
                if tuple(row) != shape and run:
                    executemany(self.conn, t.sql.insert, run)
                    run = []
                shape = tuple(row)
                run.append(row)
            if run:
                executemany(self.conn, t.sql.insert, run)
            by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for key, values in t.updated.items():
                if values:
                    by_shape.setdefault(tuple(sorted(values)), []).append({**values, _ROW_KEY: key})
            for params in by_shape.values():
                executemany(self.conn, t.sql.update, params)
        self._tables.clear()


#: Statements compiled once per dialect and set of columns: (SQL, parameter order, each
#: parameter's bind processor).
_COMPILED: dict[
    tuple[Any, str, tuple[str, ...]], tuple[str, Sequence[str] | None, dict[str, Any]]
] = {}


def executemany(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Run `statement` once per row (all rows of one shape), as SQLAlchemy would, without
    its per-row bookkeeping: the statement is compiled once, each value goes through
    its type's bind processor, and the driver's executemany gets plain tuples (or dicts).
    Read models write tens of thousands of rows per batch in a rebuild; this halves the
    time spent outside the database."""
    if not rows:
        return
    dialect = conn.dialect
    shape = tuple(rows[0])
    found = _COMPILED.get((statement, dialect.name, shape))
    if found is None:
        compiled = statement.compile(dialect=dialect, column_keys=list(shape))
        processors = {k: p for k, p in compiled._bind_processors.items() if p is not None}
        order: Sequence[str] | None = list(compiled.positiontup) if compiled.positional else None
        found = _COMPILED[(statement, dialect.name, shape)] = (compiled.string, order, processors)
    sql, order, processors = found
    if order is not None:
        params: list[Any] = [
            tuple(
                processors[n](row[n]) if n in processors and row[n] is not None else row[n]
                for n in order
            )
            for row in rows
        ]
    else:
        params = [
            {
                n: processors[n](value) if n in processors and value is not None else value
                for n, value in row.items()
            }
            for row in rows
        ]
    conn.exec_driver_sql(sql, params)


@dataclass(frozen=True)
class _Statements:
    """A table's bulk statements, built once; SQLAlchemy caches their compiled forms."""

    key: sa.Column[Any]
    insert: sa.Insert
    update: sa.Update
    select: sa.Select[Any]

    @classmethod
    def of(cls, table: sa.Table) -> _Statements:
        built = _STATEMENTS.get(table)
        if built is None:
            key = key_column(table)
            built = _STATEMENTS[table] = cls(
                key,
                table.insert(),
                table.update().where(key == sa.bindparam(_ROW_KEY)),
                sa.select(table).where(key.in_(sa.bindparam("keys", expanding=True))),
            )
        return built


_STATEMENTS: dict[sa.Table, _Statements] = {}


class _TableChanges:
    """One table's share of a batch."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.sql = _Statements.of(table)
        self.key = self.sql.key.key
        #: For a temporal table: each touched row's states, by event position, and the
        #: rows from before the batch whose other columns must be read.
        self.history = history_of(table)
        self.images: dict[Any, list[tuple[int, dict[str, Any]]]] | None = (
            {} if self.history is not None else None
        )
        self.needs_base: set[Any] = set()
        if self.history is not None:
            self.history_insert = self.history.insert()
            hkey = self.history.c[self.key]
            self.close_history = (
                self.history.update()
                .where(
                    hkey == sa.bindparam("key_"),
                    self.history.c[VALID_TO].is_(None),
                    self.history.c[VALID_FROM] < sa.bindparam("until_"),
                )
                .values({VALID_TO: sa.bindparam("until_")})
            )
        #: Every row the batch knows, as it stands: inserted here or read (and updated).
        self.known: dict[Any, dict[str, Any]] = {}
        self.inserted: dict[Any, dict[str, Any]] = {}
        #: Column values set on rows that existed before the batch.
        self.updated: dict[Any, dict[str, Any]] = {}
        #: Keys read and not found.
        self.absent: set[Any] = set()


#: What a read model does with one event: write its rows into the batch's `Changes`.
Handler = Callable[["Changes", Any, int], None]


class Projection:
    """A read model: tables, the event types it reads, and how each changes the rows."""

    name: str = ""
    tables: Sequence[sa.Table] = ()
    #: Event class names (qualnames like "Member.Registered") this view reads; empty: all.
    handles: frozenset[str] = frozenset()

    def wants(self, topic: str) -> bool:
        return not self.handles or topic.rsplit(":", 1)[-1] in self.handles

    def prepare(self, changes: Changes, batch: Sequence[tuple[DomainEvent, int]]) -> None:
        """Called once per batch, before `apply`, with the events this view will apply:
        read in bulk what the handlers will need (`changes.load`)."""

    def handle_with(self, handlers: Mapping[str, Handler]) -> None:
        """Read exactly these event types, each with its handler (which `apply` calls)."""
        self._handlers = dict(handlers)
        self.handles = frozenset(handlers)

    def apply(self, changes: Changes, event: DomainEvent, position: int) -> None:
        """Write the event's rows into `changes`; read rows only through it. By default,
        the handler given to `handle_with` for the event's type does."""
        handlers: dict[str, Handler] | None = getattr(self, "_handlers", None)
        if handlers is None:
            raise NotImplementedError
        handlers[type(event).__qualname__](changes, event, position)


def fingerprint(tables: Iterable[sa.Table]) -> str:
    """A digest of tables' names, columns, types, keys and indexes."""
    parts = []
    for table in tables:
        parts.append(f"table {table.name}")
        for c in table.columns:
            parts.append(f"  {c.name} {c.type!r} null={c.nullable} pk={c.primary_key}")
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            cols = ",".join(c.name for c in index.columns)
            parts.append(f"  index {index.name} ({cols}) unique={index.unique}")
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                parts.append(f"  unique ({','.join(c.name for c in constraint.columns)})")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class _Raced(Exception):
    """Another process advanced the view first; re-read and try again."""


class Follower:
    """Calls `catch_up()` every `interval` seconds in a background thread, backing off
    (up to 10 s) while it fails; a failure is logged by its kind only, never its
    contents (they may quote events)."""

    #: The thread's name, and what a failure log line says could not catch up.
    thread_name = "yimai-follower"
    following = "the follower"

    _stop: threading.Event
    _thread: threading.Thread | None

    def catch_up(self) -> Any:
        raise NotImplementedError

    def follow_once(self) -> None:
        """What the thread does every interval: catch up."""
        self.catch_up()

    def start(self, interval: float = 0.5) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._follow, args=(interval,), name=self.thread_name, daemon=True
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
                self.follow_once()
                delay = interval
            except Exception as error:  # keep following
                log.warning("%s could not catch up: %s", self.following, type(error).__name__)
                delay = min(delay * 2, 10.0)
            self._stop.wait(delay)


class Runner(Follower):
    """Catches read models up with the event log, in batches, from any process."""

    thread_name = "yimai-runner"
    following = "read models"

    def __init__(
        self,
        app: Yimai,
        db: Database,
        projections: Iterable[Projection],
        batch_size: int = 500,
        rebuild_batch_size: int = 2000,
    ) -> None:
        self.app = app
        self.db = db
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        #: A rebuild replays the whole log: larger batches, still short transactions.
        self.rebuild_batch_size = rebuild_batch_size
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[int], None]] = []
        self._wanted: dict[tuple[str, str], bool] = {}
        #: The read models' position the listeners were last told of (None: not yet read).
        self._told: int | None = None

    # -- positions -----------------------------------------------------------------

    def ensure_tracking(self) -> None:
        """A tracking row per view; a view whose tables' shape changed since they were
        created (a new release) gets new, empty tables and starts again from event 1."""
        with self.db.write.begin() as conn:
            if not self.db.is_sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7041)"))
            known = set(conn.execute(sa.select(tracking.c.name)).scalars())
            shapes: dict[str, str] = {
                row.name: row.fingerprint
                for row in conn.execute(sa.select(read_schemas.c.name, read_schemas.c.fingerprint))
            }
            for name, projection in self.projections.items():
                shape = fingerprint(projection.tables)
                if name not in known:
                    conn.execute(tracking.insert().values(name=name, position=0))
                elif shapes.get(name) != shape:
                    log.warning("read model %s changed shape: rebuilding it", name)
                    for table in reversed(projection.tables):
                        table.drop(conn, checkfirst=True)
                    for table in projection.tables:
                        table.create(conn)
                    conn.execute(
                        tracking.update().where(tracking.c.name == name).values(position=0)
                    )
                if name not in shapes:
                    conn.execute(read_schemas.insert().values(name=name, fingerprint=shape))
                elif shapes[name] != shape:
                    conn.execute(
                        read_schemas.update()
                        .where(read_schemas.c.name == name)
                        .values(fingerprint=shape)
                    )

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
        """Apply new events to the named views (all by default); returns events applied
        (an event applied to two views counts twice)."""
        return self._catch_up(list(names or self.projections), until, progress, self.batch_size)

    def _catch_up(
        self, names: list[str], until: int | None, progress: Progress | None, batch_size: int
    ) -> int:
        selected = [self.projections[n] for n in dict.fromkeys(names)]
        applied = 0
        with self._lock:
            head = self.app.last_position()
            target = head if until is None else min(until, head)
            while True:
                positions = self.positions()
                behind = sorted({positions[p.name] for p in selected if positions[p.name] < target})
                if not behind:
                    break
                start = behind[0]
                # The views furthest behind go first, and stop where the next ones stand,
                # so that from there on they share their batches.
                stop = behind[1] if len(behind) > 1 else target
                group = [p for p in selected if positions[p.name] == start]
                try:
                    done, reached = self._advance(group, start, stop, batch_size)
                except _Raced:
                    continue
                applied += done * len(group)
                if progress:
                    progress(reached, target)
                if done == 0:
                    break
        self._tell(applied)
        return applied

    def _tell(self, applied: int) -> None:
        """Tell the listeners when the read models moved on: by this process's hand, or
        by another's (a second station, the API) that got to the new events first."""
        if not self._listeners:
            return
        reached = self.position()
        moved = reached - self._told if self._told is not None and reached > self._told else 0
        self._told = max(self._told or 0, reached)
        if applied or moved:
            for listener in list(self._listeners):
                listener(applied or moved)

    def _wants(self, projection: Projection, topic: str) -> bool:
        key = (projection.name, topic)
        wanted = self._wanted.get(key)
        if wanted is None:
            wanted = self._wanted[key] = projection.wants(topic)
        return wanted

    def _lock_positions(self, conn: Connection, names: Sequence[str]) -> dict[str, int]:
        """The views' positions, their tracking rows locked (PostgreSQL) in name order, so
        two processes locking several rows never wait on each other in a circle."""
        query = (
            sa.select(tracking.c.name, tracking.c.position)
            .where(tracking.c.name.in_(sorted(names)))
            .order_by(tracking.c.name)
        )
        if not self.db.is_sqlite:
            query = query.with_for_update()
        return {r.name: int(r.position) for r in conn.execute(query)}

    def _advance(
        self, group: Sequence[Projection], start: int, stop: int, batch_size: int
    ) -> tuple[int, int]:
        """Apply the next batch after `start` to every view of `group` (all at `start`)."""
        notifications: Sequence[Notification] = self.app.recorder.select_notifications(
            start=start, limit=batch_size, stop=stop, inclusive_of_start=False
        )
        if not notifications:
            return 0, start
        last = notifications[-1].id
        # Decoded before the write transaction begins, once for every view that wants it.
        batches: dict[str, list[tuple[DomainEvent, int]]] = {p.name: [] for p in group}
        decode = self.app.mapper.to_domain_event
        for n in notifications:
            wanting = [p.name for p in group if self._wants(p, n.topic)]
            if wanting:
                event: DomainEvent = decode(n)  # type: ignore[assignment]
                for name in wanting:
                    batches[name].append((event, n.id))
        names = [p.name for p in group]
        with self.db.write.begin() as conn:
            current = self._lock_positions(conn, names)
            if any(current.get(name) != start for name in names):
                raise _Raced
            changes = Changes(conn)
            for projection in group:
                batch = batches[projection.name]
                if batch:
                    projection.prepare(changes, batch)
                    for event, position in batch:
                        changes.position = position
                        projection.apply(changes, event, position)
            changes.flush()
            moved = conn.execute(
                tracking.update()
                .where(tracking.c.name.in_(names), tracking.c.position == start)
                .values(position=last)
            ).rowcount
            if moved != len(names):
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
        selected = list(dict.fromkeys(names or self.projections))
        for name in selected:
            if name not in self.projections:
                raise KeyError(name)
        with self._lock:
            with self.db.write.begin() as conn:
                self._lock_positions(conn, selected)
                for name in selected:
                    for table in reversed(self.projections[name].tables):
                        conn.execute(table.delete())
                conn.execute(
                    tracking.update().where(tracking.c.name.in_(selected)).values(position=0)
                )
            return self._catch_up(selected, None, progress, self.rebuild_batch_size)

    # -- following in the background ---------------------------------------------------

    def on_applied(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(count)` (from the runner's thread) once the read models have
        moved on, whichever process applied the events; returns a function that stops
        the calls."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe


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
