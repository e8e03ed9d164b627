"""Residents' requests (the four orders): place, sort, claim, work, supervise, visit
back, publish; the board, one request and its history; a receipt code's request."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    HistoryEntryPublic,
    HistoryPublic,
    MemberClaim,
    PlacedReceiptPublic,
    ProgressNote,
    ReasonGiven,
    ReceiptPublic,
    RequestClassify,
    RequestCreate,
    RequestGive,
    RequestMerge,
    RequestPublic,
    RequestResolve,
    RequestsPublic,
    RequestVisit,
    SummaryGiven,
)
from domain.dto import RequestDraft
from domain.requests import Request

router = APIRouter(prefix="/requests", tags=["requests"])
#: Looking a request up by the code on the resident's receipt.
receipts = APIRouter(prefix="/receipts", tags=["requests"])

BoardState = Literal[
    "open",
    "placed",
    "classified",
    "claimed",
    "resolved",
    "accepted",
    "visited",
    "published",
    "closed",
    "withdrawn",
    "rejected",
    "merged",
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlacedReceiptPublic)
def place_request(body: RequestCreate, system: SystemDep, actor: ActorDep) -> PlacedReceiptPublic:
    """Take a resident's request; the receipt carries the code the resident keeps."""
    receipt = system.app.place_request(RequestDraft(**body.model_dump()), actor=actor)
    return PlacedReceiptPublic.model_validate(receipt)


