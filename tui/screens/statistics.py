"""Statistics with charts: requests per month, the on-time rate, satisfaction, and
points by grid branch, for a year or a quarter, in all communities or one.

On 80×24 (and up to a wide terminal) one chart shows at a time and ←/→ switch; a wide
terminal shows the four in a grid. Titles and axes follow the interface language; the
series each chart draws are kept on it (`Chart.data`), so what is drawn can be checked.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, Literal
from uuid import UUID

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from domain.access import Permission, Principal
from projections.system import System
from tui.errors import describe
from tui.i18n import t
from tui.org import natural_key
from tui.screens.base import StaffScreen
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr
from tui.widgets.section_bar import SectionBar

#: The charts, in the order ←/→ walk through them.
CHARTS = ("month", "on_time", "satisfaction", "points")
#: Years offered: this one and the ones before it.
YEARS_BACK = 5
#: Rows per page when the points are read from the rankings.
RANKING_PAGE = 500
#: The fills of a bar chart's series, in turn (placed, resolved).
BAR_MARKERS = ("█", "▒")


def legend_outside(names: list[str]) -> bool:
    """Whether series names hold wide (Chinese) characters that plotext cannot place."""
    return any(cell_len(name) != len(name) for name in names)


@dataclass(frozen=True)
class Series:
    """One line or set of bars: its label (a text key) and a value per x label."""

    label_key: str
    values: list[float]


@dataclass(frozen=True)
class ChartData:
    """What a chart draws: x labels and series, with its axes' text keys."""

    name: str
    kind: Literal["bar", "line"]
    labels: list[str]
    series: list[Series]
    x_key: str
    y_key: str
    #: Under the chart: what the x labels stand for (branch numbers -> names).
    legend: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(s.values) for s in self.series)


@dataclass(frozen=True)
class Choice:
    """The period and community the charts show."""

    year: int
    quarter: int | None = None
    community_id: UUID | None = None

    def months(self) -> list[str]:
        first, last = (1, 12) if self.quarter is None else (self.quarter * 3 - 2, self.quarter * 3)
        return [f"{self.year}-{m:02d}" for m in range(first, last + 1)]

    def since(self) -> date:
        return date(self.year, 1 if self.quarter is None else self.quarter * 3 - 2, 1)

    def until(self) -> date:
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, self.quarter * 3 + 1, 1) - timedelta(days=1)


# -- the series, from the read models' rows --------------------------------------------


def month_chart(rows: list[dict[str, Any]], months: list[str]) -> ChartData:
    """Requests placed and resolved in each month of the period (0 where none)."""
    by_month = {r["key"]: r for r in rows}
    placed = [float(by_month.get(m, {}).get("placed", 0)) for m in months]
    resolved = [float(by_month.get(m, {}).get("resolved", 0)) for m in months]
    return ChartData(
        "month",
        "bar",
        [m[5:] for m in months],
        [
            Series("statistics.series.placed", placed),
            Series("statistics.series.resolved", resolved),
        ],
        "statistics.axis.month",
        "statistics.axis.count",
    )


def rate_chart(name: str, rows: list[dict[str, Any]], months: list[str], rate: str) -> ChartData:
    """A rate in percent for each month that has one (a month with nothing done has none)."""
    by_month = {r["key"]: r for r in rows}
    labels: list[str] = []
    values: list[float] = []
    for month in months:
        value = by_month.get(month, {}).get(rate)
        if value is not None:
            labels.append(month[5:])
            values.append(round(float(value) * 100, 1))
    return ChartData(
        name,
        "line",
        labels,
        [Series("statistics.series.rate", values)],
        "statistics.axis.month",
        "statistics.axis.percent",
    )


