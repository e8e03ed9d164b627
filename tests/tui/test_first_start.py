"""First start: an empty database offers the demo community or the first admin account;
then a person logs in (or fails to, and is told why)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Button, Input, ProgressBar

from projections.system import System
from tests.conftest import ADMIN_PASSWORD, make_system
from tests.tui.support import log_in, on_screen, run, text_of, type_into, until
from tui.app import YimaiApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.login import LoginScreen
from tui.screens.setup import SetupScreen

#: A small demo keeps the test quick.
SMALL_DEMO = {"members": 10, "households": 10, "requests": 10}


@pytest.fixture
def empty_system(sqlite_url: str) -> Iterator[System]:
    s = make_system(sqlite_url)
    yield s
    s.shutdown()


def test_an_empty_database_offers_the_demo_and_loading_it_leads_to_login(
    empty_system: System,
) -> None:
    async def story() -> None:
        app = YimaiApp(empty_system, demo_options=SMALL_DEMO)
        async with app.run_test(size=(100, 32)) as pilot:
            setup = await on_screen(pilot, SetupScreen)
            assert "演示社区" in str(setup.query_one("#load-demo", Button).label)
            assert app.focused is setup.query_one("#load-demo")

            await pilot.press("enter")
            # The progress bar shows while loading (a small demo may already be done).
            await until(pilot, lambda: setup.query_one(ProgressBar).display or setup.demo_accounts)
            await until(pilot, lambda: setup.demo_accounts)
            shown = text_of(pilot, "#demo-result")
            assert "demo-clerk" in shown and "demo-reviewer" in shown
            assert "密码都是 demo" in shown
            assert empty_system.is_initialized()
            # …with its signing key, so that the log gets signed checkpoints.
            assert empty_system.seal.public_key_pem().startswith("-----BEGIN PUBLIC KEY")
            # The demo is loaded: neither it nor the admin form can be started again.
            assert setup.check_action("load_demo", ()) is False
            assert setup.check_action("create_admin", ()) is False

            await pilot.press("enter")  # "continue to log in" has the focus
            login = await on_screen(pilot, LoginScreen)
            assert login.query_one("#username", Input).value == "demo-clerk"
            assert "demo-supervisor" in text_of(pilot, "#login-demo")
            assert app.focused is login.query_one("#password")
            await pilot.press(*"demo", "enter")
            # Home is the dashboard, and it counts the demo's members.
            dashboard = await on_screen(pilot, DashboardScreen)
            await until(pilot, lambda: dashboard.snapshot is not None)
            assert dashboard.snapshot is not None and dashboard.snapshot.counts["members"] > 0

    run(story)


def test_the_first_admin_is_created_with_the_password_typed_twice(empty_system: System) -> None:
    async def story() -> None:
        app = YimaiApp(empty_system)
        async with app.run_test(size=(100, 32)) as pilot:
            setup = await on_screen(pilot, SetupScreen)

            def fill(password: str, again: str) -> None:
                setup.query_one("#password", Input).value = password
                setup.query_one("#password2", Input).value = again

            await type_into(pilot, "#username", "chief")
            fill("long-pass", "long-pasz")
            setup.query_one("#password2", Input).focus()
            await pilot.press("enter")  # Enter on the last field creates the account
            assert "两次输入的密码不一致" in text_of(pilot, "#password2-error")
            assert not empty_system.is_initialized()

            fill("ab", "ab")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "至少 4 个字符" in text_of(pilot, "#password-error"))
            assert not empty_system.is_initialized()

            fill("long-pass", "long-pass")
            await pilot.press("ctrl+s")
            login = await on_screen(pilot, LoginScreen)
            assert login.query_one("#username", Input).value == "chief"
            await pilot.press(*"long-pass", "enter")
            await on_screen(pilot, DashboardScreen)
            assert app.principal is not None and app.principal.username == "chief"

    run(story)


def test_a_wrong_password_is_refused_inline_and_the_password_cleared(
    sqlite_system: System,
) -> None:
    async def story() -> None:
        app = YimaiApp(sqlite_system)
        async with app.run_test(size=(100, 32)) as pilot:
            login = await on_screen(pilot, LoginScreen)
            await type_into(pilot, "#username", "admin")
            await type_into(pilot, "#password", "not-the-password")
            await pilot.press("enter")
            await until(pilot, lambda: "用户名或密码错误" in text_of(pilot, "#login-error"))
            assert isinstance(app.screen, LoginScreen)
            assert login.query_one("#password", Input).value == ""
            assert app.focused is login.query_one("#password")
            assert app.principal is None

            await type_into(pilot, "#password", ADMIN_PASSWORD)
            await pilot.press("enter")
            await on_screen(pilot, DashboardScreen)

    run(story)


def test_repeated_failures_are_throttled_with_the_wait_shown(sqlite_system: System) -> None:
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017  (AuthenticationError; its type is not the point)
            sqlite_system.app.authenticate("admin", "wrong")

    async def story() -> None:
        app = YimaiApp(sqlite_system, lang="en")
        async with app.run_test(size=(100, 32)) as pilot:
            await on_screen(pilot, LoginScreen)
            await type_into(pilot, "#username", "admin")
            await type_into(pilot, "#password", ADMIN_PASSWORD)
            await pilot.press("enter")
            await until(pilot, lambda: "Too many failed logins" in text_of(pilot, "#login-error"))
            assert isinstance(app.screen, LoginScreen)

    run(story)


def test_a_logged_in_person_can_log_out_back_to_the_login(sqlite_system: System) -> None:
    async def story() -> None:
        app = YimaiApp(sqlite_system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            await pilot.press("a")
            await until(pilot, lambda: app.screen.query("#account-menu"))
            await pilot.press("o")
            login = await on_screen(pilot, LoginScreen)
            assert app.principal is None
            assert login.query_one("#username", Input).value == "admin"
            assert len(app.screen_stack) == 2  # the gate and the login
            assert app.current_mode == "gate"
            # Every section closed with the session: logging in again opens fresh ones.
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            assert len(app.screen_stack) == 1

    run(story)
