"""HTTP under load: requests a second and p50/p99 latency of the main read endpoints and
of request placement at 1, 8 and 32 concurrent clients, against a bare FastAPI endpoint
served the same way in the same run.

    .venv/bin/python -m bench.http --database sqlite:////tmp/y.db       # a demo database
    .venv/bin/python -m bench.http --database postgresql://… --workers 2

The server is `yimai serve` (uvicorn on 127.0.0.1, `--workers` processes); the bare
endpoint is a one-route FastAPI app under the same uvicorn, same workers. The load comes
from another process (`--client`): asyncio with httpx, one connection per client, each
sending its next request when the last is answered, for `--seconds` per step. Placement
writes real requests into the database (a demo's clerk places them). `--json` prints one
JSON object of named figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = (1, 8, 32)

#: The bare endpoint: what uvicorn and FastAPI cost with no work behind them.
bare_app = FastAPI()


@bare_app.get("/bare")
def bare() -> dict[str, Any]:
    return {"items": [], "total": 0}


def serve_bare(port: int, workers: int) -> None:
    """The bare endpoint's server, the way `yimai serve` runs its own."""
    if workers > 1:
        from cli.main import serve_processes

        serve_processes("bench.http:bare_app", "127.0.0.1", port, workers, False)
        return
    import uvicorn

    uvicorn.run(bare_app, host="127.0.0.1", port=port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the server at {url} did not start") from None
            time.sleep(0.2)


def _start(command: list[str], env: dict[str, str], probe: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_up(probe, server)
    return server


async def _load(
    url: str, concurrency: int, seconds: float, headers: dict[str, str], body: Any
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    if body is None:
                        answer = await http.get(url)
                    else:
                        answer = await http.post(url, json=body)
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    if answer.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {
        "requests": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


def client_main(args: argparse.Namespace) -> None:
    """The load client's process: one step, its figures as JSON on stdout."""
    headers = json.loads(args.headers or "{}")
    body = json.loads(args.body) if args.body else None
    found = asyncio.run(_load(args.client, args.concurrency, args.seconds, headers, body))
    print(json.dumps(found))


def step(
    url: str, concurrency: int, seconds: float, headers: dict[str, str], body: Any = None
) -> dict[str, Any]:
    """One load step, from a process of its own."""
    command = [
        sys.executable,
        "-m",
        "bench.http",
        "--client",
        url,
        "--concurrency",
        str(concurrency),
        "--seconds",
        str(seconds),
        "--headers",
        json.dumps(headers),
    ]
    if body is not None:
        command += ["--body", json.dumps(body)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _setup(base: str) -> tuple[dict[str, str], dict[str, Any], str]:
    """The clerk's token, a placement body and a request's id, from the demo's accounts."""
    import httpx

    from cli.demo import DEMO_PASSWORD

    answer = httpx.post(
        f"{base}/api/auth/token",
        data={"username": "demo-clerk", "password": DEMO_PASSWORD},
        timeout=30,
    )
    answer.raise_for_status()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    board = httpx.get(f"{base}/api/requests?limit=1", headers=headers, timeout=30).json()
    first = board["items"][0]
    body = {
        "channel": "walk_in",
        "category": first["category"],
        "description": "压测：楼道灯坏了",
        "community_id": str(first["community_id"]),
        "requester_kind": "anonymous",
    }
    return headers, body, str(first["id"])


def run(url: str, workers: int, seconds: float, levels: tuple[int, ...]) -> dict[str, Any]:
    env = {**os.environ, "YIMAI_DATABASE_URL": url}
    figures: dict[str, Any] = {"workers": workers, "seconds_per_step": seconds}
    port, bare_port = _free_port(), _free_port()
    yimai = [sys.executable, "-m", "cli.main", "serve", "--port", str(port)]
    if workers > 1:
        yimai += ["--workers", str(workers)]
    # The bare endpoint is served exactly as `yimai serve` serves (one process, or the
    # same multi-process supervisor with its TCP_NODELAY fix).
    bare_cmd = [
        sys.executable,
        "-m",
        "bench.http",
        "--serve-bare",
        str(bare_port),
        "--workers",
        str(workers),
    ]
    server = _start(yimai, env, f"http://127.0.0.1:{port}/api/status")
    bare_server = _start(bare_cmd, env, f"http://127.0.0.1:{bare_port}/bare")
    try:
        base = f"http://127.0.0.1:{port}"
        headers, body, request_id = _setup(base)
        reads = {
            "board": f"{base}/api/requests?limit=50",
            "request": f"{base}/api/requests/{request_id}",
            "public_outcomes": f"{base}/outcomes.json",
        }
        for level in levels:
            bare = step(f"http://127.0.0.1:{bare_port}/bare", level, seconds, {})
            figures[f"bare_c{level}_rps"] = bare["rps"]
            figures[f"bare_c{level}_p99_ms"] = bare["p99_ms"]
            for name, target in reads.items():
                found = step(target, level, seconds, headers)
                figures[f"{name}_c{level}_rps"] = found["rps"]
                figures[f"{name}_c{level}_p50_ms"] = found["p50_ms"]
                figures[f"{name}_c{level}_p99_ms"] = found["p99_ms"]
                figures[f"{name}_c{level}_errors"] = found["errors"]
                figures[f"{name}_c{level}_ratio"] = found["rps"] / bare["rps"]
            placed = step(f"{base}/api/requests", level, seconds, headers, body)
            figures[f"place_c{level}_rps"] = placed["rps"]
            figures[f"place_c{level}_p50_ms"] = placed["p50_ms"]
            figures[f"place_c{level}_p99_ms"] = placed["p99_ms"]
            figures[f"place_c{level}_errors"] = placed["errors"]
            figures[f"place_c{level}_ratio"] = placed["rps"] / bare["rps"]
    finally:
        for process in (server, bare_server):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database with the demo loaded")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds a step")
    parser.add_argument(
        "--levels", default=",".join(map(str, CONCURRENCY)), help="concurrent clients"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--headers", help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, args.workers)
        return
    if args.client:
        client_main(args)
        return
    if not args.database:
        parser.error("--database: a database with the demo loaded (yimai demo)")
    levels = tuple(int(x) for x in args.levels.split(","))
    figures = run(args.database, args.workers, args.seconds, levels)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:<32} {value:>12,.2f}" if isinstance(value, float) else f"{name:<32} {value}")


if __name__ == "__main__":
    main()
