"""The public rankings and the published selection need no token and show no personal
data: members are registered with marker strings in their names, phones, addresses and
ID numbers, earn points in a year that is then closed, finalized and its selection
published; every public answer (every filter, every page) is read, and no marker may
appear in it except a name in its masked form."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import LAST_YEAR, Desk, expect

Y = LAST_YEAR

#: Name, phone, address and ID number of each marked member (names masked: 标***甲).
PEOPLE = [
    ("标记党员甲", "13955501111", "标记地址甲", "11010519700101001"),
    ("标记党员乙", "13955502222", "标记地址乙", "11010519700202002"),
    ("欧阳标记丙", "13955503333", "标记地址丙", "11010519700303003"),
]
RANKING_KEYS = {"rank", "name", "branch_name", "points", "stars", "star_level"}
SELECTED_KEYS = {"name", "branch_name", "stars", "points"}
PAGE_KEYS = {"items", "total", "offset", "limit"}


def with_check_digit(first17: str) -> str:
    """A mainland ID number (GB 11643): the 17 digits and their check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def markers() -> list[str]:
    """Every personal value seeded (ID numbers in full and without their check digit)."""
    found = []
    for name, phone, address, id17 in PEOPLE:
        found += [name, phone, address, id17, with_check_digit(id17)]
    return found


def seed(desk: Desk, system: System) -> list[str]:
    """The marked members' year, closed and final, its selection published; their ids."""
    members = []
    for i, (name, phone, address, id17) in enumerate(PEOPLE):
        branch = desk.org.branch if i < 2 else desk.org.branch2
        members.append(
            desk.member(
                name,
                phone,
                address=address,
                id_number=with_check_digit(id17),
                branch_id=str(branch),
            )
        )
    # 甲: two themed party days (6 points, 2 stars); 乙: a volunteer service (2); 丙, of
    # the second branch: an outstanding contribution (10).
    deeds = [(0, "party_day", 3), (0, "party_day", 11), (1, "volunteer", 4), (2, "contribution", 5)]
    for who, rule, month in deeds:
        body = {"rule_code": rule, "deed_on": f"{Y}-{month:02d}-01", "note": "记录"}
        desk.post("clerk", f"/members/{members[who]}/awards", body, 201)

    # Staff read the names in full: the markers did reach the system.
    staff = desk.get("clerk", "/rankings", year=Y)
    assert {r["name"] for r in staff["items"]} == {p[0] for p in PEOPLE}
    shown = desk.post(
        "clerk", "/personal/disclosures", {"subject_id": members[0], "reason": "核对"}, 201
    )
    assert shown["fields"]["phone"] == PEOPLE[0][1]

    desk.post("supervisor", f"/periods/{Y}/close")
    now = datetime.now(UTC)
    system.app.clock = lambda: now + timedelta(days=system.settings.publicity_days + 2)
    desk.post("supervisor", f"/periods/{Y}/finalize")
    desk.post("supervisor", f"/selections/{Y}", {"per_branch": 3}, 201)
    desk.post("supervisor", f"/selections/{Y}/confirm", {"chosen": [members[0]]})
    desk.post("supervisor", f"/selections/{Y}/publish")
    return members


def read(desk: Desk, path: str, **params: Any) -> tuple[Any, str]:
    """A public read without a token: its body and its raw text."""
    response = desk.client.get(path, params={"min_position": desk.position, **params})
    return expect(response, 200), response.text


def every_page(desk: Desk, path: str, **params: Any) -> list[tuple[Any, str]]:
    """The list in full, then one item per page."""
    first = read(desk, path, **params)
    pages = [first]
    for offset in range(first[0]["total"]):
        pages.append(read(desk, path, offset=offset, limit=1, **params))
    return pages


def test_the_public_rankings_show_no_personal_data(desk: Desk, system: System) -> None:
    seed(desk, system)
    org = desk.org
    answers: list[tuple[Any, str]] = []
    for params in (
        {},
        {"quarter": 1},
        {"quarter": 2},
        {"quarter": 4},
        {"community_id": str(org.community)},
        {"branch_id": str(org.branch)},
        {"branch_id": str(org.branch2), "quarter": 2},
    ):
        answers += every_page(desk, "/public/rankings", year=Y, **params)
    answers.append(read(desk, f"/public/selections/{Y}"))
    assert len(answers) > 10

    masked = {"标***甲", "标***乙", "欧***丙"}
    seen: set[str] = set()
    for body, text in answers:
        for marker in markers():
            assert marker not in text, (marker, text)
        for item in body.get("items", body.get("members", [])):
            assert set(item) in (RANKING_KEYS, SELECTED_KEYS), item
            assert item["name"] in masked, item
            seen.add(item["name"])
        if "items" in body:
            assert set(body) == PAGE_KEYS
        else:
            assert set(body) == {"year", "published_on", "members"}
    assert seen == masked


