"""API fixtures: a client on a fresh SQLite system, a token per role, a small roster.

The `system` fixture is narrowed to SQLite here, so the shared `staff` and `org`
fixtures build on the same system the client serves.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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


@dataclass
class Roster:
    """A member (liaison of the branch), a household linked to them with one contact,
    and a resident unit, all written through the API."""

    org: Org
    member: UUID
    household: UUID
    resident_unit: UUID
    appointment: UUID
    position: int


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
    return Roster(
        org,
        UUID(member["id"]),
        UUID(household["id"]),
        UUID(unit["id"]),
        UUID(detail["appointments"][0]["id"]),
        system.app.last_position(),
    )


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
    }


def fill(template: str, r: Roster) -> str:
    return template.format(
        username="clerk",
        unit_id=r.org.branch,
        appointment_id=r.appointment,
        member_id=r.member,
        resident_unit_id=r.resident_unit,
        household_id=r.household,
    )
