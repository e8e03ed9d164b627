"""The errors every interface maps in one place.

Messages name the field or the rule that was broken and never carry personal data.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(DomainError, ValueError):
    """A field of a command is missing or malformed (maps to 422)."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class RuleViolationError(DomainError):
    """A business rule forbids the command in the current state (maps to 409)."""

    status = 409

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class DuplicateError(RuleViolationError):
    """The thing already exists (maps to 409 naming the existing one)."""

    def __init__(self, rule: str, message: str, existing_id: str) -> None:
        super().__init__(rule, message)
        self.existing_id = existing_id


class NotFoundError(DomainError):
    """The addressed aggregate does not exist (maps to 404)."""

    status = 404

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} not found: {ident}")
        self.kind = kind


class ConcurrencyError(DomainError):
    """Someone else changed the same thing at the same time; reload and retry (409)."""

    status = 409


class PermissionDeniedError(DomainError):
    """The actor's roles do not allow the command (maps to 403)."""

    status = 403


class AuthenticationError(DomainError):
    """Wrong user name or password, or a disabled account (maps to 401)."""

    status = 401


class ThrottledError(DomainError):
    """Too many failed logins; try again later (maps to 429)."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
