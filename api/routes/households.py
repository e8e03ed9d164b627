"""Households: register, find, read, correct, close; and their contact log."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.routes.links import contacts_public
from api.schemas import (
    ContactsPublic,
    HouseholdCorrect,
    HouseholdCreate,
    HouseholdPublic,
    HouseholdsPublic,
    ReasonGiven,
    ReceiptPublic,
)
from domain.dto import HouseholdCorrection, HouseholdDraft

router = APIRouter(prefix="/households", tags=["households"])


@router.get("", response_model=HouseholdsPublic)
def list_households(
    system: SystemDep,
    actor: ActorDep,
    unit_id: Annotated[
        UUID | None, Query(description="Within this community, branch or group.")
    ] = None,
    q: Annotated[
        str, Query(max_length=100, description="Part of a head's name or phone, or of a building.")
    ] = "",
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> HouseholdsPublic:
    """Open households, a page at a time, with how many members each is linked to."""
    page = system.roster.list_households(
        actor=actor, unit_id=unit_id, query=q, offset=offset, limit=limit, min_position=min_position
    )
    return HouseholdsPublic.model_validate(page)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def register_household(body: HouseholdCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Register a household in a branch's area."""
    receipt = system.app.register_household(HouseholdDraft(**body.model_dump()), actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.get("/{household_id}", response_model=HouseholdPublic)
def read_household(
    household_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> HouseholdPublic:
    """One household (always current: read from its events): the head's phone masked,
    unit and room withheld; `POST /personal/disclosures` shows them, recorded."""
    return HouseholdPublic.model_validate(system.app.get_household(household_id, actor=actor))


@router.post("/{household_id}/correct", response_model=ReceiptPublic)
def correct_household(
    household_id: UUID, body: HouseholdCorrect, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Correct a household's details (with the reason)."""
    correction = HouseholdCorrection(**body.model_dump(exclude={"reason"}))
    receipt = system.app.correct_household(household_id, correction, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{household_id}/close", response_model=ReceiptPublic)
def close_household(
    household_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """A household moved out."""
    return ReceiptPublic.model_validate(
        system.app.close_household(household_id, body.reason, actor=actor)
    )


@router.get("/{household_id}/contacts", response_model=ContactsPublic)
def read_contacts(
    household_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> ContactsPublic:
    """The household's contact-log entries, newest first, notes opened."""
    rows = system.roster.contact_log(
        actor=actor, household_id=household_id, min_position=min_position
    )
    return contacts_public(system, rows)
