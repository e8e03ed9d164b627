"""微心愿 · 共建项目 in the browser and over HTTP: a resident reads the micro-wishes members
fulfilled and the alliance needs resident units met, filters and pages them, opens one,
switches to English, downloads the lists as JSON and CSV; nothing of the resident a
wish was for is ever shown."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from domain.access import Principal, Role
from domain.dto import WishDraft
from domain.personal import ERASED
from projections.public import PublicView
from projections.queries import Page
from projections.requests import PUBLIC_CLAIMABLE_FIELDS, PUBLIC_NEED_FIELDS
from projections.system import System
from tests.conftest import (
    ADMIN_PASSWORD,
    household_draft,
    make_system,
    member_draft,
    open_org,
    open_staff,
)

KINDS = ("wishes", "needs")
TITLES = {
    ("zh", "claims"): "微心愿·共建项目",
    ("en", "claims"): "Micro-wishes and alliance needs",
    ("zh", "wishes"): "已兑现的微心愿",
    ("en", "wishes"): "Micro-wishes fulfilled",
    ("zh", "needs"): "已完成的共建项目",
    ("en", "needs"): "Alliance needs met",
}
PREFIX = {"zh": "", "en": "/en"}
ERASED_TEXT = {"zh": "（已按本人要求删除）", "en": "(erased at their request)"}
#: What the demo seals and must never reach the public: the wish in the resident's words
#: and the claimants' notes.
SEALED = ("家里没人能帮忙", "已送到居民家中", "项目已实施")
READER = Principal("reader", frozenset({Role.REVIEWER}))


def _listing(system: System, kind: str, **query: Any) -> Page:
    page: Page = getattr(system.requests, f"public_{kind}")(**query)
    return page


def _day(value: Any) -> str:
    return "—" if value is None else value.isoformat()


def _expected(item: dict[str, Any], lang: str = "zh") -> list[str]:
    """A row as the page must show it, from the query's own item."""
    place = item["community_name"] + (f" · {item['branch_name']}" if item["branch_name"] else "")
    claimant = ERASED_TEXT[lang] if item["claimant"] == ERASED else item["claimant"]
    return [
        item["title"],
        place,
        claimant,
        _day(item["claimed_on"]),
        _day(item["fulfilled_on"]),
        _day(item["published_on"]),
        item["summary"],
    ]


def _rows(where: Any) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in where.locator("table.list tbody tr").all()
    ]


def _main(html: str) -> str:
    """The page's own content (the frame's language switch repeats the query)."""
    return html.split('<main id="main">', 1)[1].split("</main>", 1)[0]


def _no_personal_data(text: str) -> None:
    for sealed in SEALED:
        assert sealed not in text
    assert not re.search(r"1\d{10}", text)  # no phone number


# -- in the browser -------------------------------------------------------------------------


def test_the_overview_shows_the_latest_wishes_and_needs(
    live_url: str, phone: Any, desktop: Any, site_system: System, shots: Path
) -> None:
    latest = {kind: _listing(site_system, kind, limit=5) for kind in KINDS}
    assert latest["wishes"].total > 5 and latest["needs"].total > 0  # the demo has both
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        for lang in ("zh", "en"):
            page.goto(f"{live_url}{PREFIX[lang]}/claims")
            assert page.locator("h1").inner_text() == TITLES[(lang, "claims")]
            current = page.locator("nav a[aria-current=page]").inner_text()
            assert current == ("微心愿·共建" if lang == "zh" else "Wishes & needs")
            for kind in KINDS:
                section = page.locator(f"section#{kind}")
                assert section.locator("h2").inner_text() == TITLES[(lang, kind)]
                assert _rows(section) == [_expected(i, lang) for i in latest[kind].items]
                more = section.locator(f"a[href='{PREFIX[lang]}/claims/{kind}']")
                assert str(latest[kind].total) in more.inner_text()
            _no_personal_data(page.locator("main").inner_text())
            page.screenshot(path=shots / f"claims-{lang}-{size}.png", full_page=True)
    desktop.goto(live_url + "/claims")
    desktop.click("section#needs >> a[href='/claims/needs']")
    assert desktop.url == live_url + "/claims/needs"
    assert desktop.locator("h1").inner_text() == TITLES[("zh", "needs")]


