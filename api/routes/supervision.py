"""The community's view of the work: the supervision queue, each claimant's workload,
and the statistics of requests."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.schemas import (
    StatisticsPublic,
    StatisticsRowPublic,
    SupervisionQueuePublic,
    WorkloadPublic,
    WorkloadRowPublic,
)

router = APIRouter(tags=["supervision"])

CommunityId = Annotated[UUID | None, Query(description="Only this community's.")]


@router.get("/supervision-queue", response_model=SupervisionQueuePublic)
def read_supervision_queue(
    system: SystemDep,
    actor: ActorDep,
    community_id: CommunityId = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> SupervisionQueuePublic:
    """Requests that need a supervisor: resolved (awaiting acceptance), overdue, pressed
    or escalated; awaiting first, then the overdue by due time; each with its reasons."""
    page = system.requests.supervision_queue(
        actor=actor,
        now=system.app.now(),
        community_id=community_id,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return SupervisionQueuePublic.model_validate(page)


@router.get("/workload", response_model=WorkloadPublic)
def read_workload(
    system: SystemDep,
    actor: ActorDep,
    community_id: CommunityId = None,
    min_position: MinPosition = 0,
) -> WorkloadPublic:
    """Per claimant: requests held, awaiting acceptance, overdue, and done."""
    rows = system.requests.workload(
        actor=actor, now=system.app.now(), community_id=community_id, min_position=min_position
    )
    return WorkloadPublic(
        items=[WorkloadRowPublic.model_validate(r) for r in rows], total=len(rows)
    )


@router.get("/request-statistics", response_model=StatisticsPublic)
def read_statistics(
    system: SystemDep,
    actor: ActorDep,
    by: Annotated[
        Literal["community", "branch", "category", "month"],
        Query(description="Group by community, grid branch, category or month of placement."),
    ] = "community",
    community_id: CommunityId = None,
    since: Annotated[date | None, Query(description="Placed on or after this day.")] = None,
    until: Annotated[date | None, Query(description="Placed on or before this day.")] = None,
    min_position: MinPosition = 0,
) -> StatisticsPublic:
    """Placed, claimed and resolved counts, median hours to claim and to resolve, the
    on-time rate and the satisfaction rate, per group."""
    rows = system.requests.statistics(
        actor=actor,
        by=by,
        community_id=community_id,
        since=since,
        until=until,
        min_position=min_position,
    )
    return StatisticsPublic(
        by=by, items=[StatisticsRowPublic.model_validate(r) for r in rows], total=len(rows)
    )
