"""What every read model's queries share: a page of items, its bounds, a literal
"contains" filter, and items built from an allowlist of fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from domain.errors import InvalidInputError


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    offset: int
    limit: int


def check_page(offset: int, limit: int) -> None:
    if limit < 1 or limit > 500:
        raise InvalidInputError("limit", "must be between 1 and 500")
    if offset < 0:
        raise InvalidInputError("offset", "cannot be negative")


def contains(text: str, *columns: sa.Column[Any]) -> sa.ColumnElement[bool]:
    """Any of the columns contains `text` literally (LIKE wildcards in it are escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.or_(*(c.like(f"%{escaped}%", escape="\\") for c in columns))


def allow(fields: Sequence[str], values: Mapping[Any, Any]) -> dict[str, Any]:
    """An item holding exactly `fields`, taken from `values` (a KeyError if one lacks):
    what a query answers is always named field by field, never a whole row."""
    return {name: values[name] for name in fields}
