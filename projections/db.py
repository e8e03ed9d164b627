"""SQLAlchemy engines and tables for the read models and the side stores.

SQLite gets two engines on the same file: writers open with BEGIN IMMEDIATE, so two
processes advancing a view serialize at the start of their transaction instead of
failing on a lock upgrade; readers use plain deferred transactions and never block in
WAL mode. Every connection runs with a 30 s busy timeout and synchronous=FULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from projections.config import Settings

metadata = sa.MetaData()

tracking = sa.Table(
    "yimai_tracking",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

#: The shape each read model's tables were created with: when the code's shape differs,
#: the read model's tables are made anew and rebuilt from the events.
read_schemas = sa.Table(
    "yimai_read_schemas",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite has no time zones)."""

    impl = sa.String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


@dataclass
class Database:
    """The read side's engines for one configured database."""

    settings: Settings
    write: Engine
    read: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.settings.is_sqlite

    def dispose(self) -> None:
        self.write.dispose()
        if self.read is not self.write:
            self.read.dispose()


def _sqlite_engine(settings: Settings, *, immediate: bool) -> Engine:
    engine = sa.create_engine(
        settings.sqlalchemy_url,
        connect_args={"timeout": 30, "check_same_thread": False},
        # Parameters hold names and phones: keep them out of error messages and logs.
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # What a read model or side store deletes or rewrites is zeroed in its page, so an
        # erased person's opened fields and keys do not linger in free space.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_database(settings: Settings) -> Database:
    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return Database(
            settings,
            _sqlite_engine(settings, immediate=True),
            _sqlite_engine(settings, immediate=False),
        )
    engine = sa.create_engine(
        settings.sqlalchemy_url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        hide_parameters=True,
    )
    return Database(settings, engine, engine)


def create_schema(db: Database) -> None:
    """Create every read-model and side table, once, under the write lock."""
    with db.write.begin() as conn:
        if not db.is_sqlite:
            # Two processes creating tables at once would race on the catalogue.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7041)"))
        metadata.create_all(conn)
