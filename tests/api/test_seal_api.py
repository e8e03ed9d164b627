"""The seal over HTTP: a reviewer reads the checkpoints, takes proofs and downloads
evidence bundles, and checks each with the stand-alone verifier against the public key
that anyone may fetch; other roles are refused, and bad input names its field."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import MISSING, Roster, Tokens, expect
from tests.api.test_garbage import BAD_QUERY, check
from verifier.yimai_verify import verify_document

SEAL = "/audit/seal"


def verified(document: Any, public_key: str) -> list[str]:
    """The verifier's report of a document, which must verify under `public_key`."""
    ok, lines = verify_document(document, public_key)
    assert ok, lines
    return lines


def test_a_reviewer_proves_an_event_and_the_log_from_the_public_key(
    client: TestClient, tokens: Tokens, roster: Roster, system: System
) -> None:
    # Anyone may fetch the key (no token); it is the one the checkpoints are signed with.
    key = expect(client.get(f"{SEAL}/public-key"), 200)
    assert key["public_key"] == system.seal.public_key_pem()
    assert len(key["key_id"]) == 16

    # Nothing was signed yet: the roster is shorter than a checkpoint's stride.
    h = tokens.reviewer
    refused = expect(client.get(f"{SEAL}/checkpoints/latest", headers=h), 404)
    assert "checkpoint not found" in refused["detail"]

    # The proof of the request's placing signs a checkpoint on demand.
    position = roster.position
    proof = expect(
        client.get(f"{SEAL}/proofs/inclusion", params={"position": position}, headers=h), 200
    )
    assert proof["kind"] == "inclusion"
    assert proof["tree_size"] == proof["checkpoint"]["tree_size"] >= position
    assert proof["leaf_index"] == position - 1
    verified(proof, key["public_key"])
    first = expect(client.get(f"{SEAL}/checkpoints/latest", headers=h), 200)
    assert first == proof["checkpoint"]

    # More work, another checkpoint: the later log extends the earlier one.
    expect(
        client.post(
            "/links/contacts",
            json={
                "member_id": str(roster.member),
                "household_id": str(roster.household),
                "channel": "phone",
            },
            headers=tokens.clerk,
        ),
        201,
    )
    second = system.seal.checkpoint()
    page = expect(client.get(f"{SEAL}/checkpoints", headers=h), 200)
    assert [c["tree_size"] for c in page["items"]] == [first["tree_size"], second["tree_size"]]
    assert page["total"] == 2
    consistency = expect(
        client.get(
            f"{SEAL}/proofs/consistency",
            params={"first": first["tree_size"], "second": second["tree_size"]},
            headers=h,
        ),
        200,
    )
    verified(consistency, key["public_key"])
    # The event is also proven under the older checkpoint when asked for.
    older = expect(
        client.get(
            f"{SEAL}/proofs/inclusion",
            params={"position": position, "checkpoint": first["tree_size"]},
            headers=h,
        ),
        200,
    )
    assert older["tree_size"] == first["tree_size"]
    verified(older, key["public_key"])


