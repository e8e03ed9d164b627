"""排名晾晒 in the browser and over HTTP: a resident reads a closed year's rankings as of
the latest signed checkpoint, filters them by year, quarter and branch, pages through
them, opens the year's excellent members, switches to English, and downloads the lists;
an award recorded after the checkpoint changes nothing until the next one is signed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cli.demo import DEMO_PASSWORD, load_demo
from projections.config import Settings
from projections.points import (
    PUBLIC_RANKING_FIELDS,
    PUBLIC_SELECTED_FIELDS,
    SQLAlchemyPointsView,
)
from projections.public import Basis, PublicView
from projections.roster import members
from projections.system import System, open_system
from tests.conftest import FAST_PASSWORDS, make_system
from web.site import create_server

ROWS = "main table.list tbody tr"


def _as_of(system: System) -> tuple[Basis, SQLAlchemyPointsView]:
    """The checkpoint the site stands on and the points view as of it."""
    public = PublicView(system)
    basis = public.basis()
    assert basis is not None
    return basis, public.at(system.points, basis)


def _years(view: SQLAlchemyPointsView) -> tuple[int, int]:
    """The demo's year in its publicity window and its final year."""
    periods = view.public_periods()
    (publicity,) = [p["year"] for p in periods if p["state"] == "publicity"]
    (final,) = [p["year"] for p in periods if p["state"] == "final"]
    return publicity, final


def _shown(page: Any) -> list[list[str]]:
    return [row.locator("td").all_inner_texts() for row in page.locator(ROWS).all()]


def _level(item: dict[str, Any], lang: str) -> str:
    level, stars = item["star_level"], item["stars"]
    if lang == "zh":
        return f"{level} 星级" if stars == level else f"{level} 星级（{stars} 星）"
    return f"{level}" if stars == level else f"{level} ({stars} stars)"


def _expected(items: list[dict[str, Any]], lang: str = "zh") -> list[list[str]]:
    return [
        [str(i["rank"]), i["name"], i["branch_name"] or "—", str(i["points"]), _level(i, lang)]
        for i in items
    ]


def _error_of(html: str) -> str:
    """The error page's message."""
    start = html.index('<p class="error"')
    return html[start : html.index("</p>", start)]


def _basis_text(basis: Basis, lang: str = "zh") -> str:
    return f"检查点 #{basis.tree_size}" if lang == "zh" else f"checkpoint #{basis.tree_size}"


