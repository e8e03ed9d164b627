"""The organization tree: subdistricts, communities, grid branches, party groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, MinPosition, SystemDep
from api.schemas import (
    AppointmentCreate,
    AppointmentEnd,
    ReasonGiven,
    ReceiptPublic,
    UnitCreate,
    UnitNodePublic,
    UnitPublic,
    UnitRename,
    UnitsPublic,
)
from projections.roster import UnitNode

router = APIRouter(prefix="/units", tags=["units"])


def _size(nodes: Iterable[UnitNode]) -> int:
    return sum(1 + _size(n.children) for n in nodes)


@router.get("", response_model=UnitsPublic)
def read_tree(
    system: SystemDep,
    actor: ActorDep,
    include_closed: Annotated[bool, Query(description="Also show closed units.")] = False,
    min_position: MinPosition = 0,
) -> UnitsPublic:
    """The whole tree with member, household and resident-unit counts at every level."""
    roots = system.roster.tree(
        actor=actor, min_position=min_position, include_closed=include_closed
    )
    return UnitsPublic(items=[UnitNodePublic.model_validate(r) for r in roots], total=_size(roots))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def open_unit(body: UnitCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Open a unit under its parent (a subdistrict has none)."""
    receipt = system.app.open_unit(
        body.level.value,
        body.name,
        body.parent_id,
        kind=body.kind,
        area=body.area,
        place=body.place,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.get("/{unit_id}", response_model=UnitPublic)
def read_unit(
    unit_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> UnitPublic:
    """One unit with its current appointments."""
    return UnitPublic.model_validate(
        system.roster.unit(unit_id, actor=actor, min_position=min_position)
    )


@router.post("/{unit_id}/rename", response_model=ReceiptPublic)
def rename_unit(
    unit_id: UUID, body: UnitRename, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Rename a unit (with the reason)."""
    return ReceiptPublic.model_validate(
        system.app.rename_unit(unit_id, body.name, body.reason, actor=actor)
    )


@router.post("/{unit_id}/close", response_model=ReceiptPublic)
def close_unit(
    unit_id: UUID, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Close a unit that has no open child units and no active members."""
    return ReceiptPublic.model_validate(system.app.close_unit(unit_id, body.reason, actor=actor))


@router.post(
    "/{unit_id}/appointments", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic
)
def appoint(
    unit_id: UUID, body: AppointmentCreate, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Appoint a member of the unit; the receipt names the unit, whose detail lists the
    appointment's id."""
    receipt = system.app.appoint(
        unit_id,
        body.role.value,
        body.member_id,
        label=body.label,
        since=body.since,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{unit_id}/appointments/{appointment_id}/end", response_model=ReceiptPublic)
def end_appointment(
    unit_id: UUID,
    appointment_id: UUID,
    body: AppointmentEnd,
    system: SystemDep,
    actor: ActorDep,
) -> ReceiptPublic:
    """End a current appointment (with the reason)."""
    receipt = system.app.end_appointment(
        unit_id, appointment_id, body.reason, ended_on=body.ended_on, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)