def points_chart(rankings: list[dict[str, Any]]) -> ChartData:
    """Points counted per grid branch (members' current branches), in the branches' own
    order (第一, 第二, … 第十); the bars are numbered in that order and the legend names
    the branches (names are wider than plotext thinks)."""
    totals: dict[str, int] = {}
    names: dict[str, str] = {}
    for row in rankings:
        name = row.get("branch_name") or "—"
        key = str(row.get("branch_id") or name)
        names[key] = name
        totals[key] = totals.get(key, 0) + int(row.get("points") or 0)
    keys = sorted(totals, key=lambda key: (natural_key(names[key]), key))
    return ChartData(
        "points",
        "bar",
        [str(i) for i in range(1, len(keys) + 1)],
        [Series("statistics.series.points", [float(totals[key]) for key in keys])],
        "statistics.axis.branch",
        "statistics.axis.points",
        legend=[names[key] for key in keys],
    )


def whole_ticks(values: list[float], most: int = 6) -> list[int]:
    """Ticks for an axis of counts: whole numbers, 0 included, a round step apart."""
    low = min(0, math.floor(min(values, default=0)))
    high = max(1, math.ceil(max(values, default=0)))
    step = 1
    for factor in itertools.cycle((2, 2.5, 2)):  # 1, 2, 5, 10, 20, 50, …
        if (high - low) / step <= most - 1:
            break
        step = int(step * factor)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return list(range(first, last + 1, step))


def read_charts(system: System, actor: Principal, choice: Choice) -> dict[str, ChartData]:
    """Every chart of `choice`, read in one round."""
    rows = system.requests.statistics(
        actor=actor,
        by="month",
        community_id=choice.community_id,
        since=choice.since(),
        until=choice.until(),
    )
    months = choice.months()
    charts = {
        "month": month_chart(rows, months),
        "on_time": rate_chart("on_time", rows, months, "on_time_rate"),
        "satisfaction": rate_chart("satisfaction", rows, months, "satisfaction_rate"),
    }
    if actor.can(Permission.POINTS_READ):
        # The points read model has no per-branch total yet (see the report): the
        # rankings, page by page, add up to it.
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = system.points.rankings(
                actor=actor,
                year=choice.year,
                quarter=choice.quarter,
                community_id=choice.community_id,
                offset=offset,
                limit=RANKING_PAGE,
            )
            found += page.items
            offset += RANKING_PAGE
            if offset >= page.total:
                break
        charts["points"] = points_chart(found)
    return charts


class StatisticsRead(Message):
    """The charts of a choice were read (`ticket` tells stale answers apart)."""

    def __init__(
        self,
        ticket: int,
        charts: dict[str, ChartData],
        communities: list[tuple[UUID, str]] | None,
        error: BaseException | None = None,
    ) -> None:
        super().__init__()
        self.ticket = ticket
        self.charts = charts
        self.communities = communities
        self.error = error


