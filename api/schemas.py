"""What the API reads and writes.

Inputs (`XCreate` and one model per command) forbid unknown fields, so the actor or an
owner can never be smuggled in through a body; they check only types and maximum
lengths. The domain checks the rest and names the field. Outputs (`XPublic`) are read
from the domain's DTOs and the read models' rows; `XsPublic` wrap lists.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.access import Role
from domain.points import EvidenceKind, RuleCategory
from domain.requests import Channel, RequesterKind, Satisfaction, Urgency
from domain.roster import (
    AppointmentRole,
    ContactChannel,
    DeregistrationCause,
    Gender,
    MemberKind,
    ResidentUnitKind,
    UnitLevel,
)

BRANCH = "6f1c2a0e-3b7d-4c59-9a8e-0d2f4b6c8e10"
GROUP = "7a2d3b1f-4c8e-4d6a-8b9f-1e3a5c7d9f21"
MEMBER = "8b3e4c2a-5d9f-4e7b-9cae-2f4b6d8eaf32"
HOUSEHOLD = "9c4f5d3b-6eaf-4f8c-adbf-3a5c7e9fba43"
COMMUNITY = "5e0b190d-2a6c-4b48-8f7d-9c1e3a5b7d0f"
REQUEST = "ad5a6e4c-7fb0-4a9d-8ec0-4b6d8fa0cb54"
RESIDENT_UNIT = "be6b7f5d-80c1-4bae-9fd1-5c7e9ab1dc65"

Reason = Annotated[
    str, Field(max_length=500, description="Why; kept in the audit trail.", examples=["核对后更正"])
]
Password = Annotated[str, Field(max_length=256)]


class Input(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_max_length=1000)


class Public(BaseModel):
    """Base of every response body: read from DTOs, rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class ReceiptPublic(Public):
    """What every command returns: the record it touched and the log position reached.

    Pass `position` as `min_position` to a later query to read your own write."""

    id: UUID
    position: int

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": MEMBER, "position": 42}]})


class ErrorPublic(Public):
    """Every error: the message; the field (422) or the rule (409) when one is to blame."""

    detail: str
    field: str | None = None
    rule: str | None = None
    existing_id: str | None = Field(default=None, description="For a duplicate: the one there.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": f"this person is already registered as member {MEMBER}",
                    "rule": "member_exists",
                    "existing_id": MEMBER,
                }
            ]
        }
    )


class FieldErrorPublic(Public):
    field: str
    loc: list[str]
    msg: str
    type: str


class ValidationErrorPublic(Public):
    """A malformed request: every field at fault, never the values that were sent."""

    detail: str
    field: str
    errors: list[FieldErrorPublic] = []

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "phone: field required",
                    "field": "phone",
                    "errors": [
                        {
                            "field": "phone",
                            "loc": ["body", "phone"],
                            "msg": "field required",
                            "type": "missing",
                        }
                    ],
                }
            ]
        }
    )


class StatusPublic(Public):
    """Health and progress: counts and positions only, no personal data."""

    initialized: bool
    events: int = Field(description="Position of the last event in the log.")
    position: int = Field(description="Position every read model has reached.")
    read_models: dict[str, int]


# -- auth and accounts ---------------------------------------------------------------


class TokenPublic(Public):
    access_token: str
    token_type: str = "bearer"


class PasswordChange(Input):
    old_password: Password
    new_password: Password

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"old_password": "old-secret", "new_password": "new-one"}]}
    )


class PasswordReset(Input):
    password: Password

    model_config = ConfigDict(json_schema_extra={"examples": [{"password": "temporary-1"}]})


class AccountCreate(Input):
    username: str = Field(max_length=32)
    display_name: str = Field(max_length=40)
    roles: list[Role] = Field(max_length=len(Role))
    password: Password

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "wang.clerk",
                    "display_name": "王窗口",
                    "roles": ["clerk"],
                    "password": "initial-pass",
                }
            ]
        }
    )


class RolesChange(Input):
    roles: list[Role] = Field(max_length=len(Role))
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"roles": ["cadre"], "reason": "调任社区干部"}]}
    )


class ReasonGiven(Input):
    """A command that needs only its reason (close, disable, enable)."""

    reason: Reason

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "已搬离本社区"}]})


class AccountPublic(Public):
    username: str
    display_name: str
    roles: list[str]
    active: bool
    version: int
    member_id: UUID | None = Field(
        default=None, description="The member the account's holder is (their claims are theirs)."
    )


class AccountMemberLink(Input):
    """Which member an account's holder is; null unlinks."""

    member_id: UUID | None
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"member_id": MEMBER, "reason": "本人是第一支部党员"}]}
    )


class AccountRowPublic(Public):
    username: str
    display_name: str
    roles: list[str]
    active: bool
    opened_at: datetime
    member_id: UUID | None = None


class AccountsPublic(Public):
    items: list[AccountRowPublic]
    total: int


# -- units -----------------------------------------------------------------------------


