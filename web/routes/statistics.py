"""统计: a year's requests month by month and by category, computed as of the latest
signed checkpoint, as charts with the same numbers in tables, and as JSON and CSV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from domain.errors import InvalidInputError
from projections.public import Basis
from projections.public_statistics import MONTH_FIELDS, PublicStatisticsView, YearFigures
from web.charts import ChartText, Scale, Series, bar_chart
from web.render import basis_dict, csv_feed, json_feed, lang_of, public_of, render, system_of
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


def _community(value: str | None, communities: list[dict[str, Any]]) -> UUID | None:
    if not value:
        return None
    try:
        ident = UUID(value)
    except ValueError:
        raise InvalidInputError("community", "is not one of the listed communities") from None
    if ident not in {c["id"] for c in communities}:
        raise InvalidInputError("community", "is not one of the listed communities")
    return ident


def _year(value: str | None, default: int, years: list[int] | None) -> int:
    if not value:
        return default
    if len(value) != 4 or not value.isdigit():
        raise InvalidInputError("year", "must be a year like 2026")
    year = int(value)
    if years is not None and year not in years:
        raise InvalidInputError("year", "is not one of the listed years")
    return year


def _found(request: Request, year: str | None, community: str | None) -> Found:
    system, public = system_of(request), public_of(request)
    communities = [p for p in public.places() if p["level"] == "community"]
    community_id = _community(community, communities)
    today = system.app.today()
    basis = public.basis()
    if basis is None:
        chosen = _year(year, today.year, None)
        return Found(None, None, chosen, [today.year], community or "", communities)
    view = public.at(PublicStatisticsView.of(system), basis)
    years = sorted({*view.years(), today.year}, reverse=True)
    chosen = _year(year, today.year, years)
    figures = view.year(chosen, community_id=community_id, through=today)
    return Found(basis, figures, chosen, years, community or "", communities)


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

    def words(title: str, desc: str, axis: str) -> ChartText:
        return ChartText(
            title=text(title, lang),
            desc=text(desc, lang, period=period, n=n),
            x_axis=text("statistics.axis_month", lang),
            y_axis=text(axis, lang),
            hidden=text("statistics.hidden", lang, n=n),
            no_data=text("statistics.no_data", lang),
        )

    def counts(field: str) -> Series:
        values = [m[field] for m in months]
        return Series(
            field,
            text(f"statistics.{field}", lang),
            COLOURS[field],
            values,
            [v is None for v in values],
        )

    def rates(field: str, base: str) -> Series:
        # A rate is hidden when its base is under the threshold, not when it is 0.
        return Series(
            field,
            text(f"statistics.{field}", lang),
            COLOURS[field],
            [m[field] for m in months],
            [m[field] is None and m[base] != 0 for m in months],
        )

    placed, resolved = counts("placed"), counts("resolved")
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
            [rates("on_time_rate", "done")],
            words("statistics.chart_on_time", "statistics.desc_on_time", "statistics.axis_rate"),
            Scale.percent(),
            names=long,
        ),
        "satisfaction": bar_chart(
            "chart-satisfaction",
            short,
            [rates("satisfaction_rate", "visited")],
            words(
                "statistics.chart_satisfaction",
                "statistics.desc_satisfaction",
                "statistics.axis_rate",
            ),
            Scale.percent(),
            names=long,
        ),
    }


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request, year: YearQuery = None, community: CommunityQuery = None
) -> HTMLResponse:
    found = _found(request, year, community)
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
    found = _found(request, year, community)
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
    found = _found(request, year, community)
    rows = found.figures.months if found.figures else []
    return csv_feed(rows, MONTH_FIELDS, f"statistics-{found.year}.csv")
