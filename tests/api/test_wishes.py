"""Micro-wishes and alliance needs over HTTP: posted or listed, claimed, fulfilled,
confirmed and published; and a resident unit's limit of open claims, also when its
claims arrive at the same moment."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import Desk, at_once, need_body, wish_body

MISSING = "3f0e9c1a-1111-4222-8333-944455556666"


def test_a_micro_wish_comes_true_and_is_published(desk: Desk) -> None:
    member = str(desk.roster.member)
    wish = desk.post("clerk", "/wishes", wish_body(desk.org), 201)["id"]
    detail = desk.get("clerk", f"/wishes/{wish}")
    assert (detail["kind"], detail["state"], detail["title"]) == ("wish", "open", "一台收音机")
    assert detail["details"]["resident_name"] == "赵*"  # masked; a disclosure shows it
    assert detail["details"]["wish"] == "想要一台收音机听戏"
    assert detail["possible"] == ["claim", "withdraw"]

    desk.post("cadre", f"/wishes/{wish}/claim", {})
    desk.post("cadre", f"/wishes/{wish}/release", {"reason": "出差"})
    desk.post("cadre", f"/wishes/{wish}/claim", {})
    [row] = desk.get("clerk", "/wishes", state="claimed")["items"]
    assert (row["id"], row["claimant_id"], row["claimant_name"]) == (wish, member, "张三")
    assert "resident_name" not in row and "wish" not in row

    desk.post("cadre", f"/wishes/{wish}/fulfil", {"note": "送到赵六家中"})
    # The resident's confirmation is taken by the committee, not by cadres.
    desk.post("cadre", f"/wishes/{wish}/confirm", None, 403)
    desk.post("clerk", f"/wishes/{wish}/send-back", {"reason": "型号不对"})
    desk.post("cadre", f"/wishes/{wish}/fulfil", {"note": "换了一台"})
    desk.post("clerk", f"/wishes/{wish}/confirm")
    desk.post("clerk", f"/wishes/{wish}/publish", {"summary": "x"}, 403)
    desk.post("supervisor", f"/wishes/{wish}/publish", {"summary": "为独居老人送去一台收音机"})
    detail = desk.get("clerk", f"/wishes/{wish}")
    assert (detail["state"], detail["summary"]) == ("published", "为独居老人送去一台收音机")
    assert [m["move"] for m in detail["moves"]] == ["released", "sent_back"]

    history = desk.get("reviewer", f"/wishes/{wish}/history")["items"]
    assert [e["event"] for e in history] == [
        "Wish.Posted",
        "Wish.Claimed",
        "Wish.Released",
        "Wish.Claimed",
        "Wish.Fulfilled",
        "Wish.SentBack",
        "Wish.Fulfilled",
        "Wish.Confirmed",
        "Wish.Published",
    ]
    assert history[0]["fields"]["personal"] == "[sealed]"
    assert history[4]["fields"]["note"] == "送到赵六家中"

    [public] = desk.public("/public/wishes")["items"]
    assert (public["id"], public["claimant"]) == (wish, "张*")


def test_wish_rules_and_input(desk: Desk) -> None:
    wish = str(desk.roster.wish)
    assert desk.post("clerk", f"/wishes/{wish}/fulfil", {"note": "x"}, 409)["rule"] == (
        "fulfil_state"
    )
    assert desk.post("clerk", f"/wishes/{wish}/confirm", None, 409)["rule"] == "confirm_state"
    desk.post("clerk", f"/wishes/{wish}/claim", {"member_id": str(desk.roster.member)})
    assert desk.post("cadre", f"/wishes/{wish}/claim", {}, 409)["rule"] == "already_claimed"
    desk.post("reviewer", "/wishes", wish_body(desk.org), 403)
    for changes, field in (
        ({"resident_name": None}, "resident_name"),
        ({"contact_phone": "12"}, "contact_phone"),
        ({"title": "赵六的收音机"}, "title"),
        ({"household_id": MISSING}, None),
        ({"wish": ""}, "wish"),
        ({"extra": 1}, "extra"),
    ):
        status = 404 if field is None else 422
        refused = desk.post("clerk", "/wishes", wish_body(desk.org, **changes), status)
        assert refused.get("field") == field, changes
    desk.get("clerk", f"/wishes/{MISSING}", 404)
    desk.get("clerk", f"/wishes/{desk.roster.request}/history", 404)
    desk.post("clerk", f"/wishes/{wish}/withdraw", {"reason": ""}, 422)


def test_an_alliance_need_is_met_by_a_resident_unit(desk: Desk) -> None:
    unit = str(desk.roster.resident_unit)
    need = desk.post("clerk", "/needs", need_body(desk.org), 201)["id"]
    desk.post("cadre", "/needs", need_body(desk.org), 403)  # listing is the committee's
    desk.post("cadre", f"/needs/{need}/claim", {"resident_unit_id": unit}, 403)
    desk.post("clerk", f"/needs/{need}/claim", {"resident_unit_id": unit})
    [row] = desk.get("clerk", "/needs", resident_unit_id=unit, state="claimed")["items"]
    assert (row["id"], row["resident_unit_name"], row["alliance"]) == (
        need,
        "区人民医院",
        "区域化党建联盟",
    )
    desk.post("clerk", f"/needs/{need}/fulfil", {"note": "义诊120人次"})
    desk.post("clerk", f"/needs/{need}/send-back", {"reason": "缺少签到表"})
    desk.post("clerk", f"/needs/{need}/fulfil", {"note": "补交签到表"})
    desk.post("clerk", f"/needs/{need}/confirm")
    desk.post("supervisor", f"/needs/{need}/publish", {"summary": "区人民医院为老人义诊"})
    detail = desk.get("clerk", f"/needs/{need}")
    assert (detail["kind"], detail["state"], detail["claimant_id"]) == ("need", "published", unit)
    assert detail["details"] == {
        "description": "为辖区老人组织一次健康义诊",
        "alliance": "区域化党建联盟",
    }
    events = [e["event"] for e in desk.get("clerk", f"/needs/{need}/history")["items"]]
    assert events == [
        "Need.Listed",
        "Need.Claimed",
        "Need.Fulfilled",
        "Need.SentBack",
        "Need.Fulfilled",
        "Need.Confirmed",
        "Need.Published",
    ]
    [public] = desk.public("/public/needs")["items"]
    assert (public["id"], public["claimant"], public["summary"]) == (
        need,
        "区人民医院",
        "区人民医院为老人义诊",
    )


def test_a_unit_holds_at_most_two_open_claims(desk: Desk) -> None:
    unit = {"resident_unit_id": str(desk.roster.resident_unit)}
    first, second, third = (
        desk.post("clerk", "/needs", need_body(desk.org, title=f"需求{n}"), 201)["id"]
        for n in range(3)
    )
    desk.post("clerk", f"/needs/{first}/claim", unit)
    desk.post("clerk", f"/needs/{second}/claim", unit)
    refused = desk.post("clerk", f"/needs/{third}/claim", unit, 409)
    assert refused["rule"] == "unit_claim_limit"
    assert desk.get("clerk", f"/needs/{third}")["state"] == "open"
    # Confirmed done, a claim is no longer open: the unit may take another.
    desk.post("clerk", f"/needs/{first}/fulfil", {"note": "完成"})
    desk.post("clerk", f"/needs/{first}/confirm")
    desk.post("clerk", f"/needs/{third}/claim", unit)
    assert desk.post("clerk", f"/needs/{desk.roster.need}/claim", unit, 409)["rule"] == (
        "unit_claim_limit"
    )
    desk.post("clerk", f"/needs/{second}/release", {"reason": "人手不足"})
    desk.post("clerk", f"/needs/{desk.roster.need}/claim", unit)


def test_three_claims_by_one_unit_at_once_leave_it_two(
    desk: Desk, client: TestClient, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = {"resident_unit_id": str(desk.roster.resident_unit)}
    # All three read the unit's open claims before any saves: the limit must still hold.
    load = system.app._unit_claims

    def slow_load(unit_id: Any) -> Any:
        loaded = load(unit_id)
        time.sleep(0.2)
        return loaded

    monkeypatch.setattr(system.app, "_unit_claims", slow_load)
    needs = [
        desk.post("clerk", "/needs", need_body(desk.org, title=f"需求{n}"), 201)["id"]
        for n in range(3)
    ]
    answers = at_once(
        client,
        [
            (f"/needs/{need}/claim", unit, headers)
            for need, headers in zip(
                needs, (desk.tokens.clerk, desk.tokens.supervisor, desk.tokens.admin), strict=True
            )
        ],
    )
    assert sorted(status for status, _ in answers) == [200, 200, 409], answers
    assert [body["rule"] for status, body in answers if status == 409] == ["unit_claim_limit"]
    desk.position = max(body["position"] for status, body in answers if status == 200)
    held = desk.get("clerk", "/needs", resident_unit_id=unit["resident_unit_id"])
    assert held["total"] == 2
