"""Micro-wishes, alliance needs and a resident unit's open claims, in isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.base import acting_as
from domain.wishes import Need, UnitClaims, Wish, WishError, WishState

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MEMBER, MEMBER2, UNIT = uuid4(), uuid4(), uuid4()


def posted() -> Wish:
    with acting_as("clerk"):
        wish = Wish(  # type: ignore[call-arg]
            id=uuid4(),
            community_id=uuid4(),
            branch_id=None,
            title="想要一副老花镜",
            household_id=None,
            personal="v1:sealed",
            posted_at=T0,
        )
    return wish


def listed() -> Need:
    with acting_as("secretary"):
        need = Need(  # type: ignore[call-arg]
            id=uuid4(),
            community_id=uuid4(),
            branch_id=uuid4(),
            title="小区健身器材维修",
            description="三处健身器材需要更换螺丝与护垫",
            alliance="物业服务联盟",
            listed_at=T0,
        )
    return need


def as_(actor: str, action: Any) -> None:
    with acting_as(actor):
        action()


def names(aggregate: Any) -> list[str]:
    return [type(e).__qualname__ for e in aggregate.collect_events()]


def refused(aggregate: Any, rule: str, action: Any) -> None:
    """The action breaks `rule`: an error naming it, and no event, no change."""
    assert aggregate.collect_events() == [], "collect events before checking a refusal"
    version, state = aggregate.version, getattr(aggregate, "state", None)
    with acting_as("someone"), pytest.raises(WishError) as caught:
        action()
    assert caught.value.rule == rule, caught.value
    assert (aggregate.version, getattr(aggregate, "state", None)) == (version, state)
    assert aggregate.collect_events() == []


def test_a_micro_wish_is_claimed_fulfilled_confirmed_and_published() -> None:
    w = posted()
    assert (w.state, w.claimant, w.kind) == (WishState.OPEN, None, "micro-wish")
    as_("cadre", lambda: w.claim(MEMBER, T0 + HOUR))
    assert w.holds_claim
    as_("cadre", lambda: w.fulfil("v1:note", T0 + 2 * HOUR))
    assert w.holds_claim
    as_("clerk", lambda: w.confirm())
    assert not w.holds_claim
    as_("supervisor", lambda: w.publish("为独居老人送去老花镜", T0))
    events: list[Any] = list(w.collect_events())
    assert [type(e).__qualname__ for e in events] == [
        "Wish.Posted",
        "Wish.Claimed",
        "Wish.Fulfilled",
        "Wish.Confirmed",
        "Wish.Published",
    ]
    assert [e.actor for e in events] == ["clerk", "cadre", "cadre", "clerk", "supervisor"]
    assert (w.state, w.claimant, w.claimed_at, w.fulfilled_at) == (
        WishState.PUBLISHED,
        MEMBER,
        T0 + HOUR,
        T0 + 2 * HOUR,
    )
    assert w.summary == "为独居老人送去老花镜"


def test_one_member_holds_a_wish_at_a_time_and_moves_are_recorded() -> None:
    w = posted()
    as_("cadre", lambda: w.claim(MEMBER, T0))
    w.collect_events()
    refused(w, "already_claimed", lambda: w.claim(MEMBER2, T0))
    refused(w, "reason_required", lambda: w.release(" "))
    as_("cadre", lambda: w.release("这周出差"))
    assert (w.state, w.claimant, w.claimed_at) == (WishState.OPEN, None, None)
    as_("cadre2", lambda: w.claim(MEMBER2, T0 + HOUR))
    as_("cadre2", lambda: w.fulfil("v1:note", T0 + 2 * HOUR))
    w.collect_events()
    refused(w, "reason_required", lambda: w.send_back(""))
    as_("clerk", lambda: w.send_back("老人说度数不对"))
    assert (w.state, w.claimant, w.fulfilled_at) == (WishState.CLAIMED, MEMBER2, None)
    assert w.moves == [
        {"move": "released", "from": MEMBER, "reason": "这周出差"},
        {"move": "sent_back", "to": MEMBER2, "reason": "老人说度数不对"},
    ]


def test_each_step_of_a_wish_refuses_the_states_where_it_makes_no_sense() -> None:
    w = posted()
    w.collect_events()
    for rule, action in [
        ("release_state", lambda: w.release("x")),
        ("fulfil_state", lambda: w.fulfil("v1:note", T0)),
        ("confirm_state", lambda: w.confirm()),
        ("send_back_state", lambda: w.send_back("x")),
        ("publish_state", lambda: w.publish("x", T0)),
        ("reason_required", lambda: w.withdraw("")),
    ]:
        refused(w, rule, action)
    as_("cadre", lambda: w.claim(MEMBER, T0))
    as_("cadre", lambda: w.fulfil("v1:note", T0))
    w.collect_events()
    for rule, action in [
        ("claim_state", lambda: w.claim(MEMBER2, T0)),
        ("withdraw_state", lambda: w.withdraw("x")),
        ("publish_state", lambda: w.publish("x", T0)),
    ]:
        refused(w, rule, action)
    as_("clerk", lambda: w.confirm())
    w.collect_events()
    refused(w, "reason_required", lambda: w.publish(" ", T0))
    as_("supervisor", lambda: w.publish("送去老花镜", T0))
    w.collect_events()
    refused(w, "publish_state", lambda: w.publish("again", T0))
    w2 = posted()
    as_("clerk", lambda: w2.withdraw("居民已搬走"))
    w2.collect_events()
    assert w2.state == WishState.WITHDRAWN
    refused(w2, "claim_state", lambda: w2.claim(MEMBER, T0))


def test_an_alliance_need_is_claimed_by_a_unit_and_published() -> None:
    n = listed()
    assert (n.kind, n.alliance, n.description) == (
        "alliance need",
        "物业服务联盟",
        "三处健身器材需要更换螺丝与护垫",
    )
    as_("clerk", lambda: n.claim(UNIT, T0))
    n.collect_events()
    refused(n, "already_claimed", lambda: n.claim(uuid4(), T0))
    as_("clerk", lambda: n.fulfil("v1:note", T0 + HOUR))
    as_("secretary", lambda: n.confirm())
    as_("supervisor", lambda: n.publish("供电公司志愿者修好了健身器材", T0))
    assert names(n) == ["Need.Fulfilled", "Need.Confirmed", "Need.Published"]
    assert (n.state, n.claimant) == (WishState.PUBLISHED, UNIT)
    n2 = listed()
    as_("clerk", lambda: n2.claim(UNIT, T0))
    as_("clerk", lambda: n2.release("人手不够"))
    as_("secretary", lambda: n2.withdraw("需求已由街道解决"))
    assert names(n2) == ["Need.Listed", "Need.Claimed", "Need.Released", "Need.Withdrawn"]
    assert n2.moves == [{"move": "released", "from": UNIT, "reason": "人手不够"}]


def test_a_unit_holds_at_most_its_limit_of_open_claims() -> None:
    with acting_as("clerk"):
        claims = UnitClaims(  # type: ignore[call-arg]
            id=UnitClaims.id_for(UNIT), resident_unit_id=UNIT
        )
    first, second, third = uuid4(), uuid4(), uuid4()
    as_("clerk", lambda: claims.take(first, 2))
    as_("clerk", lambda: claims.take(second, 2))
    assert names(claims) == ["UnitClaims.Started", "UnitClaims.Taken", "UnitClaims.Taken"]
    refused(claims, "unit_claim_limit", lambda: claims.take(third, 2))
    refused(claims, "already_claimed", lambda: claims.take(first, 3))
    refused(claims, "not_held", lambda: claims.give_back(third))
    as_("clerk", lambda: claims.give_back(first))
    as_("clerk", lambda: claims.take(third, 2))
    assert claims.open == [second, third]
    # A larger limit (a setting) lets the unit take more.
    as_("clerk", lambda: claims.take(first, 3))
    assert len(claims.open) == 3
    assert UnitClaims.id_for(UNIT) == claims.id != UnitClaims.id_for(uuid4())