def test_a_resident_filters_and_pages_the_wishes_and_opens_one(
    live_url: str, desktop: Any, phone: Any, site_system: System, shots: Path
) -> None:
    found = _listing(site_system, "wishes", limit=500)
    desktop.goto(live_url + "/claims/wishes")
    assert desktop.locator("h1").inner_text() == TITLES[("zh", "wishes")]
    assert f"共 {found.total} 条" in desktop.locator("main").inner_text()
    assert _rows(desktop) == [_expected(i) for i in found.items[:20]]
    desktop.screenshot(path=shots / "claims-wishes-zh-desktop.png", full_page=True)

    # The community filter: the demo's one community holds them all.
    community = next(p for p in PublicView(site_system).places() if p["level"] == "community")
    desktop.select_option("select[name=community]", str(community["id"]))
    desktop.click("button[type=submit]")
    assert f"community={community['id']}" in desktop.url
    mine = _listing(site_system, "wishes", community_id=community["id"], limit=500)
    assert f"共 {mine.total} 条" in desktop.locator("main").inner_text()
    assert _rows(desktop) == [_expected(i) for i in mine.items[:20]]
    assert desktop.locator("form.filters a").inner_text() == "清除筛选"

    # Three a page: the pager walks the same order the query gives.
    pages = math.ceil(found.total / 3)
    desktop.goto(live_url + "/claims/wishes?per_page=3")
    assert _rows(desktop) == [_expected(i) for i in found.items[:3]]
    assert desktop.locator("nav.pager span").inner_text() == f"第 1 / {pages} 页"
    desktop.click("a[rel=next]")
    assert "page=2" in desktop.url and "per_page=3" in desktop.url
    assert _rows(desktop) == [_expected(i) for i in found.items[3:6]]
    assert desktop.locator("nav.pager span").inner_text() == f"第 2 / {pages} 页"
    desktop.screenshot(path=shots / "claims-wishes-page2-zh-desktop.png", full_page=True)
    desktop.click("a[rel=prev]")
    assert _rows(desktop) == [_expected(i) for i in found.items[:3]]

    first = found.items[0]
    desktop.locator("tbody tr td:first-child a").first.click()
    assert desktop.url == f"{live_url}/claims/wishes/{first['id']}"
    assert desktop.locator("h1").inner_text() == first["title"]
    facts = desktop.locator("dl.facts").inner_text()
    for value in (first["claimant"], first["community_name"], _day(first["fulfilled_on"])):
        assert value in facts
    assert desktop.locator("p.summary").inner_text() == first["summary"]
    _no_personal_data(desktop.locator("main").inner_text())
    desktop.screenshot(path=shots / "claims-wish-zh-desktop.png", full_page=True)

    phone.goto(live_url + "/en/claims/wishes")
    assert phone.locator("h1").inner_text() == TITLES[("en", "wishes")]
    assert f"{found.total} in all" in phone.locator("main").inner_text()
    # On a phone each row is a card whose cells carry their labels.
    assert phone.locator("thead").is_hidden()
    assert _rows(phone) == [_expected(i, "en") for i in found.items[:20]]
    phone.screenshot(path=shots / "claims-wishes-en-phone.png", full_page=True)
    phone.locator("tbody tr td:first-child a").first.click()
    assert phone.url == f"{live_url}/en/claims/wishes/{first['id']}"
    assert "Member" in phone.locator("dl.facts").inner_text()
    phone.screenshot(path=shots / "claims-wish-en-phone.png", full_page=True)


