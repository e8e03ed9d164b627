"""Residents' requests over HTTP: one request from the counter to the public ledger, and
every way a step can be refused (409 naming the rule, 403 for a role, 422 naming the
field), the clock on the board, and two cadres claiming at the same moment."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import Desk, at_once, expect, request_body

MISSING = "3f0e9c1a-1111-4222-8333-944455556666"


def fill_in(body: dict[str, Any] | None, **values: Any) -> dict[str, Any] | None:
    """The body with its "{name}" placeholders filled in."""
    if body is None:
        return None
    return {
        k: v.format(**values) if isinstance(v, str) and v.startswith("{") else v
        for k, v in body.items()
    }


def test_a_request_goes_from_the_counter_to_the_public_ledger(desk: Desk) -> None:
    member = str(desk.roster.member)
    branch = str(desk.org.branch)

    # 群众下单: a resident walks in; the clerk takes the request and hands over a code.
    placed = desk.post(
        "clerk", "/requests", request_body(desk.org, description="3号楼楼道灯坏了一周"), 201
    )
    request = placed["id"]
    assert re.fullmatch(r"[2-9A-Z]{3}-[2-9A-Z]{4}", placed["receipt_code"])
    assert placed["position"] == desk.position
    detail = desk.get("clerk", f"/receipts/{placed['receipt_code'].lower()}")
    assert (detail["id"], detail["state"], detail["category"]) == (request, "placed", "property")
    # What the request allows now, whoever asks (rights are checked when a step is taken).
    assert detail["possible"] == [
        "classify",
        "escalate",
        "merge",
        "pause_clock",
        "press",
        "reject",
        "withdraw",
    ]
    assert (detail["merged_into_code"], detail["duplicate_codes"]) == (None, [])
    # The contact is masked; whoever calls the resident back asks for it, recorded.
    assert (detail["contact_name"], detail["contact_phone"]) == ("王*", "139****2222")
    shown = desk.post(
        "cadre", "/personal/disclosures", {"subject_id": request, "reason": "回访"}, 201
    )
    assert shown["fields"] == {"contact_name": "王五", "contact_phone": "13900002222"}
    assert detail["description"] == "3号楼楼道灯坏了一周"
    [row] = desk.get("cadre", "/requests", q=placed["receipt_code"])["items"]
    assert (row["id"], row["excerpt"], row["overdue"]) == (request, "3号楼楼道灯坏了一周", False)
    assert "contact_name" not in row and "contact_phone" not in row

    # 梳理分类: the committee changes the category and names the branch.
    desk.post("clerk", f"/requests/{request}/classify", {"category": "environment"})
    detail = desk.get("clerk", f"/requests/{request}")
    assert (detail["state"], detail["category"], detail["branch_id"]) == (
        "classified",
        "environment",
        branch,
    )

    # 干部领单: the cadre claims for themselves (their account is the member's).
    desk.post("cadre", f"/requests/{request}/claim", {})
    detail = desk.get("cadre", f"/requests/{request}")
    assert (detail["state"], detail["claimant_id"]) == ("claimed", member)
    assert desk.get("cadre", "/requests", claimant_id=member, state="claimed")["total"] == 1

    desk.post("cadre", f"/requests/{request}/progress", {"note": "已联系物业"})
    desk.post("cadre", f"/requests/{request}/pause", {"reason": "等待居民在家"})
    assert desk.get("cadre", f"/requests/{request}")["paused"] is True
    desk.post("cadre", f"/requests/{request}/resume")
    assert desk.get("cadre", f"/requests/{request}")["paused"] is False
    desk.post(
        "cadre",
        f"/requests/{request}/resolve",
        {"solution": "更换了灯泡", "evidence": ["photo:1", "photo:2"]},
    )

    # 社区督单: it waits in the queue; the supervisor sends it back once, then accepts.
    queue = desk.get("supervisor", "/supervision-queue")
    [waiting] = [i for i in queue["items"] if i["id"] == request]
    assert waiting["reasons"] == ["awaiting_acceptance"]
    desk.post("supervisor", f"/requests/{request}/send-back", {"reason": "请附照片"})
    assert desk.state(request) == "claimed"
    desk.post("cadre", f"/requests/{request}/resolve", {"solution": "更换灯泡并拍照"})
    desk.post("supervisor", f"/requests/{request}/accept")
    assert desk.state(request) == "accepted"

    # 回访: the resident is not satisfied; the request reopens to the same claimant.
    desk.post(
        "clerk",
        f"/requests/{request}/visit",
        {"satisfaction": "dissatisfied", "reason": "灯又坏了"},
    )
    detail = desk.get("clerk", f"/requests/{request}")
    assert (detail["state"], detail["claimant_id"]) == ("claimed", member)
    assert [m["move"] for m in detail["moves"]] == ["sent_back", "reopened"]
    [row] = desk.get("clerk", "/requests", claimant_id=member)["items"]
    assert (row["reopened"], row["moves"]) == (1, 2)

    desk.post("cadre", f"/requests/{request}/resolve", {"solution": "更换了整套灯具"})
    desk.post("supervisor", f"/requests/{request}/accept")
    desk.post(
        "clerk", f"/requests/{request}/visit", {"satisfaction": "satisfied", "comment": "很好"}
    )

    # 公开晒单: the summary goes public; then the request is closed.
    summary = "居民反映楼道灯损坏，社区更换了整套灯具。"
    desk.post("supervisor", f"/requests/{request}/publish", {"summary": summary})
    outcome = desk.public(f"/public/requests/{request}")
    assert (outcome["summary"], outcome["satisfaction"], outcome["category"]) == (
        summary,
        "satisfied",
        "environment",
    )
    desk.post("supervisor", f"/requests/{request}/close")
    assert desk.state(request) == "closed"

    history = desk.get("reviewer", f"/requests/{request}/history")
    assert [e["event"] for e in history["items"]] == [
        "Request.Placed",
        "Request.Classified",
        "Request.Claimed",
        "Request.ProgressNoted",
        "Request.ClockPaused",
        "Request.ClockResumed",
        "Request.Resolved",
        "Request.SentBack",
        "Request.Resolved",
        "Request.Accepted",
        "Request.StarAwarded",  # the claimant's star, saved with the first acceptance
        "Request.Visited",
        "Request.Resolved",
        "Request.Accepted",
        "Request.Visited",
        "Request.Published",
        "Request.Closed",
    ]
    assert history["total"] == 17
    entries = history["items"]
    assert [e["actor"] for e in entries[:3]] == ["clerk", "clerk", "cadre"]
    assert entries[0]["fields"]["personal"] == "[sealed]"
    assert entries[3]["fields"]["note"] == "已联系物业"
    assert entries[6]["fields"]["solution"] == "更换了灯泡"
    assert entries[6]["fields"]["evidence"] == ["photo:1", "photo:2"]
    assert entries[7]["fields"]["reason"] == "请附照片"
    assert entries[11]["fields"]["reason"] == "灯又坏了"
    assert entries[14]["fields"]["comment"] == "很好"
    assert "王五" not in str(history) and "13900002222" not in str(history)

    [work] = desk.get("supervisor", "/workload")["items"]
    assert (work["claimant_id"], work["claimant_name"]) == (member, "张三")
    assert (work["holding"], work["awaiting"], work["overdue"], work["done"]) == (0, 0, 0, 1)
    stats = desk.get("supervisor", "/request-statistics", by="category")
    assert stats["by"] == "category"
    [environment] = [r for r in stats["items"] if r["key"] == "environment"]
    assert environment["label"] == "环境卫生"
    assert (environment["placed"], environment["claimed"], environment["resolved"]) == (1, 1, 1)
    assert (environment["on_time_rate"], environment["satisfaction_rate"]) == (1.0, 1.0)


def test_the_other_endings(desk: Desk) -> None:
    withdrawn, rejected, original, duplicate = (desk.place() for _ in range(4))
    desk.post("clerk", f"/requests/{withdrawn}/withdraw", {"reason": "居民已自行解决"})
    desk.post("clerk", f"/requests/{rejected}/reject", {"reason": "不属于社区职责"})
    desk.post("clerk", f"/requests/{duplicate}/merge", {"into_id": original, "reason": "同一件事"})
    assert [desk.state(r) for r in (withdrawn, rejected, duplicate, original)] == [
        "withdrawn",
        "rejected",
        "merged",
        "placed",
    ]
    assert desk.get("clerk", f"/requests/{duplicate}")["merged_into"] == original
    assert desk.get("clerk", f"/requests/{original}")["duplicates"] == [duplicate]
    assert [e["event"] for e in desk.get("clerk", f"/requests/{original}/history")["items"]] == [
        "Request.Placed",
        "Request.DuplicateAbsorbed",
    ]
    open_ids = {i["id"] for i in desk.get("clerk", "/requests", state="open", limit=500)["items"]}
    assert original in open_ids and not open_ids & {withdrawn, rejected, duplicate}


def test_a_supervisor_gives_a_request_to_another_member(desk: Desk) -> None:
    other = desk.member("钱七", "13611112222")
    request = desk.classified()
    desk.post("cadre", f"/requests/{request}/claim", {})
    desk.post("supervisor", f"/requests/{request}/give", {"member_id": other, "reason": "请假"})
    detail = desk.get("clerk", f"/requests/{request}")
    assert detail["claimant_id"] == other
    assert detail["moves"][0]["move"] == "given"
    # The cadre no longer holds it: only the claimant (or a clerk for them) may act.
    refused = desk.post("cadre", f"/requests/{request}/release", {"reason": "x"}, 403)
    assert "only the claimant" in refused["detail"]
    desk.post("clerk", f"/requests/{request}/release", {"reason": "钱七不在"})
    assert desk.get("clerk", f"/requests/{request}")["claimant_id"] is None


# -- refusals ---------------------------------------------------------------------------------


OUT_OF_TURN: list[tuple[str, dict[str, Any] | None, str]] = [
    ("accept", None, "accept_state"),
    ("send-back", {"reason": "x"}, "send_back_state"),
    ("claim", {"member_id": "{member}"}, "claim_state"),
    ("release", {"reason": "x"}, "release_state"),
    ("resolve", {"solution": "x"}, "resolve_state"),
    ("visit", {"satisfaction": "satisfied"}, "visit_state"),
    ("publish", {"summary": "灯已修好"}, "publish_state"),
    ("close", None, "close_state"),
    ("resume", None, "not_paused"),
]


def test_a_step_out_of_turn_is_409_naming_the_rule(desk: Desk) -> None:
    request = desk.place()
    for path, body, rule in OUT_OF_TURN:
        sent = fill_in(body, member=desk.roster.member)
        refused = desk.post("supervisor", f"/requests/{request}/{path}", sent, 409)
        assert refused["rule"] == rule, path
    assert desk.state(request) == "placed"
    assert desk.get("clerk", f"/requests/{request}")["version"] == 1


def test_an_ended_request_takes_no_more_steps(desk: Desk) -> None:
    request = desk.place()
    desk.post("clerk", f"/requests/{request}/withdraw", {"reason": "不需要了"})
    for path, body, rule in (
        ("withdraw", {"reason": "x"}, "withdraw_state"),
        ("classify", {"branch_id": str(desk.org.branch)}, "classify_state"),
        ("press", {"reason": "x"}, "press_state"),
        ("escalate", {"reason": "x"}, "escalate_state"),
    ):
        role = "supervisor" if path in ("press", "escalate") else "clerk"
        assert desk.post(role, f"/requests/{request}/{path}", body, 409)["rule"] == rule


def test_nobody_accepts_their_own_resolution(desk: Desk) -> None:
    own = desk.member("孙八", "13611113333")
    desk.post("admin", "/accounts/supervisor/member", {"member_id": own, "reason": "本人"})
    request = desk.classified()
    desk.post("supervisor", f"/requests/{request}/claim", {})
    desk.post("supervisor", f"/requests/{request}/resolve", {"solution": "已处理"})
    refused = desk.post("supervisor", f"/requests/{request}/accept", None, 409)
    assert refused["rule"] == "own_resolution"
    assert (
        expect(desk.client.get("/auth/me", headers=desk.tokens.supervisor), 200)["member_id"] == own
    )


def test_a_cadre_without_a_member_cannot_claim(desk: Desk) -> None:
    request = desk.classified()
    desk.post("admin", "/accounts/cadre/member", {"member_id": None, "reason": "调离"})
    refused = desk.post("cadre", f"/requests/{request}/claim", {}, 409)
    assert refused["rule"] == "no_member_linked"


NOT_YOURS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("reviewer", "classify", {}),
    ("cadre", "classify", {}),
    ("cadre", "reject", {"reason": "x"}),
    ("cadre", "merge", {"into_id": "{other_request}", "reason": "x"}),
    ("reviewer", "withdraw", {"reason": "x"}),
    ("cadre", "accept", None),
    ("clerk", "accept", None),
    ("cadre", "send-back", {"reason": "x"}),
    ("clerk", "give", {"member_id": "{member}", "reason": "x"}),
    ("clerk", "press", {"reason": "x"}),
    ("cadre", "escalate", {"reason": "x"}),
    ("cadre", "visit", {"satisfaction": "satisfied"}),
    ("reviewer", "visit", {"satisfaction": "satisfied"}),
    ("clerk", "publish", {"summary": "x"}),
    ("clerk", "close", None),
    ("reviewer", "claim", {}),
    ("reviewer", "pause", {"reason": "x"}),
    ("cadre", "claim", {"member_id": "{other}"}),
]


def test_a_role_that_may_not_act_is_403(desk: Desk) -> None:
    request = desk.classified()
    other = desk.member("钱七", "13611112222")
    refused = desk.post("reviewer", "/requests", request_body(desk.org), 403)
    assert "reviewer may not do this" in refused["detail"]
    values = {"member": desk.roster.member, "other": other, "other_request": desk.roster.request}
    for role, path, body in NOT_YOURS:
        sent = fill_in(body, **values)
        refused = desk.post(role, f"/requests/{request}/{path}", sent, 403)
        assert f"{role} may not do this" in refused["detail"], (role, path)
    assert desk.get("reviewer", f"/requests/{request}")["version"] == 2  # placed, classified


def test_the_catalogue_is_the_admins(desk: Desk) -> None:
    heating = {
        "code": "heating",
        "name_zh": "供暖",
        "name_en": "Heating",
        "claim_hours": 12,
        "resolve_hours": 48,
    }
    for role in ("clerk", "cadre", "supervisor", "reviewer"):
        desk.post(role, "/categories", heating, 403)
    desk.post("admin", "/categories", heating, 201)
    assert desk.post("admin", "/categories", heating, 409)["rule"] == "category_exists"
    codes = [c["code"] for c in desk.get("cadre", "/categories")["items"]]
    assert codes[-1] == "heating" and "environment" in codes and len(codes) == 9

    limits = {"claim_hours": 6, "resolve_hours": 24, "reason": "入冬"}
    desk.post("admin", "/categories/heating/limits", limits)
    [row] = [c for c in desk.get("clerk", "/categories")["items"] if c["code"] == "heating"]
    assert (row["claim_hours"], row["resolve_hours"], row["retired"]) == (6, 24, False)
    assert desk.post("admin", "/categories/heating/limits", limits, 409)["rule"] == "same_limits"
    bad = {"claim_hours": 30, "resolve_hours": 24, "reason": "x"}
    assert desk.post("admin", "/categories/heating/limits", bad, 422)["field"] == "resolve_hours"
    assert desk.post("admin", "/categories/nowhere/limits", limits, 404)

    desk.post("admin", "/categories/heating/retire", {"reason": "停用"})
    again = desk.post("admin", "/categories/heating/retire", {"reason": "停用"}, 409)
    assert again["rule"] == "category_retired"
    assert "heating" not in [c["code"] for c in desk.get("clerk", "/categories")["items"]]
    retired = desk.get("clerk", "/categories", include_retired=True)["items"]
    assert [c["retired"] for c in retired if c["code"] == "heating"] == [True]
    refused = desk.post("clerk", "/requests", request_body(desk.org, category="heating"), 422)
    assert refused["field"] == "category"


BAD_PLACEMENTS: list[tuple[dict[str, Any], str]] = [
    ({"category": "no_such_thing"}, "category"),
    ({"category": "环境"}, "category"),
    ({"contact_phone": "12345"}, "contact_phone"),
    ({"contact_phone": ...}, "contact_phone"),
    ({"contact_name": ...}, "contact_name"),
    ({"channel": "pigeon"}, "channel"),
    ({"urgency": "asap"}, "urgency"),
    ({"requester_kind": "anonymous"}, "requester_kind"),
    ({"requester_kind": "household"}, "household_id"),
    ({"description": ...}, "description"),
    ({"description": "  "}, "description"),
    ({"community_id": "pengquan"}, "community_id"),
    ({"community_id": "{branch}"}, "community_id"),
    ({"branch_id": "{other_branch}"}, "branch_id"),
    ({"owner": "admin"}, "owner"),
    ({"actor": "admin"}, "actor"),
]


def test_bad_placement_is_422_naming_the_field(desk: Desk) -> None:
    units = {"branch": desk.org.branch, "other_branch": desk.org.other_branch}
    for changes, field in BAD_PLACEMENTS:
        body = request_body(desk.org, **(fill_in(changes, **units) or {}))
        response = desk.client.post("/requests", json=body, headers=desk.tokens.clerk)
        refused = expect(response, 422)
        assert refused["field"] == field, changes
        assert "13900002222" not in response.text and "王五" not in response.text
    assert desk.get("clerk", "/requests")["total"] == 1  # the roster's own


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("release", {}, "reason"),
    ("release", {"reason": " "}, "reason"),
    ("release", {"reason": "x", "why": "y"}, "why"),
    ("progress", {"note": ""}, "note"),
    ("resolve", {"evidence": ["x"]}, "solution"),
    ("resolve", {"solution": "x", "evidence": ["x"] * 21}, "evidence"),
    ("resolve", {"solution": "x", "evidence": "photo:1"}, "evidence"),
    ("resolve", {"solution": "x", "evidence": ["x" * 201]}, "evidence.0"),
    ("visit", {"satisfaction": "dissatisfied"}, "reason"),
    ("visit", {"satisfaction": "satisfied", "reason": "x"}, "reason"),
    ("visit", {"satisfaction": "thrilled"}, "satisfaction"),
    ("merge", {"reason": "x"}, "into_id"),
    ("give", {"member_id": "nobody", "reason": "x"}, "member_id"),
    ("classify", {"category": "no_such_thing"}, "category"),
    ("classify", {"branch_id": "{other_branch}"}, "branch_id"),
    ("publish", {"summary": "联系电话13900002222"}, "summary"),
    ("publish", {"summary": "王五家的灯修好了"}, "summary"),
    ("publish", {"summary": ""}, "summary"),
]


def test_bad_command_input_is_422_naming_the_field(desk: Desk) -> None:
    request = desk.place()
    for path, body, field in BAD_INPUT:
        sent = fill_in(body, other_branch=desk.org.other_branch)
        refused = desk.post("supervisor", f"/requests/{request}/{path}", sent, 422)
        assert refused["field"] == field, (path, body)
    assert desk.get("clerk", f"/requests/{request}")["version"] == 1


def test_what_does_not_exist(desk: Desk) -> None:
    for path in (f"/requests/{MISSING}", f"/requests/{MISSING}/history"):
        desk.get("clerk", path, 404)
    # A history page shows requests only, not a wish or a member under a request's path.
    desk.get("clerk", f"/requests/{desk.roster.wish}/history", 404)
    desk.get("clerk", f"/requests/{desk.roster.member}/history", 404)
    desk.post("supervisor", f"/requests/{MISSING}/accept", None, 404)
    merge = {"into_id": MISSING, "reason": "x"}
    desk.post("clerk", f"/requests/{desk.roster.request}/merge", merge, 404)
    desk.post("clerk", "/requests", request_body(desk.org, branch_id=MISSING), 404)
    assert "receipt code" in desk.get("clerk", "/receipts/AAA-AAAA", 404)["detail"]
    assert desk.get("clerk", "/receipts/no-such", 422)["field"] == "receipt_code"


def test_queries_check_their_parameters(desk: Desk) -> None:
    for path, params, field in (
        ("/requests", {"state": "lost"}, "state"),
        ("/requests", {"overdue": "maybe"}, "overdue"),
        ("/requests", {"claimant_id": "me"}, "claimant_id"),
        ("/requests", {"limit": 501}, "limit"),
        ("/requests", {"q": "x" * 81}, "q"),
        ("/request-statistics", {"by": "weather"}, "by"),
        ("/request-statistics", {"since": "2024-05-02", "until": "2024-05-01"}, "until"),
        ("/supervision-queue", {"offset": -1}, "offset"),
    ):
        assert desk.get("clerk", path, 422, **params)["field"] == field, (path, params)
    desk.get("reviewer", "/requests")
    expect(desk.client.get("/requests"), 401)
    expect(desk.client.get("/categories"), 401)


# -- the clock on the board ---------------------------------------------------------------------


def test_an_overdue_request_shows_on_the_board_and_in_the_queue(desk: Desk, system: System) -> None:
    late = desk.place(category="safety")  # claim within 4 hours, resolve within 48
    on_time = desk.place(category="employment")
    paused = desk.place(category="safety")
    desk.post("clerk", f"/requests/{paused}/pause", {"reason": "等待居民回来"})
    desk.get("clerk", "/requests")  # the board has caught up with every write

    now = datetime.now(UTC)
    system.app.clock = lambda: now + timedelta(hours=5)
    overdue = {i["id"] for i in desk.get("clerk", "/requests", overdue=True)["items"]}
    assert late in overdue and not overdue & {on_time, paused}
    assert on_time in {i["id"] for i in desk.get("clerk", "/requests", overdue=False)["items"]}
    detail = desk.get("clerk", f"/requests/{late}")
    assert detail["overdue"] is True
    queue = {i["id"]: i["reasons"] for i in desk.get("supervisor", "/supervision-queue")["items"]}
    assert queue[late] == ["overdue"] and paused not in queue

    desk.post("supervisor", f"/requests/{late}/press", {"reason": "请尽快处理"})
    desk.post("supervisor", f"/requests/{late}/escalate", {"reason": "需街道协调"})
    queue = {i["id"]: i["reasons"] for i in desk.get("supervisor", "/supervision-queue")["items"]}
    assert queue[late] == ["overdue", "pressed", "escalated"]
    [row] = desk.get("supervisor", "/requests", q=detail["receipt_code"])["items"]
    assert (row["presses"], row["escalated"]) == (1, True)


# -- two claims at once ---------------------------------------------------------------------------


def test_of_two_claims_at_once_exactly_one_wins(
    desk: Desk, client: TestClient, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = desk.member("钱七", "13611112222")
    # Both claims load the request before either saves: the second save conflicts, is
    # retried against the claimed request, and is refused.
    load = system.app._request

    def slow_load(request_id: Any) -> Any:
        loaded = load(request_id)
        time.sleep(0.2)
        return loaded

    monkeypatch.setattr(system.app, "_request", slow_load)
    for _ in range(3):
        request = desk.classified()
        answers = at_once(
            client,
            [
                (f"/requests/{request}/claim", {}, desk.tokens.cadre),
                (f"/requests/{request}/claim", {"member_id": other}, desk.tokens.clerk),
            ],
        )
        assert sorted(status for status, _ in answers) == [200, 409], answers
        [lost] = [body for status, body in answers if status == 409]
        assert lost["rule"] == "already_claimed"
        history = desk.get("clerk", f"/requests/{request}/history")["items"]
        assert [e["event"] for e in history].count("Request.Claimed") == 1
