"""How long from submitting the login to the dashboard, next to showing the login itself?

    .venv/bin/python bench/tui_first_screen.py                     # the demo in a temp file
    .venv/bin/python bench/tui_first_screen.py --database /tmp/y.db   # an existing SQLite file
    .venv/bin/python bench/tui_first_screen.py --members 30 --requests 30 --rounds 2  # quick

Each round starts the terminal app headless (Textual's run_test) and times:
  login      from starting the app to the login screen painted (the plain first screen)
  auth       from pressing Enter on the password to the login accepted (argon2, on purpose
             slow, is most of it)
  dashboard  from pressing Enter to the dashboard's first complete paint: every tile the
             account may read filled, the branches and the recent activity shown
  after auth the dashboard's own share: dashboard minus auth, per round
and prints the median, the fastest and the slowest of each, and the ratio dashboard/login.
The goal: the dashboard within 1.5 s of submitting the login, with the demo loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402

from cli.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.system import System, open_system  # noqa: E402
from tui.app import YimaiApp  # noqa: E402
from tui.screens.dashboard import DashboardScreen, Tile  # noqa: E402
from tui.screens.login import LoginScreen  # noqa: E402

#: How often the clock looks at the app (seconds): the figures are this coarse.
TICK = 0.002


async def _until(pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {timeout} s for {predicate}")
        await asyncio.sleep(TICK)


def _dashboard_complete(app: YimaiApp) -> bool:
    screen = app.screen
    if not isinstance(screen, DashboardScreen) or screen.snapshot is None:
        return False
    return all(tile.count is not None for tile in screen.query(Tile) if tile.display)


async def one_round(
    system: System, user: str, password: str, size: tuple[int, int]
) -> dict[str, float]:
    app = YimaiApp(system)
    started = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.is_mounted)
        await pilot.pause()  # one refresh: the login is painted
        login = time.perf_counter() - started
        screen = app.screen
        screen.query_one("#username", Input).value = user
        screen.query_one("#password", Input).value = password
        screen.query_one("#password", Input).focus()
        await pilot.pause()
        submitted = time.perf_counter()
        await pilot.press("enter")
        await _until(pilot, lambda: app.principal is not None)
        auth = time.perf_counter() - submitted
        await _until(pilot, lambda: _dashboard_complete(app))
        await pilot.pause()  # the refresh that paints the filled tiles
        dashboard = time.perf_counter() - submitted
        await app.workers.wait_for_complete()
    return {"login": login, "auth": auth, "dashboard": dashboard, "after auth": dashboard - auth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an existing SQLite file (default: a new demo)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--user", default="demo-supervisor")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--size", default="120x36", help="terminal columns x rows")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.lower().split("x"))

    with tempfile.TemporaryDirectory(prefix="yimai-bench-") as tmp:
        path = Path(args.database) if args.database else Path(tmp) / "yimai.db"
        system = open_system(Settings(database_url=f"sqlite:///{path}"))
        try:
            if not system.app.is_initialized():
                print("loading the demo …", flush=True)
                load_demo(
                    system,
                    members=args.members,
                    households=args.households,
                    requests=args.requests,
                )
            system.runner.catch_up()
            print(
                f"{system.app.last_position()} events; {args.rounds} rounds; user {args.user}; "
                f"{columns}×{rows}"
            )
            results = [
                asyncio.run(one_round(system, args.user, args.password, (columns, rows)))
                for _ in range(args.rounds)
            ]
        finally:
            system.shutdown()

    print(f"{'':10} {'median s':>9} {'min s':>7} {'max s':>7}")
    medians = {}
    for name in ("login", "auth", "dashboard", "after auth"):
        values = [r[name] for r in results]
        medians[name] = statistics.median(values)
        print(f"{name:10} {medians[name]:9.3f} {min(values):7.3f} {max(values):7.3f}")
    print(f"dashboard / login: {medians['dashboard'] / medians['login']:.2f}×")
    verdict = "within" if medians["dashboard"] <= 1.5 else "OVER"
    print(f"goal 1.5 s: {verdict}")


if __name__ == "__main__":
    main()
