"""The one Application: every command of every capability, so all events share one log.

Commands take `actor=` (a Principal), check the actor's rights, load what one rule
spans, call one method, save once, and return a Receipt with the log position. The
plumbing is in `domain.app_base`; the four orders' commands in `domain.orders`.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from domain import validation as v
from domain.access import Permission, Principal, Role
from domain.accounts import (
    Account,
    AccountError,
    check_password,
    normalize_username,
    parse_roles,
)
from domain.app_base import CONFLICT_RETRIES, RosterOccupancy, command
from domain.base import acting_as
from domain.dto import (
    AccountInfo,
    DisclosedContact,
    ErasureReceipt,
    HistoryEntry,
    HouseholdCorrection,
    HouseholdDetail,
    HouseholdDraft,
    MemberCorrection,
    MemberDetail,
    MemberDraft,
    Receipt,
)
from domain.errors import (
    AuthenticationError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
)
from domain.orders import Orders
from domain.personal import ERASED, is_sealed, mask_phone
from domain.points import Activity, Adjustment, Ledger, Objection, Period, Rule, Selection
from domain.privacy import (
    CONTACT_FIELDS,
    Disclosure,
    ErasedError,
    Erasure,
    HouseholdItems,
    KeyShredder,
    PrivacyError,
    SubjectKind,
)
from domain.requests import Category, ReceiptCode, Request
from domain.roster import (
    AppointmentRole,
    BranchKind,
    ContactChannel,
    DeregistrationCause,
    Gender,
    GroupKind,
    Household,
    HouseholdLink,
    Member,
    MemberKind,
    OrgUnit,
    PersonIndex,
    ResidentUnit,
    ResidentUnitKind,
    RosterError,
    UnitLevel,
)
from domain.wishes import Need, UnitClaims, Wish

__all__ = ["CONFLICT_RETRIES", "MAX_LOGIN_FAILURES", "RosterOccupancy", "Yimai", "command"]

#: Failed logins allowed per user name within the throttle window.
MAX_LOGIN_FAILURES = 5


def _age(birth: date, today: date) -> int:
    """Whole years from `birth` to `today` (a 29 February birthday falls on 1 March)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _check_joined_after_18(joined: date, birth_iso: str | None) -> None:
    """One joins the party at 18 at the earliest."""
    if birth_iso and _age(date.fromisoformat(birth_iso), joined) < 18:
        raise InvalidInputError("joined_party_on", "is before the member's 18th birthday")


