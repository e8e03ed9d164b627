"""Keyboard first, in two languages: the language switch relabels everything at once;
`?` lists the keys; the command palette reaches every action; 80×24 is enough."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.widgets import Button, DataTable, Input, Select

from tests.conftest import ADMIN_PASSWORD
from tests.tui.conftest import Station
from tests.tui.support import (
    footer_descriptions,
    log_in,
    on_screen,
    run,
    settle,
    text_of,
    type_into,
    until,
)
from tui import i18n
from tui.app import YimaiApp
from tui.screens.account import AccountScreen, ChangePasswordScreen
from tui.screens.forms import RegisterMemberScreen
from tui.screens.help import HelpScreen
from tui.screens.login import LoginScreen
from tui.screens.member import MemberScreen
from tui.screens.roster import RosterScreen
from tui.widgets.member_table import MemberTable
from tui.widgets.org_tree import OrgTree


def test_switching_the_language_changes_every_label_at_once(station: Station) -> None:
    org = station.org

    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            table = roster.query_one(MemberTable)
            tree = roster.query_one(OrgTree)
            assert footer_descriptions(app)["roster.register"] == "登记"
            assert str(table.columns[next(iter(table.columns))].label) == "姓名"
            assert roster.query_one("#search", Input).placeholder.startswith("搜索")

            await pilot.press("a")
            menu = await on_screen(pilot, AccountScreen)
            assert str(menu.query_one("#language", Button).label) == "切换为 English"
            await pilot.press("l")
            assert i18n.language() == "en"
            assert str(menu.query_one("#language", Button).label) == "Switch to 中文"
            assert "Admin" in text_of(pilot, "#account-roles")
            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)

            assert app.title == "Yimai · service ledger"
            assert footer_descriptions(app)["roster.register"] == "Register"
            assert footer_descriptions(app)["app.help"] == "Help"
            assert str(table.columns[next(iter(table.columns))].label) == "Name"
            assert roster.query_one("#search", Input).placeholder.startswith("Search name")
            assert str(tree.root.label) == "All units · members 2"
            assert str(tree.nodes[org.branch].label).startswith("第一网格党支部 · members 2")
            roster.query_one(OrgTree).select_unit(org.branch)
            await until(pilot, lambda: "Direct" in text_of(pilot, "#unit-summary"))
            assert text_of(pilot, "#unit-summary").startswith(
                "第一网格党支部 · Direct · members 2 / no group 1 / households 0"
            )
            await settle(pilot)
            assert text_of(pilot, "#member-status") == "2 members"
            row = table.current_row()
            assert row is not None
            assert str(table.get_row(str(row.id))[1]) in ("Male", "Female")

            # A form opened now speaks English too, and so do its errors.
            await pilot.press("r")
            form = await on_screen(pilot, RegisterMemberScreen)
            await until(pilot, lambda: form.units)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#name-error"))
            assert text_of(pilot, "#name-error") == "Name: is required"
            assert str(form.query_one("#save", Button).label) == "Save"
            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)

            await pilot.press("f2")  # back to Chinese from anywhere
            assert footer_descriptions(app)["roster.register"] == "登记"
            assert str(tree.root.label) == "全部 · 党员 2"

    run(story)


def test_the_language_comes_from_the_settings_and_can_be_overridden(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system, lang="en")
        async with app.run_test(size=(100, 32)) as pilot:
            login = await on_screen(pilot, LoginScreen)
            assert str(login.query_one("#log-in", Button).label) == "Log in"
            assert footer_descriptions(app)["screen.language"] == "中文"
            await pilot.press("f2")
            assert str(login.query_one("#log-in", Button).label) == "登录"

    run(story)


def test_question_mark_lists_the_keys_of_the_screen(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            await pilot.press("question_mark")
            help_screen = await on_screen(pilot, HelpScreen)
            keys: DataTable[object] = help_screen.query_one("#help-keys", DataTable)
            rows = {
                str(keys.get_row_at(i)[0]): str(keys.get_row_at(i)[1])
                for i in range(keys.row_count)
            }
            for key, title in (("r", "登记"), ("t", "转接"), ("e", "更正"), ("d", "注销")):
                assert rows[key] == title
            assert rows["/"] == "搜索" and rows["a"] == "账号" and rows["^q"] == "退出"
            assert rows["?"] == "帮助" and rows["^p"] == "命令"
            # The sections this account may open, by their digits.
            assert (rows["1"], rows["5"], rows["7"]) == ("工作台", "名册", "审计")
            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)

            # In a form, F1 lists the form's keys (the inputs take "?" as text).
            await pilot.press("r")
            await on_screen(pilot, RegisterMemberScreen)
            await pilot.press("f1")
            help_screen = await on_screen(pilot, HelpScreen)
            keys = help_screen.query_one("#help-keys", DataTable)
            titles = {str(keys.get_row_at(i)[1]) for i in range(keys.row_count)}
            assert {"保存", "取消"} <= titles
            assert "登记" not in titles

    run(story)


def test_the_command_palette_reaches_actions_and_screens(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            await pilot.press("ctrl+p")
            palette = await on_screen(pilot, CommandPalette)
            await pilot.press(*"regis")  # English words find Chinese commands too
            await until(pilot, lambda: "登记" in _offered(palette))
            await pilot.press("enter")
            await on_screen(pilot, RegisterMemberScreen)
            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)

            await pilot.press("ctrl+p")
            palette = await on_screen(pilot, CommandPalette)
            palette.query_one(Input).value = "修改密码"
            await until(pilot, lambda: "修改密码" in _offered(palette))
            await pilot.press("enter")
            await on_screen(pilot, ChangePasswordScreen)

    run(story)


def _offered(palette: CommandPalette) -> str:
    """The commands the palette offers now, as text."""
    commands = palette.query_one(CommandList)
    return " | ".join(
        str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)
    )


def test_every_screen_works_in_80_by_24(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            assert roster.has_class("-narrow")
            tree = roster.query_one(OrgTree)
            # Narrow: each unit keeps at least its member count in the tree.
            assert str(tree.nodes[station.org.branch].label).startswith("第一网格党支部 · 党员 2")
            assert "直管型" in text_of(pilot, "#unit-summary") or roster.unit is None

            await pilot.press("r")
            form = await on_screen(pilot, RegisterMemberScreen)
            await until(pilot, lambda: form.units)
            save = form.query_one("#save", Button)
            assert save.region.bottom <= 24 and save.region.right <= 80
            await pilot.press("ctrl+s")  # every field's error at once would not fit; one shows
            await until(pilot, lambda: text_of(pilot, "#name-error"))
            assert save.region.bottom <= 24
            form.query_one("#gender", Select).value = "male"
            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)

            table = roster.query_one(MemberTable)
            table.focus()
            await pilot.press("enter")
            member = await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: member.view is not None)
            await pilot.press("escape")
            await pilot.press("a")
            await on_screen(pilot, AccountScreen)
            await pilot.press("p")
            await on_screen(pilot, ChangePasswordScreen)
            await pilot.press("escape", "escape")
            await pilot.press("question_mark")
            await on_screen(pilot, HelpScreen)
            await pilot.press("escape")
            await settle(pilot)

    run(story)


def test_changing_ones_own_password(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            await pilot.press("a")
            await on_screen(pilot, AccountScreen)
            await pilot.press("p")
            form = await on_screen(pilot, ChangePasswordScreen)
            form.query_one("#old_password", Input).value = "not-it"
            form.query_one("#password", Input).value = "new-secret"
            form.query_one("#password2", Input).value = "new-secret"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#old_password-error"))
            assert text_of(pilot, "#old_password-error") == "当前密码：不正确"
            # Editing the refused field takes its error away; the others stay as they were.
            await type_into(pilot, "#old_password", ADMIN_PASSWORD)
            await until(pilot, lambda: not text_of(pilot, "#old_password-error"))
            await pilot.press("ctrl+s")
            await on_screen(pilot, AccountScreen)
        station.system.app.authenticate("admin", "new-secret")

    run(story)


def test_an_open_menu_says_how_to_close_it_in_the_chosen_language(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            await pilot.press("r")
            form = await on_screen(pilot, RegisterMemberScreen)
            form.query_one("#gender").focus()
            await pilot.press("enter")  # the menu opens
            await until(pilot, lambda: "dismiss" in footer_descriptions(app))
            assert footer_descriptions(app)["dismiss"] == "收起"

    run(story)
