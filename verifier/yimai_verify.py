#!/usr/bin/env python3
"""Check a Yimai proof file or evidence bundle with no database and no Yimai:
`python yimai_verify.py FILE`.

This one file is both the stand-alone verifier (it needs Python 3.11+ and the
`cryptography` package, nothing else) and the single source of the Merkle-tree code
that Yimai itself imports to seal its log, so the two can never disagree.

The tree is the one of RFC 9162 §2.1 (Certificate Transparency 2.0):

- a leaf is SHA-256(0x00 ‖ leaf bytes) and an inner node SHA-256(0x01 ‖ left ‖ right);
- the tree over n leaves splits at k, the largest power of two smaller than n;
- inclusion proofs are the RFC's PATH (§2.1.3.1) checked by §2.1.3.2, consistency proofs
  its PROOF/SUBPROOF (§2.1.4.1) checked by §2.1.4.2.

The leaf bytes of one stored event are UTF-8 JSON with sorted keys and no whitespace
(RFC 8785 form for these value types): the event's id, its version, its topic and its
state exactly as stored, in standard base64.

A checkpoint is Ed25519-signed over `checkpoint_message(tree_size, root, made_at)`; a
proof file binds an event (inclusion) or a second checkpoint (consistency) to it. An
evidence bundle (`yimai export --evidence`) holds the events of one entity, one actor or
one run of the log by date, each with its inclusion proof, and the checkpoint and key
that check them; besides the proofs, the verifier checks what the bundle can show about
its own completeness (see `verifier/README.md`).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import io
import json
import re
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, Self, TypeGuard

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32
#: The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: First line of every signed checkpoint message; names the format and its version.
CHECKPOINT_PREFIX = b"yimai-checkpoint/v1\n"
#: Largest tree size a proof file may state (tree sizes are uint64 in RFC 9162).
MAX_TREE_SIZE = 2**64 - 1

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
#: Integers RFC 8785 writes exactly (IEEE-754 doubles hold integers up to 2**53 - 1).
_MAX_JSON_INT = 2**53 - 1
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


# --------------------------------------------------------------------------- leaves


def leaf_bytes(
    originator_id: str | uuid.UUID, originator_version: int, topic: str, state: bytes
) -> bytes:
    """The canonical leaf of one stored event: its id, version, topic and stored state.

    UTF-8 JSON, keys sorted, no whitespace: `{"id":…,"state":…,"topic":…,"version":…}`
    with the state in standard base64. For strings and integers of this range this is
    exactly RFC 8785 (JCS): the same escapes, non-ASCII kept as UTF-8. A UUID object is
    written in its standard lower-case form; a string id is taken as it is.

    Raises ValueError for a version outside ±(2**53 - 1), which RFC 8785 cannot write as
    an integer, and for strings that are not valid Unicode (lone surrogates).
    """
    if isinstance(originator_version, bool) or not isinstance(originator_version, int):
        raise ValueError("originator_version must be an integer")
    if abs(originator_version) > _MAX_JSON_INT:
        raise ValueError("originator_version is too large for canonical JSON")
    if not isinstance(topic, str):
        raise ValueError("topic must be a string")
    if not isinstance(state, bytes | bytearray | memoryview):
        raise ValueError("state must be bytes")
    document = {
        "id": str(originator_id),
        "state": base64.b64encode(bytes(state)).decode("ascii"),
        "topic": topic,
        "version": originator_version,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 ‖ data) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# --------------------------------------------------------------------------- the tree


def _split(n: int) -> int:
    """k of RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hashes(hashes: Sequence[bytes]) -> None:
    for value in hashes:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ValueError(f"every leaf hash must be {HASH_SIZE} bytes")


def _mth(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) over leaf hashes, as the recursive definition of §2.1.1."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[start]
    k = _split(n)
    return node_hash(_mth(hashes, start, start + k), _mth(hashes, start + k, end))


def root(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of RFC 9162 §2.1.1 over these leaf hashes, in order.

    The empty tree's root is SHA-256 of the empty string.
    """
    _check_hashes(hashes)
    return _mth(hashes, 0, len(hashes))


def _path(hashes: Sequence[bytes], m: int, start: int, end: int) -> list[bytes]:
    """PATH(m, D[start:end]) of §2.1.3.1, m counted from start."""
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(hashes, m, start, start + k), _mth(hashes, start + k, end)]
    return [*_path(hashes, m - k, start + k, end), _mth(hashes, start, start + k)]


def inclusion_proof(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof (audit path) of leaf `index` in the tree over `hashes`.

    RFC 9162 §2.1.3.1 PATH(index, D[n]) with n = len(hashes): the sibling subtree
    roots from the leaf up to the root. Raises ValueError unless 0 <= index < n.
    """
    _check_hashes(hashes)
    if not _is_int(index) or not 0 <= index < len(hashes):
        raise ValueError(f"leaf index {index!r} is not in a tree of {len(hashes)} leaves")
    return _path(hashes, index, 0, len(hashes))


def _subproof(hashes: Sequence[bytes], m: int, start: int, end: int, b: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b) of §2.1.4.1, m counted from start."""
    n = end - start
    if m == n:
        return [] if b else [_mth(hashes, start, end)]
    k = _split(n)
    if m <= k:
        return [*_subproof(hashes, m, start, start + k, b), _mth(hashes, start + k, end)]
    return [*_subproof(hashes, m - k, start + k, end, False), _mth(hashes, start, start + k)]


def consistency_proof(hashes: Sequence[bytes], m: int, n: int) -> list[bytes]:
    """The consistency proof from the tree of the first m leaves to that of the first n.

    RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) over hashes[:n]; it is
    empty when m == n. Raises ValueError unless 0 < m <= n <= len(hashes).
    """
    _check_hashes(hashes)
    if not (_is_int(m) and _is_int(n) and 0 < m <= n <= len(hashes)):
        raise ValueError(
            f"no consistency proof from size {m!r} to size {n!r} in a tree of {len(hashes)}"
        )
    return _subproof(hashes, m, 0, n, True)


class RootAccumulator:
    """The root of a growing tree, one leaf hash at a time, without keeping the leaves.

    It keeps the roots of the perfect subtrees that make up the tree (one per set bit
    of its size, largest first), so memory grows with log2(size). `root()` equals
    `root(all hashes appended so far)`; use it to recompute a long log as a stream.
    """

    def __init__(self) -> None:
        self._size = 0
        self._subtrees: list[tuple[int, bytes]] = []  # (leaf count, root), left to right

    @classmethod
    def from_subtree_roots(cls, size: int, roots: Sequence[bytes]) -> Self:
        """Resume from a saved `size` and `subtree_roots`; ValueError if they do not fit."""
        if not _is_int(size) or size < 0:
            raise ValueError(f"a tree size must be a whole number, not {size!r}")
        widths = [1 << bit for bit in reversed(range(size.bit_length())) if size >> bit & 1]
        if len(roots) != len(widths) or not _is_hash_list(roots):
            raise ValueError(
                f"a tree of {size} leaves has {len(widths)} subtree roots of {HASH_SIZE} bytes"
            )
        accumulator = cls()
        accumulator._size = size
        accumulator._subtrees = list(zip(widths, roots, strict=True))
        return accumulator

    @property
    def size(self) -> int:
        """How many leaf hashes have been appended."""
        return self._size

    @property
    def subtree_roots(self) -> tuple[bytes, ...]:
        """The roots of the perfect subtrees, largest (leftmost) first: what to save."""
        return tuple(subtree_root for _, subtree_root in self._subtrees)

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash (already hashed with `leaf_hash`)."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        width, node = 1, leaf_hash
        while self._subtrees and self._subtrees[-1][0] == width:
            _, left = self._subtrees.pop()
            width, node = 2 * width, node_hash(left, node)
        self._subtrees.append((width, node))
        self._size += 1

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves appended so far."""
        if not self._subtrees:
            return EMPTY_ROOT
        result = self._subtrees[-1][1]
        for _, subtree_root in reversed(self._subtrees[:-1]):
            result = node_hash(subtree_root, result)
        return result


