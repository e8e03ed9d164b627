"""公开晒单 in the browser and over HTTP: a resident reads the published outcomes, filters
them, opens one, switches to English, and downloads the list as JSON and CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from projections.requests import PUBLIC_LEDGER_FIELDS
from projections.system import System


def test_the_home_page_shows_the_latest_outcomes_in_a_browser(
    live_url: str, phone: Any, desktop: Any, shots: Path
) -> None:
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        page.goto(live_url + "/")
        assert page.locator("h1").inner_text() == "一脉 · 社区公开账本"
        assert page.locator("nav a[aria-current=page]").inner_text() == "首页"
        assert page.locator("main table.list tbody tr").count() == 5
        page.screenshot(path=shots / f"home-zh-{size}.png", full_page=True)
    desktop.click("text=English")
    assert desktop.url == live_url + "/en/"
    assert desktop.locator("h1").inner_text() == "Yimai · Community public ledger"
    desktop.screenshot(path=shots / "home-en-desktop.png", full_page=True)


def test_a_resident_filters_the_outcomes_and_opens_one(
    live_url: str, desktop: Any, phone: Any, site_system: System, shots: Path
) -> None:
    ledger = site_system.requests.public_ledger(limit=500)
    desktop.goto(live_url + "/outcomes")
    assert desktop.locator("h1").inner_text() == "公开晒单"
    assert f"共 {ledger.total} 条" in desktop.locator("main").inner_text()
    desktop.screenshot(path=shots / "outcomes-zh-desktop.png", full_page=True)

    first = ledger.items[0]
    desktop.select_option("select[name=category]", first["category"])
    desktop.click("button[type=submit]")
    same = [o for o in ledger.items if o["category"] == first["category"]]
    assert f"共 {len(same)} 条" in desktop.locator("main").inner_text()
    for cell in desktop.locator("tbody tr td:first-child").all_inner_texts():
        assert cell == first["category_name_zh"]

    desktop.locator("tbody tr td:first-child a").first.click()
    assert desktop.locator("h1").inner_text().startswith(first["category_name_zh"])
    facts = desktop.locator("dl.facts").inner_text()
    assert "已公开" in facts or "已归档" in facts
    desktop.screenshot(path=shots / "outcome-zh-desktop.png", full_page=True)

    phone.goto(live_url + "/en/outcomes")
    assert phone.locator("h1").inner_text() == "Published outcomes"
    # On a phone each row is a card whose cells carry their labels.
    assert phone.locator("thead").is_hidden()
    phone.screenshot(path=shots / "outcomes-en-phone.png", full_page=True)


def test_the_outcome_feeds_page_through_the_ledger(client: TestClient, site_system: System) -> None:
    ledger = site_system.requests.public_ledger(limit=500)
    seen: list[dict[str, Any]] = []
    url: str | None = "/outcomes.json?per_page=7"
    while url:
        body = client.get(url).json()
        assert body["total"] == ledger.total and body["per_page"] == 7
        assert all(set(item) == set(PUBLIC_LEDGER_FIELDS) for item in body["items"])
        seen.extend(body["items"])
        url = body["next"]
    assert [o["id"] for o in seen] == [str(o["id"]) for o in ledger.items]

    answer = client.get("/outcomes.csv?per_page=100")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == PUBLIC_LEDGER_FIELDS
    assert len(rows) == min(100, ledger.total)

    one = client.get(f"/outcomes/{seen[0]['id']}.json").json()["items"][0]
    assert one == seen[0]


def test_bad_filters_are_named_and_change_nothing(client: TestClient) -> None:
    page = client.get("/outcomes?month=March")
    assert page.status_code == 422 and 'data-field="month"' in page.text
    assert "“月份”填写有误" in page.text  # named as the page names it, in its language
    assert client.get("/outcomes?month=2026-3").status_code == 200  # typed without a picker
    feed = client.get("/outcomes.json?per_page=1000")
    assert feed.status_code == 422 and feed.json()["field"] == "per_page"
    assert client.get("/outcomes/not-a-request").status_code in (404, 422)
    missing = client.get("/en/outcomes/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and "There is no such page or record." in missing.text


def test_head_is_get_without_the_body(client: TestClient) -> None:
    """Link checkers and `curl -I` ask HEAD: the same status and headers, no body."""
    for path in ("/", "/en/outcomes", "/outcomes.csv", "/static/site.css"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/outcomes/00000000-0000-4000-8000-000000000000").status_code == 404
