"""The home of every staff member: today at a glance, following other stations' work.

Six tiles (a count with a label; the tile's key opens its section), the grid branches
with their members and this month's requests, and the latest recorded activity (who,
when, what: no personal data). Everything is read in one worker round, and a reload
updates the widgets in place, so the screen follows the read models without flicker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.events import Click
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from domain.access import Permission, Principal
from projections.system import System
from tui.errors import describe
from tui.i18n import t
from tui.screens.base import StaffScreen
from tui.text.dashboard import ACTIVITY_EVENTS
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr
from tui.widgets.section_bar import SectionBar

#: Lines of recent activity shown.
ACTIVITY_LIMIT = 12


@dataclass(frozen=True)
class TileSpec:
    """A tile: its name (text `dashboard.tile.<name>`), key, section and the right it reads."""

    name: str
    key: str
    section: str
    permission: Permission


TILES: tuple[TileSpec, ...] = (
    TileSpec("today", "t", "board", Permission.REQUESTS_READ),
    TileSpec("overdue", "o", "board", Permission.REQUESTS_READ),
    TileSpec("supervision", "s", "supervision", Permission.REQUESTS_READ),
    TileSpec("objections", "j", "points", Permission.POINTS_READ),
    TileSpec("approvals", "p", "points", Permission.POINTS_READ),
    TileSpec("members", "m", "roster", Permission.ROSTER_READ),
)
BY_TILE = {tile.name: tile for tile in TILES}


@dataclass(frozen=True)
class BranchLine:
    """One grid branch: its members and households, and this month's requests."""

    id: UUID
    name: str
    members: int
    households: int
    placed: int
    resolved: int
    on_time_rate: float | None


@dataclass(frozen=True)
class ActivityLine:
    """One recorded event: when, by which account, of what kind (never whose data)."""

    position: int
    at: datetime
    who: str
    event: str


@dataclass(frozen=True)
class Snapshot:
    """Everything the dashboard shows, read in one round."""

    at: datetime
    #: Tile name -> count; a tile the reader may not read is absent.
    counts: dict[str, int]
    branches: list[BranchLine] = field(default_factory=list)
    activity: list[ActivityLine] = field(default_factory=list)
    #: What could not be read (the rest still shows).
    errors: list[BaseException] = field(default_factory=list)


