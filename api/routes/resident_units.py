"""Resident units: agencies, enterprises, institutions and organizations in a community."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, MinPosition, SystemDep
from api.schemas import (
    ReasonGiven,
    ReceiptPublic,
    ResidentUnitCreate,
    ResidentUnitPublic,
    ResidentUnitRename,
    ResidentUnitsPublic,
)

router = APIRouter(prefix="/resident-units", tags=["resident units"])


@router.get("", response_model=ResidentUnitsPublic)
def list_resident_units(
    system: SystemDep,
    actor: ActorDep,
    community_id: Annotated[UUID | None, Query(description="Only this community's.")] = None,
    min_position: MinPosition = 0,
) -> ResidentUnitsPublic:
    """Resident units with the number of in-service members reporting from each."""
    rows = system.roster.list_resident_units(
        actor=actor, community_id=community_id, min_position=min_position
    )
    return ResidentUnitsPublic(
        items=[ResidentUnitPublic.model_validate(r) for r in rows], total=len(rows)
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def register_resident_unit(
    body: ResidentUnitCreate, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Register a resident unit in a community."""
    receipt = system.app.register_resident_unit(
        body.name, body.kind.value, body.community_id, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{resident_unit_id}/rename", response_model=ReceiptPublic)
def rename_resident_unit(
    resident_unit_id: UUID, body: ResidentUnitRename, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Rename a resident unit (with the reason)."""
    receipt = system.app.rename_resident_unit(resident_unit_id, body.name, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{resident_unit_id}/close", response_model=ReceiptPublic)
def close_resident_unit(
    resident_unit_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Close a resident unit that no active member reports from."""
    return ReceiptPublic.model_validate(
        system.app.close_resident_unit(resident_unit_id, body.reason, actor=actor)
    )
