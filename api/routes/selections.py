"""The year-end selection of excellent members (优秀党员): candidates proposed from a
final year's standings, confirmed by the committee, then published."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import ActorDep, MinPosition, SystemDep, YearPath
from api.schemas import ReceiptPublic, SelectionConfirm, SelectionPropose, SelectionPublic

router = APIRouter(prefix="/selections", tags=["selections"])


@router.post("/{year}", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def propose_selection(
    year: YearPath, body: SelectionPropose, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Propose the candidates of a final year: per grid branch, the top members by stars
    (then points), without anyone who had a bottom-line deduction approved in it."""
    receipt = system.app.propose_selection(year, per_branch=body.per_branch, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.get("/{year}", response_model=SelectionPublic)
def read_selection(
    year: YearPath, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> SelectionPublic:
    """The year's selection: its state and the candidates, marked with whom was chosen."""
    selection = system.points.selection(year, actor=actor, min_position=min_position)
    return SelectionPublic.model_validate(selection)


@router.post("/{year}/confirm", response_model=ReceiptPublic)
def confirm_selection(
    year: YearPath, body: SelectionConfirm, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """The committee confirms whom of the candidates it selects."""
    receipt = system.app.confirm_selection(year, list(body.chosen), reason=body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{year}/publish", response_model=ReceiptPublic)
def publish_selection(year: YearPath, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Publish the confirmed selection: it appears at /public/selections/{year}."""
    return ReceiptPublic.model_validate(system.app.publish_selection(year, actor=actor))
