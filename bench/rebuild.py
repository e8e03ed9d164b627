"""How fast do the read models rebuild, next to reading the log itself?

    .venv/bin/python bench/rebuild.py                                  # SQLite, /tmp file
    .venv/bin/python bench/rebuild.py --database sqlite:////tmp/y.db   # reuse or build
    .venv/bin/python bench/rebuild.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

The first run on a database builds a log through the Application: the demo community
(`load_demo`), then contacts logged on every link (several to a save, as in the
multi-process test: the very events `log_contact` records), transfers, corrections and
unlink/relink pairs. A database that already holds events is reused as it is. With
`--postgres SERVER_URL` a database is created for the run and dropped afterwards
(`--keep` keeps it and prints its URL).

Each round times, over the same log:
  raw read     `recorder.select_notifications` in batches of 500
  read+decode  the same, plus `mapper.to_domain_event` for every notification
  rebuild      `runner.rebuild()` of every read model (what `yimai rebuild` does, in one call)
  per view     `runner.rebuild([name])` for each read model on its own
and prints events of the log per second (median of the rounds) and how many times
longer the rebuild takes than the raw read and than read+decode. "longest batch" is the
longest gap between two progress calls of a rebuild (the first, which also empties the
views, left out): reading and decoding one batch, then the write transaction that
applies it, which other writers of an SQLite file wait behind.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from domain.base import acting_as  # noqa: E402
from domain.dto import MemberCorrection  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.system import System, open_system  # noqa: E402

NOTES = ["了解近况，无特殊需求", "老人腿脚不便，需定期探望", "反映楼道灯不亮，已转物业", None]


def build_log(system: System, args: argparse.Namespace) -> None:
    from cli.demo import DEMO_PASSWORD, load_demo
    from projections.roster import appointments, links, members

    app = system.app
    started = time.perf_counter()
    load_demo(system, members=args.members, households=args.households)
    print(f"  demo loaded: {app.last_position()} events", flush=True)
    clerk = app.authenticate("demo-clerk", DEMO_PASSWORD)
    cadre = app.authenticate("demo-cadre", DEMO_PASSWORD)
    with system.db.read.connect() as conn:
        link_rows = conn.execute(
            sa.select(links.c.id, links.c.household_id).where(links.c.active)
        ).all()
        member_rows = conn.execute(
            sa.select(members.c.id, members.c.community_id, members.c.branch_id)
        ).all()
        posts = set(conn.execute(sa.select(appointments.c.member_id)).scalars())
    today = app.today()
    for i, row in enumerate(link_rows):
        link: Any = app.repository.get(row.id)
        with acting_as(cadre.username):
            for k in range(args.contacts):
                note = NOTES[(i + k) % len(NOTES)]
                sealed = app.personal.seal(row.household_id, {"note": note}) if note else None
                on = max(link.since, today - timedelta(days=(i + k) % 29))
                link.log_contact(uuid.uuid4(), on, ("visit", "phone")[k % 2], sealed)
        app.save(link)
        if i % 2 == 0:  # an unlink and a relink on every other link
            app.unlink_household(link.member_id, link.household_id, "搬走", actor=cadre)
            app.link_household(link.member_id, link.household_id, actor=cadre)
    print(f"  contacts logged: {app.last_position()} events", flush=True)
    branches: dict[uuid.UUID, list[uuid.UUID]] = {}
    for m in member_rows:
        branches.setdefault(m.community_id, [])
        if m.branch_id not in branches[m.community_id]:
            branches[m.community_id].append(m.branch_id)
    movable = [m for m in member_rows if m.id not in posts]
    for i, m in enumerate(movable[: args.moves]):
        others = [b for b in branches[m.community_id] if b != m.branch_id]
        app.transfer_member(m.id, others[i % len(others)], "搬迁", actor=clerk)
        app.correct_member(m.id, MemberCorrection(phone=f"139{i:08d}"), "更换手机号码", actor=clerk)
    print(
        f"  built {app.last_position()} events in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def time_raw(system: System, decode: bool) -> float:
    app = system.app
    head = app.last_position()
    started = time.perf_counter()
    position, count = 0, 0
    while position < head:
        batch = app.recorder.select_notifications(
            start=position, limit=500, stop=head, inclusive_of_start=False
        )
        if not batch:
            break
        if decode:
            for n in batch:
                app.mapper.to_domain_event(n)
        count += len(batch)
        position = batch[-1].id
    assert count == head, (count, head)
    return time.perf_counter() - started


def time_rebuild(system: System, names: list[str] | None) -> tuple[float, float]:
    gaps: list[float] = []
    last = time.perf_counter()

    def progress(reached: int, target: int) -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append(now - last)
        last = now

    started = last = time.perf_counter()
    system.runner.rebuild(names, progress=progress)
    # The first gap also holds the transaction that empties the views.
    return time.perf_counter() - started, max(gaps[1:], default=0.0)


def measure(system: System, rounds: int) -> None:
    head = system.app.last_position()
    names = list(system.runner.projections)
    results: dict[str, list[float]] = {}
    longest = 0.0
    for _ in range(rounds):
        results.setdefault("raw read", []).append(time_raw(system, decode=False))
        results.setdefault("read+decode", []).append(time_raw(system, decode=True))
        seconds, gap = time_rebuild(system, None)
        results.setdefault("rebuild (all)", []).append(seconds)
        longest = max(longest, gap)
        for name in names:
            seconds, gap = time_rebuild(system, [name])
            results.setdefault(f"  {name}", []).append(seconds)
            longest = max(longest, gap)
    median = {k: statistics.median(v) for k, v in results.items()}
    raw, decoded = median["raw read"], median["read+decode"]
    runner = system.runner
    size = getattr(runner, "rebuild_batch_size", runner.batch_size)
    print(f"{head} events, rebuild batches of {size}, median of {rounds}")
    print(f"{'':16}{'seconds':>9}{'events/s':>11}{'×raw':>8}{'×decode':>9}")
    for key, seconds in median.items():
        print(
            f"{key:16}{seconds:9.3f}{head / seconds:11,.0f}"
            f"{seconds / raw:8.1f}{seconds / decoded:9.1f}"
        )
    print(f"longest batch: {longest:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite:////tmp/yimai-bench.db")
    parser.add_argument("--postgres", metavar="SERVER_URL", help="create a database here")
    parser.add_argument("--keep", action="store_true", help="keep the created database")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--households", type=int, default=1200)
    parser.add_argument("--contacts", type=int, default=8, help="contacts per link")
    parser.add_argument("--moves", type=int, default=1000, help="members moved and corrected")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="events per rebuild batch")
    args = parser.parse_args()

    url = args.database
    server: Any = None
    if args.postgres:
        server = sa.make_url(args.postgres).set(drivername="postgresql+psycopg")
        name = f"yimai_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server.set(drivername="postgresql", database=name).render_as_string(False)
    try:
        system = open_system(Settings(database_url=url))
        try:
            if system.app.last_position() == 0:
                print(f"building a log in {system.settings.redacted_url()} …", flush=True)
                build_log(system, args)
            if args.batch_size:
                system.runner.rebuild_batch_size = args.batch_size
            measure(system, args.rounds)
        finally:
            system.shutdown()
    finally:
        if server is not None:
            if args.keep:
                print(f"kept {url}")
            else:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
