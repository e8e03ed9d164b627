"""Alliance needs (需求项目): listed by the committee, claimed by a resident unit (at most
two open claims per unit), fulfilled, confirmed and published."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.dto import NeedDraft
from domain.errors import InvalidInputError, NotFoundError, RuleViolationError
from domain.wishes import UnitClaims
from projections.config import Settings
from projections.system import System, open_system
from tests.application.support import Clock, Desk, events_after, names, need_in, refused
from tests.conftest import Org, Staff


def unit(system: System, staff: Staff, org: Org, name: str = "国网供电公司") -> UUID:
    return system.app.register_resident_unit(
        name, "enterprise", org.community, actor=staff.clerk
    ).id


def draft(org: Org, **overrides: object) -> NeedDraft:
    values: dict[str, object] = dict(
        community_id=org.community,
        branch_id=org.branch,
        title="小区健身器材维修",
        description="三处健身器材需要更换螺丝与护垫",
        alliance="物业服务联盟",
    )
    values.update(overrides)
    return NeedDraft(**values)  # type: ignore[arg-type]


def test_a_need_is_listed_claimed_by_a_unit_fulfilled_confirmed_and_published(
    system: System, staff: Staff, org: Org, clock: Clock
) -> None:
    app, do, clerk = system.app, Desk(system), staff.clerk
    power = unit(system, staff, org)
    e = do(clerk, "list_need", draft(org))
    nid = e.originator_id
    assert (e.community_id, e.branch_id, e.title, e.alliance, e.listed_at) == (
        org.community,
        org.branch,
        "小区健身器材维修",
        "物业服务联盟",
        clock.now,
    )
    assert e.description == "三处健身器材需要更换螺丝与护垫"  # public by nature: in clear

    # The claim and the unit's count of open claims are saved together.
    clock.advance(hours=2)
    start = app.last_position()
    receipt = app.claim_need(nid, power, actor=clerk)
    started, taken, claimed = events_after(system, start)
    assert names([started, taken, claimed]) == [
        "UnitClaims.Started",
        "UnitClaims.Taken",
        "Need.Claimed",
    ]
    assert receipt.position == start + 3
    assert started.originator_id == UnitClaims.id_for(power)
    assert (started.resident_unit_id, taken.need_id, taken.limit) == (power, nid, 2)
    assert (claimed.resident_unit_id, claimed.at, claimed.actor) == (power, clock.now, "clerk")

    clock.advance(days=3)
    e = do(clerk, "fulfil_need", nid, "供电公司志愿者到场维修，更换螺丝12颗")
    assert e.at == clock.now and e.note.startswith("v1:")
    assert do(staff.supervisor, "send_back_need", nid, "护垫没换").reason == "护垫没换"
    do(clerk, "fulfil_need", nid, "护垫也换好了")
    start = app.last_position()
    app.confirm_need(nid, actor=staff.clerk)
    returned, confirmed = events_after(system, start)
    assert names([returned, confirmed]) == ["UnitClaims.Returned", "Need.Confirmed"]
    assert returned.need_id == nid
    for summary in ("联系人电话13812345678", "座机 0634-622 1234"):
        with refused(system, InvalidInputError, field="summary", case=summary):
            app.publish_need(nid, summary, actor=staff.supervisor)
    e = do(staff.supervisor, "publish_need", nid, "供电公司志愿者修好了小区健身器材")
    assert e.summary == "供电公司志愿者修好了小区健身器材"

    detail = app.get_need(nid, actor=staff.reviewer)
    assert (detail.kind, detail.state, detail.claimant_id, detail.erased) == (
        "need",
        "published",
        power,
        False,
    )
    assert detail.details == {
        "description": "三处健身器材需要更换螺丝与护垫",
        "alliance": "物业服务联盟",
    }
    assert detail.moves == [{"move": "sent_back", "to": power, "reason": "护垫没换"}]
    history = app.get_history(nid, actor=staff.reviewer)
    assert [(h.event, h.actor) for h in history] == [
        ("Need.Listed", "clerk"),
        ("Need.Claimed", "clerk"),
        ("Need.Fulfilled", "clerk"),
        ("Need.SentBack", "supervisor"),
        ("Need.Fulfilled", "clerk"),
        ("Need.Confirmed", "clerk"),
        ("Need.Published", "supervisor"),
    ]
    assert history[2].fields["note"] == "供电公司志愿者到场维修，更换螺丝12颗"
    claims = app.get_history(UnitClaims.id_for(power), actor=staff.reviewer)
    assert [h.event for h in claims] == [
        "UnitClaims.Started",
        "UnitClaims.Taken",
        "UnitClaims.Returned",
    ]


def test_a_unit_holds_at_most_two_open_claims_until_one_is_done(
    system: System, staff: Staff, org: Org
) -> None:
    app, clerk = system.app, staff.clerk
    power, school = unit(system, staff, org), unit(system, staff, org, "实验小学")
    first, second, third, fourth = (need_in(system, clerk, org, "open") for _ in range(4))
    app.claim_need(first, power, actor=clerk)
    app.claim_need(second, power, actor=clerk)
    with refused(system, RuleViolationError, rule="unit_claim_limit") as caught:
        app.claim_need(third, power, actor=clerk)
    assert "2" in caught.value.message
    with refused(system, RuleViolationError, rule="already_claimed"):
        app.claim_need(first, school, actor=clerk)
    app.claim_need(third, school, actor=clerk)  # the limit is per unit

    # Fulfilled is still open (it may be sent back); confirmed, released or withdrawn frees it.
    app.fulfil_need(first, "完成", actor=clerk)
    with refused(system, RuleViolationError, rule="unit_claim_limit"):
        app.claim_need(fourth, power, actor=clerk)
    app.confirm_need(first, actor=clerk)
    app.claim_need(fourth, power, actor=clerk)
    app.release_need(second, "人手不够", actor=clerk)
    app.withdraw_need(fourth, "街道已解决", actor=clerk)
    assert app.repository.get(UnitClaims.id_for(power)).open == []
    assert app.get_need(second, actor=clerk).state == "open"
    assert app.get_need(fourth, actor=clerk).state == "withdrawn"
    app.claim_need(second, power, actor=clerk)  # a released need may be claimed again


def test_the_claim_limit_is_a_setting(
    system: System, staff: Staff, org: Org, prepared_url: str
) -> None:
    three = open_system(Settings(database_url=prepared_url, unit_claim_limit=3))
    try:
        clerk = staff.clerk
        power = unit(system, staff, org)
        needs = [need_in(system, clerk, org, "open") for _ in range(4)]
        for need in needs[:3]:
            three.app.claim_need(need, power, actor=clerk)
        assert events_after(system, system.app.last_position() - 2)[0].limit == 3
        with refused(system, RuleViolationError, rule="unit_claim_limit"):
            three.app.claim_need(needs[3], power, actor=clerk)
        with refused(system, RuleViolationError, rule="unit_claim_limit"):
            system.app.claim_need(needs[3], power, actor=clerk)
    finally:
        three.shutdown()


def test_only_an_open_unit_claims_and_a_need_says_nothing_personal(
    system: System, staff: Staff, org: Org
) -> None:
    app, clerk = system.app, staff.clerk
    nid = need_in(system, clerk, org, "open")
    closed = unit(system, staff, org, "已迁出单位")
    app.close_resident_unit(closed, "迁出社区", actor=clerk)
    with refused(system, RuleViolationError, rule="resident_unit_closed"):
        app.claim_need(nid, closed, actor=clerk)
    with refused(system, NotFoundError):
        app.claim_need(nid, uuid4(), actor=clerk)
    with refused(system, NotFoundError):
        app.claim_need(nid, org.branch, actor=clerk)  # a unit of the tree, not a resident unit
    power = unit(system, staff, org)
    with refused(system, NotFoundError):
        app.claim_need(uuid4(), power, actor=clerk)
    cases: list[tuple[str, dict[str, object]]] = [
        ("title", {"title": ""}),
        ("title", {"title": "联系13812345678"}),
        ("description", {"description": "请致电 0634-6221234"}),
        ("description", {"description": "身份证371202198003150026"}),
        ("alliance", {"alliance": " "}),
        ("community_id", {"community_id": org.group}),
        ("branch_id", {"branch_id": org.other_branch}),
    ]
    for field, change in cases:
        with refused(system, InvalidInputError, field=field, case=change):
            app.list_need(draft(org, **change), actor=clerk)


def test_each_step_of_a_need_is_refused_outside_its_states(
    system: System, staff: Staff, org: Org
) -> None:
    app, sup = system.app, staff.supervisor
    other = unit(system, staff, org, "实验小学")
    needs = {
        state: need_in(system, sup, org, state, unit=unit(system, staff, org))
        for state in ("open", "claimed", "fulfilled", "confirmed", "published")
    }
    needs["withdrawn"] = need_in(system, sup, org, "open")
    app.withdraw_need(needs["withdrawn"], "街道已解决", actor=sup)
    steps = {
        "claim": (lambda n: app.claim_need(n, other, actor=sup), {"open"}),
        "release": (lambda n: app.release_need(n, "x", actor=sup), {"claimed"}),
        "fulfil": (lambda n: app.fulfil_need(n, "x", actor=sup), {"claimed"}),
        "confirm": (lambda n: app.confirm_need(n, actor=sup), {"fulfilled"}),
        "send_back": (lambda n: app.send_back_need(n, "x", actor=sup), {"fulfilled"}),
        "publish": (lambda n: app.publish_need(n, "修好了", actor=sup), {"confirmed"}),
        "withdraw": (lambda n: app.withdraw_need(n, "x", actor=sup), {"open", "claimed"}),
    }
    for state, nid in needs.items():
        for name, (act, allowed) in steps.items():
            if state in allowed:
                continue
            rule = "already_claimed" if (name, state) == ("claim", "claimed") else f"{name}_state"
            with refused(system, RuleViolationError, rule=rule, case=(name, state)):
                act(nid)
    for call in (
        lambda: app.release_need(needs["claimed"], " ", actor=sup),
        lambda: app.withdraw_need(needs["claimed"], "", actor=sup),
        lambda: app.send_back_need(needs["fulfilled"], "", actor=sup),
    ):
        with refused(system, InvalidInputError, field="reason"):
            call()
    with refused(system, InvalidInputError, field="note"):
        app.fulfil_need(needs["claimed"], "", actor=sup)


def test_a_resident_unit_claims_needs_of_its_own_community_only(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    nid = app.list_need(draft(org), actor=staff.clerk).id
    elsewhere = app.register_resident_unit(
        "邻社区学校", "institution", org.other_community, actor=staff.clerk
    ).id
    with refused(system, RuleViolationError, rule="other_community"):
        app.claim_need(nid, elsewhere, actor=staff.clerk)
