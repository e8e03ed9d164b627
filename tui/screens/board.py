"""The request board (every request, filtered and searched) and the supervision queue.

Both are virtual tables over the requests read model: pages are read by offset and
limit as the user scrolls, so a board of 100k requests opens as fast as one of 100.
They follow the read models: new requests appear on their own and the cursor stays on
the request it was on. Enter opens the request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, ClassVar
from uuid import UUID

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from domain.access import Permission
from domain.requests import RequestState
from projections.queries import Page
from projections.roster import UnitNode
from tui.errors import describe
from tui.i18n import join, label, t
from tui.messages import CommandRefused
from tui.org import by_id, ordered, walk
from tui.screens.base import StaffScreen, YimaiModal
from tui.screens.intake import category_name
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrInput
from tui.widgets.section_bar import SectionBar
from tui.widgets.virtual_table import Column, Row, VirtualTable

#: Seconds of quiet in the search box before the board is searched.
SEARCH_DELAY = 0.3
#: The due column holds "超期 11-26 20:10" / "late 11-26 20:10" whole, even at 80 columns.
DUE_WIDTH = 16
#: States in which the clock runs or the work awaits acceptance: a due time matters.
_TIMED = {"placed", "classified", "claimed", "resolved"}
#: What "open" means on the board: not ended (the read model's state="open").
OPEN = "open"

BOARD_COLUMNS = [
    Column("code", "board.col.code", 8),
    Column("placed", "board.col.placed", 11),
    Column("category", "board.col.category", 0, 6),
    Column("state", "board.col.state", 6),
    Column("location", "board.col.location", 0, 8),
    Column("claimant", "board.col.claimant", 0, 6),
    Column("due", "board.col.due", DUE_WIDTH),
]
QUEUE_COLUMNS = [
    Column("code", "board.col.code", 8),
    Column("reasons", "board.col.reasons", 0, 8),
    Column("category", "board.col.category", 0, 6),
    Column("state", "board.col.state", 6),
    Column("location", "board.col.location", 0, 8),
    Column("claimant", "board.col.claimant", 0, 6),
    Column("due", "board.col.due", DUE_WIDTH),
]


def state_label(state: str) -> str:
    return label("request_state", state)


class BoardContext(Message):
    """What the board needs to show rows: categories, units, the user's member."""

    def __init__(
        self, categories: list[dict[str, Any]], roots: list[UnitNode], member_id: UUID | None
    ) -> None:
        super().__init__()
        self.categories = categories
        self.roots = roots
        self.member_id = member_id