def test_a_resident_reads_the_alliance_needs_in_both_languages(
    live_url: str, desktop: Any, phone: Any, site_system: System, shots: Path
) -> None:
    found = _listing(site_system, "needs", limit=500)
    first = site_system.requests.public_need(found.items[0]["id"])
    for page, size, lang in ((desktop, "desktop", "en"), (phone, "phone", "zh")):
        page.goto(f"{live_url}{PREFIX[lang]}/claims/needs")
        assert page.locator("h1").inner_text() == TITLES[(lang, "needs")]
        assert _rows(page) == [_expected(i, lang) for i in found.items[:20]]
        page.screenshot(path=shots / f"claims-needs-{lang}-{size}.png", full_page=True)
        page.locator("tbody tr td:first-child a").first.click()
        assert page.url == f"{live_url}{PREFIX[lang]}/claims/needs/{first['id']}"
        assert page.locator("h1").inner_text() == first["title"]
        facts = page.locator("dl.facts").inner_text()
        assert first["alliance"] in facts and first["claimant"] in facts
        assert ("Resident unit" if lang == "en" else "认领单位") in facts
        texts = page.locator("p.summary").all_inner_texts()
        assert texts == [first["description"], first["summary"]]
        _no_personal_data(page.locator("main").inner_text())
        page.screenshot(path=shots / f"claims-need-{lang}-{size}.png", full_page=True)


# -- the feeds ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_feeds_page_through_each_list(
    client: TestClient, site_system: System, kind: str
) -> None:
    found = _listing(site_system, kind, limit=500)
    seen: list[dict[str, Any]] = []
    url: str | None = f"/claims/{kind}.json?per_page=3"
    while url:
        body = client.get(url).json()
        assert body["total"] == found.total and body["per_page"] == 3
        assert all(tuple(item) == PUBLIC_CLAIMABLE_FIELDS for item in body["items"])
        seen.extend(body["items"])
        url = body["next"]
    assert [o["id"] for o in seen] == [str(o["id"]) for o in found.items]
    assert seen[0]["claimant"] == found.items[0]["claimant"]
    assert seen[0]["published_on"] == found.items[0]["published_on"].isoformat()

    community = next(p for p in PublicView(site_system).places() if p["level"] == "community")
    narrowed = client.get(f"/claims/{kind}.json?community={community['id']}").json()
    assert narrowed["total"] == found.total
    assert client.get(f"/claims/{kind}.json?community={uuid4()}").json()["total"] == 0

    answer = client.get(f"/claims/{kind}.csv?per_page=100")
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"{kind}-page-1.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == PUBLIC_CLAIMABLE_FIELDS
    assert [r["id"] for r in rows] == [o["id"] for o in seen]
    assert rows[0]["title"] == seen[0]["title"] and rows[0]["summary"] == seen[0]["summary"]

    one = client.get(f"/claims/{kind}/{seen[0]['id']}.json").json()["items"][0]
    if kind == "wishes":
        assert one == seen[0]
    else:
        assert tuple(one) == PUBLIC_NEED_FIELDS
        assert {k: one[k] for k in PUBLIC_CLAIMABLE_FIELDS} == seen[0]
        assert one["alliance"] and one["description"]
    _no_personal_data(answer.content.decode("utf-8-sig") + repr(seen) + repr(one))


def test_bad_input_is_named_and_an_unpublished_item_is_not_found(
    client: TestClient, site_system: System
) -> None:
    page = client.get("/claims/wishes?community=nope")
    assert page.status_code == 422
    assert 'data-field="community"' in _main(page.text) and "nope" not in _main(page.text)
    feed = client.get("/claims/needs.json?community=nope")
    assert feed.status_code == 422 and feed.json()["field"] == "community"
    page = client.get("/en/claims/needs?page=abc")
    assert page.status_code == 422
    assert "“Page”" in _main(page.text) and "abc" not in _main(page.text)
    for query, field in (("page=0", "page"), ("per_page=1000", "per_page"), ("page=-1", "page")):
        feed = client.get(f"/claims/wishes.json?{query}")
        assert feed.status_code == 422 and feed.json()["field"] == field
        assert "1000" not in feed.text and "-1" not in feed.text

    # A malformed id in the path names no page.
    bad = client.get("/claims/wishes/not-a-wish")
    assert bad.status_code == 404
    assert "not-a-wish" not in _main(bad.text)
    assert client.get("/claims/needs/not-a-need.json").status_code == 404
    missing = client.get(f"/en/claims/wishes/{uuid4()}")
    assert missing.status_code == 404 and "There is no such page or record." in missing.text
    assert client.get(f"/claims/needs/{uuid4()}.json").status_code == 404

    # A wish still being worked on, and a need under the wishes' path, are not public.
    working = site_system.requests.wishes(actor=READER, state="claimed").items[0]["id"]
    assert client.get(f"/claims/wishes/{working}").status_code == 404
    assert client.get(f"/claims/wishes/{working}.json").status_code == 404
    need = _listing(site_system, "needs").items[0]["id"]
    assert client.get(f"/claims/wishes/{need}").status_code == 404


