"""The four orders through the Application: a resident's request from placement to
publication, who may move it, the rules of every step and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.access import Principal
from domain.dto import HouseholdCorrection
from domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from domain.personal import mask_name, mask_phone
from domain.requests import Category, ReceiptCode
from projections.system import System
from tests.application.support import (
    DESCRIPTION,
    REQUESTER,
    REQUESTER_PHONE,
    SUMMARY,
    Clock,
    Desk,
    People,
    events_after,
    names,
    refused,
    request_draft,
    request_in,
)
from tests.conftest import Org, Staff, household_draft, make_system, member_draft

H = timedelta(hours=1)


# -- the narrative ---------------------------------------------------------------------


def test_a_request_walks_from_placement_through_every_step_to_closing(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    """A resident reports a dark stairwell at the counter; the committee sorts it; a cadre
    claims it, waits for the resident, solves it, is sent back, solves it again; the
    resident is not satisfied at first, then is; the outcome is published and closed."""
    app, do = system.app, Desk(system)
    t0 = clock.now

    def state() -> Any:
        return app.get_request(rid, actor=staff.reviewer)

    # The clerk takes the request; the resident keeps the receipt code.
    start = app.last_position()
    receipt = app.place_request(request_draft(org, branch_id=None), actor=staff.clerk)
    rid = receipt.id
    issued, placed = events_after(system, start)
    assert names([issued, placed]) == ["ReceiptCode.Issued", "Request.Placed"]
    assert (issued.code, issued.request_id) == (receipt.receipt_code, rid)
    assert (placed.receipt_code, placed.channel, placed.category, placed.urgency) == (
        receipt.receipt_code,
        "walk_in",
        "environment",
        "normal",
    )
    assert (placed.claim_hours, placed.resolve_hours, placed.placed_at) == (24, 72, t0)
    assert (placed.community_id, placed.branch_id, placed.building) == (
        org.community,
        None,
        "3号楼",
    )
    assert (placed.requester_kind, placed.requester_id, placed.actor) == ("resident", None, "clerk")
    for secret in (REQUESTER, REQUESTER_PHONE, DESCRIPTION):
        assert secret not in repr(placed)  # sealed under the request's own key
    assert app.request_for_receipt(f" {receipt.receipt_code.lower()} ", actor=staff.cadre) == rid
    d = state()
    # Its contact is masked for staff: shown in clear only by a recorded disclosure.
    assert (d.state, d.description, d.contact_name, d.contact_phone, d.erased) == (
        "placed",
        DESCRIPTION,
        mask_name(REQUESTER),
        mask_phone(REQUESTER_PHONE),
        False,
    )
    assert (d.claim_due_at, d.due_at, d.overdue, d.paused) == (
        t0 + 24 * H,
        t0 + 72 * H,
        False,
        False,
    )

    # The committee confirms it is about the property, not the environment.
    clock.advance(hours=1)
    e = do(staff.clerk, "classify_request", rid, category="property", branch_id=org.branch)
    assert (e.category, e.claim_hours, e.resolve_hours, e.branch_id) == (
        "property",
        24,
        120,
        org.branch,
    )
    d = state()
    assert (d.state, d.category, d.branch_id) == ("classified", "property", org.branch)
    assert d.due_at == t0 + 120 * H  # counted from placement, not classification

    # A cadre claims it for themselves (their account is a member's).
    clock.advance(hours=1)
    e = do(staff.cadre, "claim_request", rid)
    assert (e.claimant, e.at) == (people.cadre, t0 + 2 * H)
    d = state()
    assert (d.state, d.claimant_id, d.claimed_at) == ("claimed", people.cadre, t0 + 2 * H)

    clock.advance(hours=1)
    e = do(staff.cadre, "note_progress", rid, "已联系物业，明天上门")
    assert e.note.startswith("v1:") and "物业" not in e.note

    # The resident is away: the clock stops, with the reason, and starts again.
    clock.advance(hours=1)
    e = do(staff.cadre, "pause_clock", rid, "居民出差，等其回来")
    assert (e.reason, e.at) == ("居民出差，等其回来", t0 + 4 * H)
    clock.advance(hours=24)
    d = state()
    assert (d.paused, d.paused_seconds, d.due_at) == (True, 24 * 3600, t0 + 144 * H)
    e = do(staff.cadre, "resume_clock", rid)
    assert e.at == t0 + 28 * H
    d = state()
    assert (d.paused, d.paused_seconds, d.due_at) == (False, 24 * 3600, t0 + 144 * H)

    clock.advance(hours=2)
    e = do(staff.cadre, "resolve_request", rid, "更换了楼道灯", evidence=["photo:1"])
    assert (e.evidence, e.at) == (["photo:1"], t0 + 30 * H)
    assert e.solution.startswith("v1:")
    assert (state().state, state().resolved_at) == ("resolved", t0 + 30 * H)

    # The supervisor is not convinced: back to the same cadre, with the reason.
    clock.advance(hours=1)
    e = do(staff.supervisor, "send_back_resolution", rid, "照片看不出灯是否亮了")
    assert e.reason == "照片看不出灯是否亮了"
    d = state()
    assert (d.state, d.claimant_id, d.resolved_at) == ("claimed", people.cadre, None)

    clock.advance(hours=2)
    do(staff.cadre, "resolve_request", rid, "更换了灯具，夜间复查已亮", evidence=["photo:2"])
    clock.advance(hours=1)
    start = app.last_position()
    app.accept_resolution(rid, actor=staff.supervisor)
    # The first acceptance brings the claimant the "helped a resident" star, in one save.
    assert names(events_after(system, start)) == [
        "Ledger.Opened",
        "Ledger.Awarded",
        "Request.Accepted",
        "Request.StarAwarded",
    ]
    assert state().state == "accepted"

    # The return visit: the resident says the light went out again. It reopens, visibly.
    clock.advance(hours=16)
    e = do(
        staff.clerk,
        "record_visit",
        rid,
        "dissatisfied",
        comment="第二天灯又不亮了",
        reason="居民反映灯又坏了",
    )
    assert (e.satisfaction, e.reason) == ("dissatisfied", "居民反映灯又坏了")
    assert e.comment.startswith("v1:")
    d = state()
    assert (d.state, d.claimant_id, d.satisfaction, d.resolved_at) == (
        "claimed",
        people.cadre,
        "dissatisfied",
        None,
    )
    assert d.due_at == t0 + 144 * H  # reopening never restarts the clock

    clock.advance(hours=2)
    do(staff.cadre, "resolve_request", rid, "更换了整条线路", evidence=["photo:3", "doc:9"])
    clock.advance(hours=1)
    do(staff.supervisor, "accept_resolution", rid)  # one event: no second star
    clock.advance(hours=7)
    e = do(staff.clerk, "record_visit", rid, "satisfied", comment="很满意")
    assert (e.satisfaction, e.reason) == ("satisfied", None)
    assert state().state == "visited"

    clock.advance(hours=1)
    e = do(staff.supervisor, "publish_request", rid, SUMMARY)
    assert e.summary == SUMMARY
    clock.advance(hours=1)
    do(staff.supervisor, "close_request", rid)

    d = state()
    assert (d.state, d.summary, d.satisfaction, d.claimant_id, d.overdue) == (
        "closed",
        SUMMARY,
        "satisfied",
        people.cadre,
        False,
    )
    assert (d.claimed_at, d.resolved_at, d.version) == (t0 + 2 * H, t0 + 52 * H, 17)
    assert d.moves == [
        {"move": "sent_back", "to": people.cadre, "reason": "照片看不出灯是否亮了"},
        {"move": "reopened", "to": people.cadre, "reason": "居民反映灯又坏了"},
    ]

    # The whole history: every event, who, when and why; sealed notes opened for staff.
    history = app.get_history(rid, actor=staff.reviewer)
    assert [(h.version, h.event, h.actor) for h in history] == [
        (1, "Request.Placed", "clerk"),
        (2, "Request.Classified", "clerk"),
        (3, "Request.Claimed", "cadre"),
        (4, "Request.ProgressNoted", "cadre"),
        (5, "Request.ClockPaused", "cadre"),
        (6, "Request.ClockResumed", "cadre"),
        (7, "Request.Resolved", "cadre"),
        (8, "Request.SentBack", "supervisor"),
        (9, "Request.Resolved", "cadre"),
        (10, "Request.Accepted", "supervisor"),
        (11, "Request.StarAwarded", "supervisor"),
        (12, "Request.Visited", "clerk"),
        (13, "Request.Resolved", "cadre"),
        (14, "Request.Accepted", "supervisor"),
        (15, "Request.Visited", "clerk"),
        (16, "Request.Published", "supervisor"),
        (17, "Request.Closed", "supervisor"),
    ]
    assert history[0].fields["personal"] == "[sealed]"
    assert history[3].fields["note"] == "已联系物业，明天上门"
    assert history[4].fields == {"reason": "居民出差，等其回来", "at": t0 + 4 * H}
    assert history[6].fields["solution"] == "更换了楼道灯"
    assert history[7].fields == {"reason": "照片看不出灯是否亮了"}
    assert history[10].fields["member_id"] == people.cadre
    assert history[11].fields == {
        "satisfaction": "dissatisfied",
        "comment": "第二天灯又不亮了",
        "reason": "居民反映灯又坏了",
    }
    stamps = [h.timestamp for h in history]
    assert stamps == sorted(stamps) and all(s.tzinfo is not None for s in stamps)
    assert REQUESTER not in repr(history) and REQUESTER_PHONE not in repr(history)


# -- every step only from the states where it makes sense --------------------------------

Act = Callable[[System, UUID, "Ctx"], Any]


@dataclass
class Ctx:
    actor: Principal
    org: Org
    people: People
    target: UUID  # an open request duplicates are merged into


#: Each command of a request: what it does, the states it is allowed in, and the rule it
#: names anywhere else. The actor holds every right, and is nobody's claimant.
STEPS: dict[str, tuple[Act, set[str], str]] = {
    "classify_request": (
        lambda s, r, c: s.app.classify_request(r, branch_id=c.org.branch2, actor=c.actor),
        {"placed", "classified"},
        "classify_state",
    ),
    "reject_request": (
        lambda s, r, c: s.app.reject_request(r, "不属于社区职责", actor=c.actor),
        {"placed", "classified"},
        "reject_state",
    ),
    "merge_request": (
        lambda s, r, c: s.app.merge_request(r, c.target, "同一件事", actor=c.actor),
        {"placed", "classified", "claimed", "paused"},
        "merge_state",
    ),
    "withdraw_request": (
        lambda s, r, c: s.app.withdraw_request(r, "居民已自行解决", actor=c.actor),
        {"placed", "classified", "claimed", "paused"},
        "withdraw_state",
    ),
    "claim_request": (
        lambda s, r, c: s.app.claim_request(r, member_id=c.people.helper2, actor=c.actor),
        {"classified"},
        "claim_state",
    ),
    "release_request": (
        lambda s, r, c: s.app.release_request(r, "不在片区", actor=c.actor),
        {"claimed", "paused"},
        "release_state",
    ),
    "give_request": (
        lambda s, r, c: s.app.give_request(r, c.people.helper2, "按分工", actor=c.actor),
        {"classified", "claimed", "paused"},
        "give_state",
    ),
    "note_progress": (
        lambda s, r, c: s.app.note_progress(r, "已上门查看", actor=c.actor),
        {"claimed", "paused"},
        "progress_state",
    ),
    "resolve_request": (
        lambda s, r, c: s.app.resolve_request(r, "已处理", actor=c.actor),
        {"claimed"},
        "resolve_state",
    ),
    "pause_clock": (
        lambda s, r, c: s.app.pause_clock(r, "等待居民", actor=c.actor),
        {"placed", "classified", "claimed"},
        "pause_state",
    ),
    "resume_clock": (
        lambda s, r, c: s.app.resume_clock(r, actor=c.actor),
        {"paused"},
        "not_paused",
    ),
    "accept_resolution": (
        lambda s, r, c: s.app.accept_resolution(r, actor=c.actor),
        {"resolved"},
        "accept_state",
    ),
    "send_back_resolution": (
        lambda s, r, c: s.app.send_back_resolution(r, "不完整", actor=c.actor),
        {"resolved"},
        "send_back_state",
    ),
    "press_request": (
        lambda s, r, c: s.app.press_request(r, "请尽快", actor=c.actor),
        {"placed", "classified", "claimed", "paused"},
        "press_state",
    ),
    "escalate_request": (
        lambda s, r, c: s.app.escalate_request(r, "需街道协调", actor=c.actor),
        {"placed", "classified", "claimed", "paused", "resolved"},
        "escalate_state",
    ),
    "record_visit": (
        lambda s, r, c: s.app.record_visit(r, "satisfied", actor=c.actor),
        {"accepted"},
        "visit_state",
    ),
    "publish_request": (
        lambda s, r, c: s.app.publish_request(r, SUMMARY, actor=c.actor),
        {"visited"},
        "publish_state",
    ),
    "close_request": (
        lambda s, r, c: s.app.close_request(r, actor=c.actor),
        {"published"},
        "close_state",
    ),
}
#: Where a rule of its own speaks first.
SPECIAL_RULES = {
    ("claim_request", "claimed"): "already_claimed",
    ("claim_request", "paused"): "already_claimed",
    ("pause_clock", "paused"): "already_paused",
    ("resolve_request", "paused"): "clock_paused",
}
STATES = [
    "placed",
    "classified",
    "claimed",
    "paused",  # claimed, with the clock stopped
    "resolved",
    "accepted",
    "visited",
    "published",
    "closed",
    "withdrawn",
    "rejected",
    "merged",
]


def in_state(system: System, c: Ctx, state: str) -> UUID:
    ordinary = {
        "paused": "claimed",
        "withdrawn": "placed",
        "rejected": "placed",
        "merged": "placed",
    }
    rid = request_in(
        system,
        c.actor,
        c.org,
        ordinary.get(state, state),
        claimant=c.people.helper,
        paused=state == "paused",
    )
    ending = {
        "withdrawn": "withdraw_request",
        "rejected": "reject_request",
        "merged": "merge_request",
    }
    if state in ending:
        STEPS[ending[state]][0](system, rid, c)
    return rid


def test_every_step_is_refused_outside_its_states_naming_the_rule_and_changing_nothing(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    c = Ctx(staff.supervisor, org, people, uuid4())
    c.target = request_in(system, c.actor, org, "classified")
    requests = {state: in_state(system, c, state) for state in STATES}
    for state, rid in requests.items():
        before = system.app.get_request(rid, actor=staff.reviewer)
        assert before.state == ("claimed" if state == "paused" else state)
        for name, (act, allowed, rule) in STEPS.items():
            if state in allowed:
                continue
            expected = SPECIAL_RULES.get((name, state), rule)
            with refused(system, RuleViolationError, rule=expected, case=(name, state)) as caught:
                act(system, rid, c)
            assert caught.value.status == 409
        assert system.app.get_request(rid, actor=staff.reviewer) == before


def test_every_step_goes_through_in_each_of_its_states(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    c = Ctx(staff.supervisor, org, people, uuid4())
    c.target = request_in(system, c.actor, org, "classified")
    for name, (act, allowed, _) in STEPS.items():
        for state in sorted(allowed):
            rid = in_state(system, c, state)
            start = system.app.last_position()
            act(system, rid, c)
            assert len(events_after(system, start)) >= 1, (name, state)


def test_an_anonymous_request_is_never_visited_and_is_published_once_accepted(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="requester_kind"):
        app.place_request(request_draft(org, requester_kind="anonymous"), actor=staff.clerk)
    rid = request_in(
        system,
        staff.supervisor,
        org,
        "accepted",
        claimant=people.helper,
        requester_kind="anonymous",
        contact_name=None,
        contact_phone=None,
    )
    d = app.get_request(rid, actor=staff.clerk)
    assert (d.requester_kind, d.requester_id, d.contact_name, d.contact_phone) == (
        "anonymous",
        None,
        None,
        None,
    )
    with refused(system, RuleViolationError, rule="anonymous_visit"):
        app.record_visit(rid, "satisfied", actor=staff.clerk)
    app.publish_request(rid, SUMMARY, actor=staff.supervisor)
    app.close_request(rid, actor=staff.supervisor)
    assert app.get_request(rid, actor=staff.clerk).state == "closed"


def test_the_reasons_and_texts_of_every_step_are_required(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, s = system.app, staff.supervisor
    claimed = request_in(system, s, org, "claimed", claimant=people.helper)
    resolved = request_in(system, s, org, "resolved", claimant=people.helper)
    accepted = request_in(system, s, org, "accepted", claimant=people.helper)
    visited = request_in(system, s, org, "visited", claimant=people.helper)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("reason", lambda: app.release_request(claimed, " ", actor=s)),
        ("reason", lambda: app.give_request(claimed, people.helper2, "", actor=s)),
        ("note", lambda: app.note_progress(claimed, "", actor=s)),
        ("solution", lambda: app.resolve_request(claimed, " ", actor=s)),
        ("evidence", lambda: app.resolve_request(claimed, "ok", evidence=[""], actor=s)),
        ("evidence", lambda: app.resolve_request(claimed, "ok", evidence=["p"] * 21, actor=s)),
        ("reason", lambda: app.pause_clock(claimed, "", actor=s)),
        ("reason", lambda: app.press_request(claimed, "", actor=s)),
        ("reason", lambda: app.escalate_request(claimed, "", actor=s)),
        ("reason", lambda: app.withdraw_request(claimed, "", actor=s)),
        ("reason", lambda: app.send_back_resolution(resolved, "", actor=s)),
        ("satisfaction", lambda: app.record_visit(accepted, "delighted", actor=s)),
        ("reason", lambda: app.record_visit(accepted, "dissatisfied", actor=s)),
        ("reason", lambda: app.record_visit(accepted, "satisfied", reason="x", actor=s)),
        ("summary", lambda: app.publish_request(visited, " ", actor=s)),
        ("summary", lambda: app.publish_request(visited, "长" * 501, actor=s)),
    ]
    for field, call in cases:
        with refused(system, InvalidInputError, field=field, case=field):
            call()


# -- who may act ---------------------------------------------------------------------------


def test_only_the_claimant_or_a_clerk_recording_for_them_moves_a_claimed_request(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    """The cadre's account is linked to one member; a request held by another is not
    theirs to release, note, resolve, pause or resume (a supervisor may pause any)."""
    app, cadre = system.app, staff.cadre
    held = request_in(system, staff.clerk, org, "claimed", claimant=people.helper)
    paused = request_in(
        system, staff.supervisor, org, "claimed", claimant=people.helper, paused=True
    )
    free = request_in(system, staff.clerk, org, "classified")
    for name, call in [
        ("release", lambda: app.release_request(held, "不想做了", actor=cadre)),
        ("note", lambda: app.note_progress(held, "进展", actor=cadre)),
        ("resolve", lambda: app.resolve_request(held, "已处理", actor=cadre)),
        ("pause", lambda: app.pause_clock(held, "等待", actor=cadre)),
        ("resume", lambda: app.resume_clock(paused, actor=cadre)),
        (
            "claim for another",
            lambda: app.claim_request(free, member_id=people.helper, actor=cadre),
        ),
    ]:
        with refused(system, PermissionDeniedError, case=name) as caught:
            call()
        assert caught.value.status == 403
        assert "cadre may not do this" in caught.value.message, name
    # A clerk records for the member; a supervisor pauses anyone's clock.
    app.note_progress(held, "钱志愿已上门", actor=staff.clerk)
    app.pause_clock(held, "等待配件", actor=staff.supervisor)
    app.resume_clock(held, actor=staff.clerk)
    assert [h.actor for h in app.get_history(held, actor=staff.reviewer)][-3:] == [
        "clerk",
        "supervisor",
        "clerk",
    ]
    # The claimant's own account may do all of it.
    mine = request_in(system, staff.clerk, org, "classified")
    app.claim_request(mine, actor=cadre)
    app.pause_clock(mine, "等待居民", actor=cadre)
    app.resume_clock(mine, actor=cadre)
    app.note_progress(mine, "已联系", actor=cadre)
    app.release_request(mine, "换人更合适", actor=cadre)
    assert app.get_request(mine, actor=cadre).state == "classified"


def test_a_claim_needs_a_member_of_the_community_who_is_active(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    rid = request_in(system, staff.clerk, org, "classified")
    with refused(system, RuleViolationError, rule="no_member_linked"):
        app.claim_request(rid, actor=staff.clerk)  # a clerk is nobody's member: name one
    with refused(system, NotFoundError):
        app.claim_request(rid, member_id=uuid4(), actor=staff.clerk)
    with refused(system, InvalidInputError, field="member_id"):
        app.claim_request(rid, member_id="nonsense", actor=staff.clerk)
    elsewhere = app.register_member(
        member_draft(org.other_branch, name="周外", phone="13811110009"), actor=staff.clerk
    ).id
    with refused(system, RuleViolationError, rule="other_community"):
        app.claim_request(rid, member_id=elsewhere, actor=staff.clerk)
    with refused(system, RuleViolationError, rule="other_community"):
        app.give_request(rid, elsewhere, "按分工", actor=staff.supervisor)
    app.deregister_member(people.helper2, "moved", "搬走了", actor=staff.clerk)
    with refused(system, RuleViolationError, rule="member_deregistered"):
        app.claim_request(rid, member_id=people.helper2, actor=staff.clerk)
    with refused(system, RuleViolationError, rule="member_deregistered"):
        app.give_request(rid, people.helper2, "按分工", actor=staff.supervisor)
    # Unlinked, the cadre can no longer claim for themselves.
    app.link_account_member("cadre", None, "调离", actor=staff.admin)
    with refused(system, RuleViolationError, rule="no_member_linked"):
        app.claim_request(rid, actor=staff.cadre)
    app.claim_request(rid, member_id=people.helper, actor=staff.clerk)
    assert app.get_request(rid, actor=staff.clerk).claimant_id == people.helper


def test_nobody_accepts_or_visits_back_their_own_work(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    """The supervisor's account is a member too: what that member resolved, someone else
    accepts and visits back, even when a clerk recorded the claim for them."""
    app, sup = system.app, staff.supervisor
    rid = request_in(system, sup, org, "classified")
    app.claim_request(rid, actor=sup)
    app.resolve_request(rid, "自己处理了", actor=sup)
    with refused(system, RuleViolationError, rule="own_resolution") as caught:
        app.accept_resolution(rid, actor=sup)
    assert caught.value.status == 409
    app.accept_resolution(rid, actor=staff.admin)
    with refused(system, RuleViolationError, rule="own_request_visit"):
        app.record_visit(rid, "satisfied", actor=sup)
    app.record_visit(rid, "satisfied", actor=staff.clerk)
    # Recorded by a clerk for the supervisor's member: still the supervisor's own work.
    recorded = request_in(system, staff.clerk, org, "resolved", claimant=people.supervisor)
    with refused(system, RuleViolationError, rule="own_resolution"):
        app.accept_resolution(recorded, actor=sup)
    # Sending back one's own work is no favour, and is allowed.
    app.send_back_resolution(recorded, "自查发现问题", actor=sup)


# -- the clock -----------------------------------------------------------------------------


def test_the_clock_runs_from_placement_through_every_move_and_only_a_pause_stops_it(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    """Environment: 24 hours to claim, 72 to resolve. Releasing, giving, sending back and
    reopening never restart the clock; a pause adds its length to both due times."""
    app, sup, clerk = system.app, staff.supervisor, staff.clerk
    t0 = clock.now
    rid = app.place_request(request_draft(org), actor=clerk).id

    def at(hours: float) -> Any:
        clock.now = t0 + hours * H
        return app.get_request(rid, actor=staff.reviewer)

    def due(d: Any, hours: float, claim: float = 24) -> None:
        assert (d.due_at, d.claim_due_at) == (t0 + hours * H, t0 + claim * H)

    app.classify_request(rid, actor=clerk)
    due(at(23), 72)
    assert not at(23).overdue
    assert at(24.5).overdue  # nobody claimed it within 24 hours
    app.claim_request(rid, member_id=people.helper, actor=clerk)
    d = at(26)
    assert (d.overdue, d.claimed_at) == (False, t0 + 24.5 * H)
    due(d, 72)
    app.release_request(rid, "不在我的片区", actor=clerk)
    d = at(27)
    assert (d.state, d.overdue) == ("classified", True)  # unclaimed past its claim limit
    due(d, 72)
    app.give_request(rid, people.helper2, "按网格分工", actor=sup)
    d = at(28)
    assert (d.claimant_id, d.claimed_at, d.overdue) == (people.helper2, t0 + 24.5 * H, False)
    due(d, 72)

    # Waiting for the resident from hour 30: the clock stands still, nothing falls due.
    at(30)
    app.pause_clock(rid, "居民出差，等其回来", actor=clerk)
    d = at(100)
    assert (d.paused, d.paused_seconds, d.overdue) == (True, 70 * 3600, False)
    due(d, 142, 94)
    app.resume_clock(rid, actor=clerk)
    d = at(141)
    assert (d.paused, d.paused_seconds, d.overdue) == (False, 70 * 3600, False)
    due(d, 142, 94)
    assert at(142.5).overdue

    app.resolve_request(rid, "已处理", actor=clerk)
    d = at(150)
    assert (d.state, d.overdue) == ("resolved", False)  # awaiting the supervisor, not late
    app.send_back_resolution(rid, "没有照片", actor=sup)
    d = at(151)
    assert (d.state, d.overdue) == ("claimed", True)  # back with the claimant, and late
    due(d, 142, 94)
    app.resolve_request(rid, "已处理，附照片", evidence=["photo:5"], actor=clerk)
    app.accept_resolution(rid, actor=sup)
    app.record_visit(rid, "dissatisfied", reason="又坏了", actor=clerk)
    d = at(152)
    assert (d.state, d.overdue) == ("claimed", True)  # reopened: the clock never restarted
    due(d, 142, 94)

    # Every move is recorded and shown, with the moment it happened where the clock cares.
    assert [m["move"] for m in d.moves] == ["released", "given", "sent_back", "reopened"]
    history = app.get_history(rid, actor=staff.reviewer)
    timed = [(h.event, h.fields["at"]) for h in history if "at" in h.fields]
    assert timed == [
        ("Request.Claimed", t0 + 24.5 * H),
        ("Request.Given", t0 + 27 * H),
        ("Request.ClockPaused", t0 + 30 * H),
        ("Request.ClockResumed", t0 + 100 * H),
        ("Request.Resolved", t0 + 142.5 * H),
        ("Request.Resolved", t0 + 151 * H),
    ]


def test_an_urgent_request_has_half_the_time_and_a_category_change_applies_from_now(
    system: System, staff: Staff, org: Org, clock: Clock
) -> None:
    app, t0 = system.app, clock.now
    urgent = app.place_request(request_draft(org, urgency="urgent"), actor=staff.clerk).id
    d = app.get_request(urgent, actor=staff.clerk)
    assert (d.urgency, d.claim_due_at, d.due_at) == ("urgent", t0 + 12 * H, t0 + 36 * H)
    older = app.place_request(request_draft(org), actor=staff.clerk).id
    app.change_category_limits("environment", 4, 24, "街道要求提速", actor=staff.admin)
    newer = app.place_request(request_draft(org), actor=staff.clerk).id
    assert app.get_request(older, actor=staff.clerk).due_at == t0 + 72 * H
    assert app.get_request(newer, actor=staff.clerk).due_at == t0 + 24 * H
    # Classified under the new limits, the older one is due sooner, still from placement.
    clock.advance(hours=5)
    app.classify_request(older, actor=staff.clerk)
    d = app.get_request(older, actor=staff.clerk)
    assert (d.claim_due_at, d.due_at, d.overdue) == (t0 + 4 * H, t0 + 24 * H, True)
    app.classify_request(urgent, category="safety", actor=staff.clerk)  # 4 and 48, halved
    d = app.get_request(urgent, actor=staff.clerk)
    assert (d.category, d.claim_due_at, d.due_at) == ("safety", t0 + 2 * H, t0 + 24 * H)


# -- what the public may read --------------------------------------------------------------


def test_a_public_summary_holding_personal_data_is_refused(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, sup = system.app, staff.supervisor
    rid = request_in(system, sup, org, "visited", claimant=people.helper)
    head = app.register_household(
        household_draft(org.branch, head_name="司马建国", head_phone="0634-6221234"),
        actor=staff.clerk,
    ).id
    homes = request_in(
        system,
        sup,
        org,
        "visited",
        claimant=people.helper,
        requester_kind="household",
        household_id=head,
        contact_name=None,
        contact_phone=None,
    )
    for request, summary in [
        (rid, f"{REQUESTER}反映楼道灯不亮，已更换"),
        (rid, f"居民（电话{REQUESTER_PHONE}）反映楼道灯不亮"),
        (rid, "居民电话 137 5555 0199，已处理"),
        (rid, "居民电话137-5555-0199，已处理"),
        (rid, "身份证号371202198003150026的居民"),
        (rid, "座机0634-6229999已回访"),
        (homes, "司马建国家楼道灯已更换"),
        (homes, "户主电话06346221234"),
    ]:
        with refused(system, InvalidInputError, field="summary", case=summary) as caught:
            app.publish_request(request, summary, actor=sup)
        assert REQUESTER not in caught.value.message and "司马" not in caught.value.message
    app.publish_request(rid, "3号楼楼道灯不亮，2025年5月物业更换灯具，共3处", actor=sup)
    app.publish_request(homes, SUMMARY, actor=sup)
    assert (
        app.get_request(rid, actor=sup).summary == "3号楼楼道灯不亮，2025年5月物业更换灯具，共3处"
    )


def test_a_household_head_renamed_after_placement_is_still_kept_out_of_the_summary(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, sup = system.app, staff.supervisor
    home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    rid = request_in(
        system,
        sup,
        org,
        "visited",
        claimant=people.helper,
        requester_kind="household",
        household_id=home,
        contact_name=None,
        contact_phone=None,
        building=None,
    )
    app.correct_household(
        home, HouseholdCorrection(head_name="上官婉儿"), "更正", actor=staff.clerk
    )
    with refused(system, InvalidInputError, field="summary"):
        app.publish_request(rid, "上官婉儿家的问题已解决", actor=sup)
    d = app.get_request(rid, actor=sup)
    assert (d.requester_id, d.building) == (home, "1号楼")  # the household's building
    # The requester is the head as the household holds them now, masked like any contact.
    assert (d.contact_name, d.contact_phone) == (mask_name("上官婉儿"), mask_phone("13900001111"))


# -- placement -----------------------------------------------------------------------------

PLACEMENT_CASES: list[tuple[str, dict[str, Any]]] = [
    ("channel", {"channel": "fax"}),
    ("category", {"category": "nonsense"}),
    ("category", {"category": "Not A Code!"}),
    ("category", {"category": ""}),
    ("description", {"description": " "}),
    ("description", {"description": "长" * 2001}),
    ("urgency", {"urgency": "asap"}),
    ("requester_kind", {"requester_kind": "martian"}),
    ("requester_kind", {"requester_kind": "anonymous", "contact_phone": None}),
    ("contact_name", {"contact_name": None}),
    ("contact_phone", {"contact_phone": None}),
    ("contact_phone", {"contact_phone": "12345"}),
    ("household_id", {"household_id": uuid4()}),
    ("household_id", {"requester_kind": "household", "household_id": None}),
    ("community_id", {"community_id": None}),
    ("branch_id", {"branch_id": "nonsense"}),
    ("building", {"building": "楼" * 41}),
]


def test_every_field_of_a_placement_is_checked(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    for field, change in PLACEMENT_CASES:
        with refused(system, InvalidInputError, field=field, case=change):
            app.place_request(request_draft(org, **change), actor=staff.clerk)
    # No category chosen says so; one the catalogue lacks says that.
    for category, reason in (("", "is required"), ("  ", "is required"), ("nonsense", "is not in")):
        with refused(system, InvalidInputError, field="category", case=category) as caught:
            app.place_request(request_draft(org, category=category), actor=staff.clerk)
        assert caught.value.reason.startswith(reason), (category, caught.value)
    with refused(system, InvalidInputError, field="community_id"):
        app.place_request(request_draft(org, community_id=org.branch), actor=staff.clerk)
    with refused(system, InvalidInputError, field="branch_id"):
        app.place_request(request_draft(org, branch_id=org.other_branch), actor=staff.clerk)
    with refused(system, NotFoundError):
        app.place_request(request_draft(org, community_id=uuid4()), actor=staff.clerk)
    elsewhere = app.register_household(household_draft(org.other_branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="household_id"):
        app.place_request(
            request_draft(
                org, requester_kind="household", household_id=elsewhere, contact_name=None
            ),
            actor=staff.clerk,
        )


def test_classifying_needs_a_branch_of_the_requests_own_community(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    rid = app.place_request(request_draft(org, branch_id=None), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="branch_id"):
        app.classify_request(rid, actor=staff.clerk)
    with refused(system, InvalidInputError, field="branch_id"):
        app.classify_request(rid, branch_id=org.other_branch, actor=staff.clerk)
    with refused(system, InvalidInputError, field="category"):
        app.classify_request(rid, category="unknown", branch_id=org.branch, actor=staff.clerk)
    with refused(system, NotFoundError):
        app.classify_request(uuid4(), branch_id=org.branch, actor=staff.clerk)
    app.classify_request(rid, branch_id=org.branch2, actor=staff.clerk)
    app.classify_request(rid, category="care", actor=staff.clerk)  # again, keeping the branch
    d = app.get_request(rid, actor=staff.clerk)
    assert (d.state, d.category, d.branch_id) == ("classified", "care", org.branch2)


# -- receipt codes ---------------------------------------------------------------------------


def test_each_request_gets_its_own_receipt_code_and_the_code_finds_it(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    placed = [app.place_request(request_draft(org), actor=staff.clerk) for _ in range(25)]
    codes = [p.receipt_code for p in placed]
    assert len(set(codes)) == len(codes)
    for p in placed:
        assert app.get_request(p.id, actor=staff.reviewer).receipt_code == p.receipt_code
        assert app.request_for_receipt(p.receipt_code, actor=staff.reviewer) == p.id
        assert app.request_for_receipt(p.receipt_code.lower(), actor=staff.cadre) == p.id
    for code in ["", "   ", "not a code", "OOO-0000"]:
        with pytest.raises(InvalidInputError) as caught:
            app.request_for_receipt(code, actor=staff.clerk)
        assert caught.value.field == "receipt_code"
    with pytest.raises(NotFoundError):
        app.request_for_receipt("ZZZ-ZZZZ", actor=staff.clerk)
    # The receipt index is the audit's business; reading it by its id is refused to others.
    with pytest.raises(PermissionDeniedError):
        app.get_history(ReceiptCode.id_for(codes[0]), actor=staff.clerk)
    (issued,) = app.get_history(ReceiptCode.id_for(codes[0]), actor=staff.reviewer)
    assert (issued.event, issued.fields) == (
        "ReceiptCode.Issued",
        {"code": codes[0], "request_id": placed[0].id},
    )


def test_a_receipt_code_drawn_twice_is_drawn_again(
    system: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = system.app
    taken = app.place_request(request_draft(org), actor=staff.clerk).receipt_code
    draws = iter([taken, taken, "XYZ-2345"])
    monkeypatch.setattr("domain.orders.new_receipt_code", lambda: next(draws))
    start = app.last_position()
    receipt = app.place_request(request_draft(org), actor=staff.clerk)
    assert receipt.receipt_code == "XYZ-2345"
    assert names(events_after(system, start)) == ["ReceiptCode.Issued", "Request.Placed"]
    assert app.request_for_receipt(taken, actor=staff.clerk) != receipt.id


def test_a_receipt_code_taken_by_another_clerk_at_the_same_moment_is_drawn_again(
    system: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process saves a request with the same code between our check and our
    save: the save conflicts on the receipt index, and the retry draws a fresh code."""
    other = make_system(system.settings.database_url)
    try:
        draws = iter(["QQQ-2222", "QQQ-2222", "RRR-3333"])
        monkeypatch.setattr("domain.orders.new_receipt_code", lambda: next(draws))
        save = system.app.save
        theirs: list[UUID] = []

        def interleaved(*aggregates: Any, **kwargs: Any) -> Any:
            if not theirs:
                theirs.append(other.app.place_request(request_draft(org), actor=staff.cadre).id)
            return save(*aggregates, **kwargs)

        monkeypatch.setattr(system.app, "save", interleaved)
        start = system.app.last_position()
        ours = system.app.place_request(request_draft(org), actor=staff.clerk)
        assert ours.receipt_code == "RRR-3333"
        assert system.app.request_for_receipt("QQQ-2222", actor=staff.clerk) == theirs[0]
        assert system.app.request_for_receipt("RRR-3333", actor=staff.clerk) == ours.id
        assert [(e.actor, type(e).__qualname__) for e in events_after(system, start)] == [
            ("cadre", "ReceiptCode.Issued"),
            ("cadre", "Request.Placed"),
            ("clerk", "ReceiptCode.Issued"),
            ("clerk", "Request.Placed"),
        ]
    finally:
        other.shutdown()


