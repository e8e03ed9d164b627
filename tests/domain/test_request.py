"""A request in isolation: the four orders, the rules of each step, and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.base import acting_as
from domain.requests import (
    DEFAULT_CATEGORIES,
    RECEIPT_ALPHABET,
    Category,
    Request,
    RequestError,
    RequestState,
    new_receipt_code,
)

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def placed(resolve_hours: int = 72, claim_hours: int = 24) -> Request:
    with acting_as("clerk"):
        request = Request(  # type: ignore[call-arg]
            id=uuid4(),
            receipt_code=new_receipt_code(),
            channel="walk_in",
            category="environment",
            claim_hours=claim_hours,
            resolve_hours=resolve_hours,
            urgency="normal",
            community_id=uuid4(),
            branch_id=None,
            building="3号楼",
            requester_kind="household",
            requester_id=uuid4(),
            personal="v1:sealed",
            placed_at=T0,
        )
    return request


def as_(actor: str, action: Any) -> None:
    with acting_as(actor):
        action()


def refused(request: Request, rule: str, actor: str, action: Any) -> None:
    """The action breaks `rule`: an error naming it, and no event, no change."""
    version, state = request.version, request.state
    pending = len(request.collect_events())
    assert pending == 0, "collect events before checking a refusal"
    with acting_as(actor), pytest.raises(RequestError) as caught:
        action()
    assert caught.value.rule == rule, caught.value
    assert (request.version, request.state) == (version, state)
    assert request.collect_events() == []


def names(request: Request) -> list[str]:
    return [type(e).__qualname__ for e in request.collect_events()]


def classified(resolve_hours: int = 72, claim_hours: int = 24, *, collect: bool = True) -> Request:
    r = placed(resolve_hours, claim_hours)
    as_("secretary", lambda: r.classify("environment", claim_hours, resolve_hours, uuid4()))
    if collect:
        r.collect_events()
    return r


def test_a_request_walks_from_placement_to_publication() -> None:
    r = placed()
    assert r.state == RequestState.PLACED
    assert set(r.receipt_code.replace("-", "")) <= set(RECEIPT_ALPHABET)
    branch = uuid4()
    as_("secretary", lambda: r.classify("property", 24, 120, branch))
    as_("cadre", lambda: r.claim("cadre", T0 + HOUR))
    as_("cadre", lambda: r.note_progress("cadre", "物业已到场查看"))
    as_("cadre", lambda: r.resolve("cadre", "更换楼道灯", ["photo:7"], T0 + 5 * HOUR))
    as_("supervisor", lambda: r.accept())
    as_("clerk", lambda: r.record_visit("satisfied", "很及时"))
    as_("supervisor", lambda: r.publish("3号楼楼道灯不亮，物业当日更换"))
    as_("supervisor", lambda: r.close())
    assert names(r) == [
        "Request.Placed",
        "Request.Classified",
        "Request.Claimed",
        "Request.ProgressNoted",
        "Request.Resolved",
        "Request.Accepted",
        "Request.Visited",
        "Request.Published",
        "Request.Closed",
    ]
    assert (r.state, r.branch_id, r.claimant, r.category) == (
        RequestState.CLOSED,
        branch,
        "cadre",
        "property",
    )
    assert r.summary == "3号楼楼道灯不亮，物业当日更换"


def test_one_claimant_at_a_time_and_only_after_classification() -> None:
    r = placed()
    r.collect_events()
    refused(r, "claim_state", "cadre", lambda: r.claim("cadre", T0))
    r = classified()
    as_("cadre", lambda: r.claim("cadre", T0 + HOUR))
    r.collect_events()
    refused(r, "already_claimed", "other", lambda: r.claim("other", T0 + 2 * HOUR))
    refused(r, "not_the_claimant", "other", lambda: r.release("other", "not mine"))
    refused(r, "not_the_claimant", "other", lambda: r.resolve("other", "done", [], T0))
    refused(r, "reason_required", "cadre", lambda: r.release("cadre", " "))
    refused(r, "same_claimant", "supervisor", lambda: r.give("cadre", "again", T0))


def test_release_and_give_move_the_request_but_never_restart_the_clock() -> None:
    r = classified(resolve_hours=10)
    due = r.due_at(T0)
    as_("cadre", lambda: r.claim("cadre", T0 + HOUR))
    as_("cadre", lambda: r.release("cadre", "不在我的片区"))
    assert (r.state, r.claimant) == (RequestState.CLASSIFIED, None)
    as_("supervisor", lambda: r.give("cadre2", "按分工", T0 + 2 * HOUR))
    as_("cadre2", lambda: r.resolve("cadre2", "已处理", [], T0 + 3 * HOUR))
    as_("supervisor", lambda: r.send_back("照片不清楚"))
    assert (r.state, r.claimant) == (RequestState.CLAIMED, "cadre2")
    assert r.due_at(T0 + 4 * HOUR) == due == T0 + 10 * HOUR
    assert r.claimed_at == T0 + HOUR  # time to claim counts from the first claim
    assert [m["move"] for m in r.moves] == ["released", "given", "sent_back"]
    assert r.is_overdue(T0 + 11 * HOUR)
    assert not r.is_overdue(T0 + 9 * HOUR)


def test_only_a_pause_with_a_reason_stops_the_clock_and_it_shows() -> None:
    r = classified(resolve_hours=10)
    as_("cadre", lambda: r.claim("cadre", T0))
    r.collect_events()
    refused(r, "reason_required", "cadre", lambda: r.pause("", T0 + HOUR))
    refused(r, "not_paused", "cadre", lambda: r.resume(T0 + HOUR))
    as_("cadre", lambda: r.pause("等待居民出差回来", T0 + 2 * HOUR))
    r.collect_events()
    refused(r, "already_paused", "cadre", lambda: r.pause("again", T0 + 3 * HOUR))
    refused(r, "clock_paused", "cadre", lambda: r.resolve("cadre", "done", [], T0))
    # Paused: the due time moves with the pause and nothing becomes overdue.
    assert r.due_at(T0 + 30 * HOUR) == T0 + 38 * HOUR
    assert not r.is_overdue(T0 + 30 * HOUR)
    as_("cadre", lambda: r.resume(T0 + 7 * HOUR))
    assert r.paused == 5 * HOUR
    assert r.due_at(T0 + 8 * HOUR) == T0 + 15 * HOUR
    assert r.is_overdue(T0 + 16 * HOUR)


def test_an_unclaimed_request_is_overdue_after_its_claim_limit() -> None:
    r = classified(resolve_hours=72, claim_hours=24)
    assert r.claim_hours == 24
    assert not r.is_overdue(T0 + 23 * HOUR)
    assert r.is_overdue(T0 + 25 * HOUR)
    as_("cadre", lambda: r.claim("cadre", T0 + 25 * HOUR))
    assert not r.is_overdue(T0 + 26 * HOUR)


def test_a_dissatisfied_resident_reopens_the_request_visibly() -> None:
    r = classified()
    as_("cadre", lambda: r.claim("cadre", T0))
    as_("cadre", lambda: r.resolve("cadre", "已清理", [], T0 + HOUR))
    as_("supervisor", lambda: r.accept())
    r.collect_events()
    refused(r, "reason_required", "clerk", lambda: r.record_visit("dissatisfied", ""))
    as_("clerk", lambda: r.record_visit("dissatisfied", "垃圾又堆起来了"))
    assert (r.state, r.claimant, r.resolved_at) == (RequestState.CLAIMED, "cadre", None)
    assert r.moves[-1] == {"move": "reopened", "to": "cadre", "reason": "垃圾又堆起来了"}


def test_every_step_refuses_the_states_where_it_makes_no_sense() -> None:
    r = placed()
    r.collect_events()
    refused(r, "resolve_state", "cadre", lambda: r.resolve("cadre", "x", [], T0))
    refused(r, "accept_state", "supervisor", lambda: r.accept())
    refused(r, "send_back_state", "supervisor", lambda: r.send_back("x"))
    refused(r, "visit_state", "clerk", lambda: r.record_visit("satisfied", ""))
    refused(r, "publish_state", "supervisor", lambda: r.publish("summary"))
    refused(r, "close_state", "supervisor", lambda: r.close())
    refused(r, "release_state", "cadre", lambda: r.release("cadre", "x"))
    refused(r, "progress_state", "cadre", lambda: r.note_progress("cadre", "x"))
    as_("clerk", lambda: r.withdraw("居民自行解决"))
    r.collect_events()
    for rule, action in [
        ("classify_state", lambda: r.classify("other", 1, 2, None)),
        ("press_state", lambda: r.press("快点")),
        ("escalate_state", lambda: r.escalate("x")),
        ("pause_state", lambda: r.pause("x", T0)),
        ("withdraw_state", lambda: r.withdraw("x")),
        ("reject_state", lambda: r.reject("x")),
        ("merge_state", lambda: r.merge_into(uuid4(), "x")),
        ("give_state", lambda: r.give("cadre", "x", T0)),
    ]:
        refused(r, rule, "supervisor", action)


def test_rejecting_needs_a_reason_and_an_unclaimed_request() -> None:
    r = classified()
    refused(r, "reason_required", "secretary", lambda: r.reject(""))
    as_("cadre", lambda: r.claim("cadre", T0))
    r.collect_events()
    refused(r, "reject_state", "secretary", lambda: r.reject("不属于社区职责"))


def test_a_duplicate_is_merged_and_both_keep_their_history() -> None:
    original, duplicate = classified(), placed()
    duplicate.collect_events()
    refused(duplicate, "merge_self", "secretary", lambda: duplicate.merge_into(duplicate.id, "x"))
    as_("secretary", lambda: duplicate.merge_into(original.id, "同一盏灯"))
    as_("secretary", lambda: original.absorb(duplicate.id))
    assert (duplicate.state, duplicate.merged_into) == (RequestState.MERGED, original.id)
    assert original.duplicates == [duplicate.id]
    assert names(duplicate) == ["Request.Merged"]
    assert names(original) == ["Request.DuplicateAbsorbed"]


def test_pressing_counts_and_escalating_happens_once() -> None:
    r = classified()
    as_("supervisor", lambda: r.press("请尽快认领"))
    as_("supervisor", lambda: r.press("再次催办"))
    as_("supervisor", lambda: r.escalate("涉及多个部门"))
    r.collect_events()
    assert (r.presses, r.escalated) == (2, True)
    refused(r, "already_escalated", "supervisor", lambda: r.escalate("again"))


def test_the_catalogue_starts_with_the_articles_categories_and_checks_limits() -> None:
    codes = [c[0] for c in DEFAULT_CATEGORIES]
    assert codes == [
        "environment",
        "property",
        "dispute",
        "care",
        "safety",
        "policy",
        "employment",
        "other",
    ]
    with acting_as("admin"):
        category = Category(  # type: ignore[call-arg]
            id=Category.id_for("environment"),
            code="environment",
            name_zh="环境卫生",
            name_en="Environment and sanitation",
            claim_hours=24,
            resolve_hours=72,
        )
        with pytest.raises(RequestError) as caught:
            Category(  # type: ignore[call-arg]
                id=Category.id_for("x"),
                code="x",
                name_zh="x",
                name_en="x",
                claim_hours=48,
                resolve_hours=24,
            )
        assert caught.value.rule == "bad_limits"
        with pytest.raises(RequestError) as caught:
            category.change_limits(24, 72, "no change")
        assert caught.value.rule == "same_limits"
        category.change_limits(12, 48, "街道要求提速")
        category.retire("合并到其他类别")
        with pytest.raises(RequestError) as caught:
            category.retire("again")
        assert caught.value.rule == "category_retired"
    assert (category.claim_hours, category.resolve_hours, category.retired) == (12, 48, True)


def test_replaying_the_events_reproduces_the_clock() -> None:
    r = classified(resolve_hours=10, collect=False)
    as_("cadre", lambda: r.claim("cadre", T0))
    as_("cadre", lambda: r.pause("等待配件", T0 + HOUR))
    as_("cadre", lambda: r.resume(T0 + 4 * HOUR))
    replayed: Any = None
    for e in r.collect_events():
        replayed = e.mutate(replayed)
    assert replayed.due_at(T0 + 5 * HOUR) == r.due_at(T0 + 5 * HOUR) == T0 + 13 * HOUR
    assert (replayed.state, replayed.claimant, replayed.paused) == (
        RequestState.CLAIMED,
        "cadre",
        3 * HOUR,
    )