class Yimai(Orders):
    """The system of record: roster, accounts, the four orders, points (later audit)."""

    # -- organization -------------------------------------------------------------

    @command(Permission.ORG_MANAGE)
    def open_unit(
        self,
        level: str,
        name: str,
        parent_id: UUID | str | None = None,
        *,
        kind: str | None = None,
        area: str | None = None,
        place: str | None = None,
        actor: Principal,
    ) -> Receipt:
        """Open a subdistrict, community committee, grid branch or party group."""
        level_ = v.choice("level", level, UnitLevel)
        name = v.text("name", name, max_len=60)
        area = v.optional_text("area", area, max_len=60)
        place = v.optional_text("place", place, max_len=60)
        if level_ == UnitLevel.BRANCH:
            kind = v.choice("kind", kind, BranchKind).value
        elif level_ == UnitLevel.GROUP:
            kind = v.choice("kind", kind, GroupKind).value
        elif kind:
            raise InvalidInputError("kind", f"a {level_.value} has no kind")
        parent: OrgUnit | None = None
        if level_ == UnitLevel.SUBDISTRICT:
            if parent_id:
                raise InvalidInputError("parent_id", "a subdistrict has no parent")
        else:
            if not parent_id:
                raise InvalidInputError("parent_id", f"a {level_.value} needs a parent unit")
            parent = self._get(OrgUnit, parent_id, "parent unit", "parent_id")
            parent.check_accepts_children(level_)
        unit = OrgUnit(
            level=level_.value,
            name=name,
            parent_id=parent.id if parent else None,
            kind=kind,
            area=area,
            place=place,
        )
        return Receipt(unit.id, self._commit(unit))

    @command(Permission.ORG_MANAGE)
    def rename_unit(
        self, unit_id: UUID | str, name: str, reason: str, *, actor: Principal
    ) -> Receipt:
        """Rename a unit (with the reason)."""
        unit = self._get(OrgUnit, unit_id, "unit")
        unit.rename(v.text("name", name, max_len=60), v.text("reason", reason, max_len=500))
        return Receipt(unit.id, self._commit(unit))

    @command(Permission.ORG_MANAGE)
    def close_unit(self, unit_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Close a unit that has no open child units and no active members."""
        unit = self._get(OrgUnit, unit_id, "unit")
        reason = v.text("reason", reason, max_len=500)
        if self.occupancy.open_children(unit.id):
            raise RosterError(
                "unit_has_children", "close or move the unit's open child units first"
            )
        if self.occupancy.active_members(unit.id):
            raise RosterError("unit_has_members", "transfer or deregister the unit's members first")
        if self.occupancy.open_households(unit.id):
            raise RosterError(
                "unit_has_households", "move the unit's households to another branch first"
            )
        unit.close(reason)
        return Receipt(unit.id, self._commit(unit))

    @command(Permission.ORG_MANAGE)
    def appoint(
        self,
        unit_id: UUID | str,
        role: str,
        member_id: UUID | str,
        *,
        label: str | None = None,
        since: date | None = None,
        actor: Principal,
    ) -> Receipt:
        """Appoint a member of the unit as its secretary, group leader or a liaison."""
        unit = self._get(OrgUnit, unit_id, "unit", "unit_id")
        role_ = v.choice("role", role, AppointmentRole)
        member = self._get(Member, member_id, "member", "member_id")
        member.check_active()
        belongs = {
            UnitLevel.COMMUNITY: member.community_id,
            UnitLevel.BRANCH: member.branch_id,
            UnitLevel.GROUP: member.group_id,
        }.get(unit.level)
        if belongs != unit.id:
            raise RosterError("not_a_member_here", "the member does not belong to this unit")
        label = v.optional_text("label", label, max_len=60)
        if role_ == AppointmentRole.LIAISON and not label:
            raise InvalidInputError("label", "a liaison needs the building unit they serve")
        since = v.past_date("since", since or self.today(), today=self.today())
        unit.appoint(uuid4(), role_.value, member.id, label, since)
        return Receipt(unit.id, self._commit(unit))

    @command(Permission.ORG_MANAGE)
    def end_appointment(
        self,
        unit_id: UUID | str,
        appointment_id: UUID | str,
        reason: str,
        *,
        ended_on: date | None = None,
        actor: Principal,
    ) -> Receipt:
        """End a current appointment (with the reason)."""
        unit = self._get(OrgUnit, unit_id, "unit", "unit_id")
        ident = v.uuid("appointment_id", appointment_id)
        ended = v.past_date("ended_on", ended_on or self.today(), today=self.today())
        unit.end_appointment(ident, ended, v.text("reason", reason, max_len=500))
        return Receipt(unit.id, self._commit(unit))

    def _placement(
        self, branch_id: UUID | str | None, group_id: UUID | str | None
    ) -> tuple[OrgUnit, OrgUnit | None]:
        branch = self._get(OrgUnit, v.uuid("branch_id", branch_id), "branch", "branch_id")
        if branch.level != UnitLevel.BRANCH:
            raise InvalidInputError("branch_id", "is not a grid branch")
        branch.check_open()
        group: OrgUnit | None = None
        if group_id:
            group = self._get(OrgUnit, group_id, "party group", "group_id")
            if group.level != UnitLevel.GROUP or group.parent_id != branch.id:
                raise InvalidInputError("group_id", "is not a party group of that branch")
            group.check_open()
        return branch, group

    # -- members ------------------------------------------------------------------

    def _member_fields(
        self, draft: MemberDraft | MemberCorrection, partial: bool
    ) -> dict[str, str | None]:
        """Validated personal fields (only those given, when partial)."""
        today = self.today()
        out: dict[str, str | None] = {}
        if not partial or draft.name is not None:
            out["name"] = v.text("name", draft.name, max_len=40)
        if not partial or draft.gender is not None:
            out["gender"] = v.choice("gender", draft.gender, Gender).value
        if not partial or draft.birth_date is not None:
            birth = v.past_date("birth_date", draft.birth_date, today=today)
            if _age(birth, today) < 18:
                raise InvalidInputError("birth_date", "a member must be at least 18 years old")
            out["birth_date"] = birth.isoformat()
        if not partial or draft.phone is not None:
            out["phone"] = v.phone("phone", draft.phone)
        if not partial or draft.address is not None:
            out["address"] = v.text("address", draft.address, max_len=200)
        if not partial or draft.id_number is not None:
            out["id_number"] = v.id_number("id_number", draft.id_number)
        return out

    def _identity(self, fields: dict[str, str | None]) -> str:
        """The identity key: the ID number when known, else name + birth date + phone."""
        if fields.get("id_number"):
            return self.personal.identity_key("id", fields["id_number"] or "")
        return self.personal.identity_key(
            "nbp", fields["name"] or "", fields["birth_date"] or "", fields["phone"] or ""
        )

    def _claim_identity(self, identity: str, member_id: UUID) -> PersonIndex:
        index_id = PersonIndex.id_for(identity)
        try:
            index: PersonIndex = self.repository.get(index_id)
        except AggregateNotFoundError:
            return PersonIndex(member_id=member_id, id=index_id)  # type: ignore[call-arg]
        assert isinstance(index, PersonIndex)
        if index.member_id is not None and index.member_id != member_id:
            holder: Aggregate = self.repository.get(index.member_id)
            if isinstance(holder, Member) and holder.is_active:
                raise DuplicateError(
                    "member_exists",
                    f"this person is already registered as member {holder.id}",
                    str(holder.id),
                )
        index.reclaim(member_id)
        return index

    @command(Permission.ROSTER_WRITE)
    def register_member(self, draft: MemberDraft, *, actor: Principal) -> Receipt:
        """Register a member in a branch (and optionally a group); nobody twice."""
        fields = self._member_fields(draft, partial=False)
        joined = v.past_date("joined_party_on", draft.joined_party_on, today=self.today())
        _check_joined_after_18(joined, fields["birth_date"])
        kind = v.choice("kind", draft.kind, MemberKind)
        branch, group = self._placement(draft.branch_id, draft.group_id)
        unit_id = self._resident_unit_for(kind, draft.resident_unit_id, branch.parent_id)
        member_id = uuid4()
        index = self._claim_identity(self._identity(fields), member_id)
        assert branch.parent_id is not None
        member = Member(  # type: ignore[call-arg]
            id=member_id,
            personal=self.personal.seal(member_id, fields),
            community_id=branch.parent_id,
            branch_id=branch.id,
            group_id=group.id if group else None,
            kind=kind.value,
            resident_unit_id=unit_id,
            joined_party_on=joined,
        )
        return Receipt(member.id, self._commit(index, member))

    def _resident_unit_for(
        self, kind: MemberKind, unit_id: UUID | str | None, community_id: UUID | None
    ) -> UUID | None:
        if kind != MemberKind.IN_SERVICE:
            if unit_id:
                raise InvalidInputError(
                    "resident_unit_id", "only an in-service member reports from a resident unit"
                )
            return None
        if not unit_id:
            raise InvalidInputError(
                "resident_unit_id", "an in-service member needs the resident unit they serve in"
            )
        unit = self._get(ResidentUnit, unit_id, "resident unit", "resident_unit_id")
        unit.check_open()
        if unit.community_id != community_id:
            raise InvalidInputError(
                "resident_unit_id", "the resident unit is not in the member's community"
            )
        return unit.id

    @command(Permission.ROSTER_WRITE)
    def transfer_member(
        self,
        member_id: UUID | str,
        branch_id: UUID | str,
        reason: str,
        *,
        group_id: UUID | str | None = None,
        actor: Principal,
    ) -> Receipt:
        """Move a member to another branch (or group), with the reason."""
        member = self._get(Member, member_id, "member")
        reason = v.text("reason", reason, max_len=500)
        branch, group = self._placement(branch_id, group_id)
        if member.kind == MemberKind.IN_SERVICE and branch.parent_id != member.community_id:
            raise RosterError(
                "in_service_community",
                "an in-service member reports to the community of their resident unit",
            )
        assert branch.parent_id is not None
        # A post belongs to its unit: the member may not take it along to another one.
        staying = {branch.parent_id, branch.id, group.id if group else None}
        leaving = [
            unit_id
            for unit_id in (member.community_id, member.branch_id, member.group_id)
            if unit_id not in staying
        ]
        holding = self._held_posts(member, leaving)
        if holding:
            raise RosterError(
                "member_holds_posts",
                "end the member's appointments in the units they leave first: "
                + ", ".join(holding),
            )
        member.transfer(branch.parent_id, branch.id, group.id if group else None, reason)
        return Receipt(member.id, self._commit(member))

    @command(Permission.ROSTER_WRITE)
    def correct_member(
        self,
        member_id: UUID | str,
        correction: MemberCorrection,
        reason: str,
        *,
        actor: Principal,
    ) -> Receipt:
        """Correct a member's details; the event names the fields, never their values."""
        member = self._get(Member, member_id, "member")
        member.check_active()
        reason = v.text("reason", reason, max_len=500)
        given = self._member_fields(correction, partial=True)
        current = self.personal.open(member.id, member.personal)
        if current is None:
            raise RosterError("erased", "this member's personal data was erased")
        changed = {k: val for k, val in given.items() if current.get(k) != val}
        changes: dict[str, Any] = {}
        today = self.today()
        if correction.joined_party_on is not None:
            joined = v.past_date("joined_party_on", correction.joined_party_on, today=today)
            if joined != member.joined_party_on:
                changes["joined_party_on"] = joined
        kind = member.kind
        if correction.kind is not None:
            kind = v.choice("kind", correction.kind, MemberKind)
            if kind != member.kind:
                changes["kind"] = kind.value
        if correction.kind is not None or correction.resident_unit_id is not None:
            unit_id = correction.resident_unit_id
            if unit_id is None:
                # A member who no longer serves in a resident unit stops reporting from it.
                unit_id = member.resident_unit_id if kind == MemberKind.IN_SERVICE else None
            unit = self._resident_unit_for(kind, unit_id, member.community_id)
            if unit != member.resident_unit_id:
                changes["resident_unit_id"] = unit
        if "birth_date" in changed or "joined_party_on" in changes:
            _check_joined_after_18(
                changes.get("joined_party_on", member.joined_party_on),
                changed.get("birth_date", current.get("birth_date")),
            )
        aggregates: list[Aggregate] = []
        sealed: str | None = None
        if changed:
            merged = {**current, **changed}
            old_identity, new_identity = self._identity(current), self._identity(merged)
            if old_identity != new_identity:
                aggregates.append(self._claim_identity(new_identity, member.id))
                old = self._release_identity(old_identity, member.id)
                if old is not None:
                    aggregates.append(old)
            sealed = self.personal.seal(member.id, merged)
        member.correct(sealed, changes, sorted([*changed, *changes]), reason)
        return Receipt(member.id, self._commit(*aggregates, member))

    def _release_identity(self, identity: str, member_id: UUID) -> PersonIndex | None:
        try:
            index: PersonIndex = self.repository.get(PersonIndex.id_for(identity))
        except AggregateNotFoundError:
            return None
        assert isinstance(index, PersonIndex)
        if index.member_id != member_id:
            return None
        index.release(member_id)
        return index

    @command(Permission.ROSTER_WRITE)
    def deregister_member(
        self,
        member_id: UUID | str,
        cause: str,
        reason: str,
        *,
        on: date | None = None,
        actor: Principal,
    ) -> Receipt:
        """Deregister a member who moved, died or whose membership ended."""
        member = self._get(Member, member_id, "member")
        cause_ = v.choice("cause", cause, DeregistrationCause)
        reason = v.text("reason", reason, max_len=500)
        when = v.past_date("on", on or self.today(), today=self.today())
        member.check_active()
        holding = self._held_posts(member)
        if holding:
            raise RosterError(
                "member_holds_posts",
                "end the member's appointments first: " + ", ".join(holding),
            )
        member.deregister(cause_.value, when, reason, tz=self.tz)
        return Receipt(member.id, self._commit(member))

    def _held_posts(self, member: Member, unit_ids: list[UUID | None] | None = None) -> list[str]:
        """The member's current posts in `unit_ids` (by default: every unit they are in)."""
        if unit_ids is None:
            unit_ids = [member.community_id, member.branch_id, member.group_id]
        posts = []
        for unit_id in unit_ids:
            if unit_id is None:
                continue
            unit: OrgUnit = self.repository.get(unit_id)
            assert isinstance(unit, OrgUnit)
            posts += [
                f"{a['role'].value} of {unit.name}"
                for a in unit.current_appointments()
                if a["member_id"] == member.id
            ]
        return posts

    def get_member(self, member_id: UUID | str, *, actor: Principal) -> MemberDetail:
        """One member with personal fields opened, contact details not: the phone and ID
        number masked, the address withheld (`reveal_contact` shows them, recorded)."""
        actor.require(Permission.ROSTER_READ)
        member = self._get(Member, member_id, "member")
        fields = self.personal.open(member.id, member.personal)
        f = fields or {}
        id_number = f.get("id_number")
        return MemberDetail(
            id=member.id,
            version=member.version,
            name=f.get("name") or ERASED,
            gender=f.get("gender"),
            birth_date=f.get("birth_date"),
            phone=mask_phone(f.get("phone")) or None,
            address=None,
            id_number_masked=(id_number[:6] + "********" + id_number[-4:]) if id_number else None,
            joined_party_on=member.joined_party_on,
            community_id=member.community_id,
            branch_id=member.branch_id,
            group_id=member.group_id,
            kind=member.kind.value,
            resident_unit_id=member.resident_unit_id,
            status=member.status.value,
            deregistration=member.deregistration,
            erased=fields is None,
        )

    # -- resident units -----------------------------------------------------------

    @command(Permission.ROSTER_WRITE)
    def register_resident_unit(
        self, name: str, kind: str, community_id: UUID | str, *, actor: Principal
    ) -> Receipt:
        """Register an agency, enterprise, institution or organization in a community."""
        name = v.text("name", name, max_len=80)
        kind_ = v.choice("kind", kind, ResidentUnitKind)
        community = self._get(OrgUnit, community_id, "community", "community_id")
        if community.level != UnitLevel.COMMUNITY:
            raise InvalidInputError("community_id", "is not a community")
        community.check_open()
        unit = ResidentUnit(name=name, kind=kind_.value, community_id=community.id)
        return Receipt(unit.id, self._commit(unit))

    @command(Permission.ROSTER_WRITE)
    def rename_resident_unit(
        self, unit_id: UUID | str, name: str, reason: str, *, actor: Principal
    ) -> Receipt:
        unit = self._get(ResidentUnit, unit_id, "resident unit")
        unit.rename(v.text("name", name, max_len=80), v.text("reason", reason, max_len=500))
        return Receipt(unit.id, self._commit(unit))

    @command(Permission.ROSTER_WRITE)
    def close_resident_unit(self, unit_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Close a resident unit that no active member reports from."""
        unit = self._get(ResidentUnit, unit_id, "resident unit")
        reason = v.text("reason", reason, max_len=500)
        if self.occupancy.active_members(unit.id):
            raise RosterError(
                "unit_has_members", "members still report from this unit; correct them first"
            )
        unit.close(reason)
        return Receipt(unit.id, self._commit(unit))

    # -- households and links -------------------------------------------------------

    def _household_fields(
        self, d: HouseholdDraft | HouseholdCorrection, partial: bool
    ) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        if not partial or d.unit is not None:
            out["unit"] = v.text("unit", d.unit, max_len=20)
        if not partial or d.room is not None:
            out["room"] = v.text("room", d.room, max_len=20)
        if not partial or d.head_name is not None:
            out["head_name"] = v.text("head_name", d.head_name, max_len=40)
        if not partial or d.head_phone is not None:
            out["head_phone"] = v.phone("head_phone", d.head_phone, required=False)
        return out

    @command(Permission.ROSTER_WRITE)
    def register_household(self, draft: HouseholdDraft, *, actor: Principal) -> Receipt:
        """Register a household in a branch's area."""
        fields = self._household_fields(draft, partial=False)
        building = v.text("building", draft.building, max_len=40)
        size = v.positive_int("size", draft.size, maximum=30)
        branch, group = self._placement(draft.branch_id, draft.group_id)
        assert branch.parent_id is not None
        household_id = uuid4()
        household = Household(  # type: ignore[call-arg]
            id=household_id,
            personal=self.personal.seal(household_id, fields),
            community_id=branch.parent_id,
            branch_id=branch.id,
            group_id=group.id if group else None,
            building=building,
            size=size,
        )
        return Receipt(household.id, self._commit(household))

    @command(Permission.ROSTER_WRITE)
    def correct_household(
        self,
        household_id: UUID | str,
        correction: HouseholdCorrection,
        reason: str,
        *,
        actor: Principal,
    ) -> Receipt:
        household = self._get(Household, household_id, "household")
        reason = v.text("reason", reason, max_len=500)
        given = self._household_fields(correction, partial=True)
        current = self.personal.open(household.id, household.personal)
        if current is None:
            raise RosterError("erased", "this household's personal data was erased")
        changed = {k: val for k, val in given.items() if current.get(k) != val}
        changes: dict[str, Any] = {}
        if correction.building is not None:
            building = v.text("building", correction.building, max_len=40)
            if building != household.building:
                changes["building"] = building
        if correction.size is not None:
            size = v.positive_int("size", correction.size, maximum=30)
            if size != household.size:
                changes["size"] = size
        sealed = self.personal.seal(household.id, {**current, **changed}) if changed else None
        household.correct(sealed, changes, sorted([*changed, *changes]), reason)
        return Receipt(household.id, self._commit(household))

    @command(Permission.ROSTER_WRITE)
    def close_household(
        self, household_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        """A household moved out."""
        household = self._get(Household, household_id, "household")
        household.close(v.text("reason", reason, max_len=500))
        return Receipt(household.id, self._commit(household))

    def get_household(self, household_id: UUID | str, *, actor: Principal) -> HouseholdDetail:
        """One household: the head's name opened; the phone masked, unit and room withheld
        (`reveal_contact` shows them, recorded)."""
        actor.require(Permission.ROSTER_READ)
        h = self._get(Household, household_id, "household")
        fields = self.personal.open(h.id, h.personal)
        f = fields or {}
        return HouseholdDetail(
            id=h.id,
            version=h.version,
            community_id=h.community_id,
            branch_id=h.branch_id,
            group_id=h.group_id,
            building=h.building,
            unit=None,
            room=None,
            head_name=f.get("head_name") or ERASED,
            head_phone=mask_phone(f.get("head_phone")) or None,
            size=h.size,
            status=h.status.value,
            erased=fields is None,
        )

    @command(Permission.ROSTER_WRITE)
    def link_household(
        self,
        member_id: UUID | str,
        household_id: UUID | str,
        *,
        since: date | None = None,
        actor: Principal,
    ) -> Receipt:
        """Link a member to a household (3+N), in the member's own community."""
        member = self._get(Member, member_id, "member", "member_id")
        household = self._get(Household, household_id, "household", "household_id")
        member.check_active()
        household.check_open()
        if member.community_id != household.community_id:
            raise RosterError("other_community", "a member links households in their own community")
        since_ = v.past_date("since", since or self.today(), today=self.today())
        link_id = HouseholdLink.id_for(member.id, household.id)
        try:
            link: HouseholdLink = self.repository.get(link_id)
        except AggregateNotFoundError:
            link = HouseholdLink(  # type: ignore[call-arg]
                id=link_id, member_id=member.id, household_id=household.id, since=since_
            )
        else:
            assert isinstance(link, HouseholdLink)
            link.relink(since_)
        return Receipt(link.id, self._commit(link))

    @command(Permission.ROSTER_WRITE)
    def unlink_household(
        self, member_id: UUID | str, household_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        link = self._link(member_id, household_id)
        link.unlink(v.text("reason", reason, max_len=500))
        return Receipt(link.id, self._commit(link))

    @command(Permission.ROSTER_WRITE)
    def log_contact(
        self,
        member_id: UUID | str,
        household_id: UUID | str,
        channel: str,
        *,
        on: date | None = None,
        note: str | None = None,
        actor: Principal,
    ) -> Receipt:
        """Write an entry in a link's contact log; the note is sealed with the household."""
        link = self._link(member_id, household_id)
        self._get(Member, link.member_id, "member", "member_id").check_active()
        self._get(Household, link.household_id, "household", "household_id").check_open()
        channel_ = v.choice("channel", channel, ContactChannel)
        when = v.past_date("on", on or self.today(), today=self.today())
        if when < link.since:
            raise InvalidInputError("on", "is before the member was linked to the household")
        note = v.optional_text("note", note, max_len=1000)
        sealed = self.personal.seal(link.household_id, {"note": note}) if note else None
        link.log_contact(uuid4(), when, channel_.value, sealed)
        return Receipt(link.id, self._commit(link))

    def _link(self, member_id: UUID | str, household_id: UUID | str) -> HouseholdLink:
        m = v.uuid("member_id", member_id)
        h = v.uuid("household_id", household_id)
        return self._get(HouseholdLink, HouseholdLink.id_for(m, h), "link")

    def open_note(self, household_id: UUID, sealed: str | None) -> str | None:
        """A contact note in clear, or None when absent or erased."""
        if not sealed:
            return None
        fields = self.personal.open(household_id, sealed)
        return fields.get("note") if fields else ERASED

    # -- accounts ------------------------------------------------------------------

    @command(Permission.ACCOUNTS_MANAGE)
    def open_account(
        self, username: str, display_name: str, roles: list[str], password: str, *, actor: Principal
    ) -> Receipt:
        """Open a staff account with roles and an initial password."""
        username = normalize_username(username)
        display_name = v.text("display_name", display_name, max_len=40)
        roles_ = parse_roles(roles)
        check_password(password)
        account_id = Account.id_for(username)
        try:
            self.repository.get(account_id)
        except AggregateNotFoundError:
            pass
        else:
            raise DuplicateError("account_exists", f"an account named {username} exists", username)
        account = Account(  # type: ignore[call-arg]
            id=account_id,
            username=username,
            display_name=display_name,
            roles=sorted(r.value for r in roles_),
        )
        # The event commits first: of two clerks opening the same name at once, only the
        # winner's password is written, and no password ever changes without its event.
        position = self._commit(account)
        self.credentials.set_password(username, password)
        return Receipt(account.id, position)

    def _account(self, username: str) -> Account:
        try:
            account: Account = self.repository.get(Account.id_for(normalize_username(username)))
        except (AggregateNotFoundError, InvalidInputError):
            raise NotFoundError("account", username) from None
        assert isinstance(account, Account)
        return account

    @command(Permission.ACCOUNTS_MANAGE)
    def change_roles(
        self, username: str, roles: list[str], reason: str, *, actor: Principal
    ) -> Receipt:
        account = self._account(username)
        roles_ = parse_roles(roles)
        if account.username == actor.username and Role.ADMIN not in roles_:
            raise AccountError("own_admin", "you cannot take the admin role from yourself")
        account.change_roles(sorted(r.value for r in roles_), v.text("reason", reason, max_len=500))
        return Receipt(account.id, self._commit(account))

    @command(Permission.ACCOUNTS_MANAGE)
    def disable_account(self, username: str, reason: str, *, actor: Principal) -> Receipt:
        account = self._account(username)
        if account.username == actor.username:
            raise AccountError("own_account", "you cannot disable your own account")
        account.disable(v.text("reason", reason, max_len=500))
        return Receipt(account.id, self._commit(account))

    @command(Permission.ACCOUNTS_MANAGE)
    def enable_account(self, username: str, reason: str, *, actor: Principal) -> Receipt:
        account = self._account(username)
        account.enable(v.text("reason", reason, max_len=500))
        return Receipt(account.id, self._commit(account))

    @command(Permission.ACCOUNTS_MANAGE)
    def reset_password(self, username: str, password: str, *, actor: Principal) -> Receipt:
        """An admin sets a new password for an account."""
        account = self._account(username)
        check_password(password)
        account.record_password_change(by_owner=False)
        position = self._commit(account)
        self.credentials.set_password(account.username, password)
        return Receipt(account.id, position)

    def change_own_password(self, old: str, new: str, *, actor: Principal) -> Receipt:
        """Any account changes its own password, knowing the current one."""
        account = self._account(actor.username)
        if not self.credentials.verify_password(account.username, old):
            raise InvalidInputError("old_password", "is not the current password")
        check_password(new, field="new_password")
        with acting_as(actor.username, lambda: self.now()):
            account.record_password_change(by_owner=True)
            position = self._commit(account)
        self.credentials.set_password(account.username, new)
        return Receipt(account.id, position)

    def authenticate(self, username: str, password: str) -> Principal:
        """The principal for a user name and password; throttles repeated failures."""
        try:
            name = normalize_username(username)
        except InvalidInputError:
            # No account can have this name; check a password anyway so that timing
            # says nothing, and count no failure (the name may not even fit the table).
            self.credentials.verify_password("", password or "")
            raise AuthenticationError(
                "wrong user name or password, or the account is disabled"
            ) from None
        failures, wait = self.credentials.failures(name)
        if failures >= MAX_LOGIN_FAILURES:
            raise ThrottledError(
                f"too many failed logins; try again in {int(wait) + 1} seconds", int(wait) + 1
            )
        try:
            account = self._account(name)
        except NotFoundError:
            account = None
        ok = self.credentials.verify_password(name, password or "")
        if account is None or not ok or not account.active:
            self.credentials.record_failure(name)
            raise AuthenticationError("wrong user name or password, or the account is disabled")
        self.credentials.clear_failures(name)
        return Principal(account.username, account.roles)

    def principal(self, username: str) -> Principal:
        """The current principal of an account (roles re-read, disabled refused)."""
        try:
            account = self._account(username)
        except NotFoundError:
            raise AuthenticationError("the account no longer exists") from None
        if not account.active:
            raise AuthenticationError("the account is disabled")
        return Principal(account.username, account.roles)

    @command(Permission.ACCOUNTS_MANAGE)
    def link_account_member(
        self, username: str, member_id: UUID | str | None, reason: str, *, actor: Principal
    ) -> Receipt:
        """Say which member an account's holder is (or none): their claims are that
        member's, and they never accept or visit back their own work."""
        account = self._account(username)
        reason = v.text("reason", reason, max_len=500)
        target: UUID | None = None
        if member_id:
            member = self._get(Member, v.uuid("member_id", member_id), "member", "member_id")
            member.check_active()
            target = member.id
        account.link_member(target, reason)
        return Receipt(account.id, self._commit(account))

    def get_account(self, username: str, *, actor: Principal) -> AccountInfo:
        if normalize_username(username) != actor.username:
            actor.require(Permission.ACCOUNTS_READ)
        a = self._account(username)
        return AccountInfo(
            a.username,
            a.display_name,
            sorted(r.value for r in a.roles),
            a.active,
            a.version,
            a.member_id,
        )

    # -- personal data: erasure and disclosure -----------------------------------------

    #: A household's requests and micro-wishes, from the read models (set by the System).
    household_items: HouseholdItems | None = None

    def is_erased(self, subject_id: UUID) -> bool:
        """Whether a subject's key is gone: their sealed fields can no longer be opened."""
        return self.personal.keys.get_key(subject_id) is None

    def _subject(
        self, subject_id: UUID | str
    ) -> tuple[SubjectKind, Member | Household | Request | Wish]:
        """The person a subject id names: a member, a household, or the resident behind a
        request or a micro-wish placed without a household."""
        ident = v.uuid("subject_id", subject_id)
        try:
            aggregate: Aggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFoundError("person", ident) from None
        if isinstance(aggregate, Member):
            return SubjectKind.MEMBER, aggregate
        if isinstance(aggregate, Household):
            return SubjectKind.HOUSEHOLD, aggregate
        if isinstance(aggregate, Request):
            return SubjectKind.REQUEST, aggregate
        if isinstance(aggregate, Wish):
            return SubjectKind.WISH, aggregate
        raise NotFoundError("person", ident)

    def _household_items(self, household: Household) -> list[UUID]:
        """The household's requests and micro-wishes not yet erased, each checked to be
        really the household's (the read model only says where to look)."""
        if self.household_items is None:
            raise RuntimeError("no read model of households' requests is configured")
        found: list[UUID] = []
        for item_id in self.household_items.items_of(household.id):
            item = self._find(Aggregate, item_id)
            owner = (
                item.requester_id
                if isinstance(item, Request)
                else item.household_id
                if isinstance(item, Wish)
                else None
            )
            if owner != household.id:
                raise PrivacyError("not_the_households", f"{item_id} is not this household's")
            if not self.is_erased(item_id):
                found.append(item_id)
        return found

    def _destroy_keys(self, subjects: list[UUID]) -> bool:
        keys = self.personal.keys
        if isinstance(keys, KeyShredder):
            return keys.destroy_keys(subjects)
        for subject in subjects:
            keys.destroy_key(subject)
        return True

    @command(Permission.PERSONAL_ERASE)
    def erase_person(
        self, subject_id: UUID | str, reason: str, *, actor: Principal
    ) -> ErasureReceipt:
        """Erase a person: record why, then destroy their key (a household's also the keys
        of its requests and micro-wishes). Their events stay; their fields read
        "[erased]" everywhere. Run again, it finishes an erasure a crash interrupted."""
        reason = v.text("reason", reason, max_len=500)
        kind, subject = self._subject(subject_id)
        erasure = self._find(Erasure, Erasure.id_for(subject.id))
        if erasure is not None:
            left = [s for s in erasure.subjects if not self.is_erased(s)]
            if not left:
                raise PrivacyError("already_erased", "this person is already erased")
            return ErasureReceipt(
                erasure.id,
                self.last_position(),
                subject_id=subject.id,
                subject_kind=kind.value,
                erased=list(erasure.subjects),
                purged=self._destroy_keys(left),
                completed=True,
            )
        if self.is_erased(subject.id):  # with a household, before this erasure
            raise PrivacyError("already_erased", "this person is already erased")
        subjects = [subject.id]
        released: list[Aggregate] = []
        if isinstance(subject, Household):
            subjects += self._household_items(subject)
        elif isinstance(subject, Member):
            # The identity index stops naming them: the same person may register again.
            fields = self.personal.open(subject.id, subject.personal)
            index = self._release_identity(self._identity(fields), subject.id) if fields else None
            released += [index] if index is not None else []
        erasure = Erasure(  # type: ignore[call-arg]
            id=Erasure.id_for(subject.id),
            subject_id=subject.id,
            subject_kind=kind.value,
            reason=reason,
            subjects=subjects,
        )
        # The event first: a crash before the keys go leaves a record that a re-run
        # completes; never a person erased without a trace.
        position = self._commit(*released, erasure)
        return ErasureReceipt(
            erasure.id,
            position,
            subject_id=subject.id,
            subject_kind=kind.value,
            erased=subjects,
            purged=self._destroy_keys(subjects),
        )

    def _contact(
        self,
        kind: SubjectKind,
        subject: Member | Household | Request | Wish,
        actor: Principal,
    ) -> dict[str, str | None]:
        """The subject's contact details that have a value, opened."""
        actor.require(
            Permission.ROSTER_READ
            if kind in (SubjectKind.MEMBER, SubjectKind.HOUSEHOLD)
            else Permission.REQUESTS_READ
        )
        opened = self.personal.open(subject.id, subject.personal)
        if opened is None:
            raise ErasedError()
        return {f: opened[f] for f in CONTACT_FIELDS[kind] if opened.get(f)}

    @command(Permission.PERSONAL_REVEAL)
    def reveal_contact(
        self, subject_id: UUID | str, reason: str, *, actor: Principal
    ) -> DisclosedContact:
        """A person's contact details in clear, for one showing that is recorded: who
        looked, at whom, why, which fields. A household's request shows the household's."""
        reason = v.text("reason", reason, max_len=500)
        kind, subject = self._subject(subject_id)
        shown = self._contact(kind, subject, actor)
        if not shown and isinstance(subject, Request) and subject.requester_id is not None:
            kind, subject = (
                SubjectKind.HOUSEHOLD,
                self._get(Household, subject.requester_id, "household"),
            )
            shown = self._contact(kind, subject, actor)
        if not shown:
            raise PrivacyError("no_contact", "there are no contact details to show")
        disclosure = Disclosure(  # type: ignore[call-arg]
            id=uuid4(),
            subject_id=subject.id,
            subject_kind=kind.value,
            reason=reason,
            fields=list(shown),
        )
        return DisclosedContact(
            disclosure.id,
            self._commit(disclosure),
            subject_id=subject.id,
            subject_kind=kind.value,
            fields=shown,
        )

    # -- history ---------------------------------------------------------------------

    #: Who may read the history of each kind of aggregate.
    HISTORY_RIGHTS: ClassVar[dict[type[Aggregate], Permission]] = {
        OrgUnit: Permission.ROSTER_READ,
        Member: Permission.ROSTER_READ,
        ResidentUnit: Permission.ROSTER_READ,
        Household: Permission.ROSTER_READ,
        HouseholdLink: Permission.ROSTER_READ,
        Account: Permission.ACCOUNTS_READ,
        PersonIndex: Permission.AUDIT_READ,
        Category: Permission.REQUESTS_READ,
        Request: Permission.REQUESTS_READ,
        Wish: Permission.REQUESTS_READ,
        Need: Permission.REQUESTS_READ,
        UnitClaims: Permission.REQUESTS_READ,
        ReceiptCode: Permission.AUDIT_READ,
        Rule: Permission.POINTS_READ,
        Ledger: Permission.POINTS_READ,
        Activity: Permission.POINTS_READ,
        Adjustment: Permission.POINTS_READ,
        Period: Permission.POINTS_READ,
        Objection: Permission.POINTS_READ,
        Selection: Permission.POINTS_READ,
        Erasure: Permission.AUDIT_READ,
        Disclosure: Permission.AUDIT_READ,
    }
    #: Sealed texts of the four orders that readers of a history see opened.
    OPENED_TEXTS: ClassVar[frozenset[str]] = frozenset({"note", "solution", "comment", "text"})

    def get_history(
        self,
        aggregate_id: UUID | str,
        *,
        actor: Principal,
        kind: type[Aggregate] | None = None,
    ) -> list[HistoryEntry]:
        """Every event of one aggregate: who, when, what; sealed fields stay sealed
        ("[erased]" once their subject is erased), the orders' notes are opened.

        With `kind`, anything else reads as not found (a member's history page never
        shows an account's); the right needed depends on what the aggregate is.
        """
        ident = v.uuid("id", aggregate_id)
        events: list[Any] = list(self.events.get(ident))
        if not events:
            raise NotFoundError(kind.__name__.lower() if kind else "record", ident)
        cls = resolve_topic(events[0].originator_topic)
        if kind is not None and not issubclass(cls, kind):
            raise NotFoundError(kind.__name__.lower(), ident)
        actor.require(self.HISTORY_RIGHTS.get(cls, Permission.AUDIT_READ))
        # Whose key seals what: a link's contact notes are the household's.
        subject = events[0].household_id if cls is HouseholdLink else ident
        marks: list[str] = []

        def sealed() -> str:
            if not marks:  # asked once, and only of a history that holds something sealed
                marks.append(ERASED if self.is_erased(subject) else "[sealed]")
            return marks[0]

        entries = []
        for e in events:
            data = {
                k: val
                for k, val in dataclasses.asdict(e).items()
                if k
                not in {
                    "originator_id",
                    "originator_version",
                    "timestamp",
                    "actor",
                    "originator_topic",
                }
            }
            if data.get("personal"):
                data["personal"] = sealed()
            opens = cls in (Request, Wish, Need, Objection)
            for key in self.OPENED_TEXTS:
                if is_sealed(data.get(key)):
                    data[key] = self.open_text(ident, data[key]) if opens else sealed()
            entries.append(
                HistoryEntry(
                    version=e.originator_version,
                    event=type(e).__qualname__,
                    timestamp=e.timestamp,
                    actor=getattr(e, "actor", ""),
                    fields=data,
                )
            )
        return entries
