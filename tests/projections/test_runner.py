"""Read models follow the log: they catch up, wait for a writer's position, and rebuild
to exactly what they were."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from domain.dto import MemberCorrection
from domain.personal import ERASED
from domain.roster import RosterError
from projections.db import tracking
from projections.eventstore import COMMITS_TABLE
from projections.roster import members
from projections.system import System
from projections.timeline import actor_trail, timeline
from tests.application.support import refused, tell
from tests.conftest import Org, Staff, household_draft, make_system, member_draft
from tests.projections.conftest import READ_MODELS


def dump(system: System) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table, ordered by primary key."""
    with system.db.read.connect() as conn:
        return {
            table.name: [
                tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))
            ]
            for projection in system.runner.projections.values()
            for table in projection.tables
        }


def test_catching_up_brings_every_read_model_to_the_head_of_the_log(
    system: System, staff: Staff, org: Org
) -> None:
    runner = system.runner
    start = runner.position()
    assert start == system.app.last_position()
    system.app.register_member(member_draft(org.branch), actor=staff.clerk)
    system.app.open_account("li.ming", "李明", ["clerk"], "pass-1234", actor=staff.admin)
    head = system.app.last_position()
    assert runner.position() == start  # nobody follows the log in this process
    assert runner.catch_up(["timeline"]) == head - start
    assert runner.positions() == {
        "roster": start,
        "accounts": start,
        "timeline": head,
        "requests": start,
        "points": start,
        "privacy": start,
    }
    assert runner.catch_up() == (len(READ_MODELS) - 1) * (head - start)
    assert runner.positions() == dict.fromkeys(READ_MODELS, head)
    assert runner.catch_up() == 0
    with system.db.read.connect() as conn:
        trail = actor_trail(conn, "admin", limit=1)
    assert trail[0]["event"] == "Account.Opened"
    assert trail[0]["position"] == head


def test_a_query_waits_for_the_position_of_its_own_write(
    system: System, staff: Staff, org: Org
) -> None:
    receipt = system.app.register_member(member_draft(org.branch, name="赵六"), actor=staff.clerk)
    assert system.roster.search_members("赵六", actor=staff.clerk).total == 0  # not yet applied
    page = system.roster.search_members("赵六", actor=staff.clerk, min_position=receipt.position)
    assert [m.id for m in page.items] == [receipt.id]
    assert system.runner.position() >= receipt.position
    system.runner.wait_for(0)  # position 0 asks for nothing


def test_a_following_runner_applies_new_events_in_the_background(
    system: System, staff: Staff, org: Org
) -> None:
    applied = threading.Event()
    system.runner.on_applied(lambda count: applied.set())
    system.runner.start(interval=0.01)
    try:
        receipt = system.app.register_household(household_draft(org.branch), actor=staff.clerk)
        assert applied.wait(timeout=60)
        while system.runner.position() < receipt.position:  # the listener may fire earlier
            applied.clear()
            assert applied.wait(timeout=60)
    finally:
        system.runner.stop()
    assert system.roster.list_households(actor=staff.clerk).total == 1


def test_a_station_hears_of_what_another_station_applied_first(
    system: System, staff: Staff, org: Org
) -> None:
    """Two stations on one database: the one that records a change applies it to the
    read models at once; the other must still be told, so its screens reload."""
    system.runner.catch_up()
    heard: list[int] = []
    system.runner.on_applied(heard.append)
    assert system.runner.catch_up() == 0 and heard == []  # nothing new: no news
    other = make_system(system.settings.database_url)
    try:
        receipt = other.app.register_member(member_draft(org.branch), actor=staff.clerk)
        other.runner.wait_for(receipt.position)  # the other station applied it itself
    finally:
        other.shutdown()
    assert system.runner.catch_up() == 0  # nothing left for this one to apply …
    assert heard and heard[-1] >= 1  # … but it was told the read models moved on
    assert system.runner.catch_up() == 0 and len(heard) == 1  # and told once


def test_a_rebuild_gives_the_same_read_models_byte_for_byte(
    system: System, staff: Staff, org: Org
) -> None:
    tell(system, staff, org)
    system.app.register_member(member_draft(org.branch, group_id=org.group), actor=staff.clerk)
    system.runner.catch_up()
    before = dump(system)
    assert all(before[name] for name in ("roster_units", "roster_members", "roster_contacts"))
    assert system.runner.rebuild() == len(READ_MODELS) * system.app.last_position()
    assert dump(system) == before
    assert system.runner.rebuild(["roster"]) == system.app.last_position()
    assert dump(system) == before


def test_a_second_process_sees_the_same_read_models(
    system: System, staff: Staff, org: Org, prepared: Any
) -> None:
    from tests.conftest import make_system

    tell(system, staff, org)
    system.runner.catch_up()
    other = make_system(prepared.url)
    try:
        assert other.runner.position() == system.app.last_position()
        assert dump(other) == dump(system)
    finally:
        other.shutdown()


