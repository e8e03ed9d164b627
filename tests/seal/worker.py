"""A separate process for the sealing tests: `python worker.py URL GO KEY BATCH EVERY`.

It opens its own system, says it is ready (a file beside GO), waits for GO so that all
workers start together, seals in batches of BATCH, and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from projections.config import Settings  # noqa: E402
from projections.system import open_system  # noqa: E402


def main() -> None:
    url, go, key, batch, every = sys.argv[1:]
    system = open_system(
        Settings(database_url=url, signing_key_path=key, checkpoint_every=int(every))
    )
    try:
        system.seal.batch_size = int(batch)
        Path(f"{go}.ready.{os.getpid()}").touch()
        deadline = time.monotonic() + 120
        while not Path(go).exists():
            if time.monotonic() > deadline:
                raise SystemExit("never told to go")
            time.sleep(0.005)
        sealed = system.seal.catch_up()
        result = {"sealed": sealed, "position": system.seal.position()}
    finally:
        system.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
