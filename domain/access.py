"""Roles, permissions and the principal that every command is done by.

Rights are checked here, in the application layer, so the API and the TUI enforce the
same rules. A reviewer reads everything and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import PermissionDeniedError


class Role(StrEnum):
    CLERK = "clerk"
    CADRE = "cadre"
    SUPERVISOR = "supervisor"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Permission(StrEnum):
    ROSTER_READ = "roster.read"
    ROSTER_WRITE = "roster.write"
    ORG_MANAGE = "org.manage"
    ACCOUNTS_READ = "accounts.read"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_READ = "audit.read"


_ALL_READS = {Permission.ROSTER_READ, Permission.AUDIT_READ, Permission.ACCOUNTS_READ}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset({Permission.ROSTER_READ, Permission.ROSTER_WRITE}),
    Role.CADRE: frozenset({Permission.ROSTER_READ, Permission.ROSTER_WRITE}),
    Role.SUPERVISOR: frozenset(
        {
            Permission.ROSTER_READ,
            Permission.ROSTER_WRITE,
            Permission.ORG_MANAGE,
            Permission.AUDIT_READ,
        }
    ),
    Role.REVIEWER: frozenset(_ALL_READS),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """Who is acting: an authenticated staff account (or the installer at bootstrap)."""

    username: str
    roles: frozenset[Role]

    def can(self, permission: Permission) -> bool:
        return any(permission in GRANTS[role] for role in self.roles)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDeniedError(
                f"{self.username} may not do this: it needs the right '{permission}'"
            )


#: The actor of bootstrap commands run by `yimai init` / `yimai demo` on the machine
#: itself, before any account exists. It never comes from the network.
SYSTEM = Principal("system", frozenset({Role.ADMIN}))
