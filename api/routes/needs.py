"""Alliance needs (需求项目): listed by the committee, claimed by a resident unit (a few
at a time), fulfilled, confirmed, published."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    Fulfilment,
    HistoryEntryPublic,
    HistoryPublic,
    NeedClaim,
    NeedCreate,
    NeedPublic,
    NeedsPublic,
    ReasonGiven,
    ReceiptPublic,
    SummaryGiven,
)
from domain.dto import NeedDraft
from domain.wishes import Need, WishState

router = APIRouter(prefix="/needs", tags=["needs"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def list_need(body: NeedCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """List an alliance need for resident units to claim (the committee)."""
    return ReceiptPublic.model_validate(
        system.app.list_need(NeedDraft(**body.model_dump()), actor=actor)
    )


@router.get("", response_model=NeedsPublic)
def list_needs(
    system: SystemDep,
    actor: ActorDep,
    state: Annotated[WishState | None, Query(description="Only in this state.")] = None,
    community_id: Annotated[UUID | None, Query(description="Only this community's.")] = None,
    resident_unit_id: Annotated[
        UUID | None, Query(description="Claimed by this resident unit.")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> NeedsPublic:
    """Alliance needs, a page at a time, with the resident units that claimed them."""
    page = system.requests.needs(
        actor=actor,
        state=state,
        community_id=community_id,
        resident_unit_id=resident_unit_id,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return NeedsPublic.model_validate(page)


@router.get("/{need_id}", response_model=NeedPublic)
def read_need(
    need_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> NeedPublic:
    """One alliance need (always current: read from its events)."""
    return NeedPublic.model_validate(system.app.get_need(need_id, actor=actor))


@router.get("/{need_id}/history", response_model=HistoryPublic)
def read_history(
    need_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> HistoryPublic:
    """Every event of the need: who, when, why; the fulfilment note opened."""
    entries = system.app.get_history(need_id, actor=actor, kind=Need)
    return HistoryPublic(
        items=[HistoryEntryPublic.model_validate(e) for e in entries], total=len(entries)
    )


@router.post("/{need_id}/claim", response_model=ReceiptPublic)
def claim_need(need_id: UUID, body: NeedClaim, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Record a resident unit's claim; a unit holds only a few open claims at once."""
    return ReceiptPublic.model_validate(
        system.app.claim_need(need_id, body.resident_unit_id, actor=actor)
    )


@router.post("/{need_id}/release", response_model=ReceiptPublic)
def release_need(
    need_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """The unit gives the need back, with the reason."""
    return ReceiptPublic.model_validate(system.app.release_need(need_id, body.reason, actor=actor))


@router.post("/{need_id}/fulfil", response_model=ReceiptPublic)
def fulfil_need(
    need_id: UUID, body: Fulfilment, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """The unit fulfilled the need (the note is sealed)."""
    return ReceiptPublic.model_validate(system.app.fulfil_need(need_id, body.note, actor=actor))


@router.post("/{need_id}/confirm", response_model=ReceiptPublic)
def confirm_need(need_id: UUID, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """The committee confirms the need was met; the unit's claim is no longer open."""
    return ReceiptPublic.model_validate(system.app.confirm_need(need_id, actor=actor))


@router.post("/{need_id}/send-back", response_model=ReceiptPublic)
def send_back_need(
    need_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Not met yet: back to the unit, with the reason."""
    return ReceiptPublic.model_validate(
        system.app.send_back_need(need_id, body.reason, actor=actor)
    )


@router.post("/{need_id}/publish", response_model=ReceiptPublic)
def publish_need(
    need_id: UUID, body: SummaryGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Approve the public summary (no personal data)."""
    return ReceiptPublic.model_validate(system.app.publish_need(need_id, body.summary, actor=actor))


@router.post("/{need_id}/withdraw", response_model=ReceiptPublic)
def withdraw_need(
    need_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Withdraw the need, with the reason (a unit holding it is freed)."""
    return ReceiptPublic.model_validate(system.app.withdraw_need(need_id, body.reason, actor=actor))
