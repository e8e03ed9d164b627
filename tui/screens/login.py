"""Log in with a user name and password."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Button, Header, Input, Static

from tui.errors import describe
from tui.i18n import label, t
from tui.messages import LoggedIn, LoginRefused
from tui.screens.base import YimaiScreen
from tui.widgets.field import Field
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrButton, TrInput


class LoginScreen(YimaiScreen):
    """User name and password; a refusal shows under the form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "log_in", "Log in", id="login.submit"),
        Binding("f2", "app.toggle_language", "English", id="screen.language"),
    ]

    def __init__(self, username: str = "", demo: dict[str, str] | None = None) -> None:
        super().__init__()
        self.username = username
        self.demo = demo or {}
        self.busy = False
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(id="login-center"):
            with Vertical(id="login", classes="panel"):
                yield Tr("login.welcome", classes="panel-title")
                yield Field("username", TrInput(id="username", value=self.username, compact=True))
                yield Field("password", TrInput(id="password", password=True, compact=True))
                yield Static("", id="login-error", classes="form-error", markup=False)
                yield TrButton("login.submit", id="log-in", variant="primary", compact=True)
                yield Tr("login.language_hint", classes="dialog-hint")
            yield Static("", id="login-demo", markup=False)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.show_demo()
        self.query_one("#password" if self.username else "#username").focus()

    def show_demo(self) -> None:
        box = self.query_one("#login-demo", Static)
        if not self.demo:
            box.display = False
            return
        from cli.demo import DEMO_PASSWORD

        text = Text(t("login.demo", password=DEMO_PASSWORD) + "\n", style="bold")
        for user, role in self.demo.items():
            text.append(f"  {user:<16} ", style="bold")
            text.append(label("role", role) + "\n")
        box.update(text)

    def relabel(self) -> None:
        self.show_demo()
        if self.error is not None:
            self.query_one("#login-error", Static).update(describe(self.error))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "username":
            self.query_one("#password").focus()
        else:
            self.action_log_in()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_log_in()

    def action_log_in(self) -> None:
        if self.busy:
            return
        self.busy = True
        error = self.query_one("#login-error", Static)
        error.update(t("login.checking"))
        error.add_class("-shown")
        username = self.query_one("#username", Input).value
        password = self.query_one("#password", Input).value
        self.authenticate(username, password)

    @work(thread=True, exclusive=True, group="login")
    def authenticate(self, username: str, password: str) -> None:
        try:
            principal = self.system.app.authenticate(username, password)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(LoginRefused(error))
            return
        self.post_message(LoggedIn(principal))

    def on_login_refused(self, message: LoginRefused) -> None:
        self.busy = False
        self.error = message.error
        error = self.query_one("#login-error", Static)
        error.update(describe(message.error))
        error.add_class("-shown")
        password = self.query_one("#password", Input)
        password.value = ""
        username = self.query_one("#username", Input)
        (password if username.value.strip() else username).focus()

    def on_logged_in(self, message: LoggedIn) -> None:
        self.busy = False
        self.yimai.logged_in(message.principal)
