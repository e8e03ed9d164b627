"""The roster: the organization tree, members, resident units, households and links.

Each aggregate keeps its own rules in its event methods: a guard that raises records
no event.
"""

from __future__ import annotations

from datetime import UTC, date, tzinfo
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import YimaiAggregate, derived_id
from domain.errors import DomainError, InvalidInputError, RuleViolationError


class RosterError(RuleViolationError):
    """A roster rule was broken."""


class UnitLevel(StrEnum):
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"
    BRANCH = "branch"
    GROUP = "group"


PARENT_LEVEL: dict[UnitLevel, UnitLevel | None] = {
    UnitLevel.SUBDISTRICT: None,
    UnitLevel.COMMUNITY: UnitLevel.SUBDISTRICT,
    UnitLevel.BRANCH: UnitLevel.COMMUNITY,
    UnitLevel.GROUP: UnitLevel.BRANCH,
}


class BranchKind(StrEnum):
    DIRECT = "direct"
    CO_BUILDING = "co_building"
    COMBINED = "combined"


class GroupKind(StrEnum):
    BUILDING = "building"
    MERCHANT = "merchant"


class AppointmentRole(StrEnum):
    SECRETARY = "secretary"
    GROUP_LEADER = "group_leader"
    LIAISON = "liaison"


#: Where each appointment can be made. A community's secretary is the chief grid
#: leader; a branch's secretary is the area grid leader.
APPOINTMENT_LEVELS: dict[AppointmentRole, set[UnitLevel]] = {
    AppointmentRole.SECRETARY: {UnitLevel.COMMUNITY, UnitLevel.BRANCH},
    AppointmentRole.GROUP_LEADER: {UnitLevel.GROUP},
    AppointmentRole.LIAISON: {UnitLevel.BRANCH, UnitLevel.GROUP},
}


class MemberKind(StrEnum):
    RESIDENT = "resident"
    IN_SERVICE = "in_service"
    FLOATING = "floating"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class DeregistrationCause(StrEnum):
    MOVED = "moved"
    DECEASED = "deceased"
    MEMBERSHIP_ENDED = "membership_ended"


class ResidentUnitKind(StrEnum):
    AGENCY = "agency"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    SOCIAL_ORGANIZATION = "social_organization"


class ContactChannel(StrEnum):
    VISIT = "visit"
    PHONE = "phone"
    GROUP_CHAT = "group_chat"


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise RosterError("reason_required", "a reason is required for this change")


class OrgUnit(YimaiAggregate):
    """A subdistrict, community committee, grid branch or party group."""

    @event("Opened")
    def __init__(
        self,
        level: str,
        name: str,
        parent_id: UUID | None,
        kind: str | None,
        area: str | None,
        place: str | None,
    ) -> None:
        self.level = UnitLevel(level)
        self.name = name
        self.parent_id = parent_id
        self.kind = kind
        self.area = area
        self.place = place
        self.status = Status.OPEN
        self.appointments: dict[UUID, dict[str, Any]] = {}

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    def check_open(self) -> None:
        if not self.is_open:
            raise RosterError(
                "unit_closed", f"{self.level.value} '{self.name}' is closed and accepts no changes"
            )

    def check_accepts_children(self, level: UnitLevel) -> None:
        if PARENT_LEVEL[level] != self.level:
            raise RosterError(
                "wrong_parent",
                f"a {level.value} must be opened under a "
                f"{PARENT_LEVEL[level]}, not a {self.level.value}",
            )
        if not self.is_open:
            raise RosterError("unit_closed", f"{self.level.value} '{self.name}' is closed")

    @event("Renamed")
    def rename(self, name: str, reason: str) -> None:
        _require_reason(reason)
        self.check_open()
        if name == self.name:
            raise RosterError("same_name", "the new name is the same as the current one")
        self.name = name

    @event("Closed")
    def close(self, reason: str) -> None:
        _require_reason(reason)
        self.check_open()
        if self.current_appointments():
            raise RosterError(
                "appointments_open", "end the unit's current appointments before closing it"
            )
        self.status = Status.CLOSED

    def current_appointments(self) -> list[dict[str, Any]]:
        return [a for a in self.appointments.values() if a["ended_on"] is None]

    @event("Appointed")
    def appoint(
        self, appointment_id: UUID, role: str, member_id: UUID, label: str | None, since: date
    ) -> None:
        self.check_open()
        role_ = AppointmentRole(role)
        if self.level not in APPOINTMENT_LEVELS[role_]:
            raise RosterError(
                "appointment_level",
                f"a {role_.value} cannot be appointed at a {self.level.value}",
            )
        for current in self.current_appointments():
            if current["member_id"] == member_id and current["role"] == role_:
                raise RosterError("already_appointed", "this member already holds this post")
            if role_ != AppointmentRole.LIAISON and current["role"] == role_:
                raise RosterError(
                    "post_taken",
                    f"the {role_.value} post is held; end that appointment first",
                )
        self.appointments[appointment_id] = {
            "id": appointment_id,
            "role": role_,
            "member_id": member_id,
            "label": label,
            "since": since,
            "ended_on": None,
        }

    @event("AppointmentEnded")
    def end_appointment(self, appointment_id: UUID, ended_on: date, reason: str) -> None:
        _require_reason(reason)
        current = self.appointments.get(appointment_id)
        if current is None or current["ended_on"] is not None:
            raise RosterError("no_such_appointment", "no current appointment with that id")
        if ended_on < current["since"]:
            raise RosterError("ended_before_start", "an appointment cannot end before it began")
        current["ended_on"] = ended_on


