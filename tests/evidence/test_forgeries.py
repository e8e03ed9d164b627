"""Someone changes an evidence bundle after it left Yimai: an event's bytes, a proof, the
checkpoint, the manifest; they leave events out, or sign the whole bundle anew with a key
of their own. The verifier refuses each one and says what and where."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.evidence import export_evidence
from tests.evidence.conftest import Alone, Demo, busiest_request, commit_rows
from verifier.yimai_verify import checkpoint_message, event_time, public_key_id, verify_document

Bundle = dict[str, Any]


@pytest.fixture(scope="module")
def bundles(demo: Demo) -> dict[str, Bundle]:
    """One honest bundle of each kind from the demo; tests change copies."""
    times = sorted({c for _, c in commit_rows(demo)})
    since, until = times[len(times) // 5], times[2 * len(times) // 5]
    made = {
        "entity": export_evidence(demo.system, entity=busiest_request(demo)),
        "actor": export_evidence(demo.system, actor="demo-cadre"),
        "range": export_evidence(
            demo.system, since=datetime.fromisoformat(since), until=datetime.fromisoformat(until)
        ),
        "open": export_evidence(demo.system, since=datetime.fromisoformat(until)),
    }
    assert made["range"]["boundary"]["before"] and made["range"]["boundary"]["after"]
    assert made["open"]["boundary"]["after"] is None
    for bundle in made.values():
        assert verify_document(bundle, demo.public_key)[0]
    return made


def refused(bundle: Bundle, demo: Demo, pinned: str | None = None) -> str:
    """The verifier's report of a bundle it must refuse (pinned to the demo's key)."""
    ok, lines = verify_document(bundle, pinned or demo.public_key)
    assert not ok, lines
    return "\n".join(lines)


def changed(bundles: dict[str, Bundle], kind: str, change: Callable[[Bundle], Any]) -> Bundle:
    bundle = copy.deepcopy(bundles[kind])
    change(bundle)
    return bundle


def refit(bundle: Bundle) -> None:
    """Make the manifest agree with the events again, as a careful forger would."""
    events, manifest = bundle["events"], bundle["manifest"]
    manifest["counts"] = {
        "events": len(events),
        "aggregates": len({e["originator_id"] for e in events}),
    }
    manifest["leaves"] = {"first": events[0]["leaf_index"], "last": events[-1]["leaf_index"]}
    manifest["positions"] = {
        "first": events[0]["notification_id"],
        "last": events[-1]["notification_id"],
    }


def state_of(event: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(base64.b64decode(event["state"]))
    return loaded


def restate(event: dict[str, Any], **changes: Any) -> None:
    state = {**state_of(event), **changes}
    event["state"] = base64.b64encode(json.dumps(state).encode()).decode()


def test_an_edited_event_is_refused_and_located(bundles: dict[str, Bundle], demo: Demo) -> None:
    forged = changed(bundles, "entity", lambda b: restate(b["events"][2], actor="demo-admin"))
    event = forged["events"][2]
    report = refused(forged, demo)
    assert (
        f"FAILED: event 3 (leaf {event['leaf_index']}, position {event['notification_id']}, "
        f"aggregate {event['originator_id']} version 3): the event and its proof lead to root"
    ) in report
    assert "the event's bytes, its leaf index or the proof was changed" in report
    assert report.count("FAILED") == 1

    forged = changed(bundles, "entity", lambda b: b["events"][0].update(originator_version=2))
    assert "event 1 (leaf" in refused(forged, demo)


def test_an_edited_proof_hash_is_refused(bundles: dict[str, Bundle], demo: Demo) -> None:
    def flip(bundle: Bundle) -> None:
        proof = bundle["events"][-1]["proof"]
        proof[0] = ("0" if proof[0][0] != "0" else "1") + proof[0][1:]

    forged = changed(bundles, "actor", flip)
    number = len(forged["events"])
    report = refused(forged, demo)
    assert f"FAILED: event {number} (leaf" in report
    assert "the event and its proof lead to root" in report


def test_events_left_out_of_an_entity_are_found(bundles: dict[str, Bundle], demo: Demo) -> None:
    forged = changed(bundles, "entity", lambda b: b["events"].pop(1))
    report = refused(forged, demo)
    assert "manifest: it counts" in report
    refit(forged)
    report = refused(forged, demo)
    leaf = forged["events"][1]["leaf_index"]
    assert f"FAILED: entity: version 2 is missing before leaf {leaf}" in report

    forged = changed(bundles, "entity", lambda b: b["events"].pop(0))
    refit(forged)
    assert "FAILED: entity: version 1 is missing" in refused(forged, demo)


def test_an_event_left_out_of_a_range_is_found(bundles: dict[str, Bundle], demo: Demo) -> None:
    middle = len(bundles["range"]["events"]) // 2
    forged = changed(bundles, "range", lambda b: b["events"].pop(middle))
    report = refused(forged, demo)
    assert "manifest: it counts" in report
    refit(forged)
    report = refused(forged, demo)
    # The events on either side of the gap (the one that followed moved into its place).
    before, after = forged["events"][middle - 1], forged["events"][middle]
    assert (
        f"FAILED: range: 1 event between leaf {before['leaf_index']} and leaf "
        f"{after['leaf_index']} are missing: events of the range were left out"
    ) in report


def test_a_range_cut_at_either_end_is_found(bundles: dict[str, Bundle], demo: Demo) -> None:
    # The first event left out: the event shown before the run is no longer next to it.
    forged = changed(bundles, "range", lambda b: b["events"].pop(0))
    refit(forged)
    assert ", next to the run" in refused(forged, demo)

    # ... and shown as the event before the run instead: it is dated within the range.
    def cut_and_hide(bundle: Bundle) -> None:
        dropped = bundle["events"].pop(0)
        bundle["boundary"]["before"] = dropped
        moment = event_time(base64.b64decode(dropped["state"]))
        assert moment is not None
        bundle["manifest"]["selection"]["start"] = moment.isoformat()

    forged = changed(bundles, "range", cut_and_hide)
    refit(forged)
    assert "within the range: it was recorded in the range, so the run's start was cut" in (
        refused(forged, demo)
    )

    # The last events left out, the first of them shown as the event after the run: it
    # is dated well inside the range, and nothing saved after a range is.
    def cut_the_tail(bundle: Bundle) -> None:
        last = event_time(base64.b64decode(bundle["events"][-1]["state"]))
        assert last is not None
        while True:  # the events of the range's last hour
            dropped = bundle["events"].pop()
            moment = event_time(base64.b64decode(dropped["state"]))
            assert moment is not None
            if moment < last - timedelta(hours=1):
                break
        bundle["boundary"]["after"] = dropped

    forged = changed(bundles, "range", cut_the_tail)
    refit(forged)
    assert "the run was cut at its end" in refused(forged, demo)

    # An open-ended range must reach the end of the log its checkpoint signs.
    forged = changed(bundles, "open", lambda b: b["events"].pop())
    refit(forged)
    assert "the range is open-ended, so the run must reach the end" in refused(forged, demo)


def test_dates_outside_the_range_are_found(bundles: dict[str, Bundle], demo: Demo) -> None:
    def end_earlier(bundle: Bundle) -> None:
        last = event_time(base64.b64decode(bundle["events"][-1]["state"]))
        assert last is not None
        bundle["manifest"]["selection"]["end"] = last.isoformat()

    report = refused(changed(bundles, "range", end_earlier), demo)
    assert "is dated" in report and "after the range" in report

    # Events dated before the start but saved within it are noted, not refused.
    def start_later(bundle: Bundle) -> None:
        second = event_time(base64.b64decode(bundle["events"][1]["state"]))
        assert second is not None
        bundle["manifest"]["selection"]["start"] = (second + timedelta(microseconds=1)).isoformat()

    ok, lines = verify_document(changed(bundles, "range", start_later), demo.public_key)
    assert ok, lines
    assert any("are dated before the range: they were recorded in it" in x for x in lines)


def test_another_actor_s_events_are_found(bundles: dict[str, Bundle], demo: Demo) -> None:
    forged = changed(
        bundles, "actor", lambda b: b["manifest"]["selection"].update(actor="demo-clerk")
    )
    report = refused(forged, demo)
    assert "was caused by 'demo-cadre', not by 'demo-clerk'" in report


def resign(bundle: Bundle, key: Ed25519PrivateKey, *, own_key: bool) -> None:
    """Sign the bundle's checkpoint with `key`; with `own_key`, put that key in too."""
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    (cp,) = bundle["checkpoints"]
    message = checkpoint_message(cp["tree_size"], bytes.fromhex(cp["root"]), cp["made_at"])
    cp["signature"] = base64.b64encode(key.sign(message)).decode()
    if own_key:
        cp["key_id"] = bundle["manifest"]["key_id"] = public_key_id(pem)
        bundle["public_key"] = pem


