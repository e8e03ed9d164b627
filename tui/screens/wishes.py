"""Micro-wishes (微心愿) and alliance needs (共建需求): two paged lists, one at a time,
each filtered by state and community. Enter opens one; `n` posts a wish or lists a need.

The lists are virtual tables over the requests read model (wishes(), needs()), read page
by page as the user scrolls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from domain.dto import Receipt
from domain.wishes import WishState
from projections.queries import Page
from projections.roster import UnitNode
from tui.i18n import join, t
from tui.messages import CommandRefused
from tui.org import walk
from tui.screens.base import StaffScreen
from tui.screens.board import PickScreen
from tui.screens.wish_forms import ListNeedScreen, PostWishScreen, describe_wish
from tui.when import local
from tui.widgets.footer import YimaiFooter
from tui.widgets.section_bar import SectionBar
from tui.widgets.virtual_table import Column, Row, VirtualTable

WISH_COLUMNS = [
    Column("title", "wish.col.title", 0, 10),
    Column("state", "wish.col.state", 6),
    Column("community", "wish.col.community", 0, 6),
    Column("claimant", "wish.col.claimant", 0, 6),
    Column("posted", "wish.col.posted", 11),
]
NEED_COLUMNS = [
    Column("title", "wish.col.need", 0, 10),
    Column("alliance", "wish.col.alliance", 0, 6),
    Column("state", "wish.col.state", 6),
    Column("unit", "wish.col.unit", 0, 6),
    Column("posted", "wish.col.posted", 11),
]


def state_label(state: str) -> str:
    return t(f"wish.state.{state}")


def when(moment: datetime | None) -> str:
    return local(moment).strftime("%m-%d %H:%M") if moment else ""


class CommunitiesLoaded(Message):
    """The communities (for the filter and the forms) were read."""

    def __init__(self, roots: list[UnitNode]) -> None:
        super().__init__()
        self.roots = roots


class WishesScreen(StaffScreen):
    """Micro-wishes or alliance needs, filtered by state and community."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "switch_list", "Wishes/needs", id="wishes.toggle"),
        Binding("s", "pick_state", "State", id="wishes.state"),
        Binding("p", "pick_community", "Community", id="wishes.community"),
        Binding("x", "clear_filters", "Clear filters", id="wishes.clear"),
        # One key for a new item: the move that fits the list shows.
        Binding("n", "post", "Post a wish", id="wishes.post"),
        Binding("n", "list_need", "List a need", id="wishes.list-need"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    DEFAULT_CSS = """
    WishesScreen #wishes-top {
        height: 1;
    }
    WishesScreen #wishes-filters {
        width: 1fr;
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    WishesScreen #wishes-count {
        width: auto;
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    WishesScreen #wishes-error {
        display: none;
        color: $error;
        height: auto;
        padding: 0 1;
    }
    WishesScreen #wishes-error.-shown {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.kind = "wish"
        self.state = ""
        self.community = ""
        self.units: dict[UUID, UnitNode] = {}
        self.communities: list[tuple[str, str]] = []
        self.ready = False

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Horizontal(id="wishes-top"):
            yield Static("", id="wishes-filters", markup=False)
            yield Static("", id="wishes-count", markup=False)
        yield Static("", id="wishes-error", markup=False)
        yield VirtualTable(WISH_COLUMNS, self.wish_cells, id="wish-table")
        yield VirtualTable(NEED_COLUMNS, self.need_cells, id="need-table")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#need-table").display = False
        self.table.focus()
        self.show_filters()
        self.load_communities()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(f"#{self.kind}-table", VirtualTable)

    # -- reading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="wishes-context")
    def load_communities(self) -> None:
        try:
            roots = self.system.roster.tree(actor=self.principal)
        except Exception as error:  # shown, not fatal: the lists still work
            self.post_message(CommandRefused(error))
            roots = []
        self.post_message(CommunitiesLoaded(roots))

    def on_communities_loaded(self, message: CommunitiesLoaded) -> None:
        self.units = {n.id: n for n in walk(message.roots)}
        self.communities = [
            (n.name, str(n.id)) for n in walk(message.roots) if n.level == "community"
        ]
        first = not self.ready
        self.ready = True
        if first:
            self.reload_rows()
        else:
            self.table.refresh()
        self.refresh_bindings()

    def fetcher(self) -> Callable[[int, int], Page]:
        requests, principal = self.system.requests, self.principal
        state = self.state or None
        community = UUID(self.community) if self.community else None
        read = requests.wishes if self.kind == "wish" else requests.needs

        def fetch(offset: int, limit: int) -> Page:
            return read(
                actor=principal, state=state, community_id=community, offset=offset, limit=limit
            )

        return fetch

    def reload_rows(self) -> None:
        self.hide_error()
        self.show_filters()
        self.table.load(self.fetcher())
        self.show_count()

    def read_models_advanced(self) -> None:
        if self.ready:
            self.table.reload()

    def relabel(self) -> None:
        self.show_filters()
        self.show_count()
        for table in self.query(VirtualTable):
            table.refresh()

    # -- rows ---------------------------------------------------------------------------

    def community_name(self, row: Row) -> str:
        unit = self.units.get(row["community_id"])
        return unit.name if unit else ""

    def wish_cells(self, row: Row) -> list[Text]:
        claimant = row.get("claimant_name")
        return [
            Text(row["title"], style="bold"),
            Text(state_label(row["state"])),
            Text(self.community_name(row)),
            Text(claimant) if claimant else Text(t("wish.unclaimed"), style="dim"),
            Text(when(row["posted_at"])),
        ]

    def need_cells(self, row: Row) -> list[Text]:
        unit = row.get("resident_unit_name")
        return [
            Text(row["title"], style="bold"),
            Text(row["alliance"]),
            Text(state_label(row["state"])),
            Text(unit) if unit else Text(t("wish.unclaimed"), style="dim"),
            Text(when(row["listed_at"])),
        ]

    def on_virtual_table_loaded(self, message: VirtualTable.Loaded) -> None:
        self.show_count()

    def on_virtual_table_row_highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        self.show_count()

    def on_virtual_table_load_failed(self, message: VirtualTable.LoadFailed) -> None:
        self.show_error(message.error)

    def on_command_refused(self, message: CommandRefused) -> None:
        self.show_error(message.error)

    def on_virtual_table_row_chosen(self, message: VirtualTable.RowChosen) -> None:
        from tui.screens.wish import WishScreen

        self.app.push_screen(WishScreen(self.kind, message.row["id"]))

    # -- what is shown ------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        box = self.query_one("#wishes-error", Static)
        box.update(describe_wish(error, user=self._username()))
        box.add_class("-shown")

    def hide_error(self) -> None:
        self.query_one("#wishes-error", Static).remove_class("-shown")

    def filter_parts(self) -> list[str]:
        parts = []
        if self.state:
            parts.append(f"{t('wish.filter.state')} {state_label(self.state)}")
        if self.community:
            unit = self.units.get(UUID(self.community))
            parts.append(f"{t('wish.filter.community')} {unit.name if unit else '?'}")
        return parts

    def show_filters(self) -> None:
        tab = t(f"wish.tab.{self.kind}")
        parts = self.filter_parts()
        text = t("wish.filters", tab=tab, filters=join(parts)) if parts else tab
        self.query_one("#wishes-filters", Static).update(text)

    def show_count(self) -> None:
        table = self.table
        count = self.query_one("#wishes-count", Static)
        if table.total is None:
            count.update(t("wish.loading"))
        elif table.total == 0:
            count.update(t("wish.none"))
        elif self.focused is table:
            count.update(t("wish.count_at", row=table.cursor + 1, total=table.total))
        else:
            count.update(t("wish.count", total=table.total))

    def on_descendant_focus(self) -> None:
        self.show_count()

    # -- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if action in ("post", "list_need"):
            kind, command = ("wish", "post_wish") if action == "post" else ("need", "list_need")
            if principal is None or self.kind != kind:
                return False
            if not self.system.app.may(principal, command):
                return False
            return True if self.communities else None
        if action == "clear_filters":
            return bool(self.filter_parts()) or None
        return True

    def action_switch_list(self) -> None:
        self.table.display = False
        self.kind = "need" if self.kind == "wish" else "wish"
        self.table.display = True
        self.table.focus()
        self.reload_rows()
        self.refresh_bindings()

    def action_pick_state(self) -> None:
        options = [(t("wish.any"), "")] + [(state_label(s.value), s.value) for s in WishState]
        self.app.push_screen(PickScreen("wish.pick.state", options, self.state), self.state_picked)

    def state_picked(self, value: str | None) -> None:
        if value is not None and value != self.state:
            self.state = value
            self.reload_rows()

    def action_pick_community(self) -> None:
        options = [(t("wish.any"), ""), *self.communities]
        self.app.push_screen(
            PickScreen("wish.pick.community", options, self.community), self.community_picked
        )

    def community_picked(self, value: str | None) -> None:
        if value is not None and value != self.community:
            self.community = value
            self.reload_rows()

    def action_clear_filters(self) -> None:
        self.state = self.community = ""
        self.reload_rows()

    def community_id(self) -> UUID | None:
        return UUID(self.community) if self.community else None

    def action_post(self) -> None:
        form = PostWishScreen(self.communities, self.community_id())
        self.app.push_screen(form, self.after_form)

    def action_list_need(self) -> None:
        form = ListNeedScreen(self.communities, self.community_id())
        self.app.push_screen(form, self.after_form)

    def after_form(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.table.reload()
