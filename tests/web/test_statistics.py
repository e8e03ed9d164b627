"""统计 in the browser and over HTTP: a resident reads the year's charts and the same
numbers in tables (checked against the query as of the signed checkpoint), on a phone
and a desktop, in Chinese and English; tells a count under the threshold ("fewer than
N") from one withheld to protect it ("withheld") and from no data, in the tables, the
charts and the feeds; narrows them to a community; downloads them as JSON and CSV (all
the page's rows); finds a friendly page for a year without statistics; and is told which
field is wrong. Figures move only with a new checkpoint."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.public import Basis, PublicView
from projections.public_statistics import MONTH_FIELDS, PublicStatisticsView, YearFigures
from projections.system import System
from tests.application.support import Clock, request_in
from tests.conftest import ADMIN_PASSWORD, Prepared, make_system, member_draft
from web.render import fmt_percent
from web.routes.statistics import CSV_FIELDS
from web.site import create_server
from web.text import text

#: The figures' columns: each count, and each rate with the count it is a share of.
COLUMNS = (
    ("placed", None),
    ("resolved", None),
    ("on_time_rate", "done"),
    ("satisfaction_rate", "visited"),
)
EVERY_FIGURE = ["placed", "resolved", "done", "on_time_rate", "visited", "satisfaction_rate"]


def _expected(system: System, community: Any = None) -> tuple[Basis, YearFigures]:
    public = PublicView(system)
    basis = public.basis()
    assert basis is not None
    today = system.app.today()
    view = public.at(PublicStatisticsView.of(system), basis)
    return basis, view.year(today.year, community_id=community, through=today)


def _withheld(lang: str) -> str:
    return text("statistics.withheld", lang) + "*"  # the word and its footnote mark


def _cell(row: dict[str, Any], field: str, base: str | None, lang: str, n: int) -> str:
    """What a cell of the tables reads, from the query's row alone."""
    value = row[field]
    if field in row["withheld"]:
        return _withheld(lang)
    if base is None:  # a count
        return text("count.fewer", lang, n=n) if value is None else str(value)
    if value is not None:
        return f"{fmt_percent(value)} {text('statistics.of', lang, n=row[base])}"
    if field in row["suppressed"]:
        return text("statistics.rate_hidden", lang, n=n)
    assert row[base] == 0  # no data: a rate over nothing
    return "—"


def _cells(row: dict[str, Any], lang: str, n: int) -> list[str]:
    return [_cell(row, field, base, lang, n) for field, base in COLUMNS]


def _month_name(month: str, lang: str) -> str:
    number = int(month[5:])
    short = text(f"statistics.m{number}", lang)
    return text("statistics.month_name", lang, year=int(month[:4]), month=number, short=short)


