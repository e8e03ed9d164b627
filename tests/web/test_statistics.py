"""统计 in the browser and over HTTP: a resident reads the year's charts and the same
numbers in tables (checked against the query as of the signed checkpoint), on a phone
and a desktop, in Chinese and English; narrows them to a community; downloads them as
JSON and CSV; and is told which field is wrong. Figures move only with a new checkpoint."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.public import Basis, PublicView
from projections.public_statistics import MONTH_FIELDS, PublicStatisticsView, YearFigures
from projections.system import System
from tests.application.support import request_in
from tests.conftest import ADMIN_PASSWORD, Prepared, make_system, member_draft
from web.render import fmt_percent
from web.site import create_server
from web.text import text


def _expected(system: System, community: Any = None) -> tuple[Basis, YearFigures]:
    public = PublicView(system)
    basis = public.basis()
    assert basis is not None
    today = system.app.today()
    view = public.at(PublicStatisticsView.of(system), basis)
    return basis, view.year(today.year, community_id=community, through=today)


def _count(n: int | None, lang: str, min_count: int) -> str:
    return text("count.fewer", lang, n=min_count) if n is None else str(n)


def _rate(value: float | None, base: int | None, lang: str, min_count: int) -> str:
    if value is not None:
        return f"{fmt_percent(value)} {text('statistics.of', lang, n=base)}"
    if base == 0:
        return "—"
    return text("statistics.rate_hidden", lang, n=min_count)


def _cells(row: dict[str, Any], lang: str, n: int) -> list[str]:
    return [
        _count(row["placed"], lang, n),
        _count(row["resolved"], lang, n),
        _rate(row["on_time_rate"], row["done"], lang, n),
        _rate(row["satisfaction_rate"], row["visited"], lang, n),
    ]


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
    hidden_counts = sum(1 for m in figures.months for f in ("placed", "resolved") if m[f] is None)
    assert page.locator("#chart-requests rect.bar.suppressed").count() == hidden_counts
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
    basis_text = page.locator("aside.basis").inner_text()
    assert f"#{basis.tree_size}" in basis_text


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
            # Nothing runs off the side of the screen; the charts fit it.
            width = page.viewport_size["width"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for box in (c.bounding_box() for c in page.locator("main svg").all()):
                assert box is not None and 0 < box["width"] <= width
    # On a phone the figures stay a table (thirteen rows of five figures read better so
    # than as thirteen cards), which scrolls inside its own box if it must.
    phone.goto(live_url + "/en/statistics")
    assert phone.locator("#months thead").is_visible()
    box = phone.locator("#months").locator("xpath=..").bounding_box()
    assert box is not None and box["width"] <= phone.viewport_size["width"]


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

    answer = client.get("/statistics.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"statistics-{figures.year}.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == MONTH_FIELDS
    assert rows == [
        {k: "" if m[k] is None else str(m[k]) for k in MONTH_FIELDS} for m in figures.months
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year=abc", "year"),
        ("year=20266", "year"),
        ("year=1999", "year"),  # a year, but none with requests
        ("community=xyz", "community"),
        ("community=00000000-0000-4000-8000-000000000000", "community"),
    ],
)
def test_bad_filters_are_named(client: TestClient, query: str, field: str) -> None:
    page = client.get(f"/statistics?{query}")
    assert page.status_code == 422
    assert f"“{field}”" in page.text
    assert query.split("=", 1)[1] not in page.text  # the bad value is never echoed
    for feed in ("/statistics.json", "/statistics.csv"):
        answer = client.get(f"{feed}?{query}")
        assert answer.status_code == 422 and answer.json()["field"] == field


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
