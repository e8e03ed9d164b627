"""Health and progress without a token: counts and positions, never personal data."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SystemDep
from api.schemas import StatusPublic

router = APIRouter(prefix="/status", tags=["status"])


@router.get("", response_model=StatusPublic)
def read_status(system: SystemDep) -> StatusPublic:
    """Whether the database has accounts, the log's head and each read model's position."""
    positions = system.runner.positions()
    return StatusPublic(
        initialized=system.is_initialized(),
        events=system.app.last_position(),
        position=min(positions.values(), default=0),
        read_models=positions,
    )
