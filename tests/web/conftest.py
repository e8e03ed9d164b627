"""The public site's fixtures: the demo's books loaded once per session and sealed under
a checkpoint; a TestClient on the whole server (site and API); a live server on
127.0.0.1 for the browser; and a real headless Chromium (Debian's `chromium`), driven by
Playwright, skipped with the reason where none is found."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.system import System
from tests.conftest import make_system

#: A demo big enough that every list has rows and pages, small enough to load quickly.
SITE_DEMO: dict[str, Any] = {"members": 60, "households": 40, "requests": 90}
CHROMIUM_ENV = "YIMAI_TEST_CHROMIUM"
#: Where screenshots are kept to be looked at (else each test's temporary folder).
SCREENSHOTS_ENV = "YIMAI_TEST_SCREENSHOTS"
#: How Chromium starts here: no sandbox (root), and nothing that reaches the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def site_books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, loaded once, sealed, with a signed checkpoint: a folder holding it."""
    folder = tmp_path_factory.mktemp("site-books")
    system = make_system(f"sqlite:///{folder / 'yimai.db'}")
    try:
        from cli.demo import load_demo

        system.seal.ensure_key()
        load_demo(system, **SITE_DEMO)
        system.runner.catch_up()
        system.seal.checkpoint()
    finally:
        system.shutdown()
    return folder


@pytest.fixture(scope="session")
def site_system(site_books: Path) -> Iterator[System]:
    """The demo's books, open for reading (tests here never write to them)."""
    system = make_system(f"sqlite:///{site_books / 'yimai.db'}")
    yield system
    system.shutdown()


@pytest.fixture(scope="session")
def client(site_system: System) -> TestClient:
    """The whole server (site at /, API under /api) over the real HTTP stack in-process."""
    from web.site import create_server

    return TestClient(create_server(site_system))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(site_system: System) -> Iterator[str]:
    """The server under uvicorn on 127.0.0.1, for the browser."""
    import uvicorn

    from web.site import create_server

    port = _free_port()
    config = uvicorn.Config(
        create_server(site_system), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def chromium_path() -> str | None:
    return (
        os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A real headless Chromium, or a skip that says why there is none. One a module:
    Playwright's sync API keeps an event loop running in this thread while it is open,
    and the Textual tests that may follow in the same worker need to start their own."""
    path = chromium_path()
    if path is not None and not os.path.exists(path):
        pytest.skip(f"{CHROMIUM_ENV} names no file; the public site's browser tests are skipped")
    if path is None:
        pytest.skip(
            "no Chromium found (install Debian's `chromium`, or set "
            f"{CHROMIUM_ENV}); the public site's browser tests are skipped"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed; the public site's browser tests are skipped")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where this test's screenshots go."""
    kept = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(kept) if kept else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page the size of a phone's screen (390×844, touch, 2× pixels)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    """A page the size of a desktop window (1280×900)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