class Chart(PlotextPlot):
    """A plotext chart that draws its `data` in the current language."""

    DEFAULT_CSS = """
    Chart {
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, name: str) -> None:
        super().__init__(id=f"chart-{name}")
        self.data: ChartData | None = None

    def show(self, data: ChartData | None) -> None:
        self.data = data
        self.draw()

    def draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        data = self.data
        if data is None or data.empty:
            self.refresh()
            return
        names = [t(s.label_key) for s in data.series]
        # Plotext counts a Chinese character as one cell where the terminal draws two, so
        # a legend inside the plot would push the rest of its rows aside: such a legend
        # goes under the chart instead (ChartBox).
        inside = [n if not legend_outside(names) else None for n in names]
        if data.kind == "bar":
            if len(data.series) > 1:
                # Each series its own fill, so they differ without colour too.
                markers = [BAR_MARKERS[i % len(BAR_MARKERS)] for i in range(len(data.series))]
                plt.multiple_bar(  # type: ignore[call-arg]  # the stub says label=
                    data.labels,
                    [s.values for s in data.series],
                    labels=inside,
                    marker=markers,  # type: ignore[arg-type]  # plotext takes one per series
                )
            else:
                plt.bar(data.labels, data.series[0].values)
            ticks = whole_ticks([v for s in data.series for v in s.values])
            plt.yticks([float(tick) for tick in ticks], [str(tick) for tick in ticks])
            plt.ylim(ticks[0], ticks[-1])
        else:
            # Plotext reads string x values as dates: draw at positions, label the ticks.
            positions = [float(i) for i in range(1, len(data.labels) + 1)]
            for series, name in zip(data.series, inside, strict=True):
                plt.plot(positions, series.values, marker="braille", label=name)
            plt.xticks(positions, data.labels)
            plt.xlim(0.5, len(positions) + 0.5)
            plt.ylim(0, 100)
        plt.xlabel(t(data.x_key))
        plt.ylabel(t(data.y_key))
        self.refresh()

    def relabel(self) -> None:
        self.draw()

    def render(self) -> RenderResult:
        rendered = super().render()
        if isinstance(rendered, Text):
            # Chinese labels are two cells wide where plotext counts one: crop, never wrap.
            rendered.no_wrap = True
            rendered.overflow = "crop"
        return rendered


class ChartBox(Vertical):
    """A chart with its title (and, for branches, what the numbers stand for)."""

    DEFAULT_CSS = """
    ChartBox {
        height: 1fr;
        display: none;
    }
    ChartBox.-current {
        display: block;
    }
    ChartBox .chart-title {
        height: 1;
        text-style: bold;
        color: $accent;
        content-align: center middle;
        width: 100%;
    }
    ChartBox .chart-note {
        height: auto;
        max-height: 3;
        color: $text-muted;
    }
    """

    def __init__(self, name: str) -> None:
        super().__init__(id=f"box-{name}")
        self.chart_name = name

    def compose(self) -> ComposeResult:
        yield Tr(f"statistics.chart.{self.chart_name}", classes="chart-title")
        yield Chart(self.chart_name)
        yield Static("", classes="chart-note", markup=False)

    def show(self, data: ChartData | None, loading: bool) -> None:
        self.query_one(Chart).show(data)
        note = self.query_one(".chart-note", Static)
        if loading and data is None:
            text = t("statistics.loading")
        elif data is None or data.empty:
            text = t("statistics.no_data")
        else:
            text = "  ".join(
                t("statistics.branch_key", n=i, name=name)
                for i, name in enumerate(data.legend, start=1)
            )
            names = [t(s.label_key) for s in data.series]
            if len(names) > 1 and legend_outside(names):
                markers = BAR_MARKERS if data.kind == "bar" else ("⠉⠉", "⠤⠤")
                key = "   ".join(
                    f"{markers[i % len(markers)] * (2 if data.kind == 'bar' else 1)} {name}"
                    for i, name in enumerate(names)
                )
                text = f"{key}  {text}" if text else key
        note.update(text)
        note.display = bool(text)


class StatisticsScreen(StaffScreen):
    """Monthly figures and points by branch, as charts."""

    DEFAULT_CSS = """
    StatisticsScreen #stats-filter {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    StatisticsScreen #charts {
        height: 1fr;
        padding: 0 1;
    }
    StatisticsScreen.-wide #charts {
        layout: grid;
        grid-size: 2 2;
        grid-gutter: 0 2;
    }
    StatisticsScreen.-wide ChartBox {
        display: block;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "chart(1)", "Next chart", key_display="→", id="statistics.next"),
        Binding("left", "chart(-1)", "Previous chart", key_display="←", id="statistics.previous"),
        Binding("y", "year", "Year", id="statistics.year"),
        Binding("p", "period", "Period", id="statistics.period"),
        Binding("c", "community", "Community", id="statistics.community"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current = 0
        self.choice: Choice | None = None
        self.ticket = 0
        self.charts: dict[str, ChartData] = {}
        self.loaded = False
        self.communities: list[tuple[UUID, str]] | None = None
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        yield Static("", id="stats-filter", markup=False)
        with Container(id="charts"):
            for name in self._names():
                yield ChartBox(name)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.choice = Choice(self.system.app.today().year)
        self.show_current()
        self.reload()

    def _names(self) -> list[str]:
        principal = self.yimai.principal
        allowed = principal is not None and principal.can(Permission.POINTS_READ)
        return [n for n in CHARTS if n != "points" or allowed]

    # -- reading ------------------------------------------------------------------------

    def reload(self) -> None:
        assert self.choice is not None
        self.ticket += 1
        self.read_statistics(self.choice, self.ticket, self.communities is None)

    def read_models_advanced(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="statistics")
    def read_statistics(self, choice: Choice, ticket: int, with_communities: bool) -> None:
        communities: list[tuple[UUID, str]] | None = None
        try:
            actor = self.principal
            if with_communities and actor.can(Permission.ROSTER_READ):
                communities = []
                stack = list(self.system.roster.tree(actor=actor))
                while stack:
                    node = stack.pop(0)
                    if node.level == "community":
                        communities.append((node.id, node.name))
                    else:
                        stack[0:0] = node.children
            charts = read_charts(self.system, actor, choice)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(StatisticsRead(ticket, {}, communities, error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(StatisticsRead(ticket, charts, communities))

    def on_statistics_read(self, message: StatisticsRead) -> None:
        if message.communities is not None:
            self.communities = message.communities
            self.refresh_bindings()  # the community key works once they are known
        if message.ticket != self.ticket:
            return
        self.loaded = True
        self.error = message.error
        self.charts = message.charts
        for box in self.query(ChartBox):
            box.show(self.charts.get(box.chart_name), loading=False)
        self.show_filter()

    # -- what is shown ------------------------------------------------------------------

    def show_current(self) -> None:
        names = self._names()
        self.current %= len(names)
        for box in self.query(ChartBox):
            box.set_class(box.chart_name == names[self.current], "-current")
        self.show_filter()

    def show_filter(self) -> None:
        choice = self.choice
        if choice is None:
            return
        period = (
            t("statistics.period.year")
            if choice.quarter is None
            else t("statistics.period.quarter", n=choice.quarter)
        )
        community = t("statistics.all_communities")
        for ident, name in self.communities or []:
            if ident == choice.community_id:
                community = name
        text = Text(t("statistics.filter", year=choice.year, period=period, community=community))
        names = self._names()
        text.append(
            "   " + t("statistics.position", n=self.current + 1, total=len(names)), style="dim"
        )
        if self.error is not None:
            text.append("   " + describe(self.error, user=self._username()), style="bold red")
        self.query_one("#stats-filter", Static).update(text)

    def relabel(self) -> None:
        self.show_filter()
        for box in self.query(ChartBox):
            box.show(self.charts.get(box.chart_name), loading=not self.loaded)

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "community":
            principal = self.yimai.principal
            if principal is None or not principal.can(Permission.ROSTER_READ):
                return False
            return True if self.communities else None
        if action == "chart" and self.has_class("-wide"):
            return None  # every chart is in view
        return True

    def action_chart(self, step: int) -> None:
        self.current = (self.current + step) % len(self._names())
        self.show_current()

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.loaded = False
        self.show_filter()
        self.reload()

    def action_year(self) -> None:
        """One year back; from the oldest offered, back to this year."""
        assert self.choice is not None
        this_year = self.system.app.today().year
        year = self.choice.year - 1
        if year <= this_year - YEARS_BACK:
            year = this_year
        self._choose(Choice(year, self.choice.quarter, self.choice.community_id))

    def action_period(self) -> None:
        """The whole year, then each quarter in turn."""
        assert self.choice is not None
        quarter = self.choice.quarter
        following = 1 if quarter is None else (None if quarter == 4 else quarter + 1)
        self._choose(Choice(self.choice.year, following, self.choice.community_id))

    def action_community(self) -> None:
        """All communities, then each in turn."""
        assert self.choice is not None
        ids: list[UUID | None] = [None, *(ident for ident, _ in self.communities or [])]
        at = ids.index(self.choice.community_id) if self.choice.community_id in ids else 0
        following = ids[(at + 1) % len(ids)]
        self._choose(Choice(self.choice.year, self.choice.quarter, following))
