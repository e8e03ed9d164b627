"""How a domain error reads at the station: one place, in the current language.

The domain speaks English and names fields and rules; this module only translates,
it decides nothing.
"""

from __future__ import annotations

import logging
import re

from domain.errors import (
    AuthenticationError,
    ConcurrencyError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ThrottledError,
)
from tui.i18n import REASONS, colon, has, join, label, language, t

log = logging.getLogger(__name__)

#: Exact English reasons from domain.validation and the commands, by catalogue key.
_REASONS = {
    "is required": "reason.required",
    "must be an 11-digit mobile number or an area code and landline": "reason.phone",
    "must be 18 characters: 17 digits and a check digit": "reason.id_format",
    "has a wrong check digit": "reason.id_check",
    "cannot be in the future": "reason.future",
    "a member must be at least 18 years old": "reason.adult",
    "contains control characters": "reason.control",
    "is not a valid id": "reason.bad_id",
    "is not the current password": "reason.old_password",
    "3–32 characters: lower-case letters, digits, '.', '_' or '-'": "reason.username",
    "an in-service member needs the resident unit they serve in": "reason.needs_unit",
    "only an in-service member reports from a resident unit": "reason.only_in_service",
    "the resident unit is not in the member's community": "reason.unit_elsewhere",
    "is not a party group of that branch": "reason.not_group",
    "is not a grid branch": "reason.not_branch",
    "must be a date (YYYY-MM-DD)": "form.bad_date",
    "the passwords differ": "form.passwords_differ",
}
_PATTERNS = [
    (re.compile(r"^is longer than (?P<n>\d+) characters$"), "reason.too_long"),
    (re.compile(r"^cannot be before (?P<date>.+)$"), "reason.too_early"),
    (re.compile(r"^must be at least (?P<n>\d+) characters$"), "reason.password_short"),
    (re.compile(r"^must be one of: .*$"), "reason.choice"),
]


_POST = re.compile(r"^(?P<role>\w+) of (?P<unit>.+)$")


def _post(text: str) -> str:
    """ "secretary of 第一网格党支部" -> "第一网格党支部书记"."""
    match = _POST.match(text)
    if not match:
        return text
    return t("post.of", role=label("appointment", match["role"]), unit=match["unit"])


def field_label(field: str) -> str:
    key = f"field.{field}"
    return t(key) if has(key) else field


def reason(text: str) -> str:
    """A validation reason in the current language (English as the domain said it)."""
    if language() == "en":
        return text
    key = _REASONS.get(text) or REASONS.get(text)
    if key:
        return t(key)
    for pattern, key in _PATTERNS:
        match = pattern.match(text)
        if match:
            return t(key, **match.groupdict())
    return text


def describe(error: BaseException, *, user: str = "", label: str | None = None) -> str:
    """The error as staff should read it; an invalid input names its field (as `label`
    when given: the form's own label of that field)."""
    if isinstance(error, InvalidInputError):
        return f"{label or field_label(error.field)}{colon()}{reason(error.reason)}"
    if isinstance(error, ThrottledError):
        return t("error.throttled", seconds=error.retry_after)
    if isinstance(error, AuthenticationError):
        return t("error.authentication")
    if isinstance(error, PermissionDeniedError):
        return t("error.permission", user=user or "?")
    if isinstance(error, ConcurrencyError):
        return t("error.concurrency")
    if isinstance(error, NotFoundError):
        return t("error.not_found", kind=error.kind)
    if isinstance(error, RuleViolationError):
        key = f"rule.{error.rule}"
        if not has(key):
            return error.message
        detail = error.message.split(": ", 1)[1] if ": " in error.message else ""
        if error.rule == "member_holds_posts":
            detail = join(_post(p) for p in detail.split(", ") if p)
        return t(key, detail=detail) if "{detail}" in t(key) else t(key)
    if isinstance(error, DomainError):
        return error.message
    # Not a refusal but a fault (a lost database connection, a bug): keep the trace.
    log.error("unexpected error shown to staff", exc_info=error)
    return t("app.unexpected", name=type(error).__name__)
