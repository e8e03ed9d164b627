"""The seal for auditors: signed checkpoints, the public key, inclusion and consistency
proofs (proof files that `yimai_verify.py` checks), and evidence bundles to download.

Everything but the public key needs the audit right (reviewers, supervisors, admins).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import ActorDep, Limit, Offset, SystemDep
from api.schemas import Public
from projections.evidence import SealView

router = APIRouter(prefix="/audit/seal", tags=["seal"])

#: A log size or position: a positive 63-bit number.
Size = Annotated[int, Query(ge=1, le=2**63 - 1)]
#: Bundles up to this size are built in memory before they are sent, larger ones on disk.
_SPOOL_BYTES = 8 * 1024 * 1024
_CHUNK = 64 * 1024


class CheckpointPublic(Public):
    """A signed checkpoint: the log had `tree_size` events with this root at `made_at`;
    `signature` (base64) is Ed25519 over the three, by key `key_id`."""

    tree_size: int
    root: str
    made_at: str
    signature: str
    key_id: str


class CheckpointsPublic(Public):
    """A page of signed checkpoints, oldest first."""

    items: list[CheckpointPublic]
    total: int
    offset: int
    limit: int


class PublicKeyPublic(Public):
    """The Ed25519 public key (PEM) that checks every checkpoint, and its id."""

    public_key: str
    key_id: str


class LeafPublic(Public):
    """One stored event exactly as sealed: its aggregate, version, topic and state
    (base64 of the stored bytes, personal fields still sealed)."""

    id: str
    version: int
    topic: str
    state: str


class InclusionProofPublic(Public):
    """A proof file: the event is leaf `leaf_index` of the signed log of `tree_size`."""

    kind: Literal["inclusion"]
    leaf: LeafPublic
    leaf_index: int
    tree_size: int
    proof: list[str]
    checkpoint: CheckpointPublic
    public_key: str


class ConsistencyProofPublic(Public):
    """A proof file: the log signed at `second` extends the log signed at `first`."""

    kind: Literal["consistency"]
    first: CheckpointPublic
    second: CheckpointPublic
    proof: list[str]
    public_key: str


@router.get("/public-key", response_model=PublicKeyPublic)
def read_public_key(system: SystemDep) -> PublicKeyPublic:
    """The public key that checks the checkpoints (no token: anyone may hold it, and
    should compare it with the one published)."""
    return PublicKeyPublic.model_validate(SealView(system).public_key())


@router.get("/checkpoints/latest", response_model=CheckpointPublic)
def read_latest_checkpoint(system: SystemDep, actor: ActorDep) -> CheckpointPublic:
    """The latest signed checkpoint."""
    return CheckpointPublic.model_validate(SealView(system).latest_checkpoint(actor=actor))


@router.get("/checkpoints", response_model=CheckpointsPublic)
def read_checkpoints(
    system: SystemDep, actor: ActorDep, offset: Offset = 0, limit: Limit = 50
) -> CheckpointsPublic:
    """Every signed checkpoint, oldest first."""
    page = SealView(system).checkpoints(actor=actor, offset=offset, limit=limit)
    return CheckpointsPublic.model_validate(page)


@router.get("/proofs/inclusion", response_model=InclusionProofPublic)
def read_inclusion_proof(
    system: SystemDep,
    actor: ActorDep,
    position: Annotated[int, Query(ge=1, le=2**63 - 1, description="The event's position.")],
    checkpoint: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**63 - 1,
            description="Prove under this checkpoint (its size); absent: the latest, signed "
            "now if none covers the event yet.",
        ),
    ] = None,
) -> InclusionProofPublic:
    """A proof file showing that the event at `position` is in the signed log."""
    proof = SealView(system).inclusion_proof(position, checkpoint, actor=actor)
    return InclusionProofPublic.model_validate(proof)


@router.get("/proofs/consistency", response_model=ConsistencyProofPublic)
def read_consistency_proof(
    system: SystemDep,
    actor: ActorDep,
    first: Annotated[int, Query(ge=1, le=2**63 - 1, description="The earlier checkpoint's size.")],
    second: Annotated[int, Query(ge=1, le=2**63 - 1, description="The later checkpoint's size.")],
) -> ConsistencyProofPublic:
    """A proof file showing that the log signed at `second` extends the one at `first`."""
    proof = SealView(system).consistency_proof(first, second, actor=actor)
    return ConsistencyProofPublic.model_validate(proof)


def _read(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(_CHUNK):
            yield chunk
    finally:
        spool.close()


@router.get(
    "/evidence",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/json": {}}, "description": "The bundle file."}},
)
def download_evidence(
    system: SystemDep,
    actor: ActorDep,
    entity: Annotated[UUID | None, Query(description="Every event of this aggregate.")] = None,
    by: Annotated[
        str | None,
        Query(alias="actor", max_length=64, description="Every event this account caused."),
    ] = None,
    since: Annotated[
        str | None,
        Query(
            max_length=40,
            description="From this date (YYYY-MM-DD, the station's time zone) or time (ISO "
            "8601). Alone: the events saved since then; with `actor`: theirs dated since then.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(max_length=40, description="Up to this date (the whole day) or time, inclusive."),
    ] = None,
) -> StreamingResponse:
    """An evidence bundle (one JSON file): the events of an entity, an actor or a range of
    dates, each with its inclusion proof, the checkpoint, the public key and a manifest;
    `yimai_verify.py` checks it with no database."""
    # Written whole before the first byte is sent, so a failure is an error response,
    # never a truncated file. The response closes the spool once it is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        bundle = SealView(system).evidence(
            spool, actor=actor, entity=entity, by=by, since=since, until=until
        )
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(
        _read(spool),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{bundle.selection.file_name()}"'},
    )
