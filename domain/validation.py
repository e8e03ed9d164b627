"""Input checks shared by every command; each error names its field."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from domain.errors import InvalidInputError

E = TypeVar("E", bound=StrEnum)

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def text(field: str, value: str | None, *, max_len: int = 100, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInputError(field, "is required")
    if len(value) > max_len:
        raise InvalidInputError(field, f"is longer than {max_len} characters")
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInputError(field, "contains control characters")
    return value


def optional_text(field: str, value: str | None, *, max_len: int = 100) -> str | None:
    return text(field, value, max_len=max_len, required=False) or None


def choice(field: str, value: str | None, enum: type[E]) -> E:
    try:
        return enum(value or "")
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInputError(field, f"must be one of: {allowed}") from None


def phone(field: str, value: str | None, *, required: bool = True) -> str | None:
    value = (value or "").strip().replace(" ", "")
    if not value:
        if required:
            raise InvalidInputError(field, "is required")
        return None
    if not _PHONE.match(value):
        raise InvalidInputError(
            field, "must be an 11-digit mobile number or an area code and landline"
        )
    return value


def id_number(field: str, value: str | None) -> str | None:
    """A mainland resident ID number (GB 11643), checksum verified; optional."""
    value = (value or "").strip().upper()
    if not value:
        return None
    if not _ID_NUMBER.match(value):
        raise InvalidInputError(field, "must be 18 characters: 17 digits and a check digit")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise InvalidInputError(field, "has a wrong check digit")
    return value


def past_date(
    field: str, value: date | None, *, today: date, earliest: date = date(1900, 1, 1)
) -> date:
    """A required date, not in the future."""
    if value is None:
        raise InvalidInputError(field, "is required")
    # A datetime is a date too, but cannot be compared with one (TypeError).
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInputError(field, "must be a date (YYYY-MM-DD)")
    if value > today:
        raise InvalidInputError(field, "cannot be in the future")
    if value < earliest:
        raise InvalidInputError(field, f"cannot be before {earliest.isoformat()}")
    return value


def positive_int(field: str, value: int | None, *, maximum: int = 99) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError(field, "must be a whole number of at least 1")
    if value > maximum:
        raise InvalidInputError(field, f"must be at most {maximum}")
    return value


def uuid(field: str, value: UUID | str | None) -> UUID:
    """A required id."""
    if value is None or value == "":
        raise InvalidInputError(field, "is required")
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInputError(field, "is not a valid id") from None
