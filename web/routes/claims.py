"""微心愿 · 共建项目: micro-wishes that members claimed and fulfilled, and alliance needs
that resident units claimed, once published; both lists by community, one page per
item, and the same lists as JSON and CSV.

Every item comes from the read model's public queries (`public_wishes`, `public_needs`,
`public_wish`, `public_need`), which build it from an allowlist: the member who
fulfilled a wish is named masked, the resident it was for not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from domain.errors import InvalidInputError
from domain.personal import ERASED
from projections.queries import Page
from projections.requests import PUBLIC_CLAIMABLE_FIELDS
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

# Query values are read as text and checked here, so that a bad one is answered like
# every other bad input on the site (422 naming the field, never echoing the value).
CommunityQuery = Annotated[str | None, Query()]
PageQuery = Annotated[str | None, Query()]
#: How many of each the overview shows.
LATEST = 5


@dataclass(frozen=True)
class Kind:
    """Micro-wishes or alliance needs: where they live on the site and how they are read."""

    name: str  # "wishes" or "needs": the path and the texts' suffix
    listing: Callable[..., Page]
    single: Callable[..., dict[str, Any]]


def _kind(request: Request, name: str) -> Kind:
    view = system_of(request).requests
    if name == "wishes":
        return Kind("wishes", view.public_wishes, view.public_wish)
    return Kind("needs", view.public_needs, view.public_need)


def _community(value: str | None) -> UUID | None:
    if not value:
        return None
    try:
        if len(value) > 40:
            raise ValueError(value)
        return UUID(value)
    except ValueError:
        raise InvalidInputError("community", "is not one of the listed communities") from None


def _whole(field: str, value: str | None) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 7:
        raise InvalidInputError(field, "must be a whole number")
    return int(value)


def _list(
    kind: Kind, community: str | None, page: str | None, per_page: str | None
) -> tuple[list[dict[str, Any]], Pager]:
    number = page_number(_whole("page", page))
    size = per_page_number(_whole("per_page", per_page))
    found = kind.listing(community_id=_community(community), offset=(number - 1) * size, limit=size)
    return found.items, Pager(number, size, found.total)


def _list_page(
    request: Request, name: str, community: str | None, page: str | None, per_page: str | None
) -> HTMLResponse:
    kind = _kind(request, name)
    items, pager = _list(kind, community, page, per_page)
    return render(
        request,
        "claims/list.html",
        kind=kind.name,
        items=items,
        pager=pager,
        communities=[p for p in public_of(request).places() if p["level"] == "community"],
        chosen={"community": community or ""},
        erased=ERASED,
    )


def _detail_page(request: Request, name: str, ident: str) -> HTMLResponse:
    kind = _kind(request, name)
    return render(
        request, "claims/detail.html", kind=kind.name, item=kind.single(ident), erased=ERASED
    )


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request) -> HTMLResponse:
    wishes = _kind(request, "wishes").listing(offset=0, limit=LATEST)
    needs = _kind(request, "needs").listing(offset=0, limit=LATEST)
    return render(request, "claims/index.html", wishes=wishes, needs=needs, erased=ERASED)


# -- micro-wishes ----------------------------------------------------------------------------


@router.get("/claims/wishes", response_class=HTMLResponse)
def wishes_page(
    request: Request,
    community: CommunityQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> HTMLResponse:
    return _list_page(request, "wishes", community, page, per_page)


@router.get("/claims/wishes.json")
def wishes_json(
    request: Request,
    community: CommunityQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> JSONResponse:
    items, pager = _list(_kind(request, "wishes"), community, page, per_page)
    return json_feed(request, items, pager)


@router.get("/claims/wishes.csv")
def wishes_csv(
    request: Request,
    community: CommunityQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> Response:
    items, pager = _list(_kind(request, "wishes"), community, page, per_page)
    return csv_feed(items, PUBLIC_CLAIMABLE_FIELDS, f"wishes-page-{pager.page}.csv")


@router.get("/claims/wishes/{wish_id}.json")
def wish_json(request: Request, wish_id: str) -> JSONResponse:
    return json_feed(request, [_kind(request, "wishes").single(wish_id)])


@router.get("/claims/wishes/{wish_id}", response_class=HTMLResponse)
def wish_page(request: Request, wish_id: str) -> HTMLResponse:
    return _detail_page(request, "wishes", wish_id)


# -- alliance needs --------------------------------------------------------------------------


@router.get("/claims/needs", response_class=HTMLResponse)
def needs_page(
    request: Request,
    community: CommunityQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> HTMLResponse:
    return _list_page(request, "needs", community, page, per_page)


@router.get("/claims/needs.json")
def needs_json(
    request: Request,
    community: CommunityQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> JSONResponse:
    items, pager = _list(_kind(request, "needs"), community, page, per_page)
    return json_feed(request, items, pager)


@router.get("/claims/needs.csv")
def needs_csv(
    request: Request,
    community: CommunityQuery = None,
    page: PageQuery = None,
    per_page: PageQuery = None,
) -> Response:
    items, pager = _list(_kind(request, "needs"), community, page, per_page)
    return csv_feed(items, PUBLIC_CLAIMABLE_FIELDS, f"needs-page-{pager.page}.csv")


@router.get("/claims/needs/{need_id}.json")
def need_json(request: Request, need_id: str) -> JSONResponse:
    return json_feed(request, [_kind(request, "needs").single(need_id)])


@router.get("/claims/needs/{need_id}", response_class=HTMLResponse)
def need_page(request: Request, need_id: str) -> HTMLResponse:
    return _detail_page(request, "needs", need_id)