@router.get("", response_model=RequestsPublic)
def list_requests(
    system: SystemDep,
    actor: ActorDep,
    state: Annotated[
        BoardState | None, Query(description="A state, or `open`: not yet ended.")
    ] = None,
    category: Annotated[str | None, Query(max_length=32, description="A category code.")] = None,
    community_id: Annotated[UUID | None, Query(description="Only this community's.")] = None,
    branch_id: Annotated[UUID | None, Query(description="Only this grid branch's.")] = None,
    claimant_id: Annotated[UUID | None, Query(description="Held by this member.")] = None,
    overdue: Annotated[bool | None, Query(description="Only (or only not) overdue.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=80, description="A receipt code, or part of the description."),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> RequestsPublic:
    """The request board, newest placed first, each with its clock as of now."""
    page = system.requests.board(
        actor=actor,
        now=system.app.now(),
        state=state,
        category=category,
        community_id=community_id,
        branch_id=branch_id,
        claimant_id=claimant_id,
        overdue=overdue,
        q=q,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return RequestsPublic.model_validate(page)


@router.get("/{request_id}", response_model=RequestPublic)
def read_request(
    request_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> RequestPublic:
    """One request (always current: read from its events): the description opened, the
    contact masked; `POST /personal/disclosures` shows it, recorded."""
    return RequestPublic.model_validate(system.app.get_request(request_id, actor=actor))


@router.get("/{request_id}/history", response_model=HistoryPublic)
def read_history(
    request_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> HistoryPublic:
    """Every event of the request: who, when, why; notes and the solution opened."""
    entries = system.app.get_history(request_id, actor=actor, kind=Request)
    return HistoryPublic(
        items=[HistoryEntryPublic.model_validate(e) for e in entries], total=len(entries)
    )


@receipts.get("/{receipt_code}", response_model=RequestPublic)
def read_receipt(
    receipt_code: Annotated[
        str, Path(max_length=16, description="The code on the resident's receipt.")
    ],
    system: SystemDep,
    actor: ActorDep,
    min_position: MinPosition = 0,
) -> RequestPublic:
    """The request a receipt code was given for (a resident asks at the counter)."""
    request_id = system.app.request_for_receipt(receipt_code, actor=actor)
    return RequestPublic.model_validate(system.app.get_request(request_id, actor=actor))


# -- the committee ------------------------------------------------------------------------


@router.post("/{request_id}/classify", response_model=ReceiptPublic)
def classify_request(
    request_id: UUID, body: RequestClassify, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Confirm or change the category and name the responsible grid branch."""
    receipt = system.app.classify_request(
        request_id, category=body.category, branch_id=body.branch_id, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{request_id}/reject", response_model=ReceiptPublic)
def reject_request(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Out of the community's scope: rejected, with the reason."""
    return ReceiptPublic.model_validate(
        system.app.reject_request(request_id, body.reason, actor=actor)
    )


@router.post("/{request_id}/merge", response_model=ReceiptPublic)
def merge_request(
    request_id: UUID, body: RequestMerge, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Merge a duplicate into the request it repeats; both histories stay readable."""
    receipt = system.app.merge_request(request_id, body.into_id, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{request_id}/withdraw", response_model=ReceiptPublic)
def withdraw_request(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """The resident no longer needs it."""
    return ReceiptPublic.model_validate(
        system.app.withdraw_request(request_id, body.reason, actor=actor)
    )


# -- claiming and the work ----------------------------------------------------------------


@router.post("/{request_id}/claim", response_model=ReceiptPublic)
def claim_request(
    request_id: UUID, body: MemberClaim, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Claim for oneself, or record a member's claim; of two at once exactly one wins."""
    receipt = system.app.claim_request(request_id, member_id=body.member_id, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{request_id}/release", response_model=ReceiptPublic)
def release_request(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Give a claimed request back to the pool, with the reason (the clock keeps running)."""
    return ReceiptPublic.model_validate(
        system.app.release_request(request_id, body.reason, actor=actor)
    )


@router.post("/{request_id}/give", response_model=ReceiptPublic)
def give_request(
    request_id: UUID, body: RequestGive, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Give the request to another member, with the reason (the clock keeps running)."""
    receipt = system.app.give_request(request_id, body.member_id, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{request_id}/progress", response_model=ReceiptPublic)
def note_progress(
    request_id: UUID, body: ProgressNote, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Add a progress note (sealed: it may name people)."""
    return ReceiptPublic.model_validate(
        system.app.note_progress(request_id, body.note, actor=actor)
    )


@router.post("/{request_id}/resolve", response_model=ReceiptPublic)
def resolve_request(
    request_id: UUID, body: RequestResolve, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Say how the request was solved, with references to the evidence."""
    receipt = system.app.resolve_request(
        request_id, body.solution, evidence=body.evidence, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{request_id}/pause", response_model=ReceiptPublic)
def pause_clock(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Stop the clock, with the reason (e.g. waiting for the resident); it is recorded."""
    return ReceiptPublic.model_validate(
        system.app.pause_clock(request_id, body.reason, actor=actor)
    )


@router.post("/{request_id}/resume", response_model=ReceiptPublic)
def resume_clock(request_id: UUID, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Start the paused clock again; the pause is added to the due times."""
    return ReceiptPublic.model_validate(system.app.resume_clock(request_id, actor=actor))


# -- supervision, the return visit, publication ---------------------------------------------


@router.post("/{request_id}/accept", response_model=ReceiptPublic)
def accept_resolution(request_id: UUID, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Accept the resolution (never one's own)."""
    return ReceiptPublic.model_validate(system.app.accept_resolution(request_id, actor=actor))


@router.post("/{request_id}/send-back", response_model=ReceiptPublic)
def send_back_resolution(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Not good enough: back to the claimant, with the reason."""
    return ReceiptPublic.model_validate(
        system.app.send_back_resolution(request_id, body.reason, actor=actor)
    )


@router.post("/{request_id}/press", response_model=ReceiptPublic)
def press_request(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Press (催办) a request that is late or at risk of it."""
    return ReceiptPublic.model_validate(
        system.app.press_request(request_id, body.reason, actor=actor)
    )


@router.post("/{request_id}/escalate", response_model=ReceiptPublic)
def escalate_request(
    request_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Escalate beyond the community, to the subdistrict, with the reason."""
    return ReceiptPublic.model_validate(
        system.app.escalate_request(request_id, body.reason, actor=actor)
    )


@router.post("/{request_id}/visit", response_model=ReceiptPublic)
def record_visit(
    request_id: UUID, body: RequestVisit, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Record the return visit; a dissatisfied resident reopens it, with the reason."""
    receipt = system.app.record_visit(
        request_id,
        body.satisfaction.value,
        comment=body.comment,
        reason=body.reason,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{request_id}/publish", response_model=ReceiptPublic)
def publish_request(
    request_id: UUID, body: SummaryGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Approve the public summary (no personal data); it joins the public ledger."""
    return ReceiptPublic.model_validate(
        system.app.publish_request(request_id, body.summary, actor=actor)
    )


@router.post("/{request_id}/close", response_model=ReceiptPublic)
def close_request(request_id: UUID, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Close a published request."""
    return ReceiptPublic.model_validate(system.app.close_request(request_id, actor=actor))
