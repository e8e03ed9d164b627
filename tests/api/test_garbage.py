"""Every route, fed garbage: bad ids, empty and mistyped bodies, huge strings, odd query
values, no token. Nothing may answer 5xx, and every error is a JSON `detail`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from tests.api.conftest import Roster, Tokens, api_routes, fill, writes

BAD_IDS = [
    "not-an-id",
    "0",
    "-1",
    "3f0e9c1a-1111-4222-8333-944455556666",
    "x" * 5000,
    "%00",
    "' OR 1=1 --",
    "%E5%BC%A0%E4%B8%89",
    "..%2F..%2Fstatus",
    "ADMIN",
]
BAD_VALUES: list[Any] = [
    "",
    " \t",
    "x" * 200_000,
    "张" * 5000,
    "\x00\x1b[31m",
    -1,
    10**30,
    1.5,
    True,
    None,
    [],
    {"$gt": ""},
    "2999-12-31",
    "0001-01-01",
    "3f0e9c1a-1111-4222-8333-944455556666",
]
BAD_BODIES: list[Any] = [None, {}, [], 0, "text", [{"a": 1}], {"unknown": 1}]
BAD_QUERY = ["", "-1", "999999999999999999999999", "x" * 3000, "not-an-id", "true", "%", "\\"]


def check(response: Any, what: object) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert isinstance(response.json().get("detail"), str), (what, response.text[:500])


def operations(app: FastAPI) -> list[tuple[str, str]]:
    return sorted((r.path, m) for r in api_routes(app) for m in r.methods or ())


def test_the_walk_sees_every_documented_operation(client: TestClient) -> None:
    documented = {
        (path, method.upper())
        for path, item in client.get("/openapi.json").json()["paths"].items()
        for method in item
    }
    assert set(operations(client.app)) == documented  # type: ignore[arg-type]
    assert len(documented) == 147


def test_every_operation_says_what_it_does(client: TestClient) -> None:
    from api.main import TAGS

    tags = {t["name"] for t in TAGS}
    for route in api_routes(client.app):  # type: ignore[arg-type]
        assert route.description.strip(), route.path
        assert route.tags and set(route.tags) <= tags, route.path
    # Path parameters are named after their resource (`{request_id}`), or are its key.
    routes = api_routes(client.app)  # type: ignore[arg-type]
    names = {n for route in routes for n in re.findall(r"\{(\w+)\}", route.path)}
    assert names == {
        "username",
        "unit_id",
        "appointment_id",
        "member_id",
        "resident_unit_id",
        "household_id",
        "code",
        "request_id",
        "receipt_code",
        "wish_id",
        "need_id",
        "activity_id",
        "adjustment_id",
        "objection_id",
        "year",
        "record_id",
        "step",
        "model",
    }


def body_fields(app: FastAPI, path: str, method: str) -> list[str]:
    """The fields of a route's JSON body, from its OpenAPI schema."""
    spec = app.openapi()
    body = spec["paths"][path][method.lower()].get("requestBody")
    if not body or "application/json" not in body["content"]:
        return []
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return list(spec["components"]["schemas"][ref]["properties"])


def query_names(app: FastAPI, path: str, method: str) -> list[str]:
    params = app.openapi()["paths"][path][method.lower()].get("parameters", [])
    return [p["name"] for p in params if p["in"] == "query"]


@pytest.mark.parametrize("with_token", [True, False])
def test_bad_ids_in_every_path(
    client: TestClient, tokens: Tokens, roster: Roster, with_token: bool
) -> None:
    headers = tokens.admin if with_token else {}
    table = writes(roster)
    for path, method in operations(client.app):  # type: ignore[arg-type]
        if "{" not in path:
            continue
        for bad in BAD_IDS:
            url = re.sub(r"\{[a-z_]+\}", bad, path)
            response = client.request(method, url, json=table.get(path), headers=headers)
            check(response, (method, url))


def test_bad_bodies_for_every_command(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    table = writes(roster)
    app: FastAPI = client.app  # type: ignore[assignment]
    for path, method in operations(app):
        if method != "POST":
            continue
        url = fill(path, roster)
        for body in BAD_BODIES:
            check(client.post(url, json=body, headers=tokens.admin), (url, body))
        fields = body_fields(app, path, method)
        valid = table.get(path, {})
        for field in fields:
            for value in BAD_VALUES:
                body = {**valid, field: value}
                check(client.post(url, json=body, headers=tokens.admin), (url, field, value))
    for value in BAD_VALUES:
        if isinstance(value, str | int | float):
            form = {"username": str(value), "password": str(value)}
            check(client.post("/auth/token", data=form), ("/auth/token", value))


def test_bad_query_values_for_every_query(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    for path, method in operations(app):
        if method != "GET":
            continue
        url = fill(path, roster)
        for name in query_names(app, path, method):
            for value in BAD_QUERY:
                response = client.get(url, params={name: value}, headers=tokens.reviewer)
                check(response, (url, name, value))


def test_other_methods_and_the_docs(client: TestClient) -> None:
    for path, _ in operations(client.app):  # type: ignore[arg-type]
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            check(client.request(method, path), (method, path))
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Yimai API"
    assert spec["components"]["schemas"]["MemberCreate"]["examples"]