class Member(YimaiAggregate):
    """A party member; in exactly one grid branch at a time."""

    id: UUID

    @event("Registered")
    def __init__(
        self,
        personal: str,
        community_id: UUID,
        branch_id: UUID,
        group_id: UUID | None,
        kind: str,
        resident_unit_id: UUID | None,
        joined_party_on: date,
    ) -> None:
        self.personal = personal
        self.community_id = community_id
        self.branch_id = branch_id
        self.group_id = group_id
        self.kind = MemberKind(kind)
        self.resident_unit_id = resident_unit_id
        self.joined_party_on = joined_party_on
        self.status = Status.ACTIVE
        self.deregistration: dict[str, Any] | None = None

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    def check_active(self) -> None:
        if not self.is_active:
            raise RosterError("member_deregistered", f"member {self.id} is deregistered")

    @event("Transferred")
    def transfer(
        self, community_id: UUID, branch_id: UUID, group_id: UUID | None, reason: str
    ) -> None:
        _require_reason(reason)
        self.check_active()
        if branch_id == self.branch_id and group_id == self.group_id:
            raise RosterError("same_place", "the member is already in that branch and group")
        self.community_id = community_id
        self.branch_id = branch_id
        self.group_id = group_id

    @event("Corrected")
    def correct(
        self,
        personal: str | None,
        changes: dict[str, Any],
        fields: list[str],
        reason: str,
    ) -> None:
        """Correct details; `fields` names what changed (personal ones by name only)."""
        _require_reason(reason)
        self.check_active()
        if not fields:
            raise RosterError("nothing_to_correct", "the correction changes nothing")
        kind = MemberKind(changes["kind"]) if "kind" in changes else self.kind
        if personal is not None:
            self.personal = personal
        self.kind = kind
        if "resident_unit_id" in changes:
            self.resident_unit_id = changes["resident_unit_id"]
        if "joined_party_on" in changes:
            self.joined_party_on = changes["joined_party_on"]

    def registered_on(self, tz: tzinfo) -> date:
        """The day the member was registered in the roster, at a station in `tz`."""
        return self.created_on.astimezone(tz).date()

    def deregister(self, cause: str, on: date, reason: str, *, tz: tzinfo = UTC) -> None:
        """Deregister as of `on`, a day at the station (in `tz`): not before the member
        joined the party, nor before the day they were registered in the roster."""
        self.check_active()
        if on < self.joined_party_on:
            raise InvalidInputError("on", "is before the member joined the party")
        if on < self.registered_on(tz):
            raise InvalidInputError("on", "is before the member was registered in the roster")
        self._record_deregistration(cause, on, reason)

    # The date is checked above, not in the event method, because the station's time zone
    # is not recorded with the event, and replaying a member's log must not re-judge it.
    @event("Deregistered")
    def _record_deregistration(self, cause: str, on: date, reason: str) -> None:
        _require_reason(reason)
        self.check_active()
        # The cause is checked before any state changes: a guard that raises records nothing.
        deregistration = {"cause": DeregistrationCause(cause), "on": on, "reason": reason}
        self.status = Status.DEREGISTERED
        self.deregistration = deregistration