def _path_nodes(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees D[start:end] whose roots make PATH(index, D[size]), in PATH's order
    (the leaf's sibling first, the root's other child last)."""
    nodes: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            nodes.append((start + k, end))
            end = start + k
        else:
            nodes.append((start, start + k))
            start += k
    nodes.reverse()
    return nodes


class InclusionProofs:
    """The inclusion proofs of many leaves of one tree, from a single pass over its leaf
    hashes, keeping only the subtree roots those proofs need.

    `inclusion_proof(hashes, i)` needs every leaf hash in memory and recomputes the
    subtrees for each proof; this reads the leaves once, in order (`add`), so proofs of k
    leaves in a tree of n cost O(n) hashing and O(k log n) memory. After the last leaf,
    `root()` is the tree's root and `proof(i)` equals `inclusion_proof(hashes, i)`.

    Every node of the RFC 9162 tree is either a perfect subtree (2^j leaves from a
    multiple of 2^j), finished when its last leaf is added, or on the right edge (it ends
    at the last leaf), whose root follows from the perfect subtrees left at the end.
    """

    def __init__(self, size: int, indexes: Iterable[int]) -> None:
        if not _is_int(size) or size < 1:
            raise ValueError(f"a tree to prove leaves in has at least one leaf, not {size!r}")
        self.size = size
        self._paths: dict[int, list[tuple[int, int]]] = {}
        self._nodes: dict[tuple[int, int], bytes | None] = {}
        for index in indexes:
            if not _is_int(index) or not 0 <= index < size:
                raise ValueError(f"leaf index {index!r} is not in a tree of {size} leaves")
            if index not in self._paths:
                path = _path_nodes(index, size)
                self._paths[index] = path
                self._nodes.update(dict.fromkeys(path))
                self._nodes[(index, index + 1)] = None
        self._count = 0
        self._stack: list[tuple[int, int, bytes]] = []  # (first leaf, leaf count, root)
        self._root: bytes | None = None

    @property
    def count(self) -> int:
        """How many leaf hashes have been added."""
        return self._count

    def _keep(self, start: int, end: int, node: bytes) -> None:
        if (start, end) in self._nodes:
            self._nodes[(start, end)] = node

    def add(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash, in order, up to `size` of them."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        if self._count >= self.size:
            raise ValueError(f"the tree has {self.size} leaves; no more can be added")
        start, width, node = self._count, 1, leaf_hash
        self._keep(start, start + 1, node)
        while self._stack and self._stack[-1][1] == width:
            start, _, left = self._stack.pop()
            width, node = 2 * width, node_hash(left, node)
            self._keep(start, start + width, node)
        self._stack.append((start, width, node))
        self._count += 1
        if self._count == self.size:
            right: bytes | None = None
            for start, _, node in reversed(self._stack):
                right = node if right is None else node_hash(node, right)
                self._keep(start, self.size, right)
            self._root = right

    def _done(self) -> None:
        if self._root is None:
            raise ValueError(f"only {self._count} of the tree's {self.size} leaves were added")

    def root(self) -> bytes:
        """The root of the tree (all its leaves added)."""
        self._done()
        assert self._root is not None
        return self._root

    def leaf(self, index: int) -> bytes:
        """The leaf hash that was added at `index` (one of the indexes to prove)."""
        self._done()
        found = self._nodes.get((index, index + 1)) if index in self._paths else None
        if found is None:
            raise ValueError(f"leaf {index!r} is not one of the leaves to prove")
        return found

    def proof(self, index: int) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 §2.1.3.1 (one of the indexes to prove)."""
        self._done()
        path = self._paths.get(index)
        if path is None:
            raise ValueError(f"leaf {index!r} is not one of the leaves to prove")
        proof = [self._nodes[node] for node in path]
        assert all(p is not None for p in proof)
        return [p for p in proof if p is not None]


# --------------------------------------------------------------------------- verifying


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value: object) -> int | None:
    """The value if it is a JSON integer (not a boolean), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_hash_list(proof: object) -> bool:
    if not isinstance(proof, Sequence) or isinstance(proof, str | bytes | bytearray):
        return False
    return all(_is_hash(p) for p in proof)


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def _inclusion_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) has (for 0 <= index < size)."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def _consistency_length(m: int, n: int) -> int:
    """How many hashes PROOF(m, D[n]) has (for 0 < m <= n)."""
    if m == n:
        return 0
    shift = ((m & -m).bit_length()) - 1  # trailing zero bits of m
    inner = (((m - 1) ^ (n - 1)).bit_length()) - shift
    border = ((m - 1) >> (inner + shift)).bit_count()
    return inner + border + (0 if m == 1 << shift else 1)


def _inclusion_root(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root that an inclusion proof leads to, or None if the proof is malformed.

    RFC 9162 §2.1.3.2, steps 1 to 4 and the `sn == 0` test of step 5.
    """
    if not (_is_int(index) and _is_int(size) and _is_hash(leaf) and _is_hash_list(proof)):
        return None
    # 1. leaf_index >= tree_size fails (and so does a negative index).
    if index < 0 or index >= size:
        return None
    if len(proof) != _inclusion_length(index, size):
        return None
    # 2. and 3.
    fn, sn, r = index, size - 1, leaf
    # 4.
    for p in proof:
        if sn == 0:  # a. more hashes than levels
            return None
        if fn & 1 or fn == sn:  # b.
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # c.
        sn >>= 1
    # 5. (the root comparison is the caller's)
    return r if sn == 0 else None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows leaf `leaf_hash` at `index` in the tree of `size` with `root`.

    RFC 9162 §2.1.3.2, plus a check that the proof has exactly the length PATH gives.
    Never raises: malformed input (index >= size, wrong hash lengths …) is False.
    The size itself is bound only by what is signed with the root (the checkpoint).
    """
    if not _is_hash(root):
        return False
    computed = _inclusion_root(leaf_hash, index, size, proof)
    return computed is not None and _same(computed, root)


def _consistency_roots(
    m: int, n: int, root_m: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes] | None:
    """The two roots a consistency proof leads to (first, second), or None if malformed.

    RFC 9162 §2.1.4.2 steps 1 to 6 and the `sn == 0` test of step 7, for 0 < m < n.
    """
    if not (_is_int(m) and _is_int(n) and 0 < m < n and _is_hash(root_m)):
        return None
    if not _is_hash_list(proof):
        return None
    if len(proof) != _consistency_length(m, n):
        return None
    # 1. An empty path fails.
    if not proof:
        return None
    path = list(proof)
    # 2. A power-of-two first size: its root is a node of the second tree; start there.
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    # 3. and 4.
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:  # a. more hashes than levels
            return None
        if fn & 1 or fn == sn:  # b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # c.
        sn >>= 1
    # 7. (the root comparisons are the caller's)
    return (fr, sr) if sn == 0 else None


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of size m with root_m is a prefix of size n's.

    RFC 9162 §2.1.4.2 for 0 < m < n, plus a check that the proof has exactly the length
    PROOF gives. m == n holds only with an empty proof and equal roots; m == 0 (nothing
    to prove), m > n and malformed input are False. Never raises.
    """
    if not (_is_int(m) and _is_int(n) and _is_hash(root_m) and _is_hash(root_n)):
        return False
    if m <= 0 or m > n:
        return False
    if m == n:
        return _is_hash_list(proof) and len(proof) == 0 and _same(root_m, root_n)
    roots = _consistency_roots(m, n, root_m, proof)
    return roots is not None and _same(roots[0], root_m) and _same(roots[1], root_n)