# -- books of its own: an empty start, two communities, an erased member -----------------------


def test_a_small_ledger_filters_by_community_and_names_nobody_it_must_not(
    tmp_path: Path,
) -> None:
    from web.site import create_server

    system = make_system(f"sqlite:///{tmp_path / 'y.db'}")
    try:
        system.initialize("admin", ADMIN_PASSWORD)
        system.seal.ensure_key()
        staff = open_staff(system)
        org = open_org(system, staff.admin)
        client = TestClient(create_server(system))

        empty = client.get("/claims").text
        assert empty.count("暂无已公开的记录。") == 2
        assert "暂无记录。" in client.get("/claims/wishes").text
        assert client.get("/claims/needs.json").json()["total"] == 0

        app = system.app
        here = app.register_member(member_draft(org.branch, name="张三丰"), actor=staff.clerk).id
        there = app.register_member(
            member_draft(org.other_branch, name="李小龙", phone="13700002222"), actor=staff.clerk
        ).id
        home = app.register_household(
            household_draft(org.branch, head_name="欧阳娜娜", head_phone="13900003333"),
            actor=staff.clerk,
        ).id
        published = {}
        for community, branch, member, title in (
            (org.community, org.branch, here, "想要一台收音机"),
            (org.other_community, org.other_branch, there, "想学用智能手机"),
        ):
            wish = app.post_wish(
                WishDraft(
                    community,
                    title,
                    "家里没人能帮忙，电话13912345678",
                    branch_id=branch,
                    household_id=home if community == org.community else None,
                    resident_name=None if community == org.community else "司马光明",
                ),
                actor=staff.clerk,
            ).id
            app.claim_wish(wish, member_id=member, actor=staff.clerk)
            app.fulfil_wish(wish, "已送到居民家中", actor=staff.clerk)
            app.confirm_wish(wish, actor=staff.supervisor)
            app.publish_wish(wish, "党员帮忙办好了", actor=staff.supervisor)
            published[community] = UUID(str(wish))
        app.erase_person(there, "the member asked to be forgotten", actor=staff.admin)
        system.runner.wait_for(int(app.last_position()))

        both = client.get("/claims/wishes")
        assert "共 2 条" in both.text and "张*丰" in both.text
        assert ERASED_TEXT["zh"] in both.text and "李" not in both.text
        ours = client.get(f"/claims/wishes?community={org.community}").text
        assert "共 1 条" in ours and "想要一台收音机" in ours and "想学用智能手机" not in ours
        feed = client.get(f"/claims/wishes.json?community={org.other_community}").json()
        assert [i["id"] for i in feed["items"]] == [str(published[org.other_community])]
        assert feed["items"][0]["claimant"] == ERASED
        erased = client.get(f"/en/claims/wishes/{published[org.other_community]}").text
        assert ERASED_TEXT["en"] in erased

        shown = "".join(
            client.get(path).text
            for path in (
                "/claims",
                "/claims/wishes",
                "/claims/wishes.json",
                "/claims/wishes.csv",
                *(f"/claims/wishes/{w}" for w in published.values()),
                *(f"/claims/wishes/{w}.json" for w in published.values()),
            )
        )
        for private in ("欧阳娜娜", "司马光明", "李小龙", "13900003333", "13912345678", str(home)):
            assert private not in shown
        _no_personal_data(shown)
    finally:
        system.shutdown()
