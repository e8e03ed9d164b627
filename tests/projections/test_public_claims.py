"""One published micro-wish or alliance need as the public reads it: the same item the
public list gives (a need with its alliance and description), nothing of the resident,
and nothing at all for an item that is not published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.dto import NeedDraft, WishDraft
from domain.errors import InvalidInputError, NotFoundError
from domain.personal import ERASED
from projections import requests as rq
from projections.system import System
from tests.conftest import Org, Staff, household_draft, member_draft

T0 = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)
RESIDENT = "欧阳娜娜"
PHONE = "13912345678"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def set(self, hours: float) -> None:
        self.now = T0 + timedelta(hours=hours)


@pytest.fixture
def clock(system: System) -> Clock:
    clock = Clock()
    system.app.clock = clock
    return clock


def _head(system: System) -> int:
    return int(system.app.last_position())


def _wish(system: System, staff: Staff, org: Org, title: str, **draft: Any) -> UUID:
    values: dict[str, Any] = dict(branch_id=org.branch, resident_name=RESIDENT)
    values.update(draft)
    wish = WishDraft(org.community, title, "MARKER-WISH 家里没人能帮忙", **values)
    return UUID(str(system.app.post_wish(wish, actor=staff.clerk).id))


def _done_wish(
    system: System, staff: Staff, clock: Clock, wish: UUID, member: UUID, summary: str
) -> None:
    app = system.app
    clock.set(2)
    app.claim_wish(wish, member_id=member, actor=staff.clerk)
    clock.set(30)
    app.fulfil_wish(wish, "MARKER-NOTE 送到3号楼", actor=staff.clerk)
    app.confirm_wish(wish, actor=staff.supervisor)
    clock.set(40)
    app.publish_wish(wish, summary, actor=staff.supervisor)


def test_a_published_wish_reads_as_the_list_gives_it(
    system: System, staff: Staff, org: Org, clock: Clock
) -> None:
    app, view = system.app, system.requests
    member = app.register_member(member_draft(org.branch, name="张三丰"), actor=staff.clerk).id
    home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    radio = _wish(system, staff, org, "想要一台收音机", contact_phone=PHONE)
    glasses = _wish(system, staff, org, "想要一副老花镜", household_id=home, resident_name=None)
    _done_wish(system, staff, clock, radio, member, "党员为老人送去一台收音机")
    clock.set(3)
    app.claim_wish(glasses, member_id=member, actor=staff.clerk)

    one = view.public_wish(radio, min_position=_head(system))
    (listed,) = view.public_wishes().items
    assert one == listed
    assert tuple(one) == rq.PUBLIC_WISH_FIELDS
    assert one["claimant"] == "张*丰" and one["title"] == "想要一台收音机"
    assert one["community_name"] == "鹏泉社区" and one["branch_name"] == "第一网格党支部"
    assert (one["claimed_on"], one["fulfilled_on"]) == (
        (T0 + timedelta(hours=2)).astimezone(system.settings.tzinfo).date(),
        (T0 + timedelta(hours=30)).astimezone(system.settings.tzinfo).date(),
    )
    text = repr(one)
    for private in ("MARKER", RESIDENT, PHONE, "李四", "101", str(home)):
        assert private not in text
    # Claimed but not published, never posted, or not a wish at all: not found.
    for missing in (glasses, uuid4()):
        with pytest.raises(NotFoundError):
            view.public_wish(missing)
    with pytest.raises(InvalidInputError) as bad:
        view.public_wish("not-an-id")
    assert bad.value.field == "wish_id"


def test_a_wish_whose_member_was_erased_names_nobody(
    system: System, staff: Staff, org: Org, clock: Clock
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch, name="张三丰"), actor=staff.clerk).id
    wish = _wish(system, staff, org, "想学用智能手机")
    _done_wish(system, staff, clock, wish, member, "党员上门教老人使用智能手机")
    app.erase_person(member, "the member asked to be forgotten", actor=staff.admin)
    one = system.requests.public_wish(wish, min_position=_head(system))
    assert one["claimant"] == ERASED and "张" not in repr(one)


def test_a_published_need_reads_with_its_alliance_and_description(
    system: System, staff: Staff, org: Org, clock: Clock
) -> None:
    app, view, clerk = system.app, system.requests, staff.clerk
    power = app.register_resident_unit("国网供电公司", "enterprise", org.community, actor=clerk)
    wiring = app.list_need(
        NeedDraft(org.community, "检修线路", "为老旧小区检修线路", "鹏泉党建联盟"), actor=clerk
    ).id
    lights = app.list_need(
        NeedDraft(org.community, "安装路灯", "为小区安装路灯", "鹏泉党建联盟"), actor=clerk
    ).id
    clock.set(3)
    app.claim_need(wiring, power.id, actor=clerk)
    app.claim_need(lights, power.id, actor=clerk)
    clock.set(50)
    app.fulfil_need(wiring, "MARKER-NOTE 更换了电缆", actor=clerk)
    app.confirm_need(wiring, actor=staff.supervisor)
    app.publish_need(wiring, "老旧线路已检修", actor=staff.supervisor)

    one = view.public_need(wiring, min_position=_head(system))
    (listed,) = view.public_needs().items
    assert tuple(one) == rq.PUBLIC_NEED_FIELDS
    assert {k: one[k] for k in rq.PUBLIC_CLAIMABLE_FIELDS} == listed
    assert (one["claimant"], one["alliance"], one["description"]) == (
        "国网供电公司",
        "鹏泉党建联盟",
        "为老旧小区检修线路",
    )
    assert one["summary"] == "老旧线路已检修" and "MARKER" not in repr(one)
    for missing in (lights, uuid4()):
        with pytest.raises(NotFoundError):
            view.public_need(missing)
    with pytest.raises(InvalidInputError) as bad:
        view.public_need("")
    assert bad.value.field == "need_id"
