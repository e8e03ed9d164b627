"""Sealing: every event becomes one leaf, exactly once, whoever seals and however many."""

from __future__ import annotations

import dataclasses
import json
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from projections.config import ConfigError, Settings
from projections.runner import wait_until
from projections.seal import Frontier, checkpoints, create_signing_key, seal_leaves
from projections.system import System, open_system
from tests.conftest import Prepared, member_draft
from tests.seal.conftest import add_contacts, seal_settings
from verifier.yimai_verify import leaf_hash, root, verify_checkpoint

WORKER = Path(__file__).with_name("worker.py")


def run_together(tmp_path: Path, *argvs: list[str]) -> list[dict[str, Any]]:
    """Start one worker per argv, let them go at once, return their results."""
    go = tmp_path / f"go-{uuid4().hex}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), argv[0], str(go), *argv[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob(f"{go.name}.ready.*"))) < len(procs):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "database is locked" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def sealed_rows(system: System) -> list[tuple[int, int, bytes]]:
    with system.db.read.connect() as conn:
        return [
            (int(r.leaf_index), int(r.notification_id), bytes(r.leaf_hash))
            for r in conn.execute(sa.select(seal_leaves).order_by(seal_leaves.c.leaf_index))
        ]


def test_two_processes_sealing_at_once_seal_each_event_exactly_once(
    prepared: Prepared, tmp_path: Path
) -> None:
    every = 37
    add_contacts(prepared.system, prepared.staff, prepared.org, 600)
    head = prepared.system.app.last_position()
    prepared.system.shutdown()
    key = tmp_path / "signing.key"
    assert create_signing_key(key)

    results = run_together(
        tmp_path,
        [prepared.url, str(key), "10", str(every)],
        [prepared.url, str(key), "7", str(every)],
    )
    check = open_system(seal_settings(prepared.url, tmp_path, every))
    try:
        log = check.app.recorder.select_notifications(start=0, limit=head + 1)
        # Between them they sealed every event once; each saw the whole log sealed.
        assert sum(r["sealed"] for r in results) == len(log)
        assert all(r["position"] == head for r in results)
        rows = sealed_rows(check)
        # One leaf per event, in log order, each the hash of the event as stored.
        assert [r[0] for r in rows] == list(range(len(log)))
        assert [r[1] for r in rows] == [n.id for n in log]
        assert [r[2] for r in rows] == [
            leaf_hash_of(n.originator_id, n.originator_version, n.topic, n.state) for n in log
        ]
        assert check.seal.sealed_count() == len(log)
        # A checkpoint at every multiple of `every`, once, signing the RFC 9162 root.
        cps = check.seal.checkpoints()
        assert [c["tree_size"] for c in cps] == list(range(every, len(log) + 1, every))
        hashes = [r[2] for r in rows]
        public = check.seal.public_key_pem()
        for cp in cps:
            assert cp["root"] == root(hashes[: cp["tree_size"]]).hex()
            assert verify_checkpoint(cp, public)
        assert check.seal.verify().ok
    finally:
        check.shutdown()


def leaf_hash_of(*fields: Any) -> bytes:
    from verifier.yimai_verify import leaf_bytes

    return leaf_hash(leaf_bytes(*fields))


def test_a_following_system_seals_new_events_within_seconds(
    prepared_url: str, prepared_templates: Any, tmp_path: Path
) -> None:
    backend = "sqlite" if prepared_url.startswith("sqlite") else "postgres"
    _, staff, org = prepared_templates.built[backend]
    settings = seal_settings(prepared_url, tmp_path)
    system = open_system(settings, follow=True)
    try:
        system.seal.ensure_key()
        assert wait_until(lambda: system.seal.position() == system.app.last_position(), 10)
        # Another process writes; this one seals it.
        writer = open_system(settings)
        try:
            position = writer.app.register_member(member_draft(org.branch), actor=staff.clerk)
        finally:
            writer.shutdown()
        started = time.monotonic()
        assert wait_until(lambda: system.seal.position() >= position.position, 10)
        assert time.monotonic() - started < 5
        assert system.seal.sealed_count() == len(
            system.app.recorder.select_notifications(start=0, limit=10_000)
        )
    finally:
        system.shutdown()


