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
    #: Read requests, micro-wishes and alliance needs with their personal fields.
    REQUESTS_READ = "requests.read"
    #: Place a resident's request (or post a wish) and withdraw it on their word.
    REQUESTS_PLACE = "requests.place"
    #: The committee's sorting: classify, reject, merge; list alliance needs.
    REQUESTS_TRIAGE = "requests.triage"
    #: Claim for oneself (an account linked to a member) and act as the claimant.
    REQUESTS_CLAIM = "requests.claim"
    #: Record a claim, progress or resolution for a member who has no account.
    REQUESTS_RECORD = "requests.record"
    #: Give to another member, accept, send back, press, escalate, publish, close.
    REQUESTS_SUPERVISE = "requests.supervise"
    #: Record the return visit (the resident's satisfaction) and confirm fulfilments.
    REQUESTS_VISIT = "requests.visit"
    #: Extend and change the category catalogue.
    CATALOGUE_MANAGE = "catalogue.manage"
    #: Read members' points ledgers, rankings, objections and proposals.
    POINTS_READ = "points.read"
    #: Award points under a rule; plan activities and record their attendance.
    POINTS_AWARD = "points.award"
    #: Propose a deduction or a reversal (someone else approves it).
    POINTS_PROPOSE = "points.propose"
    #: Approve or reject another person's proposed deduction or reversal.
    POINTS_APPROVE = "points.approve"
    #: File an objection for a member in the publicity window.
    POINTS_OBJECT = "points.object"
    #: Close and finalize periods, settle objections, select excellent members.
    POINTS_PERIODS = "points.periods"
    #: Define and revise the rule catalogue.
    POINTS_RULES = "points.rules"
    #: See a person's contact details in clear (phone, address, room), with a reason;
    #: every showing is recorded.
    PERSONAL_REVEAL = "personal.reveal"
    #: Erase a person: destroy their key, with a reason (admin only).
    PERSONAL_ERASE = "personal.erase"


_ALL_READS = {
    Permission.ROSTER_READ,
    Permission.AUDIT_READ,
    Permission.ACCOUNTS_READ,
    Permission.REQUESTS_READ,
    Permission.POINTS_READ,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(
        {
            Permission.ROSTER_READ,
            Permission.ROSTER_WRITE,
            Permission.REQUESTS_READ,
            Permission.REQUESTS_PLACE,
            Permission.REQUESTS_TRIAGE,
            Permission.REQUESTS_RECORD,
            Permission.REQUESTS_VISIT,
            Permission.POINTS_READ,
            Permission.POINTS_AWARD,
            Permission.POINTS_PROPOSE,
            Permission.POINTS_OBJECT,
            Permission.PERSONAL_REVEAL,
        }
    ),
    Role.CADRE: frozenset(
        {
            Permission.ROSTER_READ,
            Permission.ROSTER_WRITE,
            Permission.REQUESTS_READ,
            Permission.REQUESTS_PLACE,
            Permission.REQUESTS_CLAIM,
            Permission.POINTS_READ,
            Permission.POINTS_OBJECT,
            Permission.PERSONAL_REVEAL,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Permission.ROSTER_READ,
            Permission.ROSTER_WRITE,
            Permission.ORG_MANAGE,
            Permission.AUDIT_READ,
            Permission.REQUESTS_READ,
            Permission.REQUESTS_PLACE,
            Permission.REQUESTS_TRIAGE,
            Permission.REQUESTS_CLAIM,
            Permission.REQUESTS_RECORD,
            Permission.REQUESTS_SUPERVISE,
            Permission.REQUESTS_VISIT,
            Permission.POINTS_READ,
            Permission.POINTS_AWARD,
            Permission.POINTS_PROPOSE,
            Permission.POINTS_APPROVE,
            Permission.POINTS_OBJECT,
            Permission.POINTS_PERIODS,
            Permission.PERSONAL_REVEAL,
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

    def require_any(self, *permissions: Permission) -> None:
        if not any(self.can(p) for p in permissions):
            if len(permissions) == 1:
                self.require(permissions[0])
            names = " or ".join(f"'{p}'" for p in permissions)
            raise PermissionDeniedError(f"{self.username} may not do this: it needs {names}")


#: The actor of bootstrap commands run by `yimai init` / `yimai demo` on the machine
#: itself, before any account exists. It never comes from the network.
SYSTEM = Principal("system", frozenset({Role.ADMIN}))