class UnitCreate(Input):
    level: UnitLevel
    name: str = Field(max_length=60)
    parent_id: UUID | None = None
    kind: str | None = Field(
        default=None,
        max_length=20,
        description="branch: direct, co_building or combined; group: building or merchant",
    )
    area: str | None = Field(default=None, max_length=60)
    place: str | None = Field(default=None, max_length=60)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": "branch",
                    "name": "第一网格党支部",
                    "parent_id": COMMUNITY,
                    "kind": "direct",
                    "area": "东片区",
                }
            ]
        }
    )


class UnitRename(Input):
    name: str = Field(max_length=60)
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "第一网格党总支", "reason": "支部升格"}]}
    )


class AppointmentCreate(Input):
    role: AppointmentRole
    member_id: UUID
    label: str | None = Field(default=None, max_length=60, description="A liaison's building.")
    since: date | None = Field(default=None, description="Defaults to today.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"role": "liaison", "member_id": MEMBER, "label": "3号楼", "since": None}]
        }
    )


class AppointmentEnd(Input):
    reason: Reason
    ended_on: date | None = Field(default=None, description="Defaults to today.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "换届", "ended_on": None}]}
    )


class UnitNodePublic(Public):
    """A unit in the tree, with its counts and its children."""

    id: UUID
    level: str
    name: str
    kind: str | None
    area: str | None
    place: str | None
    status: str
    parent_id: UUID | None
    counts: dict[str, int]
    children: list[UnitNodePublic]


class UnitsPublic(Public):
    items: list[UnitNodePublic] = Field(description="The root units (subdistricts).")
    total: int = Field(description="Units in the whole tree.")


class AppointmentPublic(Public):
    id: UUID
    unit_id: UUID
    role: str
    member_id: UUID
    member_name: str
    label: str | None
    since: date
    ended_on: date | None


class UnitPublic(Public):
    id: UUID
    level: str
    name: str
    parent_id: UUID | None
    kind: str | None
    area: str | None
    place: str | None
    status: str
    opened_at: datetime
    closed_at: datetime | None
    appointments: list[AppointmentPublic]


# -- members ---------------------------------------------------------------------------

_MEMBER_EXAMPLE: dict[str, Any] = {
    "name": "张三",
    "gender": "male",
    "birth_date": "1970-01-02",
    "phone": "13812345678",
    "address": "1号楼1单元101",
    "joined_party_on": "1995-07-01",
    "branch_id": BRANCH,
    "kind": "resident",
    "group_id": GROUP,
    "resident_unit_id": None,
    "id_number": None,
}


class MemberCreate(Input):
    name: str = Field(max_length=40)
    gender: Gender
    birth_date: date
    phone: str = Field(max_length=30)
    address: str = Field(max_length=200)
    joined_party_on: date
    branch_id: UUID
    kind: MemberKind = MemberKind.RESIDENT
    group_id: UUID | None = None
    resident_unit_id: UUID | None = Field(
        default=None, description="Required for an in_service member."
    )
    id_number: str | None = Field(default=None, max_length=30)

    model_config = ConfigDict(json_schema_extra={"examples": [_MEMBER_EXAMPLE]})


class MemberCorrect(Input):
    """Fields to correct (absent or null: unchanged), and why."""

    name: str | None = Field(default=None, max_length=40)
    gender: Gender | None = None
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)
    id_number: str | None = Field(default=None, max_length=30)
    joined_party_on: date | None = None
    kind: MemberKind | None = None
    resident_unit_id: UUID | None = None
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "13900002222", "reason": "本人来电更正"}]}
    )


class MemberTransfer(Input):
    branch_id: UUID
    group_id: UUID | None = None
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"branch_id": BRANCH, "group_id": None, "reason": "搬至西片区"}]
        }
    )


class MemberDeregister(Input):
    cause: DeregistrationCause
    reason: Reason
    on: date | None = Field(default=None, description="Defaults to today.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"cause": "moved", "reason": "迁往外省", "on": None}]}
    )


class MemberPublic(Public):
    """One member as staff see them: name, gender and birth date opened; the phone and ID
    number masked, the address withheld (`POST /personal/disclosures` shows them, and
    records who looked and why)."""

    id: UUID
    version: int
    name: str
    gender: str | None
    birth_date: str | None
    phone: str | None = Field(description="Masked: 138****5678.")
    address: str | None = Field(description="Withheld: always null here.")
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


class MemberRowPublic(Public):
    id: UUID
    name: str
    phone: str | None = Field(description="Masked; a search still finds the whole number.")
    gender: str | None
    community_id: UUID
    branch_id: UUID
    branch_name: str
    group_id: UUID | None
    group_name: str | None
    kind: str
    status: str
    joined_party_on: date
    households_linked: int


class MembersPublic(Public):
    items: list[MemberRowPublic]
    total: int
    offset: int
    limit: int


class HistoryEntryPublic(Public):
    """One event: who, when, what; personal fields appear only as "[sealed]" (or
    "[erased]" once their person is erased)."""

    version: int
    event: str
    timestamp: datetime
    actor: str
    fields: dict[str, Any]


class HistoryPublic(Public):
    items: list[HistoryEntryPublic]
    total: int


