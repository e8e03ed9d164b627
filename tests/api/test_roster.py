"""The roster through HTTP: every write is read back, passing the receipt's position as
`min_position` so the read models have caught up with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from tests.api.conftest import HOUSEHOLD, MEMBER, Api, Roster, Tokens, expect
from tests.conftest import Org


def find(nodes: list[dict[str, Any]], unit_id: UUID | str) -> dict[str, Any]:
    for node in nodes:
        if node["id"] == str(unit_id):
            return node
        try:
            return find(node["children"], unit_id)
        except LookupError:
            continue
    raise LookupError(unit_id)


def test_a_supervisor_builds_the_tree_and_reads_it_back(client: TestClient, tokens: Tokens) -> None:
    api = Api(client, tokens.supervisor)
    sd = api.post("/units", {"level": "subdistrict", "name": "凤城街道"}, 201)["id"]
    c = api.post("/units", {"level": "community", "name": "鹏泉社区", "parent_id": sd}, 201)["id"]
    b = api.post(
        "/units",
        {"level": "branch", "name": "第一支部", "parent_id": c, "kind": "direct", "area": "东"},
        201,
    )["id"]
    g = api.post(
        "/units",
        {
            "level": "group",
            "name": "1号楼小组",
            "parent_id": b,
            "kind": "building",
            "place": "1号楼",
        },
        201,
    )["id"]
    tree = api.get("/units")
    assert tree["total"] == 4
    root = tree["items"][0]
    assert (root["id"], root["level"], root["counts"]) == (
        sd,
        "subdistrict",
        {"communities": 1, "members": 0},
    )
    branch = find(tree["items"], b)
    assert branch["parent_id"] == c and branch["kind"] == "direct" and branch["area"] == "东"
    assert branch["counts"]["groups"] == 1
    assert [child["id"] for child in branch["children"]] == [g]

    api.post(f"/units/{b}/rename", {"name": "第一网格党支部", "reason": "规范名称"})
    detail = api.get(f"/units/{b}")
    assert detail["name"] == "第一网格党支部"
    assert detail["status"] == "open" and detail["appointments"] == []

    api.post(f"/units/{g}/close", {"reason": "并入支部"})
    assert [child["id"] for child in find(api.get("/units")["items"], b)["children"]] == []
    closed = find(api.get("/units", include_closed=True)["items"], g)
    assert closed["status"] == "closed"


def test_appointments_are_made_and_ended(client: TestClient, tokens: Tokens, org: Org) -> None:
    api = Api(client, tokens.supervisor)
    member = api.post("/members", {**MEMBER, "branch_id": str(org.branch)}, 201)["id"]
    api.post(f"/units/{org.branch}/appointments", {"role": "secretary", "member_id": member}, 201)
    [post] = api.get(f"/units/{org.branch}")["appointments"]
    assert (post["role"], post["member_id"], post["member_name"]) == ("secretary", member, "张三")
    assert post["ended_on"] is None
    api.post(
        f"/units/{org.branch}/appointments/{post['id']}/end",
        {"reason": "换届", "ended_on": None},
    )
    assert api.get(f"/units/{org.branch}")["appointments"] == []


def test_a_member_is_registered_found_and_read(
    client: TestClient, tokens: Tokens, org: Org
) -> None:
    api = Api(client, tokens.clerk)
    body = {
        **MEMBER,
        "branch_id": str(org.branch),
        "group_id": str(org.group),
        "id_number": "11010519491231002X",
    }
    member = api.post("/members", body, 201)["id"]

    detail = api.get(f"/members/{member}")
    assert {k: detail[k] for k in ("name", "gender", "birth_date")} == {
        k: MEMBER[k] for k in ("name", "gender", "birth_date")
    }
    # Contact details: masked or withheld, shown in clear by a recorded disclosure.
    assert (detail["phone"], detail["address"]) == ("138****5678", None)
    shown = api.post("/personal/disclosures", {"subject_id": member, "reason": "通知开会"}, 201)
    assert shown["fields"] == {"phone": MEMBER["phone"], "address": MEMBER["address"]}
    assert detail["id_number_masked"] == "110105********002X"
    assert (detail["branch_id"], detail["group_id"], detail["community_id"]) == (
        str(org.branch),
        str(org.group),
        str(org.community),
    )
    assert (detail["kind"], detail["status"], detail["erased"]) == ("resident", "active", False)

    for query in ({"q": "张"}, {"q": "1381234"}, {"unit_id": str(org.group)}, {}):
        page = api.get("/members", **query)
        assert [m["id"] for m in page["items"]] == [member], query
        assert page["total"] == 1
    row = page["items"][0]
    assert (row["branch_name"], row["group_name"], row["households_linked"]) == (
        "第一网格党支部",
        "1号楼党小组",
        0,
    )
    assert api.get("/members", q="李")["items"] == []
    assert api.get("/members", unit_id=str(org.branch2))["total"] == 0
    page = api.get("/members", offset=1, limit=1)
    assert (page["items"], page["total"], page["offset"], page["limit"]) == ([], 1, 1, 1)


def test_a_member_is_transferred_corrected_and_deregistered_with_history(
    client: TestClient, tokens: Tokens, org: Org
) -> None:
    api = Api(client, tokens.cadre)
    member = api.post("/members", {**MEMBER, "branch_id": str(org.branch)}, 201)["id"]
    # Registered today, so today is the earliest day it may be deregistered on.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    api.post(f"/members/{member}/transfer", {"branch_id": str(org.branch2), "reason": "搬家"})
    assert api.get(f"/members/{member}")["branch_id"] == str(org.branch2)
    assert api.get("/members", unit_id=str(org.branch2))["total"] == 1

    api.post(f"/members/{member}/correct", {"phone": "13700000000", "reason": "本人更正"})
    assert api.get(f"/members/{member}")["phone"] == "137****0000"
    assert api.get("/members", q="13700000000")["total"] == 1

    api.post(
        f"/members/{member}/deregister",
        {"cause": "moved", "reason": "迁出", "on": today},
    )
    detail = api.get(f"/members/{member}")
    assert detail["status"] == "deregistered"
    assert detail["deregistration"] == {"cause": "moved", "on": today, "reason": "迁出"}
    assert api.get("/members")["total"] == 0
    assert api.get("/members", status="deregistered")["total"] == 1
    assert api.get("/members", status="all")["total"] == 1

    history = api.get(f"/members/{member}/history")
    assert [e["event"] for e in history["items"]] == [
        "Member.Registered",
        "Member.Transferred",
        "Member.Corrected",
        "Member.Deregistered",
    ]
    assert history["total"] == 4
    assert all(e["actor"] == "cadre" for e in history["items"])
    registered, _, corrected, _ = history["items"]
    assert registered["fields"]["personal"] == "[sealed]"
    assert corrected["fields"]["fields"] == ["phone"]
    assert "13700000000" not in str(history) and "张三" not in str(history)


def test_links_and_contacts_are_read_from_both_sides(
    client: TestClient, tokens: Tokens, org: Org
) -> None:
    api = Api(client, tokens.clerk)
    member = api.post("/members", {**MEMBER, "branch_id": str(org.branch)}, 201)["id"]
    household = api.post("/households", {**HOUSEHOLD, "branch_id": str(org.branch)}, 201)["id"]
    link = {"member_id": member, "household_id": household}
    api.post("/links", {**link, "since": "2024-03-01"}, 201)
    api.post(
        "/links/contacts",
        {**link, "channel": "visit", "on": "2024-03-02", "note": "老人身体好"},
        201,
    )

    [linked] = api.get(f"/members/{member}/links")["items"]
    assert (linked["household_id"], linked["active"], linked["contacts"]) == (household, True, 1)
    assert (linked["since"], linked["last_contact_on"]) == ("2024-03-01", "2024-03-02")
    assert (linked["building"], linked["room"], linked["head_name"]) == ("1号楼", None, "李四")

    for path in (f"/members/{member}/contacts", f"/households/{household}/contacts"):
        [entry] = api.get(path)["items"]
        assert (entry["channel"], entry["on"], entry["note"], entry["logged_by"]) == (
            "visit",
            "2024-03-02",
            "老人身体好",
            "clerk",
        )
        assert "note_sealed" not in entry
    assert api.get("/households", q="李四")["items"][0]["members_linked"] == 1

    api.post("/links/unlink", {**link, "reason": "住户搬离"})
    assert api.get(f"/members/{member}/links")["items"][0]["active"] is False
    assert api.get("/households")["items"][0]["members_linked"] == 0
    api.post("/links", link, 201)
    assert api.get(f"/members/{member}/links")["items"][0]["active"] is True


def test_a_household_is_registered_listed_corrected_and_closed(
    client: TestClient, tokens: Tokens, org: Org
) -> None:
    api = Api(client, tokens.cadre)
    household = api.post(
        "/households", {**HOUSEHOLD, "branch_id": str(org.branch), "group_id": str(org.group)}, 201
    )["id"]
    detail = api.get(f"/households/{household}")
    contact = {"unit", "room", "head_phone"}
    assert {k: detail[k] for k in HOUSEHOLD if k not in contact} == {
        k: v for k, v in HOUSEHOLD.items() if k not in contact
    }
    assert (detail["unit"], detail["room"], detail["head_phone"]) == (None, None, "139****1111")
    assert (detail["branch_id"], detail["group_id"], detail["status"]) == (
        str(org.branch),
        str(org.group),
        "open",
    )
    for query in ({}, {"unit_id": str(org.group)}, {"q": "李四"}, {"q": "1号楼"}):
        assert [h["id"] for h in api.get("/households", **query)["items"]] == [household], query
    assert api.get("/households", unit_id=str(org.branch2))["total"] == 0

    api.post(f"/households/{household}/correct", {"size": 4, "room": "102", "reason": "核实"})
    detail = api.get(f"/households/{household}")
    assert (detail["size"], detail["room"]) == (4, None)
    assert api.get("/households")["items"][0]["room"] is None
    shown = api.post("/personal/disclosures", {"subject_id": household, "reason": "上门"}, 201)
    assert shown["fields"] == {"unit": "1单元", "room": "102", "head_phone": "13900001111"}

    api.post(f"/households/{household}/close", {"reason": "搬离"})
    assert api.get(f"/households/{household}")["status"] == "closed"
    assert api.get("/households")["total"] == 0


def test_resident_units_and_their_in_service_members(
    client: TestClient, tokens: Tokens, org: Org
) -> None:
    api = Api(client, tokens.clerk)
    unit = api.post(
        "/resident-units",
        {"name": "区税务局", "kind": "agency", "community_id": str(org.community)},
        201,
    )["id"]
    [row] = api.get("/resident-units")["items"]
    assert (row["id"], row["name"], row["kind"], row["status"], row["members"]) == (
        unit,
        "区税务局",
        "agency",
        "open",
        0,
    )
    assert api.get("/resident-units", community_id=str(org.other_community))["total"] == 0

    api.post(f"/resident-units/{unit}/rename", {"name": "区税务分局", "reason": "更名"})
    member = api.post(
        "/members",
        {**MEMBER, "branch_id": str(org.branch), "kind": "in_service", "resident_unit_id": unit},
        201,
    )["id"]
    [row] = api.get("/resident-units", community_id=str(org.community))["items"]
    assert (row["name"], row["members"]) == ("区税务分局", 1)
    assert api.get("/members", unit_id=unit)["items"][0]["id"] == member

    refused = expect(
        client.post(f"/resident-units/{unit}/close", json={"reason": "撤销"}, headers=api.headers),
        409,
    )
    assert refused["rule"] == "unit_has_members"
    api.post(f"/members/{member}/deregister", {"cause": "moved", "reason": "调离"})
    api.post(f"/resident-units/{unit}/close", {"reason": "撤销"})
    assert api.get("/resident-units")["items"][0]["status"] == "closed"


def test_a_reviewer_reads_everything(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    api = Api(client, tokens.reviewer)
    api.position = roster.position
    assert api.get("/members")["total"] == 1
    assert api.get(f"/members/{roster.member}")["name"] == "张三"
    assert api.get(f"/members/{roster.member}/history")["total"] == 1
    assert api.get(f"/members/{roster.member}/links")["total"] == 1
    assert api.get(f"/members/{roster.member}/contacts")["total"] == 1
    assert api.get("/households")["total"] == 1
    assert api.get(f"/households/{roster.household}")["head_name"] == "李四"
    assert api.get(f"/households/{roster.household}/contacts")["total"] == 1
    assert api.get("/resident-units")["total"] == 1
    assert api.get("/units")["total"] == 7
    assert len(api.get(f"/units/{roster.org.branch}")["appointments"]) == 1
