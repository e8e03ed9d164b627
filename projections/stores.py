"""Side stores beside the events: per-subject keys (and the erased subjects' tombstones),
secrets, passwords, login failures.

These rows may change or be deleted (a destroyed key is an erasure; a password is
replaced); that is why they are not events. Nothing here is ever logged.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.privacy import ErasedError
from projections.db import Database, UTCDateTime, metadata

log = logging.getLogger(__name__)

subject_keys = sa.Table(
    "yimai_subject_keys",
    metadata,
    sa.Column("subject_id", sa.Uuid, primary_key=True),
    sa.Column("key", sa.LargeBinary(32), nullable=False),
)

#: Subjects whose key was destroyed: no new key is ever made for them (ids only).
erased_subjects = sa.Table(
    "yimai_erased_subjects",
    metadata,
    sa.Column("subject_id", sa.Uuid, primary_key=True),
    sa.Column("erased_at", UTCDateTime, nullable=False),
)

secrets_table = sa.Table(
    "yimai_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
)

credentials = sa.Table(
    "yimai_credentials",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
)

login_failures = sa.Table(
    "yimai_login_failures",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Float, nullable=False),
)


class SecretStore:
    """Named random secrets, created once and shared by every process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, bytes] = {}

    def get(self, name: str, size: int = 32) -> bytes:
        if name in self._cache:
            return self._cache[name]
        with self.db.read.connect() as conn:
            value = conn.execute(
                sa.select(secrets_table.c.value).where(secrets_table.c.name == name)
            ).scalar()
        if value is None:
            # Several processes may ask for a new secret at once (PostgreSQL does not
            # serialize them as SQLite's BEGIN IMMEDIATE does): the first insert wins
            # and everyone reads the winner.
            insert = sqlite_insert if self.db.is_sqlite else postgresql_insert
            with self.db.write.begin() as conn:
                conn.execute(
                    insert(secrets_table)
                    .values(name=name, value=os.urandom(size))
                    .on_conflict_do_nothing(index_elements=[secrets_table.c.name])
                )
                value = conn.execute(
                    sa.select(secrets_table.c.value).where(secrets_table.c.name == name)
                ).scalar_one()
        self._cache[name] = value
        return value


class SQLKeyStore:
    """Per-subject AES-256 keys in their own table; destroying a key erases a person.

    Keys are read from the table every time, never cached: once another process erases
    a person, this one can no longer open them either (measured: no cost on a rebuild,
    whose projections read a batch's keys in one query; docs/decisions.md §11).
    A destroyed key leaves a tombstone, so no new key is ever made for that subject.
    On SQLite every connection runs with `secure_delete` on (`projections.db`), so a
    deleted key's bytes are zeroed in the page, and the write-ahead log is then
    checkpointed and truncated,
    so no older copy of the page survives in the files.
    """

    #: How often a checkpoint blocked by readers is tried again, and how long each waits.
    CHECKPOINT_TRIES = 3
    CHECKPOINT_WAIT_MS = 2000

    def __init__(self, db: Database, secrets_: SecretStore) -> None:
        self.db = db
        self.secrets = secrets_

    def get_key(self, subject_id: UUID) -> bytes | None:
        with self.db.read.connect() as conn:
            key: bytes | None = conn.execute(
                sa.select(subject_keys.c.key).where(subject_keys.c.subject_id == subject_id)
            ).scalar()
        return key

    def get_or_create_key(self, subject_id: UUID) -> bytes:
        key = self.get_key(subject_id)
        if key is not None:
            return key
        with self.db.write.begin() as conn:
            key = conn.execute(
                sa.select(subject_keys.c.key).where(subject_keys.c.subject_id == subject_id)
            ).scalar()
            if key is None:
                tombstone = conn.execute(
                    sa.select(erased_subjects.c.subject_id).where(
                        erased_subjects.c.subject_id == subject_id
                    )
                ).first()
                if tombstone is not None:
                    raise ErasedError()
                key = AESGCM.generate_key(bit_length=256)
                conn.execute(subject_keys.insert().values(subject_id=subject_id, key=key))
        return key

    def destroy_key(self, subject_id: UUID) -> None:
        self.destroy_keys([subject_id])

    def destroy_keys(self, subject_ids: Sequence[UUID]) -> bool:
        """Delete the keys and leave tombstones, in one transaction; then make the deleted
        bytes leave the files. True when they have (SQLite: the log is truncated;
        PostgreSQL: the key table is vacuumed), False when a checkpoint must wait."""
        wanted = list(dict.fromkeys(subject_ids))
        if not wanted:
            return True
        now = datetime.now(UTC)
        with self.db.write.begin() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                conn.execute(subject_keys.delete().where(subject_keys.c.subject_id.in_(chunk)))
                known = set(
                    conn.execute(
                        sa.select(erased_subjects.c.subject_id).where(
                            erased_subjects.c.subject_id.in_(chunk)
                        )
                    ).scalars()
                )
                fresh = [{"subject_id": s, "erased_at": now} for s in chunk if s not in known]
                if fresh:
                    conn.execute(erased_subjects.insert(), fresh)
        return self._purge()

    def purge(self) -> bool:
        """Make deleted bytes leave the storage files now (see `destroy_keys`)."""
        return self._purge()

    def _purge(self) -> bool:
        if self.db.is_sqlite:
            return self._checkpoint()
        try:
            # VACUUM runs outside a transaction. Best effort: it frees the dead rows' space
            # for reuse; PostgreSQL's own write-ahead log and backups keep them until they
            # are recycled (docs/decisions.md §11).
            with self.db.write.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    f"VACUUM {subject_keys.name}"
                )
        except sa.exc.DBAPIError as error:
            log.warning("erasure: the key table could not be vacuumed (%s)", type(error).__name__)
            return False
        return True

    def _checkpoint(self) -> bool:
        """Copy the log into the database file and truncate it, so the pages that held
        the key are nowhere but zeroed; readers in the middle of a read hold it up."""
        raw = self.db.write.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"PRAGMA busy_timeout={self.CHECKPOINT_WAIT_MS}")
            try:
                for _ in range(self.CHECKPOINT_TRIES):
                    busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if not busy:
                        return True
                    time.sleep(self.CHECKPOINT_WAIT_MS / 1000)
            finally:
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()
        finally:
            raw.close()
        log.warning(
            "erasure: the write-ahead log is still in use; destroyed keys leave the file "
            "at the next checkpoint"
        )
        return False

    def pepper(self) -> bytes:
        return self.secrets.get("identity_pepper")


