"""Looking back over HTTP: moments, records as of a version or a day, trails, the roster,
board and points as of a day, diffs between days, and replay step by step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import Roster, Tokens, expect
from tests.application.support import Clock


def _day(system: System, clock: Clock) -> str:
    return clock.now.astimezone(system.settings.tzinfo).date().isoformat()


def _two_days(client: TestClient, tokens: Tokens, roster: Roster, system: System) -> list[str]:
    """Day 1: the roster fixture's world, then a quiet night; day 2: the member leaves
    their post, moves to the second branch, and the request is classified."""
    clock = Clock(datetime.now(UTC) + timedelta(days=1))
    system.app.clock = clock
    day1 = _day(system, clock)
    clock.advance(days=1)
    day2 = _day(system, clock)
    expect(
        client.post(
            f"/units/{roster.org.branch}/appointments/{roster.appointment}/end",
            json={"reason": "搬家卸任"},
            headers=tokens.supervisor,
        ),
        200,
    )
    moved = {"branch_id": str(roster.org.branch2), "reason": "搬至西片区"}
    expect(
        client.post(f"/members/{roster.member}/transfer", json=moved, headers=tokens.supervisor),
        200,
    )
    expect(
        client.post(
            f"/requests/{roster.request}/classify",
            json={"branch_id": str(roster.org.branch)},
            headers=tokens.supervisor,
        ),
        200,
    )
    system.runner.catch_up()
    return [day1, day2]


def get(client: TestClient, tokens: Tokens, path: str, status: int = 200, **params: Any) -> Any:
    return expect(client.get(path, params=params, headers=tokens.reviewer), status)


def test_a_reviewer_sees_the_books_as_of_each_day_and_what_changed(
    client: TestClient, tokens: Tokens, roster: Roster, system: System
) -> None:
    day1, day2 = _two_days(client, tokens, roster, system)
    m1 = get(client, tokens, "/audit/moments", at=day1)
    m2 = get(client, tokens, "/audit/moments", at=day2)
    assert m1["position"] < m2["position"] == system.app.last_position()

    def branch_members(body: dict[str, Any]) -> dict[str, int]:
        found: dict[str, int] = {}

        def walk(node: dict[str, Any]) -> None:
            if node["level"] == "branch":
                found[node["id"]] = node["counts"]["members"]
            for child in node["children"]:
                walk(child)

        for root in body["items"]:
            walk(root)
        return found

    b1, b2 = str(roster.org.branch), str(roster.org.branch2)
    before = branch_members(get(client, tokens, "/audit/as-of/roster", at=day1))
    after = branch_members(get(client, tokens, "/audit/as-of/roster", at=day2))
    assert (before[b1], before[b2]) == (1, 0)
    assert (after[b1], after[b2]) == (0, 1)

    board1 = get(client, tokens, "/audit/as-of/board", at=day1)
    board2 = get(client, tokens, "/audit/as-of/board", at=day2)
    assert [r["state"] for r in board1["items"]] == ["placed"]
    assert [r["state"] for r in board2["items"]] == ["classified"]
    assert board1["moment"]["position"] == m1["position"]

    diff = get(client, tokens, "/audit/diffs/roster", since=day1, until=day2)
    (change,) = [c for c in diff["changes"] if c["table"] == "roster_members"]
    assert change["fields"]["branch_id"] == [b1, b2]
    assert change["by"]["event"] == "Member.Transferred"
    assert change["by"]["actor"] == "supervisor"
    board_diff = get(client, tokens, "/audit/diffs/board", since=day1, until=day2)
    assert {c["key"] for c in board_diff["changes"]} == {str(roster.request)}

    old = get(client, tokens, f"/audit/records/{roster.member}", at=day1)
    new = get(client, tokens, f"/audit/records/{roster.member}")
    assert old["state"]["branch_id"] == b1 and new["state"]["branch_id"] == b2
    assert old["version"] + 1 == new["version"]
    assert old["state"]["personal"] == "[sealed]" and "13812345678" not in str(old)
    assert get(client, tokens, f"/audit/records/{roster.member}", version=1)["version"] == 1

    trail = get(client, tokens, "/audit/trails/supervisor", since=day1, kind="Member")
    assert [e["event"] for e in trail["items"]] == ["Member.Transferred"]


def test_a_replay_steps_through_a_record_with_the_state_before_and_after(
    client: TestClient, tokens: Tokens, roster: Roster, system: System
) -> None:
    day1, day2 = _two_days(client, tokens, roster, system)
    steps = get(client, tokens, "/audit/replays/steps", entity=str(roster.member))
    assert steps["total"] == len(steps["items"]) >= 2
    first = get(client, tokens, "/audit/replays/steps/0", entity=str(roster.member))
    assert first["before"] is None and first["event"]["event"] == "Member.Registered"
    last = steps["total"] - 1
    moved = get(client, tokens, f"/audit/replays/steps/{last}", entity=str(roster.member))
    assert moved["event"]["event"] == "Member.Transferred"
    assert moved["changed"]["branch_id"] == [str(roster.org.branch), str(roster.org.branch2)]
    assert moved["after"]["version"] == moved["before"]["version"] + 1
    # A day's replay: exactly the events committed that day, in log order.
    day = get(client, tokens, "/audit/replays/steps", since=day1, until=day2)
    assert [s["event"] for s in day["items"]] == [
        "OrgUnit.AppointmentEnded",
        "Member.Transferred",
        "Request.Classified",
    ]
    # "since" a day includes that day: the same three from the second day alone.
    same = get(client, tokens, "/audit/replays/steps", since=day2, until=day2)
    assert [s["position"] for s in same["items"]] == [s["position"] for s in day["items"]]
    by_account = get(client, tokens, "/audit/replays/steps/2", account="supervisor", since=day1)
    assert by_account["event"]["event"] == "Request.Classified"
    assert by_account["changed"]["state"] == ["placed", "classified"]


def test_looking_back_is_refused_without_the_right_and_bad_input_names_its_field(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    for path in (
        "/audit/moments?at=2026-01-01",
        "/audit/as-of/roster?at=2026-01-01",
        f"/audit/replays/steps?entity={roster.member}",
        "/audit/diffs/roster?since=2026-01-01&until=2026-02-01",
        "/audit/trails/admin",
    ):
        expect(client.get(path, headers=tokens.clerk), 403)
    bad = get(client, tokens, "/audit/moments", 422, at="yesterday-ish")
    assert "at" in str(bad)
    later = get(client, tokens, "/audit/diffs/roster", 422, since="2026-03-01", until="2026-02-01")
    assert "until" in str(later)
    nothing = get(client, tokens, "/audit/replays/steps", 422)
    assert "entity" in str(nothing)
    both = get(client, tokens, "/audit/replays/steps", 422, entity=str(roster.member), account="x")
    assert "entity" in str(both)
    get(client, tokens, "/audit/replays/steps/999", 404, entity=str(roster.member))
    for far in ("0001-01-01T00:00:00", "9999-12-31T23:59:59", "0001-01-01"):
        assert "at" in str(get(client, tokens, "/audit/as-of/roster", 422, at=far))
    backwards = get(
        client, tokens, "/audit/replays/steps", 422, since="2026-03-01", until="2026-02-01"
    )
    assert "until" in str(backwards)
    # A kind is a name, not a pattern.
    assert get(client, tokens, "/audit/trails/supervisor", kind="%")["total"] == 0
    # Which version stood at a moment is the audit's question, not every reader's.
    expect(client.get(f"/audit/records/{roster.member}?at=2026-01-01", headers=tokens.clerk), 403)
    get(client, tokens, "/audit/records/3f0e9c1a-1111-4222-8333-944455556666", 404)
    get(client, tokens, f"/audit/records/{roster.member}", 404, version=99)