class PickScreen(YimaiModal[str | None]):
    """Choose one value from a short list (a filter); Esc leaves it as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    DEFAULT_CSS = """
    PickScreen #pick {
        width: 60;
        max-width: 100%;
        height: auto;
        max-height: 90%;
    }
    PickScreen #pick-options {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(self, title_key: str, options: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        self.title_key = title_key
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pick"):
            yield Tr(self.title_key, classes="dialog-title")
            yield OptionList(
                *(Option(label, id=value or "__any__") for label, value in self.options),
                id="pick-options",
            )
        yield YimaiFooter()

    def on_mount(self) -> None:
        super().on_mount()
        options = self.query_one(OptionList)
        values = [value for _, value in self.options]
        options.highlighted = values.index(self.current) if self.current in values else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        value = event.option.id or ""
        self.dismiss("" if value == "__any__" else value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BoardScreen(StaffScreen):
    """Every request: filter by state, category, place, overdue or mine; search."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/", id="board.search"),
        Binding("s", "pick_state", "State", id="board.state"),
        Binding("c", "pick_category", "Category", id="board.category"),
        Binding("p", "pick_place", "Place", id="board.place"),
        Binding("o", "toggle_overdue", "Overdue", id="board.overdue"),
        Binding("m", "toggle_mine", "Mine", id="board.mine"),
        Binding("x", "clear_filters", "Clear filters", id="board.clear"),
        Binding("escape", "leave_search", "Leave search", show=False, id="board.leave-search"),
    ]

    DEFAULT_CSS = """
    BoardScreen #board-top {
        height: 1;
    }
    BoardScreen #board-filters {
        width: 1fr;
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    BoardScreen #board-count {
        width: auto;
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    BoardScreen #board-search {
        height: 1;
        margin: 0 1;
    }
    BoardScreen #board-error {
        display: none;
        color: $error;
        height: auto;
        padding: 0 1;
    }
    BoardScreen #board-error.-shown {
        display: block;
    }
    """

    #: The filters this board offers (the supervision queue offers fewer).
    FILTERS = frozenset({"state", "category", "place", "overdue", "mine", "search"})
    COLUMNS = BOARD_COLUMNS
    NONE_KEY = "board.none"
    COUNT_KEY = "board.count"

    def __init__(self) -> None:
        super().__init__()
        self.state = OPEN
        self.category = ""
        self.place = ""
        self.overdue = False
        self.mine = False
        self.categories: dict[str, dict[str, Any]] = {}
        self.roots: list[UnitNode] = []
        self.units: dict[UUID, UnitNode] = {}
        self.member_id: UUID | None = None
        self.search_timer: Timer | None = None
        self.context_ready = False

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Horizontal(id="board-top"):
            yield Static("", id="board-filters", markup=False)
            yield Static("", id="board-count", markup=False)
        if "search" in self.FILTERS:
            yield TrInput("board.placeholder.search", id="board-search", compact=True)
        yield Static("", id="board-error", markup=False)
        yield VirtualTable(self.COLUMNS, self.cells, id="board-table")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self.show_filters()
        self.load_context()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#board-table", VirtualTable)

    # -- what the rows need -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="board-context")
    def load_context(self) -> None:
        try:
            categories = self.system.requests.categories(include_retired=True)
            principal = self.principal
            roots = (
                self.system.roster.tree(actor=principal)
                if principal.can(Permission.ROSTER_READ)
                else []
            )
            member = self.system.app.member_of(principal)
        except Exception as error:  # shown, not fatal: the board still lists
            self.post_message(CommandRefused(error))
            return
        self.post_message(BoardContext(categories, roots, member))

    def on_board_context(self, message: BoardContext) -> None:
        self.categories = {str(c["code"]): c for c in message.categories}
        self.roots = message.roots
        self.units = by_id(message.roots)
        self.member_id = message.member_id
        first = not self.context_ready
        self.context_ready = True
        if first:
            self.reload_rows()
        else:
            self.table.refresh()
        self.refresh_bindings()

    def read_models_advanced(self) -> None:
        self.table.reload()

    def relabel(self) -> None:
        self.show_filters()
        self.show_count()
        self.table.refresh()

    # -- the rows -----------------------------------------------------------------------

    @property
    def tz(self) -> tzinfo:
        return self.system.requests.tz

    def when(self, moment: datetime | None) -> str:
        """This year's moments to the minute; another year's by their date, year first
        (a board spans years: last October's overdue request is not this October's)."""
        if moment is None:
            return ""
        tz = self.tz
        local = moment.astimezone(tz)
        if local.year != self.system.app.now().astimezone(tz).year:
            return local.strftime("%Y-%m-%d")
        return local.strftime("%m-%d %H:%M")

    def place_name(self, row: Row) -> str:
        unit = self.units.get(row["branch_id"]) if row.get("branch_id") else None
        unit = unit or self.units.get(row["community_id"])
        name = unit.name if unit else ""
        building = row.get("building") or ""
        return f"{name} {building}".strip()

    def due_text(self, row: Row) -> Text:
        if row.get("paused"):
            return Text(t("board.due.paused"), style="yellow")
        if row["state"] not in _TIMED:
            return Text(t("board.due.done"), style="dim")
        due = row["claim_due_at"] if row.get("claimant_id") is None else row["due_at"]
        if row.get("overdue"):
            return Text(t("board.due.overdue", due=self.when(due)), style="bold red")
        return Text(self.when(due))

    def category_text(self, code: str) -> str:
        category = self.categories.get(code)
        return category_name(category) if category else code

    def cells(self, row: Row) -> list[Text]:
        claimant = row.get("claimant_name")
        return [
            Text(row["receipt_code"], style="bold"),
            Text(self.when(row["placed_at"])),
            Text(self.category_text(row["category"])),
            Text(state_label(row["state"])),
            Text(self.place_name(row)),
            Text(claimant) if claimant else Text(t("board.unclaimed"), style="dim"),
            self.due_text(row),
        ]

    # -- reading ------------------------------------------------------------------------

    def fetcher(self) -> Callable[[int, int], Page]:
        """The read this board's filters make, for the table to page through."""
        requests, app, principal = self.system.requests, self.system.app, self.principal
        community, branch = self.place_ids()
        state, category = self.state or None, self.category or None
        claimant = self.member_id if self.mine else None
        overdue = True if self.overdue else None
        q = self.search_text() or None

        def fetch(offset: int, limit: int) -> Page:
            return requests.board(
                actor=principal,
                now=app.now(),
                state=state,
                category=category,
                community_id=community,
                branch_id=branch,
                claimant_id=claimant,
                overdue=overdue,
                q=q,
                offset=offset,
                limit=limit,
            )

        return fetch

    def place_ids(self) -> tuple[UUID | None, UUID | None]:
        if not self.place:
            return None, None
        unit = self.units.get(UUID(self.place))
        if unit is not None and unit.level == "branch":
            return None, unit.id
        return UUID(self.place), None

    def search_text(self) -> str:
        if "search" not in self.FILTERS:
            return ""
        return self.query_one("#board-search", Input).value.strip()

    def reload_rows(self) -> None:
        """New filters: the table reads from the top."""
        self.hide_error()
        self.show_filters()
        self.table.load(self.fetcher())
        self.show_count()

    def on_virtual_table_loaded(self, message: VirtualTable.Loaded) -> None:
        self.hide_error()
        self.show_count()

    def on_virtual_table_row_highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        self.show_count()

    def on_virtual_table_load_failed(self, message: VirtualTable.LoadFailed) -> None:
        self.show_error(message.error)

    def on_command_refused(self, message: CommandRefused) -> None:
        self.show_error(message.error)

    def on_virtual_table_row_chosen(self, message: VirtualTable.RowChosen) -> None:
        self.open_request(message.row["id"])

    def open_request(self, request_id: UUID) -> None:
        from tui.screens.request import RequestScreen  # type: ignore[import-not-found,unused-ignore]

        self.app.push_screen(RequestScreen(request_id))

    # -- what is shown ------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        box = self.query_one("#board-error", Static)
        box.update(describe(error, user=self._username()))
        box.add_class("-shown")

    def hide_error(self) -> None:
        self.query_one("#board-error", Static).remove_class("-shown")

    def filter_parts(self) -> list[str]:
        parts = []
        if self.state:
            shown = t("board.open_states") if self.state == OPEN else state_label(self.state)
            parts.append(f"{t('board.filter.state')} {shown}")
        if self.category:
            parts.append(f"{t('board.filter.category')} {self.category_text(self.category)}")
        if self.place:
            unit = self.units.get(UUID(self.place))
            parts.append(f"{t('board.filter.place')} {unit.name if unit else '?'}")
        if self.overdue:
            parts.append(t("board.filter.overdue"))
        if self.mine:
            parts.append(t("board.filter.mine"))
        q = self.search_text()
        if q:
            parts.append(t("board.filter.q", q=q))
        return parts

    def show_filters(self) -> None:
        parts = self.filter_parts()
        text = t("board.filters", filters=join(parts)) if parts else t("board.no_filters")
        self.query_one("#board-filters", Static).update(text)

    def show_count(self) -> None:
        table = self.table
        count = self.query_one("#board-count", Static)
        if table.total is None:
            count.update(t("board.loading"))
        elif table.total == 0:
            count.update(t(self.NONE_KEY))
        elif self.focused is table:
            count.update(t("board.count_at", row=table.cursor + 1, total=table.total))
        else:
            count.update(t(self.COUNT_KEY, total=table.total))

    # -- filters ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        name = action.removeprefix("pick_").removeprefix("toggle_")
        if name in ("state", "category", "place", "overdue", "mine") and name not in self.FILTERS:
            return False
        if action == "focus_search":
            return "search" in self.FILTERS
        if action == "toggle_mine" and self.member_id is None:
            return None
        if action == "clear_filters":
            return bool(self.filter_parts()) or None
        if action == "leave_search":
            search = self.query("#board-search")
            return bool(search) and search.first().has_focus
        return True

    def action_pick_state(self) -> None:
        options = [(t("board.any"), ""), (t("board.open_states"), OPEN)]
        options += [(state_label(s.value), s.value) for s in RequestState]
        self.app.push_screen(PickScreen("board.pick.state", options, self.state), self.state_picked)

    def state_picked(self, value: str | None) -> None:
        if value is not None and value != self.state:
            self.state = value
            self.reload_rows()

    def action_pick_category(self) -> None:
        options = [(t("board.any"), "")]
        options += [(self.category_text(code), code) for code in self.categories]
        self.app.push_screen(
            PickScreen("board.pick.category", options, self.category), self.category_picked
        )

    def category_picked(self, value: str | None) -> None:
        if value is not None and value != self.category:
            self.category = value
            self.reload_rows()

    def action_pick_place(self) -> None:
        options = [(t("board.any"), "")]
        for community in (n for n in walk(self.roots) if n.level == "community"):
            options.append((community.name, str(community.id)))
            for branch in ordered(c for c in community.children if c.level == "branch"):
                options.append((f"  {branch.name}", str(branch.id)))
        self.app.push_screen(PickScreen("board.pick.place", options, self.place), self.place_picked)

    def place_picked(self, value: str | None) -> None:
        if value is not None and value != self.place:
            self.place = value
            self.reload_rows()

    def action_toggle_overdue(self) -> None:
        self.overdue = not self.overdue
        self.reload_rows()

    def action_toggle_mine(self) -> None:
        if self.member_id is None:
            self.notify(t("board.no_member"))
            return
        self.mine = not self.mine
        self.reload_rows()

    def action_clear_filters(self) -> None:
        self.state, self.category, self.place = "", "", ""
        self.overdue = self.mine = False
        if "search" in self.FILTERS:
            search = self.query_one("#board-search", Input)
            with search.prevent(Input.Changed):
                search.value = ""
        self.reload_rows()

    # -- search -------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#board-search", Input).focus()

    def action_leave_search(self) -> None:
        """Esc in the search box clears it; Esc again goes to the list."""
        search = self.query_one("#board-search", Input)
        if search.value:
            search.value = ""
        else:
            self.table.focus()

    @on(Input.Changed, "#board-search")
    def search_changed(self) -> None:
        if self.search_timer is not None:
            self.search_timer.stop()
        self.search_timer = self.set_timer(SEARCH_DELAY, self.search_now)

    def search_now(self) -> None:
        self.search_timer = None
        if self.context_ready:
            self.reload_rows()

    @on(Input.Submitted, "#board-search")
    def search_submitted(self) -> None:
        if self.search_timer is not None:
            self.search_now()
        self.table.focus()

    def on_descendant_focus(self) -> None:
        self.show_count()