class LinkPublic(Public):
    id: UUID
    member_id: UUID
    household_id: UUID
    since: date
    active: bool
    contacts: int
    last_contact_on: date | None
    building: str
    unit: str | None = Field(description="Withheld: always null here.")
    room: str | None = Field(description="Withheld: always null here.")
    head_name: str


class LinksPublic(Public):
    items: list[LinkPublic]
    total: int


class ContactPublic(Public):
    id: UUID
    link_id: UUID
    member_id: UUID
    household_id: UUID
    on: date
    channel: str
    note: str | None
    logged_by: str
    logged_at: datetime


class ContactsPublic(Public):
    items: list[ContactPublic]
    total: int


# -- resident units ----------------------------------------------------------------------


class ResidentUnitCreate(Input):
    name: str = Field(max_length=80)
    kind: ResidentUnitKind
    community_id: UUID

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "区人民医院", "kind": "institution", "community_id": COMMUNITY}]
        }
    )


class ResidentUnitRename(Input):
    name: str = Field(max_length=80)
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "区中心医院", "reason": "单位更名"}]}
    )


class ResidentUnitPublic(Public):
    id: UUID
    name: str
    kind: str
    community_id: UUID
    status: str
    registered_at: datetime
    members: int = Field(description="Active in-service members reporting from it.")


class ResidentUnitsPublic(Public):
    items: list[ResidentUnitPublic]
    total: int


# -- households and links -------------------------------------------------------------------


class HouseholdCreate(Input):
    branch_id: UUID
    building: str = Field(max_length=40)
    unit: str = Field(max_length=20)
    room: str = Field(max_length=20)
    head_name: str = Field(max_length=40)
    head_phone: str | None = Field(default=None, max_length=30)
    size: int = Field(strict=True, description="People in the household.")
    group_id: UUID | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "branch_id": BRANCH,
                    "building": "1号楼",
                    "unit": "1单元",
                    "room": "101",
                    "head_name": "李四",
                    "head_phone": "13900001111",
                    "size": 3,
                    "group_id": None,
                }
            ]
        }
    )


class HouseholdCorrect(Input):
    """Fields to correct (absent or null: unchanged), and why."""

    building: str | None = Field(default=None, max_length=40)
    unit: str | None = Field(default=None, max_length=20)
    room: str | None = Field(default=None, max_length=20)
    head_name: str | None = Field(default=None, max_length=40)
    head_phone: str | None = Field(default=None, max_length=30)
    size: int | None = Field(default=None, strict=True)
    reason: Reason

    model_config = ConfigDict(json_schema_extra={"examples": [{"size": 4, "reason": "新生儿"}]})


class HouseholdPublic(Public):
    """One household as staff see it: the head's name opened; the phone masked, unit and
    room withheld (`POST /personal/disclosures` shows them, recorded)."""

    id: UUID
    version: int
    community_id: UUID
    branch_id: UUID
    group_id: UUID | None
    building: str
    unit: str | None = Field(description="Withheld: always null here.")
    room: str | None = Field(description="Withheld: always null here.")
    head_name: str
    head_phone: str | None = Field(description="Masked: 139****1111.")
    size: int
    status: str
    erased: bool


class HouseholdRowPublic(Public):
    id: UUID
    community_id: UUID
    branch_id: UUID
    group_id: UUID | None
    building: str
    unit: str | None = Field(description="Withheld: always null here.")
    room: str | None = Field(description="Withheld: always null here.")
    head_name: str
    head_phone: str | None = Field(description="Masked; a search still finds the number.")
    size: int
    status: str
    registered_at: datetime
    members_linked: int


class HouseholdsPublic(Public):
    items: list[HouseholdRowPublic]
    total: int
    offset: int
    limit: int


class LinkCreate(Input):
    member_id: UUID
    household_id: UUID
    since: date | None = Field(default=None, description="Defaults to today.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"member_id": MEMBER, "household_id": HOUSEHOLD, "since": None}]
        }
    )


class LinkEnd(Input):
    member_id: UUID
    household_id: UUID
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"member_id": MEMBER, "household_id": HOUSEHOLD, "reason": "住户搬离"}]
        }
    )


class ContactCreate(Input):
    member_id: UUID
    household_id: UUID
    channel: ContactChannel
    on: date | None = Field(default=None, description="Defaults to today.")
    note: str | None = Field(default=None, max_length=1000, description="Sealed when stored.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": MEMBER,
                    "household_id": HOUSEHOLD,
                    "channel": "visit",
                    "on": None,
                    "note": "走访，老人身体尚好",
                }
            ]
        }
    )


# -- the four orders: categories -------------------------------------------------------------

Hours = Annotated[int, Field(strict=True, description="Hours from placement.")]


class CategoryCreate(Input):
    code: str = Field(max_length=32, description="2–32 lower-case letters, digits or '_'.")
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=80)
    claim_hours: Hours
    resolve_hours: Hours

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "heating",
                    "name_zh": "供暖",
                    "name_en": "Heating",
                    "claim_hours": 12,
                    "resolve_hours": 48,
                }
            ]
        }
    )


