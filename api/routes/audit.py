"""Looking back, for supervisors and disciplinary reviewers: any record as of a version or
a moment, per-account trails, the roster, board and points as of any day, what changed
between two days, and a replay that steps through events with the state before and after.

A moment is a day (`YYYY-MM-DD`, its end in the configured time zone) or an ISO time; the
books as of a moment are the events committed by then (docs/decisions.md §2, §10).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import Field

from api.deps import ActorDep, Limit, Offset, SystemDep
from api.schemas import (
    HistoryEntryPublic,
    HistoryPublic,
    LedgerPublic,
    Public,
    RankingsPublic,
    RequestsPublic,
    UnitNodePublic,
)
from domain.access import Permission
from projections.review import Moment

router = APIRouter(prefix="/audit", tags=["audit"])

MomentQuery = Annotated[
    str,
    Query(
        min_length=10,
        max_length=40,
        description="A day (YYYY-MM-DD: as of its end) or an ISO time.",
        examples=["2026-03-31"],
    ),
]
OptionalMoment = Annotated[
    str | None,
    Query(min_length=10, max_length=40, description="A day (YYYY-MM-DD) or an ISO time."),
]
Username = Annotated[str | None, Query(min_length=1, max_length=64, description="A staff account.")]
Entity = Annotated[UUID | None, Query(description="Any record's id.")]


class MomentPublic(Public):
    at: datetime = Field(description="The moment asked for (UTC).")
    position: int = Field(description="The last log position committed by then.")


def _moment(m: Moment) -> MomentPublic:
    return MomentPublic(at=m.at, position=m.position)


class StatePublic(Public):
    """A record as it stood at one version; sealed personal fields read "[sealed]"."""

    id: UUID
    kind: str
    version: int
    created_on: datetime
    modified_on: datetime
    state: dict[str, Any]
    moment: MomentPublic | None = None


class TrailEntryPublic(Public):
    position: int
    originator_id: UUID
    originator_version: int
    event: str
    actor: str
    stamped_at: datetime


class TrailPublic(Public):
    items: list[TrailEntryPublic]
    total: int
    offset: int
    limit: int


class StepsEntryPublic(TrailEntryPublic):
    step: int


class StepsPublic(Public):
    items: list[StepsEntryPublic]
    total: int
    offset: int
    limit: int


class ReplayStepPublic(Public):
    step: int = Field(description="This step (0 is the first).")
    total: int = Field(description="Steps in the replay.")
    position: int
    event: HistoryEntryPublic
    before: StatePublic | None = Field(description="The record before the event (none: new).")
    after: StatePublic
    changed: dict[str, list[Any]] = Field(description="Each changed field: [before, after].")


class RosterAsOfPublic(Public):
    moment: MomentPublic
    items: list[UnitNodePublic]


class BoardAsOfPublic(RequestsPublic):
    moment: MomentPublic


class RankingsAsOfPublic(RankingsPublic):
    moment: MomentPublic


class LedgerAsOfPublic(LedgerPublic):
    moment: MomentPublic


class ChangeByPublic(Public):
    position: int
    event: str | None
    actor: str | None
    at: datetime | None
    aggregate_id: UUID | None


class ChangePublic(Public):
    table: str
    key: str
    change: Literal["added", "changed"]
    fields: dict[str, list[Any]] = Field(description="Each changed field: [before, after].")
    by: ChangeByPublic = Field(description="The event that last changed the row.")


class DiffPublic(Public):
    model: str
    since: MomentPublic
    until: MomentPublic
    community_id: UUID | None
    counts: dict[str, dict[str, int]]
    total: int
    changes: list[ChangePublic]


@router.get("/moments", response_model=MomentPublic)
def read_moment(system: SystemDep, actor: ActorDep, at: MomentQuery) -> MomentPublic:
    """Which log position the books stood at, at a moment."""
    actor.require(Permission.AUDIT_READ)
    return _moment(system.review.moment(at, "at"))


@router.get("/records/{record_id}", response_model=StatePublic)
def read_record(
    record_id: UUID,
    system: SystemDep,
    actor: ActorDep,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    at: OptionalMoment = None,
) -> StatePublic:
    """Any record (member, request, ledger …) as of a version or a moment; the latest
    by default."""
    moment = system.review.moment(at, "at") if at else None
    state = system.review.state(record_id, actor=actor, version=version, moment=moment)
    return StatePublic(**state, moment=_moment(moment) if moment else None)


@router.get("/records/{record_id}/history", response_model=HistoryPublic)
def read_record_history(record_id: UUID, system: SystemDep, actor: ActorDep) -> HistoryPublic:
    """Every event of any record: who, when, what."""
    entries = system.app.get_history(record_id, actor=actor)
    return HistoryPublic(
        items=[HistoryEntryPublic.model_validate(e) for e in entries], total=len(entries)
    )


@router.get("/trails/{username}", response_model=TrailPublic)
def read_trail(
    username: str,
    system: SystemDep,
    actor: ActorDep,
    since: OptionalMoment = None,
    until: OptionalMoment = None,
    kind: Annotated[
        str | None,
        Query(max_length=64, description="An event (`Request.Claimed`) or a record kind."),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> TrailPublic:
    """Everything one staff account did, newest first."""
    page = system.review.trail(
        username,
        actor=actor,
        kind=kind,
        offset=offset,
        limit=limit,
        **_selection(system, since, until),
    )
    return TrailPublic.model_validate(page)


@router.get("/as-of/roster", response_model=RosterAsOfPublic)
def read_roster_as_of(
    system: SystemDep,
    actor: ActorDep,
    at: MomentQuery,
    include_closed: Annotated[bool, Query(description="Also units closed by then.")] = False,
) -> RosterAsOfPublic:
    """The organization tree with its counts as it stood at a moment."""
    moment = system.review.moment(at, "at")
    roster = system.review.at(system.roster, moment.position, actor=actor)
    roots = roster.tree(actor=actor, include_closed=include_closed)
    return RosterAsOfPublic(
        moment=_moment(moment), items=[UnitNodePublic.model_validate(r) for r in roots]
    )


@router.get("/as-of/board", response_model=BoardAsOfPublic)
def read_board_as_of(
    system: SystemDep,
    actor: ActorDep,
    at: MomentQuery,
    state: Annotated[str | None, Query(max_length=24)] = None,
    community_id: Annotated[UUID | None, Query()] = None,
    branch_id: Annotated[UUID | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="Overdue at that moment.")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> BoardAsOfPublic:
    """The request board as it stood at a moment, each clock as of that moment."""
    moment = system.review.moment(at, "at")
    board = system.review.at(system.requests, moment.position, actor=actor)
    page = board.board(
        actor=actor,
        now=moment.at,
        state=state,
        community_id=community_id,
        branch_id=branch_id,
        overdue=overdue,
        offset=offset,
        limit=limit,
    )
    return BoardAsOfPublic.model_validate({**page.__dict__, "moment": _moment(moment)})


@router.get("/as-of/rankings", response_model=RankingsAsOfPublic)
def read_rankings_as_of(
    system: SystemDep,
    actor: ActorDep,
    at: MomentQuery,
    year: Annotated[int, Query(ge=1, le=9999)],
    community_id: Annotated[UUID | None, Query()] = None,
    branch_id: Annotated[UUID | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> RankingsAsOfPublic:
    """The points standings of a year as the books stood at a moment."""
    moment = system.review.moment(at, "at")
    points = system.review.at(system.points, moment.position, actor=actor)
    page = points.rankings(
        actor=actor,
        year=year,
        community_id=community_id,
        branch_id=branch_id,
        offset=offset,
        limit=limit,
    )
    return RankingsAsOfPublic.model_validate({**page.__dict__, "moment": _moment(moment)})


@router.get("/as-of/ledgers/{member_id}", response_model=LedgerAsOfPublic)
def read_ledger_as_of(
    member_id: UUID,
    system: SystemDep,
    actor: ActorDep,
    at: MomentQuery,
    year: Annotated[int, Query(ge=1, le=9999)],
    offset: Offset = 0,
    limit: Limit = 50,
) -> LedgerAsOfPublic:
    """One member's points ledger of a year as the books stood at a moment."""
    moment = system.review.moment(at, "at")
    points = system.review.at(system.points, moment.position, actor=actor)
    page = points.ledger(member_id, actor=actor, year=year, offset=offset, limit=limit)
    return LedgerAsOfPublic.model_validate({**page.__dict__, "moment": _moment(moment)})