class DashboardRead(Message):
    """The dashboard's figures were read."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


def recent_activity(system: System, actor: Principal, limit: int) -> list[ActivityLine]:
    """The latest events of the kinds the dashboard lists, newest first."""
    rows = system.timeline.recent(actor=actor, events=ACTIVITY_EVENTS, limit=limit)
    return [ActivityLine(r["position"], r["stamped_at"], r["actor"], r["event"]) for r in rows]


def read_snapshot(system: System, actor: Principal) -> Snapshot:
    """Read every figure of the dashboard (each part on its own: one failing part, or a
    right the reader lacks, leaves the others)."""
    now = system.app.now()
    today = system.app.today()
    counts: dict[str, int] = {}
    errors: list[BaseException] = []
    requests, points = system.requests, system.points

    def count(name: str, read: Any) -> None:
        if not actor.can(BY_TILE[name].permission):
            return
        try:
            counts[name] = int(read())
        except Exception as error:  # shown under the tiles; the rest still shows
            errors.append(error)

    count(
        "today",
        lambda: sum(
            r["placed"]
            for r in requests.statistics(actor=actor, by="community", since=today, until=today)
        ),
    )
    count("overdue", lambda: requests.board(actor=actor, now=now, overdue=True, limit=1).total)
    count("supervision", lambda: requests.supervision_queue(actor=actor, now=now, limit=1).total)
    count("objections", lambda: points.objections(actor=actor, state="open", limit=1).total)
    count("approvals", lambda: points.pending_approvals(actor=actor, limit=1).total)
    branches: list[BranchLine] = []
    if actor.can(Permission.ROSTER_READ):
        try:
            roots = system.roster.tree(actor=actor)
            counts["members"] = sum(root.counts.get("members", 0) for root in roots)
            branches = _branch_lines(system, actor, roots, today)
        except Exception as error:  # shown under the tiles; the rest still shows
            errors.append(error)
    activity: list[ActivityLine] = []
    try:
        activity = recent_activity(system, actor, ACTIVITY_LIMIT)
    except Exception as error:  # shown under the tiles; the rest still shows
        errors.append(error)
    return Snapshot(now, counts, branches, activity, errors)


def _branch_lines(
    system: System, actor: Principal, roots: list[Any], today: date
) -> list[BranchLine]:
    month: dict[Any, dict[str, Any]] = {}
    if actor.can(Permission.REQUESTS_READ):
        rows = system.requests.statistics(
            actor=actor, by="branch", since=today.replace(day=1), until=today
        )
        month = {r["key"]: r for r in rows}
    lines: list[BranchLine] = []
    stack = list(roots)
    while stack:
        node = stack.pop(0)
        if node.level == "branch":
            r = month.get(node.id, {})
            lines.append(
                BranchLine(
                    node.id,
                    node.name,
                    node.counts.get("members", 0),
                    node.counts.get("households", 0),
                    int(r.get("placed", 0)),
                    int(r.get("resolved", 0)),
                    r.get("on_time_rate"),
                )
            )
        else:
            stack[0:0] = node.children
    return lines


class Tile(Static):
    """A count with its label; its key (shown) or a click opens its section."""

    DEFAULT_CSS = """
    Tile {
        height: 4;
        border: round $primary-darken-1;
        padding: 0 1;
    }
    Tile:hover {
        border: round $accent;
    }
    Tile.-alert {
        border: round $error;
    }
    """

    def __init__(self, spec: TileSpec) -> None:
        super().__init__(id=f"tile-{spec.name}", markup=False)
        self.spec = spec
        self.count: int | None = None

    def on_mount(self) -> None:
        self.paint()

    def show_count(self, count: int | None) -> None:
        if count != self.count:
            self.count = count
            self.paint()

    def paint(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{self.spec.key} ", style="bold")
        text.append(t(f"dashboard.tile.{self.spec.name}"), style="dim")
        text.append("\n")
        shown = "…" if self.count is None else str(self.count)
        text.append(shown, style="bold")
        self.update(text)
        alert = self.spec.name in ("overdue",) and bool(self.count)
        self.set_class(alert, "-alert")

    def relabel(self) -> None:
        self.paint()

    async def on_click(self, event: Click) -> None:
        event.stop()
        screen = self.screen
        if isinstance(screen, DashboardScreen):
            await screen.action_open_tile(self.spec.name)


class DashboardScreen(StaffScreen):
    """Today at a glance: tiles, the grid branches, the latest activity."""

    DEFAULT_CSS = """
    DashboardScreen #tiles {
        grid-size: 6;
        grid-gutter: 0 1;
        height: 4;
        margin: 1 1 0 1;
    }
    DashboardScreen.-narrow #tiles {
        grid-size: 3;
        grid-gutter: 1 1;
        height: 5;
        margin: 0 0;
    }
    DashboardScreen.-narrow Tile {
        height: 2;
        border: none;
        background: $boost;
    }
    DashboardScreen.-narrow Tile.-alert {
        border: none;
        background: $error 30%;
    }
    DashboardScreen.-narrow #dash-body {
        layout: vertical;
    }
    DashboardScreen.-narrow #branch-pane, DashboardScreen.-narrow #activity-pane {
        width: 1fr;
    }
    DashboardScreen #dash-status {
        height: 1;
        padding: 0 2;
        color: $text-muted;
    }
    DashboardScreen #dash-body {
        height: 1fr;
    }
    DashboardScreen .dash-pane {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
    }
    DashboardScreen #branch-pane {
        width: 3fr;
    }
    DashboardScreen #activity-pane {
        width: 2fr;
    }
    DashboardScreen.-narrow .dash-pane {
        padding: 0 0;
    }
    DashboardScreen .dash-title {
        text-style: bold;
        color: $accent;
        height: 1;
    }
    DashboardScreen DataTable {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(tile.key, f"open_tile('{tile.name}')", tile.name, id=f"dashboard.{tile.name}")
            for tile in TILES
        ),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Grid(id="tiles"):
            for tile in TILES:
                yield Tile(tile)
        yield Static(t("dashboard.loading"), id="dash-status", markup=False)
        with Horizontal(id="dash-body"):
            with Vertical(id="branch-pane", classes="dash-pane"):
                yield Tr("dashboard.branches", classes="dash-title")
                yield DataTable(id="branches", cursor_type="row", zebra_stripes=True)
            with Vertical(id="activity-pane", classes="dash-pane"):
                yield Tr("dashboard.activity", classes="dash-title")
                yield DataTable(id="activity", cursor_type="row", zebra_stripes=True)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self._columns()
        for tile in self.query(Tile):
            tile.display = self._readable(tile.spec)
        self.reload()

    def _readable(self, spec: TileSpec) -> bool:
        principal = self.yimai.principal
        return principal is not None and principal.can(spec.permission)

    # -- reading --------------------------------------------------------------------------

    def reload(self) -> None:
        self.read_dashboard()

    def read_models_advanced(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="dashboard")
    def read_dashboard(self) -> None:
        try:
            snapshot = read_snapshot(self.system, self.principal)
        except Exception as error:  # shown, not fatal: the station keeps working
            snapshot = Snapshot(datetime.now().astimezone(), {}, errors=[error])
        if not get_current_worker().is_cancelled:
            self.post_message(DashboardRead(snapshot))

    def on_dashboard_read(self, message: DashboardRead) -> None:
        self.snapshot = message.snapshot
        self.show()

    # -- what is shown ----------------------------------------------------------------------

    def show(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        for tile in self.query(Tile):
            tile.show_count(snapshot.counts.get(tile.spec.name))
        self._show_branches(snapshot.branches)
        self._show_activity(snapshot.activity)
        self._show_status()

    def _show_status(self) -> None:
        snapshot = self.snapshot
        status = self.query_one("#dash-status", Static)
        if snapshot is None:
            status.update(t("dashboard.loading"))
            return
        if snapshot.errors:
            text = describe(snapshot.errors[0], user=self._username())
            status.update(Text(text, style="bold red"))
            return
        at = snapshot.at.astimezone(self.system.settings.tzinfo)
        status.update(t("dashboard.as_of", time=at.strftime("%Y-%m-%d %H:%M")))

    def _columns(self) -> None:
        branches = self.query_one("#branches", DataTable)
        branches.clear(columns=True)
        for key in ("branch", "members", "households", "placed", "resolved", "on_time"):
            branches.add_column(t(f"dashboard.col.{key}"), key=key)
        activity = self.query_one("#activity", DataTable)
        activity.clear(columns=True)
        for key in ("when", "who", "what"):
            activity.add_column(t(f"dashboard.col.{key}"), key=key)

    def _show_branches(self, lines: list[BranchLine]) -> None:
        table = self.query_one("#branches", DataTable)
        cursor = table.cursor_row
        table.clear()
        for line in lines:
            rate = "—" if line.on_time_rate is None else f"{line.on_time_rate:.0%}"
            table.add_row(
                line.name,
                str(line.members),
                str(line.households),
                str(line.placed),
                str(line.resolved),
                rate,
                key=str(line.id),
            )
        if lines:
            table.move_cursor(row=min(cursor, len(lines) - 1), animate=False)

    def _show_activity(self, lines: list[ActivityLine]) -> None:
        table = self.query_one("#activity", DataTable)
        tz = self.system.settings.tzinfo
        today = self.system.app.today()
        table.clear()
        for line in lines:
            at = line.at.astimezone(tz)
            when = at.strftime("%H:%M") if at.date() == today else at.strftime("%m-%d %H:%M")
            table.add_row(
                when, line.who, t(f"dashboard.event.{line.event}"), key=str(line.position)
            )

    def relabel(self) -> None:
        self._columns()
        self.show()

    # -- actions ----------------------------------------------------------------------------

    def _section_open(self, name: str) -> bool:
        return any(s.name == name for s in self.yimai.sections)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_tile":
            spec = BY_TILE.get(str(parameters[0])) if parameters else None
            if spec is None or not self._readable(spec):
                return False
            return True if self._section_open(spec.section) else None
        return True

    async def action_open_tile(self, name: str) -> None:
        """Open the tile's section at its base screen."""
        spec = BY_TILE.get(name)
        if spec is None:
            return
        if not self._section_open(spec.section):
            self.notify(t("dashboard.not_available", section=t(f"section.{spec.section}")))
            return
        await self.yimai.go_to(spec.section)
        self.narrow_to(name)

    def narrow_to(self, name: str) -> None:
        """Show the tile's own list in the section just opened: the overdue requests,
        the objections, the approvals (the section's own filters and tabs)."""
        from textual.widgets import TabbedContent

        from tui.screens.board import BoardScreen

        screen = self.app.screen
        if name == "overdue" and isinstance(screen, BoardScreen):
            screen.action_clear_filters()
            screen.action_toggle_overdue()
        elif name in ("objections", "approvals"):

            def show_tab() -> None:
                tabs = screen.query(TabbedContent)
                if tabs:
                    tabs.first().active = name

            # Once now, and again after the screen's next refresh: a section opened for
            # the first time is still mounting its tabs, which would start on the first.
            show_tab()
            screen.call_after_refresh(show_tab)

    def action_refresh(self) -> None:
        self.reload()