class PersonIndex(YimaiAggregate):
    """Claims a person's identity key for one active member, so nobody is registered twice.

    Its id is derived from a keyed HMAC of the identity (see domain.personal), which says
    nothing about the person without the pepper kept outside the event store.
    """

    id: UUID

    @staticmethod
    def id_for(identity_key: str) -> UUID:
        return derived_id("person", identity_key)

    @event("Claimed")
    def __init__(self, member_id: UUID) -> None:
        self.member_id: UUID | None = member_id

    @event("Reclaimed")
    def reclaim(self, member_id: UUID) -> None:
        self.member_id = member_id

    @event("Released")
    def release(self, member_id: UUID) -> None:
        if self.member_id != member_id:
            raise DomainError("index held by another member")
        self.member_id = None


class ResidentUnit(YimaiAggregate):
    """An agency, enterprise, institution or organization located in a community."""

    @event("Registered")
    def __init__(self, name: str, kind: str, community_id: UUID) -> None:
        self.name = name
        self.kind = ResidentUnitKind(kind)
        self.community_id = community_id
        self.status = Status.OPEN

    def check_open(self) -> None:
        if self.status != Status.OPEN:
            raise RosterError("resident_unit_closed", f"resident unit '{self.name}' is closed")

    @event("Renamed")
    def rename(self, name: str, reason: str) -> None:
        _require_reason(reason)
        self.check_open()
        if name == self.name:
            raise RosterError("same_name", "the new name is the same as the current one")
        self.name = name

    @event("Closed")
    def close(self, reason: str) -> None:
        _require_reason(reason)
        self.check_open()
        self.status = Status.CLOSED


class Household(YimaiAggregate):
    """A household: building in clear; unit, room, head and phone sealed."""

    id: UUID

    @event("Registered")
    def __init__(
        self,
        personal: str,
        community_id: UUID,
        branch_id: UUID,
        group_id: UUID | None,
        building: str,
        size: int,
    ) -> None:
        self.personal = personal
        self.community_id = community_id
        self.branch_id = branch_id
        self.group_id = group_id
        self.building = building
        self.size = size
        self.status = Status.OPEN

    def check_open(self) -> None:
        if self.status != Status.OPEN:
            raise RosterError("household_closed", f"household {self.id} has moved out")

    @event("Corrected")
    def correct(
        self, personal: str | None, changes: dict[str, Any], fields: list[str], reason: str
    ) -> None:
        _require_reason(reason)
        self.check_open()
        if not fields:
            raise RosterError("nothing_to_correct", "the correction changes nothing")
        if personal is not None:
            self.personal = personal
        for name in ("building", "size", "branch_id", "group_id"):
            if name in changes:
                setattr(self, name, changes[name])

    @event("Closed")
    def close(self, reason: str) -> None:
        _require_reason(reason)
        self.check_open()
        self.status = Status.CLOSED


class HouseholdLink(YimaiAggregate):
    """A 3+N link from a member to a household, with its contact log."""

    id: UUID

    @staticmethod
    def id_for(member_id: UUID, household_id: UUID) -> UUID:
        return derived_id("link", f"{member_id.hex}:{household_id.hex}")

    @event("Linked")
    def __init__(self, member_id: UUID, household_id: UUID, since: date) -> None:
        self.member_id = member_id
        self.household_id = household_id
        self.since = since
        self.active = True
        self.contacts: list[dict[str, Any]] = []

    @event("Relinked")
    def relink(self, since: date) -> None:
        if self.active:
            raise RosterError("already_linked", "the member is already linked to this household")
        self.active = True
        self.since = since

    @event("Unlinked")
    def unlink(self, reason: str) -> None:
        _require_reason(reason)
        if not self.active:
            raise RosterError("not_linked", "the member is not linked to this household")
        self.active = False

    @event("ContactLogged")
    def log_contact(self, entry_id: UUID, on: date, channel: str, note: str | None) -> None:
        if not self.active:
            raise RosterError("not_linked", "log contacts only on a current link")
        self.contacts.append(
            {"id": entry_id, "on": on, "channel": ContactChannel(channel), "note": note}
        )
