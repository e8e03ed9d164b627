"""Activities — themed party days, volunteer services, study sessions — and their
attendance, which awards every attendee under the activity's rule in one command."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from api.deps import ActorDep, SystemDep
from api.schemas import ActivityCreate, AttendanceCreate, AttendanceReceiptPublic, ReceiptPublic

router = APIRouter(prefix="/activities", tags=["activities"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def plan_activity(body: ActivityCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Plan an activity of a community (or one of its grid branches) under a rule."""
    receipt = system.app.plan_activity(
        body.title,
        body.rule_code,
        body.held_on,
        body.community_id,
        branch_id=body.branch_id,
        actor=actor,
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{activity_id}/attendance", response_model=AttendanceReceiptPublic)
def record_attendance(
    activity_id: UUID, body: AttendanceCreate, system: SystemDep, actor: ActorDep
) -> AttendanceReceiptPublic:
    """Record who attended: each is awarded under the activity's rule, all in one save;
    the receipt lists the awards and whose award a cap cut."""
    receipt = system.app.record_attendance(activity_id, list(body.member_ids), actor=actor)
    return AttendanceReceiptPublic.model_validate(receipt)
