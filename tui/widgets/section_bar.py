"""The top line of every section: the sections with their keys, and who is logged in."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from tui.i18n import t
from tui.sections import available

if TYPE_CHECKING:
    from tui.app import YimaiApp


class SectionBar(Horizontal):
    """`一脉  1 工作台  2 受理 …   admin（管理员）`: the current section stands out.

    Each section is a link (a click opens it); the digits open them from the keyboard.
    """

    DEFAULT_CSS = """
    SectionBar {
        height: 1;
        background: $panel;
    }
    SectionBar #section-tabs {
        width: 1fr;
        height: 1;
    }
    SectionBar #section-user {
        width: auto;
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, section: str | None = None) -> None:
        """`section` defaults to the mode (section) the screen is shown in."""
        super().__init__()
        self.section = section or self.app.current_mode

    def compose(self) -> ComposeResult:
        yield Static(id="section-tabs")
        yield Static(id="section-user", markup=False)

    def on_mount(self) -> None:
        self.relabel()

    def relabel(self) -> None:
        """Every section always shows; who is logged in shows where there is room."""
        app = cast("YimaiApp", self.app)
        width = self.size.width or self.app.size.width
        user = app.sub_title
        sections = available(app.principal)
        title = Content.styled(" " + t("app.short_title") + " ", "bold $accent")
        tabs = Content("")
        for spaced in (True, False):
            parts = [title]
            for section in sections:
                name = t(f"section.{section.name}")
                text = f" {section.key} {name} " if spaced else f" {section.key}{name}"
                style = "reverse bold " if section.name == self.section else ""
                markup = f"[{style}@click=app.section('{section.name}')]$text[/]"
                parts.append(Content.from_markup(markup, text=text))
            tabs = Content("").join(parts)
            if tabs.cell_length + Content(user).cell_length + 2 <= width:
                break
        show_user = tabs.cell_length + Content(user).cell_length + 2 <= width
        self.query_one("#section-tabs", Static).update(tabs)
        user_box = self.query_one("#section-user", Static)
        user_box.update(user)
        user_box.display = show_user

    def on_resize(self) -> None:
        self.relabel()
