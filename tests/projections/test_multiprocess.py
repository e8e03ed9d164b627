"""Real processes sharing one database: each event is applied once, no write is lost."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import sqlalchemy as sa

from domain.base import acting_as
from domain.roster import HouseholdLink
from projections.eventstore import COMMITS_TABLE
from projections.roster import contacts, links, members
from projections.system import System
from projections.timeline import timeline
from tests.conftest import Org, Prepared, Staff, household_draft, make_system, member_draft
from tests.projections.conftest import READ_MODELS

WORKER = Path(__file__).with_name("worker.py")
HOUSEHOLDS = 10
CONTACTS_EACH = 200  # 2,000 contact-log events in all


def run_together(tmp_path: Path, *argvs: list[str]) -> list[dict[str, Any]]:
    """Start one worker process per argv, let them go at once, return their results."""
    go = tmp_path / f"go-{uuid4().hex}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), argv[0], argv[1], str(go), *argv[2:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob(f"{go.name}.ready.*"))) < len(procs):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "database is locked" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def log_contacts(system: System, staff: Staff, org: Org) -> list[HouseholdLink]:
    """One member linked to ten households, with two hundred contacts logged on each.

    The contacts are saved two hundred to a save so the log is written in seconds; they
    are the very events `log_contact` records.
    """
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    result = []
    for n in range(HOUSEHOLDS):
        home = app.register_household(
            household_draft(org.branch, room=str(n)), actor=staff.clerk
        ).id
        link = app.repository.get(app.link_household(member, home, actor=staff.cadre).id)
        with acting_as("cadre"):
            for _ in range(CONTACTS_EACH):
                link.log_contact(uuid4(), date(2025, 1, 1), "visit", None)
        app.save(link)
        result.append(link)
    return result


def test_two_processes_catching_up_one_read_model_apply_each_event_once(
    prepared: Prepared, tmp_path: Path
) -> None:
    system = prepared.system
    before = system.runner.position()
    made = log_contacts(system, prepared.staff, prepared.org)
    head = system.app.last_position()
    assert head - before > HOUSEHOLDS * CONTACTS_EACH
    assert system.runner.position() == before  # nobody has caught up yet
    system.shutdown()

    results = run_together(
        tmp_path,
        ["catch_up", prepared.url, "10"],
        ["catch_up", prepared.url, "7"],
    )
    # Each batch counts its events once per read model it advanced.
    assert sum(r["applied"] for r in results) == len(READ_MODELS) * (head - before)
    assert all(r["position"] == head for r in results)

    check = make_system(prepared.url)
    try:
        assert check.runner.positions() == dict.fromkeys(READ_MODELS, head)
        with check.db.read.connect() as conn:
            counters = dict(conn.execute(sa.select(links.c.id, links.c.contacts)).all())
            assert counters == {link.id: CONTACTS_EACH for link in made}
            assert conn.execute(sa.select(sa.func.count()).select_from(contacts)).scalar() == (
                HOUSEHOLDS * CONTACTS_EACH
            )
            positions = list(
                conn.execute(sa.select(timeline.c.position).order_by("position")).scalars()
            )
        log = check.app.recorder.select_notifications(
            start=0, limit=head + 10, inclusive_of_start=False
        )
        assert positions == [n.id for n in log]
    finally:
        check.shutdown()


def test_writers_and_a_rebuild_share_one_sqlite_file_without_losing_a_command(
    prepared_sqlite_url: str, prepared_templates: Any, tmp_path: Path
) -> None:
    """Three processes register and move members (reading the views as they go) while a
    fourth rebuilds every read model three times over."""
    _, staff, org = prepared_templates.built["sqlite"]
    url = prepared_sqlite_url
    per_writer = 15
    writers = [
        ["write", url, str(tag), str(per_writer), str(org.branch), str(org.branch2)]
        for tag in (1, 2, 3)
    ]
    results = run_together(tmp_path, *writers, ["rebuild", url, "3"])
    acknowledged = [m for r in results[:3] for m in r["members"]]
    assert len(acknowledged) == 3 * per_writer

    system = make_system(url)
    try:
        system.runner.catch_up()
        head = system.app.last_position()
        for member_id, position in acknowledged:
            detail = system.app.get_member(member_id, actor=staff.reviewer)
            assert (detail.status, detail.branch_id, detail.version) == ("active", org.branch2, 2)
            assert position <= head
        with system.db.read.connect() as conn:
            rows = dict(conn.execute(sa.select(members.c.id, members.c.branch_id)).all())
            timeline_rows = conn.execute(sa.select(sa.func.count()).select_from(timeline)).scalar()
            commits = conn.execute(
                sa.text(f"SELECT position, committed_at FROM {COMMITS_TABLE} ORDER BY position")
            ).all()
        assert {str(k): v for k, v in rows.items()} == {m: org.branch2 for m, _ in acknowledged}
        assert timeline_rows == head
        assert [c.committed_at for c in commits] == sorted(c.committed_at for c in commits)
        assert commits[-1].position == head
    finally:
        system.shutdown()
