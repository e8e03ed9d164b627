"""The four orders' read model as staff and the public query it: a resident's request is
placed, claimed, worked on, supervised, visited back and published, and every view
shows what it may show and nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.access import Principal
from domain.dto import NeedDraft, PlacedReceipt, RequestDraft, WishDraft
from domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from domain.personal import ERASED
from projections import requests as rq
from projections.system import System
from tests.conftest import Org, Staff, household_draft, member_draft

#: 2026-04-01 04:00 at the station (Asia/Shanghai), still 31 March in UTC.
T0 = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)

CONTACT = "欧阳娜娜"
PHONE = "13912345678"
MARKERS = ("MARKER-DESC", "MARKER-NOTE", "MARKER-SOLUTION", "MARKER-COMMENT", CONTACT, PHONE)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


class Clock:
    """The application's clock, set by the story."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def set(self, hours: float) -> None:
        self.now = at(hours)


@dataclass
class World:
    system: System
    staff: Staff
    org: Org
    clock: Clock
    #: 张三, the member the cadre's account is linked to.
    zhang: UUID
    #: 王五, a member without an account (a clerk records for him).
    wang: UUID

    @property
    def app(self) -> Any:
        return self.system.app

    @property
    def view(self) -> rq.SQLAlchemyRequestsView:
        return self.system.requests

    def head(self) -> int:
        return int(self.app.last_position())

    def place(
        self,
        hours: float,
        *,
        description: str = "楼道灯坏了，晚上看不见",
        category: str = "environment",
        kind: str = "resident",
        urgency: str = "normal",
        community: UUID | None = None,
        branch: UUID | None = None,
    ) -> PlacedReceipt:
        self.clock.set(hours)
        resident = kind == "resident"
        receipt: PlacedReceipt = self.app.place_request(
            RequestDraft(
                channel="walk_in",
                category=category,
                description=description,
                community_id=community or self.org.community,
                requester_kind=kind,
                branch_id=branch,
                urgency=urgency,
                contact_name=CONTACT if resident else None,
                contact_phone=PHONE if resident else None,
            ),
            actor=self.staff.clerk,
        )
        return receipt

    def classify(self, rid: UUID, hours: float | None = None) -> None:
        if hours is not None:
            self.clock.set(hours)
        self.app.classify_request(rid, branch_id=self.org.branch, actor=self.staff.clerk)

    def claim(self, rid: UUID, hours: float, member: UUID | None = None) -> None:
        """Classify and claim: as the cadre (张三), or recorded by a clerk for `member`."""
        self.classify(rid, hours)
        if member is None:
            self.app.claim_request(rid, actor=self.staff.cadre)
        else:
            self.app.claim_request(rid, member_id=member, actor=self.staff.clerk)

    def resolve(self, rid: UUID, hours: float) -> None:
        self.clock.set(hours)
        self.app.resolve_request(rid, "MARKER-SOLUTION 换了灯泡", actor=self.staff.clerk)

    def done(self, rid: UUID, claimed: float, resolved: float) -> None:
        """Claimed by 张三, resolved and accepted."""
        self.claim(rid, claimed)
        self.resolve(rid, resolved)
        self.app.accept_resolution(rid, actor=self.staff.supervisor)


@pytest.fixture
def world(system: System, staff: Staff, org: Org) -> World:
    clock = Clock()
    system.app.clock = clock
    app = system.app
    zhang = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    wang = app.register_member(
        member_draft(org.branch, name="王五", phone="13700001111"), actor=staff.clerk
    ).id
    app.link_account_member("cadre", zhang, "the cadre is 张三", actor=staff.admin)
    return World(system, staff, org, clock, zhang, wang)


def ids(page: Any) -> list[UUID]:
    return [item["id"] for item in page.items]


# -- the catalogue --------------------------------------------------------------------------


