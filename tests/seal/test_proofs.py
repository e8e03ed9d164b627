"""Proofs from the system, checked by the stand-alone verifier, on both databases."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from projections.seal import SealError, VerifyReport
from projections.system import System
from tests.conftest import Prepared
from tests.seal.conftest import add_contacts
from verifier.yimai_verify import verify_document


def checked(document: dict[str, Any], system: System) -> bool:
    ok, lines = verify_document(document, system.seal.public_key_pem())
    assert all(not line.startswith("NOTE: not covered") for line in lines), lines
    return ok


def test_every_event_has_an_inclusion_proof_under_every_checkpoint_that_covers_it(
    keyed: System, prepared: Prepared
) -> None:
    system = keyed
    add_contacts(system, prepared.staff, prepared.org, 30, per_save=7)
    system.seal.catch_up()
    system.seal.checkpoint()
    log = system.app.recorder.select_notifications(start=0, limit=10_000)
    sizes = [cp["tree_size"] for cp in system.seal.checkpoints()]
    assert len(sizes) >= 3 and sizes[-1] == len(log)
    for leaf_index, event in enumerate(log):
        latest = system.seal.inclusion_proof(event.id)
        assert latest["leaf_index"] == leaf_index
        assert latest["tree_size"] == sizes[-1]
        assert latest["leaf"]["id"] == str(event.originator_id)
        assert checked(latest, system)
        for size in sizes:
            if size > leaf_index:
                assert checked(system.seal.inclusion_proof(event.id, size), system)
            else:
                with pytest.raises(SealError, match="before this event was sealed"):
                    system.seal.inclusion_proof(event.id, size)


def test_every_pair_of_checkpoints_has_a_consistency_proof(keyed: System) -> None:
    system = keyed
    system.seal.catch_up()
    system.seal.checkpoint()
    sizes = [cp["tree_size"] for cp in system.seal.checkpoints()]
    assert len(sizes) >= 2
    for i, m in enumerate(sizes):
        for n in sizes[i:]:
            document = system.seal.consistency_proof(m, n)
            assert (document["first"]["tree_size"], document["second"]["tree_size"]) == (m, n)
            assert checked(document, system)
    with pytest.raises(SealError, match="no checkpoint of size 5"):
        system.seal.consistency_proof(5, sizes[-1])
    with pytest.raises(SealError, match="smaller checkpoint to a larger"):
        system.seal.consistency_proof(sizes[-1], sizes[0])


def test_a_changed_proof_does_not_verify(keyed: System) -> None:
    system = keyed
    system.seal.catch_up()
    document = system.seal.inclusion_proof(5)
    assert checked(document, system)

    forged = copy.deepcopy(document)
    forged["proof"][0] = ("0" if forged["proof"][0][0] != "0" else "1") + forged["proof"][0][1:]
    assert not checked(forged, system)
    forged = copy.deepcopy(document)
    forged["leaf"]["version"] += 1
    assert not checked(forged, system)
    forged = copy.deepcopy(document)
    forged["leaf_index"] += 1
    assert not checked(forged, system)


def test_an_event_not_yet_covered_gets_a_new_checkpoint(keyed: System, prepared: Prepared) -> None:
    system = keyed
    system.seal.checkpoint()
    before = system.seal.latest_checkpoint()
    assert before is not None
    add_contacts(system, prepared.staff, prepared.org, 3)
    head = system.app.last_position()
    document = system.seal.inclusion_proof(head)  # seals it and signs a checkpoint
    assert document["tree_size"] == system.seal.sealed_count() > before["tree_size"]
    assert checked(document, system)
    with pytest.raises(SealError, match=f"no event at position {head + 100}"):
        system.seal.inclusion_proof(head + 100)
    with pytest.raises(SealError, match="no checkpoint of size 3"):
        system.seal.inclusion_proof(1, 3)


def test_verify_passes_on_an_untouched_log_and_reports_progress(keyed: System) -> None:
    system = keyed
    system.seal.catch_up()
    system.seal.checkpoint()
    seen: list[tuple[int, int]] = []
    report = system.seal.verify(lambda done, total: seen.append((done, total)))
    head = system.app.last_position()
    assert report.ok, report.problems
    assert report.events == report.sealed == system.seal.sealed_count()
    assert report.checkpoints == len(system.seal.checkpoints())
    assert seen[-1] == (head, head)


def test_verify_while_others_write_and_seal_raises_no_false_alarm(
    keyed: System, prepared: Prepared
) -> None:
    import threading
    import time

    system = keyed
    system.seal.start(0.01)
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            add_contacts(system, prepared.staff, prepared.org, 20, per_save=5)

    writer = threading.Thread(target=write)
    writer.start()
    reports: list[VerifyReport] = []
    try:
        # Verify again and again until the sealer has moved on a few times meanwhile.
        deadline = time.monotonic() + 20
        while len({r.sealed for r in reports}) < 4 and time.monotonic() < deadline:
            reports.append(system.seal.verify())
    finally:
        stop.set()
        writer.join()
        system.seal.stop()
    assert all(r.ok for r in reports), [r.problems for r in reports]
    assert reports[-1].sealed > reports[0].sealed