# --------------------------------------------------------------------------- checkpoints


def checkpoint_message(tree_size: int, root: bytes, made_at: str) -> bytes:
    """The exact bytes a checkpoint's Ed25519 signature covers.

    `yimai-checkpoint/v1`, the tree size, the root in lower-case hex and the time, each
    on its own line ending in a newline.
    """
    return CHECKPOINT_PREFIX + f"{tree_size}\n{root.hex()}\n{made_at}\n".encode()


def load_public_key(public_key_pem: str) -> Ed25519PublicKey:
    """The Ed25519 public key in this PEM text; ValueError if it is anything else."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm, AttributeError) as error:
        raise ValueError("not a PEM public key") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_id(public_key_pem: str) -> str:
    """A key's short name: the first 16 hex digits of SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(_raw(load_public_key(public_key_pem))).hexdigest()[:16]


@dataclass(frozen=True)
class _Checkpoint:
    tree_size: int
    root: bytes
    made_at: str
    signature: bytes
    key_id: str | None


def _parse_checkpoint(cp: object) -> _Checkpoint | str:
    """The checkpoint's fields, or a sentence saying what is wrong with them."""
    if not isinstance(cp, Mapping):
        return "the checkpoint is not a JSON object"
    missing = [f for f in ("tree_size", "root", "made_at", "signature") if f not in cp]
    if missing:
        return f"the checkpoint lacks {', '.join(missing)}"
    tree_size, root_hex, made_at = cp["tree_size"], cp["root"], cp["made_at"]
    signature_text, key_id = cp["signature"], cp.get("key_id")
    if not _is_int(tree_size) or not 0 <= tree_size <= MAX_TREE_SIZE:
        return f"the checkpoint's tree_size {tree_size!r} is not a whole number of events"
    if not isinstance(root_hex, str) or not _HEX_HASH.fullmatch(root_hex):
        return "the checkpoint's root is not 64 hexadecimal digits"
    if not isinstance(made_at, str) or "\n" in made_at:
        return "the checkpoint's made_at is not a single-line text"
    signature = _base64(signature_text)
    if signature is None or len(signature) != 64:
        return "the checkpoint's signature is not 64 bytes of base64"
    if key_id is not None and (not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id)):
        return "the checkpoint's key_id is not 16 lower-case hexadecimal digits"
    return _Checkpoint(tree_size, bytes.fromhex(root_hex), made_at, signature, key_id)


def _checkpoint_problem(cp: _Checkpoint, key: Ed25519PublicKey, key_id: str) -> str | None:
    """What is wrong with a well-formed checkpoint under this key, or None if nothing."""
    if cp.key_id is not None and cp.key_id != key_id:
        return f"the checkpoint names key {cp.key_id}, but the public key is {key_id}"
    try:
        key.verify(cp.signature, checkpoint_message(cp.tree_size, cp.root, cp.made_at))
    except InvalidSignature:
        return (
            f"the checkpoint's signature does not match key {key_id}: its size, root or "
            "time was changed after signing, or another key signed it"
        )
    return None


def verify_checkpoint(cp: Mapping[str, Any], public_key_pem: str) -> bool:
    """Whether this checkpoint (as JSON) is signed by this Ed25519 public key (PEM).

    The signature (base64) must cover `checkpoint_message` of its tree_size, root (hex)
    and made_at; a key_id, if present, must be this key's. Never raises.
    """
    parsed = _parse_checkpoint(cp)
    if isinstance(parsed, str):
        return False
    try:
        key_id = public_key_id(public_key_pem)
        key = load_public_key(public_key_pem)
    except (ValueError, AttributeError):
        return False
    return _checkpoint_problem(parsed, key, key_id) is None


# --------------------------------------------------------------------------- proof files