def test_the_catalogue_lists_the_seeded_categories_and_follows_changes(world: World) -> None:
    app, view, admin = world.app, world.view, world.staff.admin
    found = view.categories(min_position=world.head())
    assert [c["code"] for c in found][:3] == ["environment", "property", "dispute"]
    assert found[0] == {
        "code": "environment",
        "name_zh": "环境卫生",
        "name_en": "Environment and sanitation",
        "claim_hours": 24,
        "resolve_hours": 72,
        "retired": False,
    }
    app.define_category("parking", "停车管理", "Parking", 12, 48, actor=admin)
    app.change_category_limits("parking", 6, 24, "faster", actor=admin)
    app.retire_category("other", "too vague", actor=admin)
    found = view.categories(min_position=world.head())
    codes = [c["code"] for c in found]
    assert codes[-1] == "parking" and "other" not in codes
    assert (found[-1]["claim_hours"], found[-1]["resolve_hours"]) == (6, 24)
    retired = [c for c in view.categories(include_retired=True) if c["retired"]]
    assert [c["code"] for c in retired] == ["other"]


# -- the board --------------------------------------------------------------------------------


def test_the_board_shows_each_request_with_an_excerpt_and_nothing_personal(
    world: World,
) -> None:
    long = "MARKER-DESC " + "路灯" * 60
    r1 = world.place(0, description=long)
    r2 = world.place(1, category="care", urgency="urgent")
    r3 = world.place(2, kind="anonymous", description="小区门口垃圾堆积")
    world.claim(r2.id, 3)
    page = world.view.board(actor=world.staff.reviewer, now=at(4), min_position=world.head())
    assert ids(page) == [r3.id, r2.id, r1.id]  # newest placed first
    assert page.total == 3
    for item in page.items:
        assert tuple(item) == rq.BOARD_FIELDS
    first = page.items[2]
    assert first["excerpt"] == long[:80]
    assert first["receipt_code"] == r1.receipt_code
    assert first["placed_at"] == at(0)
    assert first["claim_due_at"] == at(24) and first["due_at"] == at(72)
    assert first["state"] == "placed" and first["claimant_id"] is None
    assert first["requester_kind"] == "resident" and first["channel"] == "walk_in"
    urgent = page.items[1]
    # An urgent request has half its category's limits (care: 12 h and 72 h).
    assert (urgent["claim_due_at"], urgent["due_at"]) == (at(1 + 6), at(1 + 36))
    assert urgent["claimant_id"] == world.zhang and urgent["claimant_name"] == "张三"
    assert urgent["claimed_at"] == at(3) and urgent["branch_id"] == world.org.branch
    text = repr(page.items)
    assert CONTACT not in text and PHONE not in text


def test_the_board_filters_by_state_category_place_claimant_and_text(world: World) -> None:
    view, reviewer, org = world.view, world.staff.reviewer, world.org
    lamp = world.place(0, description="三号楼路灯不亮")
    care = world.place(1, category="care", description="独居老人需要送餐")
    held = world.place(2, description="电梯异响")
    gone = world.place(3, description="噪音扰民")
    other = world.place(4, community=org.other_community, branch=org.other_branch)
    world.claim(care.id, 5, member=world.wang)
    world.claim(held.id, 6)
    world.app.withdraw_request(gone.id, "the resident solved it", actor=world.staff.clerk)
    now, head = at(7), world.head()

    def board(**filters: Any) -> list[UUID]:
        return ids(view.board(actor=reviewer, now=now, min_position=head, **filters))

    assert board(state="placed") == [other.id, lamp.id]
    assert board(state="claimed") == [held.id, care.id]
    assert board(state="withdrawn") == [gone.id]
    assert board(state="open") == [other.id, held.id, care.id, lamp.id]
    assert board(category="care") == [care.id]
    assert board(community_id=org.other_community) == [other.id]
    assert board(branch_id=org.branch) == [held.id, care.id]
    assert board(branch_id=org.other_branch) == [other.id]
    assert board(claimant_id=world.zhang) == [held.id]
    assert board(claimant_id=world.wang) == [care.id]
    assert board(q=lamp.receipt_code.lower()) == [lamp.id]
    assert board(q="路灯") == [lamp.id]
    assert board(q="50%") == []  # LIKE wildcards are literal
    page = view.board(actor=reviewer, now=now, limit=2, offset=1)
    assert page.total == 5 and len(page.items) == 2
    with pytest.raises(InvalidInputError):
        board(state="lost")
    with pytest.raises(InvalidInputError):
        view.board(actor=reviewer, now=now, limit=0)
    with pytest.raises(InvalidInputError):
        view.board(actor=reviewer, now=datetime(2026, 4, 1))  # no time zone
    with pytest.raises(PermissionDeniedError):
        view.board(actor=Principal("nobody", frozenset()), now=now)


