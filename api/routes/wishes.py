"""Micro-wishes (微心愿): posted for a resident, claimed by a member, fulfilled,
confirmed, published."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    Fulfilment,
    HistoryEntryPublic,
    HistoryPublic,
    MemberClaim,
    ReasonGiven,
    ReceiptPublic,
    SummaryGiven,
    WishCreate,
    WishesPublic,
    WishPublic,
)
from domain.dto import WishDraft
from domain.wishes import Wish, WishState

router = APIRouter(prefix="/wishes", tags=["wishes"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def post_wish(body: WishCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Post a micro-wish for a resident (who they are and the wish itself are sealed)."""
    return ReceiptPublic.model_validate(
        system.app.post_wish(WishDraft(**body.model_dump()), actor=actor)
    )


@router.get("", response_model=WishesPublic)
def list_wishes(
    system: SystemDep,
    actor: ActorDep,
    state: Annotated[WishState | None, Query(description="Only in this state.")] = None,
    community_id: Annotated[UUID | None, Query(description="Only this community's.")] = None,
    claimant_id: Annotated[UUID | None, Query(description="Claimed by this member.")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> WishesPublic:
    """Micro-wishes, a page at a time, with their claimants."""
    page = system.requests.wishes(
        actor=actor,
        state=state,
        community_id=community_id,
        claimant_id=claimant_id,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return WishesPublic.model_validate(page)


@router.get("/{wish_id}", response_model=WishPublic)
def read_wish(
    wish_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> WishPublic:
    """One micro-wish with the resident and the wish opened (read from its events)."""
    return WishPublic.model_validate(system.app.get_wish(wish_id, actor=actor))


@router.get("/{wish_id}/history", response_model=HistoryPublic)
def read_history(
    wish_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> HistoryPublic:
    """Every event of the micro-wish: who, when, why; the fulfilment note opened."""
    entries = system.app.get_history(wish_id, actor=actor, kind=Wish)
    return HistoryPublic(
        items=[HistoryEntryPublic.model_validate(e) for e in entries], total=len(entries)
    )


@router.post("/{wish_id}/claim", response_model=ReceiptPublic)
def claim_wish(
    wish_id: UUID, body: MemberClaim, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """A member takes the wish on (oneself, or a clerk records a member's claim)."""
    return ReceiptPublic.model_validate(
        system.app.claim_wish(wish_id, member_id=body.member_id, actor=actor)
    )


@router.post("/{wish_id}/release", response_model=ReceiptPublic)
def release_wish(
    wish_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Give the wish back, with the reason."""
    return ReceiptPublic.model_validate(system.app.release_wish(wish_id, body.reason, actor=actor))


@router.post("/{wish_id}/fulfil", response_model=ReceiptPublic)
def fulfil_wish(
    wish_id: UUID, body: Fulfilment, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """The claimant fulfilled the wish (the note is sealed)."""
    return ReceiptPublic.model_validate(system.app.fulfil_wish(wish_id, body.note, actor=actor))


@router.post("/{wish_id}/confirm", response_model=ReceiptPublic)
def confirm_wish(wish_id: UUID, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """The resident confirmed the wish came true (never confirmed by its claimant)."""
    return ReceiptPublic.model_validate(system.app.confirm_wish(wish_id, actor=actor))


@router.post("/{wish_id}/send-back", response_model=ReceiptPublic)
def send_back_wish(
    wish_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """The resident did not get what was wished: back to the claimant, with the reason."""
    return ReceiptPublic.model_validate(
        system.app.send_back_wish(wish_id, body.reason, actor=actor)
    )


@router.post("/{wish_id}/publish", response_model=ReceiptPublic)
def publish_wish(
    wish_id: UUID, body: SummaryGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Approve the public summary (no personal data)."""
    return ReceiptPublic.model_validate(system.app.publish_wish(wish_id, body.summary, actor=actor))


@router.post("/{wish_id}/withdraw", response_model=ReceiptPublic)
def withdraw_wish(
    wish_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Withdraw the wish, with the reason."""
    return ReceiptPublic.model_validate(system.app.withdraw_wish(wish_id, body.reason, actor=actor))
