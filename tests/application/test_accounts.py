"""Staff accounts: opened by an admin, logged into with a password, throttled when guessed."""

from __future__ import annotations

import pytest

from domain.access import Principal, Role
from domain.accounts import AccountError
from domain.errors import (
    AuthenticationError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ThrottledError,
)
from domain.points import DEFAULT_RULES
from domain.requests import DEFAULT_CATEGORIES
from projections.system import System
from tests.application.support import events_after, last_event, names, refused
from tests.conftest import ADMIN_PASSWORD, PASSWORD, Staff, make_system


def test_an_admin_opens_an_account_that_logs_in_with_its_roles(
    system: System, staff: Staff
) -> None:
    app = system.app
    receipt = app.open_account(
        " Wang.Li ", "王丽", ["clerk", "cadre"], "s3cret!", actor=staff.admin
    )
    opened = last_event(system)
    assert names([opened]) == ["Account.Opened"]
    assert (opened.username, opened.display_name, opened.roles, opened.actor) == (
        "wang.li",
        "王丽",
        ["cadre", "clerk"],
        "admin",
    )
    assert "s3cret!" not in repr(opened.__dict__)
    principal = app.authenticate("WANG.LI", "s3cret!")
    assert principal == Principal("wang.li", frozenset({Role.CLERK, Role.CADRE}))
    info = app.get_account("wang.li", actor=principal)
    assert (info.display_name, info.roles, info.active) == ("王丽", ["cadre", "clerk"], True)
    rows = system.accounts.list(actor=staff.admin, min_position=receipt.position)
    assert {r["username"]: r["roles"] for r in rows}["wang.li"] == ["cadre", "clerk"]


ACCOUNT_CASES: list[tuple[str, tuple[str, str, list[str], str]]] = [
    ("username", ("ab", "X", ["clerk"], "pass")),
    ("username", ("王丽", "X", ["clerk"], "pass")),
    ("username", ("wang li", "X", ["clerk"], "pass")),
    ("username", ("-wang", "X", ["clerk"], "pass")),
    ("username", ("w" * 33, "X", ["clerk"], "pass")),
    ("display_name", ("wang", "", ["clerk"], "pass")),
    ("roles", ("wang", "X", [], "pass")),
    ("roles", ("wang", "X", ["clerk", "boss"], "pass")),
    ("password", ("wang", "X", ["clerk"], "abc")),
    ("password", ("wang", "X", ["clerk"], "x" * 257)),
]


def test_account_fields_are_checked(system: System, staff: Staff) -> None:
    for field, args in ACCOUNT_CASES:
        with refused(system, InvalidInputError, field=field, case=args):
            system.app.open_account(*args, actor=staff.admin)


def test_a_user_name_is_taken_once(system: System, staff: Staff) -> None:
    with refused(system, DuplicateError, rule="account_exists") as caught:
        system.app.open_account("Clerk", "Another", ["cadre"], "password", actor=staff.admin)
    assert caught.value.existing_id == "clerk"
    # the failed attempt did not change the existing account's password
    system.app.authenticate("clerk", PASSWORD)


def test_roles_change_with_a_reason_and_an_admin_keeps_their_own_admin_role(
    system: System, staff: Staff
) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="reason"):
        app.change_roles("clerk", ["cadre"], "", actor=staff.admin)
    with refused(system, AccountError, rule="same_roles"):
        app.change_roles("clerk", ["clerk"], "no change", actor=staff.admin)
    with refused(system, InvalidInputError, field="roles"):
        app.change_roles("clerk", ["boss"], "x", actor=staff.admin)
    with refused(system, AccountError, rule="own_admin"):
        app.change_roles("admin", ["supervisor"], "stepping down", actor=staff.admin)
    with refused(system, NotFoundError):
        app.change_roles("nobody", ["clerk"], "x", actor=staff.admin)
    receipt = app.change_roles("clerk", ["clerk", "supervisor"], "promoted", actor=staff.admin)
    changed = last_event(system)
    assert (changed.roles, changed.reason) == (["clerk", "supervisor"], "promoted")
    assert app.principal("clerk").roles == {Role.CLERK, Role.SUPERVISOR}
    rows = system.accounts.list(actor=staff.reviewer, min_position=receipt.position)
    assert {r["username"]: r["roles"] for r in rows}["clerk"] == ["clerk", "supervisor"]


