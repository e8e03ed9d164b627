"""Logging in and the bearer token: only a token the server signed, for an account that
is still enabled, gets in; its roles are read afresh on every request."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from starlette.testclient import TestClient

from api.tokens import issue_token
from domain.application import MAX_LOGIN_FAILURES
from projections.system import System
from tests.api.conftest import Tokens, expect, login
from tests.conftest import ADMIN_PASSWORD, PASSWORD, Staff


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/auth/me", headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_clerk_logs_in_and_reads_their_own_account(client: TestClient, staff: Staff) -> None:
    headers = login(client, "clerk", PASSWORD)
    me = expect(client.get("/auth/me", headers=headers), 200)
    assert me == {
        "username": "clerk",
        "display_name": "Clerk",
        "roles": ["clerk"],
        "active": True,
        "version": 1,
        "member_id": None,
    }


def test_the_token_carries_only_the_name_and_its_lifetime(
    client: TestClient, system: System
) -> None:
    token = login(client, "admin", ADMIN_PASSWORD)["Authorization"].split()[1]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, system.token_secret(), algorithms=["HS256"])
    assert header["alg"] == "HS256"
    assert set(claims) == {"sub", "iat", "exp"}
    assert claims["sub"] == "admin"
    minutes = (claims["exp"] - claims["iat"]) / 60
    assert minutes == system.settings.token_minutes


def test_a_wrong_password_is_refused_with_a_bearer_challenge(
    client: TestClient, staff: Staff
) -> None:
    response = client.post("/auth/token", data={"username": "clerk", "password": "nope"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "wrong user name or password" in response.json()["detail"]
    response = client.post("/auth/token", data={"username": "nobody", "password": "nope"})
    assert response.status_code == 401


def test_a_request_without_a_token_is_refused(client: TestClient) -> None:
    assert_unauthorized(client, {})
    assert_unauthorized(client, {"Authorization": "Basic YWRtaW46YWRtaW4tcGFzcw=="})
    assert_unauthorized(client, bearer(""))


def test_garbage_is_not_a_token(client: TestClient) -> None:
    assert_unauthorized(client, bearer("not-a-token"))
    assert_unauthorized(client, bearer("a.b.c"))


def test_an_expired_token_is_refused(client: TestClient, system: System) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=2)
    assert_unauthorized(
        client, bearer(issue_token("admin", system.token_secret(), 60, now=long_ago))
    )


def test_a_token_signed_with_another_secret_is_refused(client: TestClient) -> None:
    assert_unauthorized(client, bearer(issue_token("admin", b"x" * 32, 60)))


def test_an_unsigned_token_is_refused(client: TestClient) -> None:
    now = datetime.now(UTC)
    claims = {"sub": "admin", "iat": now, "exp": now + timedelta(hours=1)}
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    assert_unauthorized(client, bearer(unsigned))
    assert_unauthorized(client, bearer(unsigned.rstrip(".") + ".c2lnbmF0dXJl"))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_token_signed_with_another_algorithm_is_refused(
    client: TestClient, system: System
) -> None:
    now = datetime.now(UTC)
    claims = {"sub": "admin", "iat": now, "exp": now + timedelta(hours=1)}
    assert_unauthorized(
        client, bearer(jwt.encode(claims, system.token_secret(), algorithm="HS512"))
    )


def test_a_token_whose_claims_were_edited_is_refused(client: TestClient, staff: Staff) -> None:
    token = login(client, "reviewer", PASSWORD)["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_unauthorized(client, bearer(f"{header}.{forged}.{signature}"))


def test_a_token_without_the_required_claims_is_refused(client: TestClient, system: System) -> None:
    no_expiry = jwt.encode({"sub": "admin", "iat": datetime.now(UTC)}, system.token_secret())
    assert_unauthorized(client, bearer(no_expiry))


def test_a_disabled_account_is_refused_at_once(client: TestClient, tokens: Tokens) -> None:
    expect(client.get("/auth/me", headers=tokens.clerk), 200)
    expect(
        client.post("/accounts/clerk/disable", json={"reason": "left"}, headers=tokens.admin), 200
    )
    assert_unauthorized(client, tokens.clerk)
    response = client.post("/auth/token", data={"username": "clerk", "password": PASSWORD})
    assert response.status_code == 401
    expect(
        client.post("/accounts/clerk/enable", json={"reason": "back"}, headers=tokens.admin), 200
    )
    expect(client.get("/auth/me", headers=tokens.clerk), 200)


def test_a_role_change_takes_effect_on_the_next_request(client: TestClient, tokens: Tokens) -> None:
    unit = {"level": "subdistrict", "name": "新街道"}
    expect(client.post("/units", json=unit, headers=tokens.clerk), 403)
    expect(
        client.post(
            "/accounts/clerk/roles",
            json={"roles": ["supervisor"], "reason": "promoted"},
            headers=tokens.admin,
        ),
        200,
    )
    expect(client.post("/units", json=unit, headers=tokens.clerk), 201)


def test_repeated_failed_logins_are_throttled(client: TestClient, staff: Staff) -> None:
    for _ in range(MAX_LOGIN_FAILURES):
        response = client.post("/auth/token", data={"username": "cadre", "password": "wrong"})
        assert response.status_code == 401
    # Now even the right password waits.
    response = client.post("/auth/token", data={"username": "cadre", "password": PASSWORD})
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "too many failed logins" in response.json()["detail"]
    # Another account is not affected.
    login(client, "clerk", PASSWORD)


def test_a_login_form_with_missing_or_oversized_fields_is_refused(client: TestClient) -> None:
    body = expect(client.post("/auth/token", data={"username": "admin"}), 422)
    assert body["field"] == "password"
    body = expect(client.post("/auth/token", data={"username": "a" * 65, "password": "x"}), 422)
    assert body["field"] == "username"


@pytest.mark.parametrize("who", ["clerk", "reviewer"])
def test_anyone_changes_their_own_password_knowing_the_old_one(
    client: TestClient, staff: Staff, who: str
) -> None:
    headers = login(client, who, PASSWORD)
    wrong = {"old_password": "not-it", "new_password": "fresh-pass"}
    body = expect(client.post("/auth/password", json=wrong, headers=headers), 422)
    assert body["field"] == "old_password"
    short = {"old_password": PASSWORD, "new_password": "x"}
    assert (
        "at least"
        in expect(client.post("/auth/password", json=short, headers=headers), 422)["detail"]
    )
    right = {"old_password": PASSWORD, "new_password": "fresh-pass"}
    receipt = expect(client.post("/auth/password", json=right, headers=headers), 200)
    assert set(receipt) == {"id", "position"}
    login(client, who, "fresh-pass")
    response = client.post("/auth/token", data={"username": who, "password": PASSWORD})
    assert response.status_code == 401


def test_status_needs_no_token_and_shows_no_personal_data(
    client: TestClient, roster: object
) -> None:
    body = expect(client.get("/status"), 200)
    assert body["initialized"] is True
    assert body["events"] >= body["position"] > 0
    assert set(body["read_models"]) == {
        "roster",
        "accounts",
        "timeline",
        "requests",
        "points",
        "privacy",
    }
    assert "张三" not in json.dumps(body, ensure_ascii=False)