class CategoryLimits(Input):
    """New limits; they apply to requests placed or classified from now on."""

    claim_hours: Hours
    resolve_hours: Hours
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"claim_hours": 8, "resolve_hours": 48, "reason": "入冬加快处理"}]
        }
    )


class CategoryPublic(Public):
    code: str
    name_zh: str
    name_en: str
    claim_hours: int
    resolve_hours: int
    retired: bool


class CategoriesPublic(Public):
    items: list[CategoryPublic]
    total: int


# -- the four orders: requests ----------------------------------------------------------------


class RequestCreate(Input):
    """A resident's request; the contact is sealed when stored. An anonymous request
    carries no contact; a household's names the household instead."""

    channel: Channel
    category: str = Field(max_length=32, description="A code from GET /categories.")
    description: str = Field(max_length=2000, description="Sealed when stored.")
    community_id: UUID
    requester_kind: RequesterKind
    branch_id: UUID | None = None
    building: str | None = Field(default=None, max_length=40)
    urgency: Urgency = Urgency.NORMAL
    household_id: UUID | None = Field(default=None, description="For a household's request.")
    contact_name: str | None = Field(default=None, max_length=40)
    contact_phone: str | None = Field(default=None, max_length=30)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "walk_in",
                    "category": "property",
                    "description": "3号楼楼道灯坏了一周",
                    "community_id": COMMUNITY,
                    "requester_kind": "resident",
                    "branch_id": BRANCH,
                    "building": "3号楼",
                    "urgency": "normal",
                    "household_id": None,
                    "contact_name": "王五",
                    "contact_phone": "13900002222",
                }
            ]
        }
    )


class PlacedReceiptPublic(ReceiptPublic):
    """A placed request's receipt, with the code the resident keeps."""

    receipt_code: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": REQUEST, "position": 42, "receipt_code": "K7Q-4MZ2"}]
        }
    )


class RequestClassify(Input):
    """Confirm or change the category (absent: unchanged) and name the grid branch."""

    category: str | None = Field(default=None, max_length=32)
    branch_id: UUID | None = Field(default=None, description="Required unless already named.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"category": "property", "branch_id": BRANCH}]}
    )


class MemberClaim(Input):
    """Claim for oneself (no member_id: the account's linked member), or, as a clerk,
    record the claim of a member who has no account."""

    member_id: UUID | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": None}]})


class RequestGive(Input):
    member_id: UUID
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"member_id": MEMBER, "reason": "原领单人住院"}]}
    )


class ProgressNote(Input):
    note: str = Field(max_length=2000, description="Sealed when stored: it may name people.")

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "已联系物业，明日维修"}]})


class RequestResolve(Input):
    solution: str = Field(max_length=2000, description="Sealed when stored.")
    evidence: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20, description="References to photos or documents."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"solution": "更换了楼道灯", "evidence": ["photo:2024-05-02-01"]}]
        }
    )


class RequestVisit(Input):
    """The resident's word on the return visit; dissatisfied reopens, with the reason."""

    satisfaction: Satisfaction
    comment: str | None = Field(default=None, max_length=1000, description="Sealed when stored.")
    reason: str | None = Field(
        default=None, max_length=500, description="Only when dissatisfied: why it reopens."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"satisfaction": "satisfied", "comment": "很及时", "reason": None}]
        }
    )


class SummaryGiven(Input):
    """The public summary: what was asked and what was done, with no personal data."""

    summary: str = Field(max_length=500)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"summary": "居民反映楼道灯损坏，两日内更换完毕。"}]}
    )


class RequestMerge(Input):
    into_id: UUID = Field(description="The original request this one repeats.")
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"into_id": REQUEST, "reason": "同一楼道灯"}]}
    )


class RequestPublic(Public):
    """One request as staff see it: the description opened, the contact masked
    (`POST /personal/disclosures` shows it, recorded), its clock worked out now."""

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
    contact_name: str | None = Field(description="Masked: 王*五.")
    contact_phone: str | None = Field(description="Masked: 139****2222.")
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
    moves: list[dict[str, Any]] = Field(
        description="Releases, gifts, send-backs and reopenings, in order, with reasons."
    )
    erased: bool
    possible: list[str] = Field(
        description="The steps its state allows now (classify, claim, …), rights aside."
    )
    merged_into_code: str | None = Field(description="The receipt code of `merged_into`.")
    duplicate_codes: list[str] = Field(description="The receipt codes of `duplicates`.")


class RequestRowPublic(Public):
    """A request on the board (the excerpt is for staff only)."""

    id: UUID
    receipt_code: str
    state: str
    category: str
    channel: str
    urgency: str
    community_id: UUID
    branch_id: UUID | None
    building: str | None
    requester_kind: str
    claimant_id: UUID | None
    claimant_name: str | None
    excerpt: str | None
    placed_at: datetime
    claim_due_at: datetime
    due_at: datetime
    claimed_at: datetime | None
    resolved_at: datetime | None
    paused: bool
    presses: int
    escalated: bool
    reopened: int
    moves: int
    satisfaction: str | None
    overdue: bool
    updated_at: datetime


