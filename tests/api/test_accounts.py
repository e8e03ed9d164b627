"""An admin manages staff accounts; nobody else may."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.conftest import Roster, Tokens, expect, login

NEW = {"username": "wang", "display_name": "王", "roles": ["cadre"], "password": "pass-5678"}


def test_an_admin_opens_an_account_that_can_log_in_and_is_listed(
    client: TestClient, tokens: Tokens
) -> None:
    receipt = expect(client.post("/accounts", json=NEW, headers=tokens.admin), 201)
    listed = expect(
        client.get(f"/accounts?min_position={receipt['position']}", headers=tokens.admin), 200
    )
    assert [a["username"] for a in listed["items"]] == [
        "admin",
        "cadre",
        "clerk",
        "reviewer",
        "supervisor",
        "wang",
    ]
    assert listed["total"] == 6
    wang = next(a for a in listed["items"] if a["username"] == "wang")
    assert wang["roles"] == ["cadre"] and wang["active"] is True
    assert "password" not in wang and "password_hash" not in wang
    account = expect(client.get("/accounts/wang", headers=tokens.admin), 200)
    assert account["display_name"] == "王"
    headers = login(client, "wang", "pass-5678")
    assert expect(client.get("/auth/me", headers=headers), 200)["username"] == "wang"


def test_an_account_name_is_taken_once(client: TestClient, tokens: Tokens) -> None:
    expect(client.post("/accounts", json=NEW, headers=tokens.admin), 201)
    body = expect(client.post("/accounts", json=NEW, headers=tokens.admin), 409)
    assert body["rule"] == "account_exists"
    assert body["existing_id"] == "wang"


def test_roles_are_changed_and_passwords_reset_by_an_admin(
    client: TestClient, tokens: Tokens
) -> None:
    expect(
        client.post(
            "/accounts/cadre/roles",
            json={"roles": ["cadre", "reviewer"], "reason": "兼任"},
            headers=tokens.admin,
        ),
        200,
    )
    assert expect(client.get("/accounts/cadre", headers=tokens.admin), 200)["roles"] == [
        "cadre",
        "reviewer",
    ]
    expect(
        client.post(
            "/accounts/cadre/password", json={"password": "reset-99"}, headers=tokens.admin
        ),
        200,
    )
    login(client, "cadre", "reset-99")


def test_account_rules_answer_409_naming_the_rule(client: TestClient, tokens: Tokens) -> None:
    body = expect(
        client.post("/accounts/admin/disable", json={"reason": "x"}, headers=tokens.admin), 409
    )
    assert body["rule"] == "own_account"
    body = expect(
        client.post("/accounts/clerk/enable", json={"reason": "x"}, headers=tokens.admin), 409
    )
    assert body["rule"] == "already_enabled"


def test_bad_account_input_names_the_field(client: TestClient, tokens: Tokens) -> None:
    body = expect(
        client.post("/accounts", json={**NEW, "roles": ["emperor"]}, headers=tokens.admin), 422
    )
    assert body["field"] == "roles.0"
    body = expect(
        client.post("/accounts", json={**NEW, "username": "王"}, headers=tokens.admin), 422
    )
    assert body["field"] == "username"
    body = expect(client.post("/accounts", json={**NEW, "roles": []}, headers=tokens.admin), 422)
    assert body["field"] == "roles"


def test_an_unknown_account_is_404(client: TestClient, tokens: Tokens) -> None:
    expect(client.get("/accounts/nobody", headers=tokens.admin), 404)
    expect(client.post("/accounts/nobody/disable", json={"reason": "x"}, headers=tokens.admin), 404)


def test_only_an_admin_manages_accounts(client: TestClient, tokens: Tokens) -> None:
    for headers in (tokens.clerk, tokens.cadre, tokens.supervisor, tokens.reviewer):
        expect(client.post("/accounts", json=NEW, headers=headers), 403)
        expect(client.post("/accounts/clerk/disable", json={"reason": "x"}, headers=headers), 403)
    # A reviewer reads accounts; a clerk reads only their own.
    expect(client.get("/accounts", headers=tokens.reviewer), 200)
    expect(client.get("/accounts/admin", headers=tokens.reviewer), 200)
    expect(client.get("/accounts", headers=tokens.clerk), 403)
    expect(client.get("/accounts/admin", headers=tokens.clerk), 403)
    expect(client.get("/accounts/clerk", headers=tokens.clerk), 200)


def test_an_admin_says_which_member_an_account_holder_is(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    link = {"member_id": str(roster.member), "reason": "本人是支部党员"}
    for headers in (tokens.clerk, tokens.cadre, tokens.supervisor, tokens.reviewer):
        expect(client.post("/accounts/cadre/member", json=link, headers=headers), 403)
    receipt = expect(client.post("/accounts/cadre/member", json=link, headers=tokens.admin), 200)
    listed = expect(
        client.get(f"/accounts?min_position={receipt['position']}", headers=tokens.admin), 200
    )
    assert {a["username"]: a["member_id"] for a in listed["items"]}["cadre"] == str(roster.member)
    assert expect(client.get("/auth/me", headers=tokens.cadre), 200)["member_id"] == str(
        roster.member
    )

    unlink = {"member_id": None, "reason": "调离"}
    expect(client.post("/accounts/cadre/member", json=unlink, headers=tokens.admin), 200)
    assert expect(client.get("/accounts/cadre", headers=tokens.admin), 200)["member_id"] is None
    # Null must be said: a body without member_id is refused, naming it.
    body = expect(
        client.post("/accounts/cadre/member", json={"reason": "x"}, headers=tokens.admin), 422
    )
    assert body["field"] == "member_id"
    missing = {"member_id": str(roster.household), "reason": "x"}
    expect(client.post("/accounts/cadre/member", json=missing, headers=tokens.admin), 404)