def test_commit_times_never_decrease_along_the_log(system: System, staff: Staff, org: Org) -> None:
    tell(system, staff, org)
    with system.db.read.connect() as conn:
        commits = conn.execute(
            sa.text(f"SELECT position, committed_at FROM {COMMITS_TABLE} ORDER BY position")
        ).all()
    times = [datetime.fromisoformat(c.committed_at) for c in commits]
    assert times == sorted(times)
    assert commits[-1].position == system.app.last_position()
    # one row per save: a member's registration (index + member) is one commit
    positions = [c.position for c in commits]
    assert len(positions) == len(set(positions))
    system.runner.catch_up()
    with system.db.read.connect() as conn:
        stamps = dict(conn.execute(sa.select(timeline.c.position, timeline.c.stamped_at)).all())
    assert set(positions) <= set(stamps)
    for position, committed_at in zip(positions, times, strict=True):
        # an event is stamped when triggered, before its commit
        assert stamps[position] <= committed_at
        assert committed_at.utcoffset() == timedelta(0)


def test_an_erased_member_stays_in_the_log_and_reads_as_erased(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    receipt = app.register_member(member_draft(org.branch, name="钱七"), actor=staff.clerk)
    app.transfer_member(receipt.id, org.branch2, "moved west", actor=staff.clerk)
    system.runner.catch_up()
    app.personal.keys.destroy_key(receipt.id)
    detail = app.get_member(receipt.id, actor=staff.reviewer)
    assert (detail.erased, detail.name, detail.phone, detail.branch_id) == (
        True,
        ERASED,
        None,
        org.branch2,
    )
    with refused(system, RosterError, rule="erased"):
        app.correct_member(receipt.id, MemberCorrection(address="x"), "x", actor=staff.clerk)
    assert len(app.get_history(receipt.id, actor=staff.reviewer)) == 2
    system.runner.rebuild()
    with system.db.read.connect() as conn:
        row = conn.execute(sa.select(members).where(members.c.id == receipt.id)).one()
    assert (row.name, row.phone, row.branch_id) == (ERASED, None, org.branch2)
    assert system.roster.search_members("钱七", actor=staff.clerk).total == 0


def test_the_tree_counts_members_households_and_units_at_every_level(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    unit = app.register_resident_unit("医院", "institution", org.community, actor=staff.clerk).id
    app.register_member(member_draft(org.branch, group_id=org.group), actor=staff.clerk)
    app.register_member(
        member_draft(org.branch2, kind="in_service", resident_unit_id=unit, phone="13900000001"),
        actor=staff.clerk,
    )
    gone = app.register_member(member_draft(org.branch, phone="13900000002"), actor=staff.clerk)
    app.deregister_member(gone.id, "moved", "moved away", actor=staff.clerk)
    app.register_household(household_draft(org.branch, group_id=org.group), actor=staff.clerk)
    (sd,) = system.roster.tree(actor=staff.reviewer, min_position=app.last_position())
    community = next(c for c in sd.children if c.id == org.community)
    branch = next(b for b in community.children if b.id == org.branch)
    group = branch.children[0]
    assert sd.counts == {"communities": 2, "members": 2}
    assert community.counts == {
        "branches": 2,
        "members": 2,
        "in_service": 1,
        "households": 1,
        "resident_units": 1,
    }
    assert branch.counts == {
        "groups": 1,
        "members": 1,
        "members_no_group": 0,
        "in_service": 0,
        "households": 1,
    }
    assert group.counts == {"members": 1, "households": 1}


def test_tracking_rows_exist_for_every_read_model(system: System) -> None:
    with system.db.read.connect() as conn:
        names = set(conn.execute(sa.select(tracking.c.name)).scalars())
    assert names == set(READ_MODELS)


def test_a_read_model_whose_tables_changed_shape_is_made_anew_and_rebuilt(
    database_url: str,
) -> None:
    """A release that adds a column to a read model upgrades an existing database: the
    view's tables are recreated and rebuilt from the events, nothing else is touched."""
    from tests.conftest import ADMIN_PASSWORD, make_system

    first = make_system(database_url)
    first.initialize("admin", ADMIN_PASSWORD)
    admin = first.app.authenticate("admin", ADMIN_PASSWORD)
    first.app.open_account("clerk", "Clerk", ["clerk"], "pass-1234", actor=admin)
    first.runner.catch_up()
    head = first.app.last_position()
    # Make the accounts view look as an older release left it: a column fewer.
    with first.db.write.begin() as conn:
        conn.execute(sa.text("ALTER TABLE yimai_accounts DROP COLUMN member_id"))
    first.shutdown()
    before = {"roster", "timeline"}

    second = make_system(database_url)
    try:
        positions = second.runner.positions()
        assert positions["accounts"] == head, "the fingerprint still matches: nothing to do"
        with second.db.write.begin() as conn:
            conn.execute(
                sa.text("UPDATE yimai_read_schemas SET fingerprint = 'old' WHERE name = 'accounts'")
            )
        second.runner.ensure_tracking()
        positions = second.runner.positions()
        assert positions["accounts"] == 0
        assert all(positions[name] == head for name in before)
        second.runner.catch_up()
        listed = second.accounts.list(actor=admin)
        assert {a["username"] for a in listed} == {"admin", "clerk"}
        assert all("member_id" in a for a in listed)
    finally:
        second.shutdown()
