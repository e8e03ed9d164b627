"""A disciplinary reviewer asks for the evidence: everything that happened to one request,
everything one staff account did, everything saved in a span of time. Each bundle is
exported from the demo community and checked by the stand-alone script, copied alone
into an empty directory and run by a Python that has no Yimai and no database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cli.main import main
from projections.evidence import EvidenceError, export_evidence, write_evidence
from projections.timeline import timeline
from tests.evidence.conftest import Alone, Demo, busiest_request, commit_rows
from verifier.yimai_verify import event_actor, event_time, verify_document


def write(folder: Path, document: dict[str, Any], name: str = "bundle.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def checked_alone(alone: Alone, bundle: Path, demo: Demo) -> str:
    """Run the copied script on the bundle, pinned to the published key; its report."""
    key = alone.folder.parent / "published.pem"
    key.write_text(demo.public_key)
    result = alone.run(str(bundle), "--public-key", str(key))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("RESULT: VERIFIED")
    assert "FAILED" not in result.stdout
    assert "public key: Ed25519, key id" in result.stdout and "the expected key" in result.stdout
    return result.stdout


def test_the_verifier_runs_where_there_is_no_yimai(alone: Alone) -> None:
    assert alone.imports("cryptography")
    for module in ("domain", "projections", "verifier", "cli", "eventsourcing", "sqlalchemy"):
        assert not alone.imports(module), module
    assert [p.name for p in alone.folder.iterdir()] == ["yimai_verify.py"]


def test_a_request_s_whole_history_verifies_alone(demo: Demo, alone: Alone, tmp_path: Path) -> None:
    request = busiest_request(demo)
    path = tmp_path / "out" / "request.json"
    bundle = write_evidence(demo.system, path, entity=request)
    document = json.loads(path.read_text(encoding="utf-8"))

    manifest = document["manifest"]
    assert document["format"] == "yimai-evidence/1"
    assert manifest["selection"] == {"kind": "entity", "entity": str(request)}
    assert manifest["counts"] == {"events": bundle.count, "aggregates": 1}
    assert [e["originator_version"] for e in document["events"]] == list(range(1, bundle.count + 1))
    assert bundle.count >= 6
    assert manifest["checkpoint"]["tree_size"] == document["checkpoints"][0]["tree_size"]
    # The events exactly as stored: the state bytes as the log holds them.
    (first,) = demo.system.app.recorder.select_notifications(
        start=document["events"][0]["notification_id"], limit=1
    )
    assert document["events"][0]["state"] == base64.b64encode(first.state).decode()

    out = checked_alone(alone, path, demo)
    assert f"OK: events: all {bundle.count} events are in the signed log exactly as shown" in out
    assert f"entity: every event is of aggregate {request}, versions 1 to {bundle.count}" in out
    assert "later versions of the entity" in out


def test_everything_one_account_did_verifies_alone(
    demo: Demo, alone: Alone, tmp_path: Path
) -> None:
    path = tmp_path / "cadre.json"
    bundle = write_evidence(demo.system, path, actor="demo-cadre")
    with demo.system.db.read.connect() as conn:
        theirs = conn.execute(
            sa.select(sa.func.count()).where(timeline.c.actor == "demo-cadre")
        ).scalar_one()
    assert bundle.count == theirs > 100
    document = json.loads(path.read_text(encoding="utf-8"))
    assert {event_actor(base64.b64decode(e["state"])) for e in document["events"]} == {"demo-cadre"}
    out = checked_alone(alone, path, demo)
    assert "OK: actor: every event records 'demo-cadre' as who caused it" in out
    assert "events of this actor that are not in the bundle cannot be ruled out" in out

    # Narrowed to dates: only what the account did in them (by each event's own date).
    tz = demo.system.settings.tzinfo
    with demo.system.db.read.connect() as conn:
        stamps = list(
            conn.execute(
                sa.select(timeline.c.stamped_at)
                .where(timeline.c.actor == "demo-cadre")
                .order_by(timeline.c.stamped_at)
            ).scalars()
        )
    since = stamps[len(stamps) // 3].astimezone(tz).date()
    until = stamps[2 * len(stamps) // 3].astimezone(tz).date()
    narrowed = export_evidence(demo.system, actor="demo-cadre", since=since, until=until)
    start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    assert narrowed["manifest"]["counts"]["events"] == sum(start <= t < end for t in stamps)
    dates = [event_time(base64.b64decode(e["state"])) for e in narrowed["events"]]
    assert dates and all(d is not None and start <= d < end for d in dates)
    assert len(dates) < bundle.count
    ok, lines = verify_document(narrowed, demo.public_key)
    assert ok, lines
    assert any("and is dated from" in line for line in lines)


def test_everything_saved_in_a_span_of_time_verifies_alone(
    demo: Demo, alone: Alone, tmp_path: Path
) -> None:
    rows = commit_rows(demo)
    times = sorted({c for _, c in rows})
    since, until = times[len(times) // 5], times[2 * len(times) // 5]
    # The rule of docs/decisions.md §2: what was saved after `since` began, up to `until`.
    after = max(p for p, c in rows if c < since)
    last = max(p for p, c in rows if c <= until)
    path = tmp_path / "span.json"
    bundle = write_evidence(
        demo.system,
        path,
        since=datetime.fromisoformat(since),
        until=datetime.fromisoformat(until),
    )
    document = json.loads(path.read_text(encoding="utf-8"))
    positions = [e["notification_id"] for e in document["events"]]
    assert positions == list(range(after + 1, last + 1))
    leaves = [e["leaf_index"] for e in document["events"]]
    assert leaves == list(range(leaves[0], leaves[0] + bundle.count))
    assert document["boundary"]["before"]["notification_id"] == after
    assert document["boundary"]["after"]["notification_id"] == last + 1

    out = checked_alone(alone, path, demo)
    assert f"OK: range: the events are one unbroken run of the log, leaves {leaves[0]}" in out
    assert "OK: range: no event is dated after the range" in out
    assert f"OK: range: the event before the run (leaf {leaves[0] - 1}) is dated before it" in out


def test_a_range_of_days_is_what_was_saved_from_the_first_day_to_the_end_of_the_last(
    demo: Demo, alone: Alone, tmp_path: Path
) -> None:
    rows = commit_rows(demo)
    tz = demo.system.settings.tzinfo

    def day(i: int) -> date:
        return datetime.fromisoformat(rows[i][1]).astimezone(tz).date()

    since, until = day(len(rows) // 3), day(2 * len(rows) // 3)
    start = datetime.combine(since, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    after = max((p for p, c in rows if datetime.fromisoformat(c) < start), default=0)
    last = max(p for p, c in rows if datetime.fromisoformat(c) < end)

    path = tmp_path / "days.json"
    bundle = write_evidence(demo.system, path, since=since.isoformat(), until=until.isoformat())
    assert list(bundle.positions) == list(range(after + 1, last + 1))
    selection = json.loads(path.read_text(encoding="utf-8"))["manifest"]["selection"]
    assert (selection["since"], selection["until"]) == (since.isoformat(), until.isoformat())
    assert datetime.fromisoformat(selection["start"]) == start
    assert datetime.fromisoformat(selection["end"]) == end
    out = checked_alone(alone, path, demo)
    assert "OK: range: the events are one unbroken run of the log" in out


def test_an_empty_or_ambiguous_selection_is_refused(demo: Demo) -> None:
    with pytest.raises(EvidenceError, match="no events match") as nothing:
        export_evidence(demo.system, entity="3f0e9c1a-1111-4222-8333-944455556666")
    assert nothing.value.field is None
    with pytest.raises(EvidenceError, match="no events match"):
        export_evidence(demo.system, actor="nobody")
    with pytest.raises(EvidenceError, match="no events were saved"):
        export_evidence(demo.system, since="2999-01-01")
    for kwargs, field in (
        ({}, "since"),
        ({"entity": "x"}, "entity"),
        ({"entity": busiest_request(demo), "actor": "demo-cadre"}, "actor"),
        ({"entity": busiest_request(demo), "until": "2026-01-01"}, "until"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": "2026-02-01", "until": "2026-01-31"}, "until"),
        ({"actor": " "}, "actor"),
    ):
        with pytest.raises(EvidenceError) as refused:
            export_evidence(demo.system, **kwargs)
        assert refused.value.field == field, kwargs


# ------------------------------------------------------------ the command line


def test_yimai_export_evidence_writes_a_bundle_the_script_verifies(
    demo: Demo,
    alone: Alone,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("YIMAI_SIGNING_KEY", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    request = busiest_request(demo)
    db = ["--database", demo.url]
    capsys.readouterr()

    assert main([*db, "export", "--evidence", "--entity", str(request)]) == 0
    out = capsys.readouterr().out
    name = f"evidence-entity-{str(request).replace('-', '_')}.json"
    assert f"to {name}:" in out and "events of 1 aggregates" in out
    checked_alone(alone, work / name, demo)

    target = work / "bundles" / "cadre.json"
    assert main([*db, "export", "--evidence", "--actor", "demo-cadre", "-o", str(target)]) == 0
    assert f"of actor demo-cadre to {target}" in capsys.readouterr().out
    assert main(["verify-proof", str(target)]) == 0
    assert "RESULT: VERIFIED" in capsys.readouterr().out

    tz = demo.system.settings.tzinfo
    last_day = datetime.fromisoformat(commit_rows(demo)[-1][1]).astimezone(tz).date().isoformat()
    assert main([*db, "export", "--evidence", "--since", last_day, "-o", "last.json"]) == 0
    assert "under checkpoint" in capsys.readouterr().out
    last = json.loads((work / "last.json").read_text())
    assert last["manifest"]["selection"]["since"] == last_day
    assert last["manifest"]["leaves"]["last"] == last["checkpoints"][0]["tree_size"] - 1

    for argv, code, said in (
        ([*db, "export", "--entity", str(request)], 2, "--evidence"),
        ([*db, "export", "--evidence"], 2, "--since DATE"),
        ([*db, "export", "--evidence", "--entity", "x", "--actor", "y"], 2, "not both"),
        ([*db, "export", "--evidence", "--since", "soon"], 2, "since: is not a date"),
        ([*db, "export", "--evidence", "--actor", "nobody"], 1, "no events match"),
        ([*db, "export", "--evidence", "--since", "2999-01-01"], 1, "no events were saved"),
    ):
        assert main(argv) == code, argv
        assert said in capsys.readouterr().err, argv
    assert sorted(p.name for p in work.iterdir()) == ["bundles", name, "last.json"]
