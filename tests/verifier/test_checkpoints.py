"""What a leaf is and what a checkpoint signs: the canonical bytes of a stored event, the
signed message, and the signature check that rejects every changed field or other key."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier.yimai_verify import (
    checkpoint_message,
    leaf_bytes,
    leaf_hash,
    public_key_id,
    verify_checkpoint,
)

EVENT_ID = uuid.UUID("5f2b1c3e-8d4a-4e6f-9a0b-1c2d3e4f5a6b")
TOPIC = "domain.requests:Request.Claimed"


# ------------------------------------------------------------ leaves


def test_a_leaf_is_the_stored_event_as_sorted_compact_json() -> None:
    state = b'{"claimant":"m-17","reason":null}'
    expected = (
        '{"id":"5f2b1c3e-8d4a-4e6f-9a0b-1c2d3e4f5a6b",'
        f'"state":"{base64.b64encode(state).decode()}",'
        '"topic":"domain.requests:Request.Claimed","version":3}'
    ).encode()
    assert leaf_bytes(str(EVENT_ID), 3, TOPIC, state) == expected
    assert leaf_bytes(EVENT_ID, 3, TOPIC, state) == expected  # a UUID is written as text


def test_the_state_is_taken_byte_for_byte() -> None:
    assert b'"state":"AP8="' in leaf_bytes(str(EVENT_ID), 1, TOPIC, b"\x00\xff")
    assert b'"state":""' in leaf_bytes(str(EVENT_ID), 1, TOPIC, b"")
    # Two states that decode to the same JSON are still two different leaves.
    one = leaf_hash(leaf_bytes(str(EVENT_ID), 1, TOPIC, b'{"a":1}'))
    other = leaf_hash(leaf_bytes(str(EVENT_ID), 1, TOPIC, b'{"a": 1}'))
    assert one != other


def test_text_is_escaped_as_rfc_8785_writes_it() -> None:
    # Quotes, backslashes and control characters escaped (short forms where JSON has them,
    # else lower-case \\u00xx); everything else, including non-ASCII, kept as UTF-8.
    topic = 'a"b\\c\n\t\x01\x1f\x7f é社区'
    written = leaf_bytes(str(EVENT_ID), 1, topic, b"")
    assert '"topic":"a\\"b\\\\c\\n\\t\\u0001\\u001f\x7f é社区"'.encode() in written


def test_what_canonical_json_cannot_write_is_refused() -> None:
    with pytest.raises(ValueError):
        leaf_bytes(str(EVENT_ID), 2**53, TOPIC, b"")
    with pytest.raises(ValueError):
        leaf_bytes(str(EVENT_ID), True, TOPIC, b"")
    with pytest.raises(ValueError):
        leaf_bytes(str(EVENT_ID), 1, "lone \ud800 surrogate", b"")


# ------------------------------------------------------------ checkpoints


def pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: Ed25519PrivateKey, tree_size: int, root: bytes, made_at: str) -> dict[str, Any]:
    """A checkpoint as Yimai writes one."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "tree_size": tree_size,
        "root": root.hex(),
        "made_at": made_at,
        "signature": base64.b64encode(
            key.sign(checkpoint_message(tree_size, root, made_at))
        ).decode(),
        "key_id": hashlib.sha256(raw).hexdigest()[:16],
    }


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def checkpoint(key: Ed25519PrivateKey) -> dict[str, Any]:
    return sign(key, 1000, hashlib.sha256(b"root").digest(), "2026-11-26T08:00:00Z")


def test_the_signed_message_is_fixed_to_the_byte() -> None:
    root = bytes(range(32))
    assert checkpoint_message(7, root, "2026-11-26T08:00:00Z") == (
        b"yimai-checkpoint/v1\n7\n" + root.hex().encode() + b"\n2026-11-26T08:00:00Z\n"
    )


def test_an_honest_checkpoint_verifies(key: Ed25519PrivateKey, checkpoint: dict[str, Any]) -> None:
    assert verify_checkpoint(checkpoint, pem(key))
    assert public_key_id(pem(key)) == checkpoint["key_id"]
    # The key id is a hint, not part of what is signed: a checkpoint without one verifies.
    del checkpoint["key_id"]
    assert verify_checkpoint(checkpoint, pem(key))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tree_size", 1001),
        ("tree_size", 999),
        ("root", hashlib.sha256(b"another root").hexdigest()),
        ("made_at", "2026-11-26T08:00:01Z"),
        ("made_at", "2026-11-26T08:00:00+00:00"),
    ],
)
def test_a_changed_field_breaks_the_signature(
    key: Ed25519PrivateKey, checkpoint: dict[str, Any], field: str, value: object
) -> None:
    checkpoint[field] = value
    assert not verify_checkpoint(checkpoint, pem(key))


def test_a_changed_or_borrowed_signature_is_rejected(
    key: Ed25519PrivateKey, checkpoint: dict[str, Any]
) -> None:
    signature = bytearray(base64.b64decode(checkpoint["signature"]))
    signature[10] ^= 0x04
    changed = {**checkpoint, "signature": base64.b64encode(bytes(signature)).decode()}
    assert not verify_checkpoint(changed, pem(key))
    another = sign(key, 999, hashlib.sha256(b"root").digest(), "2026-11-26T08:00:00Z")
    borrowed = {**checkpoint, "signature": another["signature"]}
    assert not verify_checkpoint(borrowed, pem(key))


def test_another_key_is_rejected(key: Ed25519PrivateKey, checkpoint: dict[str, Any]) -> None:
    other = Ed25519PrivateKey.generate()
    assert not verify_checkpoint(checkpoint, pem(other))
    # Signed by the other key and naming it: fine under that key, not under ours.
    forged = sign(other, 1000, bytes.fromhex(checkpoint["root"]), checkpoint["made_at"])
    assert verify_checkpoint(forged, pem(other))
    assert not verify_checkpoint(forged, pem(key))
    # Our signature, but naming the other key.
    assert not verify_checkpoint({**checkpoint, "key_id": forged["key_id"]}, pem(key))


@pytest.mark.parametrize(
    "spoil",
    [
        {"tree_size": "1000"},
        {"tree_size": True},
        {"tree_size": -1},
        {"tree_size": 1000.0},
        {"root": "00" * 31},
        {"root": "zz" * 32},
        {"root": " " + "00" * 31 + "0"},
        {"signature": "not base64!"},
        {"signature": base64.b64encode(b"short").decode()},
        {"signature": None},
        {"made_at": 20261126},
        {"made_at": "2026-11-26\n1\n"},
        {"key_id": "ABCDEF0123456789"},
        {"key_id": 7},
    ],
)
def test_malformed_checkpoints_are_rejected_not_raised(
    key: Ed25519PrivateKey, checkpoint: dict[str, Any], spoil: dict[str, object]
) -> None:
    assert not verify_checkpoint({**checkpoint, **spoil}, pem(key))


def test_missing_fields_and_unusable_keys_are_rejected(
    key: Ed25519PrivateKey, checkpoint: dict[str, Any]
) -> None:
    for field in ("tree_size", "root", "made_at", "signature"):
        assert not verify_checkpoint({k: v for k, v in checkpoint.items() if k != field}, pem(key))
    assert not verify_checkpoint(checkpoint, "not a key")
    assert not verify_checkpoint(checkpoint, pem(ec.generate_private_key(ec.SECP256R1())))
    assert not verify_checkpoint("not a checkpoint", pem(key))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        public_key_id("not a key")
