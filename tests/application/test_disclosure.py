"""Staff see a person's contact details masked; whoever needs them in clear says why, and
the showing is recorded: who looked, at whom, why, which fields. Supervisors and
reviewers see who looked at whom."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.dto import DisclosedContact, WishDraft
from domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from domain.personal import mask_phone
from domain.privacy import ErasedError, PrivacyError
from projections.system import System
from projections.timeline import actor_trail
from tests.application.support import (
    ADDRESS,
    HEAD,
    HEAD_PHONE,
    NAME,
    PHONE,
    REQUESTER,
    REQUESTER_PHONE,
    events_after,
    last_event,
    names,
    refused,
    request_draft,
)
from tests.conftest import Org, Staff, household_draft, member_draft

MASKED_PHONE = PHONE[:3] + "****" + PHONE[-4:]


def member_of(system: System, staff: Staff, org: Org) -> UUID:
    return system.app.register_member(
        member_draft(org.branch, name=NAME, phone=PHONE, address=ADDRESS), actor=staff.clerk
    ).id


def household_of(system: System, staff: Staff, org: Org) -> UUID:
    return system.app.register_household(
        household_draft(
            org.branch, head_name=HEAD, head_phone=HEAD_PHONE, unit="3单元", room="502"
        ),
        actor=staff.clerk,
    ).id


def test_staff_reads_show_contact_details_masked(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    member = member_of(system, staff, org)
    home = household_of(system, staff, org)
    link = app.link_household(member, home, actor=staff.clerk)
    request = app.place_request(request_draft(org), actor=staff.clerk).id

    detail = app.get_member(member, actor=staff.clerk)
    assert (detail.name, detail.phone, detail.address) == (NAME, MASKED_PHONE, None)
    household = app.get_household(home, actor=staff.clerk)
    assert (household.head_name, household.unit, household.room) == (HEAD, None, None)
    assert household.head_phone == mask_phone(HEAD_PHONE)
    placed = app.get_request(request, actor=staff.clerk)
    assert placed.contact_name == REQUESTER[0] + "*" * (len(REQUESTER) - 2) + REQUESTER[-1]
    assert placed.contact_phone == REQUESTER_PHONE[:3] + "****" + REQUESTER_PHONE[-4:]

    # The roster's lists: masked too, and still found by the phone.
    (row,) = system.roster.search_members(
        PHONE, actor=staff.clerk, min_position=link.position
    ).items
    assert (row.name, row.phone) == (NAME, MASKED_PHONE)
    (listed,) = system.roster.list_households(actor=staff.clerk, query=HEAD_PHONE).items
    assert (listed["unit"], listed["room"], listed["head_phone"]) == (
        None,
        None,
        mask_phone(HEAD_PHONE),
    )
    (linked,) = system.roster.member_links(member, actor=staff.clerk)
    assert (linked["unit"], linked["room"], linked["head_name"]) == (None, None, HEAD)


def test_a_clerk_sees_a_members_contact_once_and_the_showing_is_recorded(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = member_of(system, staff, org)
    start = app.last_position()

    shown = app.reveal_contact(member, "电话通知参加主题党日", actor=staff.clerk)

    assert isinstance(shown, DisclosedContact)
    assert (shown.subject_id, shown.subject_kind) == (member, "member")
    assert shown.fields == {"phone": PHONE, "address": ADDRESS}
    (recorded,) = events_after(system, start)
    assert names([recorded]) == ["Disclosure.Recorded"]
    assert (recorded.originator_id, recorded.actor) == (shown.id, "clerk")
    assert (recorded.subject_id, recorded.subject_kind) == (member, "member")
    assert (recorded.reason, recorded.fields) == ("电话通知参加主题党日", ["phone", "address"])
    # The event names the fields, never their values.
    stored = app.recorder.select_notifications(start, 1, inclusive_of_start=False)[0].state
    assert PHONE.encode() not in stored and ADDRESS.encode() not in stored
    # Showing them changed nothing else: the next read is masked again.
    assert app.get_member(member, actor=staff.clerk).phone == MASKED_PHONE


def test_a_showing_needs_a_reason_the_right_and_someone_to_show(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = member_of(system, staff, org)
    for reason in ("", "  "):
        with refused(system, InvalidInputError, field="reason", case=reason):
            app.reveal_contact(member, reason, actor=staff.clerk)
    # A reviewer reads the record and who looked; contact details are not theirs to see.
    with refused(system, PermissionDeniedError):
        app.reveal_contact(member, "核查", actor=staff.reviewer)
    for nobody in (uuid4(), org.branch):
        with refused(system, NotFoundError, case=nobody):
            app.reveal_contact(nobody, "回访", actor=staff.clerk)
    anonymous = app.place_request(
        request_draft(org, requester_kind="anonymous", contact_name=None, contact_phone=None),
        actor=staff.clerk,
    ).id
    with refused(system, PrivacyError, rule="no_contact"):
        app.reveal_contact(anonymous, "回访", actor=staff.clerk)
    app.erase_person(member, "本人申请", actor=staff.admin)
    with refused(system, ErasedError, rule="erased"):
        app.reveal_contact(member, "回访", actor=staff.clerk)


@pytest.mark.parametrize("role", ["clerk", "cadre", "supervisor", "admin"])
def test_every_role_that_contacts_people_may_ask(
    system: System, staff: Staff, org: Org, role: str
) -> None:
    member = member_of(system, staff, org)
    shown = system.app.reveal_contact(member, "联系", actor=getattr(staff, role))
    assert shown.fields["phone"] == PHONE
    assert last_event(system).actor == role


def test_a_requests_contact_is_the_residents_or_else_the_households(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    resident = app.place_request(request_draft(org), actor=staff.clerk).id
    shown = app.reveal_contact(resident, "回访", actor=staff.cadre)
    assert (shown.subject_id, shown.subject_kind) == (resident, "request")
    assert shown.fields == {"contact_name": REQUESTER, "contact_phone": REQUESTER_PHONE}

    home = household_of(system, staff, org)
    theirs = app.place_request(
        request_draft(
            org,
            requester_kind="household",
            household_id=home,
            contact_name=None,
            contact_phone=None,
        ),
        actor=staff.clerk,
    ).id
    shown = app.reveal_contact(theirs, "上门查看", actor=staff.cadre)
    assert (shown.subject_id, shown.subject_kind) == (home, "household")
    assert shown.fields == {"unit": "3单元", "room": "502", "head_phone": HEAD_PHONE}
    assert last_event(system).subject_id == home  # recorded against whom was shown

    wish = app.post_wish(
        WishDraft(
            community_id=org.community,
            title="一台收音机",
            wish="想听戏",
            resident_name=REQUESTER,
            contact_phone=REQUESTER_PHONE,
        ),
        actor=staff.clerk,
    ).id
    details = app.get_wish(wish, actor=staff.clerk).details
    assert details["contact_phone"] == REQUESTER_PHONE[:3] + "****" + REQUESTER_PHONE[-4:]
    assert details["resident_name"] != REQUESTER
    shown = app.reveal_contact(wish, "送货上门", actor=staff.clerk)
    assert shown.fields == {"resident_name": REQUESTER, "contact_phone": REQUESTER_PHONE}


def test_supervisors_and_reviewers_see_who_looked_at_whom(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = member_of(system, staff, org)
    other = app.register_member(member_draft(org.branch2), actor=staff.clerk).id
    first = app.reveal_contact(member, "电话通知", actor=staff.clerk)
    app.reveal_contact(other, "上门走访", actor=staff.clerk)
    last = app.reveal_contact(member, "核实住址", actor=staff.cadre)

    page = system.privacy.disclosures(
        actor=staff.reviewer, subject_id=member, min_position=last.position
    )
    assert page.total == 2
    assert [(d["viewer"], d["reason"]) for d in page.items] == [
        ("cadre", "核实住址"),
        ("clerk", "电话通知"),
    ]
    assert page.items[1]["id"] == first.id
    assert page.items[1]["fields"] == ["phone", "address"]
    assert PHONE not in str(page.items)
    by_clerk = system.privacy.disclosures(actor=staff.supervisor, viewer="clerk")
    assert {d["subject_id"] for d in by_clerk.items} == {member, other}
    with pytest.raises(PermissionDeniedError):
        system.privacy.disclosures(actor=staff.clerk, subject_id=member)
    # The clerk's own trail shows the showings among everything else they did.
    with system.db.read.connect() as conn:
        trail = actor_trail(conn, "clerk")
    assert [t["event"] for t in trail[:2]] == ["Disclosure.Recorded", "Disclosure.Recorded"]
    # A showing's own history is the audit's.
    with pytest.raises(PermissionDeniedError):
        app.get_history(first.id, actor=staff.clerk)
    (entry,) = app.get_history(first.id, actor=staff.reviewer)
    assert (entry.actor, entry.fields["reason"]) == ("clerk", "电话通知")