@router.get("/diffs/{model}", response_model=DiffPublic)
def read_diff(
    model: Literal["roster", "board", "points"],
    system: SystemDep,
    actor: ActorDep,
    since: MomentQuery,
    until: MomentQuery,
    community_id: Annotated[UUID | None, Query(description="Only this community's.")] = None,
    limit: Limit = 500,
) -> DiffPublic:
    """What changed in a read model after `since` up to `until`, row by row and field by
    field, each with the event that last changed it."""
    review = system.review
    diff = review.diff(
        model,
        review.moment(since, "since", start=True),
        review.moment(until, "until"),
        actor=actor,
        community_id=community_id,
        limit=limit,
    )
    return DiffPublic.model_validate(diff)


def _selection(system: Any, since: str | None, until: str | None) -> dict[str, Any]:
    review = system.review
    return {
        "since": review.moment(since, "since", start=True) if since else None,
        "until": review.moment(until, "until") if until else None,
    }


@router.get("/replays/steps", response_model=StepsPublic)
def read_replay_steps(
    system: SystemDep,
    actor: ActorDep,
    entity: Entity = None,
    account: Username = None,
    since: OptionalMoment = None,
    until: OptionalMoment = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> StepsPublic:
    """The events a replay of an entity, a staff account or a period steps through,
    oldest first."""
    page = system.review.steps(
        actor=actor,
        entity=entity,
        username=account,
        offset=offset,
        limit=limit,
        **_selection(system, since, until),
    )
    return StepsPublic.model_validate(page)


@router.get("/replays/steps/{step}", response_model=ReplayStepPublic)
def read_replay_step(
    step: Annotated[int, Path(ge=0, le=2**31 - 1, description="0 is the first step.")],
    system: SystemDep,
    actor: ActorDep,
    entity: Entity = None,
    account: Username = None,
    since: OptionalMoment = None,
    until: OptionalMoment = None,
) -> ReplayStepPublic:
    """One step of a replay: the event, the record before and after it, what changed."""
    found = system.review.replay(
        step, actor=actor, entity=entity, username=account, **_selection(system, since, until)
    )
    return ReplayStepPublic.model_validate(found)
