"""The request board pages through more requests than one read holds, filters and
searches them, follows other stations without a key press; the supervision queue is a
supervisor's, and a clerk does not see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from textual.pilot import Pilot

from domain.dto import RequestDraft
from tests.conftest import ADMIN_PASSWORD, PASSWORD
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
from tui.screens.board import BoardScreen, PickScreen, SupervisionScreen
from tui.screens.request import RequestScreen
from tui.widgets.virtual_table import PAGE_SIZE, VirtualTable


def _place(station: Station, n: int, **overrides: Any) -> list[UUID]:
    app, org, admin = station.system.app, station.org, station.admin
    ids = []
    for i in range(n):
        values: dict[str, Any] = dict(
            channel="walk_in",
            category="environment",
            description=f"第{i}件：楼道卫生",
            community_id=org.community,
            requester_kind="anonymous",
            branch_id=org.branch,
        )
        values.update(overrides)
        ids.append(app.place_request(RequestDraft(**values), actor=admin).id)
    station.system.runner.catch_up()
    return ids


def text_of_line(table: VirtualTable, y: int) -> str:
    """The text of one rendered line of the table (0 is the header)."""
    return "".join(segment.text for segment in table.render_line(y))


def _code(station: Station, request_id: UUID) -> str:
    return station.system.app.get_request(request_id, actor=station.admin).receipt_code


async def _board(pilot: Pilot[Any], total: int) -> tuple[BoardScreen, VirtualTable]:
    board = await on_screen(pilot, BoardScreen)
    table = board.table
    await until(pilot, lambda: table.total == total and table.ready)
    return board, table


def test_the_board_pages_filters_searches_and_follows(station: Station) -> None:
    system, org, admin = station.system, station.org, station.admin
    system.app.link_account_member("admin", station.zhang, "本人是党员", actor=admin)
    first = _place(station, PAGE_SIZE + 30)  # more than one read
    care = _place(station, 3, category="care", branch_id=org.branch2, description="助老：送餐")
    system.app.classify_request(care[0], actor=admin)
    system.app.claim_request(care[0], actor=admin)  # 张三's, through the linked account
    system.runner.catch_up()
    total = len(first) + len(care)

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 30)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD, section="board")
            board, table = await _board(pilot, total)
            assert app.focused is table
            assert text_of(pilot, "#board-count") == f"第 1 / {total} 件"
            newest = table.current_row()
            assert newest is not None and newest["id"] == care[-1]
            assert table.loaded_rows() == PAGE_SIZE  # one read, not all of them

            # Paging: page down, then the end (the oldest request), then back home.
            await pilot.press("pagedown")
            body = table.size.height - 1  # under the header
            assert table.cursor == body and table.scroll_y == body
            await pilot.press("end")
            await until(pilot, lambda: table.ready and table.current_row() is not None)
            last = table.current_row()
            assert last is not None and last["id"] == first[0]
            assert table.cursor == total - 1 and 1 in table.blocks
            assert text_of(pilot, "#board-count") == f"第 {total} / {total} 件"
            await pilot.press("home")
            assert table.cursor == 0

            # Filter by category with the picker, by place, then "mine".
            await pilot.press("c")
            await on_screen(pilot, PickScreen)
            await pilot.press(
                "down", "down", "down", "down", "enter"
            )  # 全部, 环境, 物业, 纠纷, 助老
            board, table = await _board(pilot, 3)
            assert board.category == "care"
            assert "类别 助老助残" in text_of(pilot, "#board-filters")
            row = table.current_row()
            assert row is not None and row["category"] == "care"
            await pilot.press("m")
            await until(pilot, lambda: table.total == 1 and table.ready)
            row = table.current_row()
            assert row is not None and row["id"] == care[0] and row["claimant_name"] == "张三"
            await pilot.press("x")
            await until(pilot, lambda: table.total == total and table.ready)
            board.place = str(org.branch2)
            board.reload_rows()
            await until(pilot, lambda: table.total == 3 and table.ready)
            await pilot.press("x")
            await until(pilot, lambda: table.total == total and table.ready)

            # Search by a receipt code, then by text.
            code = _code(station, first[7])
            await pilot.press("slash", *code.lower())
            await until(pilot, lambda: table.total == 1 and table.ready)
            row = table.current_row()
            assert row is not None and row["receipt_code"] == code
            await pilot.press("escape")  # clears the search
            await until(pilot, lambda: table.total == total and table.ready)
            await pilot.press("escape")  # back to the list
            assert app.focused is table

            # Overdue: two days on, the unclaimed ones are past their claim limit.
            later = system.app.clock() + timedelta(days=2)
            system.app.clock = lambda: later
            await pilot.press("o")
            await until(pilot, lambda: table.total == total - 1 and table.ready)
            row = table.current_row()
            assert row is not None and row["overdue"]
            assert "超期" in str(table.render_line(1))
            await pilot.press("o")
            await until(pilot, lambda: table.total == total and table.ready)
            # This year's times read to the minute; a year on, the same rows read their
            # dates with the year.
            row = table.current_row()
            assert row is not None
            placed = row["placed_at"].astimezone(system.requests.tz)
            assert f"{placed:%m-%d %H:%M}" in text_of_line(table, 1)
            next_year = later + timedelta(days=366)
            system.app.clock = lambda: next_year
            table.refresh()
            await pilot.pause()
            assert f"{placed:%Y-%m-%d}" in text_of_line(table, 1)
            system.app.clock = lambda: later

            # Another station places a request: it appears, the cursor stays put.
            await pilot.press("down", "down")
            held = table.current_row()
            assert held is not None
            newer = _place(station, 1, description="新来的诉求")
            await until(pilot, lambda: table.total == total + 1 and table.ready)
            await settle(pilot)
            assert table.cursor == 3
            current = table.current_row()
            assert current is not None and current["id"] == held["id"]
            top = table.row_at(0)
            assert top is not None and top["id"] == newer[0]

            # Enter opens the request under the cursor; Esc comes back to the same row.
            await pilot.press("enter")
            opened = await on_screen(pilot, RequestScreen)
            assert opened.request_id == held["id"]
            await pilot.press("escape")
            await on_screen(pilot, BoardScreen)
            assert table.cursor == 3

            # The filter keys are in the footer.
            keys = footer_descriptions(app)
            assert keys["board.state"] == "状态" and keys["board.overdue"] == "超期"

    run(story)


def test_the_supervision_queue_is_for_supervisors(station: Station) -> None:
    system, admin = station.system, station.admin
    system.app.open_account("sup", "督办", ["supervisor"], PASSWORD, actor=admin)
    system.app.open_account("clerk", "窗口", ["clerk"], PASSWORD, actor=admin)
    placed = _place(station, 3)
    system.app.press_request(placed[1], "居民再次来电", actor=admin)
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot, "sup", PASSWORD, section="supervision")
            queue = await on_screen(pilot, SupervisionScreen)
            table = queue.table
            await until(pilot, lambda: table.total == 1 and table.ready)
            assert text_of(pilot, "#board-filters") == "Supervision queue"
            row = table.current_row()
            assert row is not None and row["id"] == placed[1] and row["reasons"] == ["pressed"]
            assert "pressed" in str(table.render_line(1))
            assert text_of(pilot, "#board-count") == "1 of 1"
            assert "board.state" not in footer_descriptions(app)
            assert footer_descriptions(app)["board.place"] == "Place"

            # Late requests join the queue as the clock runs on.
            later = system.app.clock() + timedelta(days=3)
            system.app.clock = lambda: later
            queue.read_models_advanced()
            await until(pilot, lambda: table.total == 3 and table.ready)
            # The due column holds the whole "late" time at 80 columns; a year on, the date
            # has its year.
            row = table.current_row()
            assert row is not None and row["overdue"]
            due = row["claim_due_at"].astimezone(system.requests.tz)
            assert f"late {due:%m-%d %H:%M}" in text_of_line(table, 1)
            next_year = later + timedelta(days=366)
            system.app.clock = lambda: next_year
            table.refresh()
            await pilot.pause()
            assert f"late {due:%Y-%m-%d}" in text_of_line(table, 1)
            # A place filter keeps the title.
            queue.place = str(station.org.community)
            queue.reload_rows()
            filters = text_of(pilot, "#board-filters")
            assert filters.startswith("Supervision queue · Filters: Place ")

        clerk_app = YimaiApp(system)
        async with clerk_app.run_test(size=(100, 30)) as pilot:
            await log_in(pilot, "clerk", PASSWORD, section="board")
            assert "supervision" not in [s.name for s in clerk_app.sections]
            await pilot.press("4")
            await pilot.pause()
            assert clerk_app.current_mode == "board"

    run(story)
