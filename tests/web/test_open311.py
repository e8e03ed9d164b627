"""Open311 GeoReport v2, read only: a civic app discovers the endpoint, reads the
categories as services and the published requests (filtered, a page at a time, one by
one), in JSON and XML; every field is checked against the public ledger, nothing
outside the allowlist or unpublished ever shows, and bad parameters get the
specification's error list naming the parameter."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from projections.public import PublicView
from projections.requests import PUBLIC, board
from projections.system import System

SPEC = "http://wiki.open311.org/GeoReport_v2"
BASE = "/open311/v2"
REQUEST_KEYS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "address",
}
SERVICE_KEYS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}


@pytest.fixture(scope="module")
def ledger(site_system: System) -> list[dict[str, Any]]:
    """The whole public ledger of the demo, newest published first."""
    found = site_system.requests.public_ledger(limit=500)
    assert found.total == len(found.items) > 20  # enough rows for pages and filters
    return found.items


def expected(outcome: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """What GeoReport must say of a published outcome (the station is at +08:00, and
    only days are published)."""
    return {
        "service_request_id": str(outcome["id"]),
        "status": "closed",
        "status_notes": outcome["summary"],
        "service_name": outcome["category_name_en" if lang == "en" else "category_name_zh"],
        "service_code": outcome["category"],
        "description": outcome["summary"],
        "agency_responsible": outcome["branch_name"],
        "requested_datetime": f"{outcome['placed_on'].isoformat()}T00:00:00+08:00",
        "updated_datetime": f"{outcome['published_on'].isoformat()}T00:00:00+08:00",
        "address": outcome["community_name"],
    }


def all_pages(client: TestClient, url: str) -> tuple[list[dict[str, Any]], list[httpx.Response]]:
    """Every item of a list, following the `Link: rel="next"` headers."""
    items: list[dict[str, Any]] = []
    answers: list[httpx.Response] = []
    next_url: str | None = url
    while next_url:
        answer = client.get(next_url)
        assert answer.status_code == 200, answer.text
        answers.append(answer)
        items.extend(answer.json())
        next_url = answer.links.get("next", {}).get("url")
    return items, answers


def spec_error(answer: httpx.Response, code: int, names: str) -> str:
    """The specification's error form: a list of one {code, description} naming
    `names` (the parameter); the description is returned."""
    assert answer.status_code == code, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"} and body[0]["code"] == code
    assert names in body[0]["description"]
    description: str = body[0]["description"]
    return description


# -- discovery and services --------------------------------------------------------------


def test_discovery_names_the_v2_endpoint(client: TestClient, site_system: System) -> None:
    latest = site_system.seal.latest_checkpoint()
    assert latest is not None
    made_at = datetime.fromisoformat(latest["made_at"])
    stamp = made_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in (BASE + "/discovery.json", "/open311/discovery.json"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        body = answer.json()
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        assert body["changeset"] == stamp
        assert body["contact"] == "请联系所在社区的党群服务站。"
        assert body["endpoints"] == [
            {
                "specification": SPEC,
                "url": "http://testserver/open311/v2",
                "changeset": stamp,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ]
    english = client.get(BASE + "/discovery.json?lang=en").json()
    assert english["key_service"] == "This view is read only; no key is needed."

    root = ET.fromstring(client.get(BASE + "/discovery.xml").content)
    assert root.tag == "discovery" and root.findtext("changeset") == stamp
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None and endpoint.findtext("specification") == SPEC
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "application/json",
        "text/xml",
    ]


def test_services_are_the_request_categories_in_either_language(
    client: TestClient, site_system: System
) -> None:
    categories = PublicView(site_system).categories()
    chinese = client.get(BASE + "/services.json")
    assert chinese.status_code == 200
    services = chinese.json()
    assert [s["service_code"] for s in services] == [c["code"] for c in categories]
    for service, category in zip(services, categories, strict=True):
        assert set(service) == SERVICE_KEYS
        assert service["service_name"] == category["name_zh"]
        assert category["name_zh"] in service["description"]
        assert service["metadata"] is False and service["type"] == "realtime"
        assert service["keywords"].split(",") == [category["name_zh"], category["code"]]
        assert service["group"] == "群众诉求"

    # English: ?lang=en, a locale, or the site's /en/ prefix, all the same.
    english = client.get(BASE + "/services.json?lang=en").json()
    assert client.get(BASE + "/services.json?locale=en_US").json() == english
    assert client.get("/en" + BASE + "/services.json").json() == english
    assert [s["service_name"] for s in english] == [c["name_en"] for c in categories]
    assert all(s["group"] == "Residents' requests" for s in english)
    # ?lang= wins over the prefix.
    assert client.get("/en" + BASE + "/services.json?lang=zh").json() == services

    root = ET.fromstring(client.get(BASE + "/services.xml?lang=en").content)
    assert root.tag == "services"
    assert [s.findtext("service_name") for s in root.findall("service")] == [
        c["name_en"] for c in categories
    ]
    assert {s.findtext("metadata") for s in root.findall("service")} == {"false"}

    error = spec_error(client.get(BASE + "/services.json?lang=fr"), 400, "lang")
    assert "fr" not in error.replace("lang", "")
    spec_error(client.get(BASE + "/services.json?locale=de-DE"), 400, "locale")


# -- requests ----------------------------------------------------------------------------


def test_every_published_request_with_every_field(
    client: TestClient, ledger: list[dict[str, Any]]
) -> None:
    items, answers = all_pages(client, BASE + "/requests.json?page_size=7")
    assert len(answers) == -(-len(ledger) // 7)
    assert items == [expected(o) for o in ledger]
    for answer in answers:
        assert answer.headers["x-total-count"] == str(len(ledger))
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        assert answer.headers["access-control-allow-origin"] == "*"
    assert "prev" not in answers[0].links and "next" not in answers[-1].links
    assert answers[1].links["prev"]["url"].endswith("page=1")

    # The default page is 50; English names the categories in English.
    first = client.get("/en" + BASE + "/requests.json")
    assert first.json() == [expected(o, "en") for o in ledger[:50]]
    assert client.get(BASE + "/requests.json?lang=en&page_size=100").json() == [
        expected(o, "en") for o in ledger[:100]
    ]


def test_nothing_outside_the_allowlist_or_unpublished_shows(
    client: TestClient, site_system: System, ledger: list[dict[str, Any]]
) -> None:
    body = client.get(BASE + "/requests.json?page_size=100")
    xml = client.get(BASE + "/requests.xml?page_size=100")
    items = body.json()
    assert items and all(set(item) == REQUEST_KEYS for item in items)
    for item in items:
        # Days only: the time of day is never published.
        assert item["requested_datetime"].endswith("T00:00:00+08:00")
        assert item["updated_datetime"].endswith("T00:00:00+08:00")
    for request in ET.fromstring(xml.content).findall("request"):
        assert {child.tag for child in request} == REQUEST_KEYS

    with site_system.db.read.connect() as conn:
        rows = conn.execute(
            sa.select(
                board.c.id, board.c.state, board.c.receipt_code, board.c.building, board.c.placed_at
            )
        ).all()
    hidden = [r for r in rows if r.state not in PUBLIC]
    assert hidden and len(rows) - len(hidden) == len(ledger)
    text = body.text + xml.text
    for row in rows:
        assert row.receipt_code not in text
        if row.building:
            assert row.building not in text
        moment = row.placed_at.astimezone(site_system.settings.tzinfo)
        assert moment.strftime("T%H:%M") not in text or moment.strftime("%H:%M") == "00:00"
    for row in hidden:
        assert str(row.id) not in text
        one = client.get(f"{BASE}/requests/{row.id}.json")
        spec_error(one, 404, "没有这条已公开的诉求")
        listed = client.get(f"{BASE}/requests.json?service_request_id={row.id}")
        assert listed.json() == []


def test_requests_by_id_category_day_and_status(
    client: TestClient, ledger: list[dict[str, Any]]
) -> None:
    # By ids: those asked for, in that order; an unknown or malformed one is not listed,
    # and the other parameters are ignored, as the specification says.
    a, b = ledger[5], ledger[1]
    unknown = "00000000-0000-4000-8000-000000000000"
    ids = f"{a['id']},{unknown},not-an-id,{b['id']},{a['id']}"
    answer = client.get(
        BASE + "/requests.json", params={"service_request_id": ids, "status": "open"}
    )
    assert answer.json() == [expected(a), expected(b)]
    assert answer.headers["x-total-count"] == "2"

    # By category.
    code = ledger[0]["category"]
    same = [o for o in ledger if o["category"] == code]
    items, _ = all_pages(client, f"{BASE}/requests.json?service_code={code}&page_size=2")
    assert items == [expected(o) for o in same]
    assert client.get(BASE + "/requests.json?service_code=nothing-like-it").json() == []

    # By the day placed: both ends included, within a month and across months.
    days = sorted({o["placed_on"] for o in ledger})
    middle = days[len(days) // 2]
    in_month = [d for d in days if (d.year, d.month) == (middle.year, middle.month)]
    for first, last in ((in_month[0], in_month[-1]), (days[1], middle), (middle, middle)):
        wanted = [expected(o) for o in ledger if first <= o["placed_on"] <= last]
        assert wanted
        query = f"start_date={first.isoformat()}&end_date={last.isoformat()}&page_size=3"
        items, answers = all_pages(client, f"{BASE}/requests.json?{query}")
        assert items == wanted
        assert answers[0].headers["x-total-count"] == str(len(wanted))
    only_start = client.get(f"{BASE}/requests.json?start_date={middle}&page_size=100").json()
    assert only_start == [expected(o) for o in ledger if o["placed_on"] >= middle]
    only_end = client.get(f"{BASE}/requests.json?end_date={middle}&page_size=100").json()
    assert only_end == [expected(o) for o in ledger if o["placed_on"] <= middle]

    # A time is read as the day it is at the station: 20:00 UTC is the next day there.
    evening = datetime.combine(middle - timedelta(days=1), datetime.min.time()).replace(
        hour=20, tzinfo=UTC
    )
    late = client.get(
        BASE + "/requests.json",
        params={"start_date": evening.isoformat().replace("+00:00", "Z"), "page_size": 100},
    )
    assert late.json() == only_start

    # Status: everything published is closed.
    closed = client.get(BASE + "/requests.json?status=closed&page_size=100").json()
    assert closed == [expected(o) for o in ledger]
    assert client.get(BASE + "/requests.json?status=open,closed&page_size=100").json() == closed
    opened = client.get(BASE + "/requests.json?status=open")
    assert opened.json() == [] and opened.headers["x-total-count"] == "0"


def test_one_request_is_a_list_of_one(client: TestClient, ledger: list[dict[str, Any]]) -> None:
    outcome = ledger[3]
    answer = client.get(f"{BASE}/requests/{outcome['id']}.json")
    assert answer.status_code == 200 and answer.json() == [expected(outcome)]
    english = client.get(f"/en{BASE}/requests/{outcome['id']}.json").json()
    assert english == [expected(outcome, "en")]

    root = ET.fromstring(client.get(f"{BASE}/requests/{outcome['id']}.xml").content)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert {c.tag: c.text for c in request} == expected(outcome)

    unknown = client.get(f"{BASE}/requests/{UUID(int=7)}.json?lang=en")
    spec_error(unknown, 404, "There is no published request with this id.")
    spec_error(client.get(f"{BASE}/requests/not-a-request.json"), 404, "没有这条已公开的诉求")


def test_paging_is_bounded_and_bad_parameters_get_the_specs_error(
    client: TestClient, ledger: list[dict[str, Any]]
) -> None:
    last = -(-len(ledger) // 10)
    tail = client.get(f"{BASE}/requests.json?page_size=10&page={last}")
    assert tail.json() == [expected(o) for o in ledger[(last - 1) * 10 :]]
    assert "next" not in tail.links and tail.links["prev"]["url"].endswith(f"page={last - 1}")
    beyond = client.get(f"{BASE}/requests.json?page_size=10&page={last + 1}")
    assert beyond.json() == [] and beyond.headers["x-total-count"] == str(len(ledger))

    spec_error(client.get(BASE + "/requests.json?page_size=101"), 400, "page_size")
    spec_error(client.get(BASE + "/requests.json?page_size=0"), 400, "page_size")
    spec_error(client.get(BASE + "/requests.json?page=0"), 400, "page")
    spec_error(client.get(BASE + "/requests.json?page=two"), 400, "page")
    for name in ("start_date", "end_date"):
        error = spec_error(client.get(f"{BASE}/requests.json?{name}=March-the-5th"), 400, name)
        assert "March" not in error  # the value is never echoed back
        spec_error(client.get(f"{BASE}/requests.json?{name}=2026-02-30"), 400, name)
        spec_error(client.get(f"{BASE}/requests.json?{name}=0001-01-01"), 400, name)
    # Outside the ledger's years: named as the date, not as anything the ledger asks.
    early = client.get(f"{BASE}/requests.json?start_date=1800-01-01&end_date=1800-01-02")
    assert "1900" in spec_error(early, 400, "start_date")
    spec_error(
        client.get(BASE + "/requests.json?start_date=2026-10-02&end_date=2026-10-01"),
        400,
        "end_date",
    )
    spec_error(
        client.get(BASE + "/requests.json?start_date=2026-10-01&start_date=2026-10-02"),
        400,
        "start_date",
    )
    spec_error(client.get(BASE + "/requests.json?status=pending"), 400, "status")
    spec_error(client.get(BASE + "/requests.json?service_code=" + "x" * 40), 400, "service_code")
    many = ",".join(str(UUID(int=n)) for n in range(101))
    spec_error(
        client.get(BASE + "/requests.json?service_request_id=" + many), 400, "service_request_id"
    )

    english = client.get("/en" + BASE + "/requests.json?start_date=soon")
    assert "start_date must be an ISO 8601 date" in spec_error(english, 400, "start_date")

    # XML asks get XML errors; other paths and methods, the same form.
    xml = client.get(BASE + "/requests.xml?status=pending")
    assert xml.status_code == 400 and xml.headers["content-type"].startswith("text/xml")
    listed = ET.fromstring(xml.content).find("error")
    assert listed is not None and listed.findtext("code") == "400"
    assert "status" in (listed.findtext("description") or "")
    spec_error(client.get(BASE + "/requests.csv"), 404, "discovery.json")
    spec_error(client.get(BASE + "/tokens/1.json"), 404, "discovery.json")
    refused = client.post(BASE + "/requests.json", json={"service_code": "care"})
    spec_error(refused, 405, "GET")
    assert refused.headers["allow"] == "GET"


def test_answers_are_quick(client: TestClient) -> None:
    import time

    for path in (
        BASE + "/discovery.json",
        BASE + "/services.json",
        BASE + "/requests.json",
        BASE + "/requests.json?start_date=2020-01-01&end_date=2030-12-31&page_size=100",
    ):
        client.get(path)  # warm
        took = []
        for _ in range(3):
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            took.append(time.perf_counter() - started)
        assert min(took) < 0.1, path


def test_a_browser_reads_the_published_requests(
    live_url: str, phone: Any, desktop: Any, shots: Path, ledger: list[dict[str, Any]]
) -> None:
    for page, size, prefix, lang in (
        (desktop, "desktop", "", "zh"),
        (phone, "phone", "/en", "en"),
    ):
        answer = page.goto(f"{live_url}{prefix}{BASE}/requests.json?page_size=5")
        assert answer is not None and answer.status == 200
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        assert answer.headers["x-total-count"] == str(len(ledger))
        shown = json.loads(page.locator("pre").first.inner_text())
        assert shown == [expected(o, lang) for o in ledger[:5]]
        page.screenshot(path=shots / f"open311-requests-{lang}-{size}.png", full_page=True)
    answer = desktop.goto(f"{live_url}{BASE}/discovery.json")
    assert answer is not None and answer.status == 200
    shown = json.loads(desktop.locator("pre").first.inner_text())
    assert shown["endpoints"][0]["url"] == live_url + BASE
    desktop.screenshot(path=shots / "open311-discovery-zh-desktop.png", full_page=True)


def test_the_next_page_keeps_the_language_asked_for(client: TestClient) -> None:
    """`lang` is a parameter like any other: the links to the neighbouring pages keep it."""
    for fmt in ("json", "xml"):
        answer = client.get(f"{BASE}/requests.{fmt}?lang=en&page_size=2")
        assert answer.status_code == 200, answer.text
        assert "lang=en" in answer.headers["link"] and 'rel="next"' in answer.headers["link"]
