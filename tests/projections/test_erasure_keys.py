"""Destroying a person's key: no process opens them again, no new key is made for them,
and on SQLite the key's bytes leave the database file and its write-ahead log."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from domain.access import Principal
from domain.personal import ERASED
from domain.privacy import ErasedError
from projections.stores import SQLKeyStore, subject_keys
from projections.system import System
from tests.conftest import ADMIN_PASSWORD, Org, Prepared, make_system, member_draft, open_org


def key_of(system: System, subject: UUID) -> bytes:
    with system.db.read.connect() as conn:
        key: bytes = conn.execute(
            sa.select(subject_keys.c.key).where(subject_keys.c.subject_id == subject)
        ).scalar_one()
    return key


def test_a_key_destroyed_by_one_process_is_not_used_by_another(prepared: Prepared) -> None:
    here, staff, org = prepared.system, prepared.staff, prepared.org
    member = here.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    there = make_system(prepared.url)  # another process: an API worker, a terminal
    try:
        assert there.app.get_member(member, actor=staff.clerk).name == "张三"
        here.app.erase_person(member, "本人申请", actor=staff.admin)
        # The other process opened her a moment ago; it cannot any more.
        detail = there.app.get_member(member, actor=staff.clerk)
        assert detail.erased and detail.name == ERASED
    finally:
        there.shutdown()


def test_no_new_key_is_ever_made_for_an_erased_subject(system: System) -> None:
    keys = SQLKeyStore(system.db, system.secrets)
    subject, other = uuid4(), uuid4()
    keys.get_or_create_key(subject)
    keys.get_or_create_key(other)
    assert keys.destroy_keys([subject, subject])
    assert keys.get_key(subject) is None
    with pytest.raises(ErasedError):
        keys.get_or_create_key(subject)
    with pytest.raises(ErasedError):
        SQLKeyStore(system.db, system.secrets).get_or_create_key(subject)
    assert keys.destroy_keys([subject])  # again: nothing left to do, no error
    assert len(keys.get_or_create_key(other)) == 32  # the others are untouched


# -- the bytes in the file (SQLite) -------------------------------------------------------


def files_of(db: Path) -> dict[str, bytes]:
    """The database file and its -wal and -shm companions, as they are on disk."""
    found = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            found[path.name] = path.read_bytes()
    return found


def holding(files: dict[str, bytes], needle: bytes) -> list[str]:
    return [name for name, data in files.items() if needle in data]


def stored_state(db: Path, aggregate: UUID) -> bytes:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 1",
            (aggregate.hex,),
        ).fetchone()
    finally:
        conn.close()
    return bytes(row[0])


def secure_delete_off(system: System) -> None:
    """Connections start with secure_delete off, as SQLite builds do unless compiled with
    SQLITE_SECURE_DELETE (Debian's has it on): the key store must not rely on it."""
    system.db.write.dispose()

    @event.listens_for(system.db.write, "connect", insert=True)
    def _off(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA secure_delete=OFF")


@pytest.mark.parametrize("build", ["as built", "secure_delete off"])
def test_an_erased_key_is_gone_from_the_sqlite_files(tmp_path: Path, build: str) -> None:
    db = tmp_path / "yimai.db"
    system = make_system(f"sqlite:///{db}")
    try:
        if build == "secure_delete off":
            secure_delete_off(system)
        system.initialize("admin", ADMIN_PASSWORD)
        admin = system.app.authenticate("admin", ADMIN_PASSWORD)
        org = open_org(system, admin)
        people = register_some(system, admin, org)
        erased, kept = people[3], people[4]
        key, other_key = key_of(system, erased), key_of(system, kept)
        system.runner.catch_up()

        receipt = system.erase_person(erased, "本人申请删除", actor=admin)

        assert receipt.purged
        # The read models have blanked her name and phone, and those bytes are gone too.
        opened = ["成员3".encode(), b"13800000003"]
        assert [holding(files_of(db), b) for b in opened] == [[], []]
        # While every process still has the file open: neither the file nor the log
        # holds the key; another member's key is found where keys are (the search works).
        files = files_of(db)
        assert holding(files, key) == []
        assert holding(files, other_key) != []
        system.runner.catch_up()
    finally:
        system.shutdown()
    files = files_of(db)
    assert holding(files, key) == []
    assert [holding(files, b) for b in opened] == [[], []]
    assert holding(files, "成员4".encode()) == [db.name]
    assert holding(files, other_key) == [db.name]
    # Her events are still there, byte for byte, and their sealed fields with them.
    assert holding(files, stored_state(db, erased)) == [db.name]


def register_some(system: System, admin: Principal, org: Org) -> list[UUID]:
    """Eight members, so the erased key shares its page with others."""
    return [
        system.app.register_member(
            member_draft(org.branch, name=f"成员{i}", phone=f"1380000{i:04d}"), actor=admin
        ).id
        for i in range(8)
    ]


def test_a_checkpoint_held_up_by_a_reader_is_reported_without_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "yimai.db"
    system = make_system(f"sqlite:///{db}")
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        system.initialize("admin", ADMIN_PASSWORD)
        admin = system.app.authenticate("admin", ADMIN_PASSWORD)
        org = open_org(system, admin)
        member = register_some(system, admin, org)[0]
        key = key_of(system, member)
        keys = system.app.personal.keys
        assert isinstance(keys, SQLKeyStore)
        keys.CHECKPOINT_TRIES, keys.CHECKPOINT_WAIT_MS = 1, 50
        # A reader in the middle of a read keeps the log's older pages in use.
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM yimai_subject_keys").fetchone()
        with caplog.at_level(logging.WARNING, logger="projections.stores"):
            receipt = system.app.erase_person(member, "本人申请", actor=admin)
        assert not receipt.purged
        assert system.app.get_member(member, actor=admin).erased  # erased all the same
        (record,) = [r for r in caplog.records if r.name == "projections.stores"]
        message = record.getMessage()
        assert "write-ahead log" in message
        assert str(member) not in message and member.hex not in message
        reader.execute("COMMIT")
        # The next erasure's checkpoint takes the earlier key's pages along.
        assert keys.destroy_keys([uuid4()])
        assert holding(files_of(db), key) == []
    finally:
        reader.close()
        system.shutdown()
