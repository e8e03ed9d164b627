"""The benchmark suite: `yimai bench [--events N] [--database URL] [--json]`.

Every figure with a natural baseline is measured next to it in the same run and given
as a ratio (`*_ratio`), since this machine is noisy:

  append    the log's events stored through the Application's event store (mapper,
            transcoding, notification log) into a new database, against eventsourcing's
            own recorder (SQLite or PostgreSQL, as measured) inserting the same stored
            events into another
  rebuild   every read model rebuilt from the log (events/s), against reading the same
            events raw
  verify    `yimai verify` (events/s), against a raw read plus SHA-256 of the same leaf
            bytes
  as-of     the whole roster (the organization tree) and the whole request board as of
            random past days (seconds)
  history   one request's history; "why is my total X" for one member (milliseconds)
  memory    peak RSS of a rebuild and of a verify, each in a process of its own (MB)

With `--database` the suite measures that database as it is (it must hold a log);
without, it builds the demo community into a temporary SQLite file (`--events` scales
the demo towards that many events). It never writes to a given database except by
rebuilding its read models (the same rows again); the append step writes into scratch
databases of the same kind, made for the run and dropped after it. The HTTP figures
(`bench/http.py`), the public pages (`bench/public_pages.py`) and the TUI's time to first
screen (`bench/tui_first_screen.py`) have scripts of their own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: Events a batch of reading and appending holds.
BATCH = 500


def _median(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _notifications(system: Any) -> Any:
    """The whole log, batch by batch (never all of it in memory)."""
    app = system.app
    head = app.last_position()
    position = 0
    while position < head:
        batch = app.recorder.select_notifications(
            start=position, limit=BATCH, stop=head, inclusive_of_start=False
        )
        if not batch:
            return
        yield batch
        position = batch[-1].id


def raw_read(system: Any) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(len(batch) for batch in _notifications(system))
    return count, time.perf_counter() - started


def raw_hash(system: Any) -> tuple[int, float]:
    """A raw read plus SHA-256 of each event's leaf bytes: the least a verify must do."""
    from verifier.yimai_verify import leaf_bytes

    started = time.perf_counter()
    count = 0
    for batch in _notifications(system):
        for n in batch:
            hashlib.sha256(
                b"\x00" + leaf_bytes(str(n.originator_id), n.originator_version, n.topic, n.state)
            ).digest()
        count += len(batch)
    return count, time.perf_counter() - started


def append(system: Any, limit: int) -> dict[str, float]:
    """The first `limit` events of the log appended twice into new databases of the
    measured kind (SQLite files, or PostgreSQL databases made for the run and dropped):
    through a new Yimai Application's event store, and by eventsourcing's own recorder."""
    batches: list[list[Any]] = []
    taken = 0
    for batch in _notifications(system):
        batches.append(list(batch[: limit - taken]))
        taken += len(batches[-1])
        if taken >= limit:
            break
    events = [[system.app.mapper.to_domain_event(n) for n in b] for b in batches]
    with _scratch_databases(system.settings, 2) as (app_url, raw_url):
        through_app = _append_through_app(app_url, events)
        raw = _append_raw(raw_url, batches)
    return {
        "append_events": taken,
        "append_app_events_per_s": taken / through_app,
        "append_recorder_events_per_s": taken / raw,
        "append_ratio": (taken / through_app) / (taken / raw),
    }


