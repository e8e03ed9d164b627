"""The points section: rankings of a year (by branch), proposals waiting for a second
person, objections, the years and their publicity window, the rule catalogue; and the
screens over it: "why is my total X" and the year's selection of excellent members."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, SelectionList, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from domain.access import Permission
from domain.dto import Receipt
from projections.queries import Page
from projections.roster import UnitNode
from tui.errors import describe
from tui.i18n import label, t
from tui.messages import CommandRefused
from tui.org import ordered, walk
from tui.screens.base import StaffScreen
from tui.screens.points_forms import (
    PLAN_NEW,
    ApproveAdjustmentScreen,
    AwardPointsScreen,
    ChooseActivityScreen,
    Chosen,
    ClosePeriodScreen,
    ConfirmSelectionScreen,
    FileObjectionScreen,
    FinalizePeriodScreen,
    PlanActivityScreen,
    PlannedActivity,
    ProposeDeductionScreen,
    ProposeReversalScreen,
    ProposeSelectionScreen,
    PublishSelectionScreen,
    RecordAttendanceScreen,
    RejectAdjustmentScreen,
    RejectObjectionScreen,
    UpholdObjectionScreen,
    proposal_text,
    rule_name,
)
from tui.when import local
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import ChoiceSelect, Tr, TrInput
from tui.widgets.section_bar import SectionBar

#: Rows of a list read at once; `<` and `>` page through the rest.
PAGE = 100
#: Seconds of quiet in the rankings' search box before it searches.
SEARCH_DELAY = 0.3
TABS = ("rankings", "approvals", "objections", "periods", "rules")


def _when(stamp: datetime | None) -> str:
    return local(stamp).strftime("%Y-%m-%d %H:%M") if stamp else "—"


def stars_text(level: int) -> Text:
    return Text("★" * level if level <= 12 else f"★×{level}", style="yellow")


@dataclass
class PointsData:
    """Everything the section shows, read in one go for the chosen year and scope."""

    year: int
    years: list[int]
    roots: list[UnitNode]
    rankings: Page
    approvals: Page
    objections: Page
    periods: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    offsets: dict[str, int] = field(default_factory=dict)


class PointsLoaded(Message):
    """The section's lists were read."""

    def __init__(self, data: PointsData) -> None:
        super().__init__()
        self.data = data


