"""The roster read model as staff query it: tree order, searches at every level."""

from __future__ import annotations

from projections.system import System
from tests.conftest import Org, Staff, member_draft


def test_siblings_keep_the_order_they_were_opened_in(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    receipt = app.open_unit(
        "branch", "第三网格党支部", org.community, kind="direct", actor=staff.admin
    )
    (subdistrict,) = system.roster.tree(actor=staff.reviewer, min_position=receipt.position)
    community = next(c for c in subdistrict.children if c.id == org.community)
    # Code-point order would put 第三 before 第二.
    assert [b.name for b in community.children] == [
        "第一网格党支部",
        "第二网格党支部",
        "第三网格党支部",
    ]


def test_a_search_within_a_subdistrict_finds_the_members_of_its_communities(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    app.register_member(member_draft(org.branch), actor=staff.clerk)
    receipt = app.register_member(
        member_draft(org.other_branch, name="王五", phone="13700001111"), actor=staff.clerk
    )
    page = system.roster.search_members(
        "", unit_id=org.subdistrict, actor=staff.reviewer, min_position=receipt.position
    )
    assert sorted(m.name for m in page.items) == ["张三", "王五"]
    page = system.roster.search_members("0000", unit_id=org.subdistrict, actor=staff.reviewer)
    assert [m.name for m in page.items] == ["王五"]
