"""Who may do what: a reviewer reads everything and changes nothing."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from domain.access import Permission, Principal
from domain.application import Yimai
from domain.dto import HouseholdCorrection, MemberCorrection
from domain.errors import DomainError, PermissionDeniedError
from projections.system import System
from tests.application.support import last_event, refused
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


class World:
    """One member, household, link, resident unit and appointment to aim commands at."""

    def __init__(self, system: System, staff: Staff, org: Org) -> None:
        app = system.app
        self.org = org
        self.unit = app.register_resident_unit(
            "医院", "institution", org.community, actor=staff.clerk
        ).id
        self.member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
        self.household = app.register_household(household_draft(org.branch), actor=staff.clerk).id
        app.link_household(self.member, self.household, actor=staff.clerk)
        app.appoint(org.branch, "secretary", self.member, actor=staff.supervisor)
        self.appointment: UUID = last_event(system).appointment_id


CALLS: dict[str, Call] = {
    "open_unit": lambda a, w, p: a.open_unit(
        "branch", "x", w.org.community, kind="direct", actor=p
    ),
    "rename_unit": lambda a, w, p: a.rename_unit(w.org.branch, "新名", "x", actor=p),
    "close_unit": lambda a, w, p: a.close_unit(w.org.group, "x", actor=p),
    "appoint": lambda a, w, p: a.appoint(w.org.community, "secretary", w.member, actor=p),
    "end_appointment": lambda a, w, p: a.end_appointment(w.org.branch, w.appointment, "x", actor=p),
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
}


def test_a_reviewer_is_refused_every_command(system: System, staff: Staff, org: Org) -> None:
    world = World(system, staff, org)
    for name, call in CALLS.items():
        with refused(system, PermissionDeniedError) as caught:
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
    assert system.roster.tree(actor=reviewer, min_position=position)
    assert system.roster.unit(org.branch, actor=reviewer)["appointments"]
    assert system.roster.search_members(actor=reviewer).total == 1
    assert system.roster.list_households(actor=reviewer).total == 1
    assert system.roster.list_resident_units(actor=reviewer)
    assert system.roster.member_links(world.member, actor=reviewer)
    assert system.roster.contact_log(actor=reviewer) == []
    assert len(system.accounts.list(actor=reviewer)) == 5
    assert app.last_position() == position


ALLOWED = {
    "clerk": {"roster.write"},
    "cadre": {"roster.write"},
    "supervisor": {"roster.write", "org.manage"},
    "admin": {"roster.write", "org.manage", "accounts.manage"},
}


def test_each_role_may_run_exactly_the_commands_its_rights_allow(
    system: System, staff: Staff, org: Org
) -> None:
    """Outside its rights a role is refused before any other check; inside, never for rights."""
    world = World(system, staff, org)
    for role, allowed in ALLOWED.items():
        actor: Principal = getattr(staff, role)
        for name, fn in commands().items():
            if _permission_of(fn).value in allowed:
                try:
                    CALLS[name](system.app, world, actor)
                except PermissionDeniedError:  # pragma: no cover - the failure tested for
                    pytest.fail(f"{role} was refused {name}")
                except DomainError:
                    pass  # a rule may refuse it in this world; the right was granted
            else:
                with refused(system, PermissionDeniedError, case=(role, name)):
                    CALLS[name](system.app, world, actor)


def _permission_of(fn: Any) -> Permission:
    """The permission a command checks (read from the decorator's closure)."""
    cells = {
        c.cell_contents for c in fn.__closure__ or () if isinstance(c.cell_contents, Permission)
    }
    (permission,) = cells
    return permission


def test_commands_need_a_principal() -> None:
    with pytest.raises(TypeError, match="needs actor=Principal"):
        Yimai.open_unit(None, "subdistrict", "x", actor="admin")  # type: ignore[arg-type]