class PointsTable(DataTable[Text]):
    """A list of one tab: rows keyed by id; the cursor stays on its row across reloads.

    The columns fit the table's width: too wide, the `shrink` columns narrow (their
    text cut with "…", each down to its given width; the whole text shows where the
    row is acted on), and then the `optional` columns are left out, last first."""

    def __init__(
        self,
        columns: tuple[tuple[str, str], ...],
        *,
        id: str,
        shrink: dict[str, int] | None = None,
        optional: tuple[str, ...] = (),
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.column_keys = columns
        self.shrink_to = shrink or {}
        self.optional_columns = optional
        self.rows_by_key: dict[str, dict[str, Any]] = {}
        self.shown: list[tuple[str, list[Text]]] = []
        self.fitted_to = 0

    def on_mount(self) -> None:
        self.rebuild()

    def on_resize(self) -> None:
        if self.room() != self.fitted_to:
            self.rebuild()

    def room(self) -> int:
        """Cells the columns may take (a tab not shown yet has no size: the screen's)."""
        width = self.size.width or self.screen.size.width
        return max(width - 2, 0)  # the vertical scrollbar

    def layout_columns(self) -> list[tuple[int, str, str, int | None]]:
        """(index, key, title, fixed width or None for natural) of the columns shown."""
        room = self.fitted_to = self.room()
        pad = 2 * self.cell_padding
        natural = [
            max([cell_len(t(title))] + [cells[i].cell_len for _, cells in self.shown])
            for i, (_, title) in enumerate(self.column_keys)
        ]
        left_out: list[str] = []
        while True:
            shown = [
                (i, key, title)
                for i, (key, title) in enumerate(self.column_keys)
                if key not in left_out
            ]
            widths = {key: natural[i] for i, key, _ in shown}
            excess = sum(widths.values()) + pad * len(shown) - room
            shrinking = [key for _, key, _ in shown if key in self.shrink_to]
            while excess > 0 and shrinking:
                widest = max(shrinking, key=widths.__getitem__)
                if widths[widest] <= self.shrink_to[widest]:
                    shrinking.remove(widest)
                    continue
                widths[widest] -= 1
                excess -= 1
            more = [key for key in reversed(self.optional_columns) if key not in left_out]
            if excess <= 0 or not more:
                break
            left_out.append(more[0])
        return [
            (i, key, title, widths[key] if widths[key] < natural[i] else None)
            for i, key, title in shown
        ]

    def rebuild(self) -> None:
        """Lay the columns out for the width and put the rows back (the cursor too)."""
        current = self.current_key()
        self.clear(columns=True)
        columns = self.layout_columns()
        for _, key, title, width in columns:
            self.add_column(t(title), key=key, width=width)
        for key, cells in self.shown:
            row = []
            for i, _, _, width in columns:
                cell = cells[i]
                if width is not None:
                    cell = cell.copy()
                    cell.no_wrap, cell.overflow = True, "ellipsis"
                row.append(cell)
            self.add_row(*row, key=key)
        if current and current in self.rows_by_key:
            self.move_cursor(row=self.get_row_index(current))

    def show(self, rows: list[tuple[str, dict[str, Any], list[Text]]]) -> None:
        self.rows_by_key = {key: row for key, row, _ in rows}
        self.shown = [(key, cells) for key, _, cells in rows]
        self.rebuild()

    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        row = min(max(self.cursor_row, 0), self.row_count - 1)
        return self.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value

    def current(self) -> dict[str, Any] | None:
        key = self.current_key()
        return self.rows_by_key.get(key) if key else None

    def relabel(self) -> None:
        self.rebuild()


RANKING_COLUMNS = (
    ("rank", "points.col.rank"),
    ("name", "points.col.name"),
    ("branch", "points.col.branch"),
    ("points", "points.col.points"),
    ("stars", "points.col.stars"),
    ("level", "points.col.level"),
)
APPROVAL_COLUMNS = (
    ("kind", "points.col.kind"),
    ("name", "points.col.name"),
    ("rule", "points.col.rule"),
    ("deed_on", "points.col.deed_on"),
    ("reason", "points.col.reason"),
    ("proposer", "points.col.proposer"),
    ("when", "points.col.when"),
)
OBJECTION_COLUMNS = (
    ("name", "points.col.name"),
    ("year", "points.col.year"),
    ("state", "points.col.state"),
    ("filed_at", "points.col.filed_at"),
    ("window", "points.col.window"),
    ("reason", "points.col.reason"),
)
PERIOD_COLUMNS = (
    ("year", "points.col.year"),
    ("state", "points.col.state"),
    ("closed_at", "points.col.closed_at"),
    ("window", "points.col.window"),
    ("open", "points.col.open_objections"),
    ("final", "points.col.finalized_at"),
)
RULE_COLUMNS = (
    ("code", "points.col.code"),
    ("name", "points.col.rule"),
    ("category", "points.col.category"),
    ("points", "points.col.points"),
    ("stars", "points.col.stars"),
    ("cap", "points.col.cap"),
    ("from", "points.col.from"),
)


def _right(value: object) -> Text:
    return Text(str(value), justify="right")


class PointsScreen(StaffScreen):
    """Rankings, approvals, objections, years and rules; every points action by key."""

    DEFAULT_CSS = """
    #points-filters { height: 1; padding: 0 1; background: $boost; }
    #points-filters .filter-label { width: auto; padding: 0 1 0 0; color: $text-muted; }
    #points-filters ChoiceSelect { width: 14; margin-right: 2; }
    #points-filters #unit { width: 30; }
    #points-filters #period-line { width: 1fr; color: $text-muted; }
    .-narrow #points-filters #unit { width: 22; }
    #points-tabs { height: 1fr; }
    #points-tabs TabPane { padding: 0; }
    #points-tabs DataTable { height: 1fr; }
    #points-status { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "award", "Award", id="points.award"),
        Binding("t", "attendance", "Attendance", id="points.attendance"),
        Binding("x", "deduct", "Propose deduction", id="points.deduct"),
        Binding("y", "approve", "Approve", id="points.approve"),
        Binding("n", "reject", "Reject", id="points.reject"),
        Binding("f", "object", "File objection", id="points.object"),
        Binding("u", "uphold", "Uphold", id="points.uphold"),
        Binding("e", "why", "Why", id="points.why"),
        Binding("c", "close_period", "Close year", id="points.close"),
        Binding("z", "finalize", "Finalize", id="points.finalize"),
        Binding("s", "selection", "Selection", id="points.selection"),
        Binding("slash", "search", "Search", key_display="/", id="points.search"),
        Binding(
            "left_square_bracket", "tab(-1)", "Prev tab", key_display="[", id="points.prev-tab"
        ),
        Binding(
            "right_square_bracket", "tab(1)", "Next tab", key_display="]", id="points.next-tab"
        ),
        Binding(
            "less_than_sign",
            "page(-1)",
            "Prev page",
            key_display="<",
            show=False,
            id="points.prev-page",
        ),
        Binding(
            "greater_than_sign",
            "page(1)",
            "Next page",
            key_display=">",
            show=False,
            id="points.next-page",
        ),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    #: The right each action needs (hidden without it).
    NEEDS: ClassVar[dict[str, Permission]] = {
        "award": Permission.POINTS_AWARD,
        "attendance": Permission.POINTS_AWARD,
        "deduct": Permission.POINTS_PROPOSE,
        "approve": Permission.POINTS_APPROVE,
        "object": Permission.POINTS_OBJECT,
        "uphold": Permission.POINTS_PERIODS,
        "close_period": Permission.POINTS_PERIODS,
        "finalize": Permission.POINTS_PERIODS,
    }

    def __init__(self) -> None:
        super().__init__()
        self.year = 0  # this year, set once mounted (the Application's clock)
        self.scope: str | None = None  # "c:<id>" or "b:<id>"
        self.offsets = dict.fromkeys(TABS, 0)
        self.data: PointsData | None = None
        self.ticket = 0
        self.search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Horizontal(id="points-filters"):
            yield Tr("points.year", classes="filter-label")
            yield ChoiceSelect(prompt_key="points.year", id="year")
            yield Tr("points.unit", classes="filter-label")
            yield ChoiceSelect(prompt_key="points.all_units", id="unit")
            yield Static("", id="period-line", markup=False)
        with TabbedContent(id="points-tabs"):
            with TabPane(t("points.tab.rankings"), id="rankings"):
                yield TrInput("points.placeholder.search", id="rankings-q", compact=True)
                yield PointsTable(RANKING_COLUMNS, id="rankings-table")
            with TabPane(t("points.tab.approvals"), id="approvals"):
                yield PointsTable(
                    APPROVAL_COLUMNS,
                    id="approvals-table",
                    shrink={"rule": 14, "reason": 12, "proposer": 8},
                    optional=("when",),
                )
            with TabPane(t("points.tab.objections"), id="objections"):
                yield PointsTable(OBJECTION_COLUMNS, id="objections-table", shrink={"reason": 12})
            with TabPane(t("points.tab.periods"), id="periods"):
                yield PointsTable(PERIOD_COLUMNS, id="periods-table")
            with TabPane(t("points.tab.rules"), id="rules"):
                yield PointsTable(RULE_COLUMNS, id="rules-table")
        yield Static(t("points.loading"), id="points-status", markup=False)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.year = self.system.app.today().year
        year = self.query_one("#year", ChoiceSelect)
        year.set_choices([(str(self.year), str(self.year))], value=str(self.year))
        self.table().focus()
        self.reload()

    # -- reading ------------------------------------------------------------------------

    def read_models_advanced(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.search_timer is not None:
            self.search_timer.stop()
            self.search_timer = None
        self.ticket += 1
        q = self.query_one("#rankings-q", Input).value
        self.load(self.year, self.scope, dict(self.offsets), self.ticket, q)

    @work(thread=True, exclusive=True, group="points")
    def load(
        self, year: int, scope: str | None, offsets: dict[str, int], ticket: int, q: str = ""
    ) -> None:
        points, roster = self.system.points, self.system.roster
        community = branch = None
        if scope:
            kind, _, ident = scope.partition(":")
            community = UUID(ident) if kind == "c" else None
            branch = UUID(ident) if kind == "b" else None
        try:
            actor = self.principal
            periods = points.periods(actor=actor)
            data = PointsData(
                year=year,
                years=sorted({year, *(p["year"] for p in periods)}, reverse=True),
                roots=roster.tree(actor=actor),
                rankings=points.rankings(
                    actor=actor,
                    year=year,
                    community_id=community,
                    branch_id=branch,
                    q=q,
                    offset=offsets["rankings"],
                    limit=PAGE,
                ),
                approvals=points.pending_approvals(
                    actor=actor, offset=offsets["approvals"], limit=PAGE
                ),
                objections=points.objections(
                    actor=actor, year=year, state=None, offset=offsets["objections"], limit=PAGE
                ),
                periods=periods,
                rules=points.rules(),
                offsets=offsets,
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        if not get_current_worker().is_cancelled and ticket == self.ticket:
            self.post_message(PointsLoaded(data))

    def on_points_loaded(self, message: PointsLoaded) -> None:
        self.data = message.data
        self.show_filters()
        self.show_lists()
        self.show_status()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe(message.error, user=self._username())
        self.query_one("#points-status", Static).update(Text(text, style="bold red"))

    # -- what is shown ------------------------------------------------------------------

    def rules_by_code(self) -> dict[str, dict[str, Any]]:
        return {r["code"]: r for r in self.data.rules} if self.data else {}

    def show_filters(self) -> None:
        data = self.data
        if data is None:
            return
        years = self.query_one("#year", ChoiceSelect)
        with self.prevent(ChoiceSelect.Changed):
            years.set_choices([(str(y), str(y)) for y in data.years], value=str(self.year))
        choices: list[tuple[str, str]] = []
        for community in ordered(n for n in walk(data.roots) if n.level == "community"):
            choices.append((community.name, f"c:{community.id}"))
            for b in ordered(community.children):
                if b.level == "branch":
                    choices.append((f"  {b.name}", f"b:{b.id}"))
        with self.prevent(ChoiceSelect.Changed):
            self.query_one("#unit", ChoiceSelect).set_choices(choices, value=self.scope)
        period = next((p for p in data.periods if p["year"] == self.year), None)
        state = label("points_period", period["state"] if period else "open")
        self.query_one("#period-line", Static).update(
            t("points.period_line", year=self.year, state=state)
        )

    def show_lists(self) -> None:
        data = self.data
        if data is None:
            return
        rules = self.rules_by_code()
        self.query_one("#rankings-table", PointsTable).show(
            [
                (
                    str(r["member_id"]),
                    r,
                    [
                        _right(r["rank"]),
                        Text(r["name"] or ""),
                        Text(r["branch_name"] or "—"),
                        _right(r["points"]),
                        _right(r["stars"]),
                        stars_text(r["star_level"]),
                    ],
                )
                for r in data.rankings.items
            ]
        )
        approvals = []
        for r in data.approvals.items:
            rule = rules.get(r["rule_code"] or "")
            approvals.append(
                (
                    str(r["id"]),
                    r,
                    [
                        Text(label("points_adjustment", r["kind"])),
                        Text(r["name"] or ""),
                        Text(rule_name(rule) if rule else (r["rule_code"] or "")),
                        Text(r["deed_on"].isoformat() if r["deed_on"] else "—"),
                        Text(r["reason"]),
                        Text(r["proposer"]),
                        Text(_when(r["proposed_at"])),
                    ],
                )
            )
        self.query_one("#approvals-table", PointsTable).show(approvals)
        self.query_one("#objections-table", PointsTable).show(
            [
                (
                    str(r["id"]),
                    r,
                    [
                        Text(r["name"] or ""),
                        _right(r["year"]),
                        Text(
                            label("points_objection", r["state"]),
                            style="bold" if r["state"] == "open" else "dim",
                        ),
                        Text(_when(r["filed_at"])),
                        Text(_when(r["window_ends_at"])),
                        Text(r["reason"] or ""),
                    ],
                )
                for r in data.objections.items
            ]
        )
        self.query_one("#periods-table", PointsTable).show(
            [
                (
                    str(p["year"]),
                    p,
                    [
                        _right(p["year"]),
                        Text(label("points_period", p["state"])),
                        Text(_when(p["closed_at"])),
                        Text(_when(p["window_ends_at"])),
                        _right(p["open_objections"]),
                        Text(_when(p["finalized_at"])),
                    ],
                )
                for p in data.periods
            ]
        )
        self.query_one("#rules-table", PointsTable).show(
            [
                (
                    r["code"],
                    r,
                    [
                        Text(r["code"]),
                        Text(rule_name(r)),
                        Text(label("points_category", r["category"])),
                        _right(f"{r['points']:+d}"),
                        Text("★" if r["earns_star"] else ""),
                        _right(r["cap"] if r["cap"] is not None else "—"),
                        Text(r["effective_from"].isoformat()),
                    ],
                )
                for r in data.rules
            ]
        )

    def page_of(self, tab: str) -> Page | None:
        data = self.data
        if data is None:
            return None
        pages = {
            "rankings": data.rankings,
            "approvals": data.approvals,
            "objections": data.objections,
        }
        return pages.get(tab)

    def show_status(self) -> None:
        status = self.query_one("#points-status", Static)
        data = self.data
        if data is None:
            status.update(t("points.loading"))
            return
        page = self.page_of(self.tab)
        if page is not None:
            if not page.total:
                status.update(t("points.none"))
            elif page.total > len(page.items):
                first = page.offset + 1
                last = page.offset + len(page.items)
                status.update(t("points.count_page", total=page.total, first=first, last=last))
            else:
                status.update(t("points.count", total=page.total))
        else:
            rows = data.periods if self.tab == "periods" else data.rules
            status.update(t("points.count", total=len(rows)) if rows else t("points.none"))

    def relabel(self) -> None:
        tabs = self.query_one(TabbedContent)
        for tab in TABS:
            tabs.get_tab(tab).label = t(f"points.tab.{tab}")
        self.show_filters()
        self.show_lists()
        self.show_status()

    # -- the tabs and filters ------------------------------------------------------------

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "rankings"

    def table(self, tab: str | None = None) -> PointsTable:
        return self.query_one(f"#{tab or self.tab}-table", PointsTable)

    def selected(self, tab: str) -> dict[str, Any] | None:
        if self.tab != tab:
            return None
        return self.table(tab).current()

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.table().focus()
        self.show_status()
        self.refresh_bindings()

    def action_tab(self, step: int) -> None:
        index = (TABS.index(self.tab) + step) % len(TABS)
        self.query_one(TabbedContent).active = TABS[index]

    def action_page(self, step: int) -> None:
        page = self.page_of(self.tab)
        if page is None:
            return
        offset = page.offset + step * PAGE
        if 0 <= offset < page.total:
            self.offsets[self.tab] = offset
            self.reload()

    @on(ChoiceSelect.Changed, "#year")
    def year_changed(self) -> None:
        chosen = self.query_one("#year", ChoiceSelect).selected
        if chosen and int(chosen) != self.year:
            self.year = int(chosen)
            self.offsets = dict.fromkeys(TABS, 0)
            self.reload()

    @on(ChoiceSelect.Changed, "#unit")
    def unit_changed(self) -> None:
        chosen = self.query_one("#unit", ChoiceSelect).selected
        if chosen != self.scope:
            self.scope = chosen
            self.offsets["rankings"] = 0
            self.reload()

    @on(Input.Changed, "#rankings-q")
    def search_changed(self) -> None:
        """A name typed in the rankings' search box: searched after a short quiet."""
        self.offsets["rankings"] = 0
        if self.search_timer is not None:
            self.search_timer.stop()
        self.search_timer = self.set_timer(SEARCH_DELAY, self.reload)

    @on(Input.Submitted, "#rankings-q")
    def search_submitted(self) -> None:
        self.reload()
        self.table("rankings").focus()

    def action_search(self) -> None:
        self.query_one(TabbedContent).active = "rankings"
        self.query_one("#rankings-q", Input).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "rankings-table":
            self.action_why()

    # -- what may be done now ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if principal is None:
            return False
        need = self.NEEDS.get(action)
        if need is not None and not principal.can(need):
            return False
        if action == "reject":
            if not (
                principal.can(Permission.POINTS_APPROVE) or principal.can(Permission.POINTS_PERIODS)
            ):
                return False
            if self.tab == "approvals":
                ok = principal.can(Permission.POINTS_APPROVE) and self.selected("approvals")
                return True if ok else None
            objection = self.selected("objections")
            ok = principal.can(Permission.POINTS_PERIODS) and objection
            return True if ok and objection and objection["state"] == "open" else None
        if action == "approve":
            return True if self.selected("approvals") else None
        if action == "uphold":
            objection = self.selected("objections")
            return True if objection and objection["state"] == "open" else None
        if action == "why":
            return True if self.selected("rankings") else None
        if action in ("close_period", "finalize", "selection"):
            period = self.selected("periods")
            want = {"close_period": "open", "finalize": "publicity", "selection": "final"}
            return True if period and period["state"] == want[action] else None
        return True

    # -- actions --------------------------------------------------------------------------

    def highlighted_member(self) -> Chosen | None:
        row = self.selected("rankings")
        if row is None:
            return None
        return Chosen(row["member_id"], row["name"] or "", row["branch_name"] or "")

    def after_write(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.reload()

    def push(self, screen: Screen[Any], done: Callable[[Any], None] | None = None) -> None:
        self.app.push_screen(screen, done or self.after_write)

    def action_award(self) -> None:
        # The member is searched for in the form: the ranking's highlighted row is not
        # a choice the clerk made, so it is never a silent default.
        self.push(AwardPointsScreen())

    def scope_ids(self) -> tuple[UUID | None, UUID | None]:
        """The community and the branch the unit filter names (either or neither)."""
        kind, _, ident = (self.scope or "").partition(":")
        return (UUID(ident) if kind == "c" else None, UUID(ident) if kind == "b" else None)

    def action_attendance(self) -> None:
        """An activity of the year in scope (or a new one), then who attended."""
        community, branch = self.scope_ids()
        periods = self.data.periods if self.data else []
        period = next((p for p in periods if p["year"] == self.year), None)
        closed = period is not None and period["state"] != "open"
        screen = ChooseActivityScreen(
            self.year, community_id=community, branch_id=branch, closed=closed
        )
        self.push(screen, self.after_choose)

    def after_choose(self, chosen: PlannedActivity | str | None) -> None:
        if chosen == PLAN_NEW:
            _, branch = self.scope_ids()
            self.push(PlanActivityScreen(branch), self.after_plan)
        else:
            self.after_plan(chosen if isinstance(chosen, PlannedActivity) else None)

    def after_plan(self, receipt: Receipt | None) -> None:
        if isinstance(receipt, PlannedActivity):
            self.push(RecordAttendanceScreen(receipt))

    def action_deduct(self) -> None:
        self.push(ProposeDeductionScreen())  # the member is searched for, as for an award

    def action_approve(self) -> None:
        row = self.selected("approvals")
        if row is not None:
            self.push(ApproveAdjustmentScreen(row, proposal_text(row, self.rules_by_code())))

    def action_reject(self) -> None:
        if self.tab == "approvals":
            row = self.selected("approvals")
            if row is not None:
                text = proposal_text(row, self.rules_by_code())
                self.push(RejectAdjustmentScreen(row, text))
        elif self.tab == "objections":
            objection = self.selected("objections")
            if objection is not None:
                self.push(RejectObjectionScreen(objection))

    def action_object(self) -> None:
        self.push(FileObjectionScreen(self.highlighted_member(), self.year))

    def action_uphold(self) -> None:
        objection = self.selected("objections")
        if objection is not None:
            self.push(UpholdObjectionScreen(objection))

    def action_why(self) -> None:
        member = self.highlighted_member()
        if member is None:
            self.notify(t("points.select_row"))
            return
        self.app.push_screen(WhyScreen(member, self.year))

    def action_close_period(self) -> None:
        period = self.selected("periods")
        if period is not None:
            self.push(ClosePeriodScreen(period["year"]))

    def action_finalize(self) -> None:
        period = self.selected("periods")
        if period is not None:
            self.push(FinalizePeriodScreen(period["year"]))

    def action_selection(self) -> None:
        period = self.selected("periods")
        if period is not None:
            self.app.push_screen(SelectionScreen(period["year"]))


# -- "why is my total X" --------------------------------------------------------------------


class Explained(Message):
    """A member's total of a year, explained line by line."""

    def __init__(self, explanation: dict[str, Any]) -> None:
        super().__init__()
        self.explanation = explanation


class WhyScreen(StaffScreen):
    """The entries that make a member's total: summed by rule, then one by one."""

    DEFAULT_CSS = """
    #why-body { padding: 0 1; }
    #why-head { text-style: bold; height: auto; }
    #why-rules { height: auto; max-height: 10; }
    #why-sum { height: 1; text-style: bold; }
    #why-lines { height: auto; max-height: 16; }
    .-narrow #why-lines { max-height: 10; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="points.back"),
        Binding("v", "reverse", "Propose reversal", id="points.reverse"),
        Binding("w", "award", "Award", id="points.award"),
        Binding("x", "deduct", "Propose deduction", id="points.deduct"),
    ]

    def __init__(self, member: Chosen, year: int) -> None:
        super().__init__()
        self.member = member
        self.year = year
        self.explanation: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="why-body"):
            yield Static(t("points.loading"), id="why-head", markup=False)
            yield Tr("points.why.by_rule", classes="section-title")
            yield PointsTable(
                (
                    ("rule", "points.col.rule"),
                    ("entries", "points.col.entries"),
                    ("points", "points.col.points"),
                    ("stars", "points.col.stars"),
                ),
                id="why-rules",
            )
            yield Static("", id="why-sum", markup=False)
            yield Tr("points.why.lines", classes="section-title")
            yield PointsTable(
                (
                    ("deed_on", "points.col.deed_on"),
                    ("rule", "points.col.rule"),
                    ("asked", "points.col.asked"),
                    ("cap_cut", "points.col.cap_cut"),
                    ("counted", "points.col.counted"),
                    ("stars", "points.col.stars"),
                    ("note", "points.col.note"),
                ),
                id="why-lines",
            )
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#why-lines").focus()
        self.load()

    def read_models_advanced(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="why")
    def load(self) -> None:
        try:
            found = self.system.points.explain(self.member.id, actor=self.principal, year=self.year)
        except Exception as error:  # shown, not fatal
            self.post_message(CommandRefused(error))
            return
        self.post_message(Explained(found))

    def on_explained(self, message: Explained) -> None:
        self.explanation = message.explanation
        self.show()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe(message.error, user=self._username())
        self.query_one("#why-head", Static).update(Text(text, style="bold red"))

    def show(self) -> None:
        found = self.explanation
        if found is None:
            return
        self.query_one("#why-head", Static).update(
            t(
                "points.why.head",
                name=self.member.name,
                year=self.year,
                total=found["total"],
                stars=found["stars"],
                level=found["star_level"],
            )
        )
        # One row per rule: the lines' counted points and stars added up.
        by_rule: dict[str, dict[str, Any]] = {}
        for line in found["lines"]:
            row = by_rule.setdefault(
                line["rule_code"], {"name": rule_name(line), "n": 0, "points": 0, "stars": 0}
            )
            row["n"] += 1
            row["points"] += line["counted"]
            row["stars"] += line["counted_stars"]
        self.query_one("#why-rules", PointsTable).show(
            [
                (
                    code,
                    row,
                    [
                        Text(row["name"]),
                        _right(row["n"]),
                        _right(row["points"]),
                        _right(row["stars"]),
                    ],
                )
                for code, row in by_rule.items()
            ]
        )
        total = sum(r["points"] for r in by_rule.values())
        stars = sum(r["stars"] for r in by_rule.values())
        self.query_one("#why-sum", Static).update(
            f"{t('points.why.sum')}  {total}  ★{stars}" if by_rule else t("points.why.none")
        )
        lines = []
        for line in found["lines"]:
            note = line["note"] or ""
            if line["reversed"]:
                note = t("points.reversed", reason=line["reverse_reason"] or "")
            elif line["capped"]:
                note = f"{t('points.capped')} {note}".strip()
            style = "strike dim" if line["reversed"] else ""
            lines.append(
                (
                    str(line["entry_id"]),
                    line,
                    [
                        Text(line["deed_on"].isoformat(), style=style),
                        Text(
                            f"{label('points_entry', line['kind'])} · {rule_name(line)}",
                            style=style,
                        ),
                        _right(line["asked"]),
                        _right(line["cap_cut"] or ""),
                        _right(line["counted"]),
                        _right(line["counted_stars"]),
                        Text(note, style="dim"),
                    ],
                )
            )
        self.query_one("#why-lines", PointsTable).show(lines)

    def relabel(self) -> None:
        self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if principal is None:
            return False
        if action == "award":
            return principal.can(Permission.POINTS_AWARD)
        if action == "deduct":
            return principal.can(Permission.POINTS_PROPOSE)
        if action == "reverse":
            if not principal.can(Permission.POINTS_PROPOSE):
                return False
            line = self.query_one("#why-lines", PointsTable).current()
            return True if line and not line["reversed"] else None
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def after_write(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_reverse(self) -> None:
        line = self.query_one("#why-lines", PointsTable).current()
        if line is not None and not line["reversed"]:
            screen = ProposeReversalScreen(self.member, self.year, line)
            self.app.push_screen(screen, self.after_write)

    def action_award(self) -> None:
        self.app.push_screen(AwardPointsScreen(self.member), self.after_write)

    def action_deduct(self) -> None:
        self.app.push_screen(ProposeDeductionScreen(self.member), self.after_write)


# -- the year's excellent members ------------------------------------------------------------


class SelectionRead(Message):
    """The year's selection (or None: not proposed yet)."""

    def __init__(self, selection: dict[str, Any] | None) -> None:
        super().__init__()
        self.selection = selection


class SelectionScreen(StaffScreen):
    """The candidates of a final year per branch; tick whom to choose, confirm, publish."""

    DEFAULT_CSS = """
    #selection-body { padding: 0 1; }
    #selection-state { height: auto; margin-bottom: 1; }
    #candidates { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="points.back"),
        Binding("p", "propose", "Propose", id="points.propose-selection"),
        Binding("c", "confirm", "Confirm", id="points.confirm-selection"),
        Binding("u", "publish", "Publish", id="points.publish-selection"),
    ]

    def __init__(self, year: int) -> None:
        super().__init__()
        self.year = year
        self.selection: dict[str, Any] | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="selection-body"):
            yield Tr("points.selection.title", classes="section-title", year=self.year)
            yield Static(t("points.loading"), id="selection-state", markup=False)
            yield SelectionList[str](id="candidates")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#candidates").focus()
        self.load()

    def read_models_advanced(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="selection")
    def load(self) -> None:
        from domain.errors import NotFoundError

        try:
            found: dict[str, Any] | None = self.system.points.selection(
                self.year, actor=self.principal
            )
        except NotFoundError:
            found = None
        except Exception as error:  # shown, not fatal
            self.post_message(CommandRefused(error))
            return
        self.post_message(SelectionRead(found))

    def on_selection_read(self, message: SelectionRead) -> None:
        self.selection = message.selection
        self.loaded = True
        self.show()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe(message.error, user=self._username())
        self.query_one("#selection-state", Static).update(Text(text, style="bold red"))

    def show(self) -> None:
        selection = self.selection
        state = self.query_one("#selection-state", Static)
        candidates = self.query_one("#candidates", SelectionList)
        # A reload (another station worked) keeps what was ticked here meanwhile.
        ticked = {str(m) for m in candidates.selected}
        highlighted = candidates.highlighted
        candidates.clear_options()
        if selection is None:
            state.update(t("points.selection.none") if self.loaded else t("points.loading"))
            return
        state.update(
            t("points.selection.state", state=label("points_selection", selection["state"]))
        )
        proposed = selection["state"] == "proposed"
        for c in selection["candidates"]:
            text = f"{c['branch_name'] or '—'} · {c['name'] or ''}  ★{c['stars']}  {c['points']}"
            member = str(c["member_id"])
            chosen = bool(c["chosen"]) or (proposed and member in ticked)
            candidates.add_option((text, member, chosen))
        candidates.disabled = not proposed
        if candidates.option_count:
            at = highlighted if highlighted is not None else 0
            candidates.highlighted = min(at, candidates.option_count - 1)

    def relabel(self) -> None:
        self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if action in ("propose", "confirm", "publish"):
            if principal is None or not principal.can(Permission.POINTS_PERIODS):
                return False
            state = self.selection["state"] if self.selection else None
            if not self.loaded:
                return None
            want = {"propose": None, "confirm": "proposed", "publish": "confirmed"}
            return True if state == want[action] else None
        return True

    def after_write(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_propose(self) -> None:
        self.app.push_screen(ProposeSelectionScreen(self.year), self.after_write)

    def action_confirm(self) -> None:
        if self.selection is None:
            return
        names = {str(c["member_id"]): c["name"] or "" for c in self.selection["candidates"]}
        ticked = self.query_one("#candidates", SelectionList).selected
        chosen = {str(m): names.get(str(m), "") for m in ticked}
        self.app.push_screen(ConfirmSelectionScreen(self.year, chosen), self.after_write)

    def action_publish(self) -> None:
        self.app.push_screen(PublishSelectionScreen(self.year), self.after_write)
