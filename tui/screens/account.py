"""The account menu: change password, switch language, log out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button

from domain.dto import Receipt
from domain.errors import InvalidInputError
from tui.i18n import join, label
from tui.messages import CommandDone, PasswordChanged
from tui.screens.base import FormScreen, YimaiModal
from tui.widgets.field import Field
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrButton, TrInput


class AccountScreen(YimaiModal[None]):
    """Who is logged in, and what they can do about their own session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "password", "Password", id="account.password"),
        Binding("l", "language", "Language", id="account.language"),
        Binding("o", "log_out", "Log out", id="account.logout"),
        Binding("escape", "close", "Close", id="account.close"),
    ]

    def roles(self) -> str:
        principal = self.yimai.principal
        return join(label("role", r) for r in sorted(principal.roles)) if principal else ""

    def compose(self) -> ComposeResult:
        principal = self.yimai.principal
        user = principal.username if principal else ""
        with Vertical(classes="dialog menu", id="account-menu"):
            yield Tr("account.title", user=user, classes="dialog-title")
            yield Tr("account.roles", roles=self.roles(), id="account-roles", classes="dialog-hint")
            yield TrButton("account.password", id="password", compact=True)
            yield TrButton("account.language", id="language", compact=True)
            yield TrButton("account.logout", id="logout", compact=True)
            yield TrButton("account.close", id="close", compact=True)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#password").focus()

    def relabel(self) -> None:
        self.query_one("#account-roles", Tr).show("account.roles", roles=self.roles())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions: dict[str, Callable[[], object]] = {
            "password": self.action_password,
            "language": self.action_language,
            "logout": self.action_log_out,
            "close": self.action_close,
        }
        action = actions.get(event.button.id or "")
        if action:
            action()

    def action_password(self) -> None:
        self.app.push_screen(ChangePasswordScreen())

    def action_language(self) -> None:
        self.yimai.action_toggle_language()

    def action_log_out(self) -> None:
        self.app.call_later(self.yimai.log_out)

    def action_close(self) -> None:
        self.dismiss(None)


class ChangePasswordScreen(FormScreen):
    """Change one's own password, knowing the current one."""

    TITLE_KEY = "form.password.title"

    def compose_fields(self) -> Iterator[Widget]:
        yield Field("old_password", TrInput(id="old_password", password=True, compact=True))
        yield Field(
            "password",
            TrInput(id="password", password=True, compact=True),
            label_key="field.new_password",
        )
        yield Field("password2", TrInput(id="password2", password=True, compact=True))

    def on_mount(self) -> None:
        self.query_one("#old_password").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        old, new = self.value("old_password"), self.value("password")
        if new != self.value("password2"):
            raise InvalidInputError("password2", "the passwords differ")
        app, actor = self.system.app, self.principal
        return (lambda: app.change_own_password(old, new, actor=actor)), PasswordChanged

    def on_password_changed(self, message: PasswordChanged) -> None:
        self.finish(message.receipt, "done.password")
