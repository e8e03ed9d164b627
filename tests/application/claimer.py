"""A separate process that claims at the same moment as others:
`python claimer.py MODE URL GO ARGS…` (MODE: `request` REQUEST_ID MEMBER_ID, or `need`
NEED_ID UNIT_ID).

Each claimer opens its own system and says it is ready (a file beside GO); all start
when GO exists. Each then loads what it claims and, before its first save, waits until
every claimer has loaded (a second round of files), so that all of them save against
the same version: the race is certain, not a matter of timing. It prints one JSON line:
`{"won": true}` or the error it got, with its rule.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from domain.access import Principal, Role  # noqa: E402
from domain.errors import DomainError, RuleViolationError  # noqa: E402
from projections.config import Settings  # noqa: E402
from projections.system import open_system  # noqa: E402

CLERK = Principal("clerk", frozenset({Role.CLERK}))
DEADLINE = 60.0


def outcome(error: DomainError) -> dict[str, Any]:
    """A refusal as JSON: a broken rule (of any module) with its rule, or the error."""
    if isinstance(error, RuleViolationError):
        return {"error": "RuleViolationError", "rule": error.rule, "status": error.status}
    return {"error": type(error).__name__, "rule": None, "status": error.status}


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.002)


def main() -> None:
    mode, url, go_name, target, claimant, count = sys.argv[1:]
    go = Path(go_name)
    system = open_system(Settings(database_url=url))
    save = system.app.save
    saves = 0

    def save_with_the_others(*aggregates: Any, **kwargs: Any) -> Any:
        nonlocal saves
        saves += 1
        if saves == 1:
            Path(f"{go}.loaded.{os.getpid()}").touch()
            wait_for(
                lambda: len(list(go.parent.glob(f"{go.name}.loaded.*"))) >= int(count),
                "the others to load",
            )
        return save(*aggregates, **kwargs)

    system.app.save = save_with_the_others  # type: ignore[method-assign]
    try:
        Path(f"{go}.ready.{os.getpid()}").touch()
        wait_for(go.exists, "go")
        result: dict[str, Any]
        try:
            if mode == "request":
                system.app.claim_request(target, member_id=claimant, actor=CLERK)
            else:
                system.app.claim_need(target, claimant, actor=CLERK)
            result = {"won": True}
        except DomainError as error:
            result = outcome(error)
        result["saves"] = saves
    finally:
        system.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
