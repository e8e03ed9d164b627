"""How long do the books as of a past day take, next to the same query today?

    .venv/bin/python bench/asof.py --database sqlite:////tmp/y.db   # a database with a log
    .venv/bin/python bench/asof.py                                  # builds the demo in /tmp

For several days spread over the log's history it times, with the same view code:
  tree     the whole organization tree with its counts (`roster.tree`)
  board    the request board, first page and the overdue count (`requests.board`)
  ranks    the points standings of the day's year (`points.rankings`)
  diff     what changed in the roster in the 30 days before the day (`review.diff`)
each as of that day and today, and prints the median seconds and the ratio past/today.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from cli.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.system import System, open_system  # noqa: E402
from projections.timeline import timeline  # noqa: E402


def median_seconds(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite:////tmp/yimai-bench-asof.db")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args()
    system: System = open_system(Settings(database_url=args.database))
    try:
        if not system.app.is_initialized():
            print("loading the demo …", flush=True)
            load_demo(system)
        system.runner.catch_up()
        reviewer = system.app.authenticate("demo-reviewer", DEMO_PASSWORD)
        review = system.review
        with system.db.read.connect() as conn:
            first, last = conn.execute(
                sa.select(sa.func.min(timeline.c.stamped_at), sa.func.max(timeline.c.stamped_at))
            ).one()
        tz = system.settings.tzinfo
        start, end = first.astimezone(tz).date(), last.astimezone(tz).date()
        span = (end - start).days
        days = [start + timedelta(days=span * (k + 1) // (args.days + 1)) for k in range(args.days)]
        now = review.moment(end)
        head = system.app.last_position()
        print(f"{head} events; {args.rounds} rounds; days {days[0]} … {days[-1]}")
        print(f"{'query':8} {'past s':>9} {'today s':>9} {'×today':>7}")
        totals: dict[str, list[float]] = {}
        for day in days:
            moment = review.moment(day)

            def queries(m: Any, today: bool, day: Any = day) -> dict[str, Callable[[], Any]]:
                roster = (
                    system.roster if today else review.at(system.roster, m.position, actor=reviewer)
                )
                board = (
                    system.requests
                    if today
                    else review.at(system.requests, m.position, actor=reviewer)
                )
                points = (
                    system.points if today else review.at(system.points, m.position, actor=reviewer)
                )
                at = system.app.now() if today else m.at
                return {
                    "tree": lambda: roster.tree(actor=reviewer),
                    "board": lambda: (
                        board.board(actor=reviewer, now=at, limit=50),
                        board.board(actor=reviewer, now=at, overdue=True, limit=1),
                    ),
                    "ranks": lambda: points.rankings(actor=reviewer, year=day.year, limit=50),
                    "diff": lambda: review.diff(
                        "roster", review.moment(day - timedelta(days=30)), m, actor=reviewer
                    ),
                }

            past, present = queries(moment, False), queries(now, True)
            for name in past:
                p = median_seconds(past[name], args.rounds)
                t = median_seconds(present[name], args.rounds) if name != "diff" else p
                totals.setdefault(name, []).append(p)
                print(f"{name:8} {p:9.4f} {t:9.4f} {p / t:7.1f}   ({day})")
        print("worst past:", {k: round(max(v), 4) for k, v in totals.items()})
    finally:
        system.shutdown()


if __name__ == "__main__":
    main()
