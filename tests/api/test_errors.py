"""Errors are mapped in one place: 401, 403, 404, 409, 413, 422, 429, 503; none of them
carries a value that was sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy.exc
from eventsourcing import persistence
from starlette.testclient import TestClient

from api.middleware import RedactQueryStrings
from projections.system import System
from tests.api.conftest import HOUSEHOLD, MEMBER, Roster, Tokens, api_routes, expect, fill, writes
from tests.conftest import Org

NAME = "欧阳秘密"
PHONE = "13987654321"


def test_the_write_table_covers_every_command(client: TestClient, roster: Roster) -> None:
    routes = api_routes(client.app)  # type: ignore[arg-type]
    posts = {route.path for route in routes if "POST" in (route.methods or ())}
    assert posts - {"/auth/token", "/auth/password"} == set(writes(roster))


def test_a_reviewer_is_refused_every_write(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    for template, body in writes(roster).items():
        response = client.post(fill(template, roster), json=body, headers=tokens.reviewer)
        assert response.status_code == 403, (template, response.text)
        assert "reviewer may not do this" in response.json()["detail"]


def test_a_clerk_may_not_change_the_organization(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    table = writes(roster)
    for template in ("/units", "/units/{unit_id}/rename", "/units/{unit_id}/appointments"):
        response = client.post(fill(template, roster), json=table[template], headers=tokens.clerk)
        assert response.status_code == 403, template


MISSING = "3f0e9c1a-1111-4222-8333-944455556666"


@pytest.mark.parametrize(
    "path",
    [
        f"/members/{MISSING}",
        f"/members/{MISSING}/history",
        f"/households/{MISSING}",
        f"/units/{MISSING}",
        f"/requests/{MISSING}",
        f"/requests/{MISSING}/history",
        f"/wishes/{MISSING}",
        f"/wishes/{MISSING}/history",
        f"/needs/{MISSING}",
        f"/needs/{MISSING}/history",
        f"/public/requests/{MISSING}",
        "/accounts/nobody",
        "/no-such-path",
    ],
)
def test_reading_what_does_not_exist_is_404(client: TestClient, tokens: Tokens, path: str) -> None:
    assert "not found" in expect(client.get(path, headers=tokens.admin), 404)["detail"].lower()


def test_writing_to_what_does_not_exist_is_404(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    h = tokens.admin
    table = writes(roster)
    for template in (
        "/members/{member_id}/transfer",
        "/households/{household_id}/close",
        "/resident-units/{resident_unit_id}/rename",
        "/units/{unit_id}/rename",
        "/requests/{request_id}/release",
        "/wishes/{wish_id}/release",
        "/needs/{need_id}/release",
        "/accounts/{username}/member",
    ):
        path = template.format(
            member_id=MISSING,
            household_id=MISSING,
            resident_unit_id=MISSING,
            unit_id=MISSING,
            request_id=MISSING,
            wish_id=MISSING,
            need_id=MISSING,
            username="nobody",
        )
        expect(client.post(path, json=table[template], headers=h), 404)
    body = expect(client.post("/members", json={**MEMBER, "branch_id": MISSING}, headers=h), 404)
    assert body["detail"] == f"branch not found: {MISSING}"
    link = {"member_id": str(roster.member), "household_id": MISSING}
    expect(client.post("/links/unlink", json={**link, "reason": "x"}, headers=h), 404)


def test_the_history_path_shows_members_only(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    # An account's id is derived from its name: it must not be readable as a member.
    from domain.accounts import Account

    expect(client.get(f"/members/{Account.id_for('admin')}/history", headers=tokens.clerk), 404)
    expect(client.get(f"/members/{roster.household}/history", headers=tokens.clerk), 404)


def test_registering_a_person_twice_names_the_existing_member(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    body = {**MEMBER, "branch_id": str(roster.org.branch2)}
    refused = expect(client.post("/members", json=body, headers=tokens.clerk), 409)
    assert refused["rule"] == "member_exists"
    assert refused["existing_id"] == str(roster.member)
    assert str(roster.member) in refused["detail"]
    assert MEMBER["name"] not in str(refused) and MEMBER["phone"] not in str(refused)


def test_a_rule_broken_is_409_naming_the_rule(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    body = expect(
        client.post(
            f"/units/{roster.org.branch}/close", json={"reason": "x"}, headers=tokens.supervisor
        ),
        409,
    )
    assert body["rule"] == "unit_has_children"
    body = expect(
        client.post(
            f"/members/{roster.member}/deregister",
            json={"cause": "moved", "reason": "x"},
            headers=tokens.clerk,
        ),
        409,
    )
    assert body["rule"] == "member_holds_posts"


def member(org: Org, **changes: Any) -> dict[str, Any]:
    body = {**MEMBER, "name": NAME, "phone": PHONE, "branch_id": str(org.branch2)}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "1398765432X"}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"id_number": "11010519491231"}, "id_number"),
        ({"gender": "unknown"}, "gender"),
        ({"kind": "honorary"}, "kind"),
        ({"birth_date": "1970-13-45"}, "birth_date"),
        ({"birth_date": "2020-01-01"}, "birth_date"),
        ({"joined_party_on": "2999-01-01"}, "joined_party_on"),
        ({"name": "   "}, "name"),
        ({"name": 42}, "name"),
        ({"branch_id": "branch-one"}, "branch_id"),
        ({"phone": ...}, "phone"),
        ({"owner": "admin"}, "owner"),
        ({"actor": "admin"}, "actor"),
        ({"kind": "in_service"}, "resident_unit_id"),
    ],
)
def test_bad_member_input_is_422_naming_the_field_and_never_the_value(
    client: TestClient, tokens: Tokens, org: Org, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/members", json=member(org, **changes), headers=tokens.clerk)
    body = expect(response, 422)
    assert body["field"] == field
    assert body["detail"].startswith(f"{field}:")
    for sent in (NAME, PHONE, "1398765432X", "110105194912310021", "honorary", "branch-one"):
        assert sent not in response.text


def test_a_missing_field_reads_field_required(client: TestClient, tokens: Tokens, org: Org) -> None:
    body = expect(client.post("/members", json=member(org, phone=...), headers=tokens.clerk), 422)
    assert body["detail"] == "phone: field required"
    assert body["errors"] == [
        {"field": "phone", "loc": ["body", "phone"], "msg": "field required", "type": "missing"}
    ]


def test_no_error_body_carries_the_name_or_phone_sent(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    sent = member(roster.org)
    attempts = [
        ("/members", {**sent, "id_number": "123"}, tokens.clerk),
        ("/members", {**sent, "birth_date": "yesterday"}, tokens.clerk),
        ("/members", {**sent, "extra": PHONE}, tokens.clerk),
        ("/members", {**sent, "gender": PHONE}, tokens.clerk),
        ("/members", {**sent, "branch_id": PHONE}, tokens.clerk),
        ("/members", {**sent, "name": NAME * 20}, tokens.clerk),
        ("/members", sent, tokens.reviewer),
        ("/members", sent, {}),
        ("/members", {**MEMBER, "branch_id": str(roster.org.branch)}, tokens.clerk),
        (f"/members/{roster.member}/correct", {"phone": PHONE + "0", "reason": "x"}, tokens.clerk),
        (f"/members/{roster.member}/correct", {"name": NAME, "reason": ""}, tokens.clerk),
        (
            "/households",
            {
                **HOUSEHOLD,
                "head_name": NAME,
                "head_phone": PHONE,
                "size": 99,
                "branch_id": str(roster.org.branch),
            },
            tokens.clerk,
        ),
        (
            "/households",
            {
                **HOUSEHOLD,
                "head_name": NAME,
                "head_phone": "1",
                "branch_id": str(roster.org.branch),
            },
            tokens.clerk,
        ),
    ]
    for path, body, headers in attempts:
        response = client.post(path, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, response.text)
        assert NAME not in response.text and PHONE not in response.text, (path, response.text)
    for query in ({"q": PHONE * 5}, {"q": NAME, "limit": 0}, {"q": PHONE, "unit_id": PHONE}):
        response = client.get("/members", params=query, headers=tokens.clerk)
        assert response.status_code == 422
        assert NAME not in response.text and PHONE not in response.text


def test_bad_query_parameters_name_the_parameter(client: TestClient, tokens: Tokens) -> None:
    h = tokens.clerk
    assert expect(client.get("/members?limit=501", headers=h), 422)["field"] == "limit"
    assert expect(client.get("/members?offset=-1", headers=h), 422)["field"] == "offset"
    assert expect(client.get("/members?status=gone", headers=h), 422)["field"] == "status"
    assert expect(client.get("/members?min_position=-5", headers=h), 422)["field"] == "min_position"
    assert expect(client.get("/members?q=" + "x" * 41, headers=h), 422)["field"] == "q"
    assert expect(client.get("/units/not-an-id", headers=h), 422)["detail"] == (
        "unit_id: is not a valid id"
    )


def test_a_body_that_is_not_json_is_422(client: TestClient, tokens: Tokens) -> None:
    headers = {**tokens.admin, "Content-Type": "application/json"}
    body = expect(client.post("/units", content=b"{not json", headers=headers), 422)
    assert body["field"] == "body"
    assert expect(client.post("/units", json=[], headers=tokens.admin), 422)["field"] == "body"


def test_an_oversized_body_is_413_before_parsing(
    client: TestClient, tokens: Tokens, system: System
) -> None:
    limit = system.settings.max_body_bytes
    big = {"level": "subdistrict", "name": "x" * limit}
    response = client.post("/units", json=big, headers=tokens.admin)
    assert response.status_code == 413
    assert response.json()["detail"] == f"the request body is larger than {limit} bytes"

    def chunks() -> Any:
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    response = client.post(
        "/units", content=chunks(), headers={**tokens.admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    # Even without a token: the body is refused before anything else is looked at.
    assert client.post("/units", json=big).status_code == 413


def test_a_busy_database_is_503(
    client: TestClient, tokens: Tokens, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(*args: Any, **kwargs: Any) -> Any:
        raise persistence.OperationalError("database is locked")

    monkeypatch.setattr(system.roster, "tree", busy)
    response = client.get("/units", headers=tokens.clerk)
    assert response.status_code == 503
    assert response.json() == {"detail": "database busy, try again"}

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise sqlalchemy.exc.OperationalError("SELECT ?", (PHONE,), Exception("locked"))

    monkeypatch.setattr(system.roster, "search_members", locked)
    response = client.get("/members", headers=tokens.clerk)
    assert response.status_code == 503
    assert PHONE not in response.text


def test_access_logs_keep_the_path_but_not_the_query() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/members?q={PHONE}", "1.1", 200),
        None,
    )
    assert RedactQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /members?[redacted] HTTP/1.1" 200'
    # A receipt code opens a resident's request: it stays out of the log too.
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/receipts/K7Q-4MZ2", "1.1", 200),
        None,
    )
    assert RedactQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /receipts/[redacted] HTTP/1.1" 200'
    # And on the public site, where a resident looks their request up and takes its proof.
    for path, logged in (
        ("/receipt/K7Q-4MZ2", "/receipt/[redacted]"),
        ("/en/receipt/K7Q-4MZ2/proof.json", "/en/receipt/[redacted]/proof.json"),
        ("/receipt?code=k7q4mz2", "/receipt?[redacted]"),
    ):
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", "GET", path, "1.1", 200),
            None,
        )
        assert RedactQueryStrings().filter(record)
        assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'