@contextmanager
def _scratch_databases(settings: Any, count: int) -> Iterator[list[str]]:
    """`count` new, empty databases of the same kind as `settings`' (dropped after)."""
    if settings.is_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            yield [f"sqlite:///{folder}/scratch{i}.db" for i in range(count)]
        return
    import sqlalchemy as sa

    server = sa.make_url(settings.database_url)
    names = [f"yimai_bench_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    admin = sa.create_engine(
        server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield [server.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _append_through_app(url: str, events: list[list[Any]]) -> float:
    from projections.config import Settings
    from projections.system import open_system

    target = open_system(Settings.from_env(database_url=url))
    try:
        started = time.perf_counter()
        for batch in events:
            target.app.events.put(batch)
        return time.perf_counter() - started
    finally:
        target.shutdown()


def _append_raw(url: str, batches: list[list[Any]]) -> float:
    """eventsourcing's own recorder of the database's kind inserting the stored events."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        recorder: Any = SQLiteApplicationRecorder(SQLiteDatastore(str(parsed.database)))
    else:
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        datastore = PostgresDatastore(
            dbname=str(parsed.database),
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or "",
        )
        recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    try:
        started = time.perf_counter()
        for batch in batches:
            recorder.insert_events(batch)
        return time.perf_counter() - started
    finally:
        closing = getattr(recorder.datastore, "close", None)
        if closing is not None:
            closing()


def _child(task: str, url: str) -> dict[str, float]:
    """Run one task in a process of its own: its seconds and its peak RSS."""
    found = subprocess.run(
        [sys.executable, "-m", "bench.suite", "--task", task, "--database", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        said = (found.stderr.strip().splitlines() or ["(nothing)"])[-1]
        raise SystemExit(f"the {task} step failed: {said}")
    answer: dict[str, float] = json.loads(found.stdout.strip().splitlines()[-1])
    return answer


def _task(task: str, url: str) -> None:
    """The child's side of `_child`: open, do the task, print seconds and peak RSS."""
    from projections.config import Settings
    from projections.system import open_system

    system = open_system(Settings.from_env(database_url=url))
    try:
        started = time.perf_counter()
        if task == "rebuild":
            system.runner.rebuild()
        elif task == "verify":
            report = system.seal.verify()
            if not report.ok:
                raise SystemExit("verify found problems: the suite measures a sound log only")
        else:
            raise SystemExit(f"unknown task {task}")
        seconds = time.perf_counter() - started
    finally:
        system.shutdown()
    print(json.dumps({"seconds": seconds, "peak_rss_mb": _peak_rss_kib() / 1024}))


def _peak_rss_kib() -> int:
    """This process's peak resident set. Linux keeps `ru_maxrss` across exec (it would
    report the parent's size at fork); `VmHWM` belongs to this address space alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def looking_back(system: Any, rounds: int, seed: int) -> dict[str, float]:
    """As-of roster and board at random past days; one request's history; one member's
    'why is my total'."""
    import sqlalchemy as sa

    from domain.access import Principal, Role
    from projections.requests import board
    from projections.roster import members
    from projections.timeline import timeline

    reviewer = Principal("bench-reviewer", frozenset({Role.REVIEWER}))
    rng = random.Random(seed)
    with system.db.read.connect() as conn:
        first, last = conn.execute(
            sa.select(sa.func.min(timeline.c.stamped_at), sa.func.max(timeline.c.stamped_at))
        ).one()
        request_id = conn.execute(
            sa.select(board.c.id).order_by(board.c.moves.desc()).limit(1)
        ).scalar()
        member_id = conn.execute(sa.select(members.c.id).limit(1)).scalar()
    span = (last - first).total_seconds()
    days = [
        (first + timedelta(seconds=rng.uniform(0.2, 1.0) * span)).astimezone(system.app.tz).date()
        for _ in range(rounds)
    ]
    review = system.review
    now = system.app.now()

    def whole_board(view: Any) -> int:
        total, offset = None, 0
        while total is None or offset < total:
            page = view.board(actor=reviewer, now=now, offset=offset, limit=500)
            total, offset = page.total, offset + 500
        return int(total)

    roster_times, board_times = [], []
    for day in days:
        position = review.moment(day).position
        started = time.perf_counter()
        review.at(system.roster, position, actor=reviewer).tree(actor=reviewer)
        roster_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        whole_board(review.at(system.requests, position, actor=reviewer))
        board_times.append(time.perf_counter() - started)
    figures = {
        "asof_roster_s": statistics.median(roster_times),
        "asof_roster_max_s": max(roster_times),
        "asof_board_s": statistics.median(board_times),
        "asof_board_max_s": max(board_times),
        "today_board_s": _median(lambda: whole_board(system.requests), rounds),
    }
    figures["asof_board_ratio"] = figures["asof_board_s"] / figures["today_board_s"]
    if request_id is not None:
        figures["history_ms"] = 1000 * _median(
            lambda: system.app.get_history(request_id, actor=reviewer), rounds
        )
    if member_id is not None:
        year = days[0].year
        figures["why_total_ms"] = 1000 * _median(
            lambda: system.points.explain(member_id, actor=reviewer, year=year), rounds
        )
    return figures


def build(url: str, events: int | None) -> None:
    """The demo community in a new database, scaled towards `events` events."""
    from cli.demo import load_demo
    from projections.config import Settings
    from projections.system import open_system

    system = open_system(Settings.from_env(database_url=url))
    try:
        scale = max(0.05, (events or 11_000) / 11_000)
        load_demo(
            system,
            members=max(20, int(300 * scale)),
            households=max(10, int(200 * scale)),
            requests=max(20, int(300 * scale)),
        )
        system.runner.catch_up()
        system.seal.catch_up()
        system.seal.checkpoint()
    finally:
        system.shutdown()


def run(url: str, rounds: int, seed: int) -> dict[str, Any]:
    """Every figure of the suite for the database at `url`."""
    from projections.config import Settings
    from projections.system import open_system

    system = open_system(Settings.from_env(database_url=url))
    try:
        system.runner.catch_up()
        system.seal.catch_up()
        head = system.app.last_position()
        figures: dict[str, Any] = {
            "events": head,
            "database": Settings.from_env(database_url=url).redacted_url(),
        }
        count, raw = min((raw_read(system) for _ in range(rounds)), key=lambda r: r[1])
        figures["raw_read_events_per_s"] = count / raw
        _, hashed = min((raw_hash(system) for _ in range(rounds)), key=lambda r: r[1])
        figures["raw_hash_events_per_s"] = count / hashed
        figures.update(append(system, min(count, 50_000)))
        figures.update(looking_back(system, rounds, seed))
    finally:
        system.shutdown()
    rebuild = _child("rebuild", url)
    verify = _child("verify", url)
    figures["rebuild_events_per_s"] = count / rebuild["seconds"]
    figures["rebuild_ratio"] = figures["rebuild_events_per_s"] / figures["raw_read_events_per_s"]
    figures["rebuild_peak_rss_mb"] = rebuild["peak_rss_mb"]
    figures["verify_events_per_s"] = count / verify["seconds"]
    figures["verify_ratio"] = figures["verify_events_per_s"] / figures["raw_hash_events_per_s"]
    figures["verify_peak_rss_mb"] = verify["peak_rss_mb"]
    return figures


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'figure':<34} {'value':>16}"]
    for name, value in figures.items():
        shown = (
            f"{value:,.3f}"
            if isinstance(value, float)
            else f"{value:,}"
            if isinstance(value, int)
            else str(value)
        )
        lines.append(f"{name:<34} {shown:>16}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--events", type=int, default=None, help="build a demo of about this many events"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each timing (median)")
    parser.add_argument("--seed", type=int, default=7, help="which past days are asked")
    parser.add_argument("--json", action="store_true", help="one JSON object of named figures")


def main_with(args: argparse.Namespace, url: str | None) -> int:
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="yimai-bench-"))
        url = f"sqlite:///{folder / 'yimai.db'}"
        if not args.json:
            print(f"building the demo into {url} …", file=sys.stderr, flush=True)
        build(url, args.events)
    figures = run(url, args.rounds, args.seed)
    print(json.dumps(figures) if args.json else table(figures))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--task", default=None, help=argparse.SUPPRESS)
    add_arguments(parser)
    args = parser.parse_args()
    if args.task:
        _task(args.task, args.database)
        return
    raise SystemExit(main_with(args, args.database))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
