"""排名晾晒: the members' points and stars of each closed year (in its publicity window or
final), by quarter, community and grid branch, and the year's excellent members once
published; the same lists as JSON and CSV.

Everything here is computed as of the latest signed checkpoint (`PublicView.at`), so a
page says which checkpoint it stands on and a reviewer who replays the signed log gets
the same figures. The selection's table keeps no history: a selection is shown only when
the event that published it is within the checkpoint (else the page says it has been
published since and appears with the next checkpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from domain.errors import InvalidInputError, NotFoundError
from projections.points import PUBLIC_RANKING_FIELDS, PUBLIC_SELECTED_FIELDS
from projections.public import Basis
from web.render import (
    Pager,
    basis_dict,
    csv_feed,
    json_feed,
    lang_of,
    listed_id,
    page_number,
    per_page_number,
    public_of,
    render,
    system_of,
)
from web.text import text

router = APIRouter()

Short = Annotated[str | None, Query(max_length=12)]
PlaceQuery = Annotated[str | None, Query(max_length=40)]


# -- reading the query -------------------------------------------------------------------


def _number(field_name: str, value: str | None, reason: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        raise InvalidInputError(field_name, reason)
    return int(value)


def _year(value: str | None) -> int | None:
    year = _number("year", value, "must be a year such as 2025")
    if year is not None and not 1 <= year <= 9999:
        raise InvalidInputError("year", "must be a year such as 2025")
    return year


def _quarter(value: str | None) -> int | None:
    quarter = _number("quarter", value, "must be 1, 2, 3 or 4")
    if quarter is not None and not 1 <= quarter <= 4:
        raise InvalidInputError("quarter", "must be 1, 2, 3 or 4")
    return quarter


def _page(value: str | None) -> int:
    return page_number(_number("page", value, "must be a page number from 1"))


def _per_page(value: str | None) -> int:
    return per_page_number(_number("per_page", value, "must be a number"))


# -- what a page of rankings holds --------------------------------------------------------


@dataclass
class Rankings:
    """One page of a year's rankings as of `basis` (None: nothing signed yet), with the
    closed years to choose among and the chosen year's period."""

    basis: Basis | None
    years: list[dict[str, Any]] = field(default_factory=list)
    year: int | None = None
    quarter: int | None = None
    period: dict[str, Any] | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    pager: Pager = field(default_factory=lambda: Pager(1, 20, 0))
    selection_shown: bool = False


class NotClosed(Exception):
    """The year asked for is not closed as of the basis."""

    def __init__(self, year: int, basis: Basis, years: list[dict[str, Any]]) -> None:
        super().__init__(year)
        self.year = year
        self.basis = basis
        self.years = years


def _rankings(
    request: Request,
    year_text: str | None,
    quarter_text: str | None,
    community: str | None,
    branch: str | None,
    page: str | None,
    per_page: str | None,
) -> Rankings:
    year = _year(year_text)
    quarter = _quarter(quarter_text)
    number, size = _page(page), _per_page(per_page)
    public = public_of(request)
    places = public.places()
    community_id = listed_id(
        "community", community, [p for p in places if p["level"] == "community"]
    )
    branch_id = listed_id("branch", branch, [p for p in places if p["level"] == "branch"])
    basis = public.basis()
    if basis is None:
        return Rankings(None, year=year, quarter=quarter, pager=Pager(number, size, 0))
    view = public.at(system_of(request).points, basis)
    years = view.public_periods()
    if year is None:
        if not years:
            return Rankings(basis, quarter=quarter, pager=Pager(number, size, 0))
        year = int(years[0]["year"])
    period = next((p for p in years if p["year"] == year), None)
    if period is None:
        raise NotClosed(year, basis, years)
    found = view.public_rankings(
        year=year,
        quarter=quarter,
        community_id=community_id,
        branch_id=branch_id,
        offset=(number - 1) * size,
        limit=size,
    )
    published = view.selection_published_position(year)
    return Rankings(
        basis,
        years,
        year,
        quarter,
        period,
        found.items,
        Pager(number, size, found.total),
        published is not None and published <= basis.position,
    )


def _not_closed_page(request: Request, error: NotClosed) -> HTMLResponse:
    return render(
        request,
        "rankings/missing.html",
        status_code=404,
        heading=text("rankings.not_closed_title", lang_of(request), year=error.year),
        message=text("rankings.not_closed", lang_of(request), year=error.year),
        years=error.years,
        basis=error.basis,
    )


def _not_closed_feed(error: NotClosed) -> JSONResponse:
    body = {
        "detail": f"year: {error.year} is not closed as of the checkpoint",
        "field": "year",
        "basis": basis_dict(error.basis),
    }
    return JSONResponse(body, status_code=404)


def _period_now(request: Request, period: dict[str, Any] | None) -> str | None:
    """How the chosen year stands for a resident now: `window` (objections may still be
    filed), `window_ended` (waiting for objections to be settled) or `final`."""
    if period is None:
        return None
    if period["state"] == "final":
        return "final"
    now = system_of(request).app.now()
    return "window" if now <= period["window_ends_at"] else "window_ended"


