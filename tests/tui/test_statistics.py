"""Statistics as charts: last year's requests per month, on-time and satisfaction rates
and points by branch, drawn from the read models; a quarter and a community narrow
them; one chart at a time on 80×24, all four on a wide terminal, in either language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from textual.pilot import Pilot

from tests.application.support import Clock, request_draft, request_in
from tests.conftest import ADMIN_PASSWORD, member_draft
from tests.tui.conftest import Station
from tests.tui.support import log_in, on_screen, run, settle, text_of, until
from tui.app import YimaiApp
from tui.screens.statistics import Chart, ChartBox, StatisticsScreen


def prepare_last_year(station: Station) -> int:
    """Last year: in March two requests (one done on time, visited, satisfied), in April
    one done ten days late; points for members of two branches."""
    system, org, admin = station.system, station.org, station.admin
    app = system.app
    year = app.today().year - 1
    clock = Clock(datetime(year, 3, 10, 2, 0, tzinfo=UTC))
    app.clock = clock
    request_in(system, admin, org, "visited", claimant=station.zhang)  # +3 (helping) zhang
    request_in(system, admin, org, "placed")
    clock.now = datetime(year, 4, 5, 2, 0, tzinfo=UTC)
    late = app.place_request(request_draft(org), actor=admin).id
    app.classify_request(late, branch_id=org.branch, actor=admin)
    app.claim_request(late, member_id=station.zhang, actor=admin)
    clock.advance(days=10)
    app.resolve_request(late, "修好了", evidence=["photo:2"], actor=admin)
    app.accept_resolution(late, actor=admin)  # +3 (helping) zhang
    clock.now = datetime.now(UTC)
    wang = app.register_member(
        member_draft(org.branch2, name="王五", phone="13600005555"), actor=admin
    ).id
    app.award_points(station.zhang, "study", date(year, 5, 1), note="记录", actor=admin)  # +2
    app.award_points(station.li, "volunteer", date(year, 6, 1), note="记录", actor=admin)  # +2
    app.award_points(wang, "contribution", date(year, 7, 1), note="记录", actor=admin)  # +10
    app.award_points(wang, "study", date(year, 8, 1), note="记录", actor=admin)  # +2
    system.runner.catch_up()
    return year


async def open_statistics(pilot: Pilot[Any]) -> StatisticsScreen:
    await log_in(pilot, "admin", ADMIN_PASSWORD, section="statistics")
    screen = await on_screen(pilot, StatisticsScreen)
    await until(pilot, lambda: screen.loaded)
    return screen


async def choose_year(pilot: Pilot[Any], screen: StatisticsScreen, year: int) -> None:
    while screen.choice is None or screen.choice.year != year:
        await pilot.press("y")
    await until(pilot, lambda: screen.loaded)
    await settle(pilot)


def series(screen: StatisticsScreen, name: str) -> tuple[list[str], list[list[float]]]:
    data = screen.query_one(f"#chart-{name}", Chart).data
    assert data is not None
    return data.labels, [s.values for s in data.series]


def test_last_years_charts_at_80_by_24(station: Station) -> None:
    system, org, admin = station.system, station.org, station.admin
    year = prepare_last_year(station)
    months = [f"{m:02d}" for m in range(1, 13)]

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_statistics(pilot)
            assert screen.choice is not None and screen.choice.year == year + 1
            await choose_year(pilot, screen, year)
            assert text_of(pilot, "#stats-filter").startswith(f"{year}年 · 全年 · 全部社区")

            labels, (placed, resolved) = series(screen, "month")
            assert labels == months
            assert placed[2:4] == [2.0, 1.0] and sum(placed) == 3
            assert resolved[2:4] == [1.0, 1.0] and sum(resolved) == 2
            assert series(screen, "on_time") == (["03", "04"], [[100.0, 0.0]])
            assert series(screen, "satisfaction") == (["03"], [[100.0]])
            # Points by branch, in the branches' order: 第一 (张三 3+3+2, 李四 2), 第二
            # (王五 10+2); bar 1 is the first branch.
            assert series(screen, "points") == (["1", "2"], [[10.0, 12.0]])
            points = screen.query_one("#chart-points", Chart).data
            assert points is not None and points.legend == ["第一网格党支部", "第二网格党支部"]
            # ... which is what the rankings add up to.
            ranked = system.points.rankings(actor=admin, year=year).items
            assert sum(r["points"] for r in ranked) == 22

            # One chart at a time here; → and ← walk through them.
            current = [b.chart_name for b in screen.query(ChartBox) if b.has_class("-current")]
            assert current == ["month"]
            month = screen.query_one("#chart-month", Chart)
            assert month.region.width >= 70 and month.region.height >= 12
            drawn = str(month.render())
            assert "月份" in drawn
            # Counts are whole numbers on the axis; placed and resolved differ in fill.
            ticks = [line.split("┤")[0].strip() for line in drawn.splitlines() if "┤" in line]
            assert ticks == ["2", "1", "0"]
            # Chinese names would shift the plot's rows: the legend is under the chart.
            assert "受理" not in drawn
            legend = text_of(pilot, "#box-month .chart-note")
            assert "██ 受理" in legend and "▒▒ 办结" in legend
            await pilot.press("right", "right", "right")
            assert screen.query_one("#box-points").has_class("-current")
            assert not screen.query_one("#box-month").display or not screen.query_one(
                "#box-month"
            ).has_class("-current")
            assert "1 = 第一网格党支部" in text_of(pilot, "#box-points .chart-note")
            await pilot.press("left")
            assert screen.query_one("#box-satisfaction").has_class("-current")

            # The second quarter only: April's request.
            await pilot.press("p", "p")
            await until(pilot, lambda: screen.loaded)
            assert screen.choice is not None and screen.choice.quarter == 2
            assert series(screen, "month") == (["04", "05", "06"], [[1.0, 0.0, 0.0], [1.0, 0, 0]])
            assert "第2季度" in text_of(pilot, "#stats-filter")

            # Another community has none of it.
            await pilot.press("c")
            await until(pilot, lambda: screen.loaded)
            assert screen.choice.community_id == org.community
            await pilot.press("c")
            await until(pilot, lambda: screen.loaded)
            assert screen.choice.community_id == org.other_community
            assert "汶源社区" in text_of(pilot, "#stats-filter")
            labels, (placed, _) = series(screen, "month")
            assert sum(placed) == 0
            assert "该期间暂无数据" in text_of(pilot, "#box-satisfaction .chart-note")

    run(story)


def test_a_wide_terminal_shows_every_chart_in_english(station: Station) -> None:
    system = station.system
    year = prepare_last_year(station)

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(160, 44)) as pilot:
            screen = await open_statistics(pilot)
            await choose_year(pilot, screen, year)
            assert screen.has_class("-wide")
            boxes = list(screen.query(ChartBox))
            assert all(b.display and b.region.width > 0 for b in boxes)
            assert len({b.region.x for b in boxes}) == 2  # a grid of two columns
            assert text_of(pilot, "#box-on_time .chart-title") == "On-time rate (%)"
            rendered = str(screen.query_one("#chart-month", Chart).render())
            assert "Month" in rendered and "Placed" in rendered
            assert series(screen, "on_time") == (["03", "04"], [[100.0, 0.0]])
            assert text_of(pilot, "#stats-filter").startswith(f"{year} · Whole year")

            # A request placed at another station shows in this year's chart unasked.
            await choose_year(pilot, screen, year + 1)  # round to this year
            before = sum(series(screen, "month")[1][0])
            system.app.place_request(request_draft(station.org), actor=station.admin)
            system.runner.catch_up()
            await until(pilot, lambda: sum(series(screen, "month")[1][0]) == before + 1)

    run(story)
