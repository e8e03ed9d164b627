"""The roster read model as staff query it: tree order, searches at every level."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidInputError
from projections.system import System
from tests.conftest import Org, Staff, household_draft, member_draft


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


def test_a_members_contacts_are_counted_per_household_within_a_year(
    system: System, staff: Staff, org: Org
) -> None:
    app, clerk = system.app, staff.clerk
    today = app.today()
    last_year = date(today.year - 1, 6, 1)
    zhang = app.register_member(member_draft(org.branch), actor=clerk).id
    li = app.register_member(member_draft(org.branch, name="李四"), actor=clerk).id
    east = app.register_household(household_draft(org.branch), actor=clerk).id
    west = app.register_household(household_draft(org.branch2, head_name="王五"), actor=clerk).id
    for household in (east, west):
        app.link_household(zhang, household, since=last_year, actor=clerk)
    app.link_household(li, east, actor=clerk)
    app.log_contact(zhang, east, "visit", on=last_year, actor=clerk)  # another year
    app.log_contact(zhang, east, "phone", actor=clerk)
    app.log_contact(zhang, east, "visit", actor=clerk)
    app.log_contact(zhang, west, "phone", actor=clerk)
    receipt = app.log_contact(li, east, "phone", actor=clerk)  # another member

    counts = system.roster.contact_counts(
        zhang, actor=staff.reviewer, year=today.year, min_position=receipt.position
    )
    assert counts == {east: 2, west: 1}
    assert system.roster.contact_counts(zhang, actor=staff.reviewer, year=last_year.year) == {
        east: 1
    }
    assert system.roster.contact_counts(li, actor=staff.reviewer, year=last_year.year) == {}
    with pytest.raises(InvalidInputError):
        system.roster.contact_counts(zhang, actor=staff.reviewer, year=0)


def test_a_household_lists_its_linked_members_current_ones_first(
    system: System, staff: Staff, org: Org
) -> None:
    app, clerk = system.app, staff.clerk
    today = app.today()
    zhang = app.register_member(member_draft(org.branch), actor=clerk).id
    li = app.register_member(member_draft(org.branch, name="李四"), actor=clerk).id
    wang = app.register_member(member_draft(org.branch2, name="王五"), actor=clerk).id
    home = app.register_household(household_draft(org.branch), actor=clerk).id
    other = app.register_household(household_draft(org.branch, head_name="赵六"), actor=clerk).id
    app.link_household(li, home, since=date(today.year - 1, 3, 1), actor=clerk)
    app.link_household(zhang, home, actor=clerk)
    app.link_household(wang, home, actor=clerk)
    app.link_household(wang, other, actor=clerk)
    app.log_contact(li, home, "visit", on=date(today.year - 1, 4, 1), actor=clerk)
    app.log_contact(li, home, "phone", actor=clerk)
    app.unlink_household(wang, home, "联系人调整", actor=clerk)
    receipt = app.log_contact(wang, other, "visit", actor=clerk)

    found = system.roster.household_links(home, actor=staff.reviewer, min_position=receipt.position)
    assert [
        (r["member_id"], r["name"], r["active"], r["contacts"], r["last_contact_on"]) for r in found
    ] == [
        (li, "李四", True, 2, today),
        (zhang, "张三", True, 0, None),
        (wang, "王五", False, 0, None),
    ]
    assert found[0]["since"] == date(today.year - 1, 3, 1)
    assert set(found[0]) == {"member_id", "name", "since", "active", "contacts", "last_contact_on"}
    assert system.roster.household_links(uuid4(), actor=staff.reviewer) == []
