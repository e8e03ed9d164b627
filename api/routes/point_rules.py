"""The catalogue of points rules: what each deed earns, whether it earns a star, the
cap per member per year, and every version with the date it takes effect from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import ActorDep, MinPosition, SystemDep
from api.schemas import ReceiptPublic, RuleCreate, RulePublic, RuleRevise, RulesPublic

router = APIRouter(prefix="/point-rules", tags=["point rules"])

Code = Annotated[str, Path(max_length=32, description="The rule's code.")]


@router.get("", response_model=RulesPublic)
def list_rules(system: SystemDep, actor: ActorDep, min_position: MinPosition = 0) -> RulesPublic:
    """The catalogue in the order it was defined, each rule with all its versions."""
    rows = system.points.rules(min_position=min_position)
    return RulesPublic(items=[RulePublic.model_validate(r) for r in rows], total=len(rows))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def define_rule(body: RuleCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Add a rule to the catalogue (admin)."""
    receipt = system.app.define_rule(
        body.code,
        body.name_zh,
        body.name_en,
        body.category.value,
        body.points,
        earns_star=body.earns_star,
        cap=body.cap,
        effective_from=body.effective_from,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{code}/revise", response_model=ReceiptPublic)
def revise_rule(code: Code, body: RuleRevise, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """A new version of the rule from a date (admin, with the reason); awards already
    made keep the version they were made under."""
    receipt = system.app.revise_rule(
        code,
        body.points,
        body.effective_from,
        body.reason,
        name_zh=body.name_zh,
        name_en=body.name_en,
        earns_star=body.earns_star,
        cap=body.cap,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)
