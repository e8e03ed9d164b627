"""Proofs of many events at once, from one pass over the sealed leaves (what an evidence
bundle needs): for every tree size to 64, and for some larger ones, every subset shape
gives exactly the RFC's PATH for each leaf and the RFC's root, and each proof verifies."""

from __future__ import annotations

import pytest

from tests.verifier.test_merkle import ENTRIES, HASHES, LARGER, SIZES, naive_mth, naive_path
from verifier.yimai_verify import InclusionProofs, verify_inclusion


def subsets(n: int) -> list[list[int]]:
    """Ways a bundle picks leaves: all, the first, the last, a run, every third, one."""
    return [
        list(range(n)),
        [0],
        [n - 1],
        list(range(n // 3, max(n // 3 + 1, 2 * n // 3))),
        list(range(0, n, 3)),
        [n // 2],
    ]


def proven(n: int, indexes: list[int]) -> InclusionProofs:
    proofs = InclusionProofs(n, indexes)
    for hashed in HASHES[:n]:
        proofs.add(hashed)
    return proofs


@pytest.mark.parametrize("n", [*SIZES, *LARGER])
def test_one_pass_gives_the_rfc_path_of_every_chosen_leaf(n: int) -> None:
    tree_root = naive_mth(ENTRIES[:n])
    for indexes in subsets(n):
        proofs = proven(n, indexes)
        assert proofs.root() == tree_root
        for index in indexes if n <= 64 else indexes[:40]:
            proof = proofs.proof(index)
            assert proof == naive_path(index, ENTRIES[:n]), (n, index)
            assert proofs.leaf(index) == HASHES[index]
            assert verify_inclusion(HASHES[index], index, n, proof, tree_root)


def test_proofs_are_only_given_for_a_whole_tree_and_the_leaves_asked_for() -> None:
    with pytest.raises(ValueError, match="at least one leaf"):
        InclusionProofs(0, [])
    with pytest.raises(ValueError, match="not in a tree of 5 leaves"):
        InclusionProofs(5, [5])
    proofs = InclusionProofs(5, [1, 3])
    for hashed in HASHES[:4]:
        proofs.add(hashed)
    with pytest.raises(ValueError, match="only 4 of the tree's 5 leaves"):
        proofs.proof(1)
    proofs.add(HASHES[4])
    assert proofs.count == 5
    with pytest.raises(ValueError, match="no more can be added"):
        proofs.add(HASHES[5])
    with pytest.raises(ValueError, match="not one of the leaves to prove"):
        proofs.proof(2)
    with pytest.raises(ValueError, match="not one of the leaves to prove"):
        proofs.leaf(0)
    with pytest.raises(ValueError, match="32 bytes"):
        InclusionProofs(2, [0]).add(b"short")