def test_the_public_items_are_the_allowlist(desk: Desk, system: System) -> None:
    seed(desk, system)
    ranking, _ = read(desk, "/public/rankings", year=Y)
    assert ranking["total"] == 3
    for item in ranking["items"]:
        assert set(item) == RANKING_KEYS
    assert ranking["items"] == [
        {
            "rank": 1,
            "name": "欧***丙",
            "branch_name": "第二网格党支部",
            "points": 10,
            "stars": 0,
            "star_level": 0,
        },
        {
            "rank": 2,
            "name": "标***甲",
            "branch_name": "第一网格党支部",
            "points": 6,
            "stars": 2,
            "star_level": 2,
        },
        {
            "rank": 3,
            "name": "标***乙",
            "branch_name": "第一网格党支部",
            "points": 2,
            "stars": 0,
            "star_level": 0,
        },
    ]
    q4, _ = read(desk, "/public/rankings", year=Y, quarter=4)
    assert [(i["rank"], i["name"], i["points"]) for i in q4["items"]] == [(1, "标***甲", 3)]

    selection, _ = read(desk, f"/public/selections/{Y}")
    assert selection["year"] == Y
    assert selection["members"] == [
        {"name": "标***甲", "branch_name": "第一网格党支部", "stars": 2, "points": 6}
    ]


def test_an_open_year_and_an_unpublished_selection_are_not_public(desk: Desk) -> None:
    member = desk.member("标记党员甲", "13955501111")
    body = {"rule_code": "study", "deed_on": f"{Y}-03-01", "note": "学习"}
    desk.post("clerk", f"/members/{member}/awards", body, 201)
    desk.get("clerk", "/rankings", year=Y)  # the read model has the award
    for path, params in (
        ("/public/rankings", {"year": Y}),
        (f"/public/selections/{Y}", {}),
    ):
        response = desk.client.get(path, params=params)
        assert response.status_code == 404, path
        assert "标记党员甲" not in response.text
    desk.post("supervisor", f"/periods/{Y}/close")
    ranking, text = read(desk, "/public/rankings", year=Y)
    assert [i["name"] for i in ranking["items"]] == ["标***甲"] and "标记党员甲" not in text
    expect(desk.client.get(f"/public/selections/{Y}"), 404)


def test_the_public_points_need_no_token(desk: Desk, system: System) -> None:
    seed(desk, system)
    spec = expect(desk.client.get("/openapi.json"), 200)
    for path in ("/public/rankings", "/public/selections/{year}"):
        assert "security" not in spec["paths"][path]["get"], path
    broken = {"Authorization": "Bearer not-a-token"}
    after = {"min_position": desk.position}
    ranking = desk.client.get("/public/rankings", params={"year": Y, **after}, headers=broken)
    assert expect(ranking, 200)["total"] == 3
    expect(desk.client.get(f"/public/selections/{Y}", params=after, headers=broken), 200)
    # The staff rankings still need one.
    expect(desk.client.get("/rankings", params={"year": Y}), 401)


def test_public_queries_check_their_parameters(client: TestClient) -> None:
    for params, field in (
        ({}, "year"),
        ({"year": "last"}, "year"),
        ({"year": 0}, "year"),
        ({"year": Y, "quarter": 5}, "quarter"),
        ({"year": Y, "limit": 0}, "limit"),
        ({"year": Y, "branch_id": "first"}, "branch_id"),
    ):
        assert expect(client.get("/public/rankings", params=params), 422)["field"] == field
    assert expect(client.get("/public/selections/last"), 422)["field"] == "year"


def test_the_name_mask_is_a_setting(desk: Desk, system: System) -> None:
    seed(desk, system)
    system.points.settings = dataclasses.replace(system.settings, name_mask="given")
    ranking, _ = read(desk, "/public/rankings", year=Y)
    assert {i["name"] for i in ranking["items"]} == {"标****", "欧****"}
    selection, _ = read(desk, f"/public/selections/{Y}")
    assert [m["name"] for m in selection["members"]] == ["标****"]


def test_a_field_the_read_model_adds_never_reaches_the_public(
    desk: Desk, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public schemas are allowlists: a private field slipped into an item fails the
    response instead of being published."""
    seed(desk, system)
    rankings = system.points.public_rankings
    selection = system.points.public_selection
    phone = PEOPLE[0][1]

    def leaky_rankings(**kwargs: Any) -> Any:
        page = rankings(**kwargs)
        return dataclasses.replace(page, items=[{**i, "phone": phone} for i in page.items])

    def leaky_selection(year: int, **kwargs: Any) -> Any:
        found = selection(year, **kwargs)
        return {**found, "members": [{**m, "phone": phone} for m in found["members"]]}

    monkeypatch.setattr(system.points, "public_rankings", leaky_rankings)
    monkeypatch.setattr(system.points, "public_selection", leaky_selection)
    with TestClient(desk.client.app, raise_server_exceptions=False) as client:
        for path, params in (("/public/rankings", {"year": Y}), (f"/public/selections/{Y}", {})):
            response = client.get(path, params={"min_position": desk.position, **params})
            assert response.status_code == 500, path
            assert phone not in response.text
