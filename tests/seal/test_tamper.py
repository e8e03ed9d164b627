"""Someone with the database file changes history; `yimai verify` finds it and says where.

Each test seals a small log on a real SQLite file, then opens the file with sqlite3, as
anyone holding it could, and changes it: the events table is the library's
`stored_events` (originator_id as hex, originator_version, topic, state; the position
is the rowid).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from cli.main import main
from projections.config import Settings
from projections.system import open_system
from tests.conftest import FAST_PASSWORDS, Prepared
from tests.seal.conftest import add_contacts
from verifier.yimai_verify import leaf_bytes, leaf_hash

EVERY = 16


@dataclass
class Sealed:
    url: str
    path: Path
    head: int
    sizes: list[int]


@pytest.fixture
def sealed(
    prepared_sqlite_url: str, prepared_templates: Any, monkeypatch: pytest.MonkeyPatch
) -> Sealed:
    """About a hundred events, sealed, with a checkpoint every 16 and one at the end; the
    signing key at its default place beside the file, where `yimai` finds it."""
    monkeypatch.delenv("YIMAI_SIGNING_KEY", raising=False)
    monkeypatch.delenv("YIMAI_DATABASE_URL", raising=False)
    _, staff, org = prepared_templates.built["sqlite"]
    url = prepared_sqlite_url
    system = open_system(Settings(database_url=url, checkpoint_every=EVERY, **FAST_PASSWORDS))
    try:
        system.seal.ensure_key()
        add_contacts(system, staff, org, 60, per_save=20)
        system.seal.catch_up()
        system.seal.checkpoint()
        head = system.app.last_position()
        sizes = [cp["tree_size"] for cp in system.seal.checkpoints()]
    finally:
        system.shutdown()
    assert len(sizes) >= 4 and sizes[-1] == head
    return Sealed(url, Path(sa.make_url(url).database or ""), head, sizes)


@contextmanager
def raw(db: Sealed) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db.path)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def event_at(conn: sqlite3.Connection, position: int) -> tuple[str, int, str, bytes]:
    row = conn.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events WHERE rowid = ?",
        (position,),
    ).fetchone()
    return str(UUID(row[0])), int(row[1]), str(row[2]), bytes(row[3])


def verify(db: Sealed, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["--database", db.url, "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


def kinds(report: dict[str, Any]) -> list[str]:
    return [p["kind"] for p in report["problems"]]


def of_kind(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in report["problems"] if p["kind"] == kind]


def test_an_untouched_log_verifies(sealed: Sealed, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify(sealed, capsys)
    assert code == 0
    assert set(report) == {
        "ok",
        "events",
        "sealed",
        "unsealed",
        "checkpoints",
        "latest_checkpoint",
        "key_id",
        "problem_count",
        "problems",
        "seconds",
    }
    assert report["ok"] is True
    assert report["events"] == report["sealed"] == sealed.head
    assert report["unsealed"] == 0
    assert report["checkpoints"] == len(sealed.sizes)
    assert report["latest_checkpoint"]["tree_size"] == sealed.head
    assert set(report["latest_checkpoint"]) == {
        "tree_size",
        "root",
        "made_at",
        "signature",
        "key_id",
    }
    assert report["problems"] == [] and report["problem_count"] == 0
    assert main(["--database", sealed.url, "verify"]) == 0
    out = capsys.readouterr().out
    assert f"Checked {sealed.head:,} events" in out and "OK" in out


def test_an_edited_event_is_found_with_its_position_aggregate_and_version(
    sealed: Sealed, capsys: pytest.CaptureFixture[str]
) -> None:
    position = sealed.head // 2
    with raw(sealed) as conn:
        aggregate, version, _, state = event_at(conn, position)
        changed = bytes([state[0] ^ 1]) + state[1:]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (changed, position))
    code, report = verify(sealed, capsys)
    assert code == 1
    (edited,) = of_kind(report, "edited")
    assert edited["position"] == position
    assert edited["leaf_index"] == position - 1
    assert (edited["aggregate"], edited["version"]) == (aggregate, version)
    # The signed checkpoints after it no longer match either.
    (rewritten,) = of_kind(report, "rewritten")
    assert rewritten["tree_size"] == min(s for s in sealed.sizes if s >= position)
    # The text report says the same in words.
    assert main(["--database", sealed.url, "verify"]) == 1
    out = capsys.readouterr().out
    assert f"PROBLEM (edited): the event at position {position}" in out
    assert aggregate in out and f"version {version}" in out
    assert "FAILED" in out


def test_a_deleted_event_is_found(sealed: Sealed, capsys: pytest.CaptureFixture[str]) -> None:
    position = 20
    with raw(sealed) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (position,))
    code, report = verify(sealed, capsys)
    assert code == 1
    (deleted,) = of_kind(report, "deleted")
    assert (deleted["position"], deleted["leaf_index"]) == (position, position - 1)
    assert "edited" not in kinds(report) and "inserted" not in kinds(report)
    assert report["events"] == sealed.head - 1


def test_an_inserted_event_is_found(sealed: Sealed, capsys: pytest.CaptureFixture[str]) -> None:
    """An event slipped into the past: the later events move up one place to make room."""
    position = 30
    with raw(sealed) as conn:
        shift = 1_000_000
        conn.execute(
            "UPDATE stored_events SET rowid = rowid + ? WHERE rowid >= ?", (shift, position)
        )
        conn.execute(
            "UPDATE stored_events SET rowid = rowid - ? WHERE rowid > ?", (shift - 1, shift)
        )
        aggregate, _, topic, state = event_at(conn, position + 1)
        conn.execute(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            (position, UUID(aggregate).hex, 999, topic, state),
        )
    code, report = verify(sealed, capsys)
    assert code == 1
    (inserted,) = of_kind(report, "inserted")
    assert inserted["position"] == position
    assert inserted["leaf_index"] == position - 1
    assert (inserted["aggregate"], inserted["version"]) == (aggregate, 999)
    assert "edited" not in kinds(report) and "deleted" not in kinds(report)
    assert report["events"] == sealed.head + 1


def swap(db: Sealed, a: int, b: int) -> None:
    with raw(db) as conn:
        first, second = event_at(conn, a), event_at(conn, b)
        put = (
            "UPDATE stored_events SET originator_id = ?, originator_version = ?, topic = ?, "
            "state = ? WHERE rowid = ?"
        )
        conn.execute("UPDATE stored_events SET originator_version = -1 WHERE rowid = ?", (a,))
        conn.execute(put, (UUID(first[0]).hex, first[1], first[2], first[3], b))
        conn.execute(put, (UUID(second[0]).hex, second[1], second[2], second[3], a))


@pytest.mark.parametrize("distance", [1, 25])
def test_two_events_reordered_are_found(
    sealed: Sealed, capsys: pytest.CaptureFixture[str], distance: int
) -> None:
    a, b = 40, 40 + distance
    with raw(sealed) as conn:
        at_a, at_b = event_at(conn, a), event_at(conn, b)
    swap(sealed, a, b)
    code, report = verify(sealed, capsys)
    assert code == 1
    moved = {p["position"]: p for p in of_kind(report, "reordered")}
    assert set(moved) == {a, b}
    assert (moved[a]["aggregate"], moved[a]["version"]) == at_b[:2]
    assert moved[a]["sealed_leaf_index"] == b - 1
    assert (moved[b]["aggregate"], moved[b]["version"]) == at_a[:2]
    assert moved[b]["sealed_leaf_index"] == a - 1
    assert not {"edited", "deleted", "inserted"} & set(kinds(report))


def test_a_truncated_tail_is_found(sealed: Sealed, capsys: pytest.CaptureFixture[str]) -> None:
    keep = sealed.head - 5
    with raw(sealed) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid > ?", (keep,))
    code, report = verify(sealed, capsys)
    assert code == 1
    truncated = of_kind(report, "truncated")
    tail = next(p for p in truncated if "position" in p)
    assert (tail["position"], tail["leaf_index"]) == (keep + 1, keep)
    assert "5 sealed event" in tail["message"]
    # The last checkpoint signs more events than remain.
    assert any(p.get("tree_size") == sealed.head for p in truncated)
    assert "deleted" not in kinds(report)


def test_a_truncated_tail_is_found_even_with_the_seal_cut_back_too(
    sealed: Sealed, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = sealed.head - 5
    with raw(sealed) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid > ?", (keep,))
        conn.execute("DELETE FROM yimai_seal WHERE notification_id > ?", (keep,))
    code, report = verify(sealed, capsys)
    assert code == 1
    (truncated,) = of_kind(report, "truncated")
    assert truncated["tree_size"] == sealed.head
    assert f"only {keep} remain" in truncated["message"]


def test_a_bad_checkpoint_signature_is_found(
    sealed: Sealed, capsys: pytest.CaptureFixture[str]
) -> None:
    victim, other = sealed.sizes[1], sealed.sizes[0]
    with raw(sealed) as conn:
        (signature,) = conn.execute(
            "SELECT signature FROM yimai_checkpoints WHERE tree_size = ?", (other,)
        ).fetchone()
        conn.execute(
            "UPDATE yimai_checkpoints SET signature = ? WHERE tree_size = ?", (signature, victim)
        )
    code, report = verify(sealed, capsys)
    assert code == 1
    (bad,) = of_kind(report, "bad_signature")
    assert bad["tree_size"] == victim
    assert kinds(report) == ["bad_signature"]


def test_checkpoints_signed_by_another_key_are_found(
    sealed: Sealed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from projections.seal import create_signing_key, load_signing_key, public_pem

    other = tmp_path / "other.key"
    create_signing_key(other)
    pem = tmp_path / "other.pem"
    pem.write_text(public_pem(load_signing_key(other)))
    capsys.readouterr()
    assert main(["--database", sealed.url, "verify", "--json", "--public-key", str(pem)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {p["tree_size"] for p in of_kind(report, "bad_signature")} == set(sealed.sizes)


def test_history_rewritten_after_a_checkpoint_is_found_though_the_seal_was_rewritten_too(
    sealed: Sealed, capsys: pytest.CaptureFixture[str]
) -> None:
    """The forger edits an event and recomputes its sealed leaf to match: the events and
    the seal agree, but not with the checkpoints signed before."""
    position = sealed.sizes[1] + 3  # after the second checkpoint, before the third
    with raw(sealed) as conn:
        aggregate, version, topic, state = event_at(conn, position)
        changed = bytes([state[0] ^ 1]) + state[1:]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (changed, position))
        conn.execute(
            "UPDATE yimai_seal SET leaf_hash = ? WHERE notification_id = ?",
            (leaf_hash(leaf_bytes(aggregate, version, topic, changed)), position),
        )
    code, report = verify(sealed, capsys)
    assert code == 1
    (rewritten,) = of_kind(report, "rewritten")
    assert rewritten["tree_size"] == sealed.sizes[2]
    # Located between the last checkpoint the log still extends and the first it doesn't.
    assert rewritten["leaf_index"] == sealed.sizes[1]
    assert sealed.sizes[1] <= position - 1 < sealed.sizes[2]
    assert "edited" not in kinds(report)
    # No consistency proof leads from the earlier checkpoint to the later ones any more.
    args = ["--database", sealed.url, "proof", "--consistency", *_sizes(sealed, 1, 2)]
    assert main(args) == 1
    assert "does not lead from checkpoint" in capsys.readouterr().err


def _sizes(db: Sealed, i: int, j: int) -> list[str]:
    return [str(db.sizes[i]), str(db.sizes[j])]


def test_a_changed_seal_row_is_told_apart_from_a_changed_event(
    sealed: Sealed, capsys: pytest.CaptureFixture[str]
) -> None:
    position = 10
    with raw(sealed) as conn:
        conn.execute(
            "UPDATE yimai_seal SET leaf_hash = ? WHERE notification_id = ?",
            (b"\x00" * 32, position),
        )
    code, report = verify(sealed, capsys)
    assert code == 1
    (damaged,) = [p for p in of_kind(report, "seal_damaged") if p.get("position") == position]
    assert "is the seal that was changed" in damaged["message"]
    assert "edited" not in kinds(report) and "rewritten" not in kinds(report)


def test_new_events_not_yet_sealed_are_counted_not_blamed(
    sealed: Sealed, prepared_templates: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, staff, org = prepared_templates.built["sqlite"]
    system = open_system(Settings(database_url=sealed.url))
    try:
        add_contacts(system, staff, org, 4)
        added = system.app.last_position() - sealed.head
    finally:
        system.shutdown()
    code, report = verify(sealed, capsys)
    assert code == 0
    assert report["unsealed"] == added and report["sealed"] == sealed.head


def test_proof_and_verify_proof_from_the_command_line(
    sealed: Sealed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "proof.json"
    assert main(["--database", sealed.url, "proof", "7", "-o", str(out)]) == 0
    assert f"leaf 6 of {sealed.head}" in capsys.readouterr().out
    assert json.loads(out.read_text())["kind"] == "inclusion"
    assert main(["verify-proof", str(out)]) == 0
    assert "RESULT: VERIFIED" in capsys.readouterr().out

    key = tmp_path / "public.pem"
    assert main(["--database", sealed.url, "key", "export"]) == 0
    key.write_text(capsys.readouterr().out)
    assert "BEGIN PUBLIC KEY" in key.read_text()
    assert main(["verify-proof", str(out), "--public-key", str(key)]) == 0
    capsys.readouterr()

    consistency = tmp_path / "consistency.json"
    args = ["--database", sealed.url, "proof", "--consistency", *_sizes(sealed, 0, -1)]
    assert main([*args, "-o", str(consistency)]) == 0
    assert main(["verify-proof", str(consistency)]) == 0
    capsys.readouterr()

    document = json.loads(out.read_text())
    document["proof"][0] = "00" * 32
    out.write_text(json.dumps(document))
    assert main(["verify-proof", str(out)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out

    assert main(["--database", sealed.url, "proof", "--checkpoint", "3", "7"]) == 1
    assert "no checkpoint of size 3" in capsys.readouterr().err
    assert main(["--database", sealed.url, "proof"]) == 2


def test_status_checkpoint_and_key_export(
    sealed: Sealed, prepared_templates: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--database", sealed.url, "status"]) == 0
    status = capsys.readouterr().out
    assert f"sealed: {sealed.head} (up to position {sealed.head})" in status
    assert f"latest checkpoint: {sealed.head} events" in status

    _, staff, org = prepared_templates.built["sqlite"]
    system = open_system(Settings(database_url=sealed.url))
    try:
        add_contacts(system, staff, org, 2)
        head = system.app.last_position()
    finally:
        system.shutdown()
    assert main(["--database", sealed.url, "checkpoint"]) == 0
    assert f"Checkpoint: {head:,} events" in capsys.readouterr().out

    (sealed.path.parent / "yimai-signing.key").unlink()
    assert main(["--database", sealed.url, "key", "export"]) == 1
    assert "no signing key" in capsys.readouterr().err
    assert main(["--database", sealed.url, "checkpoint"]) == 1
    assert main(["--database", sealed.url, "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert kinds(report) == ["no_key"]


def test_init_and_demo_create_the_key_and_seal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YIMAI_SIGNING_KEY", raising=False)
    monkeypatch.setenv("YIMAI_ADMIN_PASSWORD", "s3cret-pass")
    url = f"sqlite:///{tmp_path / 'init' / 'yimai.db'}"
    assert main(["--database", url, "init", "--admin-user", "chief"]) == 0
    assert (tmp_path / "init" / "yimai-signing.key").exists()
    capsys.readouterr()
    assert main(["--database", url, "verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sealed"] == report["events"] > 0

    url = f"sqlite:///{tmp_path / 'demo' / 'yimai.db'}"
    demo = ["demo", "--members", "10", "--households", "5", "--requests", "5"]
    assert main(["--database", url, *demo]) == 0
    assert "checkpoint signed" in capsys.readouterr().out
    assert main(["--database", url, "verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["latest_checkpoint"]["tree_size"] == report["events"] == report["sealed"]


def test_verify_finds_an_edited_event_on_either_database(
    keyed: Any, prepared: Prepared, prepared_url: str
) -> None:
    """The same check on either database: change one event's stored bytes under SQL."""
    system = keyed
    system.seal.catch_up()
    system.seal.checkpoint()
    position = 12
    (event,) = system.app.recorder.select_notifications(start=position, limit=1)
    column = "rowid" if prepared_url.startswith("sqlite") else "notification_id"
    table = system.app.recorder.events_table_name
    with system.db.write.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE {table} SET state = :state WHERE {column} = :p"),
            {"state": event.state + b" ", "p": position},
        )
    report = system.seal.verify()
    assert not report.ok
    (edited,) = [p for p in report.problems if p.kind == "edited"]
    assert edited.position == position
    assert edited.aggregate == str(event.originator_id)
    assert edited.version == event.originator_version
