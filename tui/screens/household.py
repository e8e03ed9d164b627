"""Households: the list of a unit's households (searched, paged) and one household's
details, linked members (3+N), contact log and history.

The head's phone shows masked, unit and room withheld, until the user asks to see them
with a reason; the Application records each showing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from domain.access import Permission
from domain.dto import DisclosedContact, HistoryEntry, HouseholdDetail, Receipt
from domain.roster import Household
from projections.roster import UnitNode
from tui.i18n import colon, join, label, t
from tui.messages import CommandRefused
from tui.org import by_id, place_name
from tui.screens.base import StaffScreen
from tui.screens.forms import RevealContactScreen, describe_roster
from tui.screens.household_forms import (
    CloseHouseholdScreen,
    CorrectHouseholdScreen,
    RegisterHouseholdScreen,
    household_name,
)
from tui.screens.member import MemberScreen
from tui.when import local
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrInput, localize_bindings
from tui.widgets.section_bar import SectionBar

#: Households on one page of the list.
PAGE_SIZE = 50
#: Seconds of quiet in the search box before the list is searched.
SEARCH_DELAY = 0.3
#: Contact-log entries shown on a household's screen.
CONTACT_LIMIT = 20

_CSS = """
HouseholdsScreen #households-body, HouseholdScreen #household-body {
    padding: 0 1;
}
HouseholdsScreen #households-summary {
    height: auto;
    background: $boost;
    padding: 0 1;
}
HouseholdsScreen #household-search {
    background: $primary 18%;
}
HouseholdsScreen #household-search:focus {
    background: $primary 40%;
}
HouseholdsScreen #household-list {
    height: 1fr;
}
HouseholdsScreen #households-status {
    height: 1;
    color: $text-muted;
}
HouseholdScreen #household-details {
    height: auto;
}
HouseholdScreen #household-links,
HouseholdScreen #household-contacts,
HouseholdScreen #household-history {
    height: auto;
    max-height: 12;
}
"""


def _when(stamp: datetime) -> str:
    return local(stamp).strftime("%Y-%m-%d %H:%M")


class HouseholdsFound(Message):
    """A page of households was read (`ticket` tells stale answers apart)."""

    def __init__(self, rows: list[dict[str, Any]], total: int, offset: int, ticket: int):
        super().__init__()
        self.rows = rows
        self.total = total
        self.page_offset = offset
        self.ticket = ticket


class HouseholdTable(DataTable[Text]):
    """Rows of households, keyed by id; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="households.open")
    ]

    COLUMNS = (
        "household.col.building",
        "col.head",
        "col.phone",
        "household.col.size",
        "col.branch",
        "household.col.members",
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.rows_shown: list[dict[str, Any]] = []
        self.branches: dict[UUID, UnitNode] = {}

    def on_mount(self) -> None:
        localize_bindings(self)
        self.add_columns(*(t(c) for c in self.COLUMNS))

    def show_rows(self, rows: list[dict[str, Any]], units: dict[UUID, UnitNode]) -> None:
        current = self.current_id()
        self.rows_shown = rows
        self.branches = units
        self.clear()
        for r in rows:
            self.add_row(
                Text(r["building"]),
                Text(r["head_name"] or ""),
                Text(r["head_phone"] or ""),
                Text(str(r["size"]), justify="right"),
                Text(place_name(units, r["branch_id"], r["group_id"])),
                Text(str(r["members_linked"]), justify="right"),
                key=str(r["id"]),
            )
        keys = [str(r["id"]) for r in rows]
        if current is not None and str(current) in keys:
            self.move_cursor(row=keys.index(str(current)))

    def current_id(self) -> UUID | None:
        if not self.row_count:
            return None
        row = min(max(self.cursor_row, 0), self.row_count - 1)
        key = self.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return UUID(key) if key else None

    def relabel(self) -> None:
        self.clear(columns=True)
        self.add_columns(*(t(c) for c in self.COLUMNS))
        self.show_rows(self.rows_shown, self.branches)


class HouseholdsScreen(StaffScreen):
    """The open households of a unit (all when None), searched by head, phone or building."""

    DEFAULT_CSS = _CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="households.back"),
        Binding("r", "register", "Register", id="households.register"),
        Binding("slash", "focus_search", "Search", key_display="/", id="households.search"),
        Binding("n", "page(1)", "Next page", id="households.next"),
        Binding("p", "page(-1)", "Previous page", id="households.prev"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self, unit: UnitNode | None) -> None:
        super().__init__()
        self.unit = unit
        self.page_offset = 0
        self.ticket = 0
        self.found: HouseholdsFound | None = None
        self.units: dict[UUID, UnitNode] = {}
        self.search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="households-body"):
            yield Tr("household.list.title", unit=self.unit_name(), id="households-summary")
            yield TrInput("household.search", id="household-search", compact=True)
            yield HouseholdTable(id="household-list")
            yield Static(t("roster.loading"), id="households-status", markup=False)
        yield YimaiFooter()

    def unit_name(self) -> str:
        return self.unit.name if self.unit is not None else t("roster.all")

    def on_mount(self) -> None:
        self.query_one(HouseholdTable).focus()
        self.load_now()

    def read_models_advanced(self) -> None:
        self.load_now()

    # -- reading --

    def load_now(self) -> None:
        if self.search_timer is not None:
            self.search_timer.stop()
            self.search_timer = None
        self.ticket += 1
        query = self.query_one("#household-search", Input).value
        self.load(query, self.page_offset, self.ticket)

    @work(thread=True, exclusive=True, group="households")
    def load(self, query: str, offset: int, ticket: int) -> None:
        roster = self.system.roster
        try:
            actor = self.principal
            if not self.units:
                self.units = by_id(roster.tree(actor=actor, include_closed=True))
            unit = self.unit
            if unit is not None and unit.level == "subdistrict":
                # The read model lists by community; a subdistrict is all of them.
                unit = None
            page = roster.list_households(
                actor=actor,
                unit_id=unit.id if unit is not None else None,
                query=query,
                offset=offset,
                limit=PAGE_SIZE,
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(HouseholdsFound(page.items, page.total, offset, ticket))

    def on_households_found(self, message: HouseholdsFound) -> None:
        if message.ticket != self.ticket:
            return
        if message.total and message.page_offset >= message.total:  # the last page emptied
            self.page_offset = max(0, (message.total - 1) // PAGE_SIZE * PAGE_SIZE)
            self.load_now()
            return
        self.found = message
        self.query_one(HouseholdTable).show_rows(message.rows, self.units)
        self.show_status()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe_roster(message.error, user=self._username())
        self.query_one("#households-status", Static).update(Text(text, style="bold red"))

    def show_status(self) -> None:
        found = self.found
        status = self.query_one("#households-status", Static)
        if found is None:
            status.update(t("roster.loading"))
        elif not found.rows:
            status.update(t("household.none"))
        elif len(found.rows) < found.total:
            first = found.page_offset + 1
            last = found.page_offset + len(found.rows)
            status.update(t("household.count_page", total=found.total, first=first, last=last))
        else:
            status.update(t("household.count", total=found.total))

    def relabel(self) -> None:
        self.show_status()

    # -- events --

    @on(Input.Changed, "#household-search")
    def search_changed(self) -> None:
        self.page_offset = 0
        if self.search_timer is not None:
            self.search_timer.stop()
        self.search_timer = self.set_timer(SEARCH_DELAY, self.load_now)

    @on(Input.Submitted, "#household-search")
    def search_submitted(self) -> None:
        self.load_now()
        self.query_one(HouseholdTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        ident = self.query_one(HouseholdTable).current_id()
        if ident is not None:
            self.app.push_screen(HouseholdScreen(ident))

    # -- actions --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "register" and not self.can_write:
            return False
        if action == "page":
            found = self.found
            if found is None or found.total <= PAGE_SIZE:
                return False
            step = int(str(parameters[0])) if parameters else 1
            if step > 0 and found.page_offset + PAGE_SIZE >= found.total:
                return None
            if step < 0 and found.page_offset == 0:
                return None
        return True

    def action_back(self) -> None:
        """Esc in the search box clears it, then goes to the list; from the list, back."""
        search = self.query_one("#household-search", Input)
        if search.has_focus and search.value:
            search.value = ""
        elif search.has_focus:
            self.query_one(HouseholdTable).focus()
        else:
            self.app.pop_screen()

    def action_focus_search(self) -> None:
        self.query_one("#household-search", Input).focus()

    def action_page(self, step: int) -> None:
        found = self.found
        if found is None:
            return
        offset = self.page_offset + step * PAGE_SIZE
        if 0 <= offset < found.total:
            self.page_offset = offset
            self.load_now()

    def action_register(self) -> None:
        branch = group = None
        if self.unit is not None and self.unit.level == "branch":
            branch = self.unit.id
        elif self.unit is not None and self.unit.level == "group":
            branch, group = self.unit.parent_id, self.unit.id
        self.app.push_screen(RegisterHouseholdScreen(branch, group), self.after_write)

    def after_write(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.load_now()


@dataclass
class HouseholdView:
    """Everything the household screen shows, read in one go."""

    detail: HouseholdDetail
    #: The members linked to the household, current links first (roster.household_links).
    links: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    history: list[HistoryEntry]
    units: dict[UUID, UnitNode]


class HouseholdLoaded(Message):
    """One household's details, linked members, contact log and history were read."""

    def __init__(self, view: HouseholdView) -> None:
        super().__init__()
        self.view = view


class HouseholdScreen(StaffScreen):
    """One household: its details, its linked members and the contacts they logged, and
    its history; Enter on a linked member opens them."""

    DEFAULT_CSS = _CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="household.back"),
        Binding("e", "correct", "Correct", id="household.correct"),
        Binding("x", "close", "Moved out", id="household.close"),
        Binding("c", "contact", "Show contact", id="household.contact"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    WRITES = frozenset({"correct", "close"})

    def __init__(self, household_id: UUID) -> None:
        super().__init__()
        self.household_id = household_id
        self.view: HouseholdView | None = None
        #: Contact details the user asked to see (in clear), while this screen is open.
        self.contact: dict[str, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="household-body"):
            yield Tr("household.details", classes="section-title")
            yield Static(t("form.loading"), id="household-details")
            yield Tr("household.col.members", classes="section-title")
            yield DataTable(id="household-links", cursor_type="row", zebra_stripes=True)
            yield Tr("household.contacts", n=CONTACT_LIMIT, classes="section-title")
            yield DataTable(id="household-contacts", cursor_type="row", zebra_stripes=True)
            yield Tr("household.history", classes="section-title")
            yield DataTable(id="household-history", cursor_type="row", zebra_stripes=True)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#household-links").focus()
        self.load()

    def read_models_advanced(self) -> None:
        self.load()

    def after_write(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.contact = None  # what was shown may have just been corrected
            self.refresh_bindings()
            self.load()

    @work(thread=True, exclusive=True, group="household")
    def load(self) -> None:
        app, roster = self.system.app, self.system.roster
        try:
            actor = self.principal
            detail = app.get_household(self.household_id, actor=actor)
            contacts = roster.contact_log(
                actor=actor, household_id=self.household_id, limit=CONTACT_LIMIT
            )
            for entry in contacts:
                entry["note"] = app.open_note(entry["household_id"], entry["note_sealed"])
            view = HouseholdView(
                detail=detail,
                links=roster.household_links(self.household_id, actor=actor),
                contacts=contacts,
                history=app.get_history(self.household_id, actor=actor, kind=Household),
                units=by_id(roster.tree(actor=actor, include_closed=True)),
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(HouseholdLoaded(view))

    def on_household_loaded(self, message: HouseholdLoaded) -> None:
        self.view = message.view
        self.show()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe_roster(message.error, user=self._username())
        self.query_one("#household-details", Static).update(Text(text, style="bold red"))

    # -- showing --

    def show(self) -> None:
        view = self.view
        if view is None:
            return
        d = view.detail
        self.sub_title = household_name(d)
        community = view.units.get(d.community_id)
        pairs = [
            ("building", d.building),
            ("head_name", d.head_name if not d.erased else t("household.erased")),
            ("unit", self.contact_field(d, "unit", None)),
            ("room", self.contact_field(d, "room", None)),
            ("head_phone", self.contact_field(d, "head_phone", d.head_phone)),
            ("size", str(d.size)),
        ]
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        for i in range(0, len(pairs), 2):
            row: list[Text] = []
            for key, value in pairs[i : i + 2]:
                row += [Text(t(f"household.field.{key}")), Text(value)]
            grid.add_row(*row)
        # The place is long: a row of its own, aligned with the grid's first column.
        width = max(Text(t(f"household.field.{key}")).cell_len for key, _ in pairs[::2])
        place = Table.grid(padding=(0, 2), expand=True)
        place.add_column(style="dim", no_wrap=True, min_width=width)
        place.add_column(ratio=1)
        where = " / ".join(
            n
            for n in (
                community.name if community else "",
                place_name(view.units, d.branch_id, d.group_id),
            )
            if n
        )
        place.add_row(Text(t("household.field.place")), Text(where))
        place.add_row(Text(t("field.status")), Text(t(f"household.status.{d.status}")))
        self.query_one("#household-details", Static).update(Group(grid, place))
        self.show_links(view)
        self.show_contacts(view)
        self.show_history(view)

    def contact_field(self, d: HouseholdDetail, field: str, masked: str | None) -> str:
        """A contact detail as shown: in clear once asked for, else masked or hidden."""
        if d.erased:
            return ""
        if self.contact is not None:
            return self.contact.get(field) or "—"
        return masked or t("member.contact_hidden")

    def show_links(self, view: HouseholdView) -> None:
        """The linked members: since when, how often contacted, whether still linked."""
        table: DataTable[Text] = self.query_one("#household-links", DataTable)
        current = self.selected_member()
        table.clear(columns=True)
        for key in ("household.col.member", "col.since", "col.contacts", "col.last_contact"):
            table.add_column(t(key))
        table.add_column(t("col.link"))
        if not view.links:
            table.add_row(Text(t("household.no_links"), style="dim"), *[Text("")] * 4)
        for link in view.links:
            last = link["last_contact_on"]
            style = "" if link["active"] else "dim"
            table.add_row(
                Text(link["name"], style=style),
                Text(link["since"].isoformat(), style=style),
                Text(str(link["contacts"]), justify="right", style=style),
                Text(last.isoformat() if last else "—", style=style),
                Text(t("member.link_active") if link["active"] else t("member.link_ended")),
                key=str(link["member_id"]),
            )
        keys = [str(link["member_id"]) for link in view.links]
        if current is not None and str(current) in keys:
            table.move_cursor(row=keys.index(str(current)))

    def selected_member(self) -> UUID | None:
        """The linked member under the cursor."""
        table: DataTable[Text] = self.query_one("#household-links", DataTable)
        if self.view is None or not self.view.links or not table.row_count:
            return None
        row = min(max(table.cursor_row, 0), table.row_count - 1)
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return UUID(key) if key else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a linked member opens them."""
        if event.data_table.id != "household-links":
            return
        member = self.selected_member()
        if member is not None:
            self.app.push_screen(MemberScreen(member))

    def show_contacts(self, view: HouseholdView) -> None:
        table: DataTable[Text] = self.query_one("#household-contacts", DataTable)
        table.clear(columns=True)
        for key in ("household.col.on", "household.col.member", "household.col.channel"):
            table.add_column(t(key))
        table.add_column(t("household.col.note"))
        table.add_column(t("col.who"))
        if not view.contacts:
            table.add_row(Text(t("household.no_contacts"), style="dim"), *[Text("")] * 4)
        # Whoever logged a contact is linked (or was): the links name them.
        names = {link["member_id"]: link["name"] for link in view.links}
        for entry in view.contacts:
            table.add_row(
                Text(entry["on"].isoformat()),
                Text(names.get(entry["member_id"], "")),
                Text(label("channel", entry["channel"])),
                Text(entry.get("note") or ""),
                Text(entry.get("logged_by") or ""),
            )

    def show_history(self, view: HouseholdView) -> None:
        table: DataTable[Text] = self.query_one("#household-history", DataTable)
        table.clear(columns=True)
        for key in ("col.when", "col.who", "col.what", "col.why"):
            table.add_column(t(key))
        for entry in reversed(view.history):
            table.add_row(
                Text(_when(entry.timestamp)),
                Text(entry.actor),
                Text(self.what(entry)),
                Text(str(entry.fields.get("reason") or "")),
            )

    @staticmethod
    def what(entry: HistoryEntry) -> str:
        title = t(f"household.event.{entry.event}")
        if entry.event == "Household.Corrected":
            fields = join(t(f"household.field.{x}") for x in entry.fields.get("fields") or [])
            return f"{title}{colon()}{fields}" if fields else title
        return title

    def relabel(self) -> None:
        self.show()

    # -- actions --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "contact":
            principal = self.yimai.principal
            if principal is None or not principal.can(Permission.PERSONAL_REVEAL):
                return False
            if self.contact is not None:  # shown already
                return False
            if self.view is None or self.view.detail.erased:
                return None
            return True
        if action in self.WRITES:
            if not self.can_write:
                return False
            if self.view is None or self.view.detail.status != "open":
                return None
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_correct(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.app.push_screen(CorrectHouseholdScreen(d.id, household_name(d)), self.after_write)

    def action_close(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.app.push_screen(CloseHouseholdScreen(d.id, household_name(d)), self.after_write)

    def action_contact(self) -> None:
        if self.view is not None:
            d = self.view.detail
            screen = RevealContactScreen(d.id, household_name(d), "household.form.household")
            self.app.push_screen(screen, self.contact_shown)

    def contact_shown(self, receipt: Receipt | None) -> None:
        if isinstance(receipt, DisclosedContact):
            self.contact = dict(receipt.fields)
            self.show()
            self.refresh_bindings()
