"""Shared fixtures: a fresh system on a temporary SQLite file, and on PostgreSQL when
YIMAI_TEST_POSTGRES_URL is set (each run makes its own database and drops it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.access import Principal
from domain.dto import HouseholdDraft, MemberDraft
from projections.config import Settings
from projections.system import System, open_system

PG_ENV = "YIMAI_TEST_POSTGRES_URL"
ADMIN_PASSWORD = "admin-pass"
PASSWORD = "pass-1234"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL tests are skipped (.ci/run sets it)")
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    server = sa.make_url(postgres_server_url).set(drivername="postgresql+psycopg")
    name = f"yimai_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name, drivername="postgresql").render_as_string(
            hide_password=False
        )
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'yimai.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Both databases: application-level tests run against each."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


def make_system(url: str) -> System:
    return open_system(Settings(database_url=url))


@pytest.fixture
def system(database_url: str) -> Iterator[System]:
    """An initialized system (admin account 'admin') on each database."""
    s = make_system(database_url)
    s.initialize("admin", ADMIN_PASSWORD)
    yield s
    s.shutdown()


@pytest.fixture
def sqlite_system(sqlite_url: str) -> Iterator[System]:
    """An initialized system on SQLite only (for interface tests)."""
    s = make_system(sqlite_url)
    s.initialize("admin", ADMIN_PASSWORD)
    yield s
    s.shutdown()


@dataclass
class Staff:
    admin: Principal
    clerk: Principal
    cadre: Principal
    supervisor: Principal
    reviewer: Principal


def open_staff(s: System) -> Staff:
    admin = s.app.authenticate("admin", ADMIN_PASSWORD)
    for role in ("clerk", "cadre", "supervisor", "reviewer"):
        s.app.open_account(role, role.title(), [role], PASSWORD, actor=admin)
    return Staff(
        admin,
        *(s.app.authenticate(r, PASSWORD) for r in ("clerk", "cadre", "supervisor", "reviewer")),
    )


@dataclass
class Org:
    subdistrict: UUID
    community: UUID
    branch: UUID
    branch2: UUID
    group: UUID
    other_community: UUID
    other_branch: UUID


def open_org(s: System, actor: Principal) -> Org:
    app = s.app
    sd = app.open_unit("subdistrict", "凤城街道", actor=actor).id
    c = app.open_unit("community", "鹏泉社区", sd, actor=actor).id
    b = app.open_unit("branch", "第一网格党支部", c, kind="direct", area="东片区", actor=actor).id
    b2 = app.open_unit(
        "branch", "第二网格党支部", c, kind="co_building", area="西片区", actor=actor
    ).id
    g = app.open_unit("group", "1号楼党小组", b, kind="building", place="1号楼", actor=actor).id
    c2 = app.open_unit("community", "汶源社区", sd, actor=actor).id
    b3 = app.open_unit("branch", "汶源网格党支部", c2, kind="combined", actor=actor).id
    return Org(sd, c, b, b2, g, c2, b3)


def member_draft(branch: UUID, **overrides: object) -> MemberDraft:
    values: dict[str, object] = dict(
        name="张三",
        gender="male",
        birth_date=date(1970, 1, 2),
        phone="13812345678",
        address="1号楼1单元101",
        joined_party_on=date(1995, 7, 1),
        branch_id=branch,
    )
    values.update(overrides)
    return MemberDraft(**values)  # type: ignore[arg-type]


def household_draft(branch: UUID, **overrides: object) -> HouseholdDraft:
    values: dict[str, object] = dict(
        branch_id=branch,
        building="1号楼",
        unit="1单元",
        room="101",
        head_name="李四",
        head_phone="13900001111",
        size=3,
    )
    values.update(overrides)
    return HouseholdDraft(**values)  # type: ignore[arg-type]


@pytest.fixture
def staff(system: System) -> Staff:
    return open_staff(system)


@pytest.fixture
def org(system: System, staff: Staff) -> Org:
    return open_org(system, staff.admin)
