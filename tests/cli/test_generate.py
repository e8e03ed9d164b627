"""`yimai generate`: a small district, generated twice from the same seed."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from cli.generate import Plan, generate
from cli.main import main
from projections.config import Settings
from projections.system import System, open_system
from tests.conftest import FAST_PASSWORDS

PLAN = Plan(
    communities=3,
    branches=8,
    members=60,
    households=80,
    years=2,
    requests_per_year=150,
    awards_per_member=3,
    seed=11,
    batch=200,
)
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Pinned, so that two runs make the same history.
END = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


def _generated(path: Path) -> tuple[System, dict[str, float]]:
    system = open_system(Settings(database_url=f"sqlite:///{path}", **FAST_PASSWORDS))
    return system, generate(system, PLAN, now=END)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    first = _generated(tmp_path_factory.mktemp("gen") / "a.db")
    second = _generated(tmp_path_factory.mktemp("gen") / "b.db")
    yield first, second
    first[0].shutdown()
    second[0].shutdown()


def _events(system: System) -> list[tuple[str, dict[str, Any]]]:
    """Every event's topic and state with ids by first appearance, sealed blobs, keys'
    ids, receipt codes and recording times taken out (what differs between runs)."""
    ids: dict[str, str] = {}
    out = []
    for n in system.app.recorder.select_notifications(1, 1_000_000):
        state = json.loads(n.state)
        out.append((n.topic, _normal(state, ids)))
    return out


def _normal(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        if "candidates" in value:
            # Candidates of equal stars and points come in the order of their (random)
            # ids from the points read model: compare them as a set.
            candidates = _normal(value["candidates"], ids)
            rest = {k: v for k, v in value.items() if k != "candidates"}
            return {**_normal(rest, ids), "candidates": sorted(candidates, key=repr)}
        if set(value) == {"_type_", "_data_"} and value["_type_"] == "uuid_hex":
            return ids.setdefault(value["_data_"], f"id{len(ids)}")
        skip = {"timestamp", "originator_id", "receipt_code", "code"}
        return {k: _normal(v, ids) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_normal(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("v1:"):
        return "sealed"
    if isinstance(value, str) and UUID_TEXT.fullmatch(value):
        return ids.setdefault(UUID(value).hex, f"id{len(ids)}")
    return value


def test_the_history_matches_the_plan(runs: Any) -> None:
    (system, figures), _ = runs
    app = system.app
    assert figures["events"] == app.last_position() > 3000
    topics = Counter(
        n.topic.rsplit(".", 2)[-2] + "." + n.topic.rsplit(".", 1)[-1].split(".")[-1]
        for n in app.recorder.select_notifications(1, 1_000_000)
    )
    assert topics
    system.runner.catch_up()
    assert system.runner.position() == app.last_position()  # the read models caught up
    admin = app.authenticate("demo-admin", "demo")
    tree = system.roster.tree(actor=admin)
    communities = [c for sd in tree for c in sd.children]
    assert len(communities) == PLAN.communities
    branches = [b for c in communities for b in c.children if b.level == "branch"]
    assert len(branches) == PLAN.branches
    registered = sum(
        1
        for n in app.recorder.select_notifications(1, 1_000_000)
        if n.topic.endswith("Member.Registered")
    )
    assert PLAN.members * 0.9 <= registered <= PLAN.members
    households = sum(
        1
        for n in app.recorder.select_notifications(1, 1_000_000)
        if n.topic.endswith("Household.Registered")
    )
    assert PLAN.households * 0.9 <= households <= PLAN.households
    placed = sum(
        1
        for n in app.recorder.select_notifications(1, 1_000_000)
        if n.topic.endswith("Request.Placed")
    )
    assert PLAN.requests_per_year * PLAN.years * 0.7 <= placed <= PLAN.requests_per_year * 3
    report = system.seal.verify()
    assert report.ok and report.events == app.last_position()
    assert system.seal.latest_checkpoint()["tree_size"] == app.last_position()


def test_the_same_seed_gives_the_same_history(runs: Any) -> None:
    (first, _), (second, _) = runs
    a, b = _events(first), _events(second)
    assert [t for t, _ in a] == [t for t, _ in b]
    assert a == b


def test_personal_data_is_sealed_and_opens(runs: Any) -> None:
    (system, _), _ = runs
    for n in system.app.recorder.select_notifications(1, 1_000_000):
        if n.topic.endswith("Member.Registered"):
            state = json.loads(n.state)
            assert state["personal"].startswith("v1:")
            member = system.app.repository.get(n.originator_id)
            assert system.app.personal.open(member.id, member.personal) is not None
            break
    else:
        pytest.fail("no member registered")


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    args = ["--database", url, "generate", "--communities", "2", "--branches", "3"]
    args += ["--members", "12", "--households", "10", "--years", "1", "--requests-per-year", "20"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "events/s" in out and "Generated" in out
    assert main(args) == 1  # only into an empty database