def _base64(value: object) -> bytes | None:
    """Strict standard base64 (padding required, no other characters), or None."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _hash_list(value: object) -> list[bytes] | None:
    if not isinstance(value, list):
        return None
    hashes: list[bytes] = []
    for item in value:
        if not isinstance(item, str) or not _HEX_HASH.fullmatch(item):
            return None
        hashes.append(bytes.fromhex(item))
    return hashes


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith(("s", "sh")) else f"{count} {word}s"


class _Report:
    """The lines of one verification: what was checked, and whether it held."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = False

    def ok(self, text: str) -> None:
        self.lines.append(f"OK: {text}")

    def fail(self, text: str) -> None:
        self.failed = True
        self.lines.append(f"FAILED: {text}")

    def note(self, text: str) -> None:
        self.lines.append(f"NOTE: {text}")

    def result(self) -> tuple[bool, list[str]]:
        return not self.failed, self.lines


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _public_key(
    document: Mapping[str, Any],
    pinned_pem: str | None,
    pinned_id: str | None,
    report: _Report,
    *,
    bundle: bool = False,
) -> tuple[Ed25519PublicKey, str] | None:
    """The key to check signatures with: the file's, which must match a pinned one."""
    pem = document.get("public_key")
    if not isinstance(pem, str):
        report.fail("the file has no public_key (PEM text)")
        return None
    try:
        key, key_id = load_public_key(pem), public_key_id(pem)
    except ValueError as error:
        report.fail(f"the file's public_key is unusable: {error}")
        return None
    if pinned_pem is not None:
        try:
            pinned_key, pinned_id = load_public_key(pinned_pem), public_key_id(pinned_pem)
        except ValueError as error:
            report.fail(f"the expected public key is unusable: {error}")
            return None
        if _raw(pinned_key) != _raw(key):
            report.fail(
                f"the file's public key (key id {key_id}) is not the expected one "
                f"(key id {pinned_id}): it was not signed by your Yimai"
            )
            return None
    if pinned_id is None:
        report.ok(f"public key: Ed25519, key id {key_id}")
        if bundle:
            report.note(
                f"the public key comes from the bundle itself, and a bundle's own key proves "
                "nothing: whoever made the bundle could have signed it with a key of their "
                f"own. It proves something only if key id {key_id} is the key your Yimai "
                "publishes (`yimai key export`): compare them, or pass --public-key or --key-id"
            )
        else:
            report.note(
                f"the public key comes from the file itself; make sure key id {key_id} is the "
                "one your Yimai publishes (`yimai key export`), or pass --public-key or "
                "--key-id"
            )
        return key, key_id
    if pinned_id.strip().lower() != key_id:
        report.fail(
            f"the file's public key (key id {key_id}) is not the expected one "
            f"(key id {pinned_id.strip().lower()}): it was not signed by your Yimai"
        )
        return None
    report.ok(f"public key: Ed25519, key id {key_id}, the expected key")
    return key, key_id


def _checkpoint(
    label: str, value: object, key: Ed25519PublicKey, key_id: str, report: _Report
) -> _Checkpoint | None:
    parsed = _parse_checkpoint(value)
    if isinstance(parsed, str):
        report.fail(f"{label}: {parsed}")
        return None
    problem = _checkpoint_problem(parsed, key, key_id)
    if problem is not None:
        report.fail(f"{label}: {problem}")
        return None
    report.ok(
        f"{label}: signed by key {key_id}: {_plural(parsed.tree_size, 'event')}, "
        f"root {parsed.root.hex()}, made at {parsed.made_at}"
    )
    return parsed


def _event_hash(leaf: object, report: _Report) -> bytes | None:
    """The leaf hash of the event the file shows, or None (reported) if it is malformed."""
    if not isinstance(leaf, Mapping):
        report.fail("the file has no leaf (the event: id, version, topic, state)")
        return None
    event_id, topic = leaf.get("id"), leaf.get("topic")
    version, state = _as_int(leaf.get("version")), _base64(leaf.get("state"))
    if not isinstance(event_id, str) or not event_id:
        report.fail("the event's id is missing or not text")
    elif version is None:
        report.fail("the event's version is missing or not a whole number")
    elif not isinstance(topic, str):
        report.fail("the event's topic is missing or not text")
    elif state is None:
        report.fail("the event's state is missing or not standard base64")
    else:
        try:
            event_hash = leaf_hash(leaf_bytes(event_id, version, topic, state))
        except (ValueError, UnicodeError) as error:
            report.fail(f"the event cannot be encoded as a leaf: {error}")
            return None
        report.ok(f"event {event_id} version {version} ({topic}): leaf hash {event_hash.hex()}")
        return event_hash
    return None


def _verify_inclusion_document(
    document: Mapping[str, Any], key: Ed25519PublicKey, key_id: str, report: _Report
) -> None:
    checkpoint = _checkpoint("checkpoint", document.get("checkpoint"), key, key_id, report)
    event_hash = _event_hash(document.get("leaf"), report)
    index, size = _as_int(document.get("leaf_index")), _as_int(document.get("tree_size"))
    proof = _hash_list(document.get("proof"))
    if size is None or not 1 <= size <= MAX_TREE_SIZE:
        report.fail(f"the tree_size {document.get('tree_size')!r} is not a positive whole number")
        size = None
    elif index is None or not 0 <= index < size:
        shown = document.get("leaf_index")
        report.fail(f"the leaf_index {shown!r} is not a position in a log of {size} events")
        index = None
    elif checkpoint is not None and size != checkpoint.tree_size:
        report.fail(
            f"the proof is for a log of {size} events, but the checkpoint signs "
            f"{checkpoint.tree_size}"
        )
        size = None
    if proof is None:
        report.fail("the proof is not a list of 64-digit hexadecimal hashes")
    if checkpoint is None or event_hash is None or proof is None or index is None or size is None:
        report.fail("inclusion: not checked, because of the problems above")
        return
    expected = _inclusion_length(index, size)
    if len(proof) != expected:
        report.fail(
            f"inclusion: the proof has {_plural(len(proof), 'hash')}, but a proof for "
            f"leaf {index} in a log of {size} events has {expected}"
        )
        return
    computed = _inclusion_root(event_hash, index, size, proof)
    if computed is None or not _same(computed, checkpoint.root):
        leads_to = "nowhere" if computed is None else computed.hex()
        report.fail(
            f"inclusion: the event and the proof lead to root {leads_to}, not to the signed "
            f"root {checkpoint.root.hex()}: the event, its position or the proof was changed"
        )
        return
    report.ok(
        f"inclusion: the event is leaf {index} (counting from 0) of the {size} signed; "
        f"{_plural(len(proof), 'proof hash')} lead to the signed root"
    )


