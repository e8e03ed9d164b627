"""Driving the real app with Textual's Pilot, from plain (sync) pytest tests.

pytest-asyncio is not a dependency: each test runs its story with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from tui import i18n
from tui.app import YimaiApp

S = TypeVar("S", bound=Screen[Any])


def run(story: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run one async story to its end (and put the language back for the next test)."""
    try:
        asyncio.run(story())
    finally:
        i18n.set_language("zh")


async def until(pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 15) -> None:
    """Let the app work (workers, messages, timers) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.05)


async def on_screen(pilot: Pilot[Any], kind: type[S]) -> S:
    """Wait for a screen of `kind` on top and return it."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind) and pilot.app.screen.is_mounted)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and the messages they posted land."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.05)


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus an input and type, key by key, as a person would."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    await pilot.press(*text)


def text_of(pilot: Pilot[Any], selector: str) -> str:
    """The plain text a Static shows (a Rich table's cells separated by spaces)."""
    content = pilot.app.screen.query_one(selector, Static).content
    if isinstance(content, str | Text):
        return str(content)
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


async def log_in(
    pilot: Pilot[Any], username: str, password: str, section: str | None = "roster"
) -> None:
    """Log in from the login screen, then open `section` by its key (None: stay home).

    For the roster, wait until it shows its members.
    """
    from tui.screens.login import LoginScreen
    from tui.screens.roster import RosterScreen
    from tui.sections import BY_NAME

    app = pilot.app
    assert isinstance(app, YimaiApp)
    login = await on_screen(pilot, LoginScreen)
    login.query_one("#username", Input).value = username
    login.query_one("#password", Input).value = password
    login.query_one("#password", Input).focus()
    await pilot.press("enter")
    await until(pilot, lambda: app.principal is not None and app.current_mode != "gate")
    await settle(pilot)
    if section is not None and app.current_mode != section:
        await pilot.press(BY_NAME[section].key)
        await until(pilot, lambda: app.current_mode == section)
    if section == "roster":
        roster = await on_screen(pilot, RosterScreen)
        await until(pilot, lambda: roster.found is not None)
    await settle(pilot)


def footer_descriptions(app: YimaiApp) -> dict[str, str]:
    """Binding id -> description, for the bindings the footer shows now."""
    return {
        ab.binding.id or ab.binding.action: ab.binding.description
        for ab in app.screen.active_bindings.values()
        if ab.binding.show
    }
