"""The Merkle tree of the stand-alone verifier against RFC 9162 §2.1, written out again here.

A naive reference, transcribed from the RFC's recursive definitions (MTH, PATH,
PROOF/SUBPROOF) over the raw entries, says what every root and proof must be; two naive
verifiers, which undo those definitions recursively, judge each mutated proof
independently of the RFC's iterative algorithms that the verifier implements. Every tree
size from 1 to 64 is covered exhaustively: every leaf's inclusion proof and every
consistency proof verify, and every mutation of them is rejected.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence

import pytest

from verifier import yimai_verify
from verifier.yimai_verify import (
    EMPTY_ROOT,
    RootAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

SIZES = range(1, 65)
LARGER = (100, 1000)
#: Entries of every test tree: the first n make the tree of size n.
ENTRIES = tuple(f"event {i}".encode() for i in range(1024))
HASHES = tuple(leaf_hash(entry) for entry in ENTRIES)
OTHER = hashlib.sha256(b"a hash that is in no tree").digest()


# ------------------------------------------------------------ the RFC, written out again


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1), found by counting up."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1, over the entries themselves."""
    n = len(entries)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + entries[0])
    k = split(n)
    return sha256(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:]))


def naive_path(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of §2.1.3.1."""
    n = len(entries)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*naive_path(m, entries[:k]), naive_mth(entries[k:])]
    return [*naive_path(m - k, entries[k:]), naive_mth(entries[:k])]


def naive_subproof(m: int, entries: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of §2.1.4.1."""
    n = len(entries)
    if m == n:
        return [] if b else [naive_mth(entries)]
    k = split(n)
    if m <= k:
        return [*naive_subproof(m, entries[:k], b), naive_mth(entries[k:])]
    return [*naive_subproof(m - k, entries[k:], False), naive_mth(entries[:k])]


def naive_proof(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1."""
    return naive_subproof(m, entries, True)


def naive_inclusion_root(leaf: bytes, m: int, n: int, path: Sequence[bytes]) -> bytes | None:
    """The root a path leads to, by undoing PATH's recursion (the last hash is the top)."""
    if n == 1:
        return None if path else leaf
    if not path:
        return None
    k, top = split(n), path[-1]
    if m < k:
        left = naive_inclusion_root(leaf, m, k, path[:-1])
        return None if left is None else sha256(b"\x01" + left + top)
    right = naive_inclusion_root(leaf, m - k, n - k, path[:-1])
    return None if right is None else sha256(b"\x01" + top + right)


def naive_verify_inclusion(
    leaf: bytes, m: int, n: int, path: Sequence[bytes], tree_root: bytes
) -> bool:
    if not 0 <= m < n:
        return False
    return naive_inclusion_root(leaf, m, n, path) == tree_root


def naive_consistency_roots(
    m: int, n: int, old_root: bytes, proof: Sequence[bytes], b: bool
) -> tuple[bytes, bytes] | None:
    """(old root, new root) a proof leads to, by undoing SUBPROOF's recursion."""
    if m == n:
        if b:  # only left turns so far: this subtree is the old tree itself
            return None if proof else (old_root, old_root)
        return (proof[0], proof[0]) if len(proof) == 1 else None
    if not proof:
        return None
    k, top = split(n), proof[-1]
    if m <= k:
        inner = naive_consistency_roots(m, k, old_root, proof[:-1], b)
        return None if inner is None else (inner[0], sha256(b"\x01" + inner[1] + top))
    inner = naive_consistency_roots(m - k, n - k, old_root, proof[:-1], False)
    if inner is None:
        return None
    return sha256(b"\x01" + top + inner[0]), sha256(b"\x01" + top + inner[1])


def naive_verify_consistency(
    m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 < m <= n:
        return False
    roots = naive_consistency_roots(m, n, old_root, proof, True)
    return roots == (old_root, new_root)


@functools.cache
def prefix_root(n: int) -> bytes:
    """The naive root of the first n entries."""
    return naive_mth(ENTRIES[:n])


@functools.cache
def honest_inclusion(n: int, index: int) -> list[bytes]:
    proof = inclusion_proof(HASHES[:n], index)
    assert proof == naive_path(index, ENTRIES[:n]), f"PATH({index}, D[{n}])"
    return proof


@functools.cache
def honest_consistency(m: int, n: int) -> list[bytes]:
    proof = consistency_proof(HASHES, m, n)
    assert proof == naive_proof(m, ENTRIES[:n]), f"PROOF({m}, D[{n}])"
    return proof


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def mutations(proof: list[bytes]) -> Iterator[tuple[str, list[bytes]]]:
    """Every way of spoiling a proof that the tests try: each one must be rejected."""
    for i, value in enumerate(proof):
        for bit in sorted({0, (37 * i + 11) % 256, 255}):
            yield f"bit {bit} of hash {i} flipped", [*proof[:i], flip(value, bit), *proof[i + 1 :]]
        yield f"hash {i} dropped", proof[:i] + proof[i + 1 :]
        yield f"hash {i} duplicated", proof[: i + 1] + proof[i:]
        yield f"hash {i} replaced", [*proof[:i], OTHER, *proof[i + 1 :]]
    for i in range(len(proof) - 1):
        swapped = list(proof)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        yield f"hashes {i} and {i + 1} swapped", swapped
    if len(proof) > 2:
        yield "first and last swapped", [proof[-1], *proof[1:-1], proof[0]]
    yield "a hash added at the end", [*proof, OTHER]
    yield "a hash added at the start", [OTHER, *proof]
    if proof:
        yield "emptied", []
        yield "last hash repeated at the end", [*proof, proof[-1]]


# ------------------------------------------------------------ known answers


#: The Certificate Transparency reference test vectors (RFC 6962 hashing, which RFC 9162
#: keeps): eight entries, the roots of trees of size 0 to 8, and some proofs.
CT_ENTRIES = [
    bytes.fromhex(h)
    for h in [
        *("", "00", "10", "2021", "3031", "40414243", "5051525354555657"),
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, proof)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def test_the_published_reference_roots_and_proofs_come_out() -> None:
    hashes = [leaf_hash(entry) for entry in CT_ENTRIES]
    assert EMPTY_ROOT.hex() == CT_ROOTS[0] == root([]).hex()
    for n in range(9):
        assert root(hashes[:n]).hex() == CT_ROOTS[n], f"root of {n}"
    for index, n, expected in CT_INCLUSION:
        proof = inclusion_proof(hashes[:n], index)
        assert [p.hex() for p in proof] == expected
        assert verify_inclusion(hashes[index], index, n, proof, bytes.fromhex(CT_ROOTS[n]))
    for m, n, expected in CT_CONSISTENCY:
        proof = consistency_proof(hashes, m, n)
        assert [p.hex() for p in proof] == expected
        roots = bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n])
        assert verify_consistency(m, n, *roots, proof)


def test_leaf_and_node_hashes_carry_their_prefixes() -> None:
    assert leaf_hash(b"abc") == sha256(b"\x00abc")
    assert node_hash(b"L" * 32, b"R" * 32) == sha256(b"\x01" + b"L" * 32 + b"R" * 32)
    # A leaf whose bytes look like two hashes is still not the node over them.
    assert leaf_hash(b"L" * 32 + b"R" * 32) != node_hash(b"L" * 32, b"R" * 32)


# ------------------------------------------------------------ roots


@pytest.mark.parametrize("n", [0, *SIZES, *LARGER])
def test_the_root_is_the_rfc_merkle_tree_hash(n: int) -> None:
    assert root(HASHES[:n]) == prefix_root(n)


@pytest.mark.parametrize("n", [*SIZES, *LARGER])
def test_a_growing_tree_keeps_the_same_roots(n: int) -> None:
    accumulator = RootAccumulator()
    for value in HASHES[:n]:
        accumulator.append(value)
    assert (accumulator.size, accumulator.root()) == (n, prefix_root(n))


def test_the_accumulator_and_the_root_agree_at_every_size() -> None:
    accumulator = RootAccumulator()
    assert accumulator.root() == EMPTY_ROOT
    for n, value in enumerate(HASHES[:300], start=1):
        accumulator.append(value)
        assert accumulator.root() == root(HASHES[:n]), n


def test_a_growing_tree_can_be_saved_and_resumed() -> None:
    accumulator = RootAccumulator()
    for n, value in enumerate(HASHES[:70], start=1):
        accumulator.append(value)
        saved = (accumulator.size, accumulator.subtree_roots)
        assert len(saved[1]) == n.bit_count()
        resumed = RootAccumulator.from_subtree_roots(*saved)
        assert resumed.root() == accumulator.root() == prefix_root(n)
        resumed.append(HASHES[n])
        assert resumed.root() == prefix_root(n + 1)
    for size, roots in ((3, [OTHER]), (4, [OTHER, OTHER]), (1, [b"short"]), (-1, [])):
        with pytest.raises(ValueError):
            RootAccumulator.from_subtree_roots(size, roots)


def test_malformed_leaf_hashes_are_refused() -> None:
    with pytest.raises(ValueError):
        root([b"short"])
    with pytest.raises(ValueError):
        RootAccumulator().append(b"short")


# ------------------------------------------------------------ inclusion


def inclusion_indices(n: int) -> list[int]:
    """Every leaf up to 100; in bigger trees the edges, powers of two and a spread."""
    if n <= 100:
        return list(range(n))
    picked = {0, 1, n - 2, n - 1, *range(0, n, 37)}
    picked |= {p + d for p in (2**e for e in range(n.bit_length())) for d in (-1, 0, 1)}
    return sorted(i for i in picked if 0 <= i < n)


@pytest.mark.parametrize("n", [*SIZES, *LARGER])
def test_every_honest_inclusion_proof_verifies(n: int) -> None:
    tree_root = prefix_root(n)
    for index in inclusion_indices(n):
        proof = honest_inclusion(n, index)
        assert verify_inclusion(HASHES[index], index, n, proof, tree_root), (n, index)
        assert naive_verify_inclusion(HASHES[index], index, n, proof, tree_root)


@pytest.mark.parametrize("n", SIZES)
def test_every_mutated_inclusion_proof_is_rejected(n: int) -> None:
    tree_root = prefix_root(n)
    for index in range(n):
        proof = honest_inclusion(n, index)
        leaf = HASHES[index]

        def rejected(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
            ours = verify_inclusion(leaf, index, size, proof, root)
            theirs = naive_verify_inclusion(leaf, index, size, proof, root)
            return not ours and not theirs

        for what, spoiled in mutations(proof):
            assert rejected(leaf, index, n, spoiled, tree_root), (n, index, what)
        # The wrong leaf: a neighbour, the raw entry, the entry hashed without its prefix.
        for wrong in {HASHES[(index + 1) % (n + 1)], ENTRIES[index], sha256(ENTRIES[index])}:
            assert rejected(wrong, index, n, proof, tree_root), (n, index, "leaf")
        # The wrong position in the same tree.
        for wrong_index in {index - 1, index + 1, n - 1 - index, index ^ 1} - {index}:
            if 0 <= wrong_index < n:
                assert rejected(leaf, wrong_index, n, proof, tree_root), (n, index, wrong_index)
        for out_of_range in (n, n + 1, -1):
            assert not verify_inclusion(leaf, out_of_range, n, proof, tree_root)
        # Another tree size, with that tree's real root.
        for wrong_size in {n - 1, n + 1, 2 * n} - {n}:
            if wrong_size > index:
                wrong_root = prefix_root(wrong_size)
                assert rejected(leaf, index, wrong_size, proof, wrong_root), (n, wrong_size)
        # The wrong root: another tree's, or this one's with a bit flipped.
        for wrong_root in (prefix_root(n + 1), flip(tree_root, 100), EMPTY_ROOT):
            assert rejected(leaf, index, n, proof, wrong_root), (n, index, "root")
        # Another size with this tree's root: the RFC's algorithm decides as the naive one
        # does (see test_the_size_is_bound_only_by_the_signature_over_size_and_root).
        for other_size in {*range(index + 1, n + 3), 2 * n, 2 * n + 1}:
            ours = verify_inclusion(leaf, index, other_size, proof, tree_root)
            assert ours == naive_verify_inclusion(leaf, index, other_size, proof, tree_root)


def test_an_inner_node_cannot_pass_for_a_leaf() -> None:
    # Leaves 0 and 1 of a tree of 4 hang under node N; N with the rest of leaf 0's path
    # reaches the root, but the path is one hash short for a leaf of a 4-leaf tree.
    inner = node_hash(HASHES[0], HASHES[1])
    short = honest_inclusion(4, 0)[1:]
    assert not verify_inclusion(inner, 0, 4, short, prefix_root(4))


def test_the_size_is_bound_only_by_the_signature_over_size_and_root() -> None:
    # RFC 9162's algorithm cannot tell a leaf hash from a node hash in the path: leaf 0's
    # proof in the tree of 3 also "verifies" as leaf 0 of a tree of 4 whose root is that
    # same hash. A checkpoint signs size and root together, and a proof file's size must
    # be the checkpoint's (test_proof_files checks that a file claiming another is refused).
    proof = honest_inclusion(3, 0)
    assert verify_inclusion(HASHES[0], 0, 4, proof, prefix_root(3))
    assert naive_verify_inclusion(HASHES[0], 0, 4, proof, prefix_root(3))
    assert not verify_inclusion(HASHES[0], 0, 4, proof, prefix_root(4))


def test_impossible_inclusion_requests_are_refused() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(HASHES[:4], 4)
    with pytest.raises(ValueError):
        inclusion_proof(HASHES[:4], -1)
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    proof = honest_inclusion(4, 1)
    assert not verify_inclusion(HASHES[1], 1, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(HASHES[1], True, 4, proof, prefix_root(4))
    assert not verify_inclusion(HASHES[1], 1, 4, [*proof[:-1], b"short"], prefix_root(4))
    assert not verify_inclusion(HASHES[1], 1, 4, proof, b"short")
    assert not verify_inclusion(b"short", 1, 4, proof, prefix_root(4))


# ------------------------------------------------------------ consistency


def consistency_firsts(n: int) -> list[int]:
    """Every first size up to 100; in bigger trees the edges, powers of two and a spread."""
    if n <= 100:
        return list(range(1, n + 1))
    picked = {1, 2, n - 1, n, *range(1, n, 41)}
    picked |= {p + d for p in (2**e for e in range(n.bit_length())) for d in (-1, 0, 1)}
    return sorted(m for m in picked if 1 <= m <= n)


@pytest.mark.parametrize("n", [*SIZES, *LARGER])
def test_every_honest_consistency_proof_verifies(n: int) -> None:
    for m in consistency_firsts(n):
        proof = honest_consistency(m, n)
        assert verify_consistency(m, n, prefix_root(m), prefix_root(n), proof), (m, n)
        assert naive_verify_consistency(m, n, prefix_root(m), prefix_root(n), proof)
    assert honest_consistency(n, n) == []


@pytest.mark.parametrize("n", SIZES)
def test_every_mutated_consistency_proof_is_rejected(n: int) -> None:
    new_root = prefix_root(n)

    def rejected(m: int, size: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
        ours = verify_consistency(m, size, old, new, proof)
        theirs = naive_verify_consistency(m, size, old, new, proof)
        return not ours and not theirs

    for m in range(1, n + 1):
        proof = honest_consistency(m, n)
        old_root = prefix_root(m)
        for what, spoiled in mutations(proof):
            assert rejected(m, n, old_root, new_root, spoiled), (m, n, what)
        if m & (m - 1) == 0 and m < n:
            # The first root is implied for power-of-two sizes; sending it is malformed.
            assert rejected(m, n, old_root, new_root, [old_root, *proof]), (m, n)
        if m < n:
            assert rejected(n, m, new_root, old_root, proof), (m, n, "swapped")
        assert not verify_consistency(0, n, EMPTY_ROOT, new_root, proof), (m, n, "m = 0")
        assert not verify_consistency(0, n, EMPTY_ROOT, new_root, []), (n, "m = 0, empty")
        # Other sizes, each with its real root.
        for wrong_m in {m - 1, m + 1} - {m}:
            if 1 <= wrong_m <= n:
                assert rejected(wrong_m, n, prefix_root(wrong_m), new_root, proof), (m, n)
        for wrong_n in {n - 1, n + 1} - {n}:
            if wrong_n >= m:
                assert rejected(m, wrong_n, old_root, prefix_root(wrong_n), proof), (m, n)
        # The wrong roots: another tree's, or a bit flipped.
        for wrong_old in {prefix_root(m - 1), prefix_root(m + 1), flip(old_root, 3)}:
            assert rejected(m, n, wrong_old, new_root, proof), (m, n, "old root")
        for wrong_new in {prefix_root(n - 1), prefix_root(n + 1), flip(new_root, 200)}:
            assert rejected(m, n, old_root, wrong_new, proof), (m, n, "new root")
        # Other sizes with these very roots: the RFC's algorithm decides as the naive one.
        for other_m, other_n in {(m, n + 1), (m, n + 2), (m, 2 * n), (m - 1, n), (m + 1, n)}:
            ours = verify_consistency(other_m, other_n, old_root, new_root, proof)
            theirs = naive_verify_consistency(other_m, other_n, old_root, new_root, proof)
            assert ours == theirs, (m, n, other_m, other_n)


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    assert verify_consistency(5, 5, prefix_root(5), prefix_root(5), [])
    assert not verify_consistency(5, 5, prefix_root(5), prefix_root(5), [prefix_root(5)])
    assert not verify_consistency(5, 5, prefix_root(5), flip(prefix_root(5), 0), [])


def test_impossible_consistency_requests_are_refused() -> None:
    for m, n in ((0, 4), (5, 4), (2, 65), (-1, 4)):
        with pytest.raises(ValueError):
            consistency_proof(HASHES[:64], m, n)
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(2, 4, b"short", prefix_root(4), honest_consistency(2, 4))


# ------------------------------------------------------------ an independent library


def test_pymerkle_agrees_on_roots_and_inclusion_proofs() -> None:
    """pymerkle (GPL-3.0, https://github.com/fmerg/pymerkle), when installed, as a second
    opinion. Its roots and inclusion paths are RFC 9162's (a path there starts with the
    leaf itself); its consistency proofs have another format, so only its own verifier
    judges them, here against our roots."""
    pymerkle = pytest.importorskip(
        "pymerkle", reason="pymerkle is not installed; it is an optional cross-check only"
    )
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in ENTRIES[:1000]:
        tree.append_entry(entry)
    for n in [*SIZES, *LARGER]:
        assert tree.get_root(n) == root(HASHES[:n]), n
    for n in SIZES:
        tree_root = root(HASHES[:n])
        for index in range(n):
            theirs = tree.prove_inclusion(index + 1, n)  # pymerkle counts leaves from 1
            assert theirs.path == [HASHES[index], *inclusion_proof(HASHES[:n], index)]
            pymerkle.verify_inclusion(HASHES[index], tree_root, theirs, index=index + 1, size=n)
        for m in range(1, n + 1):
            theirs = tree.prove_consistency(m, n)
            pymerkle.verify_consistency(
                root(HASHES[:m]), tree_root, theirs, prior_size=m, later_size=n
            )


class _AnyLength:
    """Equal to every length: switches off the verifier's up-front length check."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33])
def test_the_rfc_algorithms_alone_reject_wrong_lengths(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The length check is belt and braces: RFC 9162's own steps (`sn` reaching 0 with
    hashes left over, or not reaching it) already reject every proof of the wrong length,
    and for any claimed position and size they decide as the naive verifiers do."""
    monkeypatch.setattr(yimai_verify, "_inclusion_length", lambda index, size: _AnyLength())
    monkeypatch.setattr(yimai_verify, "_consistency_length", lambda m, n: _AnyLength())
    tree_root = prefix_root(n)
    for index in range(n):
        proof, leaf = honest_inclusion(n, index), HASHES[index]
        assert verify_inclusion(leaf, index, n, proof, tree_root)
        for what, spoiled in mutations(proof):
            assert not verify_inclusion(leaf, index, n, spoiled, tree_root), what
        for wrong_index in (-1, -2, n, n + 1):
            assert not verify_inclusion(leaf, wrong_index, n, proof, tree_root), wrong_index
        for other_size in range(1, n + 2):
            for other_index in range(other_size):
                ours = verify_inclusion(leaf, other_index, other_size, proof, tree_root)
                theirs = naive_verify_inclusion(leaf, other_index, other_size, proof, tree_root)
                assert ours == theirs, (index, n, other_index, other_size)
    for m in range(1, n + 1):
        proof, old_root = honest_consistency(m, n), prefix_root(m)
        assert verify_consistency(m, n, old_root, tree_root, proof)
        for what, spoiled in mutations(proof):
            assert not verify_consistency(m, n, old_root, tree_root, spoiled), what
        for other_n in range(1, n + 2):
            for other_m in range(1, other_n + 1):
                ours = verify_consistency(other_m, other_n, old_root, tree_root, proof)
                theirs = naive_verify_consistency(other_m, other_n, old_root, tree_root, proof)
                assert ours == theirs, (m, n, other_m, other_n)


def test_proofs_of_the_wrong_type_are_rejected_not_raised() -> None:
    tree_root, leaf = prefix_root(4), HASHES[1]
    joined = b"".join(honest_inclusion(4, 1))
    for proof in (None, joined, "ab" * 32, 7, [None], [1, 2]):
        assert not verify_inclusion(leaf, 1, 4, proof, tree_root)  # type: ignore[arg-type]
        assert not verify_consistency(2, 4, prefix_root(2), tree_root, proof)  # type: ignore[arg-type]
        assert not verify_consistency(4, 4, tree_root, tree_root, proof)  # type: ignore[arg-type]