def test_a_bundle_signed_by_another_key_proves_nothing_unless_the_key_is_pinned(
    bundles: dict[str, Bundle], demo: Demo, alone: Alone, tmp_path: Path
) -> None:
    other = Ed25519PrivateKey.generate()
    forged = changed(bundles, "entity", lambda b: resign(b, other, own_key=True))
    # Unpinned, a wholly re-signed bundle checks out against its own key, and the report
    # says that this proves nothing.
    ok, lines = verify_document(forged)
    assert ok, lines
    assert any("a bundle's own key proves nothing" in line for line in lines)
    # Pinned to the key Yimai publishes, it is refused.
    report = refused(forged, demo)
    assert "is not the expected one" in report and "it was not signed by your Yimai" in report

    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    published = tmp_path / "published.pem"
    published.write_text(demo.public_key)
    result = alone.run(str(path), "--public-key", str(published))
    assert result.returncode == 1
    assert "is not the expected one" in result.stdout
    assert "RESULT: NOT VERIFIED" in result.stdout
    result = alone.run(str(path), "--key-id", public_key_id(demo.public_key))
    assert result.returncode == 1

    # Signed by another key but still showing Yimai's: the signature does not match.
    forged = changed(bundles, "entity", lambda b: resign(b, other, own_key=False))
    assert "the checkpoint's signature does not match key" in refused(forged, demo)


