"""Resident units, households and the 3+N links from members to households."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from domain.dto import HouseholdCorrection, MemberCorrection
from domain.errors import InvalidInputError, NotFoundError
from domain.roster import RosterError
from projections.system import System
from tests.application.support import events_after, in_clear, last_event, names, refused
from tests.conftest import Org, Staff, household_draft, member_draft

# -- resident units -----------------------------------------------------------------------


def test_a_resident_unit_is_registered_renamed_and_closed(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    unit = app.register_resident_unit(
        "莱芜供电公司", "enterprise", org.community, actor=staff.clerk
    )
    registered = last_event(system)
    assert (names([registered]), registered.community_id, registered.kind) == (
        ["ResidentUnit.Registered"],
        org.community,
        "enterprise",
    )
    with refused(system, InvalidInputError, field="reason"):
        app.rename_resident_unit(unit.id, "国网莱芜供电公司", "", actor=staff.clerk)
    with refused(system, RosterError, rule="same_name"):
        app.rename_resident_unit(unit.id, "莱芜供电公司", "typo", actor=staff.clerk)
    app.rename_resident_unit(unit.id, "国网莱芜供电公司", "official name", actor=staff.clerk)
    assert last_event(system).reason == "official name"
    closed = app.close_resident_unit(unit.id, "moved out", actor=staff.clerk)
    assert names([last_event(system)]) == ["ResidentUnit.Closed"]
    with refused(system, RosterError, rule="resident_unit_closed"):
        app.close_resident_unit(unit.id, "again", actor=staff.clerk)
    with refused(system, RosterError, rule="resident_unit_closed"):
        app.rename_resident_unit(unit.id, "新名", "x", actor=staff.clerk)
    (row,) = system.roster.list_resident_units(
        actor=staff.reviewer, community_id=org.community, min_position=closed.position
    )
    assert (row["name"], row["status"]) == ("国网莱芜供电公司", "closed")


def test_a_resident_unit_needs_a_name_a_kind_and_an_open_community(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="name"):
        app.register_resident_unit("", "enterprise", org.community, actor=staff.clerk)
    with refused(system, InvalidInputError, field="kind"):
        app.register_resident_unit("某单位", "shop", org.community, actor=staff.clerk)
    with refused(system, InvalidInputError, field="community_id"):
        app.register_resident_unit("某单位", "agency", org.branch, actor=staff.clerk)
    with refused(system, NotFoundError):
        app.register_resident_unit("某单位", "agency", uuid4(), actor=staff.clerk)
    sd = app.open_unit("subdistrict", "新街道", actor=staff.supervisor).id
    empty = app.open_unit("community", "空社区", sd, actor=staff.supervisor).id
    app.close_unit(empty, "never used", actor=staff.supervisor)
    with refused(system, RosterError, rule="unit_closed"):
        app.register_resident_unit("某单位", "agency", empty, actor=staff.clerk)


def test_a_resident_unit_that_members_report_from_is_not_closed(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    unit = app.register_resident_unit(
        "区人民医院", "institution", org.community, actor=staff.clerk
    ).id
    member = app.register_member(
        member_draft(org.branch, kind="in_service", resident_unit_id=unit), actor=staff.clerk
    ).id
    with refused(system, RosterError, rule="unit_has_members"):
        app.close_resident_unit(unit, "moved out", actor=staff.clerk)
    app.correct_member(
        member, MemberCorrection(kind="floating"), "left the hospital", actor=staff.clerk
    )
    app.close_resident_unit(unit, "moved out", actor=staff.clerk)


# -- households ---------------------------------------------------------------------------


def test_a_household_is_registered_with_its_details_sealed(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    receipt = app.register_household(
        household_draft(org.branch, group_id=org.group), actor=staff.clerk
    )
    registered = last_event(system)
    assert names([registered]) == ["Household.Registered"]
    assert (registered.building, registered.size, registered.group_id) == ("1号楼", 3, org.group)
    assert "李四" not in registered.personal
    detail = app.get_household(receipt.id, actor=staff.reviewer)
    # Contact details masked or withheld: shown in clear only by a recorded disclosure.
    assert (detail.unit, detail.room, detail.head_name, detail.head_phone, detail.erased) == (
        None,
        None,
        "李四",
        "139****1111",
        False,
    )
    assert in_clear(system, receipt.id, staff.clerk) == {
        "unit": "1单元",
        "room": "101",
        "head_phone": "13900001111",
    }
    page = system.roster.list_households(
        actor=staff.clerk, unit_id=org.group, query="李四", min_position=receipt.position
    )
    assert [h["id"] for h in page.items] == [receipt.id]


def test_a_household_phone_is_optional_but_checked_when_given(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    receipt = app.register_household(
        household_draft(org.branch, head_phone=None), actor=staff.clerk
    )
    assert app.get_household(receipt.id, actor=staff.clerk).head_phone is None
    app.register_household(household_draft(org.branch, head_phone=""), actor=staff.clerk)
    with refused(system, InvalidInputError, field="head_phone"):
        app.register_household(household_draft(org.branch, head_phone="12345"), actor=staff.clerk)


HOUSEHOLD_CASES: list[tuple[str, dict[str, object]]] = [
    ("size", {"size": 0}),
    ("size", {"size": 31}),
    ("size", {"size": -2}),
    ("size", {"size": None}),
    ("building", {"building": ""}),
    ("unit", {"unit": ""}),
    ("room", {"room": " "}),
    ("head_name", {"head_name": ""}),
    ("branch_id", {"branch_id": None}),
    ("group_id", {"group_id": "nonsense"}),
]


def test_every_field_of_a_household_is_checked(system: System, staff: Staff, org: Org) -> None:
    for field, change in HOUSEHOLD_CASES:
        with refused(system, InvalidInputError, field=field, case=change):
            system.app.register_household(household_draft(org.branch, **change), actor=staff.clerk)


def test_a_household_of_one_and_of_thirty_are_both_households(
    system: System, staff: Staff, org: Org
) -> None:
    system.app.register_household(household_draft(org.branch, size=1), actor=staff.clerk)
    system.app.register_household(household_draft(org.branch, size=30), actor=staff.clerk)


def test_a_household_is_corrected_with_a_reason_and_closed_when_it_moves_out(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="reason"):
        app.correct_household(home, HouseholdCorrection(size=4), "", actor=staff.clerk)
    with refused(system, RosterError, rule="nothing_to_correct"):
        app.correct_household(home, HouseholdCorrection(size=3, room="101"), "x", actor=staff.clerk)
    with refused(system, InvalidInputError, field="size"):
        app.correct_household(home, HouseholdCorrection(size=40), "x", actor=staff.clerk)
    app.correct_household(
        home, HouseholdCorrection(size=4, head_phone="13900002222"), "a baby", actor=staff.clerk
    )
    corrected = last_event(system)
    assert (corrected.fields, corrected.changes, corrected.reason) == (
        ["head_phone", "size"],
        {"size": 4},
        "a baby",
    )
    with refused(system, InvalidInputError, field="reason"):
        app.close_household(home, " ", actor=staff.clerk)
    closed = app.close_household(home, "moved to Jinan", actor=staff.clerk)
    assert last_event(system).reason == "moved to Jinan"
    with refused(system, RosterError, rule="household_closed"):
        app.close_household(home, "again", actor=staff.clerk)
    with refused(system, RosterError, rule="household_closed"):
        app.correct_household(home, HouseholdCorrection(size=2), "x", actor=staff.clerk)
    page = system.roster.list_households(actor=staff.clerk, min_position=closed.position)
    assert home not in [h["id"] for h in page.items]


# -- links and the contact log ---------------------------------------------------------------


def linked_pair(system: System, staff: Staff, org: Org) -> tuple[UUID, UUID]:
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    home = system.app.register_household(household_draft(org.branch), actor=staff.clerk).id
    system.app.link_household(member, home, actor=staff.clerk)
    return member, home


def test_a_member_links_a_household_of_their_own_community_and_logs_contacts(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member, home = linked_pair(system, staff, org)
    linked = last_event(system)
    assert (names([linked]), linked.member_id, linked.household_id, linked.since) == (
        ["HouseholdLink.Linked"],
        member,
        home,
        app.today(),
    )
    with refused(system, InvalidInputError, field="on"):  # before the link began
        app.log_contact(
            member, home, "visit", on=app.today() - timedelta(days=2), actor=staff.cadre
        )
    on = app.today()
    app.log_contact(member, home, "visit", on=on, note="老人腿脚不便，需要送药", actor=staff.cadre)
    logged = last_event(system)
    assert (logged.on, logged.channel, logged.actor) == (on, "visit", "cadre")
    assert "老人" not in logged.note
    assert app.open_note(home, logged.note) == "老人腿脚不便，需要送药"
    receipt = app.log_contact(member, home, "phone", actor=staff.cadre)
    assert last_event(system).note is None
    (row,) = system.roster.member_links(member, actor=staff.reviewer, min_position=receipt.position)
    assert (row["active"], row["contacts"], row["last_contact_on"]) == (True, 2, app.today())
    log = system.roster.contact_log(actor=staff.reviewer, member_id=member)
    assert [(e["channel"], e["logged_by"]) for e in log] == [("phone", "cadre"), ("visit", "cadre")]


def test_a_member_does_not_link_a_household_of_another_community(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    home = app.register_household(household_draft(org.other_branch), actor=staff.clerk).id
    with refused(system, RosterError, rule="other_community"):
        app.link_household(member, home, actor=staff.clerk)


def test_links_need_an_active_member_an_open_household_and_a_past_date(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="since"):
        app.link_household(member, home, since=app.today() + timedelta(days=1), actor=staff.clerk)
    with refused(system, NotFoundError):
        app.link_household(member, uuid4(), actor=staff.clerk)
    with refused(system, NotFoundError):
        app.link_household(home, member, actor=staff.clerk)  # ids the wrong way round
    app.close_household(home, "moved out", actor=staff.clerk)
    with refused(system, RosterError, rule="household_closed"):
        app.link_household(member, home, actor=staff.clerk)
    other_home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    app.deregister_member(member, "moved", "moved away", actor=staff.clerk)
    with refused(system, RosterError, rule="member_deregistered"):
        app.link_household(member, other_home, actor=staff.clerk)


def test_an_unlinked_household_is_linked_again_not_twice(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member, home = linked_pair(system, staff, org)
    with refused(system, RosterError, rule="already_linked"):
        app.link_household(member, home, actor=staff.clerk)
    with refused(system, InvalidInputError, field="reason"):
        app.unlink_household(member, home, "", actor=staff.clerk)
    start = app.last_position()
    app.unlink_household(member, home, "the household asked for another member", actor=staff.clerk)
    with refused(system, RosterError, rule="not_linked"):
        app.unlink_household(member, home, "again", actor=staff.clerk)
    receipt = app.link_household(member, home, actor=staff.clerk)
    unlinked, relinked = events_after(system, start)
    assert names([unlinked, relinked]) == ["HouseholdLink.Unlinked", "HouseholdLink.Relinked"]
    assert unlinked.reason == "the household asked for another member"
    assert receipt.id == unlinked.originator_id  # one link per member and household
    (row,) = system.roster.member_links(member, actor=staff.clerk, min_position=receipt.position)
    assert row["active"] is True


def test_the_contact_log_needs_a_current_link(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    member, home = linked_pair(system, staff, org)
    stranger = app.register_household(household_draft(org.branch, room="102"), actor=staff.clerk).id
    with refused(system, NotFoundError):
        app.log_contact(member, stranger, "visit", actor=staff.cadre)
    with refused(system, InvalidInputError, field="channel"):
        app.log_contact(member, home, "letter", actor=staff.cadre)
    with refused(system, InvalidInputError, field="on"):
        app.log_contact(
            member, home, "visit", on=app.today() + timedelta(days=1), actor=staff.cadre
        )
    with refused(system, InvalidInputError, field="note"):
        app.log_contact(member, home, "visit", note="记" * 1001, actor=staff.cadre)
    app.unlink_household(member, home, "paused", actor=staff.clerk)
    with refused(system, RosterError, rule="not_linked"):
        app.log_contact(member, home, "visit", actor=staff.cadre)


def test_no_contact_is_logged_for_a_deregistered_member_or_a_closed_household(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member, home = linked_pair(system, staff, org)
    app.close_household(home, "moved away", actor=staff.clerk)
    with refused(system, RosterError, rule="household_closed"):
        app.log_contact(member, home, "visit", actor=staff.cadre)
