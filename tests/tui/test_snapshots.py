"""Pictures of the main screens, in Chinese at 80×24 and in English at 120×36.

Each picture is an SVG under `__snapshots__/test_snapshots/`, reviewed as a picture
before it is accepted (`pytest tests/tui/test_snapshots.py --snapshot-update` writes
them; the report pytest-textual-snapshot writes on a failure shows old and new side by
side). To be the same picture on every run, the books must be the same: a small demo
loaded once per session for a fixed day, with ids and receipt codes drawn from a seeded
generator, copied for each test and shown with the clock stopped at that day.
"""

from __future__ import annotations

import random
import shutil
import string
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from projections.system import System
from tests.conftest import make_system
from tests.tui.support import log_in, on_screen, settle, until
from tui import i18n
from tui.app import YimaiApp

#: The day the demo's books end (a Wednesday in March: the points year is young, last
#: year is closed and finalized).
NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)  # 10:00 in the stations' time zone
SMALL_DEMO = {"members": 24, "households": 16, "requests": 40}
SIZES = {"zh": (80, 24), "en": (120, 36)}

Snap = Callable[..., bool]


def _seeded_ids(seed: int) -> tuple[Callable[[], uuid.UUID], Callable[[], str]]:
    rng = random.Random(seed)
    alphabet = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def new_code() -> str:
        return "".join(rng.choice(alphabet) for _ in range(7))

    return new_id, new_code


@pytest.fixture(scope="session")
def snapshot_books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The small demo for NOW, with ids and receipt codes from a seeded generator."""
    folder = tmp_path_factory.mktemp("snapshot-books")
    new_id, new_code = _seeded_ids(2026)
    with pytest.MonkeyPatch.context() as patch:
        for name, module in list(sys.modules.items()):
            ours = name.split(".")[0] in ("domain", "projections", "cli", "eventsourcing")
            if ours and getattr(module, "uuid4", None) is uuid.uuid4:
                patch.setattr(module, "uuid4", new_id)
        patch.setattr("domain.orders.new_receipt_code", new_code)
        system = make_system(f"sqlite:///{folder / 'yimai.db'}")
        try:
            from cli.demo import load_demo

            load_demo(system, now=NOW, **SMALL_DEMO)
            system.runner.catch_up()
        finally:
            system.shutdown()
    yield folder


@pytest.fixture
def books(snapshot_books: Path, tmp_path: Path) -> Iterator[System]:
    """A copy of the books, its clock stopped at NOW."""
    for path in snapshot_books.iterdir():
        shutil.copy(path, tmp_path / path.name)
    system = make_system(f"sqlite:///{tmp_path / 'yimai.db'}")
    system.app.clock = lambda: NOW
    yield system
    system.shutdown()


def _app(system: System, lang: str) -> YimaiApp:
    i18n.set_language(lang)
    return YimaiApp(system, lang=lang)


def _shot(
    snap_compare: Snap,
    system: System,
    lang: str,
    steps: Callable[[Pilot[Any]], Awaitable[None]],
) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steps(pilot)
        await settle(pilot)

    try:
        return snap_compare(_app(system, lang), terminal_size=SIZES[lang], run_before=run_before)
    finally:
        i18n.set_language("zh")


LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


@LANGS
def test_dashboard(snap_compare: Snap, books: System, lang: str) -> None:
    from tui.screens.dashboard import DashboardScreen

    async def steps(pilot: Pilot[Any]) -> None:
        await log_in(pilot, "demo-supervisor", "demo", section=None)
        dashboard = await on_screen(pilot, DashboardScreen)
        await until(pilot, lambda: dashboard.snapshot is not None)

    assert _shot(snap_compare, books, lang, steps)


@LANGS
def test_intake(snap_compare: Snap, books: System, lang: str) -> None:
    from tui.screens.intake import IntakeScreen

    async def steps(pilot: Pilot[Any]) -> None:
        await log_in(pilot, "demo-clerk", "demo", section="intake")
        await on_screen(pilot, IntakeScreen)

    assert _shot(snap_compare, books, lang, steps)


@LANGS
def test_request_detail(snap_compare: Snap, books: System, lang: str) -> None:
    from tui.screens.board import BoardScreen
    from tui.screens.request import RequestScreen

    async def steps(pilot: Pilot[Any]) -> None:
        await log_in(pilot, "demo-supervisor", "demo", section="board")
        board = await on_screen(pilot, BoardScreen)
        await until(pilot, lambda: board.table.ready and board.table.total > 0)
        await pilot.press("enter")
        request = await on_screen(pilot, RequestScreen)
        await until(pilot, lambda: request.view is not None)

    assert _shot(snap_compare, books, lang, steps)


@LANGS
def test_roster(snap_compare: Snap, books: System, lang: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await log_in(pilot, "demo-clerk", "demo", section="roster")

    assert _shot(snap_compare, books, lang, steps)


@LANGS
def test_replay(snap_compare: Snap, books: System, lang: str) -> None:
    from tui.screens.audit import AuditScreen
    from tui.screens.replay import ReplayScreen

    async def steps(pilot: Pilot[Any]) -> None:
        await log_in(pilot, "demo-reviewer", "demo", section="audit")
        await on_screen(pilot, AuditScreen)
        await pilot.press("escape", "r")  # from the lookup box to the list, then replay
        replay = await on_screen(pilot, ReplayScreen)
        await pilot.press("tab", *"demo-clerk", "enter")
        await until(pilot, lambda: replay.found is not None)
        await pilot.press("right", "right")
        await until(pilot, lambda: replay.found is not None and replay.step == 2)

    assert _shot(snap_compare, books, lang, steps)


@LANGS
def test_statistics(snap_compare: Snap, books: System, lang: str) -> None:
    from tui.screens.statistics import StatisticsScreen

    async def steps(pilot: Pilot[Any]) -> None:
        await log_in(pilot, "demo-supervisor", "demo", section="statistics")
        statistics = await on_screen(pilot, StatisticsScreen)
        await until(pilot, lambda: statistics.loaded)

    assert _shot(snap_compare, books, lang, steps)
