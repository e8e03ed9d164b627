"""Application tests run on SQLite and PostgreSQL through `system`, `staff` and `org`.

Here those three come from one prepared database (the admin, one account per role and
the organization of `open_org`), copied for each test: the same world the top-level
fixtures build, without paying for five argon2 hashes in every test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from projections.system import System
from tests.application.support import Clock, People, open_people
from tests.conftest import Org, Prepared, Staff


@pytest.fixture
def system(prepared: Prepared) -> System:
    return prepared.system


@pytest.fixture
def staff(prepared: Prepared) -> Staff:
    return prepared.staff


@pytest.fixture
def org(prepared: Prepared) -> Org:
    return prepared.org


@pytest.fixture
def people(system: System, staff: Staff, org: Org) -> People:
    """Members who claim; the cadre's and the supervisor's accounts are linked to two."""
    return open_people(system, staff, org)


@pytest.fixture
def clock(system: System) -> Clock:
    """The Application's clock, moved by hand (on the hour, so due times read easily)."""
    c = Clock(datetime.now(UTC).replace(minute=0, second=0, microsecond=0))
    system.app.clock = c
    return c