def test_moves_presses_and_reopenings_are_counted(world: World) -> None:
    app, staff = world.app, world.staff
    r = world.place(0)
    world.claim(r.id, 1, member=world.wang)
    app.release_request(r.id, "MARKER-REASON busy", actor=staff.clerk)
    app.give_request(r.id, world.zhang, "closer to the building", actor=staff.supervisor)
    app.press_request(r.id, "the resident called", actor=staff.supervisor)
    app.note_progress(r.id, "MARKER-NOTE 买了灯泡", actor=staff.cadre)
    world.resolve(r.id, 2)
    app.send_back_resolution(r.id, "no photo", actor=staff.supervisor)
    world.resolve(r.id, 3)
    app.accept_resolution(r.id, actor=staff.supervisor)
    app.record_visit(r.id, "dissatisfied", reason="still dark", actor=staff.clerk)
    (item,) = world.view.board(actor=staff.clerk, now=at(4), min_position=world.head()).items
    assert item["state"] == "claimed"
    assert item["claimant_id"] == world.zhang
    assert item["claimed_at"] == at(1)  # the first claim; the clock never restarts
    assert item["resolved_at"] is None
    assert (item["moves"], item["reopened"], item["presses"]) == (4, 1, 1)
    assert item["satisfaction"] == "dissatisfied"
    assert "MARKER" not in repr(item)


def test_overdue_is_worked_out_at_query_time_and_a_paused_clock_stands_still(
    world: World,
) -> None:
    app, staff, view = world.app, world.staff, world.view
    r = world.place(0)  # environment: 24 h to claim, 72 h to resolve
    world.classify(r.id, 1)
    world.clock.set(10)
    app.pause_clock(r.id, "waiting for the resident", actor=staff.supervisor)

    def item(hours: float) -> dict[str, Any]:
        (found,) = view.board(actor=staff.reviewer, now=at(hours), min_position=world.head()).items
        return found

    def late(hours: float) -> list[UUID]:
        return ids(view.board(actor=staff.reviewer, now=at(hours), overdue=True))

    def agrees_with_the_aggregate(hours: float) -> None:
        world.clock.set(hours)
        detail, shown = app.get_request(r.id, actor=staff.reviewer), item(hours)
        assert (shown["overdue"], shown["due_at"], shown["claim_due_at"]) == (
            detail.overdue,
            detail.due_at,
            detail.claim_due_at,
        )
        assert shown["paused"] == detail.paused

    assert item(23)["overdue"] is False
    paused = item(30)
    assert paused["paused"] and paused["overdue"] is False
    assert paused["claim_due_at"] == at(24 + 20)  # 20 h of a running pause
    assert paused["due_at"] == at(72 + 20)
    assert late(30) == [] and late(500) == []  # the clock stands still
    agrees_with_the_aggregate(30)
    world.clock.set(40)
    app.resume_clock(r.id, actor=staff.supervisor)  # paused for 30 h
    assert item(40)["paused"] is False
    assert item(50)["claim_due_at"] == at(54) and item(50)["due_at"] == at(102)
    assert item(54)["overdue"] is False
    assert item(55)["overdue"] is True and late(55) == [r.id]  # not claimed in time
    assert ids(view.board(actor=staff.reviewer, now=at(55), overdue=False)) == []
    agrees_with_the_aggregate(55)
    world.clock.set(56)
    app.claim_request(r.id, actor=staff.cadre)
    assert item(60)["overdue"] is False and late(60) == []
    assert item(103)["overdue"] is True
    agrees_with_the_aggregate(103)
    world.resolve(r.id, 104)
    assert item(200)["overdue"] is False  # resolved: waits for the supervisor, not late
    agrees_with_the_aggregate(200)


# -- supervision and workload -------------------------------------------------------------------


