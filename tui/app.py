"""The Yimai terminal app: one System injected, screens for setup, login and the roster."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, cast

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from domain.access import Permission, Principal
from projections.system import System
from tui import i18n
from tui.commands import YimaiCommands
from tui.i18n import join, label, t
from tui.messages import DatabaseChecked, ReadModelsAdvanced
from tui.widgets.localized import localize_bindings, relabel_tree

#: Seconds to gather read-model news before screens reload (a busy log sends many).
REFRESH_DELAY = 0.2


class YimaiApp(App[None]):
    """The service station's roster, keyboard first, in Chinese or English.

    `system` is the one place the app reaches the Application and the read models;
    every call to it runs in a thread worker.
    """

    CSS_PATH = "yimai.tcss"
    TITLE = "Yimai"
    COMMANDS: ClassVar[set[Any]] = {YimaiCommands}
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012  (Textual declares it an instance list)
        (0, "-narrow"),
        (100, "-normal"),
        (140, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("f1", "help", "Help", id="app.help-f1"),
        Binding("f2", "toggle_language", "English", show=False, id="app.language"),
        Binding(
            "ctrl+p", "command_palette", "Commands", id="app.palette", priority=True, show=False
        ),
    ]

    def __init__(
        self,
        system: System,
        *,
        lang: str | None = None,
        demo_options: dict[str, Any] | None = None,
    ) -> None:
        """`demo_options` go to cli.demo.load_demo (seed, members, households)."""
        i18n.set_language(lang or system.settings.lang)
        super().__init__()
        self.system = system
        self.principal: Principal | None = None
        self.demo_options = dict(demo_options or {})
        self._refresh_timer: Timer | None = None
        self._stop_listening: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(t("app.opening"), id="opening")

    def on_mount(self) -> None:
        localize_bindings(self)
        self.title = t("app.title")
        if self._stop_listening is None:
            self._stop_listening = self.system.runner.on_applied(self._events_applied)
        self.check_database()

    def on_unmount(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    # -- following the read models ---------------------------------------------------------

    def _events_applied(self, count: int) -> None:
        """Called by the runner from whichever thread caught up; post_message is thread-safe."""
        if not self.is_running:
            return
        with contextlib.suppress(RuntimeError):  # the event loop closed as we exited
            self.post_message(ReadModelsAdvanced(count))

    def on_read_models_advanced(self, message: ReadModelsAdvanced) -> None:
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(REFRESH_DELAY, self._tell_screens)

    def _tell_screens(self) -> None:
        self._refresh_timer = None
        if self.principal is None:
            return
        for screen in self.screen_stack:
            hook = getattr(screen, "read_models_advanced", None)
            if callable(hook):
                hook()

    # -- start, login, logout ---------------------------------------------------------------

    @work(thread=True, exclusive=True, group="startup")
    def check_database(self) -> None:
        self.post_message(DatabaseChecked(self.system.is_initialized()))

    def on_database_checked(self, message: DatabaseChecked) -> None:
        from tui.screens.login import LoginScreen
        from tui.screens.setup import SetupScreen

        self.push_screen(LoginScreen() if message.initialized else SetupScreen())

    def logged_in(self, principal: Principal) -> None:
        from tui.screens.roster import RosterScreen

        self.principal = principal
        self.show_user()
        self.switch_screen(RosterScreen())

    async def log_out(self) -> None:
        from tui.screens.login import LoginScreen

        user = self.principal.username if self.principal else ""
        self.principal = None
        self.show_user()
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(LoginScreen(username=user))
        self.notify(t("app.logged_out"))

    def show_user(self) -> None:
        p = self.principal
        if p is None:
            self.sub_title = ""
            return
        roles = join(label("role", r) for r in sorted(p.roles))
        if not p.can(Permission.ROSTER_WRITE):
            roles = t("app.read_only", roles=roles)
        self.sub_title = t("app.user", user=p.username, roles=roles)

    # -- language ------------------------------------------------------------------------------

    def set_language(self, lang: str) -> None:
        """Switch every label, binding and message to `lang` at once."""
        i18n.set_language(lang)
        self.title = t("app.title")
        self.show_user()
        localize_bindings(self)
        for screen in self.screen_stack:
            relabel_tree(screen)
            screen.refresh_bindings()

    def action_toggle_language(self) -> None:
        self.set_language(i18n.other_language())

    # -- help and the palette ------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=t("palette.placeholder"))
            )

    def global_commands(self, screen: Screen[Any]) -> Iterator[tuple[str, Callable[[], Any]]]:
        """Commands that reach other screens, offered by the palette from anywhere."""
        from tui.screens.roster import RosterScreen

        if self.principal is not None:
            if not isinstance(screen, RosterScreen):
                yield "roster", self.go_to_roster
            yield "account", self.open_account
            yield "password", self.open_password
            yield "logout", self.log_out
        yield "language", self.action_toggle_language
        yield "help", self.action_help
        yield "quit", self.exit

    async def go_to_roster(self) -> None:
        from tui.screens.roster import RosterScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, RosterScreen):
            await self.pop_screen()

    def open_account(self) -> None:
        from tui.screens.account import AccountScreen

        self.push_screen(AccountScreen())

    def open_password(self) -> None:
        from tui.screens.account import ChangePasswordScreen

        self.push_screen(ChangePasswordScreen())
