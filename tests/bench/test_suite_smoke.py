"""The benchmark suite runs (a small log, one round), so it never rots; it asserts what
the figures are, never how fast (speed is measured by running it, see bench/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import suite
from tests.conftest import FAST_PASSWORDS

ROOT = Path(__file__).resolve().parents[2]


def _measure(url: str, env: dict[str, str]) -> dict[str, object]:
    suite.build(url, events=1500)
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "--database", url, "bench", "--json", "--rounds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _env(**more: str) -> dict[str, str]:
    return {
        **os.environ,
        "YIMAI_PASSWORD_TIME_COST": str(FAST_PASSWORDS["password_time_cost"]),
        "YIMAI_PASSWORD_MEMORY_KIB": str(FAST_PASSWORDS["password_memory_kib"]),
        **more,
    }


def _check(figures: dict[str, Any]) -> None:
    assert figures["events"] > 1000
    for name in (
        "raw_read_events_per_s",
        "append_ratio",
        "rebuild_events_per_s",
        "rebuild_ratio",
        "rebuild_peak_rss_mb",
        "verify_events_per_s",
        "verify_ratio",
        "verify_peak_rss_mb",
        "asof_roster_s",
        "asof_board_s",
        "history_ms",
        "why_total_ms",
    ):
        assert isinstance(figures[name], float) and figures[name] > 0, name
    # Every ratio is named as one, and each is measured against its baseline in the run.
    ratios = [n for n in figures if n.endswith("_ratio")]
    assert set(ratios) >= {"append_ratio", "rebuild_ratio", "verify_ratio", "asof_board_ratio"}
    assert figures["append_events"] == figures["events"]


def test_the_suite_measures_every_figure_of_a_small_log(tmp_path: Path) -> None:
    _check(_measure(f"sqlite:///{tmp_path / 'yimai.db'}", _env()))


@pytest.mark.postgres
def test_the_suite_runs_against_postgresql(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same suite on PostgreSQL; its append step makes and drops databases of its own."""
    key = str(tmp_path / "signing.key")
    monkeypatch.setenv("YIMAI_SIGNING_KEY", key)
    _check(_measure(postgres_url, _env(YIMAI_SIGNING_KEY=key)))
