"""Shared fixtures: a fresh system on a temporary SQLite file, and on PostgreSQL when
YIMAI_TEST_POSTGRES_URL is set (each run makes its own database and drops it)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
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
#: Tests hash passwords at the lowest Argon2 cost: the cost is not what they test, and
#: at the default each account costs about a tenth of a second to open or log in.
FAST_PASSWORDS: dict[str, Any] = {"password_time_cost": 1, "password_memory_kib": 64}


@pytest.fixture(scope="session", autouse=True)
def _outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests run in a directory of their own: anything written to the working directory
    (the signing key's default place for PostgreSQL, ./yimai-signing.key) lands there,
    never in the repository."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        # The same for every `yimai` a test runs (Settings.from_env reads these).
        patch.setenv("YIMAI_PASSWORD_TIME_COST", str(FAST_PASSWORDS["password_time_cost"]))
        patch.setenv("YIMAI_PASSWORD_MEMORY_KIB", str(FAST_PASSWORDS["password_memory_kib"]))
        yield


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
    return open_system(Settings(database_url=url, **FAST_PASSWORDS))


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


# -- prepared databases ------------------------------------------------------------------
# Opening the staff accounts costs about a second (argon2 is slow on purpose), so tests
# that need staff and an organization start from a copy of a database prepared once per
# session: a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL.


@dataclass
class Prepared:
    """A fresh copy of a database holding the admin, one account per role and `open_org`."""

    system: System
    staff: Staff
    org: Org
    url: str


class _Templates:
    """Builds each backend's prepared database once, and copies it for each test."""

    def __init__(self, tmp: pytest.TempPathFactory) -> None:
        self.tmp = tmp
        self.built: dict[str, tuple[str, Staff, Org]] = {}
        self.pg_server: sa.engine.URL | None = None

    def _build(self, url: str) -> tuple[Staff, Org]:
        s = make_system(url)
        try:
            s.initialize("admin", ADMIN_PASSWORD)
            staff = open_staff(s)
            org = open_org(s, staff.admin)
            s.runner.catch_up()
        finally:
            s.shutdown()
        return staff, org

    def _pg_engine(self) -> sa.engine.Engine:
        assert self.pg_server is not None
        return sa.create_engine(self.pg_server, isolation_level="AUTOCOMMIT")

    def _pg_url(self, name: str) -> str:
        assert self.pg_server is not None
        return self.pg_server.set(database=name, drivername="postgresql").render_as_string(
            hide_password=False
        )

    def template(self, backend: str, server_url: str | None = None) -> tuple[str, Staff, Org]:
        if backend not in self.built:
            if backend == "sqlite":
                url = f"sqlite:///{self.tmp.mktemp('template') / 'yimai.db'}"
            else:
                assert server_url
                self.pg_server = sa.make_url(server_url).set(drivername="postgresql+psycopg")
                name = f"yimai_tmpl_{uuid.uuid4().hex[:12]}"
                engine = self._pg_engine()
                with engine.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                engine.dispose()
                url = self._pg_url(name)
            self.built[backend] = (url, *self._build(url))
        return self.built[backend]

    def copy_sqlite(self, target: Path) -> str:
        source_url = self.template("sqlite")[0]
        source = sqlite3.connect(sa.make_url(source_url).database or "")
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)  # reads through the WAL, unlike a file copy
        finally:
            source.close()
            dest.close()
        return f"sqlite:///{target}"

    def create_pg_copy(self, server_url: str) -> str:
        template = sa.make_url(self.template("postgres", server_url)[0]).database
        name = f"yimai_test_{uuid.uuid4().hex[:12]}"
        engine = self._pg_engine()
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        engine.dispose()
        return self._pg_url(name)

    def drop_pg(self, url: str) -> None:
        engine = self._pg_engine()
        with engine.connect() as conn:
            conn.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)')
            )
        engine.dispose()

    def close(self) -> None:
        if "postgres" in self.built:
            self.drop_pg(self.built["postgres"][0])


@pytest.fixture(scope="session")
def prepared_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory)
    yield templates
    templates.close()


@pytest.fixture
def prepared_sqlite_url(prepared_templates: _Templates, tmp_path: Path) -> str:
    """A copy of the prepared database as an SQLite file (for tests that spawn processes)."""
    return prepared_templates.copy_sqlite(tmp_path / "yimai.db")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def prepared_url(
    request: pytest.FixtureRequest, prepared_templates: _Templates, tmp_path: Path
) -> Iterator[str]:
    """A copy of the prepared database, on each database."""
    if request.param == "sqlite":
        yield prepared_templates.copy_sqlite(tmp_path / "yimai.db")
        return
    url = prepared_templates.create_pg_copy(request.getfixturevalue("postgres_server_url"))
    try:
        yield url
    finally:
        prepared_templates.drop_pg(url)


@pytest.fixture
def prepared(prepared_url: str, prepared_templates: _Templates) -> Iterator[Prepared]:
    """A system on a copy of the prepared database, with its staff and organization."""
    backend = "sqlite" if prepared_url.startswith("sqlite") else "postgres"
    _, staff, org = prepared_templates.built[backend]
    s = make_system(prepared_url)
    yield Prepared(s, staff, org, prepared_url)
    s.shutdown()


# -- the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The full demo community, loaded once per session, sealed and checkpointed, with
    its signing key beside the file. The tests that share it only read (and sign
    checkpoints)."""
    from cli.demo import load_demo

    system = make_system(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'yimai.db'}")
    try:
        system.seal.ensure_key()
        load_demo(system)
        system.runner.catch_up()
        system.seal.catch_up()
        system.seal.checkpoint()
        yield system
    finally:
        system.shutdown()
