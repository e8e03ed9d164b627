"""Who may do what: a reviewer reads everything and changes nothing."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.access import Permission, Principal
from domain.application import Yimai
from domain.dto import HouseholdCorrection, MemberCorrection, NeedDraft, WishDraft
from domain.errors import DomainError, PermissionDeniedError
from domain.personal import mask_name
from domain.points import Ledger
from projections.system import System
from tests.application.support import (
    REQUESTER,
    Clock,
    last_event,
    need_in,
    refused,
    request_draft,
    request_in,
    wish_in,
)
from tests.conftest import Org, Staff, household_draft, member_draft


def commands() -> dict[str, Any]:
    """Every command of the Application: the methods wrapped by @command."""
    return {
        name: fn
        for name, fn in inspect.getmembers(Yimai, inspect.isfunction)
        if hasattr(fn, "__wrapped__") and not name.startswith("_")
    }


def test_the_commands_are_the_ones_this_file_exercises() -> None:
    assert set(commands()) == set(CALLS), "add the new command to CALLS below"


Call = Callable[[Yimai, "World", Principal], Any]


ROLES = ("clerk", "cadre", "supervisor", "admin", "reviewer")


class World:
    """What the commands aim at, for one role: a member, household, link, resident unit
    and appointment, and a request, micro-wish and alliance need in a state that suits
    each command. The role's account is linked to a member of its own (`own`), who holds
    the requests and wishes only their claimant may move; the others are held by
    `member`, so nobody accepts or visits back their own work.

    Each role gets a world of its own (in a grid branch of its own), because one role's
    commands move the requests that the next role's would need where they were.
    """

    def __init__(self, system: System, staff: Staff, org: Org, role: str = "reviewer") -> None:
        app = system.app
        admin, clerk = staff.admin, staff.clerk
        n = ROLES.index(role)
        self.org = org
        self.tag = role
        self.branch = app.open_unit(
            "branch", f"{role}网格党支部", org.community, kind="direct", actor=admin
        ).id
        self.unit = app.register_resident_unit("医院", "institution", org.community, actor=clerk).id
        self.member = app.register_member(
            member_draft(self.branch, phone=f"1381234{n:04d}"), actor=clerk
        ).id
        self.household = app.register_household(household_draft(self.branch), actor=clerk).id
        # Someone who asks to be forgotten (the others stay: later commands need them).
        self.leaving = app.register_member(
            member_draft(self.branch, name="离开", phone=f"1391234{n:04d}"), actor=clerk
        ).id
        app.link_household(self.member, self.household, actor=clerk)
        app.appoint(self.branch, "secretary", self.member, actor=staff.supervisor)
        self.appointment: UUID = last_event(system).appointment_id
        # -- the four orders
        self.own = app.register_member(
            member_draft(self.branch, name="自己", phone=f"1371234{n:04d}"), actor=clerk
        ).id
        app.link_account_member(role, self.own, "本人", actor=admin)
        self.category = f"c_{role}"
        app.define_category(self.category, "类别", "Category", 24, 72, actor=admin)

        def request(state: str, claimant: UUID | None = None, **kw: Any) -> UUID:
            return request_in(system, admin, org, state, claimant=claimant, **kw)

        own, other = self.own, self.member
        self.requests = {
            "accept_resolution": request("resolved", other),
            "claim_request": request("classified"),
            "classify_request": request("placed"),
            "close_request": request("published", other),
            "escalate_request": request("classified"),
            "give_request": request("claimed", own),
            "merge_request": request("placed"),
            "merge_into": request("classified"),
            "note_progress": request("claimed", own),
            "pause_clock": request("claimed", own),
            "press_request": request("classified"),
            "publish_request": request("visited", other),
            "record_visit": request("accepted", other),
            "reject_request": request("placed"),
            "release_request": request("claimed", own),
            "resolve_request": request("claimed", own),
            "resume_clock": request("claimed", own, paused=True),
            "send_back_resolution": request("resolved", other),
            "withdraw_request": request("placed"),
        }
        self.wishes = {
            "claim_wish": wish_in(system, admin, org, "open"),
            "confirm_wish": wish_in(system, admin, org, "fulfilled", claimant=other),
            "fulfil_wish": wish_in(system, admin, org, "claimed", claimant=own),
            "publish_wish": wish_in(system, admin, org, "confirmed", claimant=other),
            "release_wish": wish_in(system, admin, org, "claimed", claimant=own),
            "send_back_wish": wish_in(system, admin, org, "fulfilled", claimant=other),
            "withdraw_wish": wish_in(system, admin, org, "open"),
        }

        def need(state: str) -> UUID:
            # A unit of its own for each need: a unit holds at most two open claims.
            unit = app.register_resident_unit("共建单位", "enterprise", org.community, actor=clerk)
            return need_in(system, admin, org, state, unit=unit.id)

        self.claiming_unit = app.register_resident_unit(
            "供电公司", "enterprise", org.community, actor=clerk
        ).id
        self.needs = {
            name: need(state)
            for name, state in [
                ("claim_need", "open"),
                ("confirm_need", "fulfilled"),
                ("fulfil_need", "claimed"),
                ("publish_need", "confirmed"),
                ("release_need", "claimed"),
                ("send_back_need", "fulfilled"),
                ("withdraw_need", "claimed"),
            ]
        }
        # -- points: a year of its own for each thing a command needs of a period
        supervisor = staff.supervisor
        self.years = {
            name: first + n
            for name, first in [
                ("close_period", 1991),
                ("finalize_period", 1996),
                # the rules of the catalogue are in effect from 2000
                ("objections", 2001),
                ("propose_selection", 2006),
                ("confirm_selection", 2011),
                ("publish_selection", 2016),
            ]
        }
        self.rule = f"r_{role}"
        app.define_rule(self.rule, "规则", "Rule", "study", 2, actor=admin)
        self.activity = app.plan_activity(
            "主题党日", "party_day", app.today(), org.community, actor=clerk
        ).id
        self.entry = app.award_points(
            self.member, "study", app.today(), note="学习", actor=clerk
        ).id
        self.proposals = {
            name: app.propose_deduction(
                self.member, "breach", app.today(), "违反底线", actor=clerk
            ).id
            for name in ("approve_adjustment", "reject_adjustment")
        }
        real = app.clock
        app.clock = Clock(real() - timedelta(days=30))  # windows that have ended by now
        for name in (
            "finalize_period",
            "propose_selection",
            "confirm_selection",
            "publish_selection",
        ):
            year = self.years[name]
            if name != "finalize_period":  # a star: a candidate for the selection
                app.award_points(
                    self.member, "party_day", date(year, 7, 1), note="党日", actor=clerk
                )
            app.close_period(year, actor=supervisor)
        app.clock = real
        for name in ("propose_selection", "confirm_selection", "publish_selection"):
            app.finalize_period(self.years[name], actor=supervisor)
        for name in ("confirm_selection", "publish_selection"):
            app.propose_selection(self.years[name], actor=supervisor)
        app.confirm_selection(self.years["publish_selection"], [self.member], actor=supervisor)
        year = self.years["objections"]
        app.close_period(year, actor=supervisor)
        self.objections = {
            name: app.file_objection(self.member, year, "少记了", actor=clerk).id
            for name in ("uphold_objection", "reject_objection")
        }


CALLS: dict[str, Call] = {
    "open_unit": lambda a, w, p: a.open_unit(
        "branch", "x", w.org.community, kind="direct", actor=p
    ),
    "rename_unit": lambda a, w, p: a.rename_unit(w.org.branch, "新名", "x", actor=p),
    "close_unit": lambda a, w, p: a.close_unit(w.org.group, "x", actor=p),
    "appoint": lambda a, w, p: a.appoint(w.org.community, "secretary", w.member, actor=p),
    "end_appointment": lambda a, w, p: a.end_appointment(w.branch, w.appointment, "x", actor=p),
    "register_member": lambda a, w, p: a.register_member(
        member_draft(w.org.branch, phone="13900000000"), actor=p
    ),
    "transfer_member": lambda a, w, p: a.transfer_member(
        w.member, w.org.branch, "x", group_id=w.org.group, actor=p
    ),
    "correct_member": lambda a, w, p: a.correct_member(
        w.member, MemberCorrection(address="2号楼"), "x", actor=p
    ),
    "deregister_member": lambda a, w, p: a.deregister_member(w.member, "moved", "x", actor=p),
    "register_resident_unit": lambda a, w, p: a.register_resident_unit(
        "学校", "institution", w.org.community, actor=p
    ),
    "rename_resident_unit": lambda a, w, p: a.rename_resident_unit(w.unit, "新医院", "x", actor=p),
    "close_resident_unit": lambda a, w, p: a.close_resident_unit(w.unit, "x", actor=p),
    "register_household": lambda a, w, p: a.register_household(
        household_draft(w.org.branch), actor=p
    ),
    "correct_household": lambda a, w, p: a.correct_household(
        w.household, HouseholdCorrection(size=5), "x", actor=p
    ),
    "close_household": lambda a, w, p: a.close_household(w.household, "x", actor=p),
    "link_household": lambda a, w, p: a.link_household(w.member, w.household, actor=p),
    "unlink_household": lambda a, w, p: a.unlink_household(w.member, w.household, "x", actor=p),
    "log_contact": lambda a, w, p: a.log_contact(w.member, w.household, "visit", actor=p),
    "open_account": lambda a, w, p: a.open_account("newbie", "N", ["clerk"], "pass", actor=p),
    "change_roles": lambda a, w, p: a.change_roles("clerk", ["cadre"], "x", actor=p),
    "disable_account": lambda a, w, p: a.disable_account("clerk", "x", actor=p),
    "enable_account": lambda a, w, p: a.enable_account("clerk", "x", actor=p),
    "reset_password": lambda a, w, p: a.reset_password("clerk", "new-pass", actor=p),
    "link_account_member": lambda a, w, p: a.link_account_member(
        "reviewer", w.member, "x", actor=p
    ),
    # -- personal data
    "erase_person": lambda a, w, p: a.erase_person(w.leaving, "本人申请", actor=p),
    "reveal_contact": lambda a, w, p: a.reveal_contact(w.member, "电话联系", actor=p),
    # -- the catalogue
    "define_category": lambda a, w, p: a.define_category(
        f"new_{w.tag}", "新类别", "New", 24, 72, actor=p
    ),
    "seed_categories": lambda a, w, p: a.seed_categories(actor=p),
    "change_category_limits": lambda a, w, p: a.change_category_limits(
        w.category, 12, 48, "x", actor=p
    ),
    "retire_category": lambda a, w, p: a.retire_category(w.category, "x", actor=p),
    # -- requests
    "place_request": lambda a, w, p: a.place_request(request_draft(w.org), actor=p),
    "classify_request": lambda a, w, p: a.classify_request(
        w.requests["classify_request"], category="property", branch_id=w.org.branch2, actor=p
    ),
    "reject_request": lambda a, w, p: a.reject_request(w.requests["reject_request"], "x", actor=p),
    "merge_request": lambda a, w, p: a.merge_request(
        w.requests["merge_request"], w.requests["merge_into"], "x", actor=p
    ),
    "withdraw_request": lambda a, w, p: a.withdraw_request(
        w.requests["withdraw_request"], "x", actor=p
    ),
    "claim_request": lambda a, w, p: a.claim_request(w.requests["claim_request"], actor=p),
    "release_request": lambda a, w, p: a.release_request(
        w.requests["release_request"], "x", actor=p
    ),
    "give_request": lambda a, w, p: a.give_request(
        w.requests["give_request"], w.member, "x", actor=p
    ),
    "note_progress": lambda a, w, p: a.note_progress(w.requests["note_progress"], "x", actor=p),
    "resolve_request": lambda a, w, p: a.resolve_request(
        w.requests["resolve_request"], "x", actor=p
    ),
    "pause_clock": lambda a, w, p: a.pause_clock(w.requests["pause_clock"], "x", actor=p),
    "resume_clock": lambda a, w, p: a.resume_clock(w.requests["resume_clock"], actor=p),
    "accept_resolution": lambda a, w, p: a.accept_resolution(
        w.requests["accept_resolution"], actor=p
    ),
    "send_back_resolution": lambda a, w, p: a.send_back_resolution(
        w.requests["send_back_resolution"], "x", actor=p
    ),
    "press_request": lambda a, w, p: a.press_request(w.requests["press_request"], "x", actor=p),
    "escalate_request": lambda a, w, p: a.escalate_request(
        w.requests["escalate_request"], "x", actor=p
    ),
    "record_visit": lambda a, w, p: a.record_visit(
        w.requests["record_visit"], "satisfied", actor=p
    ),
    "publish_request": lambda a, w, p: a.publish_request(
        w.requests["publish_request"], "楼道灯已更换", actor=p
    ),
    "close_request": lambda a, w, p: a.close_request(w.requests["close_request"], actor=p),
    # -- micro-wishes
    "post_wish": lambda a, w, p: a.post_wish(
        WishDraft(w.org.community, "一副老花镜", "想要老花镜", resident_name="王奶奶"), actor=p
    ),
    "claim_wish": lambda a, w, p: a.claim_wish(w.wishes["claim_wish"], actor=p),
    "release_wish": lambda a, w, p: a.release_wish(w.wishes["release_wish"], "x", actor=p),
    "fulfil_wish": lambda a, w, p: a.fulfil_wish(w.wishes["fulfil_wish"], "x", actor=p),
    "confirm_wish": lambda a, w, p: a.confirm_wish(w.wishes["confirm_wish"], actor=p),
    "send_back_wish": lambda a, w, p: a.send_back_wish(w.wishes["send_back_wish"], "x", actor=p),
    "publish_wish": lambda a, w, p: a.publish_wish(w.wishes["publish_wish"], "送去老花镜", actor=p),
    "withdraw_wish": lambda a, w, p: a.withdraw_wish(w.wishes["withdraw_wish"], "x", actor=p),
    # -- alliance needs
    "list_need": lambda a, w, p: a.list_need(
        NeedDraft(w.org.community, "修健身器材", "更换螺丝", "物业服务联盟"), actor=p
    ),
    "claim_need": lambda a, w, p: a.claim_need(w.needs["claim_need"], w.claiming_unit, actor=p),
    "release_need": lambda a, w, p: a.release_need(w.needs["release_need"], "x", actor=p),
    "fulfil_need": lambda a, w, p: a.fulfil_need(w.needs["fulfil_need"], "x", actor=p),
    "confirm_need": lambda a, w, p: a.confirm_need(w.needs["confirm_need"], actor=p),
    "send_back_need": lambda a, w, p: a.send_back_need(w.needs["send_back_need"], "x", actor=p),
    "publish_need": lambda a, w, p: a.publish_need(w.needs["publish_need"], "修好了器材", actor=p),
    "withdraw_need": lambda a, w, p: a.withdraw_need(w.needs["withdraw_need"], "x", actor=p),
    # -- points and stars
    "define_rule": lambda a, w, p: a.define_rule(
        f"n_{w.tag}", "新规则", "New rule", "volunteer", 2, cap=20, actor=p
    ),
    "revise_rule": lambda a, w, p: a.revise_rule(
        w.rule, 3, a.today() + timedelta(days=1), "x", actor=p
    ),
    "seed_rules": lambda a, w, p: a.seed_rules(actor=p),
    "award_points": lambda a, w, p: a.award_points(
        w.member, "study", a.today(), note="学习", actor=p
    ),
    "plan_activity": lambda a, w, p: a.plan_activity(
        "志愿服务", "volunteer", a.today(), w.org.community, branch_id=w.org.branch, actor=p
    ),
    "record_attendance": lambda a, w, p: a.record_attendance(w.activity, [w.member], actor=p),
    "propose_deduction": lambda a, w, p: a.propose_deduction(
        w.member, "absent_without_leave", a.today(), "x", actor=p
    ),
    "propose_reversal": lambda a, w, p: a.propose_reversal(
        w.member, a.today().year, w.entry, "x", actor=p
    ),
    "approve_adjustment": lambda a, w, p: a.approve_adjustment(
        w.proposals["approve_adjustment"], actor=p
    ),
    "reject_adjustment": lambda a, w, p: a.reject_adjustment(
        w.proposals["reject_adjustment"], "x", actor=p
    ),
    "close_period": lambda a, w, p: a.close_period(w.years["close_period"], actor=p),
    # the role's own linked member: a cadre files only for them
    "file_objection": lambda a, w, p: a.file_objection(w.own, w.years["objections"], "x", actor=p),
    "uphold_objection": lambda a, w, p: a.uphold_objection(
        w.objections["uphold_objection"],
        "x",
        award_rule="study",
        deed_on=date(w.years["objections"], 6, 1),
        actor=p,
    ),
    "reject_objection": lambda a, w, p: a.reject_objection(
        w.objections["reject_objection"], "x", actor=p
    ),
    "finalize_period": lambda a, w, p: a.finalize_period(w.years["finalize_period"], actor=p),
    "propose_selection": lambda a, w, p: a.propose_selection(w.years["propose_selection"], actor=p),
    "confirm_selection": lambda a, w, p: a.confirm_selection(
        w.years["confirm_selection"], [w.member], actor=p
    ),
    "publish_selection": lambda a, w, p: a.publish_selection(w.years["publish_selection"], actor=p),
}


def test_a_reviewer_is_refused_every_command(system: System, staff: Staff, org: Org) -> None:
    world = World(system, staff, org)
    for name, call in CALLS.items():
        with refused(system, PermissionDeniedError, case=name) as caught:
            call(system.app, world, staff.reviewer)
        assert "reviewer may not do this" in caught.value.message, name
        assert caught.value.status == 403


def test_a_reviewer_reads_everything(system: System, staff: Staff, org: Org) -> None:
    world = World(system, staff, org)
    app, reviewer = system.app, staff.reviewer
    position = app.last_position()
    assert app.get_member(world.member, actor=reviewer).name == "张三"
    assert app.get_household(world.household, actor=reviewer).head_name == "李四"
    assert app.get_history(world.member, actor=reviewer)
    assert app.get_account("admin", actor=reviewer).username == "admin"
    assert app.get_account("reviewer", actor=reviewer).member_id == world.own
    assert system.roster.tree(actor=reviewer, min_position=position)
    assert system.roster.unit(world.branch, actor=reviewer)["appointments"]
    assert system.roster.search_members(actor=reviewer).total == 3
    assert system.roster.list_households(actor=reviewer).total == 1
    assert system.roster.list_resident_units(actor=reviewer)
    assert system.roster.member_links(world.member, actor=reviewer)
    assert system.roster.contact_log(actor=reviewer) == []
    assert len(system.accounts.list(actor=reviewer)) == 5
    request = world.requests["record_visit"]
    detail = app.get_request(request, actor=reviewer)
    assert (detail.state, detail.contact_name) == ("accepted", mask_name(REQUESTER))
    assert app.request_for_receipt(detail.receipt_code, actor=reviewer) == request
    assert [h.event for h in app.get_history(request, actor=reviewer)][-2:] == [
        "Request.Accepted",
        "Request.StarAwarded",
    ]
    ledger = Ledger.id_for(world.member, app.today().year)
    assert app.get_history(ledger, actor=reviewer)[0].event == "Ledger.Opened"
    assert app.proposal_state(world.proposals["approve_adjustment"], actor=reviewer) == "proposed"
    objection = app.get_history(world.objections["uphold_objection"], actor=reviewer)
    assert objection[0].fields["text"] == "少记了"
    assert app.get_wish(world.wishes["claim_wish"], actor=reviewer).state == "open"
    assert app.get_need(world.needs["fulfil_need"], actor=reviewer).state == "claimed"
    assert app.last_position() == position


ALLOWED = {
    "clerk": {
        "roster.write",
        "requests.place",
        "requests.triage",
        "requests.record",
        "requests.visit",
        "points.award",
        "points.propose",
        "points.object",
        "personal.reveal",
    },
    "cadre": {
        "roster.write",
        "requests.place",
        "requests.claim",
        "points.object",
        "personal.reveal",
    },
    "supervisor": {
        "roster.write",
        "org.manage",
        "requests.place",
        "requests.triage",
        "requests.claim",
        "requests.record",
        "requests.supervise",
        "requests.visit",
        "points.award",
        "points.propose",
        "points.approve",
        "points.object",
        "points.periods",
        "personal.reveal",
    },
    "admin": {p.value for p in Permission},
}


def test_each_role_may_run_exactly_the_commands_its_rights_allow(
    system: System, staff: Staff, org: Org
) -> None:
    """Outside its rights a role is refused before any other check; inside, never for
    rights, and every command of the four orders goes through in a world made for it."""
    for role, allowed in ALLOWED.items():
        world = World(system, staff, org, role)
        actor: Principal = getattr(staff, role)
        ruled_out: dict[str, str] = {}
        for name, fn in commands().items():
            if _permissions_of(fn) & allowed:
                try:
                    CALLS[name](system.app, world, actor)
                except PermissionDeniedError:  # pragma: no cover - the failure tested for
                    pytest.fail(f"{role} was refused {name}")
                except DomainError as error:
                    # A rule may refuse it in this world; the right was granted.
                    ruled_out[name] = getattr(error, "rule", None) or error.message
            else:
                with refused(system, PermissionDeniedError, case=(role, name)):
                    CALLS[name](system.app, world, actor)
        checked = {n: r for n, r in ruled_out.items() if commands()[n].__module__ in THROUGH}
        assert not checked, f"{role} was refused by a rule: {checked}"


#: The modules whose commands must each go through for every role allowed to run them:
#: the four orders' and points'.
THROUGH = {"domain.orders", "domain.points_app"}


def _permissions_of(fn: Any) -> set[str]:
    """The permissions a command checks, any one of which opens it (read from the
    decorator's closure)."""
    (permissions,) = [
        c.cell_contents
        for c in fn.__closure__ or ()
        if isinstance(c.cell_contents, tuple)
        and all(isinstance(p, Permission) for p in c.cell_contents)
    ]
    return {p.value for p in permissions}


def test_commands_need_a_principal() -> None:
    with pytest.raises(TypeError, match="needs actor=Principal"):
        Yimai.open_unit(None, "subdistrict", "x", actor="admin")  # type: ignore[arg-type]
