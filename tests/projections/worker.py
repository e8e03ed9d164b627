"""A separate process for the multi-process tests: `python worker.py MODE URL GO ARGS…`.

Each worker opens its own system, says it is ready (a file beside GO), waits for GO to
exist so that all workers start together, does its work, and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from domain.access import Principal, Role  # noqa: E402
from domain.dto import MemberDraft  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.system import System, open_system  # noqa: E402

CLERK = Principal("clerk", frozenset({Role.CLERK}))


def wait_for_go(go: Path) -> None:
    Path(f"{go}.ready.{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to go")
        time.sleep(0.005)


def catch_up(system: System, batch_size: str) -> dict[str, object]:
    """Advance every read model, in small batches, racing whoever else does."""
    system.runner.batch_size = int(batch_size)
    applied = system.runner.catch_up()
    return {"applied": applied, "position": system.runner.position()}


def write(system: System, tag: str, count: str, branch: str, branch2: str) -> dict[str, object]:
    """Register `count` members and move each one; read the view after every command."""
    members = []
    for i in range(int(count)):
        draft = MemberDraft(
            name=f"成员{tag}{i}",
            gender="female",
            birth_date=date(1980, 1, 1),
            phone=f"13{int(tag)}{i:08d}",
            address="1号楼",
            joined_party_on=date(2000, 7, 1),
            branch_id=branch,
        )
        member = system.app.register_member(draft, actor=CLERK)
        moved = system.app.transfer_member(member.id, branch2, "moved west", actor=CLERK)
        system.runner.catch_up()
        members.append([str(member.id), moved.position])
    return {"members": members}


def rebuild(system: System, times: str) -> dict[str, object]:
    """Rebuild every read model, again and again, while the others write."""
    counts = [system.runner.rebuild() for _ in range(int(times))]
    return {"rebuilt": counts}


def main() -> None:
    mode, url, go, *args = sys.argv[1:]
    system = open_system(Settings(database_url=url))
    try:
        wait_for_go(Path(go))
        result = {"catch_up": catch_up, "write": write, "rebuild": rebuild}[mode](system, *args)
    finally:
        system.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