class SQLCredentialStore:
    """Argon2 password hashes and a failed-login window per user name."""

    def __init__(
        self,
        db: Database,
        window_seconds: int = 900,
        *,
        time_cost: int = 3,
        memory_kib: int = 65536,
    ) -> None:
        self.db = db
        self.window = window_seconds
        self.hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))
        self._dummy_hash: str | None = None

    @property
    def _dummy(self) -> str:
        """A hash to verify against for unknown users, so timing stays uniform.

        Made on first use: hashing costs a tenth of a second or more, and most
        processes (a CLI command, a worker) never check a password.
        """
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(8))
        return self._dummy_hash

    def set_password(self, username: str, password: str) -> None:
        row = {"password_hash": self.hasher.hash(password), "changed_at": datetime.now(UTC)}
        with self.db.write.begin() as conn:
            updated = conn.execute(
                credentials.update().where(credentials.c.username == username).values(**row)
            ).rowcount
            if not updated:
                conn.execute(credentials.insert().values(username=username, **row))

    def verify_password(self, username: str, password: str) -> bool:
        # Made before the lookup, so the first login of a process costs the same
        # whether or not the user exists.
        dummy = self._dummy
        with self.db.read.connect() as conn:
            stored = conn.execute(
                sa.select(credentials.c.password_hash).where(credentials.c.username == username)
            ).scalar()
        if stored is None:
            self.hasher.verify(password, dummy)
            return False
        return bool(self.hasher.verify(password, stored))

    def failures(self, username: str) -> tuple[int, float]:
        with self.db.read.connect() as conn:
            row = conn.execute(
                sa.select(login_failures.c.failures, login_failures.c.window_start).where(
                    login_failures.c.username == username
                )
            ).first()
        if row is None:
            return 0, 0.0
        remaining = row.window_start + self.window - time.time()
        return (row.failures, remaining) if remaining > 0 else (0, 0.0)

    def record_failure(self, username: str) -> None:
        now = time.time()
        with self.db.write.begin() as conn:
            row = conn.execute(
                sa.select(login_failures.c.failures, login_failures.c.window_start).where(
                    login_failures.c.username == username
                )
            ).first()
            if row is None:
                conn.execute(
                    login_failures.insert().values(username=username, failures=1, window_start=now)
                )
            elif row.window_start + self.window < now:
                conn.execute(
                    login_failures.update()
                    .where(login_failures.c.username == username)
                    .values(failures=1, window_start=now)
                )
            else:
                conn.execute(
                    login_failures.update()
                    .where(login_failures.c.username == username)
                    .values(failures=login_failures.c.failures + 1)
                )

    def clear_failures(self, username: str) -> None:
        with self.db.write.begin() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.username == username))