def test_the_supervision_queue_gives_each_request_its_reasons(world: World) -> None:
    app, staff, org = world.app, world.staff, world.org
    awaiting = world.place(0)
    world.claim(awaiting.id, 0.5)
    app.escalate_request(awaiting.id, "needs the subdistrict", actor=staff.supervisor)
    world.resolve(awaiting.id, 1)
    late = world.place(0.25)  # claim due at 24.25 h
    app.press_request(late.id, "the resident called twice", actor=staff.supervisor)
    later = world.place(2)  # claim due at 26 h
    pressed = world.place(10)
    app.press_request(pressed.id, "at risk", actor=staff.supervisor)
    escalated = world.place(11)
    world.claim(escalated.id, 12, member=world.wang)
    app.escalate_request(escalated.id, "beyond the community", actor=staff.supervisor)
    world.place(13)  # nothing to look at
    accepted = world.place(14)
    app.press_request(accepted.id, "hurry", actor=staff.supervisor)
    world.done(accepted.id, 15, 16)  # pressed once, but done: no longer wanted
    elsewhere = world.place(0, community=org.other_community)

    page = world.view.supervision_queue(
        actor=staff.supervisor, now=at(30), community_id=org.community, min_position=world.head()
    )
    assert ids(page) == [awaiting.id, late.id, later.id, pressed.id, escalated.id]
    assert page.total == 5
    assert [item["reasons"] for item in page.items] == [
        ["awaiting_acceptance", "escalated"],
        ["overdue", "pressed"],
        ["overdue"],
        ["pressed"],
        ["escalated"],
    ]
    assert all(tuple(item) == rq.QUEUE_FIELDS for item in page.items)
    everywhere = world.view.supervision_queue(actor=staff.supervisor, now=at(30))
    assert everywhere.total == 6 and elsewhere.id in ids(everywhere)
    assert ids(world.view.supervision_queue(actor=staff.supervisor, now=at(30), limit=1)) == [
        awaiting.id
    ]


def test_workload_counts_what_each_claimant_holds_awaits_is_late_with_and_finished(
    world: World,
) -> None:
    app, staff = world.app, world.staff
    holding = world.place(0)
    world.claim(holding.id, 1)
    awaiting = world.place(0)
    world.claim(awaiting.id, 1)
    world.resolve(awaiting.id, 2)
    late = world.place(0, category="safety")  # 4 h to claim, 48 h to resolve
    world.claim(late.id, 1)
    finished = world.place(0)
    world.done(finished.id, 1, 2)
    app.record_visit(finished.id, "satisfied", actor=staff.clerk)
    wangs = world.place(0)
    world.claim(wangs.id, 1, member=world.wang)
    given_away = world.place(0)
    world.claim(given_away.id, 1, member=world.wang)
    app.give_request(given_away.id, world.zhang, "knows the building", actor=staff.supervisor)
    app.release_request(given_away.id, "not mine after all", actor=staff.cadre)
    world.place(0, community=world.org.other_community)

    rows = world.view.workload(actor=staff.supervisor, now=at(50), min_position=world.head())
    assert all(tuple(row) == rq.WORKLOAD_FIELDS for row in rows)
    by_member = {row["claimant_id"]: row for row in rows}
    assert by_member == {
        world.zhang: {
            "claimant_id": world.zhang,
            "claimant_name": "张三",
            "holding": 2,
            "awaiting": 1,
            "overdue": 1,
            "done": 1,
        },
        world.wang: {
            "claimant_id": world.wang,
            "claimant_name": "王五",
            "holding": 1,
            "awaiting": 0,
            "overdue": 0,
            "done": 0,
        },
    }
    assert world.view.workload(actor=staff.supervisor, now=at(50), community_id=uuid_of(0)) == []


def uuid_of(n: int) -> UUID:
    return UUID(int=n)


# -- statistics -------------------------------------------------------------------------------


def _statistics_story(world: World) -> dict[str, PlacedReceipt]:
    app, staff = world.app, world.staff
    quick = world.place(0)
    world.done(quick.id, 2, 10)
    app.record_visit(quick.id, "satisfied", comment="MARKER-COMMENT 很好", actor=staff.clerk)
    slow = world.place(1)
    world.done(slow.id, 5, 101)  # due at 73 h: late
    app.record_visit(slow.id, "dissatisfied", reason="came back", actor=staff.clerk)
    world.resolve(slow.id, 111)
    app.accept_resolution(slow.id, actor=staff.supervisor)
    app.record_visit(slow.id, "basically_satisfied", actor=staff.clerk)
    care = world.place(2, category="care")
    world.claim(care.id, 8)
    anonymous = world.place(3, kind="anonymous")
    app.withdraw_request(anonymous.id, "duplicate by phone", actor=staff.clerk)
    may = world.place(24 * 40, category="property", community=world.org.other_community)
    return {"quick": quick, "slow": slow, "care": care, "anonymous": anonymous, "may": may}


