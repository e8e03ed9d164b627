"""统计: a year's requests month by month and by category, computed as of the latest
signed checkpoint, as charts with the same numbers in tables, and as JSON and CSV.

A hidden figure is shown for what it is (see `projections.public_statistics`): under the
threshold ("fewer than N"; its field listed in the row's `suppressed`), withheld to
protect a smaller count beside it ("withheld"; listed in `withheld`), or a rate over
nothing ("—"; in neither list). The JSON gives each row's two lists as lists; the CSV
(one row a month, then the year's total, then one a category, told apart by its `table`
column: `month`, `total`, `category`) gives them as the field names separated by spaces.

A year that is well formed but has no statistics is a page of its own (404) listing the
years that have them; a malformed one is refused (422)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from domain.errors import InvalidInputError
from projections.public import Basis
from projections.public_statistics import (
    FIGURE_FIELDS,
    SUPPRESSED,
    WITHHELD,
    PublicStatisticsView,
    YearFigures,
)
from web.charts import ChartText, Scale, Series, bar_chart
from web.render import (
    basis_dict,
    csv_feed,
    json_feed,
    lang_of,
    listed_id,
    public_of,
    render,
    system_of,
    url_in,
)
from web.text import text

router = APIRouter()

YearQuery = Annotated[str | None, Query()]
CommunityQuery = Annotated[str | None, Query()]

#: The bars' colours: placed, resolved, on time, satisfied.
COLOURS = {
    "placed": "#b3261e",
    "resolved": "#0969da",
    "on_time_rate": "#1a7f37",
    "satisfaction_rate": "#8250df",
}


#: The CSV's columns: which table a row is of, what it is of, then its figures.
CSV_FIELDS = ("table", "month", "category", "name_zh", "name_en", *FIGURE_FIELDS)


class NoSuchYear(Exception):
    """A well-formed year with no statistics as of the basis."""

    def __init__(self, year: int, basis: Basis, years: list[int], community: str) -> None:
        super().__init__(year)
        self.year = year
        self.basis = basis
        self.years = years
        self.community = community


@dataclass(frozen=True)
class Found:
    """What the page and the feeds show: the basis, the year's figures (None before the
    first checkpoint), and the choices of the filters."""

    basis: Basis | None
    figures: YearFigures | None
    year: int
    years: list[int]
    community: str
    communities: list[dict[str, Any]]


def _year(value: str | None, default: int) -> int:
    """The year asked for (a malformed one is refused), or `default`."""
    if not value:
        return default
    if len(value) != 4 or not value.isdigit():
        raise InvalidInputError("year", "must be a year like 2026")
    return int(value)


def _found(request: Request, year: str | None, community: str | None) -> Found:
    system, public = system_of(request), public_of(request)
    communities = [p for p in public.places() if p["level"] == "community"]
    community_id = listed_id(
        "community", community, communities, "is not one of the listed communities"
    )
    today = system.app.today()
    chosen = _year(year, today.year)
    basis = public.basis()
    if basis is None:
        return Found(None, None, chosen, [today.year], community or "", communities)
    view = public.at(PublicStatisticsView.of(system), basis)
    years = sorted({*view.years(), today.year}, reverse=True)
    if chosen not in years:
        raise NoSuchYear(chosen, basis, years, community or "")
    figures = view.year(chosen, community_id=community_id, through=today)
    return Found(basis, figures, chosen, years, community or "", communities)


def _no_such_year_page(request: Request, error: NoSuchYear) -> HTMLResponse:
    lang = lang_of(request)
    return render(
        request,
        "statistics/missing.html",
        status_code=404,
        keep_query=False,
        heading=text("statistics.missing_title", lang, year=error.year),
        message=text("statistics.missing", lang, year=error.year),
        links=[
            (y, url_in(lang, "/statistics", year=y, community=error.community)) for y in error.years
        ],
        basis=error.basis,
    )


def _no_such_year_feed(error: NoSuchYear) -> JSONResponse:
    body = {
        "detail": f"year: no statistics for {error.year} as of the checkpoint",
        "field": "year",
        "years": error.years,
        "basis": basis_dict(error.basis),
    }
    return JSONResponse(body, status_code=404)


def _month_labels(lang: str, figures: YearFigures) -> tuple[list[str], list[str]]:
    """The months' short labels (axis) and long ones (tooltips, the table)."""
    short, long = [], []
    for row in figures.months:
        number = int(row["month"][5:])
        name = text(f"statistics.m{number}", lang)
        short.append(name)
        long.append(
            text("statistics.month_name", lang, year=figures.year, month=number, short=name)
        )
    return short, long


