"""What goes into commands and comes out of queries: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Receipt:
    """The result of a command: the aggregate it touched and the log position of its
    last event, so a caller can wait for the read models to reach it."""

    id: UUID
    position: int


@dataclass
class MemberDraft:
    """Everything needed to register a member."""

    name: str
    gender: str
    birth_date: date | None
    phone: str
    address: str
    joined_party_on: date | None
    branch_id: UUID | str | None
    kind: str = "resident"
    group_id: UUID | str | None = None
    resident_unit_id: UUID | str | None = None
    id_number: str | None = None


@dataclass
class MemberCorrection:
    """Fields to correct; None leaves a field as it is."""

    name: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    address: str | None = None
    id_number: str | None = None
    joined_party_on: date | None = None
    kind: str | None = None
    resident_unit_id: UUID | str | None = None


@dataclass
class HouseholdDraft:
    """Everything needed to register a household."""

    branch_id: UUID | str | None
    building: str
    unit: str
    room: str
    head_name: str
    head_phone: str | None
    size: int
    group_id: UUID | str | None = None


@dataclass
class HouseholdCorrection:
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    head_name: str | None = None
    head_phone: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class MemberDetail:
    """One member as staff see them: personal fields opened, ID number masked."""

    id: UUID
    version: int
    name: str
    gender: str | None
    birth_date: str | None
    phone: str | None
    address: str | None
    id_number_masked: str | None
    joined_party_on: date
    community_id: UUID
    branch_id: UUID
    group_id: UUID | None
    kind: str
    resident_unit_id: UUID | None
    status: str
    deregistration: dict[str, Any] | None
    erased: bool


@dataclass(frozen=True)
class HouseholdDetail:
    id: UUID
    version: int
    community_id: UUID
    branch_id: UUID
    group_id: UUID | None
    building: str
    unit: str | None
    room: str | None
    head_name: str
    head_phone: str | None
    size: int
    status: str
    erased: bool


@dataclass(frozen=True)
class AccountInfo:
    username: str
    display_name: str
    roles: list[str]
    active: bool
    version: int
    member_id: UUID | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One event of an aggregate's history, personal blobs shown only as sealed."""

    version: int
    event: str
    timestamp: datetime
    actor: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlacedReceipt(Receipt):
    """A placed request's receipt: with the short code the resident keeps."""

    receipt_code: str = ""


@dataclass
class RequestDraft:
    """A resident's request as taken at the counter, on a visit or online."""

    channel: str
    category: str
    description: str
    community_id: UUID | str | None
    requester_kind: str
    branch_id: UUID | str | None = None
    building: str | None = None
    urgency: str = "normal"
    household_id: UUID | str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class RequestDetail:
    """One request as staff see it: its personal fields opened, its clock worked out."""

    id: UUID
    version: int
    receipt_code: str
    state: str
    channel: str
    category: str
    urgency: str
    community_id: UUID
    branch_id: UUID | None
    building: str | None
    requester_kind: str
    requester_id: UUID | None
    description: str
    contact_name: str | None
    contact_phone: str | None
    placed_at: datetime
    claim_due_at: datetime
    due_at: datetime
    overdue: bool
    paused: bool
    paused_seconds: int
    claimant_id: UUID | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    presses: int
    escalated: bool
    satisfaction: str | None
    summary: str | None
    merged_into: UUID | None
    duplicates: list[UUID]
    moves: list[dict[str, Any]]
    erased: bool
    #: The steps its state allows now (domain.requests.STEPS names), sorted; rights aside.
    possible: list[str]
    #: The current solution and the resident's last comment, opened.
    solution: str | None
    visit_comment: str | None
    claimant_name: str | None
    #: The members it names (the claimant, and the ones its moves name): their names.
    member_names: dict[UUID, str]
    merged_into_code: str | None
    #: The duplicates' receipt codes, in the order of `duplicates`.
    duplicate_codes: list[str]


@dataclass
class WishDraft:
    """A micro-wish posted for a resident."""

    community_id: UUID | str | None
    title: str
    wish: str
    branch_id: UUID | str | None = None
    household_id: UUID | str | None = None
    resident_name: str | None = None
    contact_phone: str | None = None


@dataclass
class NeedDraft:
    """An alliance need the committee lists for resident units to claim."""

    community_id: UUID | str | None
    title: str
    description: str
    alliance: str
    branch_id: UUID | str | None = None


@dataclass(frozen=True)
class ClaimableDetail:
    """A micro-wish or alliance need as staff see it."""

    id: UUID
    version: int
    kind: str
    state: str
    community_id: UUID
    branch_id: UUID | None
    title: str
    claimant_id: UUID | None
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    summary: str | None
    moves: list[dict[str, Any]]
    #: Micro-wish: the resident and the wish, opened; alliance need: its description.
    details: dict[str, str | None]
    erased: bool
    #: The steps its state allows now (domain.wishes.STEPS names), sorted; rights aside.
    possible: list[str]


@dataclass(frozen=True)
class AwardReceipt(Receipt):
    """An award's receipt: what the rule gives, what the cap left of it, the stars."""

    points: int = 0
    asked: int = 0
    stars: int = 0
    capped: bool = False


@dataclass(frozen=True)
class AttendanceReceipt(Receipt):
    """Attendance recorded: one award per attendee (`capped` names whose was cut)."""

    awards: list[UUID] = field(default_factory=list)
    capped: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class ErasureReceipt(Receipt):
    """A person erased: every subject whose key was destroyed, and whether the key bytes
    have left the storage files already (`purged`; False: after the next checkpoint)."""

    subject_id: UUID | None = None
    subject_kind: str = ""
    erased: list[UUID] = field(default_factory=list)
    purged: bool = False
    #: True when this call finished an erasure recorded earlier (a crash in between).
    completed: bool = False


@dataclass(frozen=True)
class DisclosedContact(Receipt):
    """A person's contact details in clear, shown once; the showing is recorded (the
    receipt's id is the disclosure's)."""

    subject_id: UUID | None = None
    subject_kind: str = ""
    fields: dict[str, str | None] = field(default_factory=dict)