def _verify_consistency_document(
    document: Mapping[str, Any], key: Ed25519PublicKey, key_id: str, report: _Report
) -> None:
    first = _checkpoint("first checkpoint", document.get("first"), key, key_id, report)
    second = _checkpoint("second checkpoint", document.get("second"), key, key_id, report)
    proof = _hash_list(document.get("proof"))
    if proof is None:
        report.fail("the proof is not a list of 64-digit hexadecimal hashes")
    if first is None or second is None or proof is None:
        report.fail("consistency: not checked, because of the problems above")
        return
    m, n = first.tree_size, second.tree_size
    if m == 0:
        report.fail("consistency: the first checkpoint is of an empty log; nothing to prove")
        return
    if m > n:
        report.fail(f"consistency: the first checkpoint ({m} events) is after the second ({n})")
        return
    expected = _consistency_length(m, n)
    if len(proof) != expected:
        report.fail(
            f"consistency: the proof has {_plural(len(proof), 'hash')}, but a proof from "
            f"{m} to {n} events has {expected}"
        )
        return
    if m == n:
        if _same(first.root, second.root):
            report.ok(f"consistency: both checkpoints sign the same log of {m} events")
        else:
            report.fail(
                f"consistency: two checkpoints of {m} events sign different roots: "
                "the log was rewritten"
            )
        return
    roots = _consistency_roots(m, n, first.root, proof)
    if roots is None:
        report.fail("consistency: the proof is malformed")
        return
    if not _same(roots[0], first.root):
        report.fail(
            f"consistency: the proof leads to root {roots[0].hex()} for the first {m} events, "
            f"not to the first checkpoint's {first.root.hex()}"
        )
    if not _same(roots[1], second.root):
        report.fail(
            f"consistency: the proof leads to root {roots[1].hex()} for {n} events, not to "
            f"the second checkpoint's {second.root.hex()}: the log was rewritten between "
            "the checkpoints, or the proof was changed"
        )
    if _same(roots[0], first.root) and _same(roots[1], second.root):
        report.ok(
            f"consistency: the log of {n} events extends the log of {m} unchanged "
            f"({_plural(len(proof), 'proof hash')})"
        )


# --------------------------------------------------------------------------- evidence bundles

#: The format (and its version) of an evidence bundle.
EVIDENCE_FORMAT = "yimai-evidence/1"
#: What a bundle selects: one entity's events, one actor's, or a run of the log by date.
SELECTION_KINDS = ("entity", "actor", "range")
#: Problems of single events listed one by one; beyond this many they are counted.
_MAX_LISTED = 100
_EVENT_FIELDS = (
    "leaf_index",
    "notification_id",
    "originator_id",
    "originator_version",
    "topic",
    "state",
    "tree_size",
    "proof",
)


@dataclass(frozen=True)
class _BundledEvent:
    """One event of a bundle, well-formed (not yet checked against its checkpoint)."""

    label: str
    leaf_index: int
    position: int
    originator_id: str
    version: int
    topic: str
    state: bytes
    tree_size: int
    proof: list[bytes]

    @property
    def place(self) -> str:
        return (
            f"{self.label} (leaf {self.leaf_index}, position {self.position}, aggregate "
            f"{self.originator_id} version {self.version})"
        )


def _parse_event(label: str, entry: object) -> _BundledEvent | str:
    """The event's fields, or a sentence saying what is wrong with them."""
    if not isinstance(entry, Mapping):
        return f"{label} is not a JSON object"
    missing = [f for f in _EVENT_FIELDS if f not in entry]
    if missing:
        return f"{label} lacks {', '.join(missing)}"
    leaf_index, position = _as_int(entry["leaf_index"]), _as_int(entry["notification_id"])
    version, tree_size = _as_int(entry["originator_version"]), _as_int(entry["tree_size"])
    originator_id, topic = entry["originator_id"], entry["topic"]
    state, proof = _base64(entry["state"]), _hash_list(entry["proof"])
    if leaf_index is None or leaf_index < 0:
        return f"{label}: the leaf_index is not a whole number"
    if position is None or position < 1:
        return f"{label} (leaf {leaf_index}): the notification_id is not a positive number"
    if not isinstance(originator_id, str) or not originator_id:
        return f"{label} (leaf {leaf_index}): the originator_id is missing or not text"
    if version is None:
        return f"{label} (leaf {leaf_index}): the originator_version is not a whole number"
    if not isinstance(topic, str):
        return f"{label} (leaf {leaf_index}): the topic is not text"
    if state is None:
        return f"{label} (leaf {leaf_index}): the state is not standard base64"
    if tree_size is None or not 1 <= tree_size <= MAX_TREE_SIZE:
        return f"{label} (leaf {leaf_index}): the tree_size is not a positive whole number"
    if proof is None:
        return f"{label} (leaf {leaf_index}): the proof is not a list of 64-digit hex hashes"
    return _BundledEvent(
        label, leaf_index, position, originator_id, version, topic, state, tree_size, proof
    )


def _event_problem(event: _BundledEvent, checkpoints: Mapping[int, _Checkpoint]) -> str | None:
    """Why this event is not shown in the signed log as it stands, or None if it is."""
    checkpoint = checkpoints.get(event.tree_size)
    if checkpoint is None:
        return (
            f"{event.place}: its proof is against a log of {event.tree_size} events, and the "
            "bundle holds no validly signed checkpoint of that size"
        )
    if event.leaf_index >= event.tree_size:
        return f"{event.place}: leaf {event.leaf_index} is not in a log of {event.tree_size}"
    expected = _inclusion_length(event.leaf_index, event.tree_size)
    if len(event.proof) != expected:
        return (
            f"{event.place}: the proof has {_plural(len(event.proof), 'hash')}, but a proof "
            f"for leaf {event.leaf_index} in a log of {event.tree_size} events has {expected}"
        )
    try:
        data = leaf_bytes(event.originator_id, event.version, event.topic, event.state)
    except (ValueError, UnicodeError) as error:
        return f"{event.place}: the event cannot be encoded as a leaf: {error}"
    computed = _inclusion_root(leaf_hash(data), event.leaf_index, event.tree_size, event.proof)
    if computed is None or not _same(computed, checkpoint.root):
        leads_to = "nowhere" if computed is None else computed.hex()
        return (
            f"{event.place}: the event and its proof lead to root {leads_to}, not to the "
            f"signed root of checkpoint {event.tree_size}: the event's bytes, its leaf index "
            "or the proof was changed"
        )
    return None


def _state_document(state: bytes) -> Mapping[str, Any] | None:
    """The event's stored state as a JSON object, or None if it is not one."""
    try:
        document = json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return document if isinstance(document, Mapping) else None


def event_actor(state: bytes) -> str | None:
    """Who caused the event, as its stored state records it (None if it does not)."""
    document = _state_document(state)
    actor = None if document is None else document.get("actor")
    return actor if isinstance(actor, str) else None


