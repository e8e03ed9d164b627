"""The category catalogue of residents' requests, with each category's time limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import ActorDep, MinPosition, SystemDep
from api.schemas import (
    CategoriesPublic,
    CategoryCreate,
    CategoryLimits,
    CategoryPublic,
    ReasonGiven,
    ReceiptPublic,
)

router = APIRouter(prefix="/categories", tags=["categories"])

Code = Annotated[str, Path(max_length=32, description="The category's code.")]


@router.get("", response_model=CategoriesPublic)
def list_categories(
    system: SystemDep,
    actor: ActorDep,
    include_retired: Annotated[bool, Query(description="Also the retired ones.")] = False,
    min_position: MinPosition = 0,
) -> CategoriesPublic:
    """The catalogue: each category's names and its limits in hours from placement."""
    rows = system.requests.categories(include_retired=include_retired, min_position=min_position)
    return CategoriesPublic(items=[CategoryPublic.model_validate(r) for r in rows], total=len(rows))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def define_category(body: CategoryCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Add a category to the catalogue (admin), with its limits."""
    receipt = system.app.define_category(
        body.code,
        body.name_zh,
        body.name_en,
        body.claim_hours,
        body.resolve_hours,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{code}/limits", response_model=ReceiptPublic)
def change_category_limits(
    code: Code, body: CategoryLimits, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Change a category's limits (with the reason); requests already placed keep theirs."""
    receipt = system.app.change_category_limits(
        code, body.claim_hours, body.resolve_hours, body.reason, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{code}/retire", response_model=ReceiptPublic)
def retire_category(
    code: Code, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Retire a category: no new request takes it; the ones that have it keep it."""
    return ReceiptPublic.model_validate(system.app.retire_category(code, body.reason, actor=actor))
