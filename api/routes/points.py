"""Members' points and stars: awards, each member's ledger and totals of a year, the
explanation of a total ("why is my total X"), and the rankings."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    AwardCreate,
    AwardReceiptPublic,
    ExplanationPublic,
    LedgerPublic,
    RankingsPublic,
    TotalsPublic,
)

router = APIRouter(tags=["points"])

YearQuery = Annotated[int, Query(ge=1, le=9999, description="The period: a calendar year.")]
QuarterQuery = Annotated[
    int | None, Query(ge=1, le=4, description="Only this quarter (by the deed's date).")
]


@router.post(
    "/members/{member_id}/awards",
    status_code=status.HTTP_201_CREATED,
    response_model=AwardReceiptPublic,
)
def award_points(
    member_id: UUID, body: AwardCreate, system: SystemDep, actor: ActorDep
) -> AwardReceiptPublic:
    """Award a member under a rule for a deed on a date, with its evidence; the receipt
    says what the rule gives, what the year's cap left of it, and the stars."""
    receipt = system.app.award_points(
        member_id,
        body.rule_code,
        body.deed_on,
        evidence_kind=body.evidence_kind.value,
        evidence_ref=body.evidence_ref,
        note=body.note,
        actor=actor,
    )
    return AwardReceiptPublic.model_validate(receipt)


@router.get("/members/{member_id}/ledger", response_model=LedgerPublic)
def read_ledger(
    member_id: UUID,
    system: SystemDep,
    actor: ActorDep,
    year: Annotated[
        int | None, Query(ge=1, le=9999, description="Only this year (absent: every year).")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> LedgerPublic:
    """A member's awards and deductions, latest deed first, each with its rule version
    and evidence; a reversed entry stays, marked with who reversed it and why."""
    page = system.points.ledger(
        member_id, actor=actor, year=year, offset=offset, limit=limit, min_position=min_position
    )
    return LedgerPublic.model_validate(page)


@router.get("/members/{member_id}/totals", response_model=TotalsPublic)
def read_totals(
    member_id: UUID,
    system: SystemDep,
    actor: ActorDep,
    year: YearQuery,
    min_position: MinPosition = 0,
) -> TotalsPublic:
    """A member's points, stars and star level of a year, and each quarter's share."""
    totals = system.points.totals(member_id, actor=actor, year=year, min_position=min_position)
    return TotalsPublic.model_validate(totals)


@router.get("/members/{member_id}/explain", response_model=ExplanationPublic)
def explain_total(
    member_id: UUID,
    system: SystemDep,
    actor: ActorDep,
    year: YearQuery,
    quarter: QuarterQuery = None,
    min_position: MinPosition = 0,
) -> ExplanationPublic:
    """Why a member's total is what it is: every entry of the year (or quarter), the rule
    version applied, what a cap cut and what a reversal took off; the lines add up."""
    explanation = system.points.explain(
        member_id, actor=actor, year=year, quarter=quarter, min_position=min_position
    )
    return ExplanationPublic.model_validate(explanation)


@router.get("/rankings", response_model=RankingsPublic)
def read_rankings(
    system: SystemDep,
    actor: ActorDep,
    year: YearQuery,
    quarter: QuarterQuery = None,
    community_id: Annotated[UUID | None, Query(description="Only this community's.")] = None,
    branch_id: Annotated[UUID | None, Query(description="Only this grid branch's.")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> RankingsPublic:
    """Members by points, then stars, then name, for a year or a quarter, in a community
    or a grid branch (the member's current one); equal standings share a rank."""
    page = system.points.rankings(
        actor=actor,
        year=year,
        quarter=quarter,
        community_id=community_id,
        branch_id=branch_id,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return RankingsPublic.model_validate(page)