def test_a_disabled_account_cannot_log_in_until_enabled(system: System, staff: Staff) -> None:
    app = system.app
    with refused(system, AccountError, rule="own_account"):
        app.disable_account("admin", "leaving", actor=staff.admin)
    with refused(system, InvalidInputError, field="reason"):
        app.disable_account("clerk", "", actor=staff.admin)
    app.disable_account("clerk", "left the station", actor=staff.admin)
    assert (names([last_event(system)]), last_event(system).reason) == (
        ["Account.Disabled"],
        "left the station",
    )
    with refused(system, AccountError, rule="already_disabled"):
        app.disable_account("clerk", "again", actor=staff.admin)
    with pytest.raises(AuthenticationError):
        app.authenticate("clerk", PASSWORD)
    with pytest.raises(AuthenticationError):
        app.principal("clerk")  # a token issued before is refused too
    with refused(system, AccountError, rule="account_disabled"):
        app.reset_password("clerk", "new-pass", actor=staff.admin)
    with refused(system, AccountError, rule="already_enabled"):
        app.enable_account("cadre", "x", actor=staff.admin)
    receipt = app.enable_account("clerk", "came back", actor=staff.admin)
    assert app.authenticate("clerk", PASSWORD).username == "clerk"
    rows = system.accounts.list(actor=staff.admin, min_position=receipt.position)
    assert {r["username"]: r["active"] for r in rows}["clerk"] is True


def test_five_failed_logins_throttle_the_user_name_even_for_the_right_password(
    system: System,
) -> None:
    app = system.app
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            app.authenticate("clerk", "guess")
    with pytest.raises(ThrottledError) as caught:
        app.authenticate("clerk", PASSWORD)
    assert caught.value.retry_after > 0
    assert caught.value.status == 429
    # another user name is not throttled
    assert app.authenticate("cadre", PASSWORD).username == "cadre"


def test_a_successful_login_clears_earlier_failures(system: System) -> None:
    app = system.app
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            app.authenticate("clerk", "guess")
    app.authenticate("clerk", PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            app.authenticate("clerk", "guess")
    assert app.authenticate("clerk", PASSWORD).username == "clerk"


def test_unknown_or_malformed_user_names_fail_like_a_wrong_password(system: System) -> None:
    for username in ["nobody", "", "王丽", "x" * 200, "a'; drop table x; --"]:
        with pytest.raises(AuthenticationError):
            system.app.authenticate(username, "whatever")


def test_an_account_changes_its_own_password_knowing_the_old_one(
    system: System, staff: Staff
) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="old_password"):
        app.change_own_password("wrong", "new-pass", actor=staff.reviewer)
    with refused(system, InvalidInputError, field="new_password"):
        app.change_own_password(PASSWORD, "new", actor=staff.reviewer)
    app.change_own_password(PASSWORD, "new-pass", actor=staff.reviewer)
    changed = last_event(system)
    assert (names([changed]), changed.by_owner, changed.actor) == (
        ["Account.PasswordChanged"],
        True,
        "reviewer",
    )
    assert "new-pass" not in repr(changed.__dict__)
    with pytest.raises(AuthenticationError):
        app.authenticate("reviewer", PASSWORD)
    assert app.authenticate("reviewer", "new-pass").username == "reviewer"


def test_an_admin_resets_a_password(system: System, staff: Staff) -> None:
    app = system.app
    with refused(system, InvalidInputError, field="password"):
        app.reset_password("cadre", "x", actor=staff.admin)
    app.reset_password("cadre", "reset-pass", actor=staff.admin)
    reset = last_event(system)
    assert (reset.by_owner, reset.actor, reset.originator_id) == (
        False,
        "admin",
        last_event(system).originator_id,
    )
    assert app.authenticate("cadre", "reset-pass").username == "cadre"


def test_only_admins_manage_accounts_and_others_see_only_their_own(
    system: System, staff: Staff
) -> None:
    app = system.app
    for actor in (staff.clerk, staff.cadre, staff.supervisor, staff.reviewer):
        with refused(system, PermissionDeniedError):
            app.open_account("newbie", "New", ["clerk"], "password", actor=actor)
    assert app.get_account("clerk", actor=staff.clerk).username == "clerk"
    with pytest.raises(PermissionDeniedError):
        app.get_account("admin", actor=staff.clerk)
    assert app.get_account("admin", actor=staff.reviewer).roles == ["admin"]
    with pytest.raises(PermissionDeniedError):
        system.accounts.list(actor=staff.supervisor)


def test_a_database_is_initialised_once(database_url: str) -> None:
    """The first admin is the first event, then the default catalogues of categories and
    points rules; a second initialisation is refused."""
    s = make_system(database_url)
    try:
        assert not s.is_initialized()
        receipt = s.initialize("chief", ADMIN_PASSWORD, "主任")
        head = 1 + len(DEFAULT_CATEGORIES) + len(DEFAULT_RULES)
        assert receipt.position == 1
        assert s.app.last_position() == head
        assert names(events_after(s, 0)) == (
            ["Account.Opened"]
            + ["Category.Defined"] * len(DEFAULT_CATEGORIES)
            + ["Rule.Defined"] * len(DEFAULT_RULES)
        )
        assert [e.actor for e in events_after(s, 1)] == ["system"] * (head - 1)
        assert s.is_initialized()
        with pytest.raises(RuleViolationError) as caught:
            s.initialize("other", ADMIN_PASSWORD)
        assert caught.value.rule == "already_initialized"
        assert s.app.last_position() == head
        assert s.app.authenticate("chief", ADMIN_PASSWORD).roles == {Role.ADMIN}
    finally:
        s.shutdown()
