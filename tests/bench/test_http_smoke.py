"""The HTTP benchmark runs (one client, half a second a step): the server under uvicorn
on 127.0.0.1, a bare endpoint beside it, the load from another process. It asserts what
is measured and that nothing failed, never how fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import suite
from tests.conftest import FAST_PASSWORDS

ROOT = Path(__file__).resolve().parents[2]


def test_the_http_benchmark_loads_reads_and_placements(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yimai.db'}"
    suite.build(url, events=1500)
    env = {
        **os.environ,
        "YIMAI_PASSWORD_TIME_COST": str(FAST_PASSWORDS["password_time_cost"]),
        "YIMAI_PASSWORD_MEMORY_KIB": str(FAST_PASSWORDS["password_memory_kib"]),
    }
    command = [sys.executable, "-m", "bench.http", "--database", url, "--levels", "1"]
    done = subprocess.run(
        [*command, "--seconds", "0.5", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("board", "request", "public_outcomes", "place"):
        assert figures[f"{name}_c1_rps"] > 0, name
        assert figures[f"{name}_c1_errors"] == 0, name
        assert figures[f"{name}_c1_ratio"] > 0, name
    assert figures["bare_c1_rps"] > 0
