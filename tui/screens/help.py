"""The help screen: the keys of the screen it was opened over."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable

from tui.commands import key_actions
from tui.i18n import t
from tui.screens.base import YimaiModal
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr


class HelpScreen(YimaiModal[None]):
    """Lists every described key of the screen below, in the current language."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark,f1", "close", "Close", show=False, id="help.close-keys"),
    ]

    def __init__(self, source: Screen[Any]) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Tr("help.title", classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Tr("help.footer", classes="dialog-hint")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.show()
        self.query_one("#help-keys").focus()

    def show(self) -> None:
        table: DataTable[Text] = self.query_one("#help-keys", DataTable)
        table.clear(columns=True)
        table.add_column(t("help.key"), key="key")
        table.add_column(t("help.action"), key="action")
        for action in key_actions(self.source):
            style = "" if action.enabled else "dim"
            table.add_row(Text(action.key, style="bold " + style), Text(action.title, style=style))
        table.add_row(Text("tab / shift+tab", style="bold"), Text(t("help.focus")))

    def relabel(self) -> None:
        self.show()

    def action_close(self) -> None:
        self.dismiss(None)
