"""公开晒单: published request outcomes by community, category and month, one page per
outcome, and the same lists as JSON and CSV."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from domain.errors import InvalidInputError
from projections.requests import PUBLIC_LEDGER_FIELDS
from web.render import (
    Pager,
    csv_feed,
    json_feed,
    page_number,
    per_page_number,
    public_of,
    render,
    system_of,
)

router = APIRouter()

CommunityQuery = Annotated[str | None, Query(max_length=40)]
CategoryQuery = Annotated[str | None, Query(max_length=32)]
MonthQuery = Annotated[str | None, Query(max_length=7)]
PageQuery = Annotated[int | None, Query()]


def _uuid(field: str, value: str | None) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInputError(field, "is not one of the listed places") from None


def _month(value: str | None) -> str | None:
    if not value:
        return None
    # Browsers without a month picker leave the typing to the resident: 2026-3 will do.
    year, dash, month = value.strip().partition("-")
    if not (
        dash and len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= len(month) <= 2
    ):
        raise InvalidInputError("month", "looks like 2026-03")
    return f"{year}-{int(month):02d}"


def _ledger(
    request: Request,
    community: str | None,
    category: str | None,
    month: str | None,
    page: int | None,
    per_page: int | None,
    categories: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], Pager]:
    """A page of the ledger; `categories`, the catalogue if the caller has read it."""
    number, size = page_number(page), per_page_number(per_page)
    if categories is None and category:
        categories = public_of(request).categories()
    if category and category not in {c["code"] for c in categories or ()}:
        raise InvalidInputError("category", "is not one of the listed categories")
    found = system_of(request).requests.public_ledger(
        community_id=_uuid("community", community),
        category=category or None,
        month=_month(month),
        offset=(number - 1) * size,
        limit=size,
    )
    return found.items, Pager(number, size, found.total)


@router.get("/outcomes", response_class=HTMLResponse)
def outcomes_page(
    request: Request,
    community: CommunityQuery = None,
    category: CategoryQuery = None,
    month: MonthQuery = None,
    page: PageQuery = None,
) -> HTMLResponse:
    public = public_of(request)
    categories = public.categories()
    items, pager = _ledger(request, community, category, month, page, None, categories)
    return render(
        request,
        "outcomes/list.html",
        items=items,
        pager=pager,
        communities=[p for p in public.places() if p["level"] == "community"],
        categories=categories,
        chosen={"community": community or "", "category": category or "", "month": month or ""},
    )


@router.get("/outcomes.json")
def outcomes_json(
    request: Request,
    community: CommunityQuery = None,
    category: CategoryQuery = None,
    month: MonthQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> JSONResponse:
    items, pager = _ledger(request, community, category, month, page, per_page)
    return json_feed(request, items, pager)


@router.get("/outcomes.csv")
def outcomes_csv(
    request: Request,
    community: CommunityQuery = None,
    category: CategoryQuery = None,
    month: MonthQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> Response:
    items, pager = _ledger(request, community, category, month, page, per_page)
    return csv_feed(items, PUBLIC_LEDGER_FIELDS, f"outcomes-page-{pager.page}.csv")


@router.get("/outcomes/{request_id}.json")
def outcome_json(request: Request, request_id: str) -> JSONResponse:
    item = system_of(request).requests.public_outcome(request_id)
    return json_feed(request, [item])


@router.get("/outcomes/{request_id}", response_class=HTMLResponse)
def outcome_page(request: Request, request_id: str) -> HTMLResponse:
    item = system_of(request).requests.public_outcome(request_id)
    return render(request, "outcomes/detail.html", item=item)