def test_statistics_per_category_with_medians_and_rates(world: World) -> None:
    _statistics_story(world)
    rows = world.view.statistics(
        actor=world.staff.reviewer,
        by="category",
        community_id=world.org.community,
        min_position=world.head(),
    )
    assert all(tuple(row) == rq.STATISTICS_FIELDS for row in rows)
    assert rows == [
        {
            "key": "environment",
            "label": "环境卫生",
            "placed": 3,
            "claimed": 2,
            "resolved": 2,
            "median_hours_to_claim": 3.0,  # 2 h and 4 h
            "median_hours_to_resolve": 60.0,  # 10 h and 110 h (the final resolution)
            "on_time_rate": 0.5,
            "satisfaction_rate": 1.0,  # the final visit of the reopened one counts
        },
        {
            "key": "care",
            "label": "助老助残",
            "placed": 1,
            "claimed": 1,
            "resolved": 0,
            "median_hours_to_claim": 6.0,
            "median_hours_to_resolve": None,
            "on_time_rate": None,
            "satisfaction_rate": None,
        },
    ]


def test_statistics_per_community_branch_and_month_at_the_station(world: World) -> None:
    _statistics_story(world)
    view, reviewer, org = world.view, world.staff.reviewer, world.org
    head = world.head()

    def counts(by: str, **filters: Any) -> list[tuple[Any, Any, int]]:
        rows = view.statistics(actor=reviewer, by=by, min_position=head, **filters)
        return [(r["key"], r["label"], r["placed"]) for r in rows]

    assert counts("community") == [
        (org.community, "鹏泉社区", 4),
        (org.other_community, "汶源社区", 1),
    ]
    assert counts("branch", community_id=org.community) == [
        (org.branch, "第一网格党支部", 3),
        (None, None, 1),  # the anonymous request was never classified
    ]
    # Placed at 04:00 on 1 April at the station, which is still March in UTC.
    assert counts("month") == [("2026-04", "2026-04", 4), ("2026-05", "2026-05", 1)]
    assert counts("month", since=date(2026, 4, 1), until=date(2026, 4, 30)) == [
        ("2026-04", "2026-04", 4)
    ]
    assert counts("month", until=date(2026, 3, 31)) == []
    assert counts("month", since=date(2026, 5, 1)) == [("2026-05", "2026-05", 1)]
    (april,) = view.statistics(actor=reviewer, by="month", until=date(2026, 4, 30))
    assert (april["on_time_rate"], april["satisfaction_rate"]) == (0.5, 1.0)
    with pytest.raises(InvalidInputError):
        view.statistics(actor=reviewer, by="household")
    with pytest.raises(PermissionDeniedError):
        view.statistics(actor=Principal("nobody", frozenset()), by="month")


# -- the public ledger -------------------------------------------------------------------------


def _publish(world: World, rid: UUID, summary: str) -> None:
    world.app.publish_request(rid, summary, actor=world.staff.supervisor)


