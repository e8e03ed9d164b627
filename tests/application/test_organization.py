"""The organization tree: subdistrict → community → grid branch → party group, and its posts.

Each rule is broken once: the error names the rule or field, and nothing is stored.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.accounts import Account
from domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from domain.roster import Member, RosterError
from projections.system import System
from tests.application.support import events_after, last_event, names, refused
from tests.conftest import Org, Staff, household_draft, member_draft


def test_a_supervisor_opens_a_branch_and_a_group_under_it(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    start = app.last_position()
    branch = app.open_unit(
        "branch",
        "第三网格党支部",
        org.community,
        kind="combined",
        area="北片区",
        actor=staff.supervisor,
    )
    group = app.open_unit(
        "group", "商户党小组", branch.id, kind="merchant", place="商业街", actor=staff.supervisor
    )
    opened_branch, opened_group = events_after(system, start)
    assert names([opened_branch, opened_group]) == ["OrgUnit.Opened", "OrgUnit.Opened"]
    assert (opened_branch.level, opened_branch.kind, opened_branch.parent_id) == (
        "branch",
        "combined",
        org.community,
    )
    assert (opened_group.parent_id, opened_group.place) == (branch.id, "商业街")
    assert group.position == app.last_position()
    node = system.roster.unit(group.id, actor=staff.reviewer, min_position=group.position)
    assert (node["level"], node["kind"], node["status"]) == ("group", "merchant", "open")


WRONG_PARENTS = [
    ("community", "community", None),
    ("community", "branch", None),
    ("branch", "subdistrict", "direct"),
    ("branch", "branch", "direct"),
    ("group", "community", "building"),
    ("group", "group", "building"),
]


def test_a_unit_opens_only_under_the_level_above_it(system: System, staff: Staff, org: Org) -> None:
    ids = {
        "subdistrict": org.subdistrict,
        "community": org.community,
        "branch": org.branch,
        "group": org.group,
    }
    for case in WRONG_PARENTS:
        level, parent, kind = case
        with refused(system, RosterError, rule="wrong_parent", case=case) as caught:
            system.app.open_unit(level, "新单位", ids[parent], kind=kind, actor=staff.supervisor)
        assert level in caught.value.message


BAD_INPUT = [
    ("village", "community", None, "level"),
    ("branch", "community", None, "kind"),
    ("branch", "community", "merchant", "kind"),
    ("group", "branch", "direct", "kind"),
    ("group", "branch", None, "kind"),
    ("community", "subdistrict", "direct", "kind"),
    ("subdistrict", "subdistrict", None, "parent_id"),
    ("community", None, None, "parent_id"),
    ("branch", "not-an-id", "direct", "parent_id"),
]


def test_levels_kinds_and_parents_are_checked(system: System, staff: Staff, org: Org) -> None:
    """A branch needs its kind (direct, co-building, combined), a group its own kinds."""
    ids = {"subdistrict": org.subdistrict, "community": org.community, "branch": org.branch}
    for case in BAD_INPUT:
        level, parent, kind, field = case
        with refused(system, InvalidInputError, field=field, case=case):
            system.app.open_unit(
                level, "新单位", ids.get(parent or "", parent), kind=kind, actor=staff.supervisor
            )


def test_a_name_is_required_and_a_parent_must_exist(system: System, staff: Staff) -> None:
    with refused(system, InvalidInputError, field="name"):
        system.app.open_unit("subdistrict", "  ", actor=staff.supervisor)
    with refused(system, InvalidInputError, field="name"):
        system.app.open_unit("subdistrict", "街" * 61, actor=staff.supervisor)
    with refused(system, NotFoundError):
        system.app.open_unit("community", "新社区", uuid4(), actor=staff.supervisor)


def test_clerks_and_cadres_do_not_shape_the_tree(system: System, staff: Staff, org: Org) -> None:
    for actor in (staff.clerk, staff.cadre, staff.reviewer):
        with refused(system, PermissionDeniedError):
            system.app.open_unit("branch", "x", org.community, kind="direct", actor=actor)


def test_renaming_a_unit_needs_a_reason_and_a_new_name(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="reason"):
        app.rename_unit(org.branch, "东片网格党支部", " ", actor=staff.supervisor)
    with refused(system, RosterError, rule="same_name"):
        app.rename_unit(org.branch, "第一网格党支部", "no change", actor=staff.supervisor)
    app.rename_unit(org.branch, "东片网格党支部", "district naming", actor=staff.supervisor)
    renamed = last_event(system)
    assert (renamed.name, renamed.reason, renamed.actor) == (
        "东片网格党支部",
        "district naming",
        "supervisor",
    )


def test_a_unit_with_open_children_or_active_members_is_not_closed(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    with refused(system, RosterError, rule="unit_has_children"):
        app.close_unit(org.community, "merged", actor=staff.supervisor)
    with refused(system, RosterError, rule="unit_has_children"):
        app.close_unit(org.branch, "merged", actor=staff.supervisor)
    member = app.register_member(member_draft(org.branch2), actor=staff.clerk)
    with refused(system, RosterError, rule="unit_has_members"):
        app.close_unit(org.branch2, "merged", actor=staff.supervisor)
    app.transfer_member(member.id, org.branch, "branch merged", actor=staff.clerk)
    with refused(system, InvalidInputError, field="reason"):
        app.close_unit(org.branch2, "", actor=staff.supervisor)
    closed = app.close_unit(org.branch2, "merged into the first branch", actor=staff.supervisor)
    event = last_event(system)
    assert (names([event]), event.reason) == (["OrgUnit.Closed"], "merged into the first branch")
    assert (
        system.roster.unit(org.branch2, actor=staff.reviewer, min_position=closed.position)[
            "status"
        ]
        == "closed"
    )


def test_a_closed_unit_accepts_no_members_children_or_changes(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    branch = app.open_unit(
        "branch", "临时网格", org.community, kind="direct", actor=staff.supervisor
    )
    group = app.open_unit("group", "临时小组", branch.id, kind="building", actor=staff.supervisor)
    app.close_unit(group.id, "building demolished", actor=staff.supervisor)
    with refused(system, RosterError, rule="unit_closed"):
        app.register_member(member_draft(branch.id, group_id=group.id), actor=staff.clerk)
    app.close_unit(branch.id, "area rezoned", actor=staff.supervisor)
    with refused(system, RosterError, rule="unit_closed"):
        app.open_unit("group", "新小组", branch.id, kind="building", actor=staff.supervisor)
    with refused(system, RosterError, rule="unit_closed"):
        app.register_member(member_draft(branch.id), actor=staff.clerk)
    with refused(system, RosterError, rule="unit_closed"):
        app.register_household(household_draft(branch.id), actor=staff.clerk)
    with refused(system, RosterError, rule="unit_closed"):
        app.rename_unit(branch.id, "新名字", "typo", actor=staff.supervisor)
    with refused(system, RosterError, rule="unit_closed"):
        app.close_unit(branch.id, "again", actor=staff.supervisor)
    member = app.register_member(member_draft(org.branch), actor=staff.clerk)
    with refused(system, RosterError, rule="unit_closed"):
        app.transfer_member(member.id, branch.id, "moved", actor=staff.clerk)
    tree = system.roster.tree(actor=staff.reviewer, min_position=app.last_position())
    community = next(c for c in tree[0].children if c.id == org.community)
    assert branch.id not in {b.id for b in community.children}


# -- appointments ---------------------------------------------------------------------


def test_a_community_secretary_and_a_branch_secretary_are_appointed_from_their_members(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    chief = app.register_member(member_draft(org.branch, name="王书记"), actor=staff.clerk).id
    start = app.last_position()
    app.appoint(org.community, "secretary", chief, actor=staff.supervisor)
    app.appoint(org.branch, "secretary", chief, actor=staff.supervisor)
    community_post, branch_post = events_after(system, start)
    assert names([community_post, branch_post]) == ["OrgUnit.Appointed", "OrgUnit.Appointed"]
    assert (community_post.role, community_post.member_id, community_post.since) == (
        "secretary",
        chief,
        app.today(),
    )
    unit = system.roster.unit(org.community, actor=staff.reviewer, min_position=app.last_position())
    assert [(p["role"], p["member_name"]) for p in unit["appointments"]] == [
        ("secretary", "王书记")
    ]


def test_each_post_is_appointed_only_at_its_level(system: System, staff: Staff, org: Org) -> None:
    member = system.app.register_member(
        member_draft(org.branch, group_id=org.group), actor=staff.clerk
    ).id
    for case in [("branch", "group_leader"), ("group", "secretary"), ("community", "liaison")]:
        unit, role = case
        with refused(system, RosterError, rule="appointment_level", case=case):
            system.app.appoint(
                getattr(org, unit), role, member, label="1单元", actor=staff.supervisor
            )


def test_a_subdistrict_has_no_member_to_appoint(system: System, staff: Staff, org: Org) -> None:
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    with refused(system, RosterError, rule="not_a_member_here"):
        system.app.appoint(org.subdistrict, "secretary", member, actor=staff.supervisor)


def test_a_post_held_is_taken_and_a_member_holds_it_once(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    first = app.register_member(member_draft(org.branch, name="甲"), actor=staff.clerk).id
    second = app.register_member(
        member_draft(org.branch, name="乙", phone="13900000002"), actor=staff.clerk
    ).id
    app.appoint(org.branch, "secretary", first, actor=staff.supervisor)
    with refused(system, RosterError, rule="post_taken"):
        app.appoint(org.branch, "secretary", second, actor=staff.supervisor)
    with refused(system, RosterError, rule="already_appointed"):
        app.appoint(org.branch, "secretary", first, actor=staff.supervisor)
    app.appoint(org.branch, "liaison", first, label="1号楼1单元", actor=staff.supervisor)
    app.appoint(org.branch, "liaison", second, label="1号楼2单元", actor=staff.supervisor)
    unit = system.roster.unit(org.branch, actor=staff.reviewer, min_position=app.last_position())
    assert sorted((p["role"], p["label"]) for p in unit["appointments"]) == [
        ("liaison", "1号楼1单元"),
        ("liaison", "1号楼2单元"),
        ("secretary", None),
    ]


def test_only_a_member_of_the_unit_is_appointed_there(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    elsewhere = app.register_member(member_draft(org.branch2), actor=staff.clerk).id
    with refused(system, RosterError, rule="not_a_member_here"):
        app.appoint(org.branch, "secretary", elsewhere, actor=staff.supervisor)
    with refused(system, RosterError, rule="not_a_member_here"):
        app.appoint(org.group, "group_leader", elsewhere, actor=staff.supervisor)
    with refused(system, RosterError, rule="not_a_member_here"):
        app.appoint(org.other_community, "secretary", elsewhere, actor=staff.supervisor)
    with refused(system, NotFoundError):
        app.appoint(org.branch, "secretary", uuid4(), actor=staff.supervisor)


def test_a_liaison_needs_the_building_unit_they_serve(
    system: System, staff: Staff, org: Org
) -> None:
    member = system.app.register_member(
        member_draft(org.branch, group_id=org.group), actor=staff.clerk
    ).id
    with refused(system, InvalidInputError, field="label"):
        system.app.appoint(org.group, "liaison", member, actor=staff.supervisor)
    with refused(system, InvalidInputError, field="label"):
        system.app.appoint(org.group, "liaison", member, label="  ", actor=staff.supervisor)
    system.app.appoint(org.group, "liaison", member, label="1单元", actor=staff.supervisor)
    assert last_event(system).label == "1单元"


def test_appointment_role_and_date_are_checked(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="role"):
        app.appoint(org.branch, "chairman", member, actor=staff.supervisor)
    with refused(system, InvalidInputError, field="since"):
        app.appoint(
            org.branch,
            "secretary",
            member,
            since=app.today() + timedelta(days=1),
            actor=staff.supervisor,
        )


def test_a_deregistered_member_is_not_appointed(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    app.deregister_member(member, "moved", "moved away", actor=staff.clerk)
    with refused(system, RosterError, rule="member_deregistered"):
        app.appoint(org.branch, "secretary", member, actor=staff.supervisor)


def test_ending_an_appointment_needs_a_reason_and_frees_the_post(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    first = app.register_member(member_draft(org.branch, name="甲"), actor=staff.clerk).id
    second = app.register_member(
        member_draft(org.branch, name="乙", phone="13900000002"), actor=staff.clerk
    ).id
    since = app.today() - timedelta(days=30)
    app.appoint(org.branch, "secretary", first, since=since, actor=staff.supervisor)
    appointment = last_event(system).appointment_id
    with refused(system, InvalidInputError, field="reason"):
        app.end_appointment(org.branch, appointment, "", actor=staff.supervisor)
    with refused(system, RosterError, rule="no_such_appointment"):
        app.end_appointment(org.branch, uuid4(), "term ended", actor=staff.supervisor)
    with refused(system, RosterError, rule="ended_before_start"):
        app.end_appointment(
            org.branch,
            appointment,
            "typo",
            ended_on=since - timedelta(days=1),
            actor=staff.supervisor,
        )
    with refused(system, InvalidInputError, field="ended_on"):
        app.end_appointment(
            org.branch,
            appointment,
            "typo",
            ended_on=app.today() + timedelta(days=1),
            actor=staff.supervisor,
        )
    app.end_appointment(org.branch, appointment, "term ended", actor=staff.supervisor)
    ended = last_event(system)
    assert (names([ended]), ended.reason, ended.ended_on) == (
        ["OrgUnit.AppointmentEnded"],
        "term ended",
        app.today(),
    )
    with refused(system, RosterError, rule="no_such_appointment"):
        app.end_appointment(org.branch, appointment, "again", actor=staff.supervisor)
    app.appoint(org.branch, "secretary", second, actor=staff.supervisor)
    unit = system.roster.unit(org.branch, actor=staff.reviewer, min_position=app.last_position())
    assert [p["member_id"] for p in unit["appointments"]] == [second]


def test_a_member_holding_a_post_is_neither_deregistered_nor_moved_away_from_it(
    system: System, staff: Staff, org: Org
) -> None:
    """Otherwise a secretary could leave the branch and still hold its post."""
    app = system.app
    member = app.register_member(member_draft(org.branch, group_id=org.group), actor=staff.clerk).id
    app.appoint(org.branch, "secretary", member, actor=staff.supervisor)
    appointment = last_event(system).appointment_id
    with refused(system, RosterError, rule="member_holds_posts") as caught:
        app.deregister_member(member, "moved", "moved away", actor=staff.clerk)
    assert "secretary of 第一网格党支部" in caught.value.message
    with refused(system, RosterError, rule="member_holds_posts"):
        app.transfer_member(member, org.branch2, "moved west", actor=staff.clerk)
    with refused(system, RosterError, rule="member_holds_posts"):
        app.transfer_member(member, org.other_branch, "moved", actor=staff.clerk)
    # Leaving the group keeps the branch: the branch post is not in the way.
    app.transfer_member(member, org.branch, "left the building group", actor=staff.clerk)
    app.end_appointment(org.branch, appointment, "moving away", actor=staff.supervisor)
    app.transfer_member(member, org.branch2, "moved west", actor=staff.clerk)
    assert names([last_event(system)]) == ["Member.Transferred"]


def test_a_community_post_stays_with_a_member_moving_between_its_branches(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    app.appoint(org.community, "secretary", member, actor=staff.supervisor)
    app.transfer_member(member, org.branch2, "moved west", actor=staff.clerk)
    with refused(system, RosterError, rule="member_holds_posts"):
        app.transfer_member(member, org.other_branch, "moved", actor=staff.clerk)


def test_a_branch_with_households_is_not_closed(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    home = app.register_household(household_draft(org.branch2), actor=staff.clerk).id
    with refused(system, RosterError, rule="unit_has_households"):
        app.close_unit(org.branch2, "merged into the first branch", actor=staff.admin)
    app.close_household(home, "moved away", actor=staff.clerk)
    app.close_unit(org.branch2, "merged into the first branch", actor=staff.admin)


def test_history_shows_only_the_kind_asked_for_and_needs_the_right_for_it(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    assert [e.event for e in app.get_history(member, actor=staff.clerk, kind=Member)] == [
        "Member.Registered"
    ]
    with pytest.raises(NotFoundError):
        app.get_history(org.branch, actor=staff.clerk, kind=Member)
    clerk_account = Account.id_for("clerk")
    with pytest.raises(PermissionDeniedError):
        app.get_history(clerk_account, actor=staff.cadre)
    assert app.get_history(clerk_account, actor=staff.reviewer)[0].event == "Account.Opened"
