"""Helpers for application stories: a refusal stores nothing; events read back from the log."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.access import Principal
from domain.dto import (
    HouseholdCorrection,
    MemberCorrection,
    NeedDraft,
    Receipt,
    RequestDraft,
    WishDraft,
)
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


def in_clear(system: System, subject: UUID, actor: Principal) -> dict[str, str | None]:
    """A person's contact details in clear, as staff who say why see them (the showing is
    recorded: one more event in the log)."""
    return system.app.reveal_contact(subject, "核对", actor=actor).fields


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


# -- the four orders ------------------------------------------------------------------

#: Marker strings for the requester: they must never reach a public summary.
REQUESTER = "慕容秋菊"
REQUESTER_PHONE = "13755550123"
DESCRIPTION = "3号楼2单元楼道灯不亮，晚上老人看不见台阶"
SUMMARY = "3号楼楼道灯不亮，物业当日更换了灯具"

#: The states a request passes through on its ordinary way, in order.
REQUEST_STEPS = (
    "placed",
    "classified",
    "claimed",
    "resolved",
    "accepted",
    "visited",
    "published",
    "closed",
)


def request_draft(org: Org, **overrides: Any) -> RequestDraft:
    """A resident's request at the counter (the requester's contact is personal data)."""
    values: dict[str, Any] = dict(
        channel="walk_in",
        category="environment",
        description=DESCRIPTION,
        community_id=org.community,
        requester_kind="resident",
        branch_id=org.branch,
        building="3号楼",
        contact_name=REQUESTER,
        contact_phone=REQUESTER_PHONE,
    )
    values.update(overrides)
    return RequestDraft(**values)


def request_in(
    system: System,
    actor: Principal,
    org: Org,
    state: str,
    *,
    claimant: UUID | None = None,
    branch: UUID | None = None,
    paused: bool = False,
    **draft: Any,
) -> UUID:
    """A request brought to `state` along the ordinary way (by an actor holding every
    right needed, recording `claimant`'s claim), optionally with its clock paused."""
    app = system.app
    target = REQUEST_STEPS.index(state)
    rid = app.place_request(request_draft(org, **draft), actor=actor).id
    steps: list[Callable[[], Any]] = [
        lambda: app.classify_request(rid, branch_id=branch or org.branch, actor=actor),
        lambda: app.claim_request(rid, member_id=claimant, actor=actor),
        lambda: app.resolve_request(rid, "更换了灯具", evidence=["photo:1"], actor=actor),
        lambda: app.accept_resolution(rid, actor=actor),
        lambda: app.record_visit(rid, "satisfied", actor=actor),
        lambda: app.publish_request(rid, SUMMARY, actor=actor),
        lambda: app.close_request(rid, actor=actor),
    ]
    for step in steps[:target]:
        step()
    if paused:
        app.pause_clock(rid, "等待居民出差回来", actor=actor)
    return rid


def wish_in(
    system: System, actor: Principal, org: Org, state: str, *, claimant: UUID | None = None
) -> UUID:
    """A micro-wish brought to `state` (open, claimed, fulfilled, confirmed, published)."""
    app = system.app
    steps = ("open", "claimed", "fulfilled", "confirmed", "published")
    wid = app.post_wish(
        WishDraft(
            community_id=org.community,
            branch_id=org.branch,
            title="想要一副老花镜",
            wish="看报纸看不清，想要一副老花镜",
            resident_name=REQUESTER,
            contact_phone=REQUESTER_PHONE,
        ),
        actor=actor,
    ).id
    actions: list[Callable[[], Any]] = [
        lambda: app.claim_wish(wid, member_id=claimant, actor=actor),
        lambda: app.fulfil_wish(wid, "送到老人家中", actor=actor),
        lambda: app.confirm_wish(wid, actor=actor),
        lambda: app.publish_wish(wid, "为独居老人送去一副老花镜", actor=actor),
    ]
    for action in actions[: steps.index(state)]:
        action()
    return wid


def need_in(
    system: System, actor: Principal, org: Org, state: str, *, unit: UUID | None = None
) -> UUID:
    """An alliance need brought to `state` (open, claimed, fulfilled, confirmed, published)."""
    app = system.app
    steps = ("open", "claimed", "fulfilled", "confirmed", "published")
    nid = app.list_need(
        NeedDraft(
            community_id=org.community,
            branch_id=org.branch,
            title="小区健身器材维修",
            description="三处健身器材需要更换螺丝与护垫",
            alliance="物业服务联盟",
        ),
        actor=actor,
    ).id
    actions: list[Callable[[], Any]] = [
        lambda: app.claim_need(nid, unit or "", actor=actor),
        lambda: app.fulfil_need(nid, "供电公司志愿者到场维修", actor=actor),
        lambda: app.confirm_need(nid, actor=actor),
        lambda: app.publish_need(nid, "供电公司志愿者修好了健身器材", actor=actor),
    ]
    for action in actions[: steps.index(state)]:
        action()
    return nid


class Clock:
    """A clock a test moves by hand: `system.app.clock = clock`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class People:
    """Members who claim: two with staff accounts linked to them, two without."""

    cadre: UUID  # the member the cadre account's holder is
    supervisor: UUID  # the member the supervisor account's holder is
    helper: UUID  # a volunteer without an account (a clerk records for them)
    helper2: UUID


def open_people(system: System, staff: Staff, org: Org) -> People:
    app = system.app

    def member(name: str, phone: str) -> UUID:
        return app.register_member(
            member_draft(org.branch, name=name, phone=phone), actor=staff.clerk
        ).id

    p = People(
        member("王干部", "13811110001"),
        member("赵书记", "13811110002"),
        member("钱志愿", "13811110003"),
        member("孙志愿", "13811110004"),
    )
    app.link_account_member("cadre", p.cadre, "本人", actor=staff.admin)
    app.link_account_member("supervisor", p.supervisor, "本人", actor=staff.admin)
    return p


class Desk:
    """Runs one command and returns the one event it stored (with its actor checked)."""

    def __init__(self, system: System) -> None:
        self.system = system

    def __call__(self, actor: Principal, command: str, *args: Any, **kw: Any) -> Any:
        start = self.system.app.last_position()
        receipt = getattr(self.system.app, command)(*args, actor=actor, **kw)
        (event,) = events_after(self.system, start)
        assert event.originator_id == receipt.id
        assert receipt.position == start + 1
        assert event.actor == actor.username
        return event
