"""The public ledger needs no token and shows no personal data.

Residents, members, households and every text that may name someone are seeded with
marker strings; requests, a micro-wish and an alliance need go all the way to
publication; then every public endpoint, every page of every public list and every
filter is read, and no marker may appear anywhere in what comes back."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import HOUSEHOLD, Desk, expect, need_body, wish_body

MARKERS = {
    "member_name": "标记党员甲",
    "member_phone": "13955501111",
    "member_address": "标记地址乙",
    "head_name": "标记户主丙",
    "head_phone": "13955502222",
    "household_building": "标记楼丁",
    "description": "标记描述戊",
    "contact_name": "标记联系人己",
    "contact_phone": "13955503333",
    "building": "标记楼庚",
    "note": "标记进展辛",
    "solution": "标记方案壬",
    "evidence": "标记证据癸",
    "send_back": "标记退回子",
    "comment": "标记评价丑",
    "dissatisfied": "标记不满寅",
    "anonymous": "标记匿名卯",
    "resident_name": "标记居民辰",
    "resident_phone": "13955504444",
    "wish": "标记心愿巳",
    "fulfilment": "标记兑现午",
    "need_note": "标记需求未",
    "release": "标记释放申",
    "unpublished": "标记未公开酉",
}

LEDGER_KEYS = {
    "id",
    "state",
    "category",
    "category_name_zh",
    "category_name_en",
    "community_id",
    "community_name",
    "branch_id",
    "branch_name",
    "placed_on",
    "resolved_on",
    "published_on",
    "on_time",
    "satisfaction",
    "summary",
}
CLAIMABLE_KEYS = {
    "id",
    "title",
    "community_name",
    "branch_name",
    "claimant",
    "claimed_on",
    "fulfilled_on",
    "published_on",
    "summary",
}
PAGE_KEYS = {"items", "total", "offset", "limit"}


def seed(desk: Desk) -> dict[str, Any]:
    """Marked people and texts, taken to publication; what was published."""
    m = MARKERS
    member = desk.member(m["member_name"], m["member_phone"], address=m["member_address"])
    household = desk.post(
        "supervisor",
        "/households",
        {
            **HOUSEHOLD,
            "branch_id": str(desk.org.branch),
            "head_name": m["head_name"],
            "head_phone": m["head_phone"],
            "building": m["household_building"],
        },
        201,
    )["id"]
    claim = {"member_id": member}

    def work(request: str, *, visit: dict[str, Any] | None) -> None:
        desk.post("clerk", f"/requests/{request}/classify", {"branch_id": str(desk.org.branch)})
        desk.post("clerk", f"/requests/{request}/claim", claim)
        desk.post("clerk", f"/requests/{request}/release", {"reason": m["release"]})
        desk.post("clerk", f"/requests/{request}/claim", claim)
        desk.post("clerk", f"/requests/{request}/progress", {"note": m["note"]})
        solution = {"solution": m["solution"], "evidence": [m["evidence"]]}
        desk.post("clerk", f"/requests/{request}/resolve", solution)
        desk.post("supervisor", f"/requests/{request}/send-back", {"reason": m["send_back"]})
        desk.post("clerk", f"/requests/{request}/resolve", solution)
        desk.post("supervisor", f"/requests/{request}/accept")
        if visit:
            desk.post("clerk", f"/requests/{request}/visit", visit)

    resident = desk.place(
        description=m["description"],
        contact_name=m["contact_name"],
        contact_phone=m["contact_phone"],
        building=m["building"],
    )
    work(resident, visit={"satisfaction": "satisfied", "comment": m["comment"]})
    desk.post("supervisor", f"/requests/{resident}/publish", {"summary": "楼道灯损坏，已更换。"})
    desk.post("supervisor", f"/requests/{resident}/close")

    of_household = desk.place(
        description=m["description"],
        requester_kind="household",
        household_id=household,
        contact_name=...,
        contact_phone=...,
        building=...,
    )
    dissatisfied = {"satisfaction": "dissatisfied", "reason": m["dissatisfied"]}
    work(of_household, visit=dissatisfied)
    desk.post("clerk", f"/requests/{of_household}/resolve", {"solution": m["solution"]})
    desk.post("supervisor", f"/requests/{of_household}/accept")
    visit = {"satisfaction": "basically_satisfied", "comment": m["comment"]}
    desk.post("clerk", f"/requests/{of_household}/visit", visit)
    desk.post("supervisor", f"/requests/{of_household}/publish", {"summary": "下水道堵塞已疏通。"})

    anonymous = desk.place(
        description=m["anonymous"],
        requester_kind="anonymous",
        contact_name=...,
        contact_phone=...,
        category="safety",
    )
    work(anonymous, visit=None)
    desk.post("supervisor", f"/requests/{anonymous}/publish", {"summary": "路口井盖已补齐。"})

    unpublished = desk.place(description=m["unpublished"], contact_name=m["contact_name"])
    work(unpublished, visit=None)

    wish = desk.post(
        "clerk",
        "/wishes",
        wish_body(
            desk.org,
            resident_name=m["resident_name"],
            contact_phone=m["resident_phone"],
            wish=m["wish"],
        ),
        201,
    )["id"]
    household_wish = desk.post(
        "clerk",
        "/wishes",
        wish_body(desk.org, household_id=household, resident_name=None, wish=m["wish"]),
        201,
    )["id"]
    for item in (wish, household_wish):
        desk.post("clerk", f"/wishes/{item}/claim", claim)
        desk.post("clerk", f"/wishes/{item}/release", {"reason": m["release"]})
        desk.post("clerk", f"/wishes/{item}/claim", claim)
        desk.post("clerk", f"/wishes/{item}/fulfil", {"note": m["fulfilment"]})
        desk.post("supervisor", f"/wishes/{item}/send-back", {"reason": m["send_back"]})
        desk.post("clerk", f"/wishes/{item}/fulfil", {"note": m["fulfilment"]})
        desk.post("clerk", f"/wishes/{item}/confirm")
        desk.post("supervisor", f"/wishes/{item}/publish", {"summary": "为老人送去收音机。"})

    need = desk.post("clerk", "/needs", need_body(desk.org), 201)["id"]
    unit = {"resident_unit_id": str(desk.roster.resident_unit)}
    desk.post("clerk", f"/needs/{need}/claim", unit)
    desk.post("clerk", f"/needs/{need}/fulfil", {"note": m["need_note"]})
    desk.post("clerk", f"/needs/{need}/confirm")
    desk.post("supervisor", f"/needs/{need}/publish", {"summary": "医院为老人义诊。"})

    # The markers did reach the system: staff read them back (contact details shown by a
    # recorded disclosure), in the raw text too.
    shown = desk.client.post(
        "/personal/disclosures",
        json={"subject_id": resident, "reason": "回访"},
        headers=desk.tokens.clerk,
    )
    assert m["contact_name"] in shown.text and m["contact_phone"] in shown.text
    detail = desk.get("clerk", f"/requests/{resident}")
    assert detail["description"] == m["description"]
    assert detail["contact_name"] != m["contact_name"]  # masked until shown
    history = str(desk.get("clerk", f"/requests/{resident}/history"))
    assert m["solution"] in history and m["comment"] in history and m["note"] in history
    wish_contact = desk.post(
        "clerk", "/personal/disclosures", {"subject_id": wish, "reason": "送货"}, 201
    )
    assert wish_contact["fields"]["resident_name"] == m["resident_name"]
    assert desk.get("clerk", f"/members/{member}")["name"] == m["member_name"]
    return {
        "requests": [resident, of_household, anonymous],
        "unpublished": unpublished,
        "wishes": [wish, household_wish],
        "needs": [need],
    }


def read(desk: Desk, path: str, **params: Any) -> tuple[Any, str]:
    """A public read without a token: its body and its raw text."""
    response = desk.client.get(path, params={"min_position": desk.position, **params})
    body = expect(response, 200)
    return body, response.text


def every_page(desk: Desk, path: str, **params: Any) -> list[tuple[Any, str]]:
    """The list in full, then one item per page."""
    first = read(desk, path, **params)
    pages = [first]
    for offset in range(first[0]["total"]):
        pages.append(read(desk, path, offset=offset, limit=1, **params))
    return pages


def test_the_public_ledger_shows_no_personal_data(desk: Desk) -> None:
    published = seed(desk)
    org = desk.org
    ledger, _ = read(desk, "/public/requests")
    assert {i["id"] for i in ledger["items"]} == set(published["requests"])
    month = ledger["items"][0]["placed_on"][:7]

    answers: list[tuple[Any, str]] = []
    for params in (
        {},
        {"community_id": str(org.community)},
        {"branch_id": str(org.branch)},
        {"category": "property"},
        {"month": month},
    ):
        answers += every_page(desk, "/public/requests", **params)
    answers += [read(desk, f"/public/requests/{r}") for r in published["requests"]]
    answers += every_page(desk, "/public/wishes")
    answers += every_page(desk, "/public/wishes", community_id=str(org.community))
    answers += every_page(desk, "/public/needs")
    answers += every_page(desk, "/public/needs", community_id=str(org.community))

    for body, text in answers:
        for name, marker in MARKERS.items():
            assert marker not in text, (name, text)
        items = body.get("items", [body])
        for item in items:
            assert set(item) in (LEDGER_KEYS, CLAIMABLE_KEYS), item
        if "items" in body:
            assert set(body) == PAGE_KEYS
    assert len(answers) > 20

    unpublished = desk.client.get(f"/public/requests/{published['unpublished']}")
    assert unpublished.status_code == 404
    assert MARKERS["unpublished"] not in unpublished.text


def test_the_public_items_are_the_allowlist(desk: Desk) -> None:
    published = seed(desk)
    ledger, _ = read(desk, "/public/requests")
    assert ledger["total"] == 3
    by_id = {i["id"]: i for i in ledger["items"]}
    resident, of_household, anonymous = (by_id[r] for r in published["requests"])
    for item in ledger["items"]:
        assert set(item) == LEDGER_KEYS
        assert (item["community_name"], item["branch_name"]) == ("鹏泉社区", "第一网格党支部")
        assert item["on_time"] is True
    assert (resident["satisfaction"], resident["category_name_zh"]) == ("satisfied", "物业与设施")
    assert of_household["satisfaction"] == "basically_satisfied"
    assert (anonymous["satisfaction"], anonymous["category"]) == (None, "safety")
    assert read(desk, "/public/requests", category="safety")[0]["total"] == 1
    assert read(desk, "/public/requests", month="1999-01")[0]["total"] == 0

    wishes, _ = read(desk, "/public/wishes")
    assert {w["id"] for w in wishes["items"]} == set(published["wishes"])
    for wish in wishes["items"]:
        assert set(wish) == CLAIMABLE_KEYS
        assert wish["claimant"] == "标***甲"  # the member's name, masked
    [need] = read(desk, "/public/needs")[0]["items"]
    assert set(need) == CLAIMABLE_KEYS and need["claimant"] == "区人民医院"


def test_the_public_endpoints_need_no_token(desk: Desk) -> None:
    spec = expect(desk.client.get("/openapi.json"), 200)
    public = [p for p in spec["paths"] if p.startswith("/public/")]
    assert sorted(public) == [
        "/public/needs",
        "/public/rankings",
        "/public/requests",
        "/public/requests/{request_id}",
        "/public/selections/{year}",
        "/public/wishes",
    ]
    for path in public:
        assert "security" not in spec["paths"][path]["get"], path
    for path in ("/public/requests", "/public/wishes", "/public/needs"):
        assert expect(desk.client.get(path), 200)["total"] == 0
        # A token, even a broken one, changes nothing.
        broken = {"Authorization": "Bearer not-a-token"}
        assert expect(desk.client.get(path, headers=broken), 200)["items"] == []
    # Staff reads still need one.
    expect(desk.client.get("/requests"), 401)
    expect(desk.client.get(f"/requests/{desk.roster.request}"), 401)


def test_public_queries_check_their_parameters(desk: Desk) -> None:
    for params, field in (
        ({"month": "2024-13"}, "month"),
        ({"month": "May"}, "month"),
        ({"limit": 0}, "limit"),
        ({"community_id": "pengquan"}, "community_id"),
    ):
        response = desk.client.get("/public/requests", params=params)
        assert expect(response, 422)["field"] == field, params
    expect(desk.client.get(f"/public/requests/{desk.roster.request}"), 404)
    expect(desk.client.get("/public/requests/not-an-id"), 422)


def test_a_summary_that_names_the_resident_is_refused(desk: Desk) -> None:
    request = desk.place(contact_name="欧阳秘密", contact_phone="13987654321")
    desk.post("clerk", f"/requests/{request}/classify", {"branch_id": str(desk.org.branch)})
    desk.post("clerk", f"/requests/{request}/claim", {"member_id": str(desk.roster.member)})
    desk.post("clerk", f"/requests/{request}/resolve", {"solution": "x"})
    desk.post("supervisor", f"/requests/{request}/accept")
    desk.post("clerk", f"/requests/{request}/visit", {"satisfaction": "satisfied"})
    for summary in ("欧阳秘密家的灯修好了", "请致电13987654321", "身份证110105194912310021"):
        refused = desk.post("supervisor", f"/requests/{request}/publish", {"summary": summary}, 422)
        assert refused["field"] == "summary"
        assert "欧阳秘密" not in str(refused) and "13987654321" not in str(refused)
    assert read(desk, "/public/requests")[0]["total"] == 0


def test_a_field_the_read_model_adds_never_reaches_the_public(
    desk: Desk, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public schemas are allowlists that refuse what they do not name: a private
    field slipped into an item fails the response instead of being published."""
    published = seed(desk)
    ledger = system.requests.public_ledger
    outcome = system.requests.public_outcome

    def leaky_ledger(**kwargs: Any) -> Any:
        page = ledger(**kwargs)
        items = [{**i, "contact_phone": MARKERS["contact_phone"]} for i in page.items]
        return dataclasses.replace(page, items=items)

    def leaky_outcome(request_id: Any, **kwargs: Any) -> Any:
        return {**outcome(request_id, **kwargs), "description": MARKERS["description"]}

    monkeypatch.setattr(system.requests, "public_ledger", leaky_ledger)
    monkeypatch.setattr(system.requests, "public_outcome", leaky_outcome)
    with TestClient(desk.client.app, raise_server_exceptions=False) as client:
        for path in ("/public/requests", f"/public/requests/{published['requests'][0]}"):
            response = client.get(path, params={"min_position": desk.position})
            assert response.status_code == 500, path
            assert MARKERS["contact_phone"] not in response.text
            assert MARKERS["description"] not in response.text