def test_a_resident_reads_the_latest_closed_year_and_pages_through_it(
    live_url: str, desktop: Any, phone: Any, site_system: System, shots: Path
) -> None:
    basis, view = _as_of(site_system)
    publicity, _final = _years(view)
    first = view.public_rankings(year=publicity, limit=20)
    assert first.total > 20  # the demo's year has more than a page

    desktop.goto(live_url + "/rankings")
    assert desktop.locator("h1").inner_text() == "排名晾晒"
    assert desktop.locator("nav a[aria-current=page]").inner_text() == "排名晾晒"
    main = desktop.locator("main").inner_text()
    assert f"{publicity} 年度" in main and "公示中" in main and "公示期至" in main
    assert f"共 {first.total} 名党员" in main
    assert _basis_text(basis) in desktop.locator("aside.basis").inner_text()
    assert _shown(desktop) == _expected(first.items)
    # No selection yet for a year in its window: no link to one.
    assert desktop.locator(f"a[href='/rankings/{publicity}/selection']").count() == 0
    desktop.screenshot(path=shots / "rankings-zh-desktop.png", full_page=True)

    desktop.click("a[rel=next]")
    second = view.public_rankings(year=publicity, offset=20, limit=20)
    assert _shown(desktop) == _expected(second.items)
    assert "第 2 / " in desktop.locator("nav.pager").inner_text()

    phone.goto(live_url + "/en/rankings")
    assert phone.locator("h1").inner_text() == "Rankings"
    # On a phone the ranking stays a table (twenty cards would be a long scroll).
    assert phone.locator("thead").is_visible()
    assert "Publicity window" in phone.locator("main").inner_text()
    assert _basis_text(basis, "en") in phone.locator("aside.basis").inner_text()
    assert _shown(phone) == _expected(first.items, "en")
    phone.screenshot(path=shots / "rankings-en-phone.png", full_page=True)
    # Nothing wider than the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_filters_by_year_quarter_and_branch_and_opens_the_selection(
    live_url: str, desktop: Any, phone: Any, site_system: System, shots: Path
) -> None:
    basis, view = _as_of(site_system)
    _publicity, final = _years(view)
    branch = [p for p in PublicView(site_system).places() if p["level"] == "branch"][1]
    expected = view.public_rankings(year=final, quarter=2, branch_id=branch["id"], limit=20)
    assert expected.total > 0

    desktop.goto(live_url + "/rankings")
    desktop.select_option("select[name=year]", str(final))
    desktop.select_option("select[name=quarter]", "2")
    desktop.select_option("select[name=branch]", str(branch["id"]))
    desktop.click("button[type=submit]")
    assert f"year={final}" in desktop.url and "quarter=2" in desktop.url
    main = desktop.locator("main").inner_text()
    assert f"{final} 年度 · 第2季度" in main and "已确定" in main
    assert f"共 {expected.total} 名党员" in main
    assert _shown(desktop) == _expected(expected.items)
    assert {row[2] for row in _shown(desktop)} == {branch["name"]}
    desktop.screenshot(path=shots / "rankings-filtered-zh-desktop.png", full_page=True)

    selection = view.public_selection(final)
    desktop.click(f"a[href='/rankings/{final}/selection']")
    assert desktop.locator("h1").inner_text() == f"{final} 年度优秀党员"
    assert (
        f"于 {selection['published_on'].isoformat()} 公布" in desktop.locator("main").inner_text()
    )
    assert _shown(desktop) == [
        [m["name"], m["branch_name"], str(m["stars"]), str(m["points"])]
        for m in selection["members"]
    ]
    assert _basis_text(basis) in desktop.locator("aside.basis").inner_text()
    desktop.screenshot(path=shots / "selection-zh-desktop.png", full_page=True)

    desktop.click("text=English")
    assert desktop.url == f"{live_url}/en/rankings/{final}/selection"
    assert desktop.locator("h1").inner_text() == f"Excellent members of {final}"
    desktop.screenshot(path=shots / "selection-en-desktop.png", full_page=True)

    phone.goto(f"{live_url}/rankings/{final}/selection")
    assert phone.locator("thead").is_visible()
    assert len(_shown(phone)) == len(selection["members"])
    phone.screenshot(path=shots / "selection-zh-phone.png", full_page=True)
    phone.goto(f"{live_url}/en/rankings?year={final}&quarter=2")
    assert "Final since" in phone.locator("main").inner_text()
    phone.screenshot(path=shots / "rankings-final-en-phone.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_ranking_feeds_page_through_the_year_as_of_the_checkpoint(
    client: TestClient, site_system: System
) -> None:
    basis, view = _as_of(site_system)
    publicity, final = _years(view)
    everyone = view.public_rankings(year=publicity, limit=500)
    seen: list[dict[str, Any]] = []
    url: str | None = "/rankings.json?per_page=7"
    while url:
        body = client.get(url).json()
        assert body["total"] == everyone.total and body["per_page"] == 7
        assert body["year"] == publicity and body["basis"] == basis.to_dict()
        assert body["period"]["state"] == "publicity" and body["years"] == [publicity, final]
        assert all(tuple(item) == PUBLIC_RANKING_FIELDS for item in body["items"])
        seen.extend(body["items"])
        url = body["next"]
    assert seen == everyone.items

    community = next(p for p in PublicView(site_system).places() if p["level"] == "community")
    body = client.get(f"/rankings.json?year={final}&community={community['id']}&per_page=100")
    scoped = view.public_rankings(year=final, community_id=community["id"], limit=100)
    assert body.json()["items"] == scoped.items and body.json()["total"] == scoped.total

    q3 = view.public_rankings(year=final, quarter=3, limit=100)
    answer = client.get(f"/rankings.csv?year={final}&quarter=3&per_page=100")
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"rankings-{final}-q3-page-1.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == PUBLIC_RANKING_FIELDS
    assert [(int(r["rank"]), r["name"], int(r["points"])) for r in rows] == [
        (i["rank"], i["name"], i["points"]) for i in q3.items
    ]

    selection = view.public_selection(final)
    body = client.get(f"/rankings/{final}/selection.json").json()
    assert body["items"] == selection["members"] and body["year"] == final
    assert body["published_on"] == selection["published_on"].isoformat()
    assert body["basis"] == basis.to_dict()
    answer = client.get(f"/rankings/{final}/selection.csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == PUBLIC_SELECTED_FIELDS
    assert [r["name"] for r in rows] == [m["name"] for m in selection["members"]]


def test_bad_input_is_named_and_an_open_year_is_not_shown(
    client: TestClient, site_system: System
) -> None:
    _basis, view = _as_of(site_system)
    publicity, _final = _years(view)
    page = client.get("/rankings?year=abc")
    assert page.status_code == 422
    message = _error_of(page.text)
    assert "“年度”" in message and "abc" not in message
    feed = client.get("/rankings.json?quarter=5")
    assert feed.status_code == 422 and feed.json()["field"] == "quarter"
    assert client.get("/en/rankings?quarter=x").status_code == 422
    assert client.get("/rankings.csv?per_page=1000").json()["field"] == "per_page"
    assert client.get("/rankings?page=0").status_code == 422
    branch = client.get("/rankings.json?branch=00000000-0000-4000-8000-000000000000")
    assert branch.status_code == 422 and branch.json()["field"] == "branch"
    assert client.get("/rankings/abc/selection").status_code == 422

    # The year still running: a clear page naming it, never its totals.
    running = publicity + 1
    missing = client.get(f"/rankings?year={running}")
    assert missing.status_code == 404
    assert f"{running} 年度的排名尚未公开" in missing.text and "table" not in missing.text
    assert f'href="/rankings?year={publicity}"' in missing.text  # the years one can read
    english = client.get(f"/en/rankings?year={running}")
    assert english.status_code == 404 and f"The rankings of {running} are not published" in (
        english.text
    )
    feed = client.get(f"/rankings.json?year={running}")
    assert feed.status_code == 404 and feed.json()["field"] == "year"
    assert "items" not in feed.json()
    assert client.get(f"/rankings.csv?year={running}").status_code == 404

    # A year in its window has no selection yet.
    unpublished = client.get(f"/rankings/{publicity}/selection")
    assert unpublished.status_code == 404
    assert f"{publicity} 年度优秀党员名单尚未公布" in unpublished.text
    feed = client.get(f"/rankings/{publicity}/selection.json")
    assert feed.status_code == 404 and feed.json()["state"] == "unpublished"


def test_no_member_s_name_phone_or_id_reaches_a_page_or_feed(
    client: TestClient, site_system: System
) -> None:
    with site_system.db.read.connect() as conn:
        rows = conn.execute(sa.select(members.c.id, members.c.name, members.c.phone)).all()
    assert len(rows) >= 30
    markers = [r.name for r in rows] + [r.phone for r in rows if r.phone]
    markers += [str(r.id) for r in rows]
    _basis, view = _as_of(site_system)
    publicity, final = _years(view)
    urls = [f"/rankings?year={y}&page={n}" for y in (publicity, final) for n in (1, 2, 3)]
    urls += [f"/en/rankings.json?year={y}&per_page=100" for y in (publicity, final)]
    urls += [f"/rankings.csv?year={publicity}&per_page=100"]
    urls += [f"/rankings/{final}/selection{ext}" for ext in ("", ".json", ".csv")]
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert [m for m in markers if m in answer.text] == [], url


def test_the_star_level_stops_at_the_configured_cap(site_books: Path) -> None:
    url = f"sqlite:///{site_books / 'yimai.db'}"
    capped = open_system(Settings(database_url=url, star_cap=5, **FAST_PASSWORDS))
    try:
        _basis, view = _as_of(capped)
        publicity, _final = _years(view)
        items = view.public_rankings(year=publicity, limit=20).items
        assert any(i["stars"] > 5 and i["star_level"] == 5 for i in items)
        page = TestClient(create_server(capped)).get(f"/rankings?year={publicity}")
        cells = page.text.split('data-label="星级">')[1:]
        shown = [cell[: cell.index("</td>")] for cell in cells]
        assert shown == [_level(i, "zh") for i in items]
        assert "5 星级（" in page.text and "最高 5 星级" in page.text
    finally:
        capped.shutdown()


def test_what_happens_after_the_checkpoint_shows_only_once_the_next_one_is_signed(
    tmp_path: Path,
) -> None:
    system = make_system(f"sqlite:///{tmp_path / 'y.db'}")
    try:
        system.seal.ensure_key()
        # The demo ended forty days ago: the later year's publicity window has ended.
        ended = datetime.now(UTC) - timedelta(days=40)
        load_demo(system, members=30, households=10, requests=10, now=ended)
        system.runner.catch_up()
        client = TestClient(create_server(system))

        # Nothing signed yet: the page says so and shows no figures.
        page = client.get("/rankings")
        assert page.status_code == 200 and "账本尚未签署检查点" in page.text
        assert "<table" not in page.text
        body = client.get("/rankings.json").json()
        assert body["basis"] is None and body["items"] == []

        first = system.seal.checkpoint()
        year = system.points.public_periods()[0]["year"]
        url = f"/rankings.json?year={year}&per_page=100"
        before = client.get(url).json()
        assert before["basis"]["tree_size"] == first["tree_size"]
        assert before["period"]["state"] == "publicity"

        # After the checkpoint: an objection upheld with an award, the year final, its
        # excellent members published.
        supervisor = system.app.authenticate("demo-supervisor", DEMO_PASSWORD)
        (objection,) = system.points.objections(actor=supervisor, year=year).items
        system.app.uphold_objection(
            objection["id"],
            "核实属实",
            award_rule="contribution",
            deed_on=date(year, 7, 15),
            note="补记防汛值守",
            actor=supervisor,
        )
        system.app.finalize_period(year, actor=supervisor)
        system.app.propose_selection(year, actor=supervisor)
        head = system.app.last_position()
        proposed = system.points.selection(year, actor=supervisor, min_position=head)
        chosen = [c["member_id"] for c in proposed["candidates"]][:2]
        system.app.confirm_selection(year, chosen, reason="党委会研究确定", actor=supervisor)
        system.app.publish_selection(year, actor=supervisor)
        system.runner.catch_up()
        live = system.points.public_rankings(year=year, limit=100).items
        assert live != before["items"]  # the award moved the year's totals

        # The site still stands on the first checkpoint.
        assert client.get(url).json() == before
        html = client.get(f"/rankings?year={year}").text
        assert f"检查点 #{first['tree_size']}" in html and "公示期" in html
        assert f"/rankings/{year}/selection" not in html
        waiting = client.get(f"/rankings/{year}/selection")
        assert waiting.status_code == 404
        assert "已在最新签署的检查点之后公布" in waiting.text
        assert client.get(f"/rankings/{year}/selection.json").json()["state"] == "uncovered"

        second = system.seal.checkpoint()
        assert second["tree_size"] > first["tree_size"]
        after = client.get(url).json()
        assert after["items"] == live and after["period"]["state"] == "final"
        assert after["basis"]["tree_size"] == second["tree_size"]
        html = client.get(f"/en/rankings?year={year}").text
        assert f"checkpoint #{second['tree_size']}" in html and "Final since" in html
        assert f'href="/en/rankings/{year}/selection"' in html
        shown = client.get(f"/rankings/{year}/selection.json").json()
        assert shown["items"] == system.points.public_selection(year)["members"]
        assert len(shown["items"]) == 2 and shown["basis"]["tree_size"] == second["tree_size"]
    finally:
        system.shutdown()
