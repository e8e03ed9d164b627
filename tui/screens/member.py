"""One member: details, points and stars, linked households (3+N) with their contact
counts, and the full history.

Contact details show masked (the phone) or hidden (the address) until the user asks to
see them, saying why; the Application records each showing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from domain.access import Permission
from domain.dto import DisclosedContact, HistoryEntry, MemberDetail, Receipt
from domain.roster import Member
from projections.queries import Page
from projections.roster import UnitNode
from tui.errors import describe, field_label
from tui.i18n import colon, join, label, language, t
from tui.messages import CommandRefused, MemberLoaded
from tui.org import by_id, place_name
from tui.screens.base import StaffScreen
from tui.screens.forms import RevealContactScreen
from tui.screens.household_forms import (
    LinkHouseholdScreen,
    LogContactScreen,
    UnlinkHouseholdScreen,
    household_name,
)
from tui.when import local
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr
from tui.widgets.section_bar import SectionBar


@dataclass
class MemberView:
    """Everything the member screen shows, read in one go."""

    detail: MemberDetail
    links: list[dict[str, Any]]
    history: list[HistoryEntry]
    units: dict[UUID, UnitNode]
    resident_units: dict[UUID, str] = field(default_factory=dict)
    #: The year the points and the contact counts are of (the station's today).
    year: int = 0
    #: This year's points totals (points.totals), None when the user may not read points.
    totals: dict[str, Any] | None = None
    #: The latest ledger entries of that year (the total above is of the same year).
    entries: Page | None = None
    star_cap: int = 12
    #: Contacts logged this year, by household.
    year_contacts: dict[UUID, int] = field(default_factory=dict)


#: Point entries shown on the member screen (the points section has them all).
ENTRY_LIMIT = 5


def _when(stamp: datetime) -> str:
    return local(stamp).strftime("%Y-%m-%d %H:%M")


class MemberScreen(StaffScreen):
    """Details of one member, the households they serve, and who changed what, when, why."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="member.back"),
        Binding("t", "transfer", "Transfer", id="roster.transfer"),
        Binding("e", "correct", "Correct", id="roster.correct"),
        Binding("d", "deregister", "Deregister", id="roster.deregister"),
        Binding("c", "contact", "Show contact", id="member.contact"),
        Binding("l", "link", "Link household", id="member.link"),
        Binding("u", "unlink", "Unlink", id="member.unlink"),
        Binding("n", "log_contact", "Log contact", id="member.log-contact"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    WRITES = frozenset({"transfer", "correct", "deregister", "link", "unlink", "log_contact"})
    ON_LINK = frozenset({"unlink", "log_contact"})

    def __init__(self, member_id: UUID) -> None:
        super().__init__()
        self.member_id = member_id
        self.view: MemberView | None = None
        #: Contact details the user asked to see (in clear), while this screen is open.
        self.contact: dict[str, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="member-body"):
            yield Tr("member.details", classes="section-title")
            yield Static(t("form.loading"), id="member-details")
            yield Static("", id="member-points-title", classes="section-title")
            yield Static("", id="member-points")
            yield DataTable(id="member-entries", cursor_type="row", zebra_stripes=True)
            yield Tr("member.links", classes="section-title")
            yield Static("", id="member-links-summary")
            yield DataTable(id="member-links", cursor_type="row", zebra_stripes=True)
            yield Tr("member.history", classes="section-title")
            yield DataTable(id="member-history", cursor_type="row", zebra_stripes=True)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#member-links").focus()
        self.load()

    def read_models_advanced(self) -> None:
        self.load()

    def after_write(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.contact = None  # what was shown may have just been corrected
            self.refresh_bindings()
            self.load()

    @work(thread=True, exclusive=True, group="member")
    def load(self) -> None:
        app, roster, points = self.system.app, self.system.roster, self.system.points
        try:
            actor = self.principal
            detail = app.get_member(self.member_id, actor=actor)
            year = app.today().year
            totals = entries = None
            if actor.can(Permission.POINTS_READ):
                totals = points.totals(self.member_id, actor=actor, year=year)
                entries = points.ledger(self.member_id, actor=actor, year=year, limit=ENTRY_LIMIT)
            year_contacts = roster.contact_counts(self.member_id, actor=actor, year=year)
            view = MemberView(
                detail=detail,
                links=roster.member_links(self.member_id, actor=actor),
                history=app.get_history(self.member_id, actor=actor, kind=Member),
                units=by_id(roster.tree(actor=actor, include_closed=True)),
                resident_units={
                    u["id"]: u["name"]
                    for u in roster.list_resident_units(
                        actor=actor, community_id=detail.community_id
                    )
                },
                year=year,
                totals=totals,
                entries=entries,
                star_cap=self.system.settings.star_cap,
                year_contacts=year_contacts,
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(MemberLoaded(view))

    def on_member_loaded(self, message: MemberLoaded) -> None:
        self.view = message.view
        self.show()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe(message.error, user=self._username())
        self.query_one("#member-details", Static).update(Text(text, style="bold red"))

    # -- showing ------------------------------------------------------------------------

    def show(self) -> None:
        view = self.view
        if view is None:
            return
        d = view.detail
        self.sub_title = d.name
        units = view.units
        community = units.get(d.community_id)
        status = label("status", d.status)
        if d.deregistration:
            status = t(
                "member.deregistered_as",
                on=str(d.deregistration.get("on", "")),
                cause=label("cause", d.deregistration.get("cause")),
            )
        pairs = [
            ("name", d.name if not d.erased else t("member.erased")),
            ("gender", label("gender", d.gender)),
            ("birth_date", d.birth_date or ""),
            ("phone", self.contact_field(d, "phone", d.phone)),
            ("id_number", d.id_number_masked or "—"),
            ("joined_party_on", d.joined_party_on.isoformat()),
            ("community_id", community.name if community else ""),
            ("branch_id", place_name(units, d.branch_id, None)),
            ("group_id", place_name(units, d.group_id, None) or "—"),
            ("kind", label("member_kind", d.kind)),
            (
                "resident_unit_id",
                view.resident_units.get(d.resident_unit_id, "") if d.resident_unit_id else "—",
            ),
            ("status", status),
        ]
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        for i in range(0, len(pairs), 2):
            row: list[Text] = []
            for key, value in pairs[i : i + 2]:
                row += [Text(field_label(key)), Text(value)]
            grid.add_row(*row)
        # The address is long: it gets a row of its own, as wide as the screen.
        address = Table.grid(padding=(0, 2), expand=True)
        width = max(Text(field_label(key)).cell_len for key, _ in pairs[::2])
        address.add_column(style="dim", no_wrap=True, min_width=width)
        address.add_column(ratio=1)
        address.add_row(Text(field_label("address")), Text(self.contact_field(d, "address", None)))
        self.query_one("#member-details", Static).update(Group(grid, address))
        self.show_points(view)
        self.show_links(view)
        self.show_history(view)

    def contact_field(self, d: MemberDetail, field: str, masked: str | None) -> str:
        """A contact detail as shown: in clear once asked for, else masked or hidden."""
        if d.erased:
            return ""
        if self.contact is not None:
            return self.contact.get(field) or ""
        return masked or t("member.contact_hidden")

    def show_points(self, view: MemberView) -> None:
        """This year's total and star level, and this year's latest entries."""
        title = self.query_one("#member-points-title", Static)
        title.update(t("member.points", year=view.year))
        line = self.query_one("#member-points", Static)
        table: DataTable[Text] = self.query_one("#member-entries", DataTable)
        table.clear(columns=True)
        totals = view.totals
        table.display = totals is not None
        if totals is None:
            line.update(Text(t("member.points_hidden"), style="dim"))
            return
        level = int(totals["star_level"])
        text = Text(
            t(
                "member.points_line",
                points=totals["points"],
                stars=totals["stars"],
                level=level,
                cap=view.star_cap,
            )
        )
        text.append("  " + "★" * level + "☆" * max(view.star_cap - level, 0), style="yellow")
        if totals["bottom_line"]:
            text.append(" · " + t("member.bottom_line"), style="bold red")
        entries = view.entries
        if entries is not None and entries.total > len(entries.items):
            text.append("\n" + t("member.entries", shown=len(entries.items), total=entries.total))
        line.update(text)
        for key in ("member.col.deed", "member.col.rule", "member.col.points", "member.col.stars"):
            table.add_column(t(key))
        table.add_column(t("col.who"))
        if entries is None or not entries.items:
            table.add_row(
                Text(t("member.no_entries", year=view.year), style="dim"), *[Text("")] * 4
            )
            return
        for e in entries.items:
            rule = e["rule_name_en"] if language() == "en" else e["rule_name_zh"]
            rule = rule or e["rule_code"]
            style = "strike dim" if e["reversed"] else ""
            if e["reversed"]:
                rule = f"{rule}（{t('member.entry_reversed')}）"
            table.add_row(
                Text(e["deed_on"].isoformat(), style=style),
                Text(rule, style=style),
                Text(f"{e['points']:+d}", justify="right", style=style),
                Text(str(e["stars"] or ""), justify="right", style=style),
                Text(e.get("actor") or "", style=style),
            )

    def show_links(self, view: MemberView) -> None:
        active = [link for link in view.links if link["active"]]
        self.query_one("#member-links-summary", Static).update(
            Text(
                t(
                    "member.links_summary",
                    n=len(active),
                    year=view.year,
                    count=sum(view.year_contacts.values()),
                ),
                style="dim",
            )
        )
        table: DataTable[Text] = self.query_one("#member-links", DataTable)
        current = self.selected_link()
        table.clear(columns=True)
        for key in ("col.household", "col.head", "col.since", "member.col.year_contacts"):
            table.add_column(t(key))
        table.add_column(t("col.contacts"))
        table.add_column(t("col.last_contact"))
        table.add_column(t("col.link"))
        if not view.links:
            table.add_row(Text(t("member.no_links"), style="dim"), *[Text("")] * 6)
        for link in view.links:
            where = " ".join(str(link.get(k) or "") for k in ("building", "unit", "room")).strip()
            last = link.get("last_contact_on")
            table.add_row(
                Text(where),
                Text(link.get("head_name") or ""),
                Text(link["since"].isoformat()),
                Text(str(view.year_contacts.get(link["household_id"], 0)), justify="right"),
                Text(str(link.get("contacts", 0)), justify="right"),
                Text(last.isoformat() if last else "—"),
                Text(t("member.link_active") if link["active"] else t("member.link_ended")),
                key=str(link["household_id"]),
            )
        if current is not None:
            keys = [str(link["household_id"]) for link in view.links]
            if str(current["household_id"]) in keys:
                table.move_cursor(row=keys.index(str(current["household_id"])))

    def selected_link(self) -> dict[str, Any] | None:
        """The link under the cursor of the households table."""
        view = self.view
        table: DataTable[Text] = self.query_one("#member-links", DataTable)
        if view is None or not view.links or not table.row_count:
            return None
        row = min(max(table.cursor_row, 0), table.row_count - 1)
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return next((lk for lk in view.links if str(lk["household_id"]) == key), None)

    def show_history(self, view: MemberView) -> None:
        table: DataTable[Text] = self.query_one("#member-history", DataTable)
        table.clear(columns=True)
        for key in ("col.when", "col.who", "col.what", "col.why"):
            table.add_column(t(key))
        for entry in reversed(view.history):
            table.add_row(
                Text(_when(entry.timestamp)),
                Text(entry.actor),
                Text(self.what(entry, view)),
                Text(str(entry.fields.get("reason") or "")),
            )

    @staticmethod
    def what(entry: HistoryEntry, view: MemberView) -> str:
        name = entry.event
        f = entry.fields
        title = t(f"event.{name}")
        if name in ("Member.Registered", "Member.Transferred"):
            place = place_name(view.units, f.get("branch_id"), f.get("group_id"))
            return f"{title} {t('history.into', place=place)}" if place else title
        if name == "Member.Corrected":
            fields = join(field_label(x) for x in f.get("fields") or [])
            return f"{title}{colon()}{fields}" if fields else title
        if name == "Member.Deregistered":
            return f"{title}{colon()}" + t(
                "history.cause", cause=label("cause", f.get("cause")), on=str(f.get("on", ""))
            )
        return title

    def relabel(self) -> None:
        self.show()

    # -- actions ------------------------------------------------------------------------

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
            if self.view is None or self.view.detail.status != "active":
                return None
        if action in self.ON_LINK:
            link = self.selected_link()
            if link is None or not link["active"]:
                return None
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_transfer(self) -> None:
        if self.view is None:
            return
        d = self.view.detail
        place = place_name(self.view.units, d.branch_id, d.group_id)
        self.open_transfer(d.id, d.name, place, d.branch_id, d.group_id)

    def action_correct(self) -> None:
        if self.view is not None:
            self.open_correct(self.view.detail.id, self.view.detail.name)

    def action_contact(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.app.push_screen(RevealContactScreen(d.id, d.name), self.contact_shown)

    def contact_shown(self, receipt: Receipt | None) -> None:
        if isinstance(receipt, DisclosedContact):
            self.contact = dict(receipt.fields)
            self.show()
            self.refresh_bindings()

    def action_deregister(self) -> None:
        if self.view is not None:
            self.open_deregister(self.view.detail.id, self.view.detail.name)

    # -- 3+N: links and their contact logs --

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "member-links":
            self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a linked household opens it."""
        if event.data_table.id != "member-links":
            return
        link = self.selected_link()
        if link is not None:
            from tui.screens.household import HouseholdScreen

            self.app.push_screen(HouseholdScreen(link["household_id"]))

    def action_link(self) -> None:
        if self.view is None:
            return
        d = self.view.detail
        linked = frozenset(lk["household_id"] for lk in self.view.links if lk["active"])
        screen = LinkHouseholdScreen(d.id, d.name, d.community_id, linked)
        self.app.push_screen(screen, self.after_write)

    def _on_link(self, form: type[UnlinkHouseholdScreen | LogContactScreen]) -> None:
        link = self.selected_link()
        if self.view is None or link is None:
            self.notify(t("member.select_link"))
            return
        d = self.view.detail
        name = household_name(link)
        self.app.push_screen(form(d.id, d.name, link["household_id"], name), self.after_write)

    def action_unlink(self) -> None:
        self._on_link(UnlinkHouseholdScreen)

    def action_log_contact(self) -> None:
        self._on_link(LogContactScreen)