class RequestsPublic(Public):
    items: list[RequestRowPublic]
    total: int
    offset: int
    limit: int


class SupervisionRowPublic(RequestRowPublic):
    reasons: list[str] = Field(description="Of awaiting_acceptance, overdue, pressed, escalated.")


class SupervisionQueuePublic(Public):
    items: list[SupervisionRowPublic]
    total: int
    offset: int
    limit: int


class WorkloadRowPublic(Public):
    claimant_id: UUID
    claimant_name: str | None
    holding: int
    awaiting: int
    overdue: int
    done: int


class WorkloadPublic(Public):
    items: list[WorkloadRowPublic]
    total: int


class StatisticsRowPublic(Public):
    key: UUID | str | None = Field(
        description="A unit id, a category code or a month (YYYY-MM); null: no branch named."
    )
    label: str | None
    placed: int
    claimed: int
    resolved: int
    median_hours_to_claim: float | None
    median_hours_to_resolve: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None


class StatisticsPublic(Public):
    by: str
    items: list[StatisticsRowPublic]
    total: int


# -- the four orders: micro-wishes and alliance needs ------------------------------------------


class WishCreate(Input):
    """A micro-wish for a resident (named, or their household); the wish is sealed."""

    community_id: UUID
    title: str = Field(max_length=60, description="Public once published: no names.")
    wish: str = Field(max_length=1000, description="Sealed when stored.")
    branch_id: UUID | None = None
    household_id: UUID | None = None
    resident_name: str | None = Field(default=None, max_length=40)
    contact_phone: str | None = Field(default=None, max_length=30)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "community_id": COMMUNITY,
                    "title": "一台收音机",
                    "wish": "独居老人想要一台收音机听戏",
                    "branch_id": BRANCH,
                    "household_id": HOUSEHOLD,
                    "resident_name": None,
                    "contact_phone": None,
                }
            ]
        }
    )


class Fulfilment(Input):
    note: str = Field(max_length=1000, description="How it was fulfilled; sealed when stored.")

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "已送到老人家中"}]})


class NeedCreate(Input):
    community_id: UUID
    title: str = Field(max_length=60)
    description: str = Field(max_length=1000, description="Public: no personal data.")
    alliance: str = Field(max_length=60, description="The alliance it is listed with.")
    branch_id: UUID | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "community_id": COMMUNITY,
                    "title": "社区义诊",
                    "description": "为辖区老人组织一次健康义诊",
                    "alliance": "区域化党建联盟",
                    "branch_id": None,
                }
            ]
        }
    )


class NeedClaim(Input):
    resident_unit_id: UUID

    model_config = ConfigDict(json_schema_extra={"examples": [{"resident_unit_id": RESIDENT_UNIT}]})


class ClaimablePublic(Public):
    id: UUID
    version: int
    kind: str
    state: str
    community_id: UUID
    branch_id: UUID | None
    title: str
    claimant_id: UUID | None = Field(description="A member (wish) or a resident unit (need).")
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    summary: str | None
    moves: list[dict[str, Any]]
    details: dict[str, str | None] = Field(
        description="Wish: the wish opened, the resident's name and phone masked; need: "
        "description and alliance."
    )
    erased: bool
    possible: list[str] = Field(
        description="The steps its state allows now (claim, release, fulfil, confirm, "
        "send_back, publish, withdraw); whether the caller may take one is checked then."
    )


class WishPublic(ClaimablePublic):
    """One micro-wish as staff see it: the wish opened, the resident's contact masked."""


class NeedPublic(ClaimablePublic):
    """One alliance need as staff see it."""


class WishRowPublic(Public):
    id: UUID
    state: str
    title: str
    community_id: UUID
    branch_id: UUID | None
    claimant_id: UUID | None
    claimant_name: str | None
    posted_at: datetime
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    published_at: datetime | None
    summary: str | None


class WishesPublic(Public):
    items: list[WishRowPublic]
    total: int
    offset: int
    limit: int


class NeedRowPublic(Public):
    id: UUID
    state: str
    title: str
    description: str
    alliance: str
    community_id: UUID
    branch_id: UUID | None
    resident_unit_id: UUID | None
    resident_unit_name: str | None
    listed_at: datetime
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    published_at: datetime | None
    summary: str | None


class NeedsPublic(Public):
    items: list[NeedRowPublic]
    total: int
    offset: int
    limit: int


# -- points and stars -------------------------------------------------------------------------

ACTIVITY = "cf7c8a6e-91d2-4cbf-a0e2-6d8fabc2ed76"
ADJUSTMENT = "d08d9b7f-a2e3-4dc0-b1f3-7e9fbcd3fe87"
ENTRY = "e19eac80-b3f4-4ed1-82a4-8fa0cde40f98"

RuleCode = Annotated[str, Field(max_length=32, description="A code from GET /point-rules.")]
Year = Annotated[int, Field(strict=True, description="The period: a calendar year.")]
Points = Annotated[int, Field(strict=True, description="Below 0 only for a bottom-line rule.")]


