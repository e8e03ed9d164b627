"""The canary: residents, members and households are seeded with marker strings, their
requests, wishes and needs go all the way to publication, their year's points are closed
and the selection published; then every page and feed of the public site is crawled,
in both languages, following every link it offers (lists, filters, pages, details,
receipts and their proofs, checkpoints, the Open311 view), and no marker may appear in
anything it answers or logs. Names appear only masked (标***甲), where the domain
publishes them."""

from __future__ import annotations

import html
import json
import logging
import re
from collections import deque
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from projections.system import System
from tests.api import conftest as api
from tests.api import test_public, test_public_points
from tests.api.conftest import Desk

# The API's fixtures, for this module: a fresh SQLite system, its API client, the
# station's staff with their tokens, a small roster and the desk that works on it.
system = api.system
client = api.client
tokens = api.tokens
roster = api.roster
desk = api.desk

#: Enough for every page of this small ledger; a crawl that needs more is looping.
MOST_URLS = 3000
HREF = re.compile(r"""(?:href|action)="([^"]*)\"""")
FORM = re.compile(r"<form\b[^>]*action=\"([^\"]*)\"[^>]*>(.*?)</form>", re.S)
SELECT = re.compile(r"<select\b[^>]*name=\"([^\"]+)\"[^>]*>(.*?)</select>", re.S)
OPTION = re.compile(r"<option\b[^>]*value=\"([^\"]*)\"")


def markers() -> dict[str, str]:
    found = dict(test_public.MARKERS)
    for i, marker in enumerate(test_public_points.markers()):
        found[f"points_{i}"] = marker
    return found


def _links(url: str, answer: Any) -> list[str]:
    kind = answer.headers.get("content-type", "")
    found: list[str] = []
    if kind.startswith("text/html"):
        found = [html.unescape(h) for h in HREF.findall(answer.text)]
        # Each filter of each form, one choice at a time (the forms are GET forms).
        for action, body in FORM.findall(answer.text):
            for name, options in SELECT.findall(body):
                for value in OPTION.findall(options):
                    if value:
                        found.append(f"{html.unescape(action)}?{name}={html.unescape(value)}")
    elif kind.startswith("application/json"):
        # The neighbouring pages, and any file a feed names (an endpoint's base URL, as
        # Open311's discovery gives, is not a document of its own).
        found = [
            m
            for m in re.findall(r'"((?:/|http://testserver/)[^"\s]*)"', answer.text)
            if re.search(r"[?&]page=\d+|\.(json|csv|pem|py|xml)(\?|$)", m)
        ]
    out = []
    for link in found:
        absolute = urljoin("http://testserver" + url, link)
        parts = urlsplit(absolute)
        if parts.netloc != "testserver" or parts.path.startswith(("/api", "/static")):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl(site: TestClient, starts: list[str]) -> dict[str, Any]:
    """Every URL reachable from `starts` by the links the site offers: its answer."""
    seen: dict[str, Any] = {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        assert len(seen) < MOST_URLS, "the crawl does not end"
        answer = site.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        seen[url] = answer
        queue.extend(link for link in _links(url, answer) if link not in seen)
    return seen


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_no_public_page_or_feed_shows_personal_data(
    desk: Desk, system: System, caplog: pytest.LogCaptureFixture
) -> None:
    from web.site import create_server

    published = test_public.seed(desk)
    test_public_points.seed(desk, system)
    system.runner.catch_up()
    system.seal.checkpoint()
    codes = [
        desk.get("clerk", f"/requests/{r}")["receipt_code"]
        for r in [*published["requests"], published["unpublished"]]
    ]

    site = TestClient(create_server(system))
    starts = ["/", "/en/", "/feeds", "/en/feeds"]
    starts += [f"{lang}/receipt?code={code}" for code in codes for lang in ("", "/en")]
    with caplog.at_level(logging.DEBUG):
        answers = crawl(site, starts)

    kinds = {urlsplit(u).path.split("/")[1 if not u.startswith("/en") else 2] for u in answers}
    # The crawl reached every part of the site, and each part's pages and feeds.
    for part in ("outcomes", "rankings", "claims", "statistics", "receipt", "checkpoints"):
        assert part in kinds, (part, sorted(kinds))
    assert any(u.endswith(".csv") or ".csv?" in u for u in answers)
    assert any("/open311/" in u for u in answers)
    assert any("proof" in u for u in answers), "no receipt's proof was offered"

    everything = "\n".join(a.content.decode("utf-8", "replace") for a in answers.values())
    everything += "\n" + "\n".join(r.getMessage() for r in caplog.records)
    for name, marker in markers().items():
        assert marker not in everything, name
        # Nor hidden as JSON's ASCII escapes (\\u6807...).
        assert json.dumps(marker)[1:-1] not in everything, name
    # Names appear, masked, where the domain publishes them: the rankings and selection.
    assert "标***甲" in everything
    assert len(answers) > 100