def test_sealing_is_idempotent_and_checkpoints_on_demand_once(keyed: System) -> None:
    system = keyed
    head = system.app.last_position()
    first = system.seal.catch_up()
    assert first > 0 and system.seal.position() == head
    assert system.seal.catch_up() == 0
    cp = system.seal.checkpoint()
    assert cp["tree_size"] == system.seal.sealed_count()
    # Asked again with nothing new, the same checkpoint comes back.
    assert system.seal.checkpoint() == cp
    with system.db.read.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(checkpoints)).scalar()
    assert count == len(system.seal.checkpoints())
    assert system.seal.latest_checkpoint() == cp


def test_the_frontier_gives_the_rfc_root_at_every_size_and_survives_storage() -> None:
    hashes = [leaf_hash(str(i).encode()) for i in range(70)]
    frontier = Frontier()
    assert frontier.root() == root([])
    for size, hashed in enumerate(hashes, 1):
        frontier.append(hashed)
        assert frontier.root() == root(hashes[:size])
        stored = Frontier.restore(size, frontier.dump())
        assert stored.root() == frontier.root()
        assert len(frontier.dump()) == 32 * bin(size).count("1")
    # Restored, it grows on exactly as the original.
    grown = Frontier.restore(40, _dump(hashes[:40]))
    for hashed in hashes[40:]:
        grown.append(hashed)
    assert grown.root() == root(hashes)


def _dump(hashes: list[bytes]) -> bytes:
    frontier = Frontier()
    for hashed in hashes:
        frontier.append(hashed)
    return frontier.dump()


def test_the_signing_key_is_created_once_private_and_never_overwritten(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "signing.key"
    assert create_signing_key(key)
    content = key.read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in content
    assert not create_signing_key(key)
    assert key.read_bytes() == content


def test_initialize_creates_the_key_next_to_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'yimai.db'}"
    settings = Settings(database_url=url)
    assert settings.signing_key == tmp_path / "db" / "yimai-signing.key"
    system = open_system(settings)
    try:
        system.initialize("admin", "admin-pass")
        assert settings.signing_key.exists()
        assert stat.S_IMODE(settings.signing_key.stat().st_mode) == 0o600
    finally:
        system.shutdown()


def test_key_and_checkpoint_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "YIMAI_DATABASE_URL": "postgresql://u@h/db",
            "YIMAI_SIGNING_KEY": str(tmp_path / "k.pem"),
            "YIMAI_CHECKPOINT_EVERY": "250",
        }
    )
    assert settings.signing_key == tmp_path / "k.pem"
    assert settings.checkpoint_every == 250
    assert Settings(database_url="postgresql://u@h/db").signing_key == (
        Path.cwd() / "yimai-signing.key"
    )
    assert Settings().checkpoint_every == 1000
    with pytest.raises(ConfigError):
        Settings(checkpoint_every=0)


def test_a_checkpoint_follows_within_minutes_when_sealed_events_wait(
    keyed: System, prepared_url: str, prepared_templates: Any
) -> None:
    """Sealed events not under a checkpoint get one once the latest is `checkpoint_minutes`
    old, so a resident's proof and the public figures wait minutes, not 1,000 events."""
    system = keyed
    backend = "sqlite" if prepared_url.startswith("sqlite") else "postgres"
    _, staff, org = prepared_templates.built[backend]
    system.seal.catch_up()
    latest = system.seal.checkpoint()
    made = datetime.fromisoformat(latest["made_at"])
    # Nothing new: nothing to sign, however late.
    assert system.seal.sign_if_due(now=made + timedelta(hours=5)) is None

    system.app.register_member(member_draft(org.branch, phone="13900000001"), actor=staff.clerk)
    system.seal.catch_up()
    assert system.seal.sealed_count() > latest["tree_size"]
    assert system.seal.latest_checkpoint() == latest  # 16 events are not there yet
    assert system.seal.sign_if_due(now=made + timedelta(minutes=9)) is None
    signed = system.seal.sign_if_due(now=made + timedelta(minutes=11))
    assert signed is not None and signed["tree_size"] == system.seal.sealed_count()
    assert system.seal.latest_checkpoint() == signed

    never = dataclasses.replace(system.settings, checkpoint_minutes=0)
    system.seal.settings = never
    system.app.register_member(member_draft(org.branch, phone="13900000002"), actor=staff.clerk)
    system.seal.catch_up()
    assert system.seal.sign_if_due(now=made + timedelta(days=30)) is None
    assert Settings.from_env({"YIMAI_CHECKPOINT_MINUTES": "3"}).checkpoint_minutes == 3
    with pytest.raises(ConfigError):
        Settings(checkpoint_minutes=-1)
