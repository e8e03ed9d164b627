"""The roster at the station: the tree with counts, search, registering (and being told
what is wrong), following other stations, and what a reviewer may not do."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from textual.pilot import Pilot
from textual.widgets import Input, Select

from tests.conftest import ADMIN_PASSWORD, PASSWORD, member_draft
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
from tui.app import YimaiApp
from tui.screens.forms import RegisterMemberScreen
from tui.screens.roster import RosterScreen
from tui.widgets.member_table import MemberTable
from tui.widgets.org_tree import OrgTree


async def _select_unit(pilot: Pilot[Any], roster: RosterScreen, unit_id: UUID) -> None:
    roster.query_one(OrgTree).select_unit(unit_id)
    await until(pilot, lambda: roster.unit is not None and roster.unit.id == unit_id)
    await settle(pilot)
    await until(pilot, lambda: roster.found is not None)


def _names(roster: RosterScreen) -> list[str]:
    return [r.name for r in roster.query_one(MemberTable).member_rows]


def test_after_login_the_tree_shows_every_unit_with_its_counts(station: Station) -> None:
    org = station.org

    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            tree = roster.query_one(OrgTree)
            await until(pilot, lambda: org.branch in tree.nodes)

            assert str(tree.root.label) == "全部 · 党员 2"
            assert str(tree.nodes[org.subdistrict].label).startswith("凤城街道 · ")
            branch = str(tree.nodes[org.branch].label)
            assert branch.startswith("第一网格党支部 · ")
            assert "党员 2 / 未分组 1 / 户 0" in branch
            assert "党员 1 / 户 0" in str(tree.nodes[org.group].label)
            assert "党员 0" in str(tree.nodes[org.branch2].label)
            assert set(_names(roster)) == {"张三", "李四"}
            assert text_of(pilot, "#member-status") == "共 2 人"

            await _select_unit(pilot, roster, org.branch)
            summary = text_of(pilot, "#unit-summary")
            assert summary.startswith("第一网格党支部 · 直管型 · 党员 2 / 未分组 1 / 户 0")
            await _select_unit(pilot, roster, org.group)
            assert _names(roster) == ["张三"]
            await _select_unit(pilot, roster, org.branch2)
            assert _names(roster) == []
            assert text_of(pilot, "#member-status") == "没有符合条件的党员"
            # A subdistrict shows the members of all its communities.
            await _select_unit(pilot, roster, org.subdistrict)
            assert set(_names(roster)) == {"张三", "李四"}

            # On a wide terminal the tree has room for the kind as well.
            await pilot.resize_terminal(150, 40)
            await until(pilot, lambda: "直管型" in str(tree.nodes[org.branch].label))
            assert str(tree.nodes[org.branch].label) == (
                "第一网格党支部 · 直管型 · 党员 2 / 未分组 1 / 户 0"
            )

    run(story)


def test_searching_by_name_or_phone_filters_as_you_type(station: Station) -> None:
    async def story() -> None:
        app = YimaiApp(station.system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            await pilot.press("slash")
            assert app.focused is roster.query_one("#search", Input)
            await pilot.press(*"1390000")
            await until(pilot, lambda: _names(roster) == ["李四"])
            assert "“1390000”：1 人" in text_of(pilot, "#member-status")
            roster.query_one("#search", Input).value = "张"
            await until(pilot, lambda: _names(roster) == ["张三"])
            await pilot.press("enter")  # from the search box to the list
            assert app.focused is roster.query_one(MemberTable)

    run(story)


async def _fill_registration(pilot: Pilot[Any], form: RegisterMemberScreen, phone: str) -> None:
    form.query_one("#name", Input).value = "王五"
    form.query_one("#gender", Select).value = "female"
    form.query_one("#birth_date", Input).value = "1975-03-04"
    form.query_one("#address", Input).value = "1号楼2单元301"
    form.query_one("#joined_party_on", Input).value = "2000-07-01"
    await type_into(pilot, "#phone", phone)


def test_registering_with_a_bad_phone_names_the_phone_field_and_stores_nothing(
    station: Station,
) -> None:
    org, system = station.org, station.system

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            await _select_unit(pilot, roster, org.branch)

            await pilot.press("r")
            form = await on_screen(pilot, RegisterMemberScreen)
            await until(pilot, lambda: form.units)
            # The form starts in the unit selected in the tree.
            assert form.query_one("#branch_id", Select).value == str(org.branch)
            await _fill_registration(pilot, form, "1381234")
            before = system.app.last_position()

            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#phone-error"))
            assert text_of(pilot, "#phone-error") == "手机号码：须为11位手机号，或区号加座机号"
            assert form.query_one("#phone-field").has_class("-invalid")
            assert app.focused is form.query_one("#phone")
            assert app.screen is form
            assert system.app.last_position() == before

            # An in-service member needs the resident unit they serve in: the field
            # appears with the kind, and the domain's refusal lands next to it.
            assert not form.query_one("#resident_unit_id-field").display
            form.query_one("#kind", Select).value = "in_service"
            await pilot.pause()
            assert form.query_one("#resident_unit_id-field").display
            await type_into(pilot, "#phone", "13800001111")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#resident_unit_id-error"))
            assert text_of(pilot, "#resident_unit_id-error") == (
                "驻区单位：在职党员须选择所在的驻区单位"
            )
            assert system.app.last_position() == before
            form.query_one("#kind", Select).value = "resident"
            await pilot.pause()
            assert not form.query_one("#resident_unit_id-field").display

            # A date the UI cannot read is refused before the Application is asked.
            form.query_one("#birth_date", Input).value = "1975-13-40"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "年-月-日" in text_of(pilot, "#birth_date-error"))
            assert text_of(pilot, "#phone-error") == ""
            form.query_one("#birth_date", Input).value = "1975-03-04"

            # The domain's reason reads in Chinese in the Chinese form.
            form.query_one("#joined_party_on", Input).value = "1990-01-01"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#joined_party_on-error"))
            assert text_of(pilot, "#joined_party_on-error") == (
                "入党日期：不能早于党员年满18周岁之日"
            )
            assert system.app.last_position() == before
            form.query_one("#joined_party_on", Input).value = "2000-07-01"

            await type_into(pilot, "#phone", "13800001111")
            await pilot.press("ctrl+s")
            await on_screen(pilot, RosterScreen)
            assert system.app.last_position() > before
            await until(pilot, lambda: "王五" in _names(roster))
            table = roster.query_one(MemberTable)
            current = table.current_row()
            assert current is not None and current.name == "王五"  # the cursor is on them
            assert current.phone == "138****1111"  # masked in the list
            label = str(roster.query_one(OrgTree).nodes[org.branch].label)
            assert "党员 3 / 未分组 2" in label

    run(story)


def test_the_roster_follows_what_other_stations_record(station: Station) -> None:
    org, system = station.org, station.system

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            # Another station registers a member; this process's runner catches up.
            system.app.register_member(
                member_draft(org.branch2, name="赵六", phone="13600006666"), actor=station.admin
            )
            system.runner.catch_up()
            await until(pilot, lambda: "赵六" in _names(roster))
            tree = roster.query_one(OrgTree)
            await until(pilot, lambda: "党员 1" in str(tree.nodes[org.branch2].label))
            assert str(tree.root.label) == "全部 · 党员 3"

    run(story)


def test_a_reviewer_sees_no_write_action_and_is_refused_if_one_runs_anyway(
    station: Station,
) -> None:
    system, org = station.system, station.org
    system.app.open_account("rita", "Rita", ["reviewer"], PASSWORD, actor=station.admin)

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "rita", PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            shown = footer_descriptions(app)
            for action in ("register", "transfer", "correct", "deregister"):
                assert f"roster.{action}" not in shown
                assert roster.check_action(action, ()) is False
            assert "roster.search" in shown and "staff.account" in shown
            # A stray `q` does not quit the station (ctrl+q does; the account menu logs out).
            assert "roster.quit" not in shown
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running and app.screen is roster
            await pilot.press("r")
            await pilot.pause(0.2)
            assert app.screen is roster

            # Should a form open anyway, the Application's refusal shows inline.
            before = system.app.last_position()
            form = RegisterMemberScreen(org.branch)
            app.push_screen(form)
            await until(pilot, lambda: form.is_mounted and form.units)
            for name, value in (
                ("name", "王五"),
                ("birth_date", "1975-03-04"),
                ("phone", "13800001111"),
                ("address", "1号楼"),
                ("joined_party_on", "2000-07-01"),
            ):
                form.query_one(f"#{name}", Input).value = value
            form.query_one("#gender", Select).value = "male"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "无权" in text_of(pilot, "#form-error"))
            assert "rita" in text_of(pilot, "#form-error")
            assert system.app.last_position() == before

    run(story)
