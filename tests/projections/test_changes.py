"""A batch's rows are written in bulk, and the tables end exactly as if every statement had
run one by one; views at one position share each batch's reading and decoding."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.base import acting_as
from projections.runner import Changes
from projections.system import System
from tests.application.support import tell
from tests.conftest import Org, Prepared, Staff, household_draft, make_system, member_draft
from tests.projections.test_runner import dump

scratch = sa.MetaData()


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        scratch,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(20)),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("day", sa.Date),
    )


one_by_one = _table("test_changes_one_by_one")
bulk = _table("test_changes_bulk")


@pytest.fixture
def tables(system: System) -> Iterator[None]:
    scratch.create_all(system.db.write)
    yield
    scratch.drop_all(system.db.write)


def _rows(conn: Connection, table: sa.Table) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]


class _OneByOne:
    """What `Changes` must be equivalent to: each statement executed as it comes."""

    def __init__(self, conn: Connection, table: sa.Table) -> None:
        self.conn = conn
        self.table = table

    def insert(self, **row: Any) -> None:
        self.conn.execute(self.table.insert().values(**row))

    def update(self, key: int, **values: Any) -> None:
        self.conn.execute(self.table.update().where(self.table.c.id == key).values(**values))

    def count(self, key: int, on: date) -> None:
        row = self.conn.execute(sa.select(self.table).where(self.table.c.id == key)).one()
        last = max(d for d in (row.day, on) if d is not None)
        self.update(key, n=row.n + 1, day=last)


class _Bulk:
    def __init__(self, changes: Changes, table: sa.Table) -> None:
        self.changes = changes
        self.table = table

    def insert(self, **row: Any) -> None:
        self.changes.insert(self.table, **row)

    def update(self, key: int, **values: Any) -> None:
        self.changes.update(self.table, key, **values)

    def count(self, key: int, on: date) -> None:
        row = self.changes.row(self.table, key)
        last = max(d for d in (row["day"], on) if d is not None)
        self.update(key, n=row["n"] + 1, day=last)


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_ends_as_its_statements_one_by_one_would(
    system: System, tables: None, seed: int
) -> None:
    """Random inserts, updates (of rows inserted in the batch, of older rows, of rows that
    do not exist yet) and read-modify-writes, over several batches."""
    rng = random.Random(seed)
    exists: set[int] = set()
    script: list[list[tuple[str, int, dict[str, Any]]]] = []
    for _ in range(6):
        batch = []
        for _ in range(80):
            key = rng.randrange(40)
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(60))
            roll = rng.random()
            if key not in exists and roll < 0.5:
                row = {"id": key, "label": rng.choice(["a", None]), "n": 0, "day": None}
                batch.append(("insert", key, row))
                exists.add(key)
            elif key in exists and roll < 0.5:
                batch.append(("count", key, {"on": day}))
            else:
                values = rng.choice([{"label": f"l{rng.randrange(9)}"}, {"n": 7, "day": day}])
                batch.append(("update", key, values))
        script.append(batch)

    for batch in script:
        with system.db.write.begin() as conn:
            sequential = _OneByOne(conn, one_by_one)
            changes = Changes(conn)
            buffered = _Bulk(changes, bulk)
            for op, key, args in batch:
                for target in (sequential, buffered):
                    if op == "insert":
                        target.insert(**args)
                    elif op == "update":
                        target.update(key, **args)
                    else:
                        target.count(key, **args)
            changes.flush()
        with system.db.read.connect() as conn:
            assert _rows(conn, bulk) == _rows(conn, one_by_one)
    assert len(exists) > 20


def test_inserts_and_updates_of_one_row_in_one_batch_apply_in_order(
    system: System, tables: None
) -> None:
    day = date(2025, 3, 1)
    with system.db.write.begin() as conn:
        conn.execute(
            bulk.insert(), [{"id": k, "label": "old", "n": k, "day": None} for k in (1, 2, 3)]
        )
    statements: list[tuple[str, int]] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().startswith(("INSERT", "UPDATE")):
            statements.append((statement.split()[0], len(params) if many else 1))

    sa.event.listen(system.db.write, "before_cursor_execute", seen)
    try:
        with system.db.write.begin() as conn:
            changes = Changes(conn)
            changes.insert(bulk, id=10, label="new", n=0, day=None)
            changes.update(bulk, 10, label="renamed")
            changes.update(bulk, 10, n=5)
            changes.update(bulk, 1, label="first")
            changes.update(bulk, 1, label="second", day=day)
            changes.update(bulk, 2, label="two")
            changes.update(bulk, 3, label="three")
            changes.update(bulk, 11, label="ignored")  # no such row yet: changes nothing …
            changes.insert(bulk, id=11, label="inserted", n=0, day=None)  # … then inserted
            for key in range(20, 25):
                changes.insert(bulk, id=key, label=None, n=key, day=day)
            # Reads see the batch: an inserted row as updated, an older one with its updates.
            assert changes.row(bulk, 10) == {"id": 10, "label": "renamed", "n": 5, "day": None}
            assert changes.row(bulk, 1) == {"id": 1, "label": "second", "n": 1, "day": day}
            changes.update(bulk, 1, n=changes.row(bulk, 1)["n"] + 1)
            with pytest.raises(LookupError):
                changes.row(bulk, 99)
            for known in (1, 10):  # a row the batch read or inserted cannot be inserted
                with pytest.raises(sa.exc.IntegrityError):
                    changes.insert(bulk, id=known, label="again", n=0, day=None)
            changes.flush()
    finally:
        sa.event.remove(system.db.write, "before_cursor_execute", seen)
    with system.db.read.connect() as conn:
        assert _rows(conn, bulk) == [
            (1, "second", 2, day),
            (2, "two", 2, None),
            (3, "three", 3, None),
            (10, "renamed", 5, None),
            (11, "inserted", 0, None),
            *[(k, None, k, day) for k in range(20, 25)],
        ]
    # One INSERT for all seven rows; one UPDATE per set of changed columns.
    assert statements[0] == ("INSERT", 7)
    assert sorted(statements[1:]) == [("UPDATE", 1), ("UPDATE", 2)]


def _contacts(system: System, staff: Staff, org: Org) -> None:
    """Two links with contacts logged before and after an unlink and a relink."""
    app = system.app
    member = app.register_member(member_draft(org.branch, group_id=org.group), actor=staff.clerk)
    yesterday = app.today() - timedelta(days=1)
    for room in ("101", "102"):
        home = app.register_household(household_draft(org.branch, room=room), actor=staff.clerk)
        link = app.repository.get(
            app.link_household(member.id, home.id, since=yesterday, actor=staff.cadre).id
        )
        with acting_as("cadre"):
            for days in (1, 0, 1):
                link.log_contact(uuid4(), app.today() - timedelta(days=days), "visit", None)
        app.save(link)
        app.unlink_household(member.id, home.id, "moved", actor=staff.cadre)
        app.link_household(member.id, home.id, actor=staff.cadre)
        app.log_contact(member.id, home.id, "phone", note="好", actor=staff.cadre)


def test_rebuilds_in_batches_of_any_size_give_the_same_read_models(
    system: System, staff: Staff, org: Org
) -> None:
    tell(system, staff, org)
    _contacts(system, staff, org)
    system.runner.batch_size = 2  # caught up two events at a time, views one by one
    for name in system.runner.projections:
        system.runner.catch_up([name])
    before = dump(system)
    assert sorted(link[-2] for link in before["roster_links"]) == [1, 4, 4]  # contacts
    for size in (1, 3, 10_000):
        system.runner.rebuild_batch_size = size
        assert system.runner.rebuild() == len(system.runner.projections) * (
            system.app.last_position()
        )
        assert dump(system) == before


class _CountingMapper:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.decoded = 0

    def to_domain_event(self, notification: Any) -> Any:
        self.decoded += 1
        return self.inner.to_domain_event(notification)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_views_at_one_position_decode_each_event_once(
    system: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    tell(system, staff, org)
    mapper = _CountingMapper(system.app.mapper)
    monkeypatch.setattr(system.app, "mapper", mapper)
    head = system.app.last_position()
    system.runner.rebuild_batch_size = 7
    assert system.runner.rebuild() == len(system.runner.projections) * head
    assert mapper.decoded == head  # not once per read model
    assert system.runner.positions() == dict.fromkeys(system.runner.projections, head)


def test_a_view_advanced_by_another_process_mid_batch_is_applied_once(
    prepared: Prepared, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process catches `accounts` up between this one's read and its lock: the
    shared batch rolls back and the other views go on without it."""
    system, staff, org = prepared.system, prepared.staff, prepared.org
    start = system.runner.position()
    system.app.register_member(member_draft(org.branch), actor=staff.clerk)
    system.app.open_account("li.ming", "李明", ["clerk"], "pass-1234", actor=staff.admin)
    head = system.app.last_position()
    other = make_system(prepared.url)
    recorder = system.app.recorder
    select = recorder.select_notifications
    raced: list[int] = []

    def select_then_race(*args: Any, **kwargs: Any) -> Any:
        found = select(*args, **kwargs)
        if not raced:
            raced.append(other.runner.catch_up(["accounts"]))
        return found

    monkeypatch.setattr(recorder, "select_notifications", select_then_race)
    try:
        others = len(system.runner.projections) - 1
        assert system.runner.catch_up() == others * (head - start)
        assert raced == [head - start]
    finally:
        other.shutdown()
    assert system.runner.positions() == dict.fromkeys(system.runner.projections, head)
    with system.db.read.connect() as conn:
        users = conn.execute(sa.text("SELECT username FROM yimai_accounts")).scalars().all()
        timeline = conn.execute(sa.text("SELECT count(*) FROM yimai_timeline")).scalar()
    assert sorted(users).count("li.ming") == 1
    assert timeline == head