def event_time(state: bytes) -> datetime | None:
    """When the event happened, as its stored state records it (an aware time), or None.

    The event store writes a time as `{"_type_": "datetime_iso", "_data_": ISO text}`.
    """
    document = _state_document(state)
    value = None if document is None else document.get("timestamp")
    if isinstance(value, Mapping) and value.get("_type_") == "datetime_iso":
        value = value.get("_data_")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _moment(value: object) -> datetime | str | None:
    """An aware time from ISO text; None for a JSON null; an error sentence otherwise."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "is not ISO 8601 text"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "is not ISO 8601 text"
    if moment.tzinfo is None:
        return "has no time zone"
    return moment


class _Listing:
    """Problems of single events: each listed, up to `_MAX_LISTED`, then counted."""

    def __init__(self, report: _Report) -> None:
        self.report = report
        self.count = 0

    def fail(self, text: str) -> None:
        self.count += 1
        if self.count <= _MAX_LISTED:
            self.report.fail(text)

    def close(self) -> None:
        if self.count > _MAX_LISTED:
            self.report.fail(f"… and {self.count - _MAX_LISTED} more problems with single events")


def _bundle_checkpoints(
    value: object, key: Ed25519PublicKey, key_id: str, report: _Report
) -> dict[int, _Checkpoint]:
    """The bundle's checkpoints whose signatures hold, by tree size."""
    if not isinstance(value, list) or not value:
        report.fail("the bundle has no checkpoints (a non-empty list)")
        return {}
    signed: dict[int, _Checkpoint] = {}
    for number, cp in enumerate(value, 1):
        label = "checkpoint" if len(value) == 1 else f"checkpoint {number}"
        parsed = _checkpoint(label, cp, key, key_id, report)
        if parsed is None:
            continue
        other = signed.get(parsed.tree_size)
        if other is not None and not _same(other.root, parsed.root):
            report.fail(
                f"two checkpoints of {parsed.tree_size} events sign different roots: the log "
                "was rewritten"
            )
            continue
        signed[parsed.tree_size] = parsed
    return signed


def _bundle_events(
    value: object, checkpoints: Mapping[int, _Checkpoint], report: _Report
) -> list[_BundledEvent] | None:
    """The bundle's events, each checked against its checkpoint; None if they are unusable."""
    if not isinstance(value, list):
        report.fail("the bundle has no list of events")
        return None
    if not value:
        report.fail("the bundle holds no events")
        return None
    if not checkpoints:
        report.fail("events: not checked, because no checkpoint of the bundle is validly signed")
    listing = _Listing(report)
    events: list[_BundledEvent] = []
    malformed = 0
    for number, entry in enumerate(value, 1):
        parsed = _parse_event(f"event {number}", entry)
        if isinstance(parsed, str):
            listing.fail(parsed)
            malformed += 1
            continue
        events.append(parsed)
        problem = _event_problem(parsed, checkpoints) if checkpoints else None
        if problem is not None:
            listing.fail(problem)
    for before, after in pairwise(events):
        if after.leaf_index <= before.leaf_index:
            listing.fail(
                f"{after.place} comes after leaf {before.leaf_index}: the events are not in "
                "log order, or one is there twice"
            )
        elif after.position <= before.position:
            listing.fail(
                f"{after.place}: its position does not come after {before.position}, though "
                "its leaf does"
            )
    listing.close()
    if listing.count == 0 and checkpoints:
        sizes = sorted({e.tree_size for e in events})
        under = ", ".join(str(size) for size in sizes)
        report.ok(
            f"events: all {_plural(len(events), 'event')} are in the signed log exactly as "
            f"shown: each leaf hash recomputed from the event's bytes, each inclusion proof "
            f"leads to the signed root (checkpoint {under})"
        )
    return None if malformed else events


def _counted(value: object, name: str) -> int | None:
    return _as_int(value.get(name)) if isinstance(value, Mapping) else None


def _check_manifest(
    manifest: Mapping[str, Any],
    events: Sequence[_BundledEvent],
    checkpoints: Mapping[int, _Checkpoint],
    key_id: str,
    report: _Report,
) -> None:
    """The manifest's counts and summary against what the bundle holds."""
    failed = report.failed
    aggregates = len({e.originator_id.lower() for e in events})
    counts = manifest.get("counts")
    for name, actual in (("events", len(events)), ("aggregates", aggregates)):
        stated = _counted(counts, name)
        if stated != actual:
            report.fail(f"manifest: it counts {stated!r} {name}, but the bundle holds {actual}")
    stated_key = manifest.get("key_id")
    if stated_key is not None and stated_key != key_id:
        report.fail(f"manifest: it names key {stated_key!r}, but the bundle's key is {key_id}")
    cp = manifest.get("checkpoint")
    size = _counted(cp, "tree_size")
    signed = checkpoints.get(size) if size is not None else None
    root_hex = cp.get("root") if isinstance(cp, Mapping) else None
    if signed is None or not isinstance(root_hex, str) or root_hex.lower() != signed.root.hex():
        report.fail(
            "manifest: its checkpoint (size and root) is not one of the bundle's signed checkpoints"
        )
    elif any(e.tree_size != size for e in events):
        report.fail(f"manifest: not every event is proven against checkpoint {size}")
    for name, first, last in (
        ("leaves", events[0].leaf_index, events[-1].leaf_index),
        ("positions", events[0].position, events[-1].position),
    ):
        span = manifest.get(name)
        ends = (_counted(span, "first"), _counted(span, "last"))
        if ends != (first, last):
            report.fail(
                f"manifest: its {name} run from {ends[0]!r} to {ends[1]!r}, but the "
                f"events' run from {first} to {last}"
            )
    if report.failed == failed:
        report.ok(
            f"manifest: its counts match ({_plural(len(events), 'event')} of "
            f"{_plural(aggregates, 'aggregate')}), and so do its checkpoint and first and "
            "last leaves and positions"
        )
    report.note(
        "the manifest itself is not signed: what the bundle proves is what this report "
        "says, not what the manifest claims"
    )


def _check_entity(
    selection: Mapping[str, Any], events: Sequence[_BundledEvent], report: _Report
) -> None:
    entity = selection.get("entity")
    if not isinstance(entity, str) or not entity:
        report.fail("selection: the entity (an aggregate id) is missing")
        return
    failed = report.failed
    listing = _Listing(report)
    expected = 1
    for event in events:
        if event.originator_id.lower() != entity.lower():
            listing.fail(f"{event.place} is not an event of the selected entity {entity}")
            continue
        if event.version > expected:
            missing = (
                f"version {expected} is"
                if event.version == expected + 1
                else f"versions {expected} to {event.version - 1} are"
            )
            listing.fail(
                f"entity: {missing} missing before leaf {event.leaf_index}: events of the "
                "entity were left out"
            )
        elif event.version < expected:
            listing.fail(f"entity: {event.place} repeats a version or comes out of order")
        expected = max(expected, event.version + 1)
    listing.close()
    if report.failed == failed:
        report.ok(
            f"entity: every event is of aggregate {entity}, versions 1 to {expected - 1} in "
            "log order, none missing"
        )
        report.note(
            f"later versions of the entity (after version {expected - 1}: recorded after the "
            "checkpoint, or left out of the end of the bundle) cannot be ruled out by it"
        )


