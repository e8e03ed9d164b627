"""Personal data: the one place that seals and opens personal fields.

Events never hold a name, phone, address or ID number in clear. They hold a subject id
and a blob sealed with AES-GCM under that subject's own key. Keys live apart from the
events, in a key store; destroying a key erases the person while every event stays in
place and verifiable. Identity keys (for "same person registered twice") are keyed
HMACs under a secret pepper, because a plain hash of a phone or ID number can be
reversed by trying every value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"
ERASED = "[erased]"


class KeyStore(Protocol):
    """Where per-subject keys live, apart from the events."""

    def get_or_create_key(self, subject_id: UUID) -> bytes: ...

    def get_key(self, subject_id: UUID) -> bytes | None: ...

    def destroy_key(self, subject_id: UUID) -> None: ...

    def pepper(self) -> bytes: ...


class MemoryKeyStore:
    """A key store in memory, for unit tests of the domain alone."""

    def __init__(self) -> None:
        self._keys: dict[UUID, bytes] = {}
        self._pepper = os.urandom(32)

    def get_or_create_key(self, subject_id: UUID) -> bytes:
        return self._keys.setdefault(subject_id, AESGCM.generate_key(bit_length=256))

    def get_key(self, subject_id: UUID) -> bytes | None:
        return self._keys.get(subject_id)

    def destroy_key(self, subject_id: UUID) -> None:
        self._keys.pop(subject_id, None)

    def pepper(self) -> bytes:
        return self._pepper


class PersonalData:
    """Seals and opens the personal fields of one subject."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    def seal(self, subject_id: UUID, fields: dict[str, str | None]) -> str:
        key = self.keys.get_or_create_key(subject_id)
        nonce = os.urandom(12)
        plain = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
        sealed = AESGCM(key).encrypt(nonce, plain, subject_id.bytes)
        return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, subject_id: UUID, blob: str) -> dict[str, str | None] | None:
        """The fields, or None when the subject was erased (its key destroyed)."""
        key = self.keys.get_key(subject_id)
        if key is None:
            return None
        raw = base64.b64decode(blob.removeprefix(_PREFIX))
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], subject_id.bytes)
        except InvalidTag:
            return None
        data: dict[str, str | None] = json.loads(plain)
        return data

    def identity_key(self, *parts: str) -> str:
        """A keyed, irreversible digest of normalised identifying values."""
        message = "\x1f".join(p.strip().casefold() for p in parts).encode()
        return hmac.new(self.keys.pepper(), message, hashlib.sha256).hexdigest()


def is_sealed(value: object) -> bool:
    """Whether a field holds a sealed blob (rather than clear text or nothing)."""
    return isinstance(value, str) and value.startswith(_PREFIX)


def mask_name(name: str | None, style: str = "middle") -> str:
    """The form a name takes where the domain publishes it.

    "middle": 张三丰 -> 张*丰, 李四 -> 李*; "given": 张三丰 -> 张**; "none": as it is.
    """
    if not name:
        return ERASED
    if style == "none":
        return name
    if style == "given" or len(name) <= 2:
        return name[0] + "*" * max(len(name) - 1, 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not phone:
        return ""
    if len(phone) <= 7:  # 3 + 4 kept would show every digit
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
