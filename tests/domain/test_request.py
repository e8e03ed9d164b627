"""A request in isolation: the four orders, the rules of each step, and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.base import acting_as
from domain.requests import (
    DEFAULT_CATEGORIES,
    RECEIPT_ALPHABET,
    Category,
    ReceiptCode,
    Request,
    RequestError,
    RequestState,
    Satisfaction,
    limits_for,
    new_receipt_code,
)

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
#: Claimants are members (points and stars go to members), named here by their ids.
CADRE, CADRE2, OTHER = uuid4(), uuid4(), uuid4()


def placed(
    resolve_hours: int = 72, claim_hours: int = 24, *, requester_kind: str = "household"
) -> Request:
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
            requester_kind=requester_kind,
            requester_id=None if requester_kind == "anonymous" else uuid4(),
            personal="v1:sealed",
            placed_at=T0,
        )
    return request


def as_(actor: str, action: Any) -> None:
    with acting_as(actor):
        action()


def refused(request: Request, rule: str, actor: str, action: Any) -> None:
    """The action breaks `rule`: an error naming it, and no event, no change."""
    version, state, moves = request.version, request.state, list(request.moves)
    pending = len(request.collect_events())
    assert pending == 0, "collect events before checking a refusal"
    with acting_as(actor), pytest.raises(RequestError) as caught:
        action()
    assert caught.value.rule == rule, caught.value
    assert caught.value.status == 409
    assert (request.version, request.state, request.moves) == (version, state, moves)
    assert request.collect_events() == []


def names(request: Request) -> list[str]:
    return [type(e).__qualname__ for e in request.collect_events()]


def classified(
    resolve_hours: int = 72,
    claim_hours: int = 24,
    *,
    collect: bool = True,
    requester_kind: str = "household",
) -> Request:
    r = placed(resolve_hours, claim_hours, requester_kind=requester_kind)
    as_("secretary", lambda: r.classify("environment", claim_hours, resolve_hours, uuid4()))
    if collect:
        r.collect_events()
    return r


def accepted(claimant: UUID = CADRE, *, requester_kind: str = "household") -> Request:
    r = classified(requester_kind=requester_kind)
    as_("cadre", lambda: r.claim(claimant, T0))
    as_("cadre", lambda: r.resolve("v1:solution", [], T0 + HOUR))
    as_("supervisor", lambda: r.accept())
    r.collect_events()
    return r


def test_a_request_walks_from_placement_to_publication() -> None:
    r = placed()
    assert r.state == RequestState.PLACED
    assert set(r.receipt_code.replace("-", "")) <= set(RECEIPT_ALPHABET)
    branch = uuid4()
    as_("secretary", lambda: r.classify("property", 24, 120, branch))
    as_("cadre", lambda: r.claim(CADRE, T0 + HOUR))
    as_("cadre", lambda: r.note_progress("v1:note"))
    as_("cadre", lambda: r.resolve("v1:solution", ["photo:7"], T0 + 5 * HOUR))
    as_("supervisor", lambda: r.accept())
    as_("clerk", lambda: r.record_visit("satisfied", "v1:comment", None))
    as_("supervisor", lambda: r.publish("3号楼楼道灯不亮，物业当日更换", T0))
    as_("supervisor", lambda: r.close())
    events: list[Any] = list(r.collect_events())
    assert [type(e).__qualname__ for e in events] == [
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
    assert [e.actor for e in events] == [
        "clerk",
        "secretary",
        "cadre",
        "cadre",
        "cadre",
        "supervisor",
        "clerk",
        "supervisor",
        "supervisor",
    ]
    assert (r.state, r.branch_id, r.claimant, r.category) == (
        RequestState.CLOSED,
        branch,
        CADRE,
        "property",
    )
    assert (r.claimed_at, r.resolved_at) == (T0 + HOUR, T0 + 5 * HOUR)
    assert (r.resolve_hours, r.claim_hours) == (120, 24)
    assert r.satisfaction == Satisfaction.SATISFIED
    assert r.summary == "3号楼楼道灯不亮，物业当日更换"
    assert r.moves == []


def test_one_claimant_at_a_time_and_only_after_classification() -> None:
    r = placed()
    r.collect_events()
    refused(r, "claim_state", "cadre", lambda: r.claim(CADRE, T0))
    r = classified()
    as_("cadre", lambda: r.claim(CADRE, T0 + HOUR))
    r.collect_events()
    refused(r, "already_claimed", "other", lambda: r.claim(OTHER, T0 + 2 * HOUR))
    refused(r, "already_claimed", "cadre", lambda: r.claim(CADRE, T0 + 2 * HOUR))
    refused(r, "reason_required", "cadre", lambda: r.release(" "))
    refused(r, "reason_required", "supervisor", lambda: r.give(OTHER, "", T0))
    refused(r, "same_claimant", "supervisor", lambda: r.give(CADRE, "again", T0))
    refused(r, "reason_required", "cadre", lambda: r.note_progress(""))
    refused(r, "reason_required", "cadre", lambda: r.resolve(" ", [], T0))
    # Who may act for the claimant is the Application's business (tested there).
    assert r.claimant == CADRE


def test_release_and_give_move_the_request_but_never_restart_the_clock() -> None:
    r = classified(resolve_hours=10)
    due = r.due_at(T0)
    as_("cadre", lambda: r.claim(CADRE, T0 + HOUR))
    as_("cadre", lambda: r.release("不在我的片区"))
    assert (r.state, r.claimant) == (RequestState.CLASSIFIED, None)
    as_("supervisor", lambda: r.give(CADRE2, "按分工", T0 + 2 * HOUR))
    as_("cadre2", lambda: r.resolve("v1:solution", [], T0 + 3 * HOUR))
    as_("supervisor", lambda: r.send_back("照片不清楚"))
    assert (r.state, r.claimant, r.resolved_at) == (RequestState.CLAIMED, CADRE2, None)
    assert r.due_at(T0 + 4 * HOUR) == due == T0 + 10 * HOUR
    assert r.claimed_at == T0 + HOUR  # time to claim counts from the first claim
    assert r.moves == [
        {"move": "released", "from": CADRE, "reason": "不在我的片区"},
        {"move": "given", "from": None, "to": CADRE2, "reason": "按分工"},
        {"move": "sent_back", "to": CADRE2, "reason": "照片不清楚"},
    ]
    assert r.is_overdue(T0 + 11 * HOUR)
    assert not r.is_overdue(T0 + 9 * HOUR)


def test_a_supervisor_gives_a_claimed_request_from_one_member_to_another() -> None:
    r = classified()
    as_("cadre", lambda: r.claim(CADRE, T0 + HOUR))
    as_("supervisor", lambda: r.give(CADRE2, "原认领人住院", T0 + 3 * HOUR))
    assert (r.state, r.claimant, r.claimed_at) == (RequestState.CLAIMED, CADRE2, T0 + HOUR)
    assert r.moves == [{"move": "given", "from": CADRE, "to": CADRE2, "reason": "原认领人住院"}]


def test_only_a_pause_with_a_reason_stops_the_clock_and_it_shows() -> None:
    r = classified(resolve_hours=10)
    as_("cadre", lambda: r.claim(CADRE, T0))
    r.collect_events()
    refused(r, "reason_required", "cadre", lambda: r.pause("", T0 + HOUR))
    refused(r, "not_paused", "cadre", lambda: r.resume(T0 + HOUR))
    as_("cadre", lambda: r.pause("等待居民出差回来", T0 + 2 * HOUR))
    r.collect_events()
    refused(r, "already_paused", "cadre", lambda: r.pause("again", T0 + 3 * HOUR))
    refused(r, "clock_paused", "cadre", lambda: r.resolve("v1:solution", [], T0))
    # Paused: the due time moves with the pause and nothing becomes overdue.
    assert r.due_at(T0 + 30 * HOUR) == T0 + 38 * HOUR
    assert not r.is_overdue(T0 + 30 * HOUR)
    as_("cadre", lambda: r.resume(T0 + 7 * HOUR))
    assert (r.paused, r.paused_since) == (5 * HOUR, None)
    assert r.due_at(T0 + 8 * HOUR) == T0 + 15 * HOUR
    assert r.is_overdue(T0 + 16 * HOUR)
    # A second pause adds to the first.
    as_("cadre", lambda: r.pause("再次等待", T0 + 8 * HOUR))
    as_("cadre", lambda: r.resume(T0 + 9 * HOUR))
    assert r.due_at(T0 + 9 * HOUR) == T0 + 16 * HOUR


def test_a_paused_clock_counts_nothing_before_its_pause() -> None:
    """A clock read at a time before its pause began adds no negative time."""
    r = classified(resolve_hours=10)
    as_("cadre", lambda: r.pause("等待", T0 + 5 * HOUR))
    assert r.paused_for(T0 + 4 * HOUR) == timedelta()
    assert r.due_at(T0 + 4 * HOUR) == T0 + 10 * HOUR


def test_an_unclaimed_request_is_overdue_after_its_claim_limit() -> None:
    r = classified(resolve_hours=72, claim_hours=24)
    assert r.claim_hours == 24
    assert r.claim_due_at(T0) == T0 + 24 * HOUR
    assert not r.is_overdue(T0 + 23 * HOUR)
    assert r.is_overdue(T0 + 25 * HOUR)
    as_("cadre", lambda: r.claim(CADRE, T0 + 25 * HOUR))
    assert not r.is_overdue(T0 + 26 * HOUR)
    as_("cadre", lambda: r.release("换人"))
    assert r.is_overdue(T0 + 26 * HOUR)  # released: unclaimed past its claim limit again


def test_a_resolved_or_finished_request_is_never_overdue() -> None:
    r = classified(resolve_hours=10)
    as_("cadre", lambda: r.claim(CADRE, T0))
    as_("cadre", lambda: r.resolve("v1:solution", [], T0 + 11 * HOUR))
    assert not r.is_overdue(T0 + 12 * HOUR)  # awaiting acceptance: the claimant is done
    as_("supervisor", lambda: r.send_back("未处理完"))
    assert r.is_overdue(T0 + 12 * HOUR)
    w = placed(resolve_hours=10)
    as_("clerk", lambda: w.withdraw("已自行解决"))
    assert not w.is_overdue(T0 + 100 * HOUR)


def test_a_dissatisfied_resident_reopens_the_request_visibly() -> None:
    r = accepted()
    refused(r, "reason_required", "clerk", lambda: r.record_visit("dissatisfied", None, ""))
    refused(r, "reason_required", "clerk", lambda: r.record_visit("dissatisfied", "v1:c", None))
    as_("clerk", lambda: r.record_visit("dissatisfied", "v1:comment", "垃圾又堆起来了"))
    assert (r.state, r.claimant, r.resolved_at) == (RequestState.CLAIMED, CADRE, None)
    assert r.satisfaction == Satisfaction.DISSATISFIED
    assert r.moves[-1] == {"move": "reopened", "to": CADRE, "reason": "垃圾又堆起来了"}
    visited: Any
    (visited,) = r.collect_events()
    assert (visited.satisfaction, visited.comment, visited.reason) == (
        "dissatisfied",
        "v1:comment",
        "垃圾又堆起来了",
    )


def test_a_satisfied_visit_waits_for_publication() -> None:
    r = accepted()
    with pytest.raises(ValueError):
        as_("clerk", lambda: r.record_visit("delighted", None, None))
    assert r.collect_events() == []
    as_("clerk", lambda: r.record_visit("basically_satisfied", None, None))
    assert (r.state, r.satisfaction) == (RequestState.VISITED, Satisfaction.BASICALLY_SATISFIED)
    r.collect_events()
    refused(r, "visit_state", "clerk", lambda: r.record_visit("satisfied", None, None))
    refused(r, "reason_required", "supervisor", lambda: r.publish(" ", T0))


def test_an_anonymous_request_is_published_without_a_visit() -> None:
    r = accepted(requester_kind="anonymous")
    assert r.requester_id is None
    refused(r, "anonymous_visit", "clerk", lambda: r.record_visit("satisfied", None, None))
    as_("supervisor", lambda: r.publish("路灯已修复", T0))
    assert r.state == RequestState.PUBLISHED
    # Someone who can be visited must be visited first.
    named = accepted()
    refused(named, "publish_state", "supervisor", lambda: named.publish("路灯已修复", T0))


def test_every_step_refuses_the_states_where_it_makes_no_sense() -> None:
    r = placed()
    r.collect_events()
    refused(r, "resolve_state", "cadre", lambda: r.resolve("x", [], T0))
    refused(r, "accept_state", "supervisor", lambda: r.accept())
    refused(r, "send_back_state", "supervisor", lambda: r.send_back("x"))
    refused(r, "visit_state", "clerk", lambda: r.record_visit("satisfied", None, None))
    refused(r, "publish_state", "supervisor", lambda: r.publish("summary", T0))
    refused(r, "close_state", "supervisor", lambda: r.close())
    refused(r, "release_state", "cadre", lambda: r.release("x"))
    refused(r, "progress_state", "cadre", lambda: r.note_progress("x"))
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
        ("give_state", lambda: r.give(CADRE, "x", T0)),
        ("merge_target_ended", lambda: r.absorb(uuid4())),
    ]:
        refused(r, rule, "supervisor", action)


def test_a_resolved_request_awaits_its_supervisor() -> None:
    r = classified()
    as_("cadre", lambda: r.claim(CADRE, T0))
    as_("cadre", lambda: r.resolve("v1:solution", ["photo:1", "doc:2"], T0 + HOUR))
    r.collect_events()
    for rule, action in [
        ("press_state", lambda: r.press("快点")),
        ("pause_state", lambda: r.pause("x", T0)),
        ("withdraw_state", lambda: r.withdraw("x")),
        ("resolve_state", lambda: r.resolve("x", [], T0)),
        ("release_state", lambda: r.release("x")),
        ("give_state", lambda: r.give(OTHER, "x", T0)),
        ("merge_state", lambda: r.merge_into(uuid4(), "x")),
        ("claim_state", lambda: r.claim(OTHER, T0)),
        ("reason_required", lambda: r.send_back(" ")),
    ]:
        refused(r, rule, "supervisor", action)
    as_("supervisor", lambda: r.escalate("需街道协调"))  # escalating is still possible
    assert r.escalated


def test_rejecting_needs_a_reason_and_an_unclaimed_request() -> None:
    r = classified()
    refused(r, "reason_required", "secretary", lambda: r.reject(""))
    refused(r, "reason_required", "secretary", lambda: r.withdraw(""))
    as_("cadre", lambda: r.claim(CADRE, T0))
    r.collect_events()
    refused(r, "reject_state", "secretary", lambda: r.reject("不属于社区职责"))
    as_("clerk", lambda: r.withdraw("居民已搬走"))  # a claimed request can still be withdrawn
    assert r.state == RequestState.WITHDRAWN


def test_a_duplicate_is_merged_and_both_keep_their_history() -> None:
    original, duplicate = classified(), placed()
    duplicate.collect_events()
    refused(duplicate, "merge_self", "secretary", lambda: duplicate.merge_into(duplicate.id, "x"))
    refused(duplicate, "reason_required", "secretary", lambda: duplicate.merge_into(uuid4(), ""))
    as_("secretary", lambda: duplicate.merge_into(original.id, "同一盏灯"))
    as_("secretary", lambda: original.absorb(duplicate.id))
    assert (duplicate.state, duplicate.merged_into) == (RequestState.MERGED, original.id)
    assert original.duplicates == [duplicate.id]
    assert names(duplicate) == ["Request.Merged"]
    assert names(original) == ["Request.DuplicateAbsorbed"]


def test_pressing_counts_and_escalating_happens_once() -> None:
    r = classified()
    refused(r, "reason_required", "supervisor", lambda: r.press(""))
    refused(r, "reason_required", "supervisor", lambda: r.escalate(" "))
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
    assert all(1 <= c[3] <= c[4] for c in DEFAULT_CATEGORIES)
    with acting_as("admin"):
        category = Category(  # type: ignore[call-arg]
            id=Category.id_for("environment"),
            code="environment",
            name_zh="环境卫生",
            name_en="Environment and sanitation",
            claim_hours=24,
            resolve_hours=72,
        )
        for claim, resolve in [(48, 24), (0, 24), (1, 24 * 365 + 1)]:
            with pytest.raises(RequestError) as caught:
                Category(  # type: ignore[call-arg]
                    id=Category.id_for("x"),
                    code="x",
                    name_zh="x",
                    name_en="x",
                    claim_hours=claim,
                    resolve_hours=resolve,
                )
            assert caught.value.rule == "bad_limits"
        category.collect_events()
        for rule, action in [
            ("same_limits", lambda: category.change_limits(24, 72, "no change")),
            ("reason_required", lambda: category.change_limits(12, 48, " ")),
            ("bad_limits", lambda: category.change_limits(72, 24, "backwards")),
            ("reason_required", lambda: category.retire("")),
        ]:
            with pytest.raises(RequestError) as caught:
                action()
            assert caught.value.rule == rule
        assert category.collect_events() == []
        category.change_limits(12, 48, "街道要求提速")
        category.retire("合并到其他类别")
        with pytest.raises(RequestError) as caught:
            category.retire("again")
        assert caught.value.rule == "category_retired"
    assert (category.claim_hours, category.resolve_hours, category.retired) == (12, 48, True)
    assert Category.id_for("environment") == category.id != Category.id_for("property")


def test_an_urgent_request_gets_half_of_its_categorys_limits() -> None:
    assert limits_for(24, 72, "normal") == (24, 72)
    assert limits_for(24, 72, "urgent") == (12, 36)
    assert limits_for(1, 3, "urgent") == (1, 1)  # never below an hour
    with pytest.raises(ValueError):
        limits_for(24, 72, "whenever")


def test_receipt_codes_are_short_and_readable_and_their_index_ignores_case() -> None:
    codes = {new_receipt_code() for _ in range(200)}
    assert len(codes) > 190  # 31^7 possibilities: collisions are rare (and caught at save)
    for code in codes:
        assert len(code) == 8 and code[3] == "-"
        assert set(code.replace("-", "")) <= set(RECEIPT_ALPHABET)
    assert not set("01OIL") & set(RECEIPT_ALPHABET)
    code = next(iter(codes))
    request_id = uuid4()
    with acting_as("clerk"):
        index = ReceiptCode(  # type: ignore[call-arg]
            id=ReceiptCode.id_for(code), code=code, request_id=request_id
        )
    assert (index.code, index.request_id) == (code, request_id)
    assert ReceiptCode.id_for(f" {code.lower()} ") == index.id
    assert ReceiptCode.id_for(code) != Category.id_for(code)
    (issued,) = index.collect_events()
    assert type(issued).__qualname__ == "ReceiptCode.Issued"


def test_replaying_the_events_reproduces_the_clock() -> None:
    r = classified(resolve_hours=10, collect=False)
    as_("cadre", lambda: r.claim(CADRE, T0))
    as_("cadre", lambda: r.pause("等待配件", T0 + HOUR))
    as_("cadre", lambda: r.resume(T0 + 4 * HOUR))
    as_("cadre", lambda: r.release("换人处理"))
    as_("supervisor", lambda: r.give(CADRE2, "按分工", T0 + 5 * HOUR))
    replayed: Any = None
    for e in r.collect_events():
        replayed = e.mutate(replayed)
    assert replayed.due_at(T0 + 5 * HOUR) == r.due_at(T0 + 5 * HOUR) == T0 + 13 * HOUR
    assert (replayed.state, replayed.claimant, replayed.paused, replayed.claimed_at) == (
        RequestState.CLAIMED,
        CADRE2,
        3 * HOUR,
        T0,
    )
    assert replayed.moves == r.moves
