"""Members: registered once, in one branch; moved, corrected and deregistered with reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.dto import MemberCorrection
from domain.errors import DuplicateError, InvalidInputError, NotFoundError
from domain.roster import RosterError
from projections.system import System
from tests.application.support import (
    Clock,
    events_after,
    in_clear,
    last_event,
    names,
    refused,
    years_ago,
)
from tests.conftest import Org, Staff, member_draft

ID_NUMBER = "371202197001020012"
OTHER_ID_NUMBER = "371202198003150026"


def resident_unit(system: System, staff: Staff, community: UUID, name: str = "供电公司") -> UUID:
    return system.app.register_resident_unit(name, "enterprise", community, actor=staff.clerk).id


# -- registration -------------------------------------------------------------------------


def test_a_clerk_registers_a_member_whose_details_are_sealed_in_the_event(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    start = app.last_position()
    receipt = app.register_member(
        member_draft(org.branch, group_id=org.group, id_number=ID_NUMBER), actor=staff.clerk
    )
    claimed, registered = events_after(system, start)
    assert names([claimed, registered]) == ["PersonIndex.Claimed", "Member.Registered"]
    assert claimed.member_id == receipt.id
    assert registered.originator_id == receipt.id
    assert (registered.community_id, registered.branch_id, registered.group_id) == (
        org.community,
        org.branch,
        org.group,
    )
    assert registered.personal.startswith("v1:") and "张三" not in registered.personal
    assert receipt.position == app.last_position()

    detail = app.get_member(receipt.id, actor=staff.reviewer)
    # Contact details masked or withheld: shown in clear only by a recorded disclosure.
    assert (detail.name, detail.phone, detail.address, detail.status) == (
        "张三",
        "138****5678",
        None,
        "active",
    )
    assert detail.id_number_masked == "371202********0012"
    page = system.roster.search_members("张三", actor=staff.clerk, min_position=receipt.position)
    assert [(m.id, m.branch_name, m.group_name) for m in page.items] == [
        (receipt.id, "第一网格党支部", "1号楼党小组")
    ]


FIELD_CASES: list[tuple[str, dict[str, Any]]] = [
    ("name", {"name": ""}),
    ("name", {"name": "名" * 41}),
    ("name", {"name": "张\n三"}),
    ("gender", {"gender": "other"}),
    ("gender", {"gender": ""}),
    ("birth_date", {"birth_date": None}),
    ("birth_date", {"birth_date": date(1899, 12, 31)}),
    ("birth_date", {"birth_date": "1970-01-02"}),
    ("phone", {"phone": ""}),
    ("phone", {"phone": "12345"}),
    ("phone", {"phone": "23812345678"}),
    ("address", {"address": " "}),
    ("address", {"address": "址" * 201}),
    ("id_number", {"id_number": "371202197001020013"}),
    ("id_number", {"id_number": "37120219700102"}),
    ("joined_party_on", {"joined_party_on": None}),
    ("kind", {"kind": "retired"}),
    ("branch_id", {"branch_id": None}),
    ("branch_id", {"branch_id": "nonsense"}),
    ("resident_unit_id", {"resident_unit_id": uuid4()}),
    ("resident_unit_id", {"kind": "in_service"}),
]


def test_every_field_of_a_registration_is_checked(system: System, staff: Staff, org: Org) -> None:
    for field, change in FIELD_CASES:
        with refused(system, InvalidInputError, field=field, case=change) as caught:
            system.app.register_member(member_draft(org.branch, **change), actor=staff.clerk)
        # Messages name the field, never the value.
        for value in change.values():
            if isinstance(value, str) and len(value) > 3:
                assert value not in caught.value.message


def test_a_branch_must_be_a_branch_and_a_group_one_of_its_groups(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="branch_id"):
        app.register_member(member_draft(org.community), actor=staff.clerk)
    with refused(system, InvalidInputError, field="branch_id"):
        app.register_member(member_draft(org.group), actor=staff.clerk)
    with refused(system, InvalidInputError, field="group_id"):
        app.register_member(member_draft(org.branch2, group_id=org.group), actor=staff.clerk)
    with refused(system, InvalidInputError, field="group_id"):
        app.register_member(member_draft(org.branch, group_id=org.branch2), actor=staff.clerk)
    with refused(system, NotFoundError):
        app.register_member(member_draft(uuid4()), actor=staff.clerk)


def test_a_member_is_at_least_18_years_old_to_the_day(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    today = app.today()
    with refused(system, InvalidInputError, field="birth_date") as caught:
        app.register_member(
            member_draft(org.branch, birth_date=years_ago(today, 18, days=1)), actor=staff.clerk
        )
    assert "18" in caught.value.message
    with refused(system, InvalidInputError, field="birth_date"):
        app.register_member(
            member_draft(org.branch, birth_date=years_ago(today, 10)), actor=staff.clerk
        )
    app.register_member(
        member_draft(org.branch, birth_date=years_ago(today, 18), joined_party_on=today),
        actor=staff.clerk,
    )
    assert names([last_event(system)]) == ["Member.Registered"]


def test_nobody_joins_the_party_before_their_18th_birthday(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    birth = date(1980, 5, 20)
    with refused(system, InvalidInputError, field="joined_party_on"):
        app.register_member(
            member_draft(org.branch, birth_date=birth, joined_party_on=date(1998, 5, 19)),
            actor=staff.clerk,
        )
    member = app.register_member(
        member_draft(org.branch, birth_date=birth, joined_party_on=date(1998, 5, 20)),
        actor=staff.clerk,
    ).id
    with refused(system, InvalidInputError, field="joined_party_on"):
        app.correct_member(
            member, MemberCorrection(birth_date=date(1981, 1, 1)), "typo", actor=staff.clerk
        )


def test_no_date_of_a_registration_is_in_the_future(system: System, staff: Staff, org: Org) -> None:
    tomorrow = system.app.today() + timedelta(days=1)
    with refused(system, InvalidInputError, field="birth_date"):
        system.app.register_member(member_draft(org.branch, birth_date=tomorrow), actor=staff.clerk)
    with refused(system, InvalidInputError, field="joined_party_on"):
        system.app.register_member(
            member_draft(org.branch, joined_party_on=tomorrow), actor=staff.clerk
        )


def test_an_in_service_member_reports_from_a_resident_unit_of_the_same_community(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    here = resident_unit(system, staff, org.community)
    there = resident_unit(system, staff, org.other_community, "汶源中学")
    with refused(system, InvalidInputError, field="resident_unit_id") as caught:
        app.register_member(member_draft(org.branch, kind="in_service"), actor=staff.clerk)
    assert "needs the resident unit" in caught.value.message
    with refused(system, InvalidInputError, field="resident_unit_id") as caught:
        app.register_member(
            member_draft(org.branch, kind="in_service", resident_unit_id=there), actor=staff.clerk
        )
    assert "not in the member's community" in caught.value.message
    with refused(system, InvalidInputError, field="resident_unit_id"):
        app.register_member(member_draft(org.branch, resident_unit_id=here), actor=staff.clerk)
    with refused(system, NotFoundError):
        app.register_member(
            member_draft(org.branch, kind="in_service", resident_unit_id=org.community),
            actor=staff.clerk,
        )
    receipt = app.register_member(
        member_draft(org.branch, kind="in_service", resident_unit_id=here), actor=staff.clerk
    )
    registered = last_event(system)
    assert (registered.kind, registered.resident_unit_id) == ("in_service", here)
    app.close_resident_unit(there, "moved out", actor=staff.clerk)
    with refused(system, RosterError, rule="resident_unit_closed"):
        app.register_member(
            member_draft(
                org.other_branch, kind="in_service", resident_unit_id=there, phone="13900000009"
            ),
            actor=staff.clerk,
        )
    units = system.roster.list_resident_units(
        actor=staff.reviewer, community_id=org.community, min_position=receipt.position
    )
    assert [(u["id"], u["members"]) for u in units] == [(here, 1)]


def test_the_same_person_by_id_number_is_registered_once(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    first = app.register_member(member_draft(org.branch, id_number=ID_NUMBER), actor=staff.clerk)
    # Another name, phone and branch, but the same ID number (lower-case x would match too).
    with refused(system, DuplicateError, rule="member_exists") as caught:
        app.register_member(
            member_draft(org.other_branch, name="张叁", phone="13900000000", id_number=ID_NUMBER),
            actor=staff.cadre,
        )
    assert caught.value.existing_id == str(first.id)
    assert str(first.id) in caught.value.message
    assert "张" not in caught.value.message and ID_NUMBER not in caught.value.message
    app.register_member(
        member_draft(org.branch, id_number=OTHER_ID_NUMBER), actor=staff.clerk
    )  # same name, birth and phone but another ID number: another person


def test_without_an_id_number_name_birth_date_and_phone_identify_a_person(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    first = app.register_member(member_draft(org.branch), actor=staff.clerk)
    with refused(system, DuplicateError, rule="member_exists") as caught:
        app.register_member(
            member_draft(org.branch2, name=" 张三 ", phone="138 1234 5678"), actor=staff.clerk
        )
    assert caught.value.existing_id == str(first.id)
    app.register_member(member_draft(org.branch, phone="13812345679"), actor=staff.clerk)


def test_a_deregistered_person_can_be_registered_again(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    first = app.register_member(member_draft(org.branch, id_number=ID_NUMBER), actor=staff.clerk)
    app.deregister_member(first.id, "moved", "moved to Jinan", actor=staff.clerk)
    start = app.last_position()
    again = app.register_member(
        member_draft(org.other_branch, id_number=ID_NUMBER), actor=staff.clerk
    )
    reclaimed, registered = events_after(system, start)
    assert names([reclaimed, registered]) == ["PersonIndex.Reclaimed", "Member.Registered"]
    assert reclaimed.member_id == again.id != first.id
    assert app.get_member(first.id, actor=staff.clerk).status == "deregistered"
    with refused(system, DuplicateError) as caught:
        app.register_member(member_draft(org.branch, id_number=ID_NUMBER), actor=staff.clerk)
    assert caught.value.existing_id == str(again.id)


# -- transfers ----------------------------------------------------------------------------


def test_a_member_is_transferred_with_a_reason_to_another_place(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="reason"):
        app.transfer_member(member, org.branch2, "  ", actor=staff.clerk)
    with refused(system, RosterError, rule="same_place"):
        app.transfer_member(member, org.branch, "no move", actor=staff.clerk)
    with refused(system, InvalidInputError, field="group_id"):
        app.transfer_member(member, org.branch2, "x", group_id=org.group, actor=staff.clerk)
    with refused(system, NotFoundError):
        app.transfer_member(uuid4(), org.branch2, "x", actor=staff.clerk)
    app.transfer_member(member, org.branch, "joined group", group_id=org.group, actor=staff.clerk)
    receipt = app.transfer_member(member, org.other_branch, "moved to 汶源", actor=staff.cadre)
    moved = last_event(system)
    assert (names([moved]), moved.reason, moved.actor) == (
        ["Member.Transferred"],
        "moved to 汶源",
        "cadre",
    )
    assert (moved.community_id, moved.branch_id, moved.group_id) == (
        org.other_community,
        org.other_branch,
        None,
    )
    page = system.roster.search_members(
        actor=staff.clerk, unit_id=org.other_community, min_position=receipt.position
    )
    assert [m.id for m in page.items] == [member]


def test_an_in_service_member_stays_in_the_community_of_their_resident_unit(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    unit = resident_unit(system, staff, org.community)
    member = app.register_member(
        member_draft(org.branch, kind="in_service", resident_unit_id=unit), actor=staff.clerk
    ).id
    with refused(system, RosterError, rule="in_service_community"):
        app.transfer_member(member, org.other_branch, "moved", actor=staff.clerk)
    app.transfer_member(member, org.branch2, "moved within the community", actor=staff.clerk)


def test_a_deregistered_member_is_not_transferred_corrected_or_deregistered_again(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    app.deregister_member(member, "deceased", "passed away", actor=staff.clerk)
    with refused(system, RosterError, rule="member_deregistered"):
        app.transfer_member(member, org.branch2, "x", actor=staff.clerk)
    with refused(system, RosterError, rule="member_deregistered"):
        app.correct_member(member, MemberCorrection(phone="13900000000"), "x", actor=staff.clerk)
    with refused(system, RosterError, rule="member_deregistered"):
        app.deregister_member(member, "moved", "again", actor=staff.clerk)


# -- corrections --------------------------------------------------------------------------


def test_a_correction_names_the_fields_it_changed_but_never_their_values(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    receipt = app.correct_member(
        member,
        MemberCorrection(
            phone="13900001234", address="2号楼", name="张三", joined_party_on=date(1996, 7, 1)
        ),
        "the phone changed",
        actor=staff.clerk,
    )
    corrected = last_event(system)
    assert names([corrected]) == ["Member.Corrected"]
    assert corrected.fields == ["address", "joined_party_on", "phone"]
    assert corrected.changes == {"joined_party_on": date(1996, 7, 1)}
    assert corrected.reason == "the phone changed"
    assert "13900001234" not in repr(corrected.__dict__)
    detail = app.get_member(member, actor=staff.clerk)
    assert (detail.phone, detail.joined_party_on, detail.version) == (
        "139****1234",
        date(1996, 7, 1),
        2,
    )
    assert in_clear(system, member, staff.clerk) == {"phone": "13900001234", "address": "2号楼"}
    page = system.roster.search_members(
        "139000012", actor=staff.clerk, min_position=receipt.position
    )
    assert [m.id for m in page.items] == [member]


def test_a_correction_needs_a_reason_valid_fields_and_some_change(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="reason"):
        app.correct_member(member, MemberCorrection(phone="13900001234"), "", actor=staff.clerk)
    with refused(system, RosterError, rule="nothing_to_correct"):
        app.correct_member(
            member, MemberCorrection(name="张三", phone="13812345678"), "same", actor=staff.clerk
        )
    with refused(system, RosterError, rule="nothing_to_correct"):
        app.correct_member(member, MemberCorrection(), "nothing", actor=staff.clerk)
    with refused(system, InvalidInputError, field="phone"):
        app.correct_member(member, MemberCorrection(phone="123"), "typo", actor=staff.clerk)
    with refused(system, InvalidInputError, field="birth_date"):
        app.correct_member(
            member,
            MemberCorrection(birth_date=years_ago(app.today(), 17)),
            "typo",
            actor=staff.clerk,
        )
    with refused(system, InvalidInputError, field="id_number"):
        app.correct_member(
            member, MemberCorrection(id_number="371202197001020013"), "typo", actor=staff.clerk
        )


def test_a_correction_of_identity_is_checked_for_duplicates_and_frees_the_old_identity(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    first = app.register_member(member_draft(org.branch, id_number=ID_NUMBER), actor=staff.clerk).id
    second = app.register_member(
        member_draft(org.branch, name="李四", phone="13900000002"), actor=staff.clerk
    ).id
    with refused(system, DuplicateError, rule="member_exists") as caught:
        app.correct_member(
            second, MemberCorrection(id_number=ID_NUMBER), "ID card seen", actor=staff.clerk
        )
    assert caught.value.existing_id == str(first)
    start = app.last_position()
    app.correct_member(
        first,
        MemberCorrection(id_number=OTHER_ID_NUMBER),
        "ID number was mistyped",
        actor=staff.clerk,
    )
    claimed, released, corrected = events_after(system, start)
    assert names([claimed, released, corrected]) == [
        "PersonIndex.Claimed",
        "PersonIndex.Released",
        "Member.Corrected",
    ]
    assert corrected.fields == ["id_number"]
    # The freed ID number can now be given to the member who really holds it; their old
    # identity (name, birth date and phone) is released in the same save.
    start = app.last_position()
    app.correct_member(
        second, MemberCorrection(id_number=ID_NUMBER), "ID card seen", actor=staff.clerk
    )
    assert names(events_after(system, start)) == [
        "PersonIndex.Reclaimed",
        "PersonIndex.Released",
        "Member.Corrected",
    ]


def test_a_member_changes_between_in_service_and_resident(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    unit = resident_unit(system, staff, org.community)
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="resident_unit_id"):
        app.correct_member(member, MemberCorrection(kind="in_service"), "x", actor=staff.clerk)
    app.correct_member(
        member,
        MemberCorrection(kind="in_service", resident_unit_id=unit),
        "works at the power company",
        actor=staff.clerk,
    )
    assert last_event(system).changes == {"kind": "in_service", "resident_unit_id": unit}
    app.correct_member(member, MemberCorrection(kind="resident"), "retired", actor=staff.clerk)
    assert last_event(system).changes == {"kind": "resident", "resident_unit_id": None}
    detail = app.get_member(member, actor=staff.clerk)
    assert (detail.kind, detail.resident_unit_id) == ("resident", None)
    # the resident unit has no member left and can close
    app.close_resident_unit(unit, "moved out", actor=staff.clerk)


# -- deregistration -----------------------------------------------------------------------


def test_deregistration_needs_a_cause_a_reason_and_a_date_not_in_the_future(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    clock = Clock(datetime.now(UTC) - timedelta(days=10))
    app.clock = clock
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    registered = app.today()
    clock.advance(days=10)
    with refused(system, InvalidInputError, field="cause"):
        app.deregister_member(member, "retired", "x", actor=staff.clerk)
    with refused(system, InvalidInputError, field="reason"):
        app.deregister_member(member, "moved", " ", actor=staff.clerk)
    with refused(system, InvalidInputError, field="on"):
        app.deregister_member(
            member, "moved", "x", on=app.today() + timedelta(days=1), actor=staff.clerk
        )
    # Not before the member joined the party (1995-07-01), nor before the day they were
    # registered in the roster.
    for early, why in (
        (date(1995, 6, 30), "is before the member joined the party"),
        (registered - timedelta(days=1), "is before the member was registered in the roster"),
    ):
        with refused(system, InvalidInputError, field="on", case=early) as caught:
            app.deregister_member(member, "moved", "x", on=early, actor=staff.clerk)
        assert caught.value.reason == why
    on = registered + timedelta(days=7)
    receipt = app.deregister_member(member, "moved", "moved to Jinan", on=on, actor=staff.clerk)
    event = last_event(system)
    assert (names([event]), event.cause, event.on, event.reason) == (
        ["Member.Deregistered"],
        "moved",
        on,
        "moved to Jinan",
    )
    detail = app.get_member(member, actor=staff.reviewer)
    assert detail.status == "deregistered"
    assert detail.deregistration == {"cause": "moved", "on": on, "reason": "moved to Jinan"}
    active = system.roster.search_members(actor=staff.clerk, min_position=receipt.position)
    assert member not in [m.id for m in active.items]
    gone = system.roster.search_members(
        actor=staff.clerk, status="deregistered", min_position=receipt.position
    )
    assert [m.id for m in gone.items] == [member]


def test_history_shows_who_did_what_with_sealed_fields_sealed(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    app.transfer_member(member, org.branch2, "moved west", actor=staff.cadre)
    history = app.get_history(member, actor=staff.reviewer)
    assert [(h.version, h.event, h.actor) for h in history] == [
        (1, "Member.Registered", "clerk"),
        (2, "Member.Transferred", "cadre"),
    ]
    assert history[0].fields["personal"] == "[sealed]"
    assert history[1].fields["reason"] == "moved west"
    with pytest.raises(NotFoundError):
        app.get_history(uuid4(), actor=staff.reviewer)


def test_today_is_the_stations_date_not_utcs(system: System, staff: Staff, org: Org) -> None:
    """At 07:00 in Jinan it is still yesterday in UTC; a date typed as today is accepted."""
    from datetime import UTC, datetime

    app = system.app
    morning_utc = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 07:30 on 10 March in China
    clock = app.clock
    app.clock = lambda: morning_utc
    try:
        assert app.today() == date(2026, 3, 10)
        app.register_member(
            member_draft(org.branch, joined_party_on=date(2026, 3, 10)), actor=staff.clerk
        )
    finally:
        app.clock = clock