class SupervisionScreen(BoardScreen):
    """The supervision queue: resolutions to accept, late requests, outcomes to publish,
    pressed or escalated work; in that order."""

    FILTERS = frozenset({"place"})
    COLUMNS = QUEUE_COLUMNS
    NONE_KEY = "supervision.none"
    COUNT_KEY = "supervision.count"

    def __init__(self) -> None:
        super().__init__()
        self.state = ""

    def cells(self, row: Row) -> list[Text]:
        cells = super().cells(row)
        reasons = join(label("queue_reason", r) for r in row.get("reasons", []))
        return [cells[0], Text(reasons, style="bold"), *cells[2:]]

    def show_filters(self) -> None:
        """The queue says what it is (it is never every request), then its filter."""
        parts = self.filter_parts()
        text = t("supervision.title")
        if parts:
            text = f"{text} · {t('board.filters', filters=join(parts))}"
        self.query_one("#board-filters", Static).update(text)

    def place_ids(self) -> tuple[UUID | None, UUID | None]:
        community, branch = super().place_ids()
        if branch is not None:  # the queue is by community: a branch stands for its own
            unit = self.units.get(branch)
            return (unit.parent_id if unit else None), None
        return community, None

    def fetcher(self) -> Callable[[int, int], Page]:
        requests, app, principal = self.system.requests, self.system.app, self.principal
        community, _ = self.place_ids()

        def fetch(offset: int, limit: int) -> Page:
            return requests.supervision_queue(
                actor=principal,
                now=app.now(),
                community_id=community,
                offset=offset,
                limit=limit,
            )

        return fetch

    def action_pick_place(self) -> None:
        options = [(t("board.any"), "")]
        options += [(n.name, str(n.id)) for n in walk(self.roots) if n.level == "community"]
        self.app.push_screen(PickScreen("board.pick.place", options, self.place), self.place_picked)
