"""A station's database: the admin, the organization of `open_org`, two members."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.access import Principal
from projections.system import System
from tests.conftest import ADMIN_PASSWORD, Org, member_draft, open_org


@dataclass
class Station:
    system: System
    admin: Principal
    org: Org
    zhang: UUID  # 张三, in 第一网格党支部 / 1号楼党小组
    li: UUID  # 李四, in 第一网格党支部, no group


@pytest.fixture
def station(sqlite_system: System) -> Station:
    app = sqlite_system.app
    admin = app.authenticate("admin", ADMIN_PASSWORD)
    org = open_org(sqlite_system, admin)
    zhang = app.register_member(
        member_draft(org.branch, group_id=org.group, id_number="11010519491231002X"),
        actor=admin,
    ).id
    li = app.register_member(
        member_draft(org.branch, name="李四", phone="13900001111", gender="female"), actor=admin
    ).id
    sqlite_system.runner.catch_up()
    return Station(sqlite_system, admin, org, zhang, li)
