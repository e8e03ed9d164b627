"""Does the request board scroll 100k requests as smoothly as 1k?

    .venv/bin/python bench/tui_board.py --requests 100000
    .venv/bin/python bench/tui_board.py --requests 100000 --database sqlite:////tmp/b.db

Builds (or tops up) a database with that many open requests on the board, and a small
one (--small, 1000 by default) beside it, then opens the board of each in a headless
Textual app (run_test) and times, for the same keys:
  first rows   switching to the board section until its first rows are shown
  reload       new filters: the table reads from the top again
  page down    one PageDown until the rows in view are read
  end / home   jumping to the last row (the oldest request) and back
It prints the median seconds of each and the ratio big/small.

The requests are placed through the Application's own `place_request` (validation,
events, sealed personal fields); only the storage is batched: the aggregates of a
batch are saved in one transaction and their keys inserted in one, instead of one
commit each (which costs ~15 ms a request on SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from domain.access import Principal  # noqa: E402
from domain.dto import RequestDraft  # noqa: E402
from domain.requests import DEFAULT_CATEGORIES, ReceiptCode  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.stores import subject_keys  # noqa: E402
from projections.system import System, open_system  # noqa: E402

ADMIN, PASSWORD = "admin", "bench-pass-1234"
BATCH = 2_000
CHANNELS = ("walk_in", "phone", "online", "cadre_visit", "liaison_visit")
WORDS = ("楼道灯不亮", "垃圾清运不及时", "邻居噪音扰民", "独居老人需要送餐", "路面破损", "政策咨询")


class BatchedKeys:
    """The key store, with new keys held back and inserted once per batch."""

    def __init__(self, store: Any, system: System) -> None:
        self.store = store
        self.system = system
        self.pending: dict[UUID, bytes] = {}

    def get_or_create_key(self, subject_id: UUID) -> bytes:
        key = self.pending.get(subject_id) or self.store.get_key(subject_id)
        if key is None:
            key = self.pending[subject_id] = AESGCM.generate_key(bit_length=256)
        return bytes(key)

    def get_key(self, subject_id: UUID) -> bytes | None:
        return self.pending.get(subject_id) or self.store.get_key(subject_id)

    def destroy_key(self, subject_id: UUID) -> None:
        self.store.destroy_key(subject_id)

    def pepper(self) -> bytes:
        return bytes(self.store.pepper())

    def flush(self) -> None:
        if self.pending:
            rows = [{"subject_id": s, "key": k} for s, k in self.pending.items()]
            with self.system.db.write.begin() as conn:
                conn.execute(subject_keys.insert(), rows)
            self.pending.clear()


def organization(system: System, admin: Principal) -> tuple[UUID, list[UUID]]:
    """The community and its branches (opened the first time)."""
    roots = system.roster.tree(actor=admin)
    for root in roots:
        for unit in root.children:
            return unit.id, [b.id for b in unit.children if b.level == "branch"]
    app = system.app
    sd = app.open_unit("subdistrict", "凤城街道", actor=admin).id
    community = app.open_unit("community", "鹏泉社区", sd, actor=admin).id
    branches = [
        app.open_unit("branch", f"第{n}网格党支部", community, kind="direct", actor=admin).id
        for n in "一二三四五六"
    ]
    system.runner.catch_up()
    return community, branches


def on_board(system: System, admin: Principal) -> int:
    return int(system.requests.board(actor=admin, now=system.app.now(), limit=1).total)


def build(url: str, requests: int) -> None:
    """Top the database up to `requests` requests on the board."""
    system = open_system(Settings(database_url=url))
    try:
        if not system.app.is_initialized():
            system.initialize(ADMIN, PASSWORD)
        admin = system.app.authenticate(ADMIN, PASSWORD)
        community, branches = organization(system, admin)
        missing = requests - on_board(system, admin)
        if missing <= 0:
            return
        print(f"placing {missing} requests in {url} …", flush=True)
        place_many(system, admin, community, branches, missing)
        started = time.perf_counter()
        system.runner.catch_up()
        print(f"  read models caught up in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        system.shutdown()


def place_many(
    system: System, admin: Principal, community: UUID, branches: Sequence[UUID], count: int
) -> None:
    app = system.app
    rng = random.Random(count)
    keys = BatchedKeys(app.personal.keys, system)
    held: list[Any] = []
    codes: set[str] = set()

    def hold(*aggregates: Any, unchanged: Any = None) -> int:
        index = next((a for a in aggregates if isinstance(a, ReceiptCode)), None)
        if index is not None and index.code in codes:
            return 0  # a code drawn twice in one batch: that request is dropped
        if index is not None:
            codes.add(index.code)
        held.extend(aggregates)
        return 0

    def flush() -> None:
        keys.flush()
        if held:
            app.save(*held)
        held.clear()
        codes.clear()

    app.personal.keys = keys
    app._commit = hold  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        placed = 0
        while placed < count:
            for _ in range(min(BATCH, count - placed)):
                draft = RequestDraft(
                    channel=rng.choice(CHANNELS),
                    category=rng.choice(DEFAULT_CATEGORIES)[0],
                    description=f"{rng.choice(WORDS)}（{placed}）",
                    community_id=community,
                    requester_kind="anonymous",
                    branch_id=rng.choice([None, *branches]),
                    urgency="urgent" if rng.random() < 0.1 else "normal",
                )
                app.place_request(draft, actor=admin)
                placed += 1
            flush()
            rate = placed / (time.perf_counter() - started)
            print(f"  {placed}/{count} ({rate:.0f}/s)", flush=True)
    finally:
        del app._commit
        app.personal.keys = keys.store


async def measure(url: str, rounds: int) -> dict[str, float]:
    """Open the board headless and time its keys (median seconds)."""
    from tests.tui.support import log_in, settle, until
    from tui.app import YimaiApp
    from tui.screens.board import BoardScreen

    system = open_system(Settings(database_url=url))
    figures: dict[str, list[float]] = {}
    try:
        app = YimaiApp(system)
        async with app.run_test(size=(120, 40)) as pilot:
            await log_in(pilot, ADMIN, PASSWORD, section="intake")
            started = time.perf_counter()
            await pilot.press("3")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen))
            board = app.screen
            assert isinstance(board, BoardScreen)
            table = board.table
            await until(pilot, lambda: table.ready, timeout=120)
            figures["first rows"] = [time.perf_counter() - started]
            await settle(pilot)

            async def timed(name: str, action: Callable[[], Any]) -> None:
                began = time.perf_counter()
                await action()
                await until(pilot, lambda: table.ready and table.current_row() is not None)
                figures.setdefault(name, []).append(time.perf_counter() - began)

            async def reload() -> None:
                board.reload_rows()

            for _ in range(rounds):
                await timed("reload", reload)
            for _ in range(rounds * 4):
                await timed("page down", lambda: pilot.press("pagedown"))
            for _ in range(rounds):
                await timed("end", lambda: pilot.press("end"))
                await timed("page up at the end", lambda: pilot.press("pageup"))
                await timed("home", lambda: pilot.press("home"))
            figures["rows in memory"] = [float(table.loaded_rows())]
            figures["rows"] = [float(table.total or 0)]
    finally:
        system.shutdown()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--database", help="the big board's database (built if short)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    big_url = args.database or f"sqlite:////tmp/yimai-bench-board-{args.requests}.db"
    small_url = f"sqlite:////tmp/yimai-bench-board-{args.small}.db"
    build(small_url, args.small)
    build(big_url, args.requests)
    small = asyncio.run(measure(small_url, args.rounds))
    big = asyncio.run(measure(big_url, args.rounds))
    print()
    print(f"{'':22}{args.small:>12}{args.requests:>12}{'ratio':>9}")
    for name in small:
        ratio = big[name] / small[name] if small[name] else float("nan")
        if name.startswith("rows"):
            print(f"{name:22}{small[name]:>12.0f}{big[name]:>12.0f}{ratio:>9.1f}")
        else:
            print(f"{name:22}{small[name]:>11.3f}s{big[name]:>11.3f}s{ratio:>9.1f}")
    with sa.create_engine(big_url).connect() as conn:  # the board's size, for the record
        rows = conn.execute(sa.text("select count(*) from requests_board")).scalar()
    print(f"\nrequests_board rows in {big_url}: {rows}")


if __name__ == "__main__":
    main()