class RuleCreate(Input):
    """A rule of the catalogue; points below 0 for a bottom-line deduction."""

    code: str = Field(max_length=32, description="2–32 lower-case letters, digits or '_'.")
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=80)
    category: RuleCategory
    points: Points
    earns_star: bool = False
    cap: int | None = Field(
        default=None, strict=True, description="Most points per member per year (null: none)."
    )
    effective_from: date | None = Field(default=None, description="Defaults to today.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "reading",
                    "name_zh": "读书分享",
                    "name_en": "Reading circle",
                    "category": "study",
                    "points": 1,
                    "earns_star": False,
                    "cap": 12,
                    "effective_from": "2025-01-01",
                }
            ]
        }
    )


class RuleRevise(Input):
    """A new version of a rule from a date; awards made earlier keep their version.

    Names, the star and the cap left out stay as they are; `cap: 0` removes the cap."""

    points: Points
    effective_from: date = Field(description="Strictly after the latest version's.")
    reason: Reason
    name_zh: str | None = Field(default=None, max_length=40)
    name_en: str | None = Field(default=None, max_length=80)
    earns_star: bool | None = None
    cap: int | None = Field(default=None, strict=True, ge=0)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "points": 3,
                    "effective_from": "2025-07-01",
                    "reason": "提高学习积分",
                    "cap": 48,
                }
            ]
        }
    )


class RuleVersionPublic(Public):
    version: int
    name_zh: str
    name_en: str
    points: int
    earns_star: bool
    cap: int | None
    effective_from: date
    reason: str | None = Field(description="Why it was revised (null for the first version).")


class RulePublic(Public):
    """A rule with its latest version's terms (which may take effect later than today)
    and every version it had."""

    code: str
    category: str
    version: int
    name_zh: str
    name_en: str
    points: int
    earns_star: bool
    cap: int | None
    effective_from: date
    versions: list[RuleVersionPublic]


class RulesPublic(Public):
    items: list[RulePublic]
    total: int


class AwardCreate(Input):
    """An award under a rule for a deed on a date, with its evidence: a request or an
    activity (its id in `evidence_ref`), or a note saying what the deed was."""

    rule_code: RuleCode
    deed_on: date
    evidence_kind: EvidenceKind = EvidenceKind.NOTE
    evidence_ref: str | None = Field(
        default=None, max_length=64, description="The request's or activity's id."
    )
    note: str | None = Field(default=None, max_length=500)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rule_code": "volunteer",
                    "deed_on": "2025-05-02",
                    "evidence_kind": "note",
                    "evidence_ref": None,
                    "note": "参加社区环境整治志愿服务",
                }
            ]
        }
    )


class AwardReceiptPublic(ReceiptPublic):
    """An award's receipt: what the rule gives (`asked`), what the year's cap left of it
    (`points`), the stars, and whether the cap cut it."""

    points: int
    asked: int
    stars: int
    capped: bool

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": ENTRY, "position": 42, "points": 1, "asked": 2, "stars": 0, "capped": True}
            ]
        }
    )


class ActivityCreate(Input):
    """A themed party day, volunteer service or study session, under a rule."""

    title: str = Field(max_length=60)
    rule_code: RuleCode
    held_on: date
    community_id: UUID
    branch_id: UUID | None = Field(default=None, description="A grid branch of the community.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "七一主题党日",
                    "rule_code": "party_day",
                    "held_on": "2025-07-01",
                    "community_id": COMMUNITY,
                    "branch_id": BRANCH,
                }
            ]
        }
    )


class AttendanceCreate(Input):
    """The members who attended; each is awarded under the activity's rule."""

    member_ids: list[UUID] = Field(max_length=500)

    model_config = ConfigDict(json_schema_extra={"examples": [{"member_ids": [MEMBER]}]})


class AttendanceReceiptPublic(ReceiptPublic):
    """Attendance recorded: one award per attendee; `capped` names whose award a cap cut."""

    awards: list[UUID]
    capped: list[UUID]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": ACTIVITY, "position": 42, "awards": [ENTRY], "capped": []}]
        }
    )


class DeductionCreate(Input):
    """A deduction under a bottom-line rule; it counts once another person approves it."""

    member_id: UUID
    rule_code: RuleCode
    deed_on: date
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": MEMBER,
                    "rule_code": "absent_without_leave",
                    "deed_on": "2025-03-05",
                    "reason": "三月组织生活无故缺席",
                }
            ]
        }
    )


class ReversalCreate(Input):
    """Reverse one award or deduction of a member's year; counts once approved."""

    member_id: UUID
    year: Year
    entry_id: UUID = Field(description="The award's or deduction's id, from the ledger.")
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"member_id": MEMBER, "year": 2025, "entry_id": ENTRY, "reason": "重复录入"}
            ]
        }
    )


