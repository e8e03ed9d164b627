"""Personal data: erase a person (admin); see a person's contact details, recorded; who
looked at whom, and who was erased (audit readers)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    ContactShownPublic,
    DisclosureCreate,
    DisclosuresPublic,
    ErasureCreate,
    ErasurePublic,
    ErasuresPublic,
)

router = APIRouter(prefix="/personal", tags=["personal data"])


@router.post("/erasures", status_code=status.HTTP_201_CREATED, response_model=ErasurePublic)
def erase_person(body: ErasureCreate, system: SystemDep, actor: ActorDep) -> ErasurePublic:
    """Erase a person (admin, with the reason): the erasure is recorded, then their key is
    destroyed (a household's also those of its requests and micro-wishes). Their events
    stay; their fields read "[erased]" everywhere. Run again, it finishes an erasure that
    was cut short; otherwise 409 `already_erased`."""
    receipt = system.erase_person(body.subject_id, body.reason, actor=actor)
    return ErasurePublic.model_validate(receipt)


@router.get("/erasures", response_model=ErasuresPublic)
def list_erasures(
    system: SystemDep,
    actor: ActorDep,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> ErasuresPublic:
    """Every erasure, newest first: whom (by id), by whom, why, how many keys went."""
    page = system.privacy.erasures(
        actor=actor, offset=offset, limit=limit, min_position=min_position
    )
    return ErasuresPublic.model_validate(page)


@router.post("/disclosures", status_code=status.HTTP_201_CREATED, response_model=ContactShownPublic)
def reveal_contact(
    body: DisclosureCreate, system: SystemDep, actor: ActorDep, response: Response
) -> ContactShownPublic:
    """A person's contact details in clear (phone, address, unit and room, a request's
    contact), with the reason: the showing is recorded - who looked, at whom, why."""
    shown = system.app.reveal_contact(body.subject_id, body.reason, actor=actor)
    # Shown once: no cache along the way keeps a copy.
    response.headers["Cache-Control"] = "no-store"
    return ContactShownPublic.model_validate(shown)


@router.get("/disclosures", response_model=DisclosuresPublic)
def list_disclosures(
    system: SystemDep,
    actor: ActorDep,
    subject_id: Annotated[UUID | None, Query(description="Of this person.")] = None,
    viewer: Annotated[
        str | None, Query(max_length=64, description="By this account (user name).")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> DisclosuresPublic:
    """Who was shown whose contact details, and why, newest first (audit readers)."""
    page = system.privacy.disclosures(
        actor=actor,
        subject_id=subject_id,
        viewer=viewer,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return DisclosuresPublic.model_validate(page)
