"""The event store: eventsourcing's own SQLite and PostgreSQL recorders, plus a commit index.

The recorders are the library's own (faster than eventsourcing-sqlalchemy here; see
docs/decisions.md). Each insert transaction also writes one row to `yimai_commits`:
the last position it wrote and the time, taken while the transaction holds the log's
write lock, so commit times never decrease along the log. "As of T" is the prefix of
the log up to the last commit at or before T.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import RecordConflictError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from projections.config import Settings

COMMITS_TABLE = "yimai_commits"


def _real_now() -> datetime:
    return datetime.now(UTC)


class _CommitClock:
    """The commit index's clock: the Application's clock (real time, or a backfill's
    simulated time), never earlier than the last commit already indexed, so commit times
    never decrease along the log even when a clock steps back."""

    clock: Callable[[], datetime] = staticmethod(_real_now)

    def _commit_time(self, last: str | None) -> str:
        now = self.clock().astimezone(UTC).isoformat(timespec="microseconds")
        return max(now, last) if last else now


def _check_unchanged(found: Any, aggregate_id: Any, expected: int | None) -> None:
    """A save that read an aggregate without changing it (e.g. "the year is still open")
    says so with `unchanged={id: version}`; if that aggregate has moved on by the time the
    save holds the log's write lock, the save fails as a conflict and the command is
    retried against what is there now."""
    if found != expected:
        raise RecordConflictError(
            f"aggregate {aggregate_id} is at version {found}, the command read {expected}"
        )


class CommitIndexedSQLiteRecorder(_CommitClock, SQLiteApplicationRecorder):
    """The library's SQLite recorder, writing a commit-index row in each transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {COMMITS_TABLE} ("
            "position INTEGER PRIMARY KEY, committed_at TEXT NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        # The insert holds SQLite's write lock: what is read now is the latest.
        for aggregate_id, expected in (kwargs.get("unchanged") or {}).items():
            c.execute(
                f"SELECT MAX(originator_version) FROM {self.events_table_name} "
                "WHERE originator_id = ?",
                (aggregate_id.hex,),
            )
            _check_unchanged(c.fetchone()[0], aggregate_id, expected)
        if ids:
            c.execute(f"SELECT committed_at FROM {COMMITS_TABLE} ORDER BY position DESC LIMIT 1")
            last = c.fetchone()
            c.execute(
                f"INSERT INTO {COMMITS_TABLE} (position, committed_at) VALUES (?, ?)",
                (ids[-1], self._commit_time(last[0] if last else None)),
            )
        return ids


class CommitIndexedPostgresRecorder(_CommitClock, PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, writing a commit-index row in each transaction.

    The insert holds the library's EXCLUSIVE lock on the events table, so the time is
    taken in commit order.
    """

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        from psycopg.sql import SQL, Identifier

        self._commits = Identifier(self.datastore.schema or "public", COMMITS_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "position bigint PRIMARY KEY, committed_at text NOT NULL)"
            ).format(self._commits)
        )
        self._insert_commit = SQL("INSERT INTO {} (position, committed_at) VALUES (%s, %s)").format(
            self._commits
        )
        self._last_commit = SQL(
            "SELECT committed_at FROM {} ORDER BY position DESC LIMIT 1"
        ).format(self._commits)
        self._select_version = SQL(
            "SELECT max(originator_version) AS max FROM {} WHERE originator_id = %s"
        ).format(Identifier(self.datastore.schema or "public", events_table_name))

    def create_table(self) -> None:
        """One process at a time: two creating the schema at once race on PostgreSQL's
        catalogue ("tuple concurrently updated"), so a session advisory lock, held on a
        connection of its own while the library creates its tables, orders them."""
        import psycopg

        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        params = {k: v for k, v in kwargs.items() if k != "row_factory"}
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(7042)")
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(7042)")

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        unchanged = kwargs.get("unchanged") or {}
        if unchanged:
            # Under the library's EXCLUSIVE lock no other insert can commit meanwhile.
            self._lock_table(curs)
            for aggregate_id, expected in unchanged.items():
                curs.execute(self._select_version, (aggregate_id,))
                row = curs.fetchone()
                _check_unchanged(row["max"] if row else None, aggregate_id, expected)
        super()._insert_stored_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            curs.execute(self._last_commit)
            last = curs.fetchone()
            at = self._commit_time(last["committed_at"] if last else None)
            curs.execute(self._insert_commit, (max(ids), at))
        return ids


def eventsourcing_env(settings: Settings, *, create_tables: bool = True) -> dict[str, str]:
    """The eventsourcing library's environment for the configured database."""
    env = {"CREATE_TABLE": "y" if create_tables else "n"}
    if settings.is_sqlite:
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(settings.sqlite_path),
            SQLITE_LOCK_TIMEOUT="30",
            APPLICATION_RECORDER_TOPIC=f"{__name__}:CommitIndexedSQLiteRecorder",
        )
        return env
    url = settings.url
    env.update(
        PERSISTENCE_MODULE="eventsourcing.postgres",
        POSTGRES_DBNAME=url.database or "postgres",
        POSTGRES_HOST=url.host or "127.0.0.1",
        POSTGRES_PORT=str(url.port or 5432),
        POSTGRES_USER=url.username or "postgres",
        POSTGRES_PASSWORD=url.password or "",
        POSTGRES_LOCK_TIMEOUT="30",
        APPLICATION_RECORDER_TOPIC=f"{__name__}:CommitIndexedPostgresRecorder",
    )
    return env