class LedgerEntryPublic(Public):
    """One award or deduction, with the rule version it was made under and its evidence;
    a reversed entry stays, marked, with who reversed it and why."""

    entry_id: UUID
    kind: str = Field(description="award or deduction")
    year: int
    quarter: int = Field(description="The deed date's quarter.")
    rule_code: str
    rule_version: int
    rule_name_zh: str | None
    rule_name_en: str | None
    points: int = Field(description="Granted, after the cap; below 0 for a deduction.")
    asked: int = Field(description="What the rule version gives.")
    capped: bool
    stars: int
    deed_on: date
    evidence_kind: str | None = Field(description="request, activity or note (an award's).")
    evidence_ref: str | None
    note: str | None = Field(description="An award's note, or a deduction's reason.")
    reversed: bool
    reversed_by: UUID | None = Field(
        description="The approved proposal, or the upheld objection, that reversed it."
    )
    reverse_reason: str | None
    recorded_at: datetime
    actor: str


class LedgerPublic(Public):
    items: list[LedgerEntryPublic]
    total: int
    offset: int
    limit: int


class QuarterTotalPublic(Public):
    points: int
    stars: int


class TotalsPublic(Public):
    """A member's year: points, stars, the star level (stars, capped) and each quarter."""

    member_id: UUID
    year: int
    points: int
    stars: int
    star_level: int = Field(description="Stars earned, up to the star cap (twelve-star).")
    by_quarter: dict[int, QuarterTotalPublic] = Field(description="By the deeds' dates.")
    bottom_line: bool = Field(description="An approved bottom-line deduction stands.")


class ExplanationLinePublic(Public):
    """One entry and what it counts now: `asked` by its rule version, `points` after the
    cap (`cap_cut` is the difference), 0 once reversed."""

    entry_id: UUID
    kind: str
    rule_code: str
    rule_version: int
    rule_name_zh: str | None
    rule_name_en: str | None
    cap: int | None = Field(description="The rule version's cap per member per year.")
    deed_on: date
    quarter: int
    asked: int
    points: int
    capped: bool
    cap_cut: int
    stars: int
    reversed: bool
    reverse_reason: str | None
    counted: int
    counted_stars: int
    note: str | None


class ExplanationPublic(Public):
    """Why a member's total is what it is: the lines' `counted` add up to `total` and
    their `counted_stars` to `stars`."""

    member_id: UUID
    year: int
    quarter: int | None
    total: int
    stars: int
    star_level: int
    lines: list[ExplanationLinePublic]


class AdjustmentRowPublic(Public):
    """A proposed deduction or reversal waiting for a second person."""

    id: UUID
    kind: str
    member_id: UUID
    name: str | None
    year: int
    rule_code: str | None
    entry_id: UUID | None
    deed_on: date | None
    reason: str
    proposer: str
    proposed_at: datetime


class AdjustmentsPublic(Public):
    items: list[AdjustmentRowPublic]
    total: int
    offset: int
    limit: int


class PeriodPublic(Public):
    """A year: open, in its publicity window, or final."""

    year: int
    state: str
    closed_at: datetime | None
    window_ends_at: datetime | None
    open_objections: int
    finalized_at: datetime | None


class PeriodsPublic(Public):
    items: list[PeriodPublic]
    total: int


class ObjectionCreate(Input):
    """A member's objection to their totals of a closed year, in its publicity window."""

    member_id: UUID
    year: Year
    text: str = Field(max_length=1000, description="Sealed when stored.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"member_id": MEMBER, "year": 2025, "text": "五月的志愿服务未计入积分"}]
        }
    )


class ObjectionUphold(Input):
    """Uphold with the correction: an award (`award_rule`, `deed_on`, `note`) or the
    reversal of one entry (`reverse_entry`) — exactly one of the two."""

    reason: Reason
    award_rule: str | None = Field(default=None, max_length=32)
    deed_on: date | None = None
    note: str | None = Field(default=None, max_length=500)
    reverse_entry: UUID | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "经核实确有参加",
                    "award_rule": "volunteer",
                    "deed_on": "2025-05-02",
                    "note": "补记五月志愿服务",
                    "reverse_entry": None,
                }
            ]
        }
    )


class ObjectionRowPublic(Public):
    """An objection in the queue and, once settled, how (its text is read in its
    history)."""

    id: UUID
    member_id: UUID
    name: str | None
    year: int
    state: str
    filed_at: datetime
    window_ends_at: datetime | None
    decided_at: datetime | None
    reason: str | None
    correction_kind: str | None = Field(description="award or reversal, when upheld.")
    correction_entry_id: UUID | None


class ObjectionsPublic(Public):
    items: list[ObjectionRowPublic]
    total: int
    offset: int
    limit: int


class RankingRowPublic(Public):
    rank: int = Field(description="Equal points and stars share a rank (1, 2, 2, 4).")
    member_id: UUID
    name: str
    branch_id: UUID | None
    branch_name: str | None
    points: int
    stars: int
    star_level: int


class RankingsPublic(Public):
    items: list[RankingRowPublic]
    total: int
    offset: int
    limit: int


class SelectionPropose(Input):
    """How many candidates per grid branch (absent: the configured number)."""

    per_branch: int | None = Field(default=None, strict=True)

    model_config = ConfigDict(json_schema_extra={"examples": [{"per_branch": 3}]})


class CandidatePublic(Public):
    member_id: UUID
    name: str | None
    branch_id: UUID | None
    branch_name: str | None
    stars: int
    points: int
    chosen: bool