def _timestamps(
    events: Sequence[_BundledEvent],
    start: datetime | None,
    end: datetime | None,
    listing: _Listing,
    *,
    early_ok: bool,
) -> list[_BundledEvent]:
    """Check each event's own time against [start, end); the events dated before start
    (when `early_ok`, they are returned instead of failing)."""
    early: list[_BundledEvent] = []
    for event in events:
        moment = event_time(event.state)
        if moment is None:
            listing.fail(f"{event.place}: the event's time cannot be read from its state")
        elif end is not None and moment >= end:
            listing.fail(f"{event.place} is dated {moment.isoformat()}, after the range")
        elif start is not None and moment < start:
            if early_ok:
                early.append(event)
            else:
                listing.fail(f"{event.place} is dated {moment.isoformat()}, before the range")
    return early


def _range_text(start: datetime | None, end: datetime | None) -> str:
    if start is None and end is None:
        return ""
    low = start.isoformat() if start else "the beginning"
    high = f"before {end.isoformat()}" if end else "onwards"
    return f"from {low} {high}"


def _bounds(
    selection: Mapping[str, Any], report: _Report, *, required: bool
) -> tuple[datetime | None, datetime | None] | None:
    start, end = _moment(selection.get("start")), _moment(selection.get("end"))
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, str):
            report.fail(f"selection: the {name} {value}")
            return None
    assert not isinstance(start, str) and not isinstance(end, str)
    if required and start is None:
        report.fail("selection: a range needs its start")
        return None
    if start is not None and end is not None and end <= start:
        report.fail("selection: the range ends before it starts")
        return None
    return start, end


def _check_actor(
    selection: Mapping[str, Any], events: Sequence[_BundledEvent], report: _Report
) -> None:
    actor = selection.get("actor")
    if not isinstance(actor, str) or not actor:
        report.fail("selection: the actor (a user name) is missing")
        return
    bounds = _bounds(selection, report, required=False)
    if bounds is None:
        return
    failed = report.failed
    listing = _Listing(report)
    for event in events:
        recorded = event_actor(event.state)
        if recorded is None:
            listing.fail(f"{event.place}: the event's actor cannot be read from its state")
        elif recorded != actor:
            listing.fail(f"{event.place} was caused by {recorded!r}, not by {actor!r}")
    _timestamps(events, *bounds, listing, early_ok=False)
    listing.close()
    if report.failed == failed:
        dated = _range_text(*bounds)
        report.ok(
            f"actor: every event records {actor!r} as who caused it"
            + (f", and is dated {dated}" if dated else "")
        )
        report.note(
            "events of this actor that are not in the bundle cannot be ruled out: an actor's "
            "events are spread over the log, so a bundle cannot prove it holds them all"
        )


def _check_boundary(
    name: str,
    value: object,
    leaf_index: int | None,
    checkpoints: Mapping[int, _Checkpoint],
    report: _Report,
) -> _BundledEvent | None:
    """The event just before or after the run, checked against its checkpoint."""
    label = f"the event just {name} the run"
    if leaf_index is None:
        if value is not None:
            report.fail(f"range: the bundle shows {label}, but the run is at the log's {name}")
        return None
    if value is None:
        report.fail(
            f"range: {label} (leaf {leaf_index}) is missing, so where the run "
            f"{'begins' if name == 'before' else 'ends'} cannot be checked"
        )
        return None
    event = _parse_event(label, value)
    if isinstance(event, str):
        report.fail(f"range: {event}")
        return None
    problem = _event_problem(event, checkpoints)
    if problem is not None:
        report.fail(f"range: {problem}")
        return None
    if event.leaf_index != leaf_index:
        report.fail(f"range: {event.place} is not leaf {leaf_index}, next to the run")
        return None
    return event


def _check_range(
    selection: Mapping[str, Any],
    events: Sequence[_BundledEvent],
    boundary: object,
    checkpoints: Mapping[int, _Checkpoint],
    report: _Report,
) -> None:
    bounds = _bounds(selection, report, required=True)
    if bounds is None:
        return
    start, end = bounds
    assert start is not None
    failed = report.failed
    listing = _Listing(report)
    for one, two in pairwise(events):
        gap = two.leaf_index - one.leaf_index - 1
        if gap > 0:
            listing.fail(
                f"range: {_plural(gap, 'event')} between leaf {one.leaf_index} and leaf "
                f"{two.leaf_index} are missing: events of the range were left out"
            )
    early = _timestamps(events, start, end, listing, early_ok=True)
    listing.close()
    first, last = events[0].leaf_index, events[-1].leaf_index
    size = events[-1].tree_size
    if not isinstance(boundary, Mapping):
        boundary = {}
    before = _check_boundary(
        "before", boundary.get("before"), first - 1 if first else None, checkpoints, report
    )
    if before is not None:
        moment = event_time(before.state)
        if moment is None:
            report.fail(f"range: {before.place}: its time cannot be read from its state")
        elif moment >= start:
            report.fail(
                f"range: {before.place} is dated {moment.isoformat()}, within the range: it "
                "was recorded in the range, so the run's start was cut"
            )
    if end is None and last + 1 != size:
        report.fail(
            f"range: the range is open-ended, so the run must reach the end of the log it is "
            f"proven in (leaf {size - 1}), but it stops at leaf {last}"
        )
    after_index = last + 1 if last + 1 < size else None
    after = _check_boundary("after", boundary.get("after"), after_index, checkpoints, report)
    if report.failed != failed:
        return
    report.ok(
        f"range: the events are one unbroken run of the log, leaves {first} to {last}: "
        "nothing between the first and the last was left out"
    )
    report.ok(
        f"range: no event is dated after the range ({_range_text(start, end)})"
        if end is not None
        else f"range: the run reaches the last of the {_plural(size, 'event')} signed"
    )
    if before is not None:
        report.ok(f"range: the event before the run (leaf {first - 1}) is dated before it")
    else:
        report.ok("range: the run begins with the first event of the log")
    if early:
        report.note(
            f"{_plural(len(early), 'event')} of the run (the first at leaf "
            f"{early[0].leaf_index}) are dated before the range: they were recorded in it "
            "with an earlier date (a back-filled record, or one dated moments before the "
            "range began and saved after)"
        )
    if after is not None:
        moment = event_time(after.state)
        if moment is not None and end is not None and moment >= end:
            report.ok(f"range: the event after the run (leaf {last + 1}) is dated after it")
        elif moment is not None and end is not None and moment < end - CUT_TOLERANCE:
            # Yimai's clock never goes back along the log and an event is dated moments
            # before its save: an event saved after the range is not dated well inside it.
            report.fail(
                f"range: the run was cut at its end: the event after it (leaf {last + 1}) "
                f"is dated {moment.isoformat()}, inside the range ({_range_text(start, end)})"
            )
        else:
            report.note(
                f"the event after the run (leaf {last + 1}) is dated within the range or "
                "cannot be dated; the seal does not record when an event was saved, so "
                "whether the run was cut at its end rests on the exporter's word"
            )
    report.note(
        "a range is the events saved in it, as the commit index records them; that index "
        "is not sealed, so the ends of the run are checked only by the events' own dates"
    )