def _table(page: Any, selector: str) -> list[list[str]]:
    rows = page.locator(f"{selector} tbody tr")
    return [
        [" ".join(cell.split()) for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def _check_page(page: Any, lang: str, figures: YearFigures, basis: Basis) -> None:
    n = figures.min_count
    assert page.locator("h1").inner_text() == text("statistics.title", lang)
    # Three charts, each an image with its title and description, a bar per month.
    charts = page.locator("main svg[role=img]")
    assert charts.count() == 3
    months = len(figures.months)
    for i, (chart_id, series) in enumerate(
        (("chart-requests", 2), ("chart-on-time", 1), ("chart-satisfaction", 1))
    ):
        chart = charts.nth(i)
        assert chart.get_attribute("id") == chart_id
        assert chart.locator("title").first.inner_html() != ""
        assert chart.locator("rect.bar").count() == months * series
    # Each hidden bar is drawn for the reason the query gives, and only those are.
    for chart_id, fields in (
        ("chart-requests", ("placed", "resolved")),
        ("chart-on-time", ("on_time_rate",)),
        ("chart-satisfaction", ("satisfaction_rate",)),
    ):
        for kind in ("suppressed", "withheld"):
            drawn = page.locator(f"#{chart_id} rect.bar.{kind}")
            assert [
                (
                    drawn.nth(i).get_attribute("data-series"),
                    drawn.nth(i).get_attribute("data-index"),
                )
                for i in range(drawn.count())
            ] == [
                (f, str(i)) for i, m in enumerate(figures.months) for f in fields if f in m[kind]
            ], (chart_id, kind)
    labels = page.locator("#chart-requests text").all_text_contents()
    assert text("statistics.axis_month", lang) in labels
    assert text("statistics.axis_count", lang) in labels
    # The table holds the same numbers as the query, month by month, then the year.
    expected = [[_month_name(m["month"], lang), *_cells(m, lang, n)] for m in figures.months] + [
        [text("statistics.total", lang), *_cells(figures.total, lang, n)]
    ]
    assert _table(page, "#months") == expected
    name = "name_zh" if lang == "zh" else "name_en"
    assert _table(page, "#categories") == [
        [c[name], *_cells(c, lang, n)] for c in figures.categories
    ]
    # A withheld cell explains itself (a tooltip) and leads to the note that says why.
    withheld = page.locator("main table span.withheld")
    assert withheld.count() == sum(
        1
        for row in [*figures.months, figures.total, *figures.categories]
        for field, _ in COLUMNS
        if field in row["withheld"]
    )
    for i in range(withheld.count()):
        assert withheld.nth(i).get_attribute("title") == text("statistics.withheld_note", lang)
    if withheld.count():
        assert (
            page.locator("main table span.withheld + a").first.get_attribute("href")
            == "#note-withheld"
        )
    assert page.locator("#note-withheld").inner_text() == text(
        "statistics.note_withheld", lang, n=n
    )
    basis_text = page.locator("aside.basis").inner_text()
    assert f"#{basis.tree_size}" in basis_text


def _check_tables_fit(page: Any) -> None:
    """The figures stay tables (no card per row: no cell labels), their headers each on
    one line, numbers right-aligned under right-aligned headers, and a table wider than
    the screen scrolls inside its own box, the page never."""
    for table in ("#months", "#categories"):
        assert page.locator(f"{table} thead").is_visible()
        assert page.locator(f"{table} td[data-label]").count() == 0
        heads = page.locator(f"{table} thead th")
        heights = {round(h["height"]) for h in (b.bounding_box() for b in heads.all()) if h}
        assert len(heights) == 1, heights  # no header wraps onto more lines than another
        for head in heads.all():
            assert head.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        box = page.locator(table).locator("xpath=..").bounding_box()
        assert box is not None and box["width"] <= page.viewport_size["width"]
        assert page.locator(table).locator("xpath=..").get_attribute("class") == "scroll"


def test_the_statistics_page_in_a_browser(
    live_url: str, phone: Any, desktop: Any, site_system: System, shots: Path
) -> None:
    basis, figures = _expected(site_system)
    assert figures.months and figures.total["placed"]
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        for lang, prefix in (("zh", ""), ("en", "/en")):
            page.goto(f"{live_url}{prefix}/statistics")
            _check_page(page, lang, figures, basis)
            page.screenshot(path=shots / f"statistics-{lang}-{size}.png", full_page=True)
            _check_tables_fit(page)
            # Nothing runs off the side of the screen; the charts fit it.
            width = page.viewport_size["width"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for box in (c.bounding_box() for c in page.locator("main svg").all()):
                assert box is not None and 0 < box["width"] <= width
    # On a wide screen the numbers line up on the right under their headers.
    desktop.goto(live_url + "/en/statistics")
    for cell in desktop.locator("#months th.num, #months td.num").all():
        assert cell.evaluate("e => getComputedStyle(e).textAlign") == "right"
    assert desktop.locator("#months td").nth(0).get_attribute("class") == "nowrap"


def test_a_resident_narrows_the_figures_to_a_community(
    live_url: str, desktop: Any, site_system: System, shots: Path
) -> None:
    (community,) = [p for p in PublicView(site_system).places() if p["level"] == "community"]
    basis, figures = _expected(site_system, community["id"])
    desktop.goto(live_url + "/en/statistics")
    desktop.select_option("select[name=community]", str(community["id"]))
    desktop.click("button[type=submit]")
    assert f"community={community['id']}" in desktop.url
    assert (
        desktop.locator("select[name=community] option[selected]").inner_text()
        == (community["name"])
    )
    _check_page(desktop, "en", figures, basis)
    desktop.screenshot(path=shots / "statistics-en-community.png", full_page=True)


def _csv_expected(figures: YearFigures) -> list[dict[str, str]]:
    """The CSV's rows from the query: every month, the year, every category."""

    def line(table: str, row: dict[str, Any]) -> dict[str, str]:
        out = dict.fromkeys(CSV_FIELDS, "")
        for key, value in row.items():
            if isinstance(value, list):
                out[key] = " ".join(value)
            elif value is not None:
                out[key] = str(value)
        return {**out, "table": table}

    return [
        *(line("month", m) for m in figures.months),
        line("total", figures.total),
        *(line("category", c) for c in figures.categories),
    ]


def test_the_statistics_feeds(client: TestClient, site_system: System) -> None:
    basis, figures = _expected(site_system)
    body = client.get("/statistics.json").json()
    assert body["items"] == figures.months
    assert all(tuple(item) == MONTH_FIELDS for item in body["items"])
    assert body["categories"] == figures.categories
    assert body["total"] == figures.total
    assert body["basis"] == basis.to_dict()
    assert (body["year"], body["min_count"], body["community_id"]) == (figures.year, 3, None)
    assert body["years"] == sorted({figures.year, *body["years"]}, reverse=True)
    # Each row says which of its figures are hidden and why (the demo has both kinds).
    rows = [*body["items"], body["total"], *body["categories"]]
    assert any(r["suppressed"] for r in rows) and any(r["withheld"] for r in rows)
    for row in rows:
        for field, _ in COLUMNS:
            if field in row["suppressed"] or field in row["withheld"]:
                assert row[field] is None

    answer = client.get("/statistics.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"statistics-{figures.year}.csv" in answer.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == CSV_FIELDS
    # What the page has: the months, the year's total, the categories.
    assert lines == _csv_expected(figures)
    assert [r["table"] for r in lines] == ["month"] * len(figures.months) + ["total"] + [
        "category"
    ] * len(figures.categories)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year=abc", "year"),
        ("year=20266", "year"),
        ("year=19x9", "year"),
        ("community=xyz", "community"),
        ("community=00000000-0000-4000-8000-000000000000", "community"),
    ],
)
def test_bad_filters_are_named(client: TestClient, query: str, field: str) -> None:
    page = client.get(f"/statistics?{query}")
    assert page.status_code == 422
    assert f"“{text('fieldname.' + field, 'zh')}”" in page.text
    assert query.split("=", 1)[1] not in page.text  # the bad value is never echoed
    for feed in ("/statistics.json", "/statistics.csv"):
        answer = client.get(f"{feed}?{query}")
        assert answer.status_code == 422 and answer.json()["field"] == field


def test_a_year_without_statistics_has_a_page_of_its_own(
    client: TestClient, site_system: System, live_url: str, phone: Any, shots: Path
) -> None:
    """A well-formed year with no requests (as of the checkpoint) is not a bare error:
    a page (404) says so and lists the years that have statistics; the feeds say it in
    JSON, with the years."""
    _, figures = _expected(site_system)
    years = client.get("/statistics.json").json()["years"]
    assert figures.year in years and 1999 not in years
    for lang, prefix in (("zh", ""), ("en", "/en")):
        page = client.get(f"{prefix}/statistics?year=1999")
        assert page.status_code == 404
        assert text("statistics.missing_title", lang, year=1999) in page.text
        assert text("statistics.years_with", lang) in page.text
        for year in years:
            assert f'href="{prefix}/statistics?year={year}"' in page.text
        assert text("basis.title", lang) in page.text
    for feed in ("/statistics.json", "/statistics.csv"):
        answer = client.get(f"{feed}?year=1999")
        assert answer.status_code == 404
        assert answer.json()["field"] == "year" and answer.json()["years"] == years
    # In the browser: the page, and a link back to a year that has them.
    phone.goto(live_url + "/en/statistics?year=1999")
    assert phone.locator("h1").inner_text() == text("statistics.missing_title", "en", year=1999)
    phone.screenshot(path=shots / "statistics-en-no-year.png", full_page=True)
    phone.click(f"ul.years a >> text={text('statistics.year_heading', 'en', year=figures.year)}")
    assert phone.locator("#months").is_visible()


def test_before_the_first_checkpoint_there_are_no_figures(tmp_path: Path) -> None:
    system = make_system(f"sqlite:///{tmp_path / 'y.db'}")
    try:
        system.initialize("admin", ADMIN_PASSWORD)
        client = TestClient(create_server(system))
        page = client.get("/en/statistics")
        assert page.status_code == 200
        assert text("basis.none", "en") in page.text
        assert 'id="months"' not in page.text and "<svg" not in page.text
        body = client.get("/statistics.json").json()
        assert body["items"] == [] and body["basis"] is None and body["total"] is None
    finally:
        system.shutdown()


def test_figures_move_only_with_a_new_checkpoint(prepared: Prepared) -> None:
    system, staff, org = prepared.system, prepared.staff, prepared.org
    system.seal.ensure_key()
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    month = system.app.today().strftime("%Y-%m")
    client = TestClient(create_server(system))

    def placed() -> Any:
        body = client.get("/statistics.json").json()
        (row,) = [r for r in body["items"] if r["month"] == month]
        return row["placed"], body["basis"]["tree_size"]

    for _ in range(3):
        request_in(system, staff.admin, org, "claimed", claimant=member)
    system.seal.checkpoint()
    first = placed()
    assert first[0] == 3
    for _ in range(2):
        request_in(system, staff.admin, org, "placed")
    assert placed() == first  # the same checkpoint, the same figures
    system.seal.checkpoint()
    count, size = placed()
    assert count == 5 and size > first[1]


@contextmanager
def _serving(system: System) -> Iterator[str]:
    """`system`'s site under uvicorn on 127.0.0.1, for the browser (as `live_url`)."""
    import uvicorn

    config = uvicorn.Config(create_server(system), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    (port,) = {s.getsockname()[1] for srv in server.servers for s in srv.sockets}
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_each_kind_of_hidden_figure_end_to_end(
    prepared: Prepared, phone: Any, desktop: Any, shots: Path
) -> None:
    """A year written here: five requests in March, done at once; two in April, done and
    followed up. April's two are fewer than 3; so March's five, the only other count of
    their column, are withheld — and read "withheld", not "fewer than 3", in the table,
    the charts (a dotted marker, not a bar), the JSON and the CSV. April's rates are over
    two: not computed, drawn as a short labelled marker, not a bar up to 100 %. March's
    satisfaction is over none: no data."""
    system, staff, org = prepared.system, prepared.staff, prepared.org
    year = datetime.now(UTC).year + 1  # a year the log has not reached
    clock = Clock(datetime(year, 3, 10, 2, tzinfo=UTC))
    system.app.clock = clock
    system.seal.ensure_key()
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    for _ in range(5):
        request_in(system, staff.admin, org, "accepted", claimant=member)
    clock.now = datetime(year, 4, 12, 2, tzinfo=UTC)
    for _ in range(2):
        request_in(system, staff.admin, org, "visited", claimant=member)
    system.runner.catch_up()
    system.seal.checkpoint()
    basis, figures = _expected(system)
    march, april = figures.months[2], figures.months[3]
    assert (march["placed"], march["withheld"]) == (
        None,
        ["placed", "resolved", "done", "on_time_rate"],
    )
    assert april["suppressed"] == EVERY_FIGURE and march["satisfaction_rate"] is None

    client = TestClient(create_server(system))
    body = client.get("/statistics.json").json()
    assert body["items"][2]["withheld"] == march["withheld"]
    assert body["items"][3]["suppressed"] == EVERY_FIGURE
    lines = list(csv.DictReader(io.StringIO(client.get("/statistics.csv").text.lstrip("\ufeff"))))
    assert lines == _csv_expected(figures)
    assert (lines[2]["placed"], lines[2]["withheld"], lines[2]["suppressed"]) == (
        "",
        "placed resolved done on_time_rate",
        "",
    )
    assert lines[3]["suppressed"] == " ".join(EVERY_FIGURE) and lines[3]["withheld"] == ""
    # March's satisfaction: empty, in neither list — no data.
    assert lines[2]["satisfaction_rate"] == "" and lines[2]["visited"] == "0"

    with _serving(system) as url:
        for page, size in ((phone, "phone"), (desktop, "desktop")):
            for lang, prefix in (("zh", ""), ("en", "/en")):
                page.goto(f"{url}{prefix}/statistics")
                _check_page(page, lang, figures, basis)
                _check_tables_fit(page)
                page.screenshot(path=shots / f"statistics-small-{lang}-{size}.png", full_page=True)
                for part in ("#chart-requests", "#chart-on-time", "#months"):
                    name = f"statistics-small-{lang}-{size}-{part[1:]}.png"
                    page.locator(part).screenshot(path=shots / name)
                n = figures.min_count
                cells = _table(page, "#months")
                assert cells[2][1:4] == [_withheld(lang), _withheld(lang), _withheld(lang)]
                assert cells[2][4] == "—"
                assert (
                    cells[3][1:]
                    == [text("count.fewer", lang, n=n)] * 2
                    + [text("statistics.rate_hidden", lang, n=n)] * 2
                )
                # The hidden rates: short markers labelled "<3" and "*", none a bar up to
                # 100 %; the legend names each kind.
                for chart in ("#chart-on-time", "#chart-satisfaction"):
                    # The grid: a line at 0 %, 25 %, … 100 %.
                    grid = [
                        float(y or 0)
                        for y in page.locator(f"{chart} g.axes line").evaluate_all(
                            "ls => ls.map(l => l.getAttribute('y1'))"
                        )
                    ]
                    full = max(grid) - min(grid)
                    for marker in page.locator(f"{chart} rect.bar.suppressed").all():
                        assert float(marker.get_attribute("height") or 0) < full / 10
                    marks = page.locator(f"{chart} text.mark").all_text_contents()
                    legend = page.locator(f"{chart} g.legend text").all_text_contents()
                    assert f"<{n}" in marks
                    assert text("statistics.rate_hidden_legend", lang, n=n) in legend
                assert page.locator("#chart-on-time text.mark").all_text_contents() == [
                    "*",
                    f"<{n}",
                ]
                legend = page.locator("#chart-requests g.legend text").all_text_contents()
                assert text("statistics.withheld_legend", lang) in legend
                assert text("statistics.hidden", lang, n=n) in legend
