"""Households at the station: registered from the roster (a bad phone named inline),
opened, their contact shown only with a reason (recorded), corrected and closed with a
reason; a member linked to one (3+N), contacts logged, the link ended; the member screen
shows the link with its contact counts and the member's points and stars."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from domain.access import Principal
from projections.system import System
from tests.conftest import ADMIN_PASSWORD, household_draft
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
from tui.screens.forms import RevealContactScreen
from tui.screens.household import HouseholdScreen, HouseholdsScreen, HouseholdTable
from tui.screens.household_forms import (
    CloseHouseholdScreen,
    CorrectHouseholdScreen,
    LinkHouseholdScreen,
    LogContactScreen,
    RegisterHouseholdScreen,
    UnlinkHouseholdScreen,
)
from tui.screens.member import MemberScreen
from tui.screens.roster import RosterScreen
from tui.widgets.member_table import MemberTable
from tui.widgets.org_tree import OrgTree


def _rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _households_of(pilot: Pilot[Any], roster: RosterScreen, unit: UUID) -> HouseholdsScreen:
    """Highlight a unit in the tree and open its households with `h`."""
    roster.query_one(OrgTree).select_unit(unit)
    await until(pilot, lambda: roster.unit is not None and roster.unit.id == unit)
    await pilot.press("h")
    screen = await on_screen(pilot, HouseholdsScreen)
    await until(pilot, lambda: screen.found is not None)
    return screen


def _open_households(system: System, actor: Principal, unit: UUID) -> list[dict[str, Any]]:
    return system.roster.list_households(actor=actor, unit_id=unit).items


def test_a_household_is_registered_shown_revealed_with_a_reason_and_corrected(
    station: Station,
) -> None:
    system, org, admin = station.system, station.org, station.admin

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            households = await _households_of(pilot, roster, org.group)
            assert text_of(pilot, "#households-summary") == "住户 · 1号楼党小组"
            assert text_of(pilot, "#households-status") == "没有符合条件的住户"

            # Register in the group's branch and group; a bad phone is named inline.
            await pilot.press("r")
            form = await on_screen(pilot, RegisterHouseholdScreen)
            await until(pilot, lambda: form.units)
            assert form.query_one("#branch_id", Select).value == str(org.branch)
            assert form.query_one("#group_id", Select).value == str(org.group)
            await type_into(pilot, "#building", "1号楼")
            await type_into(pilot, "#unit", "2单元")
            await type_into(pilot, "#room", "301")
            await type_into(pilot, "#head_name", "王大妈")
            await type_into(pilot, "#head_phone", "12345")
            await type_into(pilot, "#size", "3")
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#head_phone-error"))
            assert text_of(pilot, "#head_phone-error") == (
                "户主电话：须为11位手机号，或区号加座机号"
            )
            assert app.focused is form.query_one("#head_phone", Input)
            assert system.app.last_position() == before
            await type_into(pilot, "#head_phone", "13700001234")
            await pilot.press("ctrl+s")
            await on_screen(pilot, HouseholdsScreen)
            (stored,) = _open_households(system, admin, org.group)
            assert (stored["building"], stored["head_name"], stored["size"]) == (
                "1号楼",
                "王大妈",
                3,
            )
            table = households.query_one(HouseholdTable)
            await until(pilot, lambda: table.row_count == 1)
            row = _rows(table)[0]
            assert row[:4] == ["1号楼", "王大妈", "137****1234", "3"]
            assert "2单元" not in " ".join(row)  # unit and room withheld
            assert text_of(pilot, "#households-status") == "共 1 户"

            # The search narrows by head, phone or building.
            await pilot.press("slash")
            await pilot.press(*"李")
            await until(pilot, lambda: table.row_count == 0)
            await pilot.press("escape")  # clears the search
            await until(pilot, lambda: table.row_count == 1)
            await pilot.press("escape")  # to the list
            assert app.focused is table

            # Open it: the phone masked, unit and room hidden until asked for with a reason.
            await pilot.press("enter")
            detail = await on_screen(pilot, HouseholdScreen)
            await until(pilot, lambda: detail.view is not None)
            details = text_of(pilot, "#household-details")
            for expected in ("1号楼", "王大妈", "137****1234", "已隐藏（查看联系方式）", "在住"):
                assert expected in details
            assert "13700001234" not in details and "301" not in details
            await pilot.press("c")
            reveal = await on_screen(pilot, RevealContactScreen)
            assert "住户：1号楼 王大妈" in text_of(pilot, ".dialog-hint")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "原因：必填"
            reveal.query_one("#reason", Input).value = "通知老人参加义诊"
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await on_screen(pilot, HouseholdScreen)
            await until(pilot, lambda: "13700001234" in text_of(pilot, "#household-details"))
            assert "2单元" in text_of(pilot, "#household-details")
            assert "查看联系方式" not in footer_descriptions(app).values()
            (shown,) = system.privacy.disclosures(
                actor=admin, subject_id=stored["id"], min_position=before + 1
            ).items
            assert (shown["viewer"], shown["reason"]) == ("admin", "通知老人参加义诊")

            # Correct the size, with the reason; the history says what and why.
            await pilot.press("e")
            correct = await on_screen(pilot, CorrectHouseholdScreen)
            await until(pilot, lambda: correct.detail is not None)
            assert correct.query_one("#head_name", Input).value == "王大妈"
            assert correct.query_one("#room", Input).value == ""  # withheld: blank keeps
            await type_into(pilot, "#size", "x")
            correct.query_one("#reason", Input).value = "新添一口人"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#size-error"))
            assert text_of(pilot, "#size-error") == "户人口：须为不小于 1 的整数"
            await type_into(pilot, "#size", "4")
            await pilot.press("ctrl+s")
            await on_screen(pilot, HouseholdScreen)
            assert system.app.get_household(stored["id"], actor=admin).size == 4
            history: DataTable[Any] = detail.query_one("#household-history", DataTable)
            await until(pilot, lambda: history.row_count == 2)
            assert _rows(history)[0][1:] == ["admin", "信息更正：户人口", "新添一口人"]
            assert "13700001234" not in text_of(pilot, "#household-details")  # masked again
            await settle(pilot)

    run(story)


def test_a_member_links_a_household_logs_contacts_and_the_member_screen_counts_them(
    station: Station,
) -> None:
    system, org, admin = station.system, station.org, station.admin
    app_ = system.app
    today = app_.today()
    home = app_.register_household(household_draft(org.branch, head_name="赵奶奶"), actor=admin).id
    app_.register_household(household_draft(org.branch2, head_name="钱大爷"), actor=admin)
    app_.award_points(station.zhang, "party_day", today, note="主题党日", actor=admin)
    app_.award_points(station.zhang, "study", today, note="学习", actor=admin)
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 40)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            members = roster.query_one(MemberTable)
            members.focus()
            members.move_cursor(row=members.get_row_index(str(station.zhang)))
            await pilot.press("enter")
            member = await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: member.view is not None)

            # Points and stars of this year, and the latest entries.
            points = text_of(pilot, "#member-points")
            assert "合计 5 分 · 获星 1 颗 · 星级 1/12" in points
            assert f"积分与星级（{today.year}年）" in text_of(pilot, "#member-points-title")
            entries: DataTable[Any] = member.query_one("#member-entries", DataTable)
            assert {r[1] for r in _rows(entries)} == {"主题党日", "学习教育"}
            assert "联系中 0 户" in text_of(pilot, "#member-links-summary")
            assert member.check_action("log_contact", ()) is None  # no link to log on

            # Link a household: found by typing, only the member's community offered.
            await pilot.press("l")
            link = await on_screen(pilot, LinkHouseholdScreen)
            choices = link.query_one("#household_id", Select)
            await until(pilot, lambda: len(link.rows) == 2)
            await type_into(pilot, "#q", "赵")
            await until(pilot, lambda: list(link.rows) == [str(home)])
            assert choices.value == str(home)  # the only one: chosen
            await pilot.press("ctrl+s")
            await on_screen(pilot, MemberScreen)
            (linked,) = system.roster.member_links(station.zhang, actor=admin)
            assert (linked["household_id"], linked["active"]) == (home, True)
            links: DataTable[Any] = member.query_one("#member-links", DataTable)
            await until(pilot, lambda: _rows(links)[0][1] == "赵奶奶")

            # Log two contacts: one by phone with a note, one visit; a future day refused.
            for channel, note in (("phone", "提醒按时服药"), ("visit", "")):
                links.focus()
                await pilot.press("n")
                log = await on_screen(pilot, LogContactScreen)
                assert "党员：张三 · 住户：1号楼 赵奶奶" in text_of(pilot, ".dialog-hint")
                log.query_one("#channel", Select).value = channel
                if note:
                    await type_into(pilot, "#note", note)
                    await type_into(pilot, "#on", "2999-01-01")
                    await pilot.press("ctrl+s")
                    await until(pilot, lambda: text_of(pilot, "#on-error"))
                    assert text_of(pilot, "#on-error") == "联系日期：不能晚于今天"
                    await type_into(pilot, "#on", "")
                await pilot.press("ctrl+s")
                await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: _rows(links)[0][3:5] == ["2", "2"])
            assert _rows(links)[0][5] == today.isoformat()
            assert f"联系中 1 户 · {today.year}年联系 2 次" in text_of(
                pilot, "#member-links-summary"
            )
            log_entries = system.roster.contact_log(actor=admin, member_id=station.zhang)
            assert sorted(e["channel"] for e in log_entries) == ["phone", "visit"]
            noted = next(e for e in log_entries if e["channel"] == "phone")
            assert app_.open_note(home, noted["note_sealed"]) == "提醒按时服药"

            # Enter opens the household: its linked members, and its contact log naming them.
            links.focus()
            await pilot.press("enter")
            household = await on_screen(pilot, HouseholdScreen)
            await until(pilot, lambda: household.view is not None)
            linked_members: DataTable[Any] = household.query_one("#household-links", DataTable)
            day = today.isoformat()
            assert _rows(linked_members) == [["张三", day, "2", day, "联系中"]]
            (stored,) = system.roster.household_links(home, actor=admin)
            assert (stored["member_id"], stored["contacts"]) == (station.zhang, 2)
            contacts: DataTable[Any] = household.query_one("#household-contacts", DataTable)
            assert {(r[1], r[2], r[3]) for r in _rows(contacts)} == {
                ("张三", "电话", "提醒按时服药"),
                ("张三", "走访", ""),
            }
            # Enter on a linked member opens them; Esc comes back.
            assert app.focused is linked_members
            await pilot.press("enter")
            again = await on_screen(pilot, MemberScreen)
            assert again is not member and again.member_id == station.zhang
            await pilot.press("escape")
            await on_screen(pilot, HouseholdScreen)
            await pilot.press("escape")
            await on_screen(pilot, MemberScreen)

            # Unlink: the reason is the confirmation.
            links.focus()
            await pilot.press("u")
            unlink = await on_screen(pilot, UnlinkHouseholdScreen)
            before = app_.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert app_.last_position() == before
            unlink.query_one("#reason", Input).value = "联系人调整"
            await pilot.press("ctrl+s")
            await on_screen(pilot, MemberScreen)
            assert not system.roster.member_links(station.zhang, actor=admin)[0]["active"]
            await until(pilot, lambda: _rows(links)[0][6] == "已解除")
            assert member.check_action("log_contact", ()) is None  # the link has ended
            await settle(pilot)

    run(story)


def test_closing_a_household_asks_a_reason_in_english_at_80_by_24(station: Station) -> None:
    system, org, admin = station.system, station.org, station.admin
    home = system.app.register_household(household_draft(org.branch), actor=admin).id
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            assert "Households" in footer_descriptions(app).values()
            households = await _households_of(pilot, roster, org.branch)
            table = households.query_one(HouseholdTable)
            await until(pilot, lambda: table.row_count == 1)
            assert text_of(pilot, "#households-status") == "1 households"
            table.focus()
            await pilot.press("enter")
            detail = await on_screen(pilot, HouseholdScreen)
            await until(pilot, lambda: detail.view is not None)
            assert "Living here" in text_of(pilot, "#household-details")
            linked: DataTable[Any] = detail.query_one("#household-links", DataTable)
            assert _rows(linked)[0][0] == "No member is linked to this household"
            assert system.roster.household_links(home, actor=admin) == []
            assert "Moved out" in footer_descriptions(app).values()

            await pilot.press("x")
            close = await on_screen(pilot, CloseHouseholdScreen)
            assert "A household moved out" in text_of(pilot, ".dialog-title")
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "Reason: is required"
            assert system.app.last_position() == before
            # The form fits: its save button is on the screen.
            save = close.query_one("#save")
            assert save.region.bottom <= 24 and save.region.width > 0
            close.query_one("#reason", Input).value = "moved to another city"
            await pilot.press("ctrl+s")
            await on_screen(pilot, HouseholdScreen)
            assert system.app.get_household(home, actor=admin).status == "closed"
            await until(pilot, lambda: "Moved out" in text_of(pilot, "#household-details"))
            assert detail.check_action("close", ()) is None  # dimmed: nothing left to close
            history: DataTable[Any] = detail.query_one("#household-history", DataTable)
            assert _rows(history)[0][1:] == ["admin", "Moved out", "moved to another city"]

            await pilot.press("escape")
            await on_screen(pilot, HouseholdsScreen)
            await until(pilot, lambda: table.row_count == 0)
            assert not _open_households(system, admin, org.branch)
            await settle(pilot)

    run(story)
