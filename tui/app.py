"""The Yimai terminal app: one System injected; setup and login, then the sections.

Each section (tui.sections) is a Textual mode with its own screen stack, added at
login for the sections the user's roles may see and removed at logout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial
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
from tui import i18n, when
from tui.commands import YimaiCommands
from tui.i18n import join, label, t
from tui.messages import DatabaseChecked, ReadModelsAdvanced
from tui.sections import SECTIONS, Section, available
from tui.widgets.localized import localize_bindings, relabel_tree

#: Seconds to gather read-model news before screens reload (a busy log sends many).
REFRESH_DELAY = 0.2


class GateScreen(Screen[None]):
    """Under setup and login: what shows while the database is opened."""

    def compose(self) -> ComposeResult:
        yield Static(t("app.opening"), id="opening")


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
        *(
            Binding(
                s.key,
                f"section('{s.name}')",
                s.name,
                show=False,
                id=f"app.section-{s.name}",
            )
            for s in SECTIONS
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
        when.set_zone(system.settings.tzinfo)
        super().__init__()
        self.system = system
        self.principal: Principal | None = None
        self.demo_options = dict(demo_options or {})
        self._refresh_timer: Timer | None = None
        self._stop_listening: Callable[[], None] | None = None
        #: How many times the read models were seen to advance; a screen that comes
        #: back into view behind this number reloads (see StaffScreen).
        self.read_models_generation = 0
        self.sections: list[Section] = []

    def on_mount(self) -> None:
        localize_bindings(self)
        self.title = t("app.title")
        # The way in (opening, setup, login) is a mode of its own, so logging out can
        # go back to it once the sections' modes are closed.
        self.add_mode("gate", GateScreen)
        self.switch_mode("gate")
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
        """Screens in view reload now; the others when they come back (StaffScreen)."""
        self._refresh_timer = None
        if self.principal is None:
            return
        self.read_models_generation += 1
        for screen in self.screen_stack:
            hook = getattr(screen, "read_models_advanced", None)
            if callable(hook):
                screen.seen_generation = self.read_models_generation  # type: ignore[attr-defined]
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
        """Open the sections the user may see and go to the first (their home)."""
        self.principal = principal
        self.show_user()
        self.sections = available(principal)
        for section in self.sections:
            self.add_mode(section.name, section.load())
        if self.sections:
            self.switch_mode(self.sections[0].name)
        else:  # an account with no reading right at all: nothing to show
            self.principal = None
            self.show_user()
            self.notify(t("app.no_sections"), severity="error")

    async def log_out(self) -> None:
        """Close every section (their screens and what they held) and show the login."""
        from tui.screens.login import LoginScreen

        user = self.principal.username if self.principal else ""
        self.principal = None
        self.show_user()
        await self.switch_mode("gate")
        for section in self.sections:
            await self.remove_mode(section.name)
        self.sections = []
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(LoginScreen(username=user))
        self.notify(t("app.logged_out"))

    # -- sections ----------------------------------------------------------------------------

    def action_section(self, name: str) -> None:
        """Open a section (where the user left it)."""
        if any(s.name == name for s in self.sections):
            self.switch_mode(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "section":
            name = str(parameters[0]) if parameters else ""
            return any(s.name == name for s in self.sections)
        return True

    async def go_to(self, name: str) -> None:
        """Open a section at its base screen (closing what was opened over it)."""
        if not any(s.name == name for s in self.sections):
            return
        await self.switch_mode(name)
        while len(self.screen_stack) > 1:
            await self.pop_screen()

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
        for screen in self.screen_stack:  # the current section's; others on their return
            relabel_tree(screen)
            screen.refresh_bindings()
            if hasattr(screen, "shown_language"):
                screen.shown_language = lang

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
        if self.principal is not None:
            for section in self.sections:
                if section.name != self.current_mode or len(self.screen_stack) > 1:
                    yield f"section.{section.name}", partial(self.go_to, section.name)
            yield "account", self.open_account
            yield "password", self.open_password
            yield "logout", self.log_out
        yield "language", self.action_toggle_language
        yield "help", self.action_help
        yield "quit", self.exit

    def open_account(self) -> None:
        from tui.screens.account import AccountScreen

        self.push_screen(AccountScreen())

    def open_password(self) -> None:
        from tui.screens.account import ChangePasswordScreen

        self.push_screen(ChangePasswordScreen())
