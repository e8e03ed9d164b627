"""Evidence bundles on either database: an entity's, an actor's and a range's bundle,
exported and verified with the stand-alone verifier, also where PostgreSQL's positions
have gaps (a save that failed took a position with it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from domain.base import acting_as
from domain.roster import HouseholdLink
from projections.evidence import export_evidence, write_evidence
from projections.system import System
from tests.conftest import Prepared
from tests.seal.conftest import add_contacts
from verifier.yimai_verify import verify_document, verify_file


def test_bundles_of_each_kind_verify_on_either_database(
    keyed: System, prepared: Prepared, prepared_url: str, tmp_path: Path
) -> None:
    system = keyed
    add_contacts(system, prepared.staff, prepared.org, 20, per_save=5)
    link_id = system.app.recorder.select_notifications(start=system.app.last_position(), limit=1)[
        0
    ].originator_id

    # Two clerks save the same link at once: the second save fails, and on PostgreSQL
    # the position it drew is never used.
    first: HouseholdLink = system.app.repository.get(link_id)
    second: HouseholdLink = system.app.repository.get(link_id)
    with acting_as("cadre"):
        first.log_contact(uuid4(), system.app.today(), "visit", None)
        second.log_contact(uuid4(), system.app.today(), "phone", None)
    system.app.save(first)
    with pytest.raises(IntegrityError):
        system.app.save(second)
    add_contacts(system, prepared.staff, prepared.org, 3)
    log = system.app.recorder.select_notifications(start=0, limit=100_000)
    ids = [n.id for n in log]
    if prepared_url.startswith("postgresql"):
        assert ids != list(range(1, len(ids) + 1)), "PostgreSQL left no gap"
    public_key = system.seal.public_key_pem()

    entity = export_evidence(system, entity=link_id)
    assert len(entity["events"]) >= 22
    ok, lines = verify_document(entity, public_key)
    assert ok, lines

    cadre = export_evidence(system, actor="cadre")
    assert {e["originator_id"] for e in cadre["events"]} >= {str(link_id)}
    ok, lines = verify_document(cadre, public_key)
    assert ok, lines

    today = system.app.today()
    path = tmp_path / "range.json"
    bundle = write_evidence(system, path, since=today - timedelta(days=1), until=today)
    assert list(bundle.positions) == ids and list(bundle.leaves) == list(range(len(ids)))
    ok, lines = verify_file(path, public_key)
    assert ok, lines
    assert any("range: the events are one unbroken run of the log" in line for line in lines)
    assert system.seal.verify(public_key_pem=public_key).ok
