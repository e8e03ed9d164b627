"""API fixtures: a client on a fresh SQLite system, a token per role, a small roster.

The `system` fixture is narrowed to SQLite here, so the shared `staff` and `org`
fixtures build on the same system the client serves.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.main import create_app
from projections.stores import SQLCredentialStore
from projections.system import System
from tests.conftest import ADMIN_PASSWORD, PASSWORD, Org, Staff

with warnings.catch_warnings():
    # Starlette would rather have httpx2; httpx is what the project pins.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

Headers = dict[str, str]


@pytest.fixture
def system(sqlite_system: System) -> System:
    # Staff accounts opened from here on hash with cheap Argon2 parameters: these tests
    # are about HTTP, and the defaults cost ~0.1 s for every hash and every check.
    credentials = sqlite_system.app.credentials
    assert isinstance(credentials, SQLCredentialStore)
    credentials.hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024),))
    return sqlite_system


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system)) as c:
        yield c


def expect(response: httpx.Response, status: int) -> Any:
    """The JSON body of a response that must have `status` (the body shows on failure)."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def login(client: TestClient, username: str, password: str) -> Headers:
    body = expect(
        client.post("/auth/token", data={"username": username, "password": password}), 200
    )
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


class Api:
    """One account's client: posts that must succeed, gets that wait for the last write
    (pass `position` on from another Api to read what it wrote)."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.position = 0

    def post(self, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        receipt: dict[str, Any] = expect(
            self.client.post(path, json=body, headers=self.headers), status
        )
        if "position" in receipt:
            self.position = receipt["position"]
        return receipt

    def get(self, path: str, **params: Any) -> Any:
        params["min_position"] = self.position
        return expect(self.client.get(path, params=params, headers=self.headers), 200)


@dataclass
class Tokens:
    """Authorization headers for one account of each role."""

    admin: Headers
    clerk: Headers
    cadre: Headers
    supervisor: Headers
    reviewer: Headers


@pytest.fixture
def tokens(client: TestClient, staff: Staff) -> Tokens:
    return Tokens(
        login(client, "admin", ADMIN_PASSWORD),
        *(login(client, r, PASSWORD) for r in ("clerk", "cadre", "supervisor", "reviewer")),
    )


MEMBER: dict[str, Any] = {
    "name": "张三",
    "gender": "male",
    "birth_date": "1970-01-02",
    "phone": "13812345678",
    "address": "1号楼1单元101",
    "joined_party_on": "1995-07-01",
}

HOUSEHOLD: dict[str, Any] = {
    "building": "1号楼",
    "unit": "1单元",
    "room": "101",
    "head_name": "李四",
    "head_phone": "13900001111",
    "size": 3,
}


#: Today as the station sees it, or the day before (never after): a deed date.
TODAY = datetime.now(UTC).date()
#: A year that has ended, so that it may be closed.
LAST_YEAR = TODAY.year - 1
#: An id of nothing.
MISSING = "3f0e9c1a-1111-4222-8333-944455556666"


@dataclass
class Roster:
    """A member (liaison of the branch), a household linked to them with one contact,
    a resident unit, a request and a micro-wish of the household, an alliance need and
    a study session held today, all written through the API."""

    org: Org
    member: UUID
    household: UUID
    resident_unit: UUID
    appointment: UUID
    request: UUID
    receipt_code: str
    wish: UUID
    need: UUID
    activity: UUID
    position: int


def request_body(org: Org, **changes: Any) -> dict[str, Any]:
    """A resident's walk-in request in the branch's area."""
    body: dict[str, Any] = {
        "channel": "walk_in",
        "category": "property",
        "description": "楼道灯坏了",
        "community_id": str(org.community),
        "branch_id": str(org.branch),
        "building": "1号楼",
        "requester_kind": "resident",
        "contact_name": "王五",
        "contact_phone": "13900002222",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def wish_body(org: Org, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "community_id": str(org.community),
        "branch_id": str(org.branch),
        "title": "一台收音机",
        "wish": "想要一台收音机听戏",
        "resident_name": "赵六",
        "contact_phone": "13900003333",
    }
    body.update(changes)
    return body


def need_body(org: Org, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "community_id": str(org.community),
        "title": "社区义诊",
        "description": "为辖区老人组织一次健康义诊",
        "alliance": "区域化党建联盟",
    }
    body.update(changes)
    return body


def activity_body(org: Org, **changes: Any) -> dict[str, Any]:
    """A study session of the branch, held today."""
    body: dict[str, Any] = {
        "title": "党章学习",
        "rule_code": "study",
        "held_on": TODAY.isoformat(),
        "community_id": str(org.community),
        "branch_id": str(org.branch),
    }
    body.update(changes)
    return body


@pytest.fixture
def roster(client: TestClient, tokens: Tokens, org: Org, system: System) -> Roster:
    h = tokens.supervisor
    member = expect(
        client.post("/members", json={**MEMBER, "branch_id": str(org.branch)}, headers=h), 201
    )
    household = expect(
        client.post("/households", json={**HOUSEHOLD, "branch_id": str(org.branch)}, headers=h),
        201,
    )
    link = {"member_id": member["id"], "household_id": household["id"]}
    expect(client.post("/links", json=link, headers=h), 201)
    expect(client.post("/links/contacts", json={**link, "channel": "visit"}, headers=h), 201)
    unit = expect(
        client.post(
            "/resident-units",
            json={"name": "区人民医院", "kind": "institution", "community_id": str(org.community)},
            headers=h,
        ),
        201,
    )
    appointed = expect(
        client.post(
            f"/units/{org.branch}/appointments",
            json={"role": "liaison", "member_id": member["id"], "label": "1号楼"},
            headers=h,
        ),
        201,
    )
    detail = expect(
        client.get(f"/units/{org.branch}?min_position={appointed['position']}", headers=h), 200
    )
    of_household = {
        "requester_kind": "household",
        "household_id": household["id"],
        "contact_name": ...,
        "contact_phone": ...,
    }
    placed = expect(
        client.post("/requests", json=request_body(org, **of_household), headers=h), 201
    )
    wish = expect(
        client.post(
            "/wishes",
            json=wish_body(org, household_id=household["id"], resident_name=None),
            headers=h,
        ),
        201,
    )
    need = expect(client.post("/needs", json=need_body(org), headers=h), 201)
    activity = expect(client.post("/activities", json=activity_body(org), headers=h), 201)
    return Roster(
        org,
        UUID(member["id"]),
        UUID(household["id"]),
        UUID(unit["id"]),
        UUID(detail["appointments"][0]["id"]),
        UUID(placed["id"]),
        placed["receipt_code"],
        UUID(wish["id"]),
        UUID(need["id"]),
        UUID(activity["id"]),
        system.app.last_position(),
    )


class Desk:
    """The station's staff at work on the roster, each role with its own token. The
    cadre's account is linked to the roster's member, so the cadre claims as them.
    Reads wait for the last write anyone made."""

    def __init__(self, client: TestClient, tokens: Tokens, roster: Roster) -> None:
        self.client = client
        self.tokens = tokens
        self.roster = roster
        self.org = roster.org
        self.position = roster.position

    def post(
        self, role: str, path: str, body: dict[str, Any] | None = None, status: int = 200
    ) -> dict[str, Any]:
        """A command as `role`; its answer (a receipt, or the error when `status` says so)."""
        response = self.client.post(path, json=body, headers=getattr(self.tokens, role))
        answer: dict[str, Any] = expect(response, status)
        if status < 300:
            self.position = max(self.position, answer["position"])
        return answer

    def get(self, role: str, path: str, status: int = 200, **params: Any) -> Any:
        params.setdefault("min_position", self.position)
        return expect(
            self.client.get(path, params=params, headers=getattr(self.tokens, role)), status
        )

    def public(self, path: str, **params: Any) -> Any:
        """A public read, without a token."""
        params.setdefault("min_position", self.position)
        return expect(self.client.get(path, params=params), 200)

    def member(self, name: str, phone: str, **changes: Any) -> str:
        """Register another member of the branch; their id."""
        body = {**MEMBER, "name": name, "phone": phone, "branch_id": str(self.org.branch)}
        return str(self.post("supervisor", "/members", {**body, **changes}, 201)["id"])

    def place(self, **changes: Any) -> str:
        """A clerk places a resident's request; its id."""
        return str(self.post("clerk", "/requests", request_body(self.org, **changes), 201)["id"])

    def classified(self, **changes: Any) -> str:
        """A request placed and classified to the branch, ready to be claimed."""
        request = self.place(**changes)
        self.post("clerk", f"/requests/{request}/classify", {"branch_id": str(self.org.branch)})
        return request

    def state(self, request: str) -> str:
        return str(self.get("reviewer", f"/requests/{request}")["state"])


