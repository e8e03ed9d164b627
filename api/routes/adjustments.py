"""Deductions and reversals, which take two people: one proposes, a different person
with the right approves or rejects; nothing changes a total until it is approved."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    AdjustmentsPublic,
    DeductionCreate,
    ReasonGiven,
    ReceiptPublic,
    ReversalCreate,
)

router = APIRouter(prefix="/adjustments", tags=["adjustments"])


@router.post("/deductions", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def propose_deduction(body: DeductionCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Propose a deduction under a bottom-line rule, with why; it waits for approval."""
    receipt = system.app.propose_deduction(
        body.member_id, body.rule_code, body.deed_on, body.reason, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/reversals", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def propose_reversal(body: ReversalCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Propose to reverse one award or deduction of a member's year, with why; it waits
    for approval."""
    receipt = system.app.propose_reversal(
        body.member_id, body.year, body.entry_id, body.reason, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.get("", response_model=AdjustmentsPublic)
def list_adjustments(
    system: SystemDep,
    actor: ActorDep,
    state: Annotated[
        Literal["proposed"], Query(description="proposed: waiting for a second person.")
    ] = "proposed",
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> AdjustmentsPublic:
    """The pending-approval queue: proposed deductions and reversals, oldest first."""
    page = system.points.pending_approvals(
        actor=actor, offset=offset, limit=limit, min_position=min_position
    )
    return AdjustmentsPublic.model_validate(page)


@router.post("/{adjustment_id}/approve", response_model=ReceiptPublic)
def approve_adjustment(adjustment_id: UUID, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Approve another person's proposal: only now does it change the member's total."""
    return ReceiptPublic.model_validate(system.app.approve_adjustment(adjustment_id, actor=actor))


@router.post("/{adjustment_id}/reject", response_model=ReceiptPublic)
def reject_adjustment(
    adjustment_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Reject another person's proposal, with the reason; nothing changes."""
    receipt = system.app.reject_adjustment(adjustment_id, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)
