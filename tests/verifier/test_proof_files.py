"""A reviewer checks proof files with the script alone: honest files verify, forged ones
are refused with a message saying what failed, also when the script is copied by itself
into an empty directory and run there with nothing of Yimai around it."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import yimai_verify
from verifier.yimai_verify import (
    EMPTY_ROOT,
    checkpoint_message,
    consistency_proof,
    inclusion_proof,
    leaf_bytes,
    leaf_hash,
    main,
    root,
    verify_file,
)

SCRIPT = Path(yimai_verify.__file__).resolve()
REPO = SCRIPT.parents[1]
NAMESPACE = uuid.UUID("00000000-0000-0000-0000-000000000001")
Document = dict[str, Any]


# ------------------------------------------------------------ a small signed log


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Log:
    """Events as Yimai stores them, and the proofs and checkpoints it would hand out."""

    key: Ed25519PrivateKey
    events: list[Document] = field(default_factory=list)

    @classmethod
    def of_a_community(cls, key: Ed25519PrivateKey, events: int = 13) -> Log:
        log = cls(key)
        versions: dict[uuid.UUID, int] = {}
        for i in range(events):
            aggregate = uuid.uuid5(NAMESPACE, f"request {i % 4}")
            versions[aggregate] = versions.get(aggregate, 0) + 1
            topic = (
                "domain.requests:Request.Placed"
                if versions[aggregate] == 1
                else ("domain.requests:Request.Claimed")
            )
            state = json.dumps({"step": i, "by": f"cadre-{i % 3}", "note": "社区"}).encode()
            log.events.append(
                {
                    "id": str(aggregate),
                    "version": versions[aggregate],
                    "topic": topic,
                    "state": base64.b64encode(state).decode(),
                }
            )
        return log

    @property
    def hashes(self) -> list[bytes]:
        return [
            leaf_hash(leaf_bytes(e["id"], e["version"], e["topic"], base64.b64decode(e["state"])))
            for e in self.events
        ]

    def checkpoint(self, size: int, made_at: str = "2026-11-26T08:00:00Z") -> Document:
        tree_root = root(self.hashes[:size])
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        signature = self.key.sign(checkpoint_message(size, tree_root, made_at))
        return {
            "tree_size": size,
            "root": tree_root.hex(),
            "made_at": made_at,
            "signature": base64.b64encode(signature).decode(),
            "key_id": hashlib.sha256(raw).hexdigest()[:16],
        }

    def inclusion(self, index: int, size: int) -> Document:
        return {
            "kind": "inclusion",
            "leaf": dict(self.events[index]),
            "leaf_index": index,
            "tree_size": size,
            "proof": [h.hex() for h in inclusion_proof(self.hashes[:size], index)],
            "checkpoint": self.checkpoint(size),
            "public_key": public_pem(self.key),
        }

    def consistency(self, m: int, n: int) -> Document:
        return {
            "kind": "consistency",
            "first": self.checkpoint(m, "2026-11-20T08:00:00Z"),
            "second": self.checkpoint(n),
            "proof": [h.hex() for h in consistency_proof(self.hashes, m, n)],
            "public_key": public_pem(self.key),
        }


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def log(key: Ed25519PrivateKey) -> Log:
    return Log.of_a_community(key)


@pytest.fixture(scope="module")
def rewritten(key: Ed25519PrivateKey, log: Log) -> Log:
    """The same log after someone with the key edited event 3 and re-signed."""
    changed = copy.deepcopy(log)
    changed.events[3]["state"] = base64.b64encode(b'{"step": 3, "by": "nobody"}').decode()
    return changed


def write(directory: Path, document: object, name: str = "proof.json") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAILED:")]


# ------------------------------------------------------------ honest files


def test_an_honest_inclusion_proof_verifies(tmp_path: Path, log: Log) -> None:
    ok, lines = verify_file(write(tmp_path, log.inclusion(5, 13)))
    assert ok, lines
    assert failures(lines) == []
    assert any(line.startswith("OK: checkpoint: signed by key") for line in lines)
    assert (
        "OK: inclusion: the event is leaf 5 (counting from 0) of the 13 signed; "
        "4 proof hashes lead to the signed root"
    ) in lines
    assert any(line.startswith("NOTE: the public key comes from the file") for line in lines)


@pytest.mark.parametrize(("index", "size"), [(0, 1), (0, 13), (12, 13), (6, 7), (7, 8)])
def test_inclusion_proofs_verify_at_the_edges(
    tmp_path: Path, log: Log, index: int, size: int
) -> None:
    ok, lines = verify_file(write(tmp_path, log.inclusion(index, size)))
    assert ok, lines


@pytest.mark.parametrize(("m", "n"), [(7, 13), (1, 13), (8, 13), (12, 13), (13, 13), (1, 1)])
def test_an_honest_consistency_proof_verifies(tmp_path: Path, log: Log, m: int, n: int) -> None:
    ok, lines = verify_file(write(tmp_path, log.consistency(m, n)))
    assert ok, lines
    assert any(line.startswith("OK: consistency:") for line in lines)


def test_a_pinned_key_takes_away_the_note(tmp_path: Path, key: Ed25519PrivateKey, log: Log) -> None:
    path = write(tmp_path, log.inclusion(2, 13))
    for ok, lines in (
        verify_file(path, public_pem(key)),
        verify_file(path, key_id=log.checkpoint(1)["key_id"]),
    ):
        assert ok, lines
        assert not any(line.startswith("NOTE:") for line in lines)
        assert any("the expected key" in line for line in lines)


# ------------------------------------------------------------ forged files


def set_in(path: tuple[str, ...], value: object) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        target = document
        for name in path[:-1]:
            target = target[name]
        target[path[-1]] = value

    return change


def flip_proof_hash(position: int) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        value = bytearray(bytes.fromhex(document["proof"][position]))
        value[0] ^= 0x80
        document["proof"][position] = value.hex()

    return change


OTHER_KEY = Ed25519PrivateKey.generate()
OTHER_STATE = base64.b64encode(b'{"step": 5, "by": "someone else"}').decode()

INCLUSION_FORGERIES: list[tuple[str, Callable[[Document], None], str]] = [
    ("the event's state", set_in(("leaf", "state"), OTHER_STATE), "inclusion: the event and"),
    ("the event's version", set_in(("leaf", "version"), 9), "inclusion: the event and"),
    ("the event's topic", set_in(("leaf", "topic"), "domain.x:Y.Z"), "inclusion: the event and"),
    ("the event's id", set_in(("leaf", "id"), str(uuid.uuid4())), "inclusion: the event and"),
    ("the position", set_in(("leaf_index",), 4), "inclusion: the event and"),
    ("the position to the end", set_in(("leaf_index",), 12), "inclusion: the proof has"),
    ("the position past the end", set_in(("leaf_index",), 13), "is not a position in a log"),
    ("a negative position", set_in(("leaf_index",), -1), "is not a position in a log"),
    ("the size", set_in(("tree_size",), 12), "but the checkpoint signs 13"),
    ("a proof hash", flip_proof_hash(0), "inclusion: the event and"),
    ("the last proof hash", flip_proof_hash(-1), "inclusion: the event and"),
    ("a proof hash dropped", lambda d: d["proof"].pop(1), "inclusion: the proof has 3 hashes"),
    ("a proof hash added", lambda d: d["proof"].append("00" * 32), "the proof has 5 hashes"),
    ("the proof's hashes swapped", lambda d: d["proof"].reverse(), "inclusion: the event and"),
    ("a proof hash not hex", set_in(("proof",), ["xyz"]), "not a list of 64-digit"),
    ("the signed root", set_in(("checkpoint", "root"), "ab" * 32), "signature does not match"),
    ("the signed size", set_in(("checkpoint", "tree_size"), 12), "signature does not match"),
    ("the signed time", set_in(("checkpoint", "made_at"), "2027-01-01"), "signature does not"),
    ("the signature", set_in(("checkpoint", "signature"), "A" * 86 + "=="), "signature does not"),
    ("the key id", set_in(("checkpoint", "key_id"), "0" * 16), "the checkpoint names key"),
    ("the public key", set_in(("public_key",), public_pem(OTHER_KEY)), "the checkpoint names"),
    ("the public key, garbled", set_in(("public_key",), "-----BEGIN"), "public_key is unusable"),
    ("the state, not base64", set_in(("leaf", "state"), "%%%"), "not standard base64"),
    ("the kind", set_in(("kind",), "consistency"), "consistency: not checked"),
    ("the kind, unknown", set_in(("kind",), "receipt"), "unknown kind 'receipt'"),
    (
        "the kind, evidence",
        set_in(("kind",), "evidence"),
        "unknown format None: expected 'yimai-evidence/1'",
    ),
]


@pytest.mark.parametrize(
    ("what", "change", "message"),
    INCLUSION_FORGERIES,
    ids=[what for what, _, _ in INCLUSION_FORGERIES],
)
def test_a_forged_inclusion_proof_is_refused(
    tmp_path: Path, log: Log, what: str, change: Callable[[Document], None], message: str
) -> None:
    document = log.inclusion(5, 13)
    change(document)
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok, (what, lines)
    assert any(message in line for line in failures(lines)), (what, lines)


def test_the_public_key_swapped_and_the_key_id_dropped_is_still_refused(
    tmp_path: Path, log: Log
) -> None:
    document = log.inclusion(5, 13)
    document["public_key"] = public_pem(OTHER_KEY)
    del document["checkpoint"]["key_id"]
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok
    assert any("signature does not match" in line for line in failures(lines))


def test_a_file_re_signed_with_another_key_is_refused_once_the_key_is_pinned(
    tmp_path: Path, key: Ed25519PrivateKey, rewritten: Log
) -> None:
    forger = Log(OTHER_KEY, rewritten.events)
    path = write(tmp_path, forger.inclusion(3, 13))
    # Consistent in itself: only the key tells it apart, which is why the report says so.
    ok, lines = verify_file(path)
    assert ok
    assert any(line.startswith("NOTE: the public key comes from the file") for line in lines)
    for ok, lines in (
        verify_file(path, public_pem(key)),
        verify_file(path, key_id=Log(key).checkpoint(0)["key_id"]),
    ):
        assert not ok
        assert any("is not the expected one" in line for line in failures(lines))


def test_a_rewritten_history_fails_consistency_even_when_signed_by_the_real_key(
    tmp_path: Path, log: Log, rewritten: Log
) -> None:
    document = {
        "kind": "consistency",
        "first": log.checkpoint(7, "2026-11-20T08:00:00Z"),
        "second": rewritten.checkpoint(13),
        "proof": [h.hex() for h in consistency_proof(rewritten.hashes, 7, 13)],
        "public_key": public_pem(log.key),
    }
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok
    assert any(line.startswith("OK: first checkpoint: signed") for line in lines)
    assert any(line.startswith("OK: second checkpoint: signed") for line in lines)
    assert any("for the first 7 events, not to the first checkpoint's" in line for line in lines)
    # The honest proof does not reconcile the two either.
    document["proof"] = log.consistency(7, 13)["proof"]
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok
    assert any("the log was rewritten between the checkpoints" in line for line in lines)


def test_two_checkpoints_of_one_size_must_sign_one_root(
    tmp_path: Path, log: Log, rewritten: Log
) -> None:
    document = {**log.consistency(13, 13), "second": rewritten.checkpoint(13)}
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok
    assert any("sign different roots" in line for line in failures(lines))


CONSISTENCY_FORGERIES: list[tuple[str, Callable[[Document], None], str]] = [
    ("a proof hash", flip_proof_hash(0), "consistency: the proof leads to root"),
    ("a proof hash dropped", lambda d: d["proof"].pop(), "consistency: the proof has"),
    ("a proof hash added", lambda d: d["proof"].append("00" * 32), "consistency: the proof has"),
    ("the second root", set_in(("second", "root"), "ab" * 32), "signature does not match"),
    ("the first size", set_in(("first", "tree_size"), 6), "signature does not match"),
    ("the first missing", lambda d: d.pop("first"), "the checkpoint is not a JSON object"),
    ("the proof missing", lambda d: d.pop("proof"), "not a list of 64-digit"),
    (
        "the checkpoints swapped",
        lambda d: d.update(first=d["second"], second=d["first"]),
        "the first checkpoint (13 events) is after the second (7)",
    ),
]


@pytest.mark.parametrize(
    ("what", "change", "message"),
    CONSISTENCY_FORGERIES,
    ids=[what for what, _, _ in CONSISTENCY_FORGERIES],
)
def test_a_forged_consistency_proof_is_refused(
    tmp_path: Path, log: Log, what: str, change: Callable[[Document], None], message: str
) -> None:
    document = log.consistency(7, 13)
    change(document)
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok, (what, lines)
    assert any(message in line for line in failures(lines)), (what, lines)


def test_a_consistency_proof_from_an_empty_log_proves_nothing(
    tmp_path: Path, key: Ed25519PrivateKey, log: Log
) -> None:
    empty = log.checkpoint(0)
    assert empty["root"] == EMPTY_ROOT.hex()
    document = {**log.consistency(7, 13), "first": empty, "proof": []}
    ok, lines = verify_file(write(tmp_path, document))
    assert not ok
    assert any("the first checkpoint is of an empty log" in line for line in failures(lines))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not text", "is not UTF-8 text"),
        (b"{ not json", "is not valid JSON"),
        (b'{"kind": "inclusion", "kind": "consistency"}', "the key 'kind' appears twice"),
        (b'{"kind": "inclusion", "tree_size": NaN}', "is not valid JSON"),
        (b"[1, 2, 3]", "the file is not a JSON object"),
    ],
)
def test_files_that_are_not_proofs_are_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "proof.json"
    path.write_bytes(content)
    ok, lines = verify_file(path)
    assert not ok
    assert any(message in line for line in failures(lines)), lines


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    ok, lines = verify_file(tmp_path / "nowhere.json")
    assert not ok
    assert "cannot read" in lines[0]


def test_fields_outside_the_proof_are_pointed_out(tmp_path: Path, log: Log) -> None:
    document = {**log.inclusion(5, 13), "position": 4711, "aggregate": "request 1"}
    ok, lines = verify_file(write(tmp_path, document))
    assert ok
    assert "NOTE: not covered by the proof, so not verified: aggregate, position" in lines


# ------------------------------------------------------------ the command line


def test_the_command_prints_a_report_and_sets_its_exit_status(
    tmp_path: Path, key: Ed25519PrivateKey, log: Log, capsys: pytest.CaptureFixture[str]
) -> None:
    honest = write(tmp_path, log.inclusion(5, 13), "honest.json")
    forged = log.inclusion(5, 13)
    forged["leaf"]["state"] = OTHER_STATE
    forged_path = write(tmp_path, forged, "forged.json")
    pem_path = tmp_path / "yimai.pub"
    pem_path.write_text(public_pem(key))

    assert main([str(honest)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Yimai proof verifier: {honest}\n")
    assert out.rstrip().endswith("RESULT: VERIFIED")

    assert main([str(honest), "--public-key", str(pem_path)]) == 0
    assert "NOTE:" not in capsys.readouterr().out
    assert main([str(honest), "--key-id", "0123456789abcdef"]) == 1
    assert "is not the expected one" in capsys.readouterr().out
    assert main([str(honest), "--public-key", str(tmp_path / "nowhere.pub")]) == 1
    assert "cannot read the public key" in capsys.readouterr().out

    assert main([str(forged_path)]) == 1
    out = capsys.readouterr().out
    assert "  FAILED: inclusion: the event and the proof lead to root" in out
    assert out.rstrip().endswith("RESULT: NOT VERIFIED (1 problem)")


def copy_alone(tmp_path: Path) -> Path:
    """A directory holding only a copy of the script: no database, no Yimai."""
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(SCRIPT, alone / "yimai_verify.py")
    assert [p.name for p in alone.iterdir()] == ["yimai_verify.py"]
    return alone


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def run_alone(alone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "yimai_verify.py", *args],
        cwd=alone,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_script_alone_verifies_honest_files_and_refuses_forged_ones(
    tmp_path: Path, log: Log, rewritten: Log
) -> None:
    alone = copy_alone(tmp_path)
    proofs = tmp_path / "proofs"
    inclusion = write(proofs, log.inclusion(5, 13), "inclusion.json")
    consistency = write(proofs, log.consistency(7, 13), "consistency.json")
    forged_event = log.inclusion(5, 13)
    forged_event["leaf"]["version"] = 7
    forged_history = {**log.consistency(7, 13), "second": rewritten.checkpoint(13)}

    for path in (inclusion, consistency):
        result = run_alone(alone, str(path))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.rstrip().endswith("RESULT: VERIFIED")

    result = run_alone(alone, str(write(proofs, forged_event, "forged-event.json")))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED: inclusion: the event and the proof lead to root" in result.stdout
    assert "RESULT: NOT VERIFIED" in result.stdout

    result = run_alone(alone, str(write(proofs, forged_history, "forged-history.json")))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED: consistency: the proof leads to root" in result.stdout

    result = run_alone(alone, str(proofs / "missing.json"))
    assert result.returncode == 1
    assert "FAILED: cannot read" in result.stdout


#: Runs the script as `python yimai_verify.py FILE` would, then lists what it imported.
IMPORTS_PROBE = """
import json, os, runpy, sys, sysconfig
before = set(sys.modules)
file = sys.argv[1]
sys.argv = ["yimai_verify.py", file]
try:
    runpy.run_path("yimai_verify.py", run_name="__main__")