#: How far inside a range the event after its run may be dated (it was dated moments
#: before its save, which came after the range ended).
CUT_TOLERANCE = timedelta(minutes=5)


def _verify_evidence_document(
    document: Mapping[str, Any], pinned_pem: str | None, pinned_id: str | None, report: _Report
) -> None:
    form = document.get("format")
    if form != EVIDENCE_FORMAT:
        report.fail(f"unknown format {form!r}: expected {EVIDENCE_FORMAT!r}")
        return
    manifest = document.get("manifest")
    selection = manifest.get("selection") if isinstance(manifest, Mapping) else None
    kind = selection.get("kind") if isinstance(selection, Mapping) else None
    report.ok(f"kind: evidence bundle ({EVIDENCE_FORMAT}), selected by {kind}")
    keys = _public_key(document, pinned_pem, pinned_id, report, bundle=True)
    if keys is None:
        report.fail("evidence: not checked, because there is no trusted public key")
        return
    key, key_id = keys
    checkpoints = _bundle_checkpoints(document.get("checkpoints"), key, key_id, report)
    events = _bundle_events(document.get("events"), checkpoints, report)
    if not isinstance(manifest, Mapping) or not isinstance(selection, Mapping):
        report.fail("the bundle has no manifest with its selection")
        return
    if events is None:
        report.fail("manifest and selection: not checked, because of the problems above")
        return
    _check_manifest(manifest, events, checkpoints, key_id, report)
    if kind == "entity":
        _check_entity(selection, events, report)
    elif kind == "actor":
        _check_actor(selection, events, report)
    elif kind == "range":
        _check_range(selection, events, document.get("boundary"), checkpoints, report)
    else:
        report.fail(f"selection: unknown kind {kind!r}: expected one of {SELECTION_KINDS}")
    report.note(
        "positions (notification_id) are the database's numbering; the seal covers each "
        "event's leaf index, not its position"
    )
    known = {"kind", "format", "manifest", "public_key", "checkpoints", "events", "boundary"}
    unchecked = sorted(set(document) - known)
    if unchecked:
        report.note(f"not covered by the proofs, so not verified: {', '.join(unchecked)}")


def verify_document(
    document: object, public_key_pem: str | None = None, *, key_id: str | None = None
) -> tuple[bool, list[str]]:
    """Check a parsed proof file or evidence bundle; (verified, report lines) as
    `verify_file` gives them."""
    report = _Report()
    if not isinstance(document, Mapping):
        report.fail("the file is not a JSON object")
        return report.result()
    kind = document.get("kind")
    if kind == "evidence" or "format" in document:
        _verify_evidence_document(document, public_key_pem, key_id, report)
        return report.result()
    if kind not in ("inclusion", "consistency"):
        report.fail(f"unknown kind {kind!r}: expected 'inclusion', 'consistency' or 'evidence'")
        return report.result()
    report.ok(f"kind: {kind} proof")
    keys = _public_key(document, public_key_pem, key_id, report)
    if keys is None:
        report.fail(f"{kind}: not checked, because there is no trusted public key")
        return report.result()
    if kind == "inclusion":
        _verify_inclusion_document(document, *keys, report)
        known = {"kind", "leaf", "leaf_index", "tree_size", "proof", "checkpoint", "public_key"}
    else:
        _verify_consistency_document(document, *keys, report)
        known = {"kind", "first", "second", "proof", "public_key"}
    unchecked = sorted(set(document) - known)
    if unchecked:
        report.note(f"not covered by the proof, so not verified: {', '.join(unchecked)}")
    return report.result()


def verify_file(
    path: str | Path, public_key_pem: str | None = None, *, key_id: str | None = None
) -> tuple[bool, list[str]]:
    """Check one proof file or evidence bundle: (whether it verified, its report lines).

    Each line starts with `OK:`, `FAILED:` or `NOTE:`; it verified when no line failed.
    With `public_key_pem` (or just its `key_id`) the file must carry that very key;
    otherwise the file's own key is used and a note says so.
    """
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        return False, [f"FAILED: cannot read {path}: {error.strerror or error}"]
    except UnicodeDecodeError:
        return False, [f"FAILED: {path} is not UTF-8 text"]
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except ValueError as error:
        return False, [f"FAILED: {path} is not valid JSON: {error}"]
    return verify_document(document, public_key_pem, key_id=key_id)


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """`python yimai_verify.py FILE`: print what was checked; exit 0 if verified, 1 if not."""
    parser = argparse.ArgumentParser(
        prog="yimai_verify.py",
        description=(
            "Check a Yimai proof file (inclusion or consistency) or evidence bundle "
            "against its signed checkpoints, with no database. Exit status 0: verified; "
            "1: not verified."
        ),
    )
    parser.add_argument("file", help="the proof file or evidence bundle (JSON) to check")
    pin = parser.add_mutually_exclusive_group()
    pin.add_argument(
        "--public-key",
        metavar="PEM_FILE",
        help="the Yimai public key you trust (from `yimai key export`); the file must use it",
    )
    pin.add_argument(
        "--key-id",
        metavar="HEX",
        help="the 16-digit id of the Yimai key you trust; the file's key must have it",
    )
    args = parser.parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A console that cannot show some character must not hide the verdict.
        sys.stdout.reconfigure(errors="backslashreplace")

    print(f"Yimai proof verifier: {args.file}")
    ok, lines = False, []
    if args.public_key is not None:
        try:
            pinned_pem: str | None = Path(args.public_key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            lines = [f"FAILED: cannot read the public key {args.public_key}: {error}"]
            pinned_pem = None
        if pinned_pem is not None:
            ok, lines = verify_file(args.file, pinned_pem)
    else:
        ok, lines = verify_file(args.file, key_id=args.key_id)
    for line in lines:
        print(f"  {line}")
    if ok:
        print("RESULT: VERIFIED")
    else:
        failures = sum(line.startswith("FAILED:") for line in lines)
        print(f"RESULT: NOT VERIFIED ({_plural(failures, 'problem')})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
