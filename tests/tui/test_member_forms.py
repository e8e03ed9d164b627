"""A member's life at the station: opened, transferred, corrected, deregistered; each
form refuses inline what the domain refuses, and the roster shows each change at once."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from projections.roster import MemberRow
from tests.conftest import ADMIN_PASSWORD, member_draft
from tests.tui.conftest import Station
from tests.tui.support import (
    footer_descriptions,
    log_in,
    on_screen,
    run,
    settle,
    text_of,
    until,
)
from tui.app import YimaiApp
from tui.screens.forms import (
    CorrectMemberScreen,
    DeregisterMemberScreen,
    RevealContactScreen,
    TransferMemberScreen,
)
from tui.screens.member import MemberScreen
from tui.screens.roster import RosterScreen
from tui.widgets.member_table import MemberTable


def _row_of(roster: RosterScreen, member_id: UUID) -> MemberRow | None:
    return roster.query_one(MemberTable).by_id.get(str(member_id))


async def _put_cursor_on(pilot: Pilot[Any], roster: RosterScreen, member_id: UUID) -> None:
    table = roster.query_one(MemberTable)
    await until(pilot, lambda: str(member_id) in table.by_id)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(member_id)))
    await pilot.pause()
    current = table.current_row()
    assert current is not None and current.id == member_id


def test_transfer_then_correct_then_deregister_from_the_roster(station: Station) -> None:
    system, org = station.system, station.org
    # 丁一 sorts before 张三, and 李四 after: the list reads 丁一, 张三, 李四.
    system.app.register_member(
        member_draft(org.branch, name="丁一", phone="13700007777"), actor=station.admin
    )
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            await _put_cursor_on(pilot, roster, station.zhang)

            # Transfer 张三 to the second branch.
            await pilot.press("t")
            transfer = await on_screen(pilot, TransferMemberScreen)
            await until(pilot, lambda: transfer.units)
            assert transfer.query_one("#branch_id", Select).value == str(org.branch)
            assert transfer.query_one("#group_id", Select).value == str(org.group)
            assert "第一网格党支部 / 1号楼党小组" in text_of(pilot, ".dialog-hint")
            transfer.query_one("#branch_id", Select).value = str(org.branch2)
            await pilot.pause()
            assert transfer.query_one("#group_id", Select).value is Select.NULL
            before = system.app.last_position()
            await pilot.press("ctrl+s")  # no reason given
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "原因：必填"
            assert system.app.last_position() == before
            transfer.query_one("#reason", Input).value = "搬到西片区居住"
            await pilot.press("ctrl+s")
            await on_screen(pilot, RosterScreen)
            assert (
                system.app.get_member(station.zhang, actor=station.admin).branch_id == org.branch2
            )
            row = _row_of(roster, station.zhang)
            assert row is not None and row.branch_name == "第二网格党支部"

            # Correct the phone; a correction that changes nothing is refused inline.
            await _put_cursor_on(pilot, roster, station.zhang)
            await pilot.press("e")
            correct = await on_screen(pilot, CorrectMemberScreen)
            await until(pilot, lambda: correct.detail is not None)
            # Contact details are not shown in the form: blank keeps them.
            assert correct.query_one("#phone", Input).value == ""
            assert "138****5678" in correct.query_one("#phone", Input).placeholder
            assert "110105********002X" in correct.query_one("#id_number", Input).placeholder
            correct.query_one("#reason", Input).value = "核对信息"
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#form-error"))
            assert text_of(pilot, "#form-error") == "这次更正没有改变任何内容"
            assert system.app.last_position() == before
            correct.query_one("#phone", Input).value = "13900002222"
            correct.query_one("#reason", Input).value = "居民更换手机号码"
            await pilot.press("ctrl+s")
            await on_screen(pilot, RosterScreen)
            detail = system.app.get_member(station.zhang, actor=station.admin)
            assert detail.phone == "139****2222"
            history = system.app.get_history(station.zhang, actor=station.admin)
            assert history[-1].event == "Member.Corrected"
            assert history[-1].fields["fields"] == ["phone"]
            await until(
                pilot, lambda: getattr(_row_of(roster, station.zhang), "phone", "") == "139****2222"
            )

            # Deregister: the member leaves the roster's list.
            await _put_cursor_on(pilot, roster, station.zhang)
            await pilot.press("d")
            deregister = await on_screen(pilot, DeregisterMemberScreen)
            deregister.query_one("#cause", Select).value = "moved"
            deregister.query_one("#reason", Input).value = "迁往外地"
            # Not dated before the member was registered (today) or joined the party.
            deregister.query_one("#on", Input).value = "2000-01-01"
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#on-error"))
            assert text_of(pilot, "#on-error") == "日期：不能早于登记入册的日期"
            deregister.query_one("#on", Input).value = "1990-01-01"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "入党日期" in text_of(pilot, "#on-error"))
            assert text_of(pilot, "#on-error") == "日期：不能早于入党日期"
            assert system.app.last_position() == before
            assert app.screen is deregister
            deregister.query_one("#on", Input).value = ""  # blank: today
            await pilot.press("ctrl+s")
            await on_screen(pilot, RosterScreen)
            assert system.app.get_member(station.zhang, actor=station.admin).status == (
                "deregistered"
            )
            await until(pilot, lambda: _row_of(roster, station.zhang) is None)
            # The cursor stays where 张三 was: on the next member, not back at the top.
            current = roster.query_one(MemberTable).current_row()
            assert current is not None and current.name == "李四"

    run(story)


def test_the_member_screen_shows_details_households_and_who_did_what_why(
    station: Station,
) -> None:
    system, org = station.system, station.org
    system.app.transfer_member(station.li, org.branch2, "搬家", actor=station.admin)
    year = system.app.today().year
    last_year = date(year - 1, 11, 12)
    system.app.award_points(station.li, "study", last_year, note="党课", actor=station.admin)
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            await _put_cursor_on(pilot, roster, station.li)
            await pilot.press("enter")
            member = await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: member.view is not None)
            details = text_of(pilot, "#member-details")
            for expected in ("李四", "女", "1970-01-02", "139****1111", "第二网格党支部", "在册"):
                assert expected in details
            assert "13900001111" not in details and "1号楼1单元101" not in details
            links: DataTable[object] = member.query_one("#member-links", DataTable)
            assert "尚未联系任何居民户" in str(links.get_row_at(0)[0])
            history: DataTable[object] = member.query_one("#member-history", DataTable)
            rows = [[str(c) for c in history.get_row_at(i)] for i in range(history.row_count)]
            assert rows[0][1:] == ["admin", "组织关系转接 到 第二网格党支部", "搬家"]
            assert rows[1][1:3] == ["admin", "登记入册 到 第一网格党支部"]

            # The points block is of this year: its total and its entries (last year's
            # entry is not listed under this year's heading).
            entries: DataTable[object] = member.query_one("#member-entries", DataTable)
            assert text_of(pilot, "#member-points-title") == f"积分与星级（{year}年）"
            assert "合计 0 分" in text_of(pilot, "#member-points")
            assert str(entries.get_row_at(0)[0]) == f"{year}年暂无积分记录"
            assert entries.row_count == 1
            # Another station awards this year's: it shows, and last year's still does not.
            today = system.app.today()
            system.app.award_points(station.li, "study", today, note="学习", actor=station.admin)
            system.runner.catch_up()
            await until(pilot, lambda: "合计 2 分" in text_of(pilot, "#member-points"))
            await until(pilot, lambda: str(entries.get_row_at(0)[0]) == today.isoformat())
            assert entries.row_count == 1
            assert system.points.ledger(station.li, actor=station.admin).total == 2

            # Writes from the detail screen show there at once.
            await pilot.press("e")
            correct = await on_screen(pilot, CorrectMemberScreen)
            await until(pilot, lambda: correct.detail is not None)
            correct.query_one("#address", Input).value = "2号楼1单元202"
            correct.query_one("#reason", Input).value = "门牌登记错误"
            await pilot.press("ctrl+s")
            await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: history.row_count == 3)
            assert str(history.get_row_at(0)[2]) == "信息更正：住址"
            assert "2号楼1单元202" not in text_of(pilot, "#member-details")  # still hidden

            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)
            await settle(pilot)

    run(story)


def test_contact_details_show_only_when_asked_for_with_a_reason_and_it_is_recorded(
    station: Station,
) -> None:
    system = station.system

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD)
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            row = _row_of(roster, station.li)
            assert row is not None and row.phone == "139****1111"  # the list: masked
            await _put_cursor_on(pilot, roster, station.li)
            await pilot.press("enter")
            member = await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: member.view is not None)
            details = text_of(pilot, "#member-details")
            assert "139****1111" in details and "已隐藏（查看联系方式）" in details
            assert "查看联系方式" in footer_descriptions(app).values()

            # 查看联系方式: a reason is asked for; none given, nothing is shown or recorded.
            await pilot.press("c")
            form = await on_screen(pilot, RevealContactScreen)
            assert "每次查看都记录" in text_of(pilot, ".dialog-hint:last-of-type")
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "原因：必填"
            assert system.app.last_position() == before
            form.query_one("#reason", Input).value = "电话通知参加主题党日"
            await pilot.press("ctrl+s")
            await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: "13900001111" in text_of(pilot, "#member-details"))
            assert "1号楼1单元101" in text_of(pilot, "#member-details")
            assert "查看联系方式" not in footer_descriptions(app).values()  # shown already

            (shown,) = system.privacy.disclosures(
                actor=station.admin, subject_id=station.li, min_position=before + 1
            ).items
            assert (shown["viewer"], shown["reason"]) == ("admin", "电话通知参加主题党日")

            # Back and in again: masked once more.
            await pilot.press("escape")
            await on_screen(pilot, RosterScreen)
            await _put_cursor_on(pilot, roster, station.li)
            await pilot.press("enter")
            member = await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: member.view is not None)
            assert "13900001111" not in text_of(pilot, "#member-details")
            await settle(pilot)

    run(story)


def test_a_reviewer_is_not_offered_the_contact(station: Station) -> None:
    system = station.system
    system.app.open_account("audit", "纪检", ["reviewer"], "pass-1234", actor=station.admin)

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 32)) as pilot:
            await log_in(pilot, "audit", "pass-1234")
            roster = app.screen
            assert isinstance(roster, RosterScreen)
            await _put_cursor_on(pilot, roster, station.li)
            await pilot.press("enter")
            member = await on_screen(pilot, MemberScreen)
            await until(pilot, lambda: member.view is not None)
            assert "查看联系方式" not in footer_descriptions(app).values()
            before = system.app.last_position()
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, MemberScreen)
            assert system.app.last_position() == before
            await settle(pilot)

    run(story)
