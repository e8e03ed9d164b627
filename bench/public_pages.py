"""How long does each page and feed of the public site take to render, server-side?

    .venv/bin/python bench/public_pages.py                      # builds the demo in /tmp
    .venv/bin/python bench/public_pages.py --database sqlite:////tmp/y.db --rounds 30

It crawls the site from `/` and `/en/` (as the canary test does), keeps one URL of each
kind (ids, codes and numbers in the path read as placeholders), and times each through
the whole ASGI stack in-process (routing, queries, templates; no network), next to a
bare endpoint served the same way in the same run, so that what the machine costs
anyway shows as the baseline. Prints the median and 95th percentile in milliseconds,
and the ratio of the median to the bare endpoint's; the target is < 100 ms a page.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
import warnings
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

warnings.filterwarnings("ignore", category=DeprecationWarning)

import sqlalchemy as sa  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.responses import HTMLResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from cli.demo import load_demo  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.requests import board  # noqa: E402
from projections.system import open_system  # noqa: E402
from web.site import LanguagePrefix, create_server  # noqa: E402

HREF = re.compile(r"""href="([^"]*)\"""")
PLACEHOLDERS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "{id}"),
    (re.compile(r"[2-9A-Z]{3}-[2-9A-Z]{4}"), "{code}"),
    (re.compile(r"(?<=/)\d+(?=/|\.|$)"), "{n}"),
]


def kind_of(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path
    for pattern, placeholder in PLACEHOLDERS:
        path = pattern.sub(placeholder, path)
    query = "&".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    return path + (f"?{query}" if query else "")


def crawl(client: TestClient, starts: list[str], most: int) -> dict[str, str]:
    """One URL of each kind reachable from `starts`."""
    kinds: dict[str, str] = {}
    seen: set[str] = set()
    queue = deque(starts)
    while queue and len(seen) < most:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        answer = client.get(url)
        if answer.status_code != 200:
            continue
        kinds.setdefault(kind_of(url), url)
        if answer.headers.get("content-type", "").startswith("text/html"):
            for link in HREF.findall(answer.text):
                parts = urlsplit(urljoin("http://testserver" + url, html.unescape(link)))
                if parts.netloc == "testserver" and not parts.path.startswith(("/api", "/static")):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return kinds


def timings(client: TestClient, url: str, rounds: int) -> list[float]:
    client.get(url)  # warm: templates compiled, caches filled
    found = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(url)
        found.append(time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite:////tmp/yimai-bench-site.db")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--most", type=int, default=600, help="URLs to crawl at most")
    args = parser.parse_args()
    system = open_system(Settings(database_url=args.database))
    try:
        if not system.app.is_initialized():
            print("loading the demo …", flush=True)
            system.seal.ensure_key()
            load_demo(system)
        system.runner.catch_up()
        system.seal.checkpoint()
        events = system.app.last_position()
        site = TestClient(create_server(system))
        bare_app = FastAPI()

        @bare_app.get("/", response_class=HTMLResponse)
        def bare() -> str:
            return "<!doctype html><title>bare</title><p>bare</p>"

        bare_client = TestClient(LanguagePrefix(bare_app))
        base = statistics.median(timings(bare_client, "/", args.rounds * 5))
        # Receipt codes are never listed: look two up as residents do, with their proofs.
        with system.db.read.connect() as conn:
            codes = conn.execute(
                sa.select(board.c.receipt_code).order_by(board.c.placed_at).limit(2)
            ).scalars()
            receipts = [f"/receipt/{code}" for code in codes]
        kinds = crawl(site, ["/", "/en/", *receipts], args.most)
        print(f"{events:,} events; {len(kinds)} kinds of page; {args.rounds} rounds each")
        print(f"bare endpoint: median {base * 1000:.2f} ms")
        print(f"{'page':<52} {'median':>8} {'p95':>8} {'ratio':>7}")
        worst = 0.0
        for kind, url in sorted(kinds.items()):
            found = sorted(timings(site, url, args.rounds))
            median = statistics.median(found)
            p95 = found[min(len(found) - 1, int(len(found) * 0.95))]
            worst = max(worst, median)
            print(f"{kind[:52]:<52} {median * 1000:8.2f} {p95 * 1000:8.2f} {median / base:7.1f}")
        print(f"slowest median: {worst * 1000:.1f} ms (target < 100 ms)")
    finally:
        system.shutdown()


if __name__ == "__main__":
    main()
