"""The members of the selected unit, one row each; Enter opens the member."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from projections.roster import MemberRow
from tui.i18n import label, t
from tui.widgets.localized import localize_bindings

COLUMNS = (
    ("name", "col.name"),
    ("gender", "col.gender"),
    ("phone", "col.phone"),
    ("group", "col.group"),
    ("branch", "col.branch"),
    ("kind", "col.kind"),
    ("joined", "col.joined"),
    ("households", "col.households"),
)


class MemberTable(DataTable[Text]):
    """Rows of MemberRow, keyed by member id; the cursor survives reloads."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="roster.open")
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.member_rows: list[MemberRow] = []
        self.by_id: dict[str, MemberRow] = {}

    def on_mount(self) -> None:
        localize_bindings(self)
        self._add_columns()

    def _add_columns(self) -> None:
        for key, title in COLUMNS:
            self.add_column(t(title), key=key)

    @staticmethod
    def cells(row: MemberRow) -> list[Text]:
        return [
            Text(row.name),
            Text(label("gender", row.gender)),
            Text(row.phone or ""),
            Text(row.group_name or "—", style="" if row.group_name else "dim"),
            Text(row.branch_name),
            Text(label("member_kind", row.kind)),
            Text(row.joined_party_on.isoformat()),
            Text(str(row.households_linked), justify="right"),
        ]

    def show_rows(self, rows: list[MemberRow], focus: UUID | None = None) -> None:
        """Show rows; keep the cursor on the same member (or move it to `focus`)."""
        current = self.current_row()
        keep = str(focus) if focus else (str(current.id) if current else None)
        self.member_rows = rows
        self.by_id = {str(r.id): r for r in rows}
        self.clear()
        for row in rows:
            self.add_row(*self.cells(row), key=str(row.id))
        if keep and keep in self.by_id:
            self.move_cursor(row=self.get_row_index(keep))

    def current_row(self) -> MemberRow | None:
        if not self.row_count:
            return None
        row = min(max(self.cursor_row, 0), self.row_count - 1)
        key = self.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return self.by_id.get(key or "")

    def relabel(self) -> None:
        current = self.current_row()
        self.clear(columns=True)
        self._add_columns()
        self.show_rows(self.member_rows, focus=current.id if current else None)
