"""A staff account in isolation: roles, disabling and enabling, password changes."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access import GRANTS, SYSTEM, Permission, Principal, Role
from domain.accounts import (
    Account,
    AccountError,
    check_password,
    normalize_username,
    parse_roles,
)
from domain.base import acting_as
from domain.errors import InvalidInputError, PermissionDeniedError


def recorded(aggregate: Any) -> list[str]:
    return [type(e).__qualname__ for e in aggregate.collect_events()]


def account() -> Account:
    with acting_as("admin"):
        a = Account(
            id=Account.id_for("wang.li"), username="wang.li", display_name="王丽", roles=["clerk"]
        )  # type: ignore[call-arg]
    assert recorded(a) == ["Account.Opened"]
    return a


def broken(a: Account, rule: str, action) -> None:  # type: ignore[no-untyped-def]
    version = a.version
    with acting_as("admin"), pytest.raises(AccountError) as caught:
        action()
    assert caught.value.rule == rule
    assert a.version == version
    assert recorded(a) == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [("wang.li", "wang.li"), (" Wang_Li ", "wang_li"), ("abc", "abc"), ("a" * 32, "a" * 32)],
)
def test_user_names_are_normalised(given: str, stored: str) -> None:
    assert normalize_username(given) == stored


@pytest.mark.parametrize("given", ["ab", "a" * 33, "_abc", "wang li", "王丽", "", "a/b"])
def test_malformed_user_names_are_refused(given: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        normalize_username(given)
    assert caught.value.field == "username"


def test_passwords_and_roles_are_checked() -> None:
    assert check_password("abcd") == "abcd"
    for bad in ("", "abc", "x" * 257):
        with pytest.raises(InvalidInputError) as caught:
            check_password(bad)
        assert caught.value.field == "password"
    assert parse_roles(["clerk", "cadre"]) == frozenset({Role.CLERK, Role.CADRE})
    for bad_roles in ([], ["boss"]):
        with pytest.raises(InvalidInputError) as caught:
            parse_roles(bad_roles)
        assert caught.value.field == "roles"


def test_roles_change_with_a_reason_and_only_to_something_new() -> None:
    a = account()
    broken(a, "reason_required", lambda: a.change_roles(["cadre"], " "))
    broken(a, "same_roles", lambda: a.change_roles(["clerk"], "no change"))
    with acting_as("admin"):
        a.change_roles(["cadre", "clerk"], "promoted")
    assert recorded(a) == ["Account.RolesChanged"]
    assert a.roles == frozenset({Role.CADRE, Role.CLERK})


def test_a_disabled_account_is_enabled_again_and_refuses_password_changes_meanwhile() -> None:
    a = account()
    broken(a, "reason_required", lambda: a.disable(""))
    broken(a, "already_enabled", lambda: a.enable("x"))
    with acting_as("admin"):
        a.disable("left the station")
    assert recorded(a) == ["Account.Disabled"]
    broken(a, "already_disabled", lambda: a.disable("again"))
    broken(a, "account_disabled", lambda: a.record_password_change(by_owner=False))
    with acting_as("admin"):
        a.enable("came back")
        a.record_password_change(by_owner=False)
    assert recorded(a) == ["Account.Enabled", "Account.PasswordChanged"]
    assert a.active


def test_a_reviewer_reads_everything_and_changes_nothing() -> None:
    reviewer = Principal("ji.jian", frozenset({Role.REVIEWER}))
    for permission in Permission:
        reads = permission.value.endswith(".read")
        assert reviewer.can(permission) is reads
    with pytest.raises(PermissionDeniedError, match=r"roster\.write"):
        reviewer.require(Permission.ROSTER_WRITE)


def test_only_admins_manage_accounts_and_only_supervisors_and_admins_the_tree() -> None:
    managers = {r for r in Role if Permission.ACCOUNTS_MANAGE in GRANTS[r]}
    organisers = {r for r in Role if Permission.ORG_MANAGE in GRANTS[r]}
    assert managers == {Role.ADMIN}
    assert organisers == {Role.SUPERVISOR, Role.ADMIN}
    assert SYSTEM.can(Permission.ACCOUNTS_MANAGE)