def test_the_public_ledger_shows_published_outcomes_from_its_allowlist_only(
    world: World,
) -> None:
    app, staff, org, tz = world.app, world.staff, world.org, world.system.settings.tzinfo
    story = _statistics_story(world)
    quick, slow, care = story["quick"], story["slow"], story["care"]
    app.note_progress(care.id, "MARKER-NOTE 联系了家属", actor=staff.clerk)
    world.clock.set(180)
    _publish(world, quick.id, "三号楼路灯已修复")
    world.clock.set(181)
    _publish(world, slow.id, "楼道照明已改造")
    app.close_request(slow.id, actor=staff.supervisor)
    anonymous = world.place(200, kind="anonymous", description="MARKER-DESC 垃圾")
    world.done(anonymous.id, 201, 202)
    world.clock.set(203)
    _publish(world, anonymous.id, "垃圾已清运")  # anonymous: published without a visit

    page = world.view.public_ledger(min_position=world.head())
    assert ids(page) == [anonymous.id, slow.id, quick.id]  # newest published first
    for item in page.items:
        assert tuple(item) == rq.PUBLIC_LEDGER_FIELDS
    text = repr(page.items)
    for marker in (*MARKERS, quick.receipt_code, str(world.zhang), "张三"):
        assert marker not in text
    first = page.items[2]
    assert first == {
        "id": quick.id,
        "state": "published",
        "category": "environment",
        "category_name_zh": "环境卫生",
        "category_name_en": "Environment and sanitation",
        "community_id": org.community,
        "community_name": "鹏泉社区",
        "branch_id": org.branch,
        "branch_name": "第一网格党支部",
        "placed_on": date(2026, 4, 1),
        "resolved_on": date(2026, 4, 1),
        "published_on": at(180).astimezone(tz).date(),
        "on_time": True,
        "satisfaction": "satisfied",
        "summary": "三号楼路灯已修复",
    }
    assert page.items[1]["on_time"] is False
    assert page.items[1]["satisfaction"] == "basically_satisfied"
    assert page.items[0]["satisfaction"] is None
    assert world.view.public_outcome(str(slow.id)) == page.items[1]
    with pytest.raises(NotFoundError):
        world.view.public_outcome(care.id)
    with pytest.raises(NotFoundError):
        world.view.public_outcome(uuid_of(7))

    def ledger(**filters: Any) -> list[UUID]:
        return ids(world.view.public_ledger(**filters))

    assert ledger(category="environment", month="2026-04") == [anonymous.id, slow.id, quick.id]
    assert ledger(month="2026-03") == []
    assert ledger(community_id=org.other_community) == []
    assert ledger(branch_id=org.branch, limit=1, offset=1) == [slow.id]
    with pytest.raises(InvalidInputError):
        ledger(month="2026-13")
    with pytest.raises(InvalidInputError):
        ledger(month="April")