@pytest.fixture
def desk(client: TestClient, tokens: Tokens, roster: Roster) -> Desk:
    d = Desk(client, tokens, roster)
    d.post("admin", "/accounts/cadre/member", {"member_id": str(roster.member), "reason": "本人"})
    return d


def at_once(
    client: TestClient, posts: Sequence[tuple[str, dict[str, Any], Headers]]
) -> list[tuple[int, dict[str, Any]]]:
    """Send the posts (path, body, headers) at the same moment, each from its own thread
    and its own client; their (status, body) answers, in the order they came back."""
    start = threading.Barrier(len(posts))
    answers: list[tuple[int, dict[str, Any]]] = []

    def post(path: str, body: dict[str, Any], headers: Headers) -> None:
        with TestClient(client.app) as own:
            start.wait()
            response = own.post(path, json=body, headers=headers)
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=post, args=p) for p in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of `app`, including those of routers it included."""
    found: list[APIRoute] = []

    def walk(routes: Sequence[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):  # FastAPI ≥ 0.16x keeps includes nested
                walk(route.original_router.routes)

    walk(app.routes)
    return found


def writes(r: Roster) -> dict[str, dict[str, Any]]:
    """A valid body for every command route (path template -> body), on `r`'s records."""
    o = r.org
    link = {"member_id": str(r.member), "household_id": str(r.household)}
    return {
        "/accounts": {
            "username": "zhao",
            "display_name": "赵",
            "roles": ["clerk"],
            "password": "abcd",
        },
        "/accounts/{username}/roles": {"roles": ["cadre"], "reason": "x"},
        "/accounts/{username}/disable": {"reason": "x"},
        "/accounts/{username}/enable": {"reason": "x"},
        "/accounts/{username}/password": {"password": "abcdef"},
        "/units": {"level": "community", "name": "新社区", "parent_id": str(o.subdistrict)},
        "/units/{unit_id}/rename": {"name": "新名", "reason": "x"},
        "/units/{unit_id}/close": {"reason": "x"},
        "/units/{unit_id}/appointments": {"role": "secretary", "member_id": str(r.member)},
        "/units/{unit_id}/appointments/{appointment_id}/end": {"reason": "x"},
        "/members": {**MEMBER, "name": "王五", "phone": "13611112222", "branch_id": str(o.branch)},
        "/members/{member_id}/transfer": {"branch_id": str(o.branch2), "reason": "x"},
        "/members/{member_id}/correct": {"address": "2号楼", "reason": "x"},
        "/members/{member_id}/deregister": {"cause": "moved", "reason": "x"},
        "/resident-units": {
            "name": "医院",
            "kind": "institution",
            "community_id": str(o.community),
        },
        "/resident-units/{resident_unit_id}/rename": {"name": "新医院", "reason": "x"},
        "/resident-units/{resident_unit_id}/close": {"reason": "x"},
        "/households": {**HOUSEHOLD, "branch_id": str(o.branch)},
        "/households/{household_id}/correct": {"size": 5, "reason": "x"},
        "/households/{household_id}/close": {"reason": "x"},
        "/links": link,
        "/links/unlink": {**link, "reason": "x"},
        "/links/contacts": {**link, "channel": "phone"},
        "/accounts/{username}/member": {"member_id": str(r.member), "reason": "x"},
        "/categories": {
            "code": "heating",
            "name_zh": "供暖",
            "name_en": "Heating",
            "claim_hours": 12,
            "resolve_hours": 48,
        },
        "/categories/{code}/limits": {"claim_hours": 12, "resolve_hours": 48, "reason": "x"},
        "/categories/{code}/retire": {"reason": "x"},
        "/requests": request_body(o),
        "/requests/{request_id}/classify": {"category": "property", "branch_id": str(o.branch)},
        "/requests/{request_id}/claim": {"member_id": str(r.member)},
        "/requests/{request_id}/release": {"reason": "x"},
        "/requests/{request_id}/give": {"member_id": str(r.member), "reason": "x"},
        "/requests/{request_id}/progress": {"note": "x"},
        "/requests/{request_id}/resolve": {"solution": "x", "evidence": ["photo:1"]},
        "/requests/{request_id}/pause": {"reason": "x"},
        "/requests/{request_id}/resume": {},
        "/requests/{request_id}/accept": {},
        "/requests/{request_id}/send-back": {"reason": "x"},
        "/requests/{request_id}/press": {"reason": "x"},
        "/requests/{request_id}/escalate": {"reason": "x"},
        "/requests/{request_id}/visit": {"satisfaction": "satisfied", "comment": "x"},
        "/requests/{request_id}/publish": {"summary": "x"},
        "/requests/{request_id}/close": {},
        "/requests/{request_id}/withdraw": {"reason": "x"},
        "/requests/{request_id}/reject": {"reason": "x"},
        "/requests/{request_id}/merge": {"into_id": str(r.request), "reason": "x"},
        "/wishes": wish_body(o, household_id=str(r.household), resident_name=None),
        "/wishes/{wish_id}/claim": {"member_id": str(r.member)},
        "/wishes/{wish_id}/release": {"reason": "x"},
        "/wishes/{wish_id}/fulfil": {"note": "x"},
        "/wishes/{wish_id}/confirm": {},
        "/wishes/{wish_id}/send-back": {"reason": "x"},
        "/wishes/{wish_id}/publish": {"summary": "x"},
        "/wishes/{wish_id}/withdraw": {"reason": "x"},
        "/needs": need_body(o),
        "/needs/{need_id}/claim": {"resident_unit_id": str(r.resident_unit)},
        "/needs/{need_id}/release": {"reason": "x"},
        "/needs/{need_id}/fulfil": {"note": "x"},
        "/needs/{need_id}/confirm": {},
        "/needs/{need_id}/send-back": {"reason": "x"},
        "/needs/{need_id}/publish": {"summary": "x"},
        "/needs/{need_id}/withdraw": {"reason": "x"},
        "/point-rules": {
            "code": "reading",
            "name_zh": "读书分享",
            "name_en": "Reading circle",
            "category": "study",
            "points": 1,
            "earns_star": False,
            "cap": 10,
            "effective_from": None,
        },
        "/point-rules/{code}/revise": {
            "points": 3,
            "effective_from": "2099-01-01",
            "reason": "x",
            "cap": 40,
        },
        "/members/{member_id}/awards": {
            "rule_code": "volunteer",
            "deed_on": TODAY.isoformat(),
            "evidence_kind": "note",
            "note": "x",
        },
        "/activities": activity_body(o),
        "/activities/{activity_id}/attendance": {"member_ids": [str(r.member)]},
        "/adjustments/deductions": {
            "member_id": str(r.member),
            "rule_code": "absent_without_leave",
            "deed_on": TODAY.isoformat(),
            "reason": "x",
        },
        "/adjustments/reversals": {
            "member_id": str(r.member),
            "year": TODAY.year,
            "entry_id": MISSING,
            "reason": "x",
        },
        "/adjustments/{adjustment_id}/approve": {},
        "/adjustments/{adjustment_id}/reject": {"reason": "x"},
        "/periods/{year}/close": {},
        "/periods/{year}/finalize": {},
        "/objections": {"member_id": str(r.member), "year": LAST_YEAR, "text": "x"},
        "/objections/{objection_id}/uphold": {
            "reason": "x",
            "award_rule": "volunteer",
            "deed_on": f"{LAST_YEAR}-06-01",
            "note": "x",
        },
        "/objections/{objection_id}/reject": {"reason": "x"},
        "/selections/{year}": {"per_branch": 3},
        "/selections/{year}/confirm": {"chosen": [str(r.member)], "reason": "x"},
        "/selections/{year}/publish": {},
        # A micro-wish's resident: erasing them leaves the rest of the roster as it was.
        "/personal/erasures": {"subject_id": str(r.wish), "reason": "x"},
        "/personal/disclosures": {"subject_id": str(r.member), "reason": "x"},
    }


def fill(template: str, r: Roster) -> str:
    """The path with `r`'s records in it (no proposal or objection: a missing id)."""
    return template.format(
        username="clerk",
        unit_id=r.org.branch,
        appointment_id=r.appointment,
        member_id=r.member,
        resident_unit_id=r.resident_unit,
        household_id=r.household,
        code="study" if template.startswith("/point-rules") else "other",
        request_id=r.request,
        receipt_code=r.receipt_code,
        wish_id=r.wish,
        need_id=r.need,
        activity_id=r.activity,
        adjustment_id=MISSING,
        objection_id=MISSING,
        year=LAST_YEAR,
        record_id=r.member,
        step=0,
        model="roster",
    )