except SystemExit as exit:
    code = exit.code
paths = sysconfig.get_paths()
site = {os.path.realpath(paths[name]) for name in ("purelib", "platlib")}
imported = {}
for name in set(sys.modules) - before:
    where = getattr(sys.modules[name], "__file__", None)
    if where:
        imported[name] = os.path.realpath(where)
third_party = sorted({
    name.split(".")[0] for name, where in imported.items()
    if any(where.startswith(s + os.sep) for s in site)
})
print(json.dumps({"code": code, "third_party": third_party, "files": sorted(imported.values())}))
"""


def test_the_script_needs_nothing_but_cryptography(tmp_path: Path, log: Log) -> None:
    alone = copy_alone(tmp_path)
    proof = write(tmp_path / "proofs", log.consistency(7, 13))
    result = subprocess.run(
        [sys.executable, "-I", "-c", IMPORTS_PROBE, str(proof)],
        cwd=alone,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0
    assert set(report["third_party"]) <= {"cryptography", "cffi", "_cffi_backend"}, report
    assert "cryptography" in report["third_party"]
    # Nothing of Yimai: no module from the repository outside its virtual environment.
    yimai = [
        f
        for f in report["files"]
        if f.startswith(str(REPO) + os.sep)
        and not f.startswith(os.path.realpath(sys.prefix) + os.sep)
    ]
    assert yimai == []