def test_a_column_added_to_the_board_cannot_reach_the_public(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when a query selects private columns, the items keep to the allowlist."""
    r = world.place(0, description="MARKER-DESC 井盖松动")
    world.done(r.id, 1, 2)
    world.app.record_visit(r.id, "satisfied", comment="MARKER-COMMENT", actor=world.staff.clerk)
    _publish(world, r.id, "井盖已加固")
    select = rq.SQLAlchemyRequestsView._public_select

    def leaky(self: rq.SQLAlchemyRequestsView) -> sa.Select[Any]:
        return select(self).add_columns(
            rq.board.c.excerpt, rq.board.c.receipt_code, rq.board.c.claimant_id
        )

    monkeypatch.setattr(rq.SQLAlchemyRequestsView, "_public_select", leaky)
    (item,) = world.view.public_ledger(min_position=world.head()).items
    assert tuple(item) == rq.PUBLIC_LEDGER_FIELDS
    assert tuple(world.view.public_outcome(r.id)) == rq.PUBLIC_LEDGER_FIELDS
    assert "MARKER" not in repr(item) and r.receipt_code not in repr(item)


# -- micro-wishes and alliance needs ------------------------------------------------------------


def test_wishes_are_listed_for_staff_and_published_with_a_masked_claimant(world: World) -> None:
    app, staff, org, tz = world.app, world.staff, world.org, world.system.settings.tzinfo
    home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    world.clock.set(0)
    books = app.post_wish(
        WishDraft(
            community_id=org.community,
            title="想要一套儿童读物",
            wish="MARKER-DESC 孩子喜欢科普书",
            branch_id=org.branch,
            resident_name=CONTACT,
            contact_phone=PHONE,
        ),
        actor=staff.clerk,
    ).id
    world.clock.set(1)
    chair = app.post_wish(
        WishDraft(org.community, "需要一把轮椅", "腿脚不便", household_id=home),
        actor=staff.clerk,
    ).id
    world.clock.set(2)
    app.claim_wish(books, actor=staff.cadre)
    app.claim_wish(chair, member_id=world.wang, actor=staff.clerk)
    app.release_wish(chair, "cannot find one", actor=staff.clerk)
    world.clock.set(3)
    app.fulfil_wish(books, "MARKER-NOTE 送到家中", actor=staff.cadre)
    app.confirm_wish(books, actor=staff.clerk)
    app.publish_wish(books, "儿童读物已送达", actor=staff.supervisor)

    page = world.view.wishes(actor=staff.reviewer, min_position=world.head())
    assert ids(page) == [chair, books]
    assert all(tuple(item) == rq.WISH_FIELDS for item in page.items)
    open_, done = page.items
    assert (open_["state"], open_["claimant_id"], open_["claimed_at"]) == ("open", None, None)
    assert done["state"] == "published" and done["claimant_name"] == "张三"
    assert (done["claimed_at"], done["fulfilled_at"]) == (at(2), at(3))
    assert done["summary"] == "儿童读物已送达"
    assert "MARKER" not in repr(page.items) and CONTACT not in repr(page.items)
    assert ids(world.view.wishes(actor=staff.reviewer, state="open")) == [chair]
    assert ids(world.view.wishes(actor=staff.reviewer, claimant_id=world.zhang)) == [books]
    assert world.view.wishes(actor=staff.reviewer, community_id=org.other_community).total == 0
    with pytest.raises(InvalidInputError):
        world.view.wishes(actor=staff.reviewer, state="granted")

    (public,) = world.view.public_wishes().items
    assert public == {
        "id": books,
        "title": "想要一套儿童读物",
        "community_name": "鹏泉社区",
        "branch_name": "第一网格党支部",
        "claimant": "张*",
        "claimed_on": date(2026, 4, 1),
        "fulfilled_on": date(2026, 4, 1),
        "published_on": app.now().astimezone(tz).date(),
        "summary": "儿童读物已送达",
    }
    assert world.view.public_wishes(community_id=org.other_community).total == 0


def test_needs_are_listed_claimed_by_resident_units_and_published(world: World) -> None:
    app, staff, org = world.app, world.staff, world.org
    clerk = staff.clerk
    power = app.register_resident_unit("国网供电公司", "enterprise", org.community, actor=clerk)
    school = app.register_resident_unit("实验小学", "institution", org.community, actor=clerk)

    def list_need(title: str, hours: float) -> UUID:
        world.clock.set(hours)
        draft = NeedDraft(org.community, title, "为老旧小区检修线路", "区域化党建联盟")
        return app.list_need(draft, actor=staff.clerk).id

    wiring = list_need("检修线路", 0)
    lights = list_need("安装路灯", 1)
    lessons = list_need("四点半课堂", 2)
    world.clock.set(3)
    app.claim_need(wiring, power.id, actor=staff.clerk)
    app.claim_need(lights, power.id, actor=staff.clerk)
    app.claim_need(lessons, school.id, actor=staff.clerk)
    world.system.runner.wait_for(world.head())
    assert world.view.unit_open_claims(power.id) == 2
    app.release_need(lessons, "no teachers this term", actor=staff.clerk)
    world.clock.set(4)
    app.fulfil_need(wiring, "MARKER-NOTE 更换了电缆", actor=staff.clerk)
    app.confirm_need(wiring, actor=staff.supervisor)
    app.publish_need(wiring, "老旧线路已检修", actor=staff.supervisor)
    world.system.runner.wait_for(world.head())
    assert world.view.unit_open_claims(power.id) == 1
    assert world.view.unit_open_claims(school.id) == 0

    page = world.view.needs(actor=staff.reviewer, min_position=world.head())
    assert ids(page) == [lessons, lights, wiring]
    assert all(tuple(item) == rq.NEED_FIELDS for item in page.items)
    done = page.items[2]
    assert (done["state"], done["resident_unit_id"], done["resident_unit_name"]) == (
        "published",
        power.id,
        "国网供电公司",
    )
    assert (done["alliance"], done["description"]) == ("区域化党建联盟", "为老旧小区检修线路")
    assert (done["claimed_at"], done["fulfilled_at"]) == (at(3), at(4))
    assert page.items[0]["resident_unit_id"] is None and page.items[0]["state"] == "open"
    assert "MARKER" not in repr(page.items)
    assert ids(world.view.needs(actor=staff.reviewer, resident_unit_id=power.id)) == [
        lights,
        wiring,
    ]
    assert ids(world.view.needs(actor=staff.reviewer, state="claimed")) == [lights]

    (public,) = world.view.public_needs().items
    assert tuple(public) == rq.PUBLIC_CLAIMABLE_FIELDS
    assert (public["claimant"], public["summary"]) == ("国网供电公司", "老旧线路已检修")
    assert public["claimed_on"] == public["fulfilled_on"] == date(2026, 4, 1)
    with pytest.raises(PermissionDeniedError):
        world.view.needs(actor=Principal("nobody", frozenset()))


# -- accounts and rebuilds ----------------------------------------------------------------------


def test_the_accounts_read_model_shows_the_linked_member(world: World) -> None:
    rows = world.system.accounts.list(actor=world.staff.admin, min_position=world.head())
    linked = {r["username"]: r["member_id"] for r in rows}
    assert linked["cadre"] == world.zhang and linked["clerk"] is None
    world.app.link_account_member("cadre", None, "left the post", actor=world.staff.admin)
    rows = world.system.accounts.list(actor=world.staff.admin, min_position=world.head())
    assert {r["username"]: r["member_id"] for r in rows}["cadre"] is None


def _dump(system: System) -> dict[str, list[tuple[Any, ...]]]:
    with system.db.read.connect() as conn:
        return {
            table.name: [
                tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))
            ]
            for table in rq.REQUESTS_TABLES
        }


def test_a_rebuild_gives_the_same_tables_and_an_erased_request_reads_erased(
    world: World,
) -> None:
    app, staff = world.app, world.staff
    story = _statistics_story(world)
    _publish(world, story["quick"].id, "三号楼路灯已修复")
    paused = world.place(300)
    world.claim(paused.id, 301)
    world.clock.set(302)
    app.pause_clock(paused.id, "waiting for parts", actor=staff.cadre)
    world.clock.set(310)
    app.resume_clock(paused.id, actor=staff.cadre)
    app.pause_clock(paused.id, "waiting again", actor=staff.cadre)
    dup = world.place(311)
    app.merge_request(dup.id, paused.id, "same lamp", actor=staff.clerk)
    rejected = world.place(312)
    app.reject_request(rejected.id, "not ours", actor=staff.clerk)
    app.post_wish(
        WishDraft(world.org.community, "想要一台收音机", "MARKER-DESC", resident_name=CONTACT),
        actor=staff.clerk,
    )
    app.list_need(
        NeedDraft(world.org.community, "清理河道", "河道垃圾多", "区域化党建联盟"),
        actor=staff.clerk,
    )
    world.system.runner.catch_up()
    before = _dump(world.system)
    assert all(before.values())
    world.system.runner.rebuild_batch_size = 5
    world.system.runner.rebuild(["requests"])
    assert _dump(world.system) == before

    app.personal.keys.destroy_key(story["care"].id)
    world.system.runner.rebuild(["requests"])
    page = world.view.board(actor=staff.reviewer, now=at(400), category="care")
    assert [item["excerpt"] for item in page.items] == [ERASED]
    after = _dump(world.system)
    assert len(after["requests_board"]) == len(before["requests_board"])
    assert {k: v for k, v in after.items() if k != "requests_board"} == {
        k: v for k, v in before.items() if k != "requests_board"
    }


def test_dates_outside_the_ledgers_life_are_refused_not_crashed_on(world: World) -> None:
    view, reviewer = world.view, world.staff.reviewer
    for month in ("0000-01", "0001-01", "9999-12", "2026-13"):
        with pytest.raises(InvalidInputError) as caught:
            view.public_ledger(month=month)
        assert caught.value.field == "month"
    for field, value in (("since", date(1, 1, 1)), ("until", date(9999, 12, 31))):
        with pytest.raises(InvalidInputError) as caught:
            view.statistics(actor=reviewer, by="month", **{field: value})
        assert caught.value.field == field


def test_the_supervision_queue_lists_outcomes_awaiting_their_public_summary(
    world: World,
) -> None:
    app, staff = world.app, world.staff
    visited = world.place(1)
    world.done(visited.id, 2, 3)
    app.record_visit(visited.id, "satisfied", actor=staff.clerk)
    anonymous = world.place(4, kind="anonymous")
    world.done(anonymous.id, 5, 6)
    published = world.place(7, kind="anonymous")
    world.done(published.id, 8, 9)
    app.publish_request(published.id, "垃圾已清运", actor=staff.supervisor)
    page = world.view.supervision_queue(
        actor=staff.supervisor, now=app.now(), min_position=world.head()
    )
    reasons = {item["id"]: item["reasons"] for item in page.items}
    assert "awaiting_publication" in reasons[visited.id]
    assert "awaiting_publication" in reasons[anonymous.id]
    assert published.id not in reasons
