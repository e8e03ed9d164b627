"""Members: register, find, read, transfer, correct, deregister; history, links, contacts."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status

from api.deps import ActorDep, Limit, MinPosition, Offset, SystemDep
from api.routes.links import contacts_public
from api.schemas import (
    ContactsPublic,
    HistoryEntryPublic,
    HistoryPublic,
    LinkPublic,
    LinksPublic,
    MemberCorrect,
    MemberCreate,
    MemberDeregister,
    MemberPublic,
    MembersPublic,
    MemberTransfer,
    ReceiptPublic,
)
from domain.dto import MemberCorrection, MemberDraft
from domain.roster import Member

router = APIRouter(prefix="/members", tags=["members"])


@router.get("", response_model=MembersPublic)
def search_members(
    system: SystemDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100, description="Part of a name or phone.")] = "",
    unit_id: Annotated[
        UUID | None, Query(description="Within this community, branch, group or resident unit.")
    ] = None,
    status: Literal["active", "deregistered", "all"] = "active",
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = 0,
) -> MembersPublic:
    """Members by name or phone (shown masked), optionally within one unit; a page at a
    time."""
    page = system.roster.search_members(
        q,
        actor=actor,
        unit_id=unit_id,
        status=None if status == "all" else status,
        offset=offset,
        limit=limit,
        min_position=min_position,
    )
    return MembersPublic.model_validate(page)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def register_member(body: MemberCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Register a member in a branch (and optionally a party group); nobody twice."""
    receipt = system.app.register_member(MemberDraft(**body.model_dump()), actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.get("/{member_id}", response_model=MemberPublic)
def read_member(
    member_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> MemberPublic:
    """One member (always current: read from its events): the phone masked, the address
    withheld; `POST /personal/disclosures` shows them, and records who looked and why."""
    return MemberPublic.model_validate(system.app.get_member(member_id, actor=actor))


@router.post("/{member_id}/transfer", response_model=ReceiptPublic)
def transfer_member(
    member_id: UUID, body: MemberTransfer, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Move a member to another branch (or party group), with the reason."""
    receipt = system.app.transfer_member(
        member_id, body.branch_id, body.reason, group_id=body.group_id, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{member_id}/correct", response_model=ReceiptPublic)
def correct_member(
    member_id: UUID, body: MemberCorrect, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Correct a member's details; the event names the fields changed, never the values."""
    correction = MemberCorrection(**body.model_dump(exclude={"reason"}))
    receipt = system.app.correct_member(member_id, correction, body.reason, actor=actor)
    return ReceiptPublic.model_validate(receipt)


@router.post("/{member_id}/deregister", response_model=ReceiptPublic)
def deregister_member(
    member_id: UUID, body: MemberDeregister, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Deregister a member who moved, died or whose membership ended."""
    receipt = system.app.deregister_member(
        member_id, body.cause.value, body.reason, on=body.on, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.get("/{member_id}/history", response_model=HistoryPublic)
def read_history(
    member_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> HistoryPublic:
    """Every event of the member: who, when, what; personal fields stay sealed."""
    entries = system.app.get_history(member_id, actor=actor, kind=Member)
    return HistoryPublic(
        items=[HistoryEntryPublic.model_validate(e) for e in entries], total=len(entries)
    )


@router.get("/{member_id}/links", response_model=LinksPublic)
def read_links(
    member_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> LinksPublic:
    """The member's households (current links first) with their contact counts."""
    rows = system.roster.member_links(member_id, actor=actor, min_position=min_position)
    return LinksPublic(items=[LinkPublic.model_validate(r) for r in rows], total=len(rows))


@router.get("/{member_id}/contacts", response_model=ContactsPublic)
def read_contacts(
    member_id: UUID, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> ContactsPublic:
    """The member's contact-log entries, newest first, notes opened."""
    rows = system.roster.contact_log(actor=actor, member_id=member_id, min_position=min_position)
    return contacts_public(system, rows)
