"""The `yimai` command as an operator uses it: init, demo, status, rebuild, serve, help."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cli.main import build_parser, main
from projections.config import Settings
from projections.system import open_system

YIMAI = [sys.executable, "-m", "cli.main"]
ROOT = Path(__file__).resolve().parents[2]


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"init", "demo", "serve", "tui", "rebuild", "status"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert "usage: yimai" in capsys.readouterr().out


def test_init_for_scripts_takes_the_password_from_the_environment(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("YIMAI_ADMIN_PASSWORD", "s3cret-pass")
    assert main(["--database", sqlite_url, "init", "--admin-user", "chief"]) == 0
    assert "admin account 'chief'" in capsys.readouterr().out
    system = open_system(Settings(database_url=sqlite_url))
    try:
        principal = system.app.authenticate("chief", "s3cret-pass")
        assert principal.username == "chief"
    finally:
        system.shutdown()
    # A second init changes nothing and says so.
    assert main(["--database", sqlite_url, "init", "--admin-user", "other"]) == 1
    assert "already initialized" in capsys.readouterr().err


def test_init_without_a_password_refuses(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YIMAI_ADMIN_PASSWORD", raising=False)
    assert main(["--database", sqlite_url, "init", "--admin-user", "chief"]) == 2
    assert "YIMAI_ADMIN_PASSWORD" in capsys.readouterr().err


def test_init_prompts_a_person_at_the_terminal(sqlite_url: str) -> None:
    env = {**os.environ, "YIMAI_DATABASE_URL": sqlite_url}
    done = subprocess.run(
        [*YIMAI, "init"],
        input="chief\nlong-pass\nlong-pass\n",
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "admin account 'chief'" in done.stdout


def test_demo_then_status_then_rebuild(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--database",
                sqlite_url,
                "demo",
                "--members",
                "40",
                "--households",
                "20",
                "--requests",
                "40",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for account in ("demo-clerk", "demo-cadre", "demo-supervisor", "demo-reviewer"):
        assert account in out
    assert "'demo'" in out
    # The demo loads only into an empty database.
    assert main(["--database", sqlite_url, "demo"]) == 1
    capsys.readouterr()
    assert main(["--database", sqlite_url, "status"]) == 0
    status = capsys.readouterr().out
    head = int(
        next(line for line in status.splitlines() if line.startswith("events:")).split(":")[1]
    )
    assert head > 100
    assert f"read model roster: {head}" in status
    assert main(["--database", sqlite_url, "rebuild", "roster"]) == 0
    rebuilt = capsys.readouterr().out
    assert f"up to position {head}" in rebuilt
    assert f"{head:,} events in" in rebuilt and "events/s" in rebuilt
    assert main(["--database", sqlite_url, "rebuild", "nonsense"]) == 2


def test_a_bad_database_url_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database", "mysql://x@y/z", "status"]) == 2
    assert "sqlite:// or postgresql://" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(sqlite_url: str, *options: str, wait: float) -> Iterator[tuple[str, httpx.Response]]:
    """`yimai serve` with `options` on a new database with an admin "chief": its base URL
    and its first answer from /api/status, once it answers."""
    env = {**os.environ, "YIMAI_DATABASE_URL": sqlite_url, "YIMAI_ADMIN_PASSWORD": "pw-12345"}
    subprocess.run(
        [*YIMAI, "init", "--admin-user", "chief"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*YIMAI, "serve", "--port", str(port), *options],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", response
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_answers_on_loopback(sqlite_url: str) -> None:
    with _serving(sqlite_url, wait=30) as (base, response):
        assert response.status_code == 200
        token = httpx.post(
            f"{base}/api/auth/token",
            data={"username": "chief", "password": "pw-12345"},
            timeout=10,
        )
        assert token.status_code == 200, token.text
        # Beside the API, the public site: Chinese at /, English under /en/.
        home = httpx.get(f"{base}/", timeout=10)
        assert home.status_code == 200 and "社区公开账本" in home.text
        english = httpx.get(f"{base}/en/outcomes", timeout=10)
        assert english.status_code == 200 and "Published outcomes" in english.text


def test_serve_with_several_workers_answers_on_loopback(sqlite_url: str) -> None:
    """`yimai serve --workers 2`: two processes on one socket, each with the books."""
    with _serving(sqlite_url, "--workers", "2", wait=60) as (base, response):
        assert response.status_code == 200 and response.json()["initialized"] is True
        with httpx.Client(timeout=10) as client:  # one kept-alive connection, many answers
            for _ in range(10):
                assert client.get(f"{base}/").status_code == 200
