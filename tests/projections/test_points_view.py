"""The points-and-stars read model as staff and the public query it: members earn points
under versioned rules through 2025, a cap cuts an award, two people deduct and reverse,
the year closes into its publicity window, objections are settled, the year is final and
the committee selects its excellent members; every view shows what it may and no more."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.access import Principal
from domain.dto import AwardReceipt
from domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from projections import points as pt
from projections.system import System
from tests.application.support import Clock, request_in
from tests.conftest import Org, Staff, member_draft

#: 10:00 on 5 January 2026 at the station: 2025 has ended and may be closed.
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
Y = 2025

PHONES = ("13911110001", "13911110002", "13911110003", "13911110004", "13911110005")
ADDRESS = "MARKER-ADDRESS 汶源路八十八号"
ID_NUMBER = "371202198003150026"
NAMES = ("张三丰", "李四", "王五", "赵六", "钱七")
NOBODY = Principal("nobody", frozenset())


@dataclass
class World:
    system: System
    staff: Staff
    org: Org
    clock: Clock
    zhang: UUID  # 张三丰, first branch
    li: UUID  # 李四, first branch
    wang: UUID  # 王五, second branch
    zhao: UUID  # 赵六, first branch
    qian: UUID  # 钱七, the other community's branch

    @property
    def app(self) -> Any:
        return self.system.app

    @property
    def view(self) -> pt.SQLAlchemyPointsView:
        return self.system.points

    def head(self) -> int:
        return int(self.app.last_position())

    def award(self, member: UUID, rule: str, deed_on: date, note: str = "MARKER-NOTE") -> Any:
        receipt: AwardReceipt = self.app.award_points(
            member, rule, deed_on, note=note, actor=self.staff.clerk
        )
        return receipt

    def deduct(self, member: UUID, rule: str, deed_on: date) -> UUID:
        proposal = self.app.propose_deduction(
            member, rule, deed_on, "MARKER-REASON missed the party day", actor=self.staff.clerk
        ).id
        self.app.approve_adjustment(proposal, actor=self.staff.supervisor)
        return UUID(str(proposal))

    def reverse(self, member: UUID, entry: UUID, year: int = Y) -> UUID:
        proposal = self.app.propose_reversal(
            member, year, entry, "recorded by mistake", actor=self.staff.clerk
        ).id
        self.app.approve_adjustment(proposal, actor=self.staff.supervisor)
        return UUID(str(proposal))


@pytest.fixture
def world(system: System, staff: Staff, org: Org) -> World:
    clock = Clock(T0)
    system.app.clock = clock
    app = system.app

    def member(i: int, branch: UUID, **extra: Any) -> UUID:
        draft = member_draft(branch, name=NAMES[i], phone=PHONES[i], address=ADDRESS, **extra)
        return UUID(str(app.register_member(draft, actor=staff.clerk).id))

    return World(
        system,
        staff,
        org,
        clock,
        member(0, org.branch, id_number=ID_NUMBER),
        member(1, org.branch),
        member(2, org.branch2),
        member(3, org.branch),
        member(4, org.other_branch),
    )


@dataclass
class Story:
    """The awards of `_story`, by what they were for."""

    zhang_help: UUID
    zhao_deduction: UUID


def _story(w: World) -> Story:
    """2025, by deed date:

    - 张三丰: party day Q1 (3, star), another party day Q2 (3, star), study Q3 (2): 8, 2★
    - 李四: contribution Q1 (10), party day Q3 (3, star): 13, 1★
    - 王五 (second branch): party days Q2 and Q4 (3 and 3, stars), study Q4 (2): 8, 2★
    - 赵六: party day Q1 (3, star), deducted Q2 (-5, approved): -2, 1★, bottom line broken
    - 钱七 (other community): volunteer Q3 (2): 2
    """
    w.award(w.zhang, "party_day", date(Y, 2, 10))
    help_ = w.award(w.zhang, "party_day", date(Y, 5, 10)).id
    w.award(w.zhang, "study", date(Y, 8, 1))
    w.award(w.li, "contribution", date(Y, 3, 1))
    w.award(w.li, "party_day", date(Y, 9, 9))
    w.award(w.wang, "party_day", date(Y, 4, 5))
    w.award(w.wang, "party_day", date(Y, 11, 1))
    w.award(w.wang, "study", date(Y, 12, 20))
    w.award(w.zhao, "party_day", date(Y, 1, 20))
    deduction = w.deduct(w.zhao, "absent_without_leave", date(Y, 6, 1))
    w.award(w.qian, "volunteer", date(Y, 7, 7))
    return Story(UUID(str(help_)), deduction)


def _leaks(text: str, w: World) -> list[str]:
    """Personal data and ids that must never reach a public output."""
    markers = [*PHONES, ADDRESS, ID_NUMBER, "MARKER", "张三丰", "李四", "王五", "赵六", "钱七"]
    markers += [str(m) for m in (w.zhang, w.li, w.wang, w.zhao, w.qian)]
    return [m for m in markers if m in text]


# -- the rule catalogue and versions ---------------------------------------------------------


def test_rules_list_every_version_and_an_award_keeps_the_version_it_was_made_under(
    world: World,
) -> None:
    w, admin = world, world.staff.admin
    found = w.view.rules(min_position=w.head())
    assert [r["code"] for r in found] == [
        "study",
        "party_day",
        "volunteer",
        "help_resident",
        "contribution",
        "absent_without_leave",
        "breach",
    ]
    assert all(tuple(r) == pt.RULE_FIELDS for r in found)
    assert found[1] == {
        "code": "party_day",
        "category": "party_day",
        "version": 1,
        "name_zh": "主题党日",
        "name_en": "Themed party day",
        "points": 3,
        "earns_star": True,
        "cap": 36,
        "effective_from": date(2000, 1, 1),
        "versions": [
            {
                "version": 1,
                "name_zh": "主题党日",
                "name_en": "Themed party day",
                "points": 3,
                "earns_star": True,
                "cap": 36,
                "effective_from": date(2000, 1, 1),
                "reason": None,
            }
        ],
    }
    assert found[5]["points"] == -5 and found[5]["cap"] is None

    early = w.award(w.zhang, "study", date(Y, 8, 1)).id  # made under version 1
    w.app.revise_rule(
        "study", 4, date(Y, 7, 1), "study counts more", name_zh="理论学习", actor=admin
    )
    later = w.award(w.zhang, "study", date(Y, 8, 2)).id
    before = w.award(w.zhang, "study", date(Y, 3, 1)).id  # a deed before the new version
    (study,) = [r for r in w.view.rules(min_position=w.head()) if r["code"] == "study"]
    assert (study["version"], study["points"], study["name_zh"]) == (2, 4, "理论学习")
    assert study["effective_from"] == date(Y, 7, 1)
    assert [
        (v["version"], v["points"], v["effective_from"], v["reason"]) for v in study["versions"]
    ] == [
        (1, 2, date(2000, 1, 1), None),
        (2, 4, date(Y, 7, 1), "study counts more"),
    ]

    page = w.view.ledger(w.zhang, actor=w.staff.reviewer, year=Y, min_position=w.head())
    assert all(tuple(item) == pt.LEDGER_FIELDS for item in page.items)
    by_id = {item["entry_id"]: item for item in page.items}
    assert [item["entry_id"] for item in page.items] == [later, early, before]  # latest deed first
    assert (by_id[early]["rule_version"], by_id[early]["points"]) == (1, 2)
    assert by_id[early]["rule_name_zh"] == "学习教育"
    assert (by_id[later]["rule_version"], by_id[later]["points"]) == (2, 4)
    assert by_id[later]["rule_name_zh"] == "理论学习"
    assert (by_id[before]["rule_version"], by_id[before]["points"]) == (1, 2)
    assert by_id[later]["quarter"] == 3 and by_id[before]["quarter"] == 1
    assert by_id[later]["evidence_kind"] == "note" and by_id[later]["note"] == "MARKER-NOTE"
    assert by_id[later]["actor"] == "clerk" and by_id[later]["reversed"] is False
    assert w.view.totals(w.zhang, actor=w.staff.reviewer, year=Y)["points"] == 8


# -- ledgers, caps and explanations ------------------------------------------------------------


def test_a_cap_cuts_an_award_and_the_explanation_shows_it_and_adds_up(world: World) -> None:
    w, staff = world, world.staff
    w.app.define_rule(
        "reading",
        "读书分享",
        "Book sharing",
        "study",
        3,
        cap=5,
        effective_from=date(Y, 1, 1),
        actor=staff.admin,
    )
    first = w.award(w.li, "reading", date(Y, 1, 10))
    second = w.award(w.li, "reading", date(Y, 4, 10))
    third = w.award(w.li, "reading", date(Y, 10, 10))
    assert (first.points, second.points, third.points) == (3, 2, 0)
    assert (second.capped, third.capped) == (True, True)

    found = w.view.explain(w.li, actor=staff.clerk, year=Y, min_position=w.head())
    assert tuple(found) == pt.EXPLAIN_FIELDS
    assert all(tuple(line) == pt.EXPLAIN_LINE_FIELDS for line in found["lines"])
    assert [
        (line["asked"], line["points"], line["capped"], line["cap_cut"], line["cap"])
        for line in found["lines"]
    ] == [(3, 3, False, 0, 5), (3, 2, True, 1, 5), (3, 0, True, 3, 5)]
    assert [line["quarter"] for line in found["lines"]] == [1, 2, 4]
    assert found["total"] == sum(line["counted"] for line in found["lines"]) == 5
    assert found["stars"] == 0 and found["quarter"] is None

    q2 = w.view.explain(w.li, actor=staff.clerk, year=Y, quarter=2)
    assert [line["entry_id"] for line in q2["lines"]] == [second.id] and q2["total"] == 2
    totals = w.view.totals(w.li, actor=staff.clerk, year=Y)
    assert tuple(totals) == pt.TOTALS_FIELDS
    assert totals == {
        "member_id": w.li,
        "year": Y,
        "points": 5,
        "stars": 0,
        "star_level": 0,
        "by_quarter": {
            1: {"points": 3, "stars": 0},
            2: {"points": 2, "stars": 0},
            3: {"points": 0, "stars": 0},
            4: {"points": 0, "stars": 0},
        },
        "bottom_line": False,
    }
    empty = w.view.totals(w.li, actor=staff.clerk, year=2024)
    assert (empty["points"], empty["stars"], empty["bottom_line"]) == (0, 0, False)
    with pytest.raises(InvalidInputError):
        w.view.explain(w.li, actor=staff.clerk, year=Y, quarter=5)
    with pytest.raises(NotFoundError):
        w.view.totals(UUID(int=7), actor=staff.clerk, year=Y)
    with pytest.raises(PermissionDeniedError):
        w.view.explain(w.li, actor=NOBODY, year=Y)
    with pytest.raises(PermissionDeniedError):
        w.view.ledger(w.li, actor=NOBODY)


def test_attendance_awards_every_attendee_with_the_activity_as_evidence(world: World) -> None:
    w = world
    activity = w.app.plan_activity(
        "七一主题党日",
        "party_day",
        date(Y, 7, 1),
        w.org.community,
        branch_id=w.org.branch,
        actor=w.staff.clerk,
    ).id
    receipt = w.app.record_attendance(activity, [w.zhang, w.li], actor=w.staff.clerk)
    for member in (w.zhang, w.li):
        (item,) = w.view.ledger(member, actor=w.staff.clerk, min_position=w.head()).items
        assert item["entry_id"] in receipt.awards
        assert (item["evidence_kind"], item["evidence_ref"]) == ("activity", str(activity))
        assert (item["points"], item["stars"], item["quarter"]) == (3, 1, 3)
    with w.system.db.read.connect() as conn:
        row = conn.execute(sa.select(pt.activities)).mappings().one()
    assert (row["title"], row["attendees"], row["branch_id"]) == ("七一主题党日", 2, w.org.branch)


def test_activities_list_the_latest_first_by_year_and_by_who_may_attend(world: World) -> None:
    w, clerk, org = world, world.staff.clerk, world.org

    def plan(title: str, held_on: date, community: UUID, branch: UUID | None = None) -> UUID:
        receipt = w.app.plan_activity(
            title, "party_day", held_on, community, branch_id=branch, actor=clerk
        )
        return UUID(str(receipt.id))

    whole = plan("社区主题党日", date(Y, 7, 1), org.community)
    first = plan("一支部学习", date(Y, 9, 1), org.community, org.branch)
    second = plan("二支部学习", date(Y, 8, 1), org.community, org.branch2)
    earlier = plan("去年党日", date(Y - 1, 12, 1), org.community, org.branch)
    elsewhere = plan("汶源党日", date(Y, 10, 1), org.other_community)
    w.app.record_attendance(first, [w.zhang, w.li], actor=clerk)
    w.app.record_attendance(first, [w.zhao], actor=clerk)

    page = w.view.activities(actor=w.staff.reviewer, min_position=w.head())
    assert all(tuple(item) == pt.ACTIVITY_FIELDS for item in page.items)
    assert [i["id"] for i in page.items] == [elsewhere, first, second, whole, earlier]
    item = page.items[1]
    assert (item["title"], item["rule_code"], item["held_on"], item["attendees"]) == (
        "一支部学习",
        "party_day",
        date(Y, 9, 1),
        3,
    )
    assert (item["community_id"], item["branch_id"]) == (org.community, org.branch)

    def ids(**filters: Any) -> list[UUID]:
        return [i["id"] for i in w.view.activities(actor=clerk, **filters).items]

    assert ids(year=Y, community_id=org.community) == [first, second, whole]
    # A branch's members may attend its own and the whole community's activities.
    assert ids(year=Y, branch_id=org.branch) == [first, whole]
    assert ids(branch_id=org.branch2) == [second, whole]
    assert ids(year=Y - 1) == [earlier]
    paged = w.view.activities(actor=clerk, offset=1, limit=2)
    assert (paged.total, [i["id"] for i in paged.items]) == (5, [first, second])

    assert w.view.activity_attendees(first, actor=clerk) == [w.zhang, w.li, w.zhao]
    assert w.view.activity_attendees(whole, actor=clerk) == []
    with pytest.raises(PermissionDeniedError):
        w.view.activities(actor=NOBODY)
    with pytest.raises(InvalidInputError):
        w.view.activities(actor=clerk, limit=0)


# -- two people: deductions and reversals -------------------------------------------------------


def test_proposals_wait_for_a_second_person_and_then_deduct_or_reverse(world: World) -> None:
    w, staff = world, world.staff
    help_ = w.award(w.zhao, "party_day", date(Y, 1, 20)).id
    w.award(w.zhao, "study", date(Y, 2, 1))
    deduction = w.app.propose_deduction(
        w.zhao, "absent_without_leave", date(Y, 6, 1), "MARKER-REASON absent", actor=staff.clerk
    )
    reversal = w.app.propose_reversal(w.zhao, Y, help_, "no evidence", actor=staff.clerk)
    rejected = w.app.propose_deduction(
        w.zhao, "breach", date(Y, 6, 2), "not proven", actor=staff.clerk
    )
    page = w.view.pending_approvals(actor=staff.supervisor, min_position=w.head())
    assert [item["id"] for item in page.items] == [deduction.id, reversal.id, rejected.id]
    assert all(tuple(item) == pt.APPROVAL_FIELDS for item in page.items)
    assert page.items[0] == {
        "id": deduction.id,
        "kind": "deduction",
        "member_id": w.zhao,
        "name": "赵六",
        "year": Y,
        "rule_code": "absent_without_leave",
        "entry_id": None,
        "deed_on": date(Y, 6, 1),
        "reason": "MARKER-REASON absent",
        "proposer": "clerk",
        "proposed_at": page.items[0]["proposed_at"],
    }
    assert (page.items[1]["kind"], page.items[1]["entry_id"]) == ("reversal", help_)
    assert page.items[1]["rule_code"] == "party_day" and page.items[1]["deed_on"] is None
    totals = w.view.totals(w.zhao, actor=staff.clerk, year=Y)
    assert (totals["points"], totals["stars"], totals["bottom_line"]) == (5, 1, False)

    w.app.approve_adjustment(deduction.id, actor=staff.supervisor)
    w.app.reject_adjustment(rejected.id, "no witness", actor=staff.supervisor)
    page = w.view.pending_approvals(actor=staff.supervisor, min_position=w.head())
    assert [item["id"] for item in page.items] == [reversal.id]
    totals = w.view.totals(w.zhao, actor=staff.clerk, year=Y)
    assert (totals["points"], totals["stars"], totals["bottom_line"]) == (0, 1, True)
    assert totals["by_quarter"][2] == {"points": -5, "stars": 0}
    (entry,) = [
        i for i in w.view.ledger(w.zhao, actor=staff.clerk).items if i["kind"] == "deduction"
    ]
    assert entry["entry_id"] == deduction.id
    assert (entry["points"], entry["asked"], entry["capped"], entry["stars"]) == (-5, -5, False, 0)
    assert entry["note"] == "MARKER-REASON absent" and entry["actor"] == "supervisor"

    w.app.approve_adjustment(reversal.id, actor=staff.supervisor)
    totals = w.view.totals(w.zhao, actor=staff.clerk, year=Y, min_position=w.head())
    assert (totals["points"], totals["stars"], totals["star_level"]) == (-3, 0, 0)
    (reversed_,) = [i for i in w.view.ledger(w.zhao, actor=staff.clerk).items if i["reversed"]]
    assert reversed_["entry_id"] == help_
    assert (reversed_["reversed_by"], reversed_["reverse_reason"]) == (reversal.id, "no evidence")
    assert reversed_["points"] == 3 and reversed_["stars"] == 1  # what it gave, shown
    found = w.view.explain(w.zhao, actor=staff.clerk, year=Y)
    counted = {line["entry_id"]: line["counted"] for line in found["lines"]}
    assert counted[help_] == 0 and counted[deduction.id] == -5
    assert found["total"] == sum(counted.values()) == totals["points"]
    assert w.view.pending_approvals(actor=staff.supervisor).total == 0

    # Reversing the deduction lifts the bottom line.
    w.reverse(w.zhao, UUID(str(deduction.id)))
    totals = w.view.totals(w.zhao, actor=staff.clerk, year=Y, min_position=w.head())
    assert (totals["points"], totals["bottom_line"]) == (2, False)
    with pytest.raises(PermissionDeniedError):
        w.view.pending_approvals(actor=NOBODY)


# -- rankings ---------------------------------------------------------------------------------


def _ranks(page: Any) -> set[tuple[int, UUID, int, int]]:
    return {(i["rank"], i["member_id"], i["points"], i["stars"]) for i in page.items}


def test_rankings_by_year_and_quarter_share_ranks_and_filter_by_place(world: World) -> None:
    w, reviewer, org = world, world.staff.reviewer, world.org
    _story(w)
    page = w.view.rankings(actor=reviewer, year=Y, min_position=w.head())
    assert all(tuple(item) == pt.RANKING_FIELDS for item in page.items)
    assert page.total == 5
    assert page.items[0]["member_id"] == w.li
    assert {i["member_id"] for i in page.items[1:3]} == {w.zhang, w.wang}
    assert [i["member_id"] for i in page.items][3:] == [w.qian, w.zhao]
    assert _ranks(page) == {
        (1, w.li, 13, 1),
        (2, w.zhang, 8, 2),
        (2, w.wang, 8, 2),
        (4, w.qian, 2, 0),
        (5, w.zhao, -2, 1),
    }
    first = page.items[0]
    assert (first["name"], first["branch_id"], first["branch_name"]) == (
        "李四",
        org.branch,
        "第一网格党支部",
    )
    assert first["star_level"] == 1

    def ranks(**filters: Any) -> set[tuple[int, UUID, int, int]]:
        return _ranks(w.view.rankings(actor=reviewer, year=Y, **filters))

    assert ranks(quarter=1) == {(1, w.li, 10, 0), (2, w.zhang, 3, 1), (2, w.zhao, 3, 1)}
    assert ranks(quarter=2) == {(1, w.zhang, 3, 1), (1, w.wang, 3, 1), (3, w.zhao, -5, 0)}
    assert ranks(quarter=3) == {(1, w.li, 3, 1), (2, w.zhang, 2, 0), (2, w.qian, 2, 0)}
    assert ranks(quarter=4) == {(1, w.wang, 5, 1)}
    assert ranks(branch_id=org.branch2) == {(1, w.wang, 8, 2)}
    assert ranks(community_id=org.other_community) == {(1, w.qian, 2, 0)}
    assert ranks(community_id=org.community, quarter=3) == {(1, w.li, 3, 1), (2, w.zhang, 2, 0)}
    assert w.view.rankings(actor=reviewer, year=2024).total == 0
    paged = w.view.rankings(actor=reviewer, year=Y, offset=3, limit=1)
    assert paged.total == 5 and _ranks(paged) == {(4, w.qian, 2, 0)}
    # A name search keeps each member's rank in the scope.
    assert ranks(q="王") == {(2, w.wang, 8, 2)}
    assert ranks(q=" 赵六 ", branch_id=org.branch) == {(3, w.zhao, -2, 1)}
    assert w.view.rankings(actor=reviewer, year=Y, q="%").total == 0

    # Every member's explanation adds up to their totals and their ranked points.
    for item in page.items:
        member = item["member_id"]
        totals = w.view.totals(member, actor=reviewer, year=Y)
        found = w.view.explain(member, actor=reviewer, year=Y)
        assert found["total"] == sum(line["counted"] for line in found["lines"])
        assert found["total"] == totals["points"] == item["points"]
        assert found["stars"] == totals["stars"] == item["stars"]
        for q in (1, 2, 3, 4):
            part = w.view.explain(member, actor=reviewer, year=Y, quarter=q)
            assert part["total"] == totals["by_quarter"][q]["points"]
            assert part["stars"] == totals["by_quarter"][q]["stars"]
    with pytest.raises(PermissionDeniedError):
        w.view.rankings(actor=NOBODY, year=Y)


def test_the_star_level_stops_at_the_configured_cap(world: World) -> None:
    w = world
    _story(w)
    w.system.runner.wait_for(w.head())
    capped = pt.SQLAlchemyPointsView(
        w.system.db, w.system.runner.wait_for, dataclasses.replace(w.system.settings, star_cap=1)
    )
    (zhang,) = [
        i for i in capped.rankings(actor=w.staff.clerk, year=Y).items if i["member_id"] == w.zhang
    ]
    assert (zhang["stars"], zhang["star_level"]) == (2, 1)
    totals = capped.totals(w.zhang, actor=w.staff.clerk, year=Y)
    assert (totals["stars"], totals["star_level"]) == (2, 1)


def test_public_rankings_show_a_closed_year_from_the_allowlist_with_masked_names(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world
    _story(w)
    with pytest.raises(NotFoundError):
        w.view.public_rankings(year=Y, min_position=w.head())  # still open
    w.app.close_period(Y, actor=w.staff.supervisor)
    page = w.view.public_rankings(year=Y, min_position=w.head())
    assert page.total == 5
    assert all(tuple(item) == pt.PUBLIC_RANKING_FIELDS for item in page.items)
    assert page.items[0] == {
        "rank": 1,
        "name": "李*",
        "branch_name": "第一网格党支部",
        "points": 13,
        "stars": 1,
        "star_level": 1,
    }
    assert {i["name"] for i in page.items} == {"李*", "张*丰", "王*", "钱*", "赵*"}
    assert _leaks(repr(page.items), w) == []
    q2 = w.view.public_rankings(year=Y, quarter=2, branch_id=w.org.branch)
    assert [(i["rank"], i["name"], i["points"]) for i in q2.items] == [
        (1, "张*丰", 3),
        (2, "赵*", -5),
    ]

    given = pt.SQLAlchemyPointsView(
        w.system.db,
        w.system.runner.wait_for,
        dataclasses.replace(w.system.settings, name_mask="given"),
    )
    assert "张**" in {i["name"] for i in given.public_rankings(year=Y).items}

    # Even when the query hands over more, the items keep to the allowlist.
    ranked = pt.SQLAlchemyPointsView._ranked

    def leaky(self: pt.SQLAlchemyPointsView, *args: Any) -> Any:
        rows, total = ranked(self, *args)
        return [{**r, "phone": PHONES[0], "address": ADDRESS} for r in rows], total

    monkeypatch.setattr(pt.SQLAlchemyPointsView, "_ranked", leaky)
    page = w.view.public_rankings(year=Y)
    assert all(tuple(item) == pt.PUBLIC_RANKING_FIELDS for item in page.items)
    assert _leaks(repr(page.items), w) == []


# -- periods and objections ------------------------------------------------------------------


def test_periods_and_the_objection_queue_follow_the_publicity_window(world: World) -> None:
    w, staff = world, world.staff
    _story(w)
    w.award(w.zhang, "study", date(2026, 1, 2))  # the new year is open
    listed = w.view.periods(actor=staff.reviewer, min_position=w.head())
    assert [(p["year"], p["state"]) for p in listed] == [(2026, "open"), (Y, "open")]
    assert all(tuple(p) == pt.PERIOD_FIELDS for p in listed)

    w.app.close_period(Y, actor=staff.supervisor)
    window_ends = datetime(2026, 1, 10, 15, 59, 59, tzinfo=UTC)  # 23:59:59 at the station
    objection = w.app.file_objection(
        w.zhang, Y, "MARKER-OBJECTION 我的志愿服务没有记上", actor=staff.clerk
    ).id
    w.clock.advance(hours=1)
    second = w.app.file_objection(w.li, Y, "MARKER-OBJECTION 积分有误", actor=staff.clerk).id
    (period,) = [
        p for p in w.view.periods(actor=staff.reviewer, min_position=w.head()) if p["year"] == Y
    ]
    assert period == {
        "year": Y,
        "state": "publicity",
        "closed_at": T0,
        "window_ends_at": window_ends,
        "open_objections": 2,
        "finalized_at": None,
    }
    page = w.view.objections(actor=staff.supervisor, min_position=w.head())
    assert all(tuple(item) == pt.OBJECTION_FIELDS for item in page.items)
    assert [item["id"] for item in page.items] == [objection, second]
    assert page.items[0] == {
        "id": objection,
        "member_id": w.zhang,
        "name": "张三丰",
        "year": Y,
        "state": "open",
        "filed_at": T0,
        "window_ends_at": window_ends,
        "decided_at": None,
        "reason": None,
        "correction_kind": None,
        "correction_entry_id": None,
    }
    assert "MARKER" not in repr(page.items)

    w.app.uphold_objection(
        objection,
        "the record was lost",
        award_rule="volunteer",
        deed_on=date(Y, 12, 1),
        actor=staff.supervisor,
    )
    w.app.reject_objection(second, "the totals are right", actor=staff.supervisor)
    assert w.view.objections(actor=staff.supervisor, min_position=w.head()).total == 0
    (upheld,) = w.view.objections(actor=staff.supervisor, state="upheld").items
    assert (upheld["state"], upheld["reason"], upheld["correction_kind"]) == (
        "upheld",
        "the record was lost",
        "award",
    )
    correction = upheld["correction_entry_id"]
    (entry,) = [
        i
        for i in w.view.ledger(w.zhang, actor=staff.clerk, year=Y).items
        if i["entry_id"] == correction
    ]
    assert (entry["rule_code"], entry["points"], entry["quarter"]) == ("volunteer", 2, 4)
    assert w.view.totals(w.zhang, actor=staff.clerk, year=Y)["points"] == 10
    (rejected,) = w.view.objections(actor=staff.supervisor, state="rejected", year=Y).items
    assert rejected["id"] == second and rejected["correction_kind"] is None
    assert w.view.objections(actor=staff.supervisor, state=None).total == 2
    assert w.view.objections(actor=staff.supervisor, state=None, year=2024).total == 0
    with pytest.raises(InvalidInputError):
        w.view.objections(actor=staff.supervisor, state="lost")
    with pytest.raises(PermissionDeniedError):
        w.view.objections(actor=NOBODY)

    w.clock.advance(days=7)
    w.app.finalize_period(Y, actor=staff.supervisor)
    (period,) = [
        p for p in w.view.periods(actor=staff.reviewer, min_position=w.head()) if p["year"] == Y
    ]
    assert (period["state"], period["open_objections"], period["finalized_at"]) == (
        "final",
        0,
        w.clock.now,
    )
    with pytest.raises(PermissionDeniedError):
        w.view.periods(actor=NOBODY)


# -- the year's excellent members ---------------------------------------------------------------


def test_candidates_are_the_top_of_each_branch_without_a_standing_deduction(
    world: World,
) -> None:
    w = world
    story = _story(w)
    w.system.runner.wait_for(w.head())
    one = w.view.candidates(Y, 1)
    assert one == [
        {"member_id": w.zhang, "branch_id": w.org.branch, "stars": 2, "points": 8},
        {"member_id": w.wang, "branch_id": w.org.branch2, "stars": 2, "points": 8},
    ]
    # 赵六 has a star but an approved deduction; 钱七 has no star.
    assert [c["member_id"] for c in w.view.candidates(Y, 3)] == [w.zhang, w.li, w.wang]
    assert all(tuple(c) == pt.STANDING_FIELDS for c in one)

    # A reversed deduction no longer stands; equal stars go by points.
    w.reverse(w.zhao, story.zhao_deduction)
    w.system.runner.wait_for(w.head())
    assert [c["member_id"] for c in w.view.candidates(Y, 3)] == [w.zhang, w.li, w.zhao, w.wang]
    w.award(w.zhao, "party_day", date(Y, 9, 1))  # 赵六: 2 stars, 6 points: after 张三丰
    w.award(w.li, "party_day", date(Y, 9, 2))  # 李四: 2 stars, 16 points: first
    w.system.runner.wait_for(w.head())
    assert [c["member_id"] for c in w.view.candidates(Y, 2)] == [w.li, w.zhang, w.wang]
    assert w.view.candidates(2024, 3) == []


def test_a_selection_is_proposed_from_caught_up_standings_confirmed_and_published(
    world: World,
) -> None:
    w, staff = world, world.staff
    _story(w)
    w.app.close_period(Y, actor=staff.supervisor)
    w.clock.advance(days=7)
    w.app.finalize_period(Y, actor=staff.supervisor)
    # Nobody has caught the read models up: the standings catch up when asked.
    assert w.system.runner.position() < w.head()
    w.app.propose_selection(Y, per_branch=1, actor=staff.supervisor)
    found = w.view.selection(Y, actor=staff.reviewer, min_position=w.head())
    assert tuple(found) == pt.SELECTION_FIELDS
    assert (found["year"], found["state"], found["per_branch"]) == (Y, "proposed", 1)
    assert found["candidates"] == [
        {
            "member_id": w.zhang,
            "name": "张三丰",
            "branch_id": w.org.branch,
            "branch_name": "第一网格党支部",
            "stars": 2,
            "points": 8,
            "chosen": False,
        },
        {
            "member_id": w.wang,
            "name": "王五",
            "branch_id": w.org.branch2,
            "branch_name": "第二网格党支部",
            "stars": 2,
            "points": 8,
            "chosen": False,
        },
    ]
    with pytest.raises(NotFoundError):
        w.view.public_selection(Y)

    w.app.confirm_selection(Y, [w.zhang], reason="MARKER-REASON 表现突出", actor=staff.supervisor)
    found = w.view.selection(Y, actor=staff.reviewer, min_position=w.head())
    assert found["state"] == "confirmed" and found["reason"] == "MARKER-REASON 表现突出"
    assert [c["chosen"] for c in found["candidates"]] == [True, False]
    with pytest.raises(NotFoundError):
        w.view.public_selection(Y)

    w.clock.advance(days=1)
    w.app.publish_selection(Y, actor=staff.supervisor)
    public = w.view.public_selection(Y, min_position=w.head())
    assert public == {
        "year": Y,
        "published_on": date(2026, 1, 13),
        "members": [{"name": "张*丰", "branch_name": "第一网格党支部", "stars": 2, "points": 8}],
    }
    assert tuple(public) == pt.PUBLIC_SELECTION_FIELDS
    assert _leaks(repr(public), w) == []
    found = w.view.selection(Y, actor=staff.reviewer)
    assert found["state"] == "published" and found["published_at"] == w.clock.now
    with pytest.raises(NotFoundError):
        w.view.selection(2024, actor=staff.reviewer)
    with pytest.raises(NotFoundError):
        w.view.public_selection(2024)
    with pytest.raises(PermissionDeniedError):
        w.view.selection(Y, actor=NOBODY)


# -- the star for a resident helped, and rebuilds ------------------------------------------------


def _request_stars(w: World, request: UUID) -> list[dict[str, Any]]:
    page = w.view.ledger(w.wang, actor=w.staff.clerk, min_position=w.head())
    return [i for i in page.items if i["evidence_ref"] == str(request)]


def test_an_accepted_resolution_earns_its_claimant_one_star_ever(world: World) -> None:
    w, staff, app = world, world.staff, world.app
    # The supervisor's account is nobody's member: it may accept 王五's work.
    rid = request_in(w.system, staff.supervisor, w.org, "accepted", claimant=w.wang)
    (star,) = _request_stars(w, rid)
    assert (star["rule_code"], star["evidence_kind"], star["points"], star["stars"]) == (
        "help_resident",
        "request",
        3,
        1,
    )
    assert (star["deed_on"], star["quarter"]) == (date(2026, 1, 5), 1)
    assert star["actor"] == "supervisor"

    # Reopened by a dissatisfied visit, resolved and accepted again: still one star.
    app.record_visit(rid, "dissatisfied", reason="still dark", actor=staff.clerk)
    app.resolve_request(rid, "换了新灯具", evidence=["photo:2"], actor=staff.supervisor)
    app.accept_resolution(rid, actor=staff.supervisor)
    assert [i["entry_id"] for i in _request_stars(w, rid)] == [star["entry_id"]]
    w.system.runner.rebuild(["points"])
    assert [i["entry_id"] for i in _request_stars(w, rid)] == [star["entry_id"]]
    totals = w.view.totals(w.wang, actor=staff.clerk, year=2026)
    assert (totals["points"], totals["stars"]) == (3, 1)


def _dump(system: System) -> dict[str, list[tuple[Any, ...]]]:
    with system.db.read.connect() as conn:
        return {
            table.name: [
                tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))
            ]
            for table in pt.POINTS_TABLES
        }


def test_a_rebuild_gives_the_same_tables(world: World) -> None:
    w, staff, app = world, world.staff, world.app
    story = _story(w)
    app.revise_rule("volunteer", 3, date(Y, 10, 1), "more weight", actor=staff.admin)
    w.award(w.qian, "volunteer", date(Y, 10, 2))
    activity = app.plan_activity(
        "志愿服务", "volunteer", date(Y, 11, 11), w.org.community, actor=staff.clerk
    ).id
    app.record_attendance(activity, [w.zhang, w.li], actor=staff.clerk)
    w.reverse(w.zhang, story.zhang_help)
    app.propose_deduction(w.li, "breach", date(Y, 12, 1), "pending", actor=staff.clerk)
    refused = app.propose_deduction(w.wang, "breach", date(Y, 12, 1), "no", actor=staff.clerk).id
    app.reject_adjustment(refused, "not proven", actor=staff.supervisor)
    request_in(w.system, staff.supervisor, w.org, "accepted", claimant=w.wang)
    app.close_period(Y, actor=staff.supervisor)
    objection = app.file_objection(w.zhao, Y, "MARKER-OBJECTION", actor=staff.clerk).id
    app.uphold_objection(
        objection, "wrongly counted", reverse_entry=story.zhao_deduction, actor=staff.supervisor
    )
    (undone,) = [
        i
        for i in w.view.ledger(w.zhao, actor=staff.clerk, min_position=w.head()).items
        if i["entry_id"] == story.zhao_deduction
    ]
    assert (undone["reversed"], undone["reversed_by"]) == (True, objection)
    assert w.view.totals(w.zhao, actor=staff.clerk, year=Y)["bottom_line"] is False
    other = app.file_objection(w.qian, Y, "MARKER-OBJECTION", actor=staff.clerk).id
    app.reject_objection(other, "right", actor=staff.supervisor)
    w.clock.advance(days=7)
    app.finalize_period(Y, actor=staff.supervisor)
    app.propose_selection(Y, actor=staff.supervisor)
    app.confirm_selection(Y, [w.zhang, w.wang], actor=staff.supervisor)
    app.publish_selection(Y, actor=staff.supervisor)
    w.system.runner.catch_up()
    before = _dump(w.system)
    assert all(before.values()), [name for name, rows in before.items() if not rows]
    assert "MARKER-OBJECTION" not in repr(before)
    w.system.runner.rebuild_batch_size = 7
    w.system.runner.rebuild(["points"])
    assert _dump(w.system) == before
    w.system.runner.rebuild()
    assert _dump(w.system) == before