def _charts(lang: str, figures: YearFigures) -> dict[str, Markup]:
    months = figures.months
    if not months:
        return {}
    n = figures.min_count
    short, long = _month_labels(lang, figures)
    period = text("statistics.period", lang, year=figures.year, first=short[0], last=short[-1])

    def words(title: str, desc: str, axis: str, *, rates: bool = False) -> ChartText:
        # A hidden count is a bar up to N; a hidden rate a marker labelled "<N".
        hidden = "statistics.rate_hidden_legend" if rates else "statistics.hidden"
        return ChartText(
            title=text(title, lang),
            desc=text(desc, lang, period=period, n=n),
            x_axis=text("statistics.axis_month", lang),
            y_axis=text(axis, lang),
            hidden=text(hidden, lang, n=n),
            no_data=text("statistics.no_data", lang),
            withheld=text("statistics.withheld_legend", lang),
            hidden_mark=text("statistics.hidden_mark", lang, n=n),
            withheld_mark="*",
        )

    def series(field: str) -> Series:
        return Series(
            field,
            text(f"statistics.{field}", lang),
            COLOURS[field],
            [m[field] for m in months],
            hidden=[field in m[SUPPRESSED] for m in months],
            withheld=[field in m[WITHHELD] for m in months],
        )

    placed, resolved = series("placed"), series("resolved")
    return {
        "requests": bar_chart(
            "chart-requests",
            short,
            [placed, resolved],
            words("statistics.chart_requests", "statistics.desc_requests", "statistics.axis_count"),
            Scale.counts([*placed.values, *resolved.values], n),
            names=long,
        ),
        "on_time": bar_chart(
            "chart-on-time",
            short,
            [series("on_time_rate")],
            words(
                "statistics.chart_on_time",
                "statistics.desc_on_time",
                "statistics.axis_rate",
                rates=True,
            ),
            Scale.percent(),
            names=long,
        ),
        "satisfaction": bar_chart(
            "chart-satisfaction",
            short,
            [series("satisfaction_rate")],
            words(
                "statistics.chart_satisfaction",
                "statistics.desc_satisfaction",
                "statistics.axis_rate",
                rates=True,
            ),
            Scale.percent(),
            names=long,
        ),
    }


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request, year: YearQuery = None, community: CommunityQuery = None
) -> HTMLResponse:
    try:
        found = _found(request, year, community)
    except NoSuchYear as error:
        return _no_such_year_page(request, error)
    lang = lang_of(request)
    figures = found.figures
    month_names = _month_labels(lang, figures)[1] if figures else []
    return render(
        request,
        "statistics/page.html",
        basis=found.basis,
        figures=figures,
        year=found.year,
        years=found.years,
        communities=found.communities,
        chosen={"year": str(found.year), "community": found.community},
        filtered=bool(year or community),
        charts=_charts(lang, figures) if figures else {},
        month_names=month_names,
    )


@router.get("/statistics.json")
def statistics_json(
    request: Request, year: YearQuery = None, community: CommunityQuery = None
) -> JSONResponse:
    try:
        found = _found(request, year, community)
    except NoSuchYear as error:
        return _no_such_year_feed(error)
    figures = found.figures
    return json_feed(
        request,
        figures.months if figures else [],
        year=found.year,
        community_id=figures.community_id if figures else None,
        min_count=public_of(request).min_count,
        total=figures.total if figures else None,
        categories=figures.categories if figures else [],
        years=found.years,
        basis=basis_dict(found.basis),
    )


@router.get("/statistics.csv")
def statistics_csv(
    request: Request, year: YearQuery = None, community: CommunityQuery = None
) -> Response:
    try:
        found = _found(request, year, community)
    except NoSuchYear as error:
        return _no_such_year_feed(error)
    return csv_feed(_csv_rows(found.figures), CSV_FIELDS, f"statistics-{found.year}.csv")


def _csv_rows(figures: YearFigures | None) -> list[dict[str, Any]]:
    """What the page shows, a row each: the months, the year's total, the categories;
    a row's hidden fields as their names separated by spaces."""
    if figures is None:
        return []
    tables = [
        *(("month", row) for row in figures.months),
        ("total", figures.total),
        *(("category", row) for row in figures.categories),
    ]
    return [
        {
            **row,
            "table": table,
            SUPPRESSED: " ".join(row[SUPPRESSED]),
            WITHHELD: " ".join(row[WITHHELD]),
        }
        for table, row in tables
    ]
