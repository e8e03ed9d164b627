"""Helpers for application stories: a refusal stores nothing; events read back from the log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from domain.access import Principal
from domain.dto import HouseholdCorrection, MemberCorrection, Receipt
from domain.errors import DomainError
from projections.system import System
from tests.conftest import Org, Staff, household_draft, member_draft


@contextmanager
def refused(
    system: System,
    error: type[DomainError],
    *,
    rule: str | None = None,
    field: str | None = None,
    case: object = None,
) -> Iterator[pytest.ExceptionInfo[Any]]:
    """The block must raise `error` (naming `rule` or `field`) and store no event.

    `case` names the attempt in failure messages when one test tries several.
    """
    before = system.app.last_position()
    try:
        with pytest.raises(error) as caught:
            yield caught
    except pytest.fail.Exception:
        pytest.fail(f"not refused with {error.__name__}: {case!r}")
    if rule is not None:
        assert getattr(caught.value, "rule", None) == rule, (case, caught.value)
    if field is not None:
        assert getattr(caught.value, "field", None) == field, (case, caught.value)
    assert system.app.last_position() == before, f"a refused command stored an event: {case!r}"


def events_after(system: System, position: int, until: int | None = None) -> list[Any]:
    """The domain events stored after `position` (up to `until`), in log order."""
    app = system.app
    notifications = app.recorder.select_notifications(
        start=position, stop=until, limit=1_000_000, inclusive_of_start=False
    )
    return [app.mapper.to_domain_event(n) for n in notifications]


def names(events: list[Any]) -> list[str]:
    return [type(e).__qualname__ for e in events]


def last_event(system: System) -> Any:
    (event,) = events_after(system, system.app.last_position() - 1)
    return event


def years_ago(today: date, years: int, *, days: int = 0) -> date:
    """The same calendar day `years` ago (28 Feb for 29 Feb), then `days` later."""
    try:
        then = today.replace(year=today.year - years)
    except ValueError:
        then = today.replace(year=today.year - years, day=28)
    return then + timedelta(days=days)


# -- a story that causes every kind of roster and account event -----------------------

NAME = "欧阳秀英"
PHONE = "13698765432"
ADDRESS = "汶源路八十八号三单元五零二"
ID_NUMBER = "371202198003150026"
NEW_PHONE = "13512348765"
NEW_ADDRESS = "凤城东大街六十六号"
HEAD = "司马建国"
HEAD_PHONE = "0634-6221234"
NOTE = "独居老人，腿脚不便，每周送药"
PERSONAL = [NAME, PHONE, ADDRESS, ID_NUMBER, NEW_PHONE, NEW_ADDRESS, HEAD, HEAD_PHONE, NOTE]


@dataclasses.dataclass
class Step:
    actor: str
    reason: str | None
    start: int
    receipt: Receipt


class Story:
    """Runs commands, remembering who ran each and with which reason."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.steps: list[Step] = []
        self.count = 0

    def reason(self) -> str:
        self.count += 1
        return f"reason number {self.count}"

    def run(
        self, actor: Principal, command: str, *args: Any, reason: bool = False, **kw: Any
    ) -> Receipt:
        start = self.system.app.last_position()
        given = self.reason() if reason else None
        if given is not None:
            kw["reason"] = given
        receipt = getattr(self.system.app, command)(*args, actor=actor, **kw)
        self.steps.append(Step(actor.username, given, start, receipt))
        return receipt


def tell(system: System, staff: Staff, org: Org) -> Story:
    """A story that causes every kind of roster and account event."""
    s = Story(system)
    app = system.app
    yesterday = app.today() - timedelta(days=1)
    branch = s.run(
        staff.supervisor, "open_unit", "branch", "第三网格", org.community, kind="direct"
    ).id
    s.run(staff.admin, "rename_unit", branch, "第三网格党支部", reason=True)
    unit = s.run(staff.clerk, "register_resident_unit", "供电公司", "enterprise", org.community).id
    s.run(staff.clerk, "rename_resident_unit", unit, "国网供电公司", reason=True)
    draft = member_draft(
        org.branch, name=NAME, phone=PHONE, address=ADDRESS, id_number=ID_NUMBER, group_id=org.group
    )
    member = s.run(staff.clerk, "register_member", draft).id
    s.run(
        staff.cadre,
        "correct_member",
        member,
        MemberCorrection(phone=NEW_PHONE, address=NEW_ADDRESS),
        reason=True,
    )
    s.run(staff.supervisor, "appoint", org.group, "liaison", member, label="1单元", since=yesterday)
    appointment = events_after(system, s.steps[-1].start)[0].appointment_id
    s.run(staff.supervisor, "end_appointment", org.group, appointment, reason=True)
    home = s.run(
        staff.clerk,
        "register_household",
        household_draft(org.branch, head_name=HEAD, head_phone=HEAD_PHONE),
    ).id
    s.run(staff.clerk, "correct_household", home, HouseholdCorrection(size=5), reason=True)
    s.run(staff.cadre, "link_household", member, home, since=yesterday)
    s.run(staff.cadre, "log_contact", member, home, "visit", note=NOTE)
    s.run(staff.cadre, "unlink_household", member, home, reason=True)
    s.run(staff.cadre, "link_household", member, home)
    s.run(staff.clerk, "transfer_member", member, org.branch2, reason=True)
    s.run(staff.clerk, "close_household", home, reason=True)
    s.run(staff.clerk, "deregister_member", member, "moved", reason=True)
    s.run(staff.clerk, "close_resident_unit", unit, reason=True)
    s.run(staff.supervisor, "close_unit", branch, reason=True)
    s.run(staff.admin, "open_account", "li.ming", "李明", ["clerk"], "pass-1234")
    s.run(staff.admin, "change_roles", "li.ming", ["cadre"], reason=True)
    s.run(staff.admin, "reset_password", "li.ming", "pass-5678")
    s.run(staff.admin, "disable_account", "li.ming", reason=True)
    s.run(staff.admin, "enable_account", "li.ming", reason=True)
    return s
