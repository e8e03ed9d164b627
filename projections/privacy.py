"""The personal-data read model: who was shown whose contact details and why, who was
erased, and which requests and micro-wishes each household placed (what an erasure of
the household also erases).

It keeps ids, kinds, staff names and their reasons - no personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.access import Permission, Principal
from domain.privacy import SubjectKind
from projections.db import Database, UTCDateTime, metadata
from projections.queries import Page, allow, check_page
from projections.runner import Changes, Projection

household_items = sa.Table(
    "privacy_household_items",
    metadata,
    sa.Column("item_id", sa.Uuid, primary_key=True),
    sa.Column("household_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
)

disclosures = sa.Table(
    "privacy_disclosures",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("subject_id", sa.Uuid, nullable=False, index=True),
    sa.Column("subject_kind", sa.String(16), nullable=False),
    sa.Column("viewer", sa.String(64), nullable=False, index=True),
    sa.Column("reason", sa.Text, nullable=False),
    # The names of the fields shown (never their values), comma-separated.
    sa.Column("fields", sa.String(120), nullable=False),
    sa.Column("disclosed_at", UTCDateTime, nullable=False, index=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

erasures = sa.Table(
    "privacy_erasures",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("subject_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("subject_kind", sa.String(16), nullable=False),
    sa.Column("erased_by", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("subjects", sa.Integer, nullable=False),
    sa.Column("erased_at", UTCDateTime, nullable=False, index=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

PRIVACY_TABLES = (household_items, disclosures, erasures)

DISCLOSURE_FIELDS = (
    "id",
    "subject_id",
    "subject_kind",
    "viewer",
    "reason",
    "fields",
    "disclosed_at",
    "position",
)
ERASURE_FIELDS = (
    "id",
    "subject_id",
    "subject_kind",
    "erased_by",
    "reason",
    "subjects",
    "erased_at",
    "position",
)


class PrivacyProjection(Projection):
    """Builds the disclosures, the erasures and the households' items from their events."""

    name = "privacy"
    tables = PRIVACY_TABLES

    def __init__(self) -> None:
        self.handle_with(
            {
                "Request.Placed": self._request_placed,
                "Wish.Posted": self._wish_posted,
                "Disclosure.Recorded": self._disclosed,
                "Erasure.Recorded": self._erased,
            }
        )

    def _request_placed(self, changes: Changes, e: Any, position: int) -> None:
        if e.requester_id is not None:
            changes.insert(
                household_items,
                item_id=e.originator_id,
                household_id=e.requester_id,
                kind=SubjectKind.REQUEST.value,
            )

    def _wish_posted(self, changes: Changes, e: Any, position: int) -> None:
        if e.household_id is not None:
            changes.insert(
                household_items,
                item_id=e.originator_id,
                household_id=e.household_id,
                kind=SubjectKind.WISH.value,
            )

    def _disclosed(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            disclosures,
            id=e.originator_id,
            subject_id=e.subject_id,
            subject_kind=e.subject_kind,
            viewer=e.actor,
            reason=e.reason,
            fields=",".join(e.fields),
            disclosed_at=e.timestamp,
            position=position,
        )

    def _erased(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            erasures,
            id=e.originator_id,
            subject_id=e.subject_id,
            subject_kind=e.subject_kind,
            erased_by=e.actor,
            reason=e.reason,
            subjects=len(e.subjects),
            erased_at=e.timestamp,
            position=position,
        )


class SQLAlchemyPrivacyView:
    """Who looked at whom, and who was erased: for the audit's readers."""

    def __init__(self, db: Database, wait_for: Callable[[int], None]) -> None:
        self.db = db
        self.wait_for = wait_for

    def _prepare(self, actor: Principal, min_position: int) -> None:
        actor.require(Permission.AUDIT_READ)
        self.wait_for(min_position)

    def disclosures(
        self,
        *,
        actor: Principal,
        subject_id: UUID | None = None,
        viewer: str | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Showings of contact details, newest first: of one person, or by one account."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where: list[Any] = []
        if subject_id is not None:
            where.append(disclosures.c.subject_id == subject_id)
        if viewer:
            where.append(disclosures.c.viewer == viewer)
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(disclosures).where(*where)
            ).scalar_one()
            rows = conn.execute(
                sa.select(disclosures)
                .where(*where)
                .order_by(disclosures.c.position.desc())
                .offset(offset)
                .limit(limit)
            ).mappings()
            items = [
                allow(DISCLOSURE_FIELDS, {**r, "fields": r["fields"].split(",")}) for r in rows
            ]
        return Page(items, total, offset, limit)

    def erasures(
        self, *, actor: Principal, offset: int = 0, limit: int = 50, min_position: int = 0
    ) -> Page:
        """Every erasure, newest first: whom (by id), by whom, why, how many keys."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        with self.db.read.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(erasures)).scalar_one()
            rows = conn.execute(
                sa.select(erasures).order_by(erasures.c.position.desc()).offset(offset).limit(limit)
            ).mappings()
            items = [allow(ERASURE_FIELDS, dict(r)) for r in rows]
        return Page(items, total, offset, limit)

    def items_of(self, household_id: UUID) -> list[UUID]:
        """The requests and micro-wishes placed for a household (the Application checks
        each against its own events before erasing it)."""
        with self.db.read.connect() as conn:
            return list(
                conn.execute(
                    sa.select(household_items.c.item_id)
                    .where(household_items.c.household_id == household_id)
                    .order_by(household_items.c.item_id)
                ).scalars()
            )
