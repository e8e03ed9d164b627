"""The dashboard, everyone's home: today's figures for a prepared day, following what
other stations record without a key press, a tile's key opening its section, and the
same screen in English on an 80×24 terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent
from textual.widgets.data_table import ColumnKey

from domain.access import Principal
from projections.system import System
from tests.application.support import Clock, request_draft, request_in
from tests.conftest import ADMIN_PASSWORD
from tests.tui.conftest import Station
from tests.tui.support import footer_descriptions, log_in, on_screen, run, settle, text_of, until
from tui.app import YimaiApp
from tui.screens.board import BoardScreen
from tui.screens.dashboard import DashboardScreen, Tile
from tui.screens.points import PointsScreen
from tui.screens.roster import RosterScreen


def prepare_a_day(station: Station) -> Clock:
    """One request placed four days ago and never claimed (overdue now), one resolved
    and awaiting acceptance, one placed today; last year closed with an objection filed
    in its publicity window; a deduction proposed and not yet approved."""
    system, org, admin = station.system, station.org, station.admin
    app = system.app
    clock = Clock(datetime.now(UTC))
    app.clock = clock
    request_in(system, admin, org, "placed")
    request_in(system, admin, org, "resolved", claimant=station.zhang)
    clock.advance(days=4)
    app.place_request(request_draft(org, category="care"), actor=admin)
    last_year = app.today().year - 1
    app.close_period(last_year, actor=admin)
    app.file_objection(station.zhang, last_year, "去年的志愿服务没有记上", actor=admin)
    app.propose_deduction(station.li, "breach", app.today(), "多次无故缺席", actor=admin)
    system.runner.catch_up()
    return clock


def counts(screen: DashboardScreen) -> dict[str, int | None]:
    return {tile.spec.name: tile.count for tile in screen.query(Tile)}


def rows(screen: DashboardScreen, table: str) -> list[list[str]]:
    found = screen.query_one(f"#{table}", DataTable)
    return [[str(cell) for cell in found.get_row_at(i)] for i in range(found.row_count)]


async def open_dashboard(pilot: Pilot[Any], user: str, password: str) -> DashboardScreen:
    await log_in(pilot, user, password, section=None)
    screen = await on_screen(pilot, DashboardScreen)
    await until(pilot, lambda: screen.snapshot is not None)
    await settle(pilot)
    return screen


def read_model_figures(system: System, actor: Principal) -> dict[str, int]:
    now = system.app.now()
    return {
        "overdue": system.requests.board(actor=actor, now=now, overdue=True).total,
        "supervision": system.requests.supervision_queue(actor=actor, now=now).total,
        "objections": system.points.objections(actor=actor).total,
        "approvals": system.points.pending_approvals(actor=actor).total,
    }


def test_the_dashboard_shows_the_day_and_follows_other_stations(station: Station) -> None:
    system, org, admin = station.system, station.org, station.admin
    prepare_a_day(station)

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(120, 36)) as pilot:
            dashboard = await open_dashboard(pilot, "admin", ADMIN_PASSWORD)
            # The dashboard is the home: the first section after login.
            assert app.current_mode == "dashboard"
            assert counts(dashboard) == {
                "today": 1,
                "overdue": 1,
                "supervision": 2,  # the resolution to accept, and the late one
                "objections": 1,
                "approvals": 1,
                "members": 2,
            }
            # The tiles say what the read models say.
            assert read_model_figures(system, admin) == {
                "overdue": 1,
                "supervision": 2,
                "objections": 1,
                "approvals": 1,
            }
            tile = text_of(pilot, "#tile-overdue")
            assert "超期未办" in tile and "1" in tile
            assert dashboard.query_one("#tile-overdue").has_class("-alert")
            assert "今日新诉求" in text_of(pilot, "#tile-today")

            # Counts per branch: members, households and this month's requests.
            branches = {r[0]: r[1:] for r in rows(dashboard, "branches")}
            assert set(branches) == {"第一网格党支部", "第二网格党支部", "汶源网格党支部"}
            assert branches["第一网格党支部"][:2] == ["2", "0"]
            assert branches["第二网格党支部"] == ["0", "0", "0", "0", "—"]

            # Recent activity: who, when, what, newest first; no personal data.
            activity = rows(dashboard, "activity")
            assert [r[2] for r in activity[:3]] == ["提出扣分/冲销", "提出异议", "年度积分公示"]
            assert {r[1] for r in activity} == {"admin"}
            assert "诉求下单" in [r[2] for r in activity]
            shown = " ".join(" ".join(r) for r in activity)
            assert "张三" not in shown and "慕容秋菊" not in shown

            # Another station places a request: the tiles follow with no key pressed.
            placed = system.app.place_request(request_draft(org), actor=admin)
            system.runner.catch_up()
            await until(pilot, lambda: counts(dashboard)["today"] == 2)
            assert system.app.get_request(placed.id, actor=admin).state == "placed"
            assert rows(dashboard, "activity")[0][2] == "诉求下单"
            await until(pilot, lambda: rows(dashboard, "branches")[0][3] != "")

            # A tile's key opens its section.
            assert footer_descriptions(app)["dashboard.members"] == "党员"
            await pilot.press("m")
            await until(pilot, lambda: app.current_mode == "roster")
            await on_screen(pilot, RosterScreen)
            await pilot.press("1")
            await until(pilot, lambda: app.current_mode == "dashboard")
            assert app.screen is dashboard
            # The overdue tile opens the board narrowed to the overdue requests.
            await pilot.press("o")
            await until(pilot, lambda: app.current_mode == "board")
            board = await on_screen(pilot, BoardScreen)
            await until(pilot, lambda: board.overdue and board.table.ready)
            assert board.table.total == dashboard.snapshot.counts["overdue"]
            await pilot.press("1")
            await until(pilot, lambda: app.current_mode == "dashboard")
            await pilot.press("p")  # pending approvals: the points section on that tab
            await until(pilot, lambda: app.current_mode == "points")
            points = await on_screen(pilot, PointsScreen)
            await until(pilot, lambda: points.query_one(TabbedContent).active == "approvals")

    run(story)


def test_the_dashboard_in_english_at_80_by_24(station: Station) -> None:
    system, admin = station.system, station.admin
    prepare_a_day(station)

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            dashboard = await open_dashboard(pilot, "admin", ADMIN_PASSWORD)
            assert dashboard.has_class("-narrow")
            assert counts(dashboard)["overdue"] == 1
            assert "Overdue" in text_of(pilot, "#tile-overdue")
            assert "Pending approvals" in text_of(pilot, "#tile-approvals")
            # Every tile and both lists fit on the screen.
            screen = dashboard.region
            for tile in dashboard.query(Tile):
                assert screen.contains_region(tile.region), tile.spec.name
            for table in ("#branches", "#activity"):
                region = dashboard.query_one(table).region
                assert region.height >= 3 and screen.contains_region(region)
            assert rows(dashboard, "activity")[0][2] == "Adjustment proposed"
            columns = dashboard.query_one("#activity", DataTable).columns
            assert str(columns[ColumnKey("what")].label) == "What"
            # A tile whose section is not open to this account is not offered.
            sections = {s.name for s in app.sections}
            for tile in dashboard.query(Tile):
                offered = dashboard.check_action("open_tile", (tile.spec.name,))
                assert offered is (True if tile.spec.section in sections else None)

            # F2 switches to Chinese in place.
            await pilot.press("f2")
            await until(pilot, lambda: "超期未办" in text_of(pilot, "#tile-overdue"))
            assert rows(dashboard, "activity")[0][2] == "提出扣分/冲销"
            assert counts(dashboard)["approvals"] == len(
                system.points.pending_approvals(actor=admin).items
            )

    run(story)