def download(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(f"{SEAL}/evidence", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith('attachment; filename="evidence-')
    bundle: dict[str, Any] = json.loads(response.content)
    return bundle


def test_a_supervisor_downloads_evidence_bundles_that_verify(
    client: TestClient, tokens: Tokens, roster: Roster, system: System
) -> None:
    key = expect(client.get(f"{SEAL}/public-key"), 200)["public_key"]
    h = tokens.supervisor

    request = download(client, h, entity=str(roster.request))
    assert request["manifest"]["selection"] == {"kind": "entity", "entity": str(roster.request)}
    assert {e["originator_id"] for e in request["events"]} == {str(roster.request)}
    assert "entity: every event is of aggregate" in "\n".join(verified(request, key))
    # The requester's contact travels sealed: the bundle holds the stored bytes only.
    assert "13900001111" not in json.dumps(request)

    mine = download(client, h, actor="supervisor")
    assert mine["manifest"]["counts"]["events"] == len(mine["events"]) > 5
    verified(mine, key)

    # Everything so far was saved today or (around midnight at the station) yesterday.
    day = system.app.today()
    since = (day - timedelta(days=1)).isoformat()
    today = download(client, h, since=since, until=day.isoformat())
    assert today["manifest"]["selection"]["kind"] == "range"
    assert today["manifest"]["leaves"]["first"] == 0
    assert len(today["events"]) == system.app.last_position()
    assert "range: the events are one unbroken run" in "\n".join(verified(today, key))


@pytest.mark.parametrize("role", ["clerk", "cadre"])
def test_only_the_audit_right_reads_the_seal(
    client: TestClient, tokens: Tokens, roster: Roster, role: str
) -> None:
    headers = getattr(tokens, role)
    for path, params in (
        ("/checkpoints", {}),
        ("/checkpoints/latest", {}),
        ("/proofs/inclusion", {"position": 1}),
        ("/proofs/consistency", {"first": 1, "second": 1}),
        ("/evidence", {"entity": str(roster.request)}),
    ):
        body = expect(client.get(f"{SEAL}{path}", params=params, headers=headers), 403)
        assert "audit.read" in body["detail"], path
        assert expect(client.get(f"{SEAL}{path}", params=params), 401)["detail"]


#: (path, query, status, the field a 422 names)
BAD: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("/proofs/inclusion", {"position": 0}, 422, "position"),
    ("/proofs/inclusion", {}, 422, "position"),
    ("/proofs/inclusion", {"position": 1, "checkpoint": 0}, 422, "checkpoint"),
    ("/proofs/inclusion", {"position": 10**9}, 404, None),
    ("/proofs/inclusion", {"position": 1, "checkpoint": 999}, 404, None),
    ("/proofs/consistency", {"first": 1}, 422, "second"),
    ("/proofs/consistency", {"first": 999, "second": 999}, 404, None),
    ("/checkpoints", {"limit": 0}, 422, "limit"),
    ("/evidence", {}, 422, "since"),
    ("/evidence", {"until": "2026-01-01"}, 422, "until"),
    ("/evidence", {"entity": "not-an-id"}, 422, "entity"),
    ("/evidence", {"entity": MISSING}, 404, None),
    ("/evidence", {"entity": MISSING, "actor": "clerk"}, 422, "actor"),
    ("/evidence", {"entity": MISSING, "since": "2026-01-01"}, 422, "since"),
    ("/evidence", {"since": "last tuesday"}, 422, "since"),
    ("/evidence", {"since": "2026-02-01", "until": "2026-01-01"}, 422, "until"),
    ("/evidence", {"actor": "nobody-at-all"}, 404, None),
    ("/evidence", {"since": "2999-01-01"}, 404, None),
]


def test_bad_input_names_its_field_and_an_empty_selection_is_not_found(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    for path, params, status, field in BAD:
        response = client.get(f"{SEAL}{path}", params=params, headers=tokens.reviewer)
        assert response.status_code == status, (path, params, response.text)
        body = response.json()
        assert body.get("field") == field, (path, params, body)
        assert "nobody-at-all" not in body["detail"] and "tuesday" not in body["detail"]


def test_a_checkpoint_older_than_the_event_is_refused_naming_the_rule(
    client: TestClient, tokens: Tokens, roster: Roster, system: System
) -> None:
    size = system.seal.checkpoint()["tree_size"]
    expect(
        client.post(
            "/links/contacts",
            json={
                "member_id": str(roster.member),
                "household_id": str(roster.household),
                "channel": "visit",
            },
            headers=tokens.clerk,
        ),
        201,
    )
    newer = system.app.last_position()
    body = expect(
        client.get(
            f"{SEAL}/proofs/inclusion",
            params={"position": newer, "checkpoint": size},
            headers=tokens.reviewer,
        ),
        409,
    )
    assert body["rule"] == "checkpoint_before_event"
    body = expect(
        client.get(
            f"{SEAL}/proofs/consistency",
            params={"first": size, "second": 1},
            headers=tokens.reviewer,
        ),
        404,
    )
    assert "checkpoint not found: 1" in body["detail"]


def test_garbage_in_every_query_of_the_seal_is_never_a_server_error(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    spec = client.get("/openapi.json").json()["paths"]
    seal = {path: item["get"] for path, item in spec.items() if path.startswith(SEAL)}
    assert len(seal) == 6
    for path, operation in seal.items():
        for name in [p["name"] for p in operation.get("parameters", [])]:
            for value in BAD_QUERY:
                response = client.get(path, params={name: value}, headers=tokens.reviewer)
                check(response, (path, name, value))
