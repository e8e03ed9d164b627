"""Members' objections to their totals, filed in a closed year's publicity window and
upheld (with the correcting award or reversal) or rejected, with the reason."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    HistoryEntryPublic,
    HistoryPublic,
    ObjectionCreate,
    ObjectionsPublic,
    ObjectionUphold,
    ReasonGiven,
    ReceiptPublic,
)
from domain.points import Objection

router = APIRouter(prefix="/objections", tags=["objections"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def file_objection(body: ObjectionCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """File a member's objection in the publicity window (a cadre for their own member;
    a clerk or supervisor records it for anyone); the text is sealed."""
    receipt = system.app.file_objection(body.member_id, body.year, body.text, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.get("", response_model=ObjectionsPublic)
def list_objections(
    system: SystemDep,
    actor: ActorDep,
    state: Annotated[
        Literal["open", "upheld", "rejected", "all"],
        Query(description="open (the queue), upheld, rejected, or all."),
    ] = "open",
    year: Annotated[int | None, Query(ge=1, le=9999, description="Only this year's.")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> ObjectionsPublic:
    """The objection queue, oldest filed first, with each year's window end (the text
    is read in an objection's history)."""
    page = system.points.objections(
        actor=actor,
        year=year,
        state=None if state == "all" else state,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return ObjectionsPublic.model_validate(page)


@router.get("/{objection_id}/history", response_model=HistoryPublic)
def read_objection_history(
    objection_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> HistoryPublic:
    """Every event of the objection: who, when, why; the member's text opened."""
    entries = system.app.get_history(objection_id, actor=actor, kind=Objection)
    return HistoryPublic(
        items=[HistoryEntryPublic.model_validate(e) for e in entries], total=len(entries)
    )


@router.post("/{objection_id}/uphold", response_model=ReceiptPublic)
def uphold_objection(
    objection_id: UUID, body: ObjectionUphold, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Uphold with the correction — an award (rule, deed date, note) or the reversal of
    one entry — put on the member's ledger with the objection, in one save."""
    receipt = system.app.uphold_objection(
        objection_id,
        body.reason,
        award_rule=body.award_rule,
        deed_on=body.deed_on,
        note=body.note,
        reverse_entry=body.reverse_entry,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{objection_id}/reject", response_model=ReceiptPublic)
def reject_objection(
    objection_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Reject the objection, with the reason; the totals stay as they are."""
    receipt = system.app.reject_objection(objection_id, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)
