#!/usr/bin/env python3
"""Set up a virtual environment and start Yimai or run its checks.

    python3 dev.py start   # set up, then open the terminal UI on ./yimai.db
    python3 dev.py test    # set up, then run ruff, mypy, import-linter and pytest

Needs only Python 3.11+. The environment lives in .venv and is reinstalled only when
pyproject.toml or constraints.txt change. Extra arguments go to `yimai tui` / pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".yimai-stamp"


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (this script may run on any python3)
        sys.exit("Yimai needs Python 3.11 or newer.")
    digest = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("Creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    run(
        BIN / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-c",
        "constraints.txt",
        "-e",
        ".[test]",
    )
    STAMP.write_text(digest)


def start(args: list[str]) -> int:
    os.chdir(ROOT)
    return subprocess.call([str(BIN / "yimai"), "tui", *args])


def test(args: list[str]) -> int:
    checks = [
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [BIN / "mypy"],
        [BIN / "lint-imports"],
    ]
    for check in checks:
        print(
            "+",
            " ".join(str(c) for c in check[0:1]) + " " + " ".join(map(str, check[1:])),
            flush=True,
        )
        if subprocess.call([str(c) for c in check], cwd=ROOT) != 0:
            return 1
    # One worker per core; a test file stays on one worker (its fixtures are shared).
    parallel = ["-n", "auto", "--dist", "loadfile"]
    return subprocess.call([str(BIN / "pytest"), *parallel, *args], cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("start", "test", "setup"):
        print(__doc__)
        return 2
    setup()
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "setup":
        return 0
    return start(rest) if command == "start" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