def test_a_genuine_bundle_checked_against_the_wrong_key_is_refused(
    bundles: dict[str, Bundle], demo: Demo
) -> None:
    wrong = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    report = refused(bundles["actor"], demo, pinned=wrong)
    assert "is not the expected one" in report
    ok, lines = verify_document(bundles["actor"], key_id="0123456789abcdef")
    assert not ok and any("is not the expected one" in line for line in lines)


def test_an_edited_checkpoint_root_is_refused(bundles: dict[str, Bundle], demo: Demo) -> None:
    def edit(bundle: Bundle) -> None:
        root = bundle["checkpoints"][0]["root"]
        bundle["checkpoints"][0]["root"] = ("0" if root[0] != "0" else "1") + root[1:]

    report = refused(changed(bundles, "range", edit), demo)
    assert "FAILED: checkpoint: the checkpoint's signature does not match key" in report
    assert "events: not checked, because no checkpoint of the bundle is validly signed" in report
    assert "FAILED: manifest: its checkpoint (size and root) is not one of the bundle's" in report


def test_an_edited_manifest_count_is_refused(bundles: dict[str, Bundle], demo: Demo) -> None:
    def edit(bundle: Bundle) -> None:
        bundle["manifest"]["counts"]["events"] += 1

    report = refused(changed(bundles, "entity", edit), demo)
    count = len(bundles["entity"]["events"])
    assert f"FAILED: manifest: it counts {count + 1} events, but the bundle holds {count}" in (
        report
    )


def test_events_out_of_order_or_twice_are_refused(bundles: dict[str, Bundle], demo: Demo) -> None:
    def swap(bundle: Bundle) -> None:
        events = bundle["events"]
        events[0], events[1] = events[1], events[0]

    assert "the events are not in log order, or one is there twice" in refused(
        changed(bundles, "actor", swap), demo
    )

    def twice(bundle: Bundle) -> None:
        bundle["events"].insert(1, copy.deepcopy(bundle["events"][0]))

    assert "the events are not in log order, or one is there twice" in refused(
        changed(bundles, "actor", twice), demo
    )


def test_a_malformed_bundle_is_refused_saying_what_is_wrong(
    bundles: dict[str, Bundle], demo: Demo
) -> None:
    cases: list[tuple[Callable[[Bundle], Any], str]] = [
        (lambda b: b.update(format="yimai-evidence/2"), "unknown format 'yimai-evidence/2'"),
        (lambda b: b["manifest"]["selection"].update(kind="all"), "unknown kind 'all'"),
        (lambda b: b.update(events=[]), "the bundle holds no events"),
        (lambda b: b.update(checkpoints=[]), "the bundle has no checkpoints"),
        (lambda b: b.pop("manifest"), "the bundle has no manifest"),
        (lambda b: b["events"][0].pop("proof"), "event 1 lacks proof"),
        (lambda b: b["events"][0].update(state="%%%"), "the state is not standard base64"),
        (lambda b: b["events"][0].update(tree_size=7), "no validly signed checkpoint of that"),
        (lambda b: b.update(public_key="not a key"), "the file's public_key is unusable"),
        (lambda b: b["boundary"].update(after=None), "the event just after the run (leaf"),
        (lambda b: b["manifest"]["selection"].update(start="soon"), "the start is not ISO"),
    ]
    for change, said in cases:
        report = refused(changed(bundles, "range", change), demo)
        assert said in report, (said, report)
