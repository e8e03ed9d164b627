"""3+N links between members and households, and the contact log kept on each link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, status

from api.deps import ActorDep, SystemDep
from api.schemas import (
    ContactCreate,
    ContactPublic,
    ContactsPublic,
    LinkCreate,
    LinkEnd,
    ReceiptPublic,
)
from projections.system import System

router = APIRouter(prefix="/links", tags=["links"])


def contacts_public(system: System, rows: Sequence[dict[str, Any]]) -> ContactsPublic:
    """Contact-log rows with their notes opened (an erased household reads "[erased]")."""
    items = [
        ContactPublic.model_validate(
            {**row, "note": system.app.open_note(row["household_id"], row["note_sealed"])}
        )
        for row in rows
    ]
    return ContactsPublic(items=items, total=len(items))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def link_household(body: LinkCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Link a member to a household in their own community (again, if once unlinked)."""
    receipt = system.app.link_household(
        body.member_id, body.household_id, since=body.since, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/unlink", response_model=ReceiptPublic)
def unlink_household(body: LinkEnd, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """End a link (with the reason); its contact log stays."""
    receipt = system.app.unlink_household(
        body.member_id, body.household_id, body.reason, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/contacts", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def log_contact(body: ContactCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Write an entry in a current link's contact log; the note is sealed when stored."""
    receipt = system.app.log_contact(
        body.member_id,
        body.household_id,
        body.channel.value,
        on=body.on,
        note=body.note,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)
