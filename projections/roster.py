"""The roster read model: the organization tree with counts, members, households, links.

Names and phones are kept here in clear for staff search (this is a staff-only read
model, never a public one); its queries answer phones masked and rooms withheld (a
recorded disclosure shows them). An erasure blanks what was opened, exactly as a rebuild
(which can no longer open it) leaves it: "[erased]" and NULLs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent
from sqlalchemy.engine import Connection

from domain import validation as v
from domain.access import Permission, Principal
from domain.errors import InvalidInputError, NotFoundError
from domain.personal import ERASED, KeyStore, PersonalData, mask_phone
from domain.privacy import SubjectKind
from projections.db import Database, UTCDateTime, metadata
from projections.history import temporal, with_histories
from projections.queries import Page, check_page, contains
from projections.runner import Changes, Projection
from projections.stores import SQLKeyStore, subject_keys

units = sa.Table(
    "roster_units",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("parent_id", sa.Uuid, index=True),
    sa.Column("kind", sa.String(16)),
    sa.Column("area", sa.String(80)),
    sa.Column("place", sa.String(80)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("position", sa.BigInteger, nullable=False),
)

appointments = sa.Table(
    "roster_appointments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("unit_id", sa.Uuid, nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("label", sa.String(80)),
    sa.Column("since", sa.Date, nullable=False),
    sa.Column("ended_on", sa.Date),
)

members = sa.Table(
    "roster_members",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False, index=True),
    sa.Column("phone", sa.String(20)),
    sa.Column("gender", sa.String(8)),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid, nullable=False, index=True),
    sa.Column("group_id", sa.Uuid, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("resident_unit_id", sa.Uuid, index=True),
    sa.Column("joined_party_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("registered_at", UTCDateTime, nullable=False),
    sa.Column("deregistered_on", sa.Date),
    sa.Column("deregistration_cause", sa.String(20)),
    sa.Column("position", sa.BigInteger, nullable=False),
)

resident_units = sa.Table(
    "roster_resident_units",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("registered_at", UTCDateTime, nullable=False),
)

households = sa.Table(
    "roster_households",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid, nullable=False, index=True),
    sa.Column("group_id", sa.Uuid),
    sa.Column("building", sa.String(40), nullable=False),
    sa.Column("unit", sa.String(20)),
    sa.Column("room", sa.String(20)),
    sa.Column("head_name", sa.String(40), nullable=False),
    sa.Column("head_phone", sa.String(20)),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("registered_at", UTCDateTime, nullable=False),
)

links = sa.Table(
    "roster_links",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("household_id", sa.Uuid, nullable=False, index=True),
    sa.Column("since", sa.Date, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("contacts", sa.Integer, nullable=False),
    sa.Column("last_contact_on", sa.Date),
)

contacts = sa.Table(
    "roster_contacts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("link_id", sa.Uuid, nullable=False, index=True),
    sa.Column("member_id", sa.Uuid, nullable=False, index=True),
    sa.Column("household_id", sa.Uuid, nullable=False, index=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    # Sealed with the household's key; opened only for display.
    sa.Column("note_sealed", sa.Text),
    sa.Column("logged_by", sa.String(64), nullable=False),
    sa.Column("logged_at", UTCDateTime, nullable=False),
)

# The roster's past (as of any log position): names, phones and rooms are not kept there.
temporal(units)
temporal(appointments)
temporal(members, personal=("name", "phone", "gender"))
temporal(resident_units)
temporal(households, personal=("unit", "room", "head_name", "head_phone"))
temporal(links)

ROSTER_TABLES = with_histories(
    units, appointments, members, resident_units, households, links, contacts
)


#: The events whose `personal` blob the roster opens (members' and households' fields).
_PERSONAL = frozenset(
    {"Member.Registered", "Member.Corrected", "Household.Registered", "Household.Corrected"}
)


class _FoundKeys:
    """The subject keys of one batch, read in one query; others from the key store."""

    def __init__(self, found: dict[UUID, bytes], asked: set[UUID], store: KeyStore) -> None:
        self.found = found
        self.asked = asked
        self.store = store

    def get_key(self, subject_id: UUID) -> bytes | None:
        if subject_id in self.asked:
            return self.found.get(subject_id)
        return self.store.get_key(subject_id)

    def get_or_create_key(self, subject_id: UUID) -> bytes:
        raise NotImplementedError("a read model never creates keys")

    def destroy_key(self, subject_id: UUID) -> None:
        raise NotImplementedError("a read model never destroys keys")

    def pepper(self) -> bytes:
        return self.store.pepper()


def bulk_opener(personal: PersonalData, subjects: set[UUID]) -> PersonalData | None:
    """Something that opens the sealed fields of `subjects` with their keys read in a few
    queries (500 at a time) instead of one per event; None when there is nothing to read
    or the keys are not kept in the database."""
    store = personal.keys
    if not subjects or not isinstance(store, SQLKeyStore):
        return None
    found: dict[UUID, bytes] = {}
    asked = sorted(subjects)
    with store.db.read.connect() as conn:
        for i in range(0, len(asked), 500):
            query = sa.select(subject_keys.c.subject_id, subject_keys.c.key).where(
                subject_keys.c.subject_id.in_(asked[i : i + 500])
            )
            found.update(conn.execute(query).tuples().all())
    return PersonalData(_FoundKeys(found, subjects, store))


class RosterProjection(Projection):
    """Builds the roster tables from roster events."""

    name = "roster"
    tables = ROSTER_TABLES

    def __init__(self, personal: PersonalData) -> None:
        self.personal = personal
        self.handle_with(
            {
                "OrgUnit.Opened": self._unit_opened,
                "OrgUnit.Renamed": self._unit_renamed,
                "OrgUnit.Closed": self._unit_closed,
                "OrgUnit.Appointed": self._appointed,
                "OrgUnit.AppointmentEnded": self._appointment_ended,
                "Member.Registered": self._member_registered,
                "Member.Transferred": self._member_transferred,
                "Member.Corrected": self._member_corrected,
                "Member.Deregistered": self._member_deregistered,
                "ResidentUnit.Registered": self._ru_registered,
                "ResidentUnit.Renamed": self._ru_renamed,
                "ResidentUnit.Closed": self._ru_closed,
                "Household.Registered": self._household_registered,
                "Household.Corrected": self._household_corrected,
                "Household.Closed": self._household_closed,
                "HouseholdLink.Linked": self._linked,
                "HouseholdLink.Relinked": self._relinked,
                "HouseholdLink.Unlinked": self._unlinked,
                "HouseholdLink.ContactLogged": self._contact_logged,
                "Erasure.Recorded": self._erased,
            }
        )

    def prepare(self, changes: Changes, batch: Sequence[tuple[DomainEvent, int]]) -> None:
        """Read in bulk the links whose contacts the batch counts and the subjects' keys."""
        links_counted: list[UUID] = []
        subjects: set[UUID] = set()
        for e, _ in batch:
            kind = type(e).__qualname__
            if kind == "HouseholdLink.ContactLogged":
                links_counted.append(e.originator_id)
            elif kind in _PERSONAL and getattr(e, "personal", None):
                subjects.add(e.originator_id)
        changes.load(links, links_counted)
        opener = bulk_opener(self.personal, subjects)
        if opener is not None:
            changes.memo[self.name] = opener

    # -- units --
    def _unit_opened(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            units,
            id=e.originator_id,
            level=e.level,
            name=e.name,
            parent_id=e.parent_id,
            kind=e.kind,
            area=e.area,
            place=e.place,
            status="open",
            opened_at=e.timestamp,
            closed_at=None,
            position=position,
        )

    def _unit_renamed(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(units, e.originator_id, name=e.name)

    def _unit_closed(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(units, e.originator_id, status="closed", closed_at=e.timestamp)

    def _appointed(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            appointments,
            id=e.appointment_id,
            unit_id=e.originator_id,
            role=e.role,
            member_id=e.member_id,
            label=e.label,
            since=e.since,
            ended_on=None,
        )

    def _appointment_ended(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(appointments, e.appointment_id, ended_on=e.ended_on)

    # -- members --
    def _open(self, changes: Changes, subject: UUID, sealed: str) -> dict[str, Any]:
        personal: PersonalData = changes.memo.get(self.name) or self.personal
        return personal.open(subject, sealed) or {"name": ERASED}

    def _member_registered(self, changes: Changes, e: Any, position: int) -> None:
        f = self._open(changes, e.originator_id, e.personal)
        changes.insert(
            members,
            id=e.originator_id,
            name=f.get("name") or ERASED,
            phone=f.get("phone"),
            gender=f.get("gender"),
            community_id=e.community_id,
            branch_id=e.branch_id,
            group_id=e.group_id,
            kind=e.kind,
            resident_unit_id=e.resident_unit_id,
            joined_party_on=e.joined_party_on,
            status="active",
            registered_at=e.timestamp,
            deregistered_on=None,
            deregistration_cause=None,
            position=position,
        )

    def _member_transferred(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            members,
            e.originator_id,
            community_id=e.community_id,
            branch_id=e.branch_id,
            group_id=e.group_id,
        )

    def _member_corrected(self, changes: Changes, e: Any, position: int) -> None:
        values: dict[str, Any] = {
            k: e.changes[k]
            for k in ("kind", "resident_unit_id", "joined_party_on")
            if k in e.changes
        }
        if e.personal:
            f = self._open(changes, e.originator_id, e.personal)
            values.update(
                name=f.get("name") or ERASED, phone=f.get("phone"), gender=f.get("gender")
            )
        if values:
            changes.update(members, e.originator_id, **values)

    def _member_deregistered(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            members,
            e.originator_id,
            status="deregistered",
            deregistered_on=e.on,
            deregistration_cause=e.cause,
        )

    # -- resident units --
    def _ru_registered(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            resident_units,
            id=e.originator_id,
            name=e.name,
            kind=e.kind,
            community_id=e.community_id,
            status="open",
            registered_at=e.timestamp,
        )

    def _ru_renamed(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(resident_units, e.originator_id, name=e.name)

    def _ru_closed(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(resident_units, e.originator_id, status="closed")

    # -- households --
    def _household_registered(self, changes: Changes, e: Any, position: int) -> None:
        f = self._open(changes, e.originator_id, e.personal)
        changes.insert(
            households,
            id=e.originator_id,
            community_id=e.community_id,
            branch_id=e.branch_id,
            group_id=e.group_id,
            building=e.building,
            unit=f.get("unit"),
            room=f.get("room"),
            head_name=f.get("head_name") or ERASED,
            head_phone=f.get("head_phone"),
            size=e.size,
            status="open",
            registered_at=e.timestamp,
        )

    def _household_corrected(self, changes: Changes, e: Any, position: int) -> None:
        values: dict[str, Any] = {k: e.changes[k] for k in ("building", "size") if k in e.changes}
        if e.personal:
            f = self._open(changes, e.originator_id, e.personal)
            values.update(
                unit=f.get("unit"),
                room=f.get("room"),
                head_name=f.get("head_name") or ERASED,
                head_phone=f.get("head_phone"),
            )
        if values:
            changes.update(households, e.originator_id, **values)

    def _household_closed(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(households, e.originator_id, status="closed")

    # -- erasure: what was opened into the tables goes, as a rebuild would leave it --
    def _erased(self, changes: Changes, e: Any, position: int) -> None:
        if e.subject_kind == SubjectKind.MEMBER:
            changes.update(members, e.subject_id, name=ERASED, phone=None, gender=None)
        elif e.subject_kind == SubjectKind.HOUSEHOLD:
            changes.update(
                households, e.subject_id, unit=None, room=None, head_name=ERASED, head_phone=None
            )

    # -- links --
    def _linked(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            links,
            id=e.originator_id,
            member_id=e.member_id,
            household_id=e.household_id,
            since=e.since,
            active=True,
            contacts=0,
            last_contact_on=None,
        )

    def _relinked(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(links, e.originator_id, active=True, since=e.since)

    def _unlinked(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(links, e.originator_id, active=False)

    def _contact_logged(self, changes: Changes, e: Any, position: int) -> None:
        link = changes.row(links, e.originator_id)
        changes.insert(
            contacts,
            id=e.entry_id,
            link_id=e.originator_id,
            member_id=link["member_id"],
            household_id=link["household_id"],
            on=e.on,
            channel=e.channel,
            note_sealed=e.note,
            logged_by=e.actor,
            logged_at=e.timestamp,
        )
        last = max(d for d in (link["last_contact_on"], e.on) if d is not None)
        changes.update(links, e.originator_id, contacts=link["contacts"] + 1, last_contact_on=last)


# -- queries --------------------------------------------------------------------------


@dataclass
class UnitNode:
    """A unit of the tree with its counts and children."""

    id: UUID
    level: str
    name: str
    kind: str | None
    area: str | None
    place: str | None
    status: str
    parent_id: UUID | None
    counts: dict[str, int] = field(default_factory=dict)
    children: list[UnitNode] = field(default_factory=list)


@dataclass(frozen=True)
class MemberRow:
    id: UUID
    name: str
    phone: str | None
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


def _withheld(row: dict[str, Any]) -> dict[str, Any]:
    """A household's row as staff lists show it: the phone masked, unit and room withheld
    (a recorded disclosure shows them; the search still finds by the phone)."""
    row.update(unit=None, room=None)
    if "head_phone" in row:
        row["head_phone"] = mask_phone(row["head_phone"]) or None
    return row


def _count(conn: Connection, column: sa.Column[Any], *where: Any) -> dict[UUID, int]:
    query = sa.select(column, sa.func.count()).where(*where).group_by(column)
    return {k: n for k, n in conn.execute(query) if k is not None}


class SQLAlchemyRosterView:
    """Queries over the roster read model; every query checks the reader's right."""

    def __init__(self, db: Database, wait_for: Callable[[int], None]) -> None:
        self.db = db
        self.wait_for = wait_for

    def _prepare(self, actor: Principal, min_position: int) -> None:
        actor.require(Permission.ROSTER_READ)
        self.wait_for(min_position)

    def tree(
        self, *, actor: Principal, min_position: int = 0, include_closed: bool = False
    ) -> list[UnitNode]:
        """The organization tree with counts at every level."""
        self._prepare(actor, min_position)
        active = members.c.status == "active"
        with self.db.read.connect() as conn:
            # Siblings in the order they were opened (第一, 第二, 第三 …), not by code point.
            query = sa.select(units).order_by(units.c.position)
            if not include_closed:
                query = query.where(units.c.status == "open")
            rows = conn.execute(query).all()
            by_branch = _count(conn, members.c.branch_id, active)
            by_group = _count(conn, members.c.group_id, active)
            by_community = _count(conn, members.c.community_id, active)
            no_group = _count(conn, members.c.branch_id, active, members.c.group_id.is_(None))
            in_service = _count(conn, members.c.branch_id, active, members.c.kind == "in_service")
            in_service_c = _count(
                conn, members.c.community_id, active, members.c.kind == "in_service"
            )
            open_h = households.c.status == "open"
            hh_branch = _count(conn, households.c.branch_id, open_h)
            hh_group = _count(conn, households.c.group_id, open_h)
            hh_community = _count(conn, households.c.community_id, open_h)
            ru_community = _count(
                conn, resident_units.c.community_id, resident_units.c.status == "open"
            )
        nodes = {
            r.id: UnitNode(r.id, r.level, r.name, r.kind, r.area, r.place, r.status, r.parent_id)
            for r in rows
        }
        roots: list[UnitNode] = []
        for node in nodes.values():
            parent = nodes.get(node.parent_id) if node.parent_id else None
            (parent.children if parent else roots).append(node)
        for node in nodes.values():
            if node.level == "community":
                node.counts = {
                    "branches": sum(1 for c in node.children if c.level == "branch"),
                    "members": by_community.get(node.id, 0),
                    "in_service": in_service_c.get(node.id, 0),
                    "households": hh_community.get(node.id, 0),
                    "resident_units": ru_community.get(node.id, 0),
                }
            elif node.level == "branch":
                node.counts = {
                    "groups": sum(1 for c in node.children if c.level == "group"),
                    "members": by_branch.get(node.id, 0),
                    "members_no_group": no_group.get(node.id, 0),
                    "in_service": in_service.get(node.id, 0),
                    "households": hh_branch.get(node.id, 0),
                }
            elif node.level == "group":
                node.counts = {
                    "members": by_group.get(node.id, 0),
                    "households": hh_group.get(node.id, 0),
                }
            else:
                node.counts = {
                    "communities": sum(1 for c in node.children if c.level == "community"),
                    "members": sum(by_community.get(c.id, 0) for c in node.children),
                }
        return roots

    def unit(self, unit_id: UUID, *, actor: Principal, min_position: int = 0) -> dict[str, Any]:
        """One unit with its current appointments."""
        self._prepare(actor, min_position)
        with self.db.read.connect() as conn:
            row = conn.execute(sa.select(units).where(units.c.id == unit_id)).first()
            if row is None:
                raise NotFoundError("unit", unit_id)
            posts = conn.execute(
                sa.select(appointments, members.c.name.label("member_name"))
                .join(members, members.c.id == appointments.c.member_id)
                .where(appointments.c.unit_id == unit_id, appointments.c.ended_on.is_(None))
                .order_by(appointments.c.role, appointments.c.since)
            ).all()
        return {**row._asdict(), "appointments": [p._asdict() for p in posts]}

    def search_members(
        self,
        query: str = "",
        *,
        actor: Principal,
        unit_id: UUID | None = None,
        status: str | None = "active",
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Members whose name or phone contains `query`, optionally within one unit."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        branch = units.alias("branch")
        group = units.alias("grp")
        linked = (
            sa.select(sa.func.count())
            .where(links.c.member_id == members.c.id, links.c.active.is_(True))
            .scalar_subquery()
        )
        where: list[Any] = []
        q = (query or "").strip()
        if len(q) > 40:
            raise InvalidInputError("q", "is longer than 40 characters")
        if q:
            where.append(contains(q, members.c.name, members.c.phone))
        if unit_id is not None:
            where.append(
                sa.or_(
                    members.c.community_id == unit_id,
                    # a subdistrict: the members of its communities
                    members.c.community_id.in_(
                        sa.select(units.c.id).where(units.c.parent_id == unit_id)
                    ),
                    members.c.branch_id == unit_id,
                    members.c.group_id == unit_id,
                    members.c.resident_unit_id == unit_id,
                )
            )
        if status:
            where.append(members.c.status == status)
        base = (
            sa.select(
                members,
                branch.c.name.label("branch_name"),
                group.c.name.label("group_name"),
                linked.label("households_linked"),
            )
            .join(branch, branch.c.id == members.c.branch_id)
            .outerjoin(group, group.c.id == members.c.group_id)
            .where(*where)
        )
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(members).where(*where)
            ).scalar_one()
            rows = conn.execute(
                base.order_by(members.c.name, members.c.id).offset(offset).limit(limit)
            ).all()
        items = [
            MemberRow(
                id=r.id,
                name=r.name,
                phone=mask_phone(r.phone) or None,
                gender=r.gender,
                community_id=r.community_id,
                branch_id=r.branch_id,
                branch_name=r.branch_name,
                group_id=r.group_id,
                group_name=r.group_name,
                kind=r.kind,
                status=r.status,
                joined_party_on=r.joined_party_on,
                households_linked=r.households_linked,
            )
            for r in rows
        ]
        return Page(items, total, offset, limit)

    def list_resident_units(
        self, *, actor: Principal, community_id: UUID | None = None, min_position: int = 0
    ) -> list[dict[str, Any]]:
        self._prepare(actor, min_position)
        in_service = (
            sa.select(sa.func.count())
            .where(members.c.resident_unit_id == resident_units.c.id, members.c.status == "active")
            .scalar_subquery()
        )
        query = sa.select(resident_units, in_service.label("members")).order_by(
            resident_units.c.name, resident_units.c.id
        )
        if community_id is not None:
            query = query.where(resident_units.c.community_id == community_id)
        with self.db.read.connect() as conn:
            return [r._asdict() for r in conn.execute(query)]

    def list_households(
        self,
        *,
        actor: Principal,
        unit_id: UUID | None = None,
        query: str = "",
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where: list[Any] = [households.c.status == "open"]
        if unit_id is not None:
            where.append(
                sa.or_(
                    households.c.community_id == unit_id,
                    households.c.branch_id == unit_id,
                    households.c.group_id == unit_id,
                )
            )
        q = (query or "").strip()
        if q:
            where.append(
                contains(q, households.c.head_name, households.c.head_phone, households.c.building)
            )
        linked = (
            sa.select(sa.func.count())
            .where(links.c.household_id == households.c.id, links.c.active.is_(True))
            .scalar_subquery()
        )
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(households).where(*where)
            ).scalar_one()
            rows = conn.execute(
                sa.select(households, linked.label("members_linked"))
                .where(*where)
                .order_by(
                    households.c.building, households.c.unit, households.c.room, households.c.id
                )
                .offset(offset)
                .limit(limit)
            ).all()
        return Page([_withheld(r._asdict()) for r in rows], total, offset, limit)

    def member_links(
        self, member_id: UUID, *, actor: Principal, min_position: int = 0
    ) -> list[dict[str, Any]]:
        """A member's linked households with their contact counts."""
        self._prepare(actor, min_position)
        with self.db.read.connect() as conn:
            rows = conn.execute(
                sa.select(
                    links,
                    households.c.building,
                    households.c.unit,
                    households.c.room,
                    households.c.head_name,
                )
                .join(households, households.c.id == links.c.household_id)
                .where(links.c.member_id == member_id)
                .order_by(links.c.active.desc(), households.c.building, households.c.id)
            ).all()
        return [_withheld(r._asdict()) for r in rows]

    def contact_log(
        self,
        *,
        actor: Principal,
        member_id: UUID | None = None,
        household_id: UUID | None = None,
        limit: int = 100,
        min_position: int = 0,
    ) -> list[dict[str, Any]]:
        """Contact-log entries (notes still sealed), newest first."""
        self._prepare(actor, min_position)
        query = sa.select(contacts).order_by(contacts.c.on.desc(), contacts.c.logged_at.desc())
        if member_id is not None:
            query = query.where(contacts.c.member_id == member_id)
        if household_id is not None:
            query = query.where(contacts.c.household_id == household_id)
        with self.db.read.connect() as conn:
            return [r._asdict() for r in conn.execute(query.limit(limit))]

    def contact_counts(
        self, member_id: UUID, *, actor: Principal, year: int, min_position: int = 0
    ) -> dict[UUID, int]:
        """How many contacts a member logged with each household in a year (households
        with none are left out)."""
        self._prepare(actor, min_position)
        year = v.positive_int("year", year, maximum=9999)
        with self.db.read.connect() as conn:
            return _count(
                conn,
                contacts.c.household_id,
                contacts.c.member_id == member_id,
                contacts.c.on >= date(year, 1, 1),
                contacts.c.on <= date(year, 12, 31),
            )

    def household_links(
        self, household_id: UUID, *, actor: Principal, min_position: int = 0
    ) -> list[dict[str, Any]]:
        """The members linked to a household (current links first), each with the link's
        start, its contacts of all time and the last contact's day."""
        self._prepare(actor, min_position)
        with self.db.read.connect() as conn:
            rows = conn.execute(
                sa.select(
                    links.c.member_id,
                    members.c.name,
                    links.c.since,
                    links.c.active,
                    links.c.contacts,
                    links.c.last_contact_on,
                )
                .join(members, members.c.id == links.c.member_id)
                .where(links.c.household_id == household_id)
                .order_by(links.c.active.desc(), links.c.since, members.c.name, links.c.id)
            ).all()
        return [r._asdict() for r in rows]

    # -- what the application asks of the read model (RosterOccupancy) --

    def _count(self, *where: Any) -> int:
        with self.db.read.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one())

    def open_children(self, unit_id: UUID) -> int:
        return self._count(units.c.parent_id == unit_id, units.c.status == "open")

    def active_members(self, unit_id: UUID) -> int:
        return self._count(
            members.c.status == "active",
            sa.or_(
                members.c.community_id == unit_id,
                members.c.branch_id == unit_id,
                members.c.group_id == unit_id,
                members.c.resident_unit_id == unit_id,
            ),
        )

    def open_households(self, unit_id: UUID) -> int:
        return self._count(
            households.c.status == "open",
            sa.or_(
                households.c.community_id == unit_id,
                households.c.branch_id == unit_id,
                households.c.group_id == unit_id,
            ),
        )
