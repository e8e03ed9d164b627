"""What anyone may read, without a token: published outcomes of requests, micro-wishes
and alliance needs, the points rankings of a closed year and a published selection of
excellent members (names masked). Every item is built from an allowlist of fields (see
`api.schemas.Allowlisted`): no contact, no description, no note, no resident."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import Limit, MinPosition, Offset, SystemDep, YearPath
from api.schemas import (
    ClaimOutcomesPublic,
    OutcomePublic,
    OutcomesPublic,
    SelectionOutcomePublic,
    StandingsPublic,
)

router = APIRouter(prefix="/public", tags=["public"])

CommunityId = Annotated[UUID | None, Query(description="Only this community's.")]


@router.get("/requests", response_model=OutcomesPublic)
def list_outcomes(
    system: SystemDep,
    community_id: CommunityId = None,
    branch_id: Annotated[UUID | None, Query(description="Only this grid branch's.")] = None,
    category: Annotated[str | None, Query(max_length=32, description="A category code.")] = None,
    month: Annotated[
        str | None,
        Query(pattern=r"^\d{4}-\d{2}$", description="Placed in this month (YYYY-MM)."),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> OutcomesPublic:
    """The public ledger: published outcomes, newest first, with the approved summary."""
    page = system.requests.public_ledger(
        community_id=community_id,
        branch_id=branch_id,
        category=category,
        month=month,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return OutcomesPublic.model_validate(page)


@router.get("/requests/{request_id}", response_model=OutcomePublic)
def read_outcome(
    request_id: UUID, system: SystemDep, min_position: MinPosition = 0
) -> OutcomePublic:
    """One published outcome (404 for a request that is not published)."""
    return OutcomePublic.model_validate(
        system.requests.public_outcome(request_id, min_position=min_position)
    )


@router.get("/wishes", response_model=ClaimOutcomesPublic)
def list_wish_outcomes(
    system: SystemDep,
    community_id: CommunityId = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> ClaimOutcomesPublic:
    """Published micro-wishes; the member who fulfilled one is named masked (张*)."""
    page = system.requests.public_wishes(
        community_id=community_id, offset=offset, limit=limit, min_position=min_position
    )
    return ClaimOutcomesPublic.model_validate(page)


@router.get("/needs", response_model=ClaimOutcomesPublic)
def list_need_outcomes(
    system: SystemDep,
    community_id: CommunityId = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> ClaimOutcomesPublic:
    """Published alliance needs, with the resident unit that met each."""
    page = system.requests.public_needs(
        community_id=community_id, offset=offset, limit=limit, min_position=min_position
    )
    return ClaimOutcomesPublic.model_validate(page)


@router.get("/rankings", response_model=StandingsPublic)
def list_standings(
    system: SystemDep,
    year: Annotated[int, Query(ge=1, le=9999, description="A closed year.")],
    quarter: Annotated[
        int | None, Query(ge=1, le=4, description="Only this quarter (by the deed's date).")
    ] = None,
    community_id: CommunityId = None,
    branch_id: Annotated[UUID | None, Query(description="Only this grid branch's.")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> StandingsPublic:
    """The rankings of a closed year (in its publicity window or final): masked name,
    branch, points, stars and star level; 404 for a year still open."""
    page = system.points.public_rankings(
        year=year,
        quarter=quarter,
        community_id=community_id,
        branch_id=branch_id,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return StandingsPublic.model_validate(page)


@router.get("/selections/{year}", response_model=SelectionOutcomePublic)
def read_selection_outcome(
    year: YearPath, system: SystemDep, min_position: MinPosition = 0
) -> SelectionOutcomePublic:
    """The year's excellent members once published (masked names, branches, stars and
    points); 404 before that."""
    return SelectionOutcomePublic.model_validate(
        system.points.public_selection(year, min_position=min_position)
    )