# -- duplicates, rejection, pressing -----------------------------------------------------------


def test_a_duplicate_is_merged_into_the_original_and_both_histories_stay_readable(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, clerk = system.app, staff.clerk
    original = request_in(system, clerk, org, "claimed", claimant=people.helper)
    duplicate = request_in(system, clerk, org, "classified")
    third = request_in(system, clerk, org, "placed")
    with refused(system, RuleViolationError, rule="merge_self"):
        app.merge_request(duplicate, duplicate, "同一件事", actor=clerk)
    with refused(system, InvalidInputError, field="reason"):
        app.merge_request(duplicate, original, " ", actor=clerk)
    with refused(system, NotFoundError):
        app.merge_request(duplicate, uuid4(), "同一件事", actor=clerk)
    start = app.last_position()
    app.merge_request(duplicate, original, "同一盏灯，两位居民都来报了", actor=clerk)
    absorbed, merged = events_after(system, start)
    assert names([absorbed, merged]) == ["Request.DuplicateAbsorbed", "Request.Merged"]
    assert (absorbed.originator_id, absorbed.duplicate_id) == (original, duplicate)
    assert (merged.originator_id, merged.original_id, merged.reason) == (
        duplicate,
        original,
        "同一盏灯，两位居民都来报了",
    )
    d, o = (app.get_request(r, actor=staff.reviewer) for r in (duplicate, original))
    assert (d.state, d.merged_into, o.state, o.duplicates) == (
        "merged",
        original,
        "claimed",
        [duplicate],
    )
    # Both histories read in full, each with its own placement and the merge.
    dup_history = app.get_history(duplicate, actor=staff.reviewer)
    assert [h.event for h in dup_history] == [
        "Request.Placed",
        "Request.Classified",
        "Request.Merged",
    ]
    assert [h.event for h in app.get_history(original, actor=staff.reviewer)][-1] == (
        "Request.DuplicateAbsorbed"
    )
    # Merging into a duplicate, or into a finished request, is refused.
    with refused(system, RuleViolationError, rule="merge_target_merged"):
        app.merge_request(third, duplicate, "同一件事", actor=clerk)
    closed = request_in(system, staff.supervisor, org, "closed", claimant=people.helper)
    with refused(system, RuleViolationError, rule="merge_target_ended"):
        app.merge_request(third, closed, "同一件事", actor=clerk)
    app.merge_request(third, original, "第三位居民", actor=clerk)
    assert app.get_request(original, actor=clerk).duplicates == [duplicate, third]


def test_a_request_is_rejected_or_withdrawn_with_the_reason_and_stays_readable(
    system: System, staff: Staff, org: Org
) -> None:
    app, do = system.app, Desk(system)
    out = request_in(system, staff.clerk, org, "classified")
    e = do(staff.clerk, "reject_request", out, "属于供水公司职责，已告知居民")
    assert e.reason == "属于供水公司职责，已告知居民"
    gone = request_in(system, staff.clerk, org, "placed")
    e = do(staff.cadre, "withdraw_request", gone, "居民自行解决了")
    assert (e.reason, app.get_request(gone, actor=staff.cadre).state) == (
        "居民自行解决了",
        "withdrawn",
    )
    assert app.get_request(out, actor=staff.reviewer).state == "rejected"


def test_a_request_that_ends_while_its_clock_is_paused_is_paused_no_more(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    original = request_in(system, staff.supervisor, org, "placed")
    ended = {
        "withdrawn": lambda rid: app.withdraw_request(rid, "居民自行解决了", actor=staff.clerk),
        "rejected": lambda rid: app.reject_request(rid, "不属于社区职责", actor=staff.clerk),
        "merged": lambda rid: app.merge_request(rid, original, "重复反映", actor=staff.clerk),
    }
    for state, end in ended.items():
        rid = request_in(system, staff.supervisor, org, "classified", paused=True)
        assert app.get_request(rid, actor=staff.reviewer).paused
        end(rid)
        detail = app.get_request(rid, actor=staff.reviewer)
        assert (detail.state, detail.paused, detail.overdue) == (state, False, False)
    system.runner.catch_up()
    page = system.requests.board(actor=staff.reviewer, now=app.now(), limit=500)
    assert not [i for i in page.items if i["state"] in ended and i["paused"]]


def test_a_supervisor_presses_a_late_request_and_escalates_it_once(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, do, sup = system.app, Desk(system), staff.supervisor
    rid = request_in(system, sup, org, "claimed", claimant=people.helper)
    assert do(sup, "press_request", rid, "已超时，请今天处理").reason == "已超时，请今天处理"
    do(sup, "press_request", rid, "再次催办")
    assert do(sup, "escalate_request", rid, "涉及供电公司，需街道协调").reason == (
        "涉及供电公司，需街道协调"
    )
    with refused(system, RuleViolationError, rule="already_escalated"):
        app.escalate_request(rid, "again", actor=sup)
    d = app.get_request(rid, actor=staff.reviewer)
    assert (d.presses, d.escalated, d.state) == (2, True, "claimed")


# -- the catalogue -----------------------------------------------------------------------------


def test_an_admin_defines_changes_and_retires_categories(
    system: System, staff: Staff, org: Org
) -> None:
    app, admin, do = system.app, staff.admin, Desk(system)
    e = do(admin, "define_category", " Parking ", "停车管理", "Parking", 12, 96)
    assert (e.code, e.name_zh, e.name_en, e.claim_hours, e.resolve_hours) == (
        "parking",
        "停车管理",
        "Parking",
        12,
        96,
    )
    for field, args in [
        ("code", ("x", "停车", "Parking", 1, 2)),
        ("code", ("停车", "停车", "Parking", 1, 2)),
        ("code", ("9parking", "停车", "Parking", 1, 2)),
        ("name_zh", ("bikes", "", "Bikes", 1, 2)),
        ("name_en", ("bikes", "单车", "", 1, 2)),
        ("claim_hours", ("bikes", "单车", "Bikes", 0, 2)),
        ("resolve_hours", ("bikes", "单车", "Bikes", 1, 24 * 365 + 1)),
    ]:
        with refused(system, InvalidInputError, field=field, case=args):
            app.define_category(*args, actor=admin)
    with refused(system, RuleViolationError, rule="category_exists"):
        app.define_category("parking", "停车", "Parking", 1, 2, actor=admin)
    with refused(system, InvalidInputError, field="resolve_hours"):
        app.define_category("bikes", "单车", "Bikes", 48, 24, actor=admin)

    placed = app.place_request(request_draft(org, category="parking"), actor=staff.clerk).id
    e = do(admin, "change_category_limits", "parking", 6, 48, "业主委员会要求")
    assert (e.claim_hours, e.resolve_hours, e.reason) == (6, 48, "业主委员会要求")
    with refused(system, RuleViolationError, rule="same_limits"):
        app.change_category_limits("parking", 6, 48, "again", actor=admin)
    with refused(system, NotFoundError):
        app.change_category_limits("nowhere", 6, 48, "x", actor=admin)

    assert do(admin, "retire_category", "parking", "并入物业类").reason == "并入物业类"
    with refused(system, InvalidInputError, field="category") as caught:
        app.place_request(request_draft(org, category="parking"), actor=staff.clerk)
    assert "retired" in caught.value.message
    with refused(system, RuleViolationError, rule="category_retired"):
        app.retire_category("parking", "again", actor=admin)
    with refused(system, RuleViolationError, rule="category_retired"):
        app.change_category_limits("parking", 7, 48, "x", actor=admin)
    # A request already in it keeps it, also when classified; naming a category anew
    # needs a live one.
    assert app.get_request(placed, actor=staff.clerk).category == "parking"
    with refused(system, InvalidInputError, field="category"):
        app.classify_request(placed, category="parking", actor=staff.clerk)
    app.classify_request(placed, actor=staff.clerk)
    assert app.get_request(placed, actor=staff.clerk).category == "parking"
    app.classify_request(placed, category="property", actor=staff.clerk)
    assert [h.event for h in app.get_history(Category.id_for("parking"), actor=staff.reviewer)] == [
        "Category.Defined",
        "Category.LimitsChanged",
        "Category.Retired",
    ]
    # Seeding again adds nothing: the default catalogue is there since initialisation.
    position = app.last_position()
    assert app.seed_categories(actor=admin) == position == app.last_position()
