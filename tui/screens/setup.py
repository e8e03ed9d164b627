"""First start on an empty database: load the demo community, or create the admin."""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Header, Input, ProgressBar, Static

from domain.errors import InvalidInputError, RuleViolationError
from tui.errors import describe
from tui.i18n import label, t
from tui.messages import AdminCreated, CommandRefused, DemoFailed, DemoLoaded, DemoProgressed
from tui.screens.base import YimaiScreen
from tui.widgets.field import Field
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrButton, TrInput

log = logging.getLogger(__name__)


class SetupScreen(YimaiScreen):
    """The database is empty: offer the demo community or the first admin account."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "load_demo", "Load demo", id="setup.demo"),
        Binding("ctrl+s", "create_admin", "Create admin", id="setup.admin"),
        Binding("f2", "app.toggle_language", "English", id="screen.language"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.demo_accounts: dict[str, str] = {}
        self.admin_user = ""
        self.done = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="setup"):
            yield Tr("setup.intro", id="setup-intro")
            with Horizontal(id="setup-panes"):
                with Vertical(id="demo-pane", classes="panel"):
                    yield Tr("setup.demo.title", classes="panel-title")
                    yield Tr("setup.demo.body", classes="panel-body")
                    yield TrButton("setup.demo.load", id="load-demo", variant="primary")
                    yield ProgressBar(id="demo-progress", show_eta=False)
                    yield Static("", id="demo-result", markup=False)
                    yield TrButton("setup.to_login", id="to-login", variant="success")
                with Vertical(id="admin-pane", classes="panel"):
                    yield Tr("setup.admin.title", classes="panel-title")
                    yield Tr("setup.admin.body", classes="panel-body")
                    yield Field("username", TrInput(id="username", compact=True))
                    yield Field("password", TrInput(id="password", password=True, compact=True))
                    yield Field("password2", TrInput(id="password2", password=True, compact=True))
                    yield Static("", id="admin-error", classes="form-error", markup=False)
                    yield TrButton("setup.admin.create", id="create-admin")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#demo-progress").display = False
        self.query_one("#demo-result").display = False
        self.query_one("#to-login").display = False
        self.query_one("#load-demo").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("load_demo", "create_admin"):
            return not (self.done or self.demo_accounts) and (None if self.busy else True)
        return True

    def say(self, text: str | Text) -> None:
        """Show a line of news under the demo button."""
        result = self.query_one("#demo-result", Static)
        result.update(text)
        result.display = bool(text)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#load-demo", Button).disabled = busy
        self.query_one("#create-admin", Button).disabled = busy
        self.refresh_bindings()

    # -- the demo -----------------------------------------------------------------------

    def action_load_demo(self) -> None:
        if self.busy or self.demo_accounts or self.done:
            return
        self.set_busy(True)
        self.query_one("#demo-progress", ProgressBar).display = True
        self.say(t("setup.demo.loading"))
        self.load_demo()

    @work(thread=True, exclusive=True, group="setup")
    def load_demo(self) -> None:
        from cli.demo import load_demo

        def progress(done: int, total: int) -> None:
            self.post_message(DemoProgressed(done, total))

        if self.system.is_initialized():  # another station got there first
            error = RuleViolationError("demo_not_empty", "the database has data")
            self.post_message(DemoFailed(error, initialized=True))
            return
        try:
            accounts = load_demo(self.system, progress=progress, **self.yimai.demo_options)
        except Exception as error:  # a demo that stops part-way must still say why
            log.exception("the demo did not load")
            self.post_message(DemoFailed(error, self.system.is_initialized()))
            return
        self.post_message(DemoLoaded(accounts))

    def on_demo_progressed(self, message: DemoProgressed) -> None:
        self.query_one("#demo-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_demo_loaded(self, message: DemoLoaded) -> None:
        self.set_busy(False)
        self.demo_accounts = message.accounts
        self.query_one("#demo-progress").display = False
        self.query_one("#load-demo").display = False
        self.show_accounts()
        button = self.query_one("#to-login", Button)
        button.display = True
        button.focus()

    def on_demo_failed(self, message: DemoFailed) -> None:
        self.query_one("#demo-progress").display = False
        self.say(Text(describe(message.error), style="bold red"))
        if message.initialized:
            # Accounts exist now: the admin form no longer applies; logging in does.
            self.done = True
            self.query_one("#load-demo").display = False
            self.query_one("#admin-pane").display = False
            button = self.query_one("#to-login", Button)
            button.display = True
            button.focus()
        self.set_busy(False)

    def show_accounts(self) -> None:
        from cli.demo import DEMO_PASSWORD

        text = Text(t("setup.demo.loaded", password=DEMO_PASSWORD) + "\n", style="bold")
        for user, role in self.demo_accounts.items():
            text.append(f"  {user:<16} ", style="bold")
            text.append(label("role", role) + "\n")
        self.say(text)

    # -- the first admin --------------------------------------------------------------

    def action_create_admin(self) -> None:
        if self.busy or self.demo_accounts or self.done:
            return
        for field in self.query(Field):
            field.clear_error()
        self.query_one("#admin-error", Static).remove_class("-shown")
        user = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if password != self.query_one("#password2", Input).value:
            self.show_admin_error(InvalidInputError("password2", "the passwords differ"))
            return
        self.set_busy(True)
        self.admin_user = user
        self.create_admin(user, password)

    @work(thread=True, exclusive=True, group="setup")
    def create_admin(self, user: str, password: str) -> None:
        try:
            receipt = self.system.initialize(user, password)
            self.system.runner.wait_for(receipt.position)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(AdminCreated(receipt))

    def on_admin_created(self, message: AdminCreated) -> None:
        self.done = True
        self.set_busy(False)
        self.notify(t("setup.admin.created", user=self.admin_user))
        self.go_to_login(self.admin_user)

    def on_command_refused(self, message: CommandRefused) -> None:
        self.set_busy(False)
        self.show_admin_error(message.error)

    def show_admin_error(self, error: BaseException) -> None:
        text = describe(error)
        name = getattr(error, "field", None)
        fields = self.query(f"#{name}-field") if name else None
        if fields:
            field = fields.first(Field)
            field.show_error(text)
            field.widget.focus()
        else:
            box = self.query_one("#admin-error", Static)
            box.update(text)
            box.add_class("-shown")

    # -- moving on -----------------------------------------------------------------------

    def go_to_login(self, username: str = "") -> None:
        from tui.screens.login import LoginScreen

        self.app.switch_screen(LoginScreen(username=username, demo=self.demo_accounts))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "load-demo":
            self.action_load_demo()
        elif event.button.id == "create-admin":
            self.action_create_admin()
        elif event.button.id == "to-login":
            from cli.demo import DEMO_ACCOUNTS

            if not self.demo_accounts:  # the demo stopped part-way; its accounts exist
                self.demo_accounts = {u: role for u, (role, _) in DEMO_ACCOUNTS.items()}
            self.go_to_login("demo-clerk")

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "password2":
            self.action_create_admin()
        else:
            self.focus_next()

    def relabel(self) -> None:
        if self.demo_accounts:
            self.show_accounts()