class SelectionPublic(Public):
    """The year's selection: the candidates as proposed (per branch, best first), marked
    with whom the committee chose."""

    year: int
    state: str = Field(description="proposed, confirmed or published")
    per_branch: int
    proposed_at: datetime
    confirmed_at: datetime | None
    reason: str | None
    published_at: datetime | None
    candidates: list[CandidatePublic]


class SelectionConfirm(Input):
    """Whom of the candidates the committee selects."""

    chosen: list[UUID] = Field(max_length=500)
    reason: str | None = Field(default=None, max_length=500)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"chosen": [MEMBER], "reason": "党员大会表决通过"}]}
    )


# -- the public ledger (no token) -----------------------------------------------------------------


class Allowlisted(BaseModel):
    """Base of what anyone may read: exactly these fields, or the response fails.

    A field the read model adds is refused here rather than published, so a private
    field can never reach the public by accident."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class OutcomePublic(Allowlisted):
    """A published request: the approved summary, category, place, dates, satisfaction;
    `state` is published, or closed once the committee closed it."""

    id: UUID
    state: str
    category: str
    category_name_zh: str
    category_name_en: str
    community_id: UUID
    community_name: str
    branch_id: UUID | None
    branch_name: str | None
    placed_on: date
    resolved_on: date | None
    published_on: date | None
    on_time: bool | None
    satisfaction: str | None
    summary: str


class OutcomesPublic(Allowlisted):
    items: list[OutcomePublic]
    total: int
    offset: int
    limit: int


class ClaimOutcomePublic(Allowlisted):
    """A published micro-wish or alliance need: title, place, dates and summary."""

    id: UUID
    title: str
    community_name: str
    branch_name: str | None
    claimant: str | None = Field(
        description="Micro-wish: the member's masked name; need: the resident unit."
    )
    claimed_on: date | None
    fulfilled_on: date | None
    published_on: date | None
    summary: str


class ClaimOutcomesPublic(Allowlisted):
    items: list[ClaimOutcomePublic]
    total: int
    offset: int
    limit: int


class StandingPublic(Allowlisted):
    """A member's place in a closed year's ranking: the name masked (张*明), the branch,
    points, stars and star level; never an id, a phone, an address or an ID number."""

    rank: int
    name: str
    branch_name: str | None
    points: int
    stars: int
    star_level: int


class StandingsPublic(Allowlisted):
    items: list[StandingPublic]
    total: int
    offset: int
    limit: int


class SelectedPublic(Allowlisted):
    """An excellent member of the year: the name masked, the branch, stars and points."""

    name: str
    branch_name: str | None
    stars: int
    points: int


class SelectionOutcomePublic(Allowlisted):
    """A published selection of excellent members."""

    year: int
    published_on: date
    members: list[SelectedPublic]


# -- personal data: erasure and disclosure ----------------------------------------------


class ErasureCreate(Input):
    """Erase a person: their key is destroyed, their fields read "[erased]" from then on."""

    subject_id: UUID = Field(
        description="A member, a household, or a request or micro-wish (its resident)."
    )
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"subject_id": MEMBER, "reason": "本人书面申请删除"}]}
    )


class ErasurePublic(ReceiptPublic):
    """An erasure done: whose keys were destroyed."""

    subject_id: UUID
    subject_kind: str = Field(description="member, household, request or wish.")
    erased: list[UUID] = Field(
        description="Every subject whose key was destroyed: the person first, then a "
        "household's requests and micro-wishes."
    )
    purged: bool = Field(
        description="The key bytes have left the database files already (SQLite: log "
        "truncated; PostgreSQL: table vacuumed); false: at the next checkpoint."
    )
    completed: bool = Field(description="This call finished an erasure recorded earlier.")


class ErasureRowPublic(Public):
    id: UUID
    subject_id: UUID
    subject_kind: str
    erased_by: str
    reason: str
    subjects: int = Field(description="Keys destroyed.")
    erased_at: datetime
    position: int


class ErasuresPublic(Public):
    items: list[ErasureRowPublic]
    total: int
    offset: int
    limit: int


class DisclosureCreate(Input):
    """Ask to see a person's contact details in clear, saying why; it is recorded."""

    subject_id: UUID = Field(
        description="A member, a household, or a request or micro-wish (its resident)."
    )
    reason: Reason

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"subject_id": MEMBER, "reason": "电话通知参加主题党日"}]}
    )


class ContactShownPublic(ReceiptPublic):
    """A person's contact details in clear, for this showing only (`id`: the disclosure)."""

    subject_id: UUID = Field(description="Whose (for a household's request: the household).")
    subject_kind: str
    fields: dict[str, str | None]


class DisclosureRowPublic(Public):
    """One showing: who looked, at whom, why, which fields (never their values)."""

    id: UUID
    subject_id: UUID
    subject_kind: str
    viewer: str
    reason: str
    fields: list[str]
    disclosed_at: datetime
    position: int


class DisclosuresPublic(Public):
    items: list[DisclosureRowPublic]
    total: int
    offset: int
    limit: int