@router.get("/rankings", response_class=HTMLResponse)
def rankings_page(
    request: Request,
    year: Short = None,
    quarter: Short = None,
    community: PlaceQuery = None,
    branch: PlaceQuery = None,
    page: Short = None,
) -> HTMLResponse:
    try:
        found = _rankings(request, year, quarter, community, branch, page, None)
    except NotClosed as error:
        return _not_closed_page(request, error)
    public = public_of(request)
    places = public.places()
    communities = [p for p in places if p["level"] == "community"]
    branches = [p for p in places if p["level"] == "branch"]
    groups = [(c, [b for b in branches if b["parent_id"] == c["id"]]) for c in communities]
    return render(
        request,
        "rankings/list.html",
        found=found,
        standing=_period_now(request, found.period),
        communities=communities,
        groups=groups,
        star_cap=system_of(request).settings.star_cap,
        chosen={
            "year": str(found.year or ""),
            "quarter": str(found.quarter or ""),
            "community": community or "",
            "branch": branch or "",
        },
    )


@router.get("/rankings.json")
def rankings_json(
    request: Request,
    year: Short = None,
    quarter: Short = None,
    community: PlaceQuery = None,
    branch: PlaceQuery = None,
    page: Short = None,
    per_page: Short = None,
) -> JSONResponse:
    try:
        found = _rankings(request, year, quarter, community, branch, page, per_page)
    except NotClosed as error:
        return _not_closed_feed(error)
    return json_feed(
        request,
        found.items,
        found.pager,
        pin={"year": found.year},
        year=found.year,
        quarter=found.quarter,
        period=found.period,
        years=[p["year"] for p in found.years],
        basis=basis_dict(found.basis),
    )


@router.get("/rankings.csv")
def rankings_csv(
    request: Request,
    year: Short = None,
    quarter: Short = None,
    community: PlaceQuery = None,
    branch: PlaceQuery = None,
    page: Short = None,
    per_page: Short = None,
) -> Response:
    try:
        found = _rankings(request, year, quarter, community, branch, page, per_page)
    except NotClosed as error:
        return _not_closed_feed(error)
    quarter_part = f"-q{found.quarter}" if found.quarter else ""
    name = f"rankings-{found.year or 'none'}{quarter_part}-page-{found.pager.page}.csv"
    return csv_feed(found.items, PUBLIC_RANKING_FIELDS, name)


# -- the year's excellent members ---------------------------------------------------------


@dataclass
class Selection:
    """A year's published selection as of `basis`: `state` is `shown` (its members
    follow), `none` (nothing signed yet), `unpublished` (not published) or `uncovered`
    (published after the checkpoint)."""

    year: int
    basis: Basis | None
    state: str
    published_on: Any = None
    members: list[dict[str, Any]] = field(default_factory=list)


def _selection(request: Request, year_text: str) -> Selection:
    year = _year(year_text)
    if year is None:
        raise InvalidInputError("year", "must be a year such as 2025")
    public = public_of(request)
    basis = public.basis()
    if basis is None:
        return Selection(year, None, "none")
    view = public.at(system_of(request).points, basis)
    position = view.selection_published_position(year)
    if position is None:
        # Not published; or published a moment ago and not yet followed by every read
        # model (the selection's table then says so before the timeline does).
        try:
            view.public_selection(year)
        except NotFoundError:
            return Selection(year, basis, "unpublished")
        return Selection(year, basis, "uncovered")
    if position > basis.position:
        return Selection(year, basis, "uncovered")
    found = view.public_selection(year)
    return Selection(year, basis, "shown", found["published_on"], found["members"])


def _selection_missing_page(request: Request, found: Selection) -> HTMLResponse:
    lang = lang_of(request)
    return render(
        request,
        "rankings/missing.html",
        status_code=404,
        heading=text("rankings.selection_title", lang, year=found.year),
        message=text(f"rankings.selection_{found.state}", lang, year=found.year),
        years=None,
        basis=found.basis,
    )


def _selection_missing_feed(found: Selection) -> JSONResponse:
    detail = {
        "unpublished": f"the selection of {found.year} is not published",
        "uncovered": (
            f"the selection of {found.year} was published after the latest checkpoint; "
            "it appears once the next checkpoint is signed"
        ),
    }[found.state]
    return JSONResponse(
        {"detail": detail, "state": found.state, "basis": basis_dict(found.basis)},
        status_code=404,
    )


@router.get("/rankings/{year}/selection", response_class=HTMLResponse)
def selection_page(request: Request, year: str) -> HTMLResponse:
    found = _selection(request, year)
    if found.state in ("unpublished", "uncovered"):
        return _selection_missing_page(request, found)
    return render(request, "rankings/selection.html", found=found)


@router.get("/rankings/{year}/selection.json")
def selection_json(request: Request, year: str) -> JSONResponse:
    found = _selection(request, year)
    if found.state in ("unpublished", "uncovered"):
        return _selection_missing_feed(found)
    return json_feed(
        request,
        found.members,
        year=found.year,
        published_on=found.published_on,
        basis=basis_dict(found.basis),
    )


@router.get("/rankings/{year}/selection.csv")
def selection_csv(request: Request, year: str) -> Response:
    found = _selection(request, year)
    if found.state in ("unpublished", "uncovered"):
        return _selection_missing_feed(found)
    return csv_feed(found.members, PUBLIC_SELECTED_FIELDS, f"selection-{found.year}.csv")
