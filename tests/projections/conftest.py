"""Projection tests run on SQLite and PostgreSQL through `system`, `staff` and `org`.

Here those three come from one prepared database (the admin, one account per role and
the organization of `open_org`), copied for each test: the same world the top-level
fixtures build, without paying for five argon2 hashes in every test.
"""

from __future__ import annotations

import pytest

from projections.system import System
from tests.conftest import Org, Prepared, Staff

#: Every read model a system runs, by name.
READ_MODELS = ("roster", "accounts", "timeline", "requests", "points", "privacy")


@pytest.fixture
def system(prepared: Prepared) -> System:
    return prepared.system


@pytest.fixture
def staff(prepared: Prepared) -> Staff:
    return prepared.staff


@pytest.fixture
def org(prepared: Prepared) -> Org:
    return prepared.org
