"""The home screen: the organization tree on the left, the selected unit's members right."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, Tree
from textual.worker import get_current_worker

from projections.roster import MemberRow, UnitNode
from tui.errors import describe
from tui.i18n import label, t
from tui.messages import CommandRefused, MembersFound, OrganizationLoaded
from tui.org import by_id, unit_text
from tui.screens.base import StaffScreen
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import TrInput
from tui.widgets.member_table import MemberTable
from tui.widgets.org_tree import OrgTree
from tui.widgets.section_bar import SectionBar

#: Rows shown at once; a search narrows further.
MEMBER_LIMIT = 500
#: Seconds of quiet in the search box before the roster is searched.
SEARCH_DELAY = 0.3
#: Seconds the tree cursor rests on a unit before its members are read.
BROWSE_DELAY = 0.1


class RosterScreen(StaffScreen):
    """The roster: browse units, search members, and act on the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "register", "Register", id="roster.register"),
        Binding("t", "transfer", "Transfer", id="roster.transfer"),
        Binding("e", "correct", "Correct", id="roster.correct"),
        Binding("d", "deregister", "Deregister", id="roster.deregister"),
        Binding("h", "households", "Households", id="roster.households"),
        Binding("slash", "focus_search", "Search", key_display="/", id="roster.search"),
        Binding("escape", "leave_search", "Leave search", show=False, id="roster.leave-search"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    WRITES = frozenset({"register", "transfer", "correct", "deregister"})
    ON_MEMBER = frozenset({"transfer", "correct", "deregister"})

    def __init__(self) -> None:
        super().__init__()
        self.unit: UnitNode | None = None
        self.roots: list[UnitNode] = []
        self.ticket = 0
        self.found: MembersFound | None = None
        self.focus_member: UUID | None = None
        #: Where the cursor goes should its member leave the list on a reload (the one
        #: after it): a deregistered member's place is taken by the next one.
        self.near_member: UUID | None = None
        self.members_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Horizontal(id="roster-body"):
            yield OrgTree(id="org-tree")
            with Vertical(id="member-pane"):
                yield Static("", id="unit-summary", markup=False)
                yield TrInput("placeholder.search", id="search", compact=True)
                yield MemberTable(id="members")
                yield Static(t("roster.loading"), id="member-status", markup=False)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one(OrgTree).focus()
        self.reload()

    # -- reading ------------------------------------------------------------------------

    def reload(self) -> None:
        self.near_member = self.next_member()
        self.load_tree()
        self.load_members_now()

    def next_member(self) -> UUID | None:
        """The member after the highlighted one (before it, at the end of the list)."""
        table = self.query_one(MemberTable)
        current = table.current_row()
        if current is None:
            return None
        rows = table.member_rows
        index = next((i for i, r in enumerate(rows) if r.id == current.id), None)
        if index is None or len(rows) < 2:
            return None
        return rows[index + 1].id if index + 1 < len(rows) else rows[index - 1].id

    def read_models_advanced(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="tree")
    def load_tree(self) -> None:
        try:
            roots = self.system.roster.tree(actor=self.principal)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(OrganizationLoaded(roots))

    def on_organization_loaded(self, message: OrganizationLoaded) -> None:
        self.roots = message.roots
        self.query_one(OrgTree).show_units(message.roots)
        if self.unit is not None:
            self.unit = by_id(message.roots).get(self.unit.id)
        self.show_summary()

    def load_members_now(self) -> None:
        if self.members_timer is not None:
            self.members_timer.stop()
            self.members_timer = None
        self.ticket += 1
        query = self.query_one("#search", Input).value
        self.load_members(self.unit, query, self.ticket)

    def load_members_soon(self, delay: float) -> None:
        if self.members_timer is not None:
            self.members_timer.stop()
        self.members_timer = self.set_timer(delay, self.load_members_now)

    @work(thread=True, exclusive=True, group="members")
    def load_members(self, unit: UnitNode | None, query: str, ticket: int) -> None:
        roster = self.system.roster
        try:
            actor = self.principal
            if unit is not None and unit.level == "subdistrict":
                # The read model searches by community; a subdistrict is its communities.
                rows: list[MemberRow] = []
                total = 0
                for community in unit.children:
                    page = roster.search_members(
                        query, actor=actor, unit_id=community.id, limit=MEMBER_LIMIT
                    )
                    rows += page.items
                    total += page.total
                rows = sorted(rows, key=lambda r: (r.name, str(r.id)))[:MEMBER_LIMIT]
            else:
                page = roster.search_members(
                    query, actor=actor, unit_id=unit.id if unit else None, limit=MEMBER_LIMIT
                )
                rows, total = page.items, page.total
            posts: list[dict[str, Any]] = []
            if unit is not None and unit.level != "subdistrict":
                posts = roster.unit(unit.id, actor=actor)["appointments"]
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(MembersFound(rows, total, posts, ticket))

    def on_members_found(self, message: MembersFound) -> None:
        if message.ticket != self.ticket:
            return
        self.found = message
        table = self.query_one(MemberTable)
        shown = {r.id for r in message.rows}
        focus = self.focus_member
        if focus not in shown:
            current = table.current_row()
            # Should the highlighted member have left (deregistered), stay near their place.
            focus = current.id if current is not None and current.id in shown else None
            focus = focus or self.near_member
        table.show_rows(message.rows, focus=focus)
        self.focus_member = self.near_member = None
        self.show_status()
        self.show_summary()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe(message.error, user=self._username())
        self.query_one("#member-status", Static).update(Text(text, style="bold red"))

    # -- what is shown ------------------------------------------------------------------

    def show_summary(self) -> None:
        unit = self.unit
        text = Text()
        if unit is None:
            members = sum(r.counts.get("members", 0) for r in self.roots)
            text.append(t("roster.all"), style="bold")
            text.append(" · " + t("roster.members", n=members))
        else:
            text.append(unit.name, style="bold")
            text.append(" · " + unit_text(unit).split(" · ", 1)[1])
        found = self.found
        if found is not None and found.posts and unit is not None:
            posts = []
            for post in found.posts:
                who = f"{label('appointment', post['role'])} {post['member_name']}"
                posts.append(f"{who}（{post['label']}）" if post.get("label") else who)
            text.append("\n" + " · ".join(posts), style="dim")
        self.query_one("#unit-summary", Static).update(text)

    def show_status(self) -> None:
        found = self.found
        status = self.query_one("#member-status", Static)
        if found is None:
            status.update(t("roster.loading"))
            return
        query = self.query_one("#search", Input).value.strip()
        if not found.rows:
            status.update(t("roster.none"))
        elif len(found.rows) < found.total:
            status.update(t("roster.count_shown", total=found.total, shown=len(found.rows)))
        elif query:
            status.update(t("roster.count_query", q=query, total=found.total))
        else:
            status.update(t("roster.count", total=found.total))

    def relabel(self) -> None:
        self.show_summary()
        self.show_status()

    # -- events --------------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[UnitNode | None]) -> None:
        self.unit = event.node.data
        self.near_member = None
        self.show_summary()
        self.load_members_soon(BROWSE_DELAY)

    @on(Input.Changed, "#search")
    def search_changed(self) -> None:
        self.near_member = None
        self.load_members_soon(SEARCH_DELAY)

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.load_members_now()
        self.query_one(MemberTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected()
        if row is not None:
            self.open_member(row.id)

    # -- actions -------------------------------------------------------------------------

    def selected(self) -> MemberRow | None:
        return self.query_one(MemberTable).current_row()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITES and not self.can_write:
            return False
        if action in self.ON_MEMBER and self.selected() is None:
            return None
        if action == "leave_search":
            return self.query_one("#search", Input).has_focus
        return True

    def open_member(self, member_id: UUID) -> None:
        from tui.screens.member import MemberScreen

        self.app.push_screen(MemberScreen(member_id))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_households(self) -> None:
        """The households of the highlighted unit (all units from the tree's root)."""
        from tui.screens.household import HouseholdsScreen

        self.app.push_screen(HouseholdsScreen(self.unit))

    def action_leave_search(self) -> None:
        """Esc in the search box clears it; Esc again goes to the list."""
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""
        elif search.has_focus:
            self.query_one(MemberTable).focus()

    def action_register(self) -> None:
        branch = group = None
        if self.unit is not None and self.unit.level == "branch":
            branch = self.unit.id
        elif self.unit is not None and self.unit.level == "group":
            branch, group = self.unit.parent_id, self.unit.id
        self.open_register(branch, group)

    def action_transfer(self) -> None:
        row = self.selected()
        if row is None:
            self.notify(t("roster.select_member"))
            return
        place = " / ".join(n for n in (row.branch_name, row.group_name) if n)
        self.open_transfer(row.id, row.name, place, row.branch_id, row.group_id)

    def action_correct(self) -> None:
        row = self.selected()
        if row is None:
            self.notify(t("roster.select_member"))
            return
        self.open_correct(row.id, row.name)

    def action_deregister(self) -> None:
        row = self.selected()
        if row is None:
            self.notify(t("roster.select_member"))
            return
        self.open_deregister(row.id, row.name)

    def after_write(self, receipt: Any) -> None:
        if receipt is None:
            return
        self.focus_member = receipt.id
        self.reload()
