"""Staff accounts and their roles.

Account changes are events. Password hashes are not: they live in a credential store
beside the events, so a sealed or exported log never carries a hash.
"""

from __future__ import annotations

import re
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import event

from domain.access import Role
from domain.base import YimaiAggregate, derived_id
from domain.errors import InvalidInputError, RuleViolationError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MIN_PASSWORD = 4


class AccountError(RuleViolationError):
    """An account rule was broken."""


def normalize_username(username: str) -> str:
    value = (username or "").strip().lower()
    if not USERNAME.match(value):
        raise InvalidInputError(
            "username", "3–32 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    return value


def check_password(password: str, field: str = "password") -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInputError(field, f"must be at least {MIN_PASSWORD} characters")
    if len(password) > 256:
        raise InvalidInputError(field, "is longer than 256 characters")
    return password


def parse_roles(roles: list[str] | frozenset[str] | set[str]) -> frozenset[Role]:
    if not roles:
        raise InvalidInputError("roles", "at least one role is required")
    try:
        return frozenset(Role(r) for r in roles)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInputError("roles", f"each role must be one of: {allowed}") from None


class Account(YimaiAggregate):
    """A staff account: clerk, cadre, supervisor, reviewer or admin."""

    id: UUID

    @staticmethod
    def id_for(username: str) -> UUID:
        return derived_id("account", username)

    @event("Opened")
    def __init__(self, username: str, display_name: str, roles: list[str]) -> None:
        self.username = username
        self.display_name = display_name
        self.roles = frozenset(Role(r) for r in roles)
        self.active = True
        #: The member this account's holder is, if any: claims made by the account are
        #: that member's (points and stars go to members, not to accounts).
        self.member_id: UUID | None = None

    @event("RolesChanged")
    def change_roles(self, roles: list[str], reason: str) -> None:
        if not reason.strip():
            raise AccountError("reason_required", "a reason is required to change roles")
        if frozenset(Role(r) for r in roles) == self.roles:
            raise AccountError("same_roles", "the account already has exactly these roles")
        self.roles = frozenset(Role(r) for r in roles)

    @event("Disabled")
    def disable(self, reason: str) -> None:
        if not reason.strip():
            raise AccountError("reason_required", "a reason is required to disable an account")
        if not self.active:
            raise AccountError("already_disabled", "the account is already disabled")
        self.active = False

    @event("Enabled")
    def enable(self, reason: str) -> None:
        if self.active:
            raise AccountError("already_enabled", "the account is already enabled")
        self.active = True

    @event("MemberLinked")
    def link_member(self, member_id: UUID | None, reason: str) -> None:
        if not reason.strip():
            raise AccountError("reason_required", "a reason is required to link a member")
        if member_id == self.member_id:
            raise AccountError("same_member", "the account is already linked so")
        self.member_id = member_id

    @event("PasswordChanged")
    def record_password_change(self, by_owner: bool) -> None:
        if not self.active:
            raise AccountError("account_disabled", "the account is disabled")


class CredentialStore(Protocol):
    """Password hashes and failed-login counters, kept beside the events."""

    def set_password(self, username: str, password: str) -> None: ...

    def verify_password(self, username: str, password: str) -> bool: ...

    def failures(self, username: str) -> tuple[int, float]:
        """(failures in the current window, seconds until the window ends)."""
        ...

    def record_failure(self, username: str) -> None: ...

    def clear_failures(self, username: str) -> None: ...
