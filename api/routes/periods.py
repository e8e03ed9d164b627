"""Periods (years) of points: closing one opens its publicity window (公示期) on the
totals; once the window has ended and no objection is open, the year becomes final."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ActorDep, MinPosition, SystemDep, YearPath
from api.schemas import PeriodPublic, PeriodsPublic, ReceiptPublic

router = APIRouter(prefix="/periods", tags=["periods"])


@router.get("", response_model=PeriodsPublic)
def list_periods(
    system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> PeriodsPublic:
    """Every year with points or a closing, newest first: open, in its publicity window
    (until when, with how many objections open), or final."""
    rows = system.points.periods(actor=actor, min_position=min_position)
    return PeriodsPublic(items=[PeriodPublic.model_validate(r) for r in rows], total=len(rows))


@router.post("/{year}/close", response_model=ReceiptPublic)
def close_period(year: YearPath, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Close a year that has ended: its totals go into the publicity window, and from now
    on they change only through an upheld objection."""
    return ReceiptPublic.model_validate(system.app.close_period(year, actor=actor))


@router.post("/{year}/finalize", response_model=ReceiptPublic)
def finalize_period(year: YearPath, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Make a year final, once its publicity window has ended and no objection is open."""
    return ReceiptPublic.model_validate(system.app.finalize_period(year, actor=actor))
