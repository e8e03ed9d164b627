"""The four orders' read model: the category catalogue, the request board, micro-wishes
and alliance needs, with the staff's queues and statistics and the public ledger.

The board is staff-only. Of a request's personal data it keeps an excerpt of the
description (opened from the sealed blob; "[erased]" once the request's key is gone)
and nothing else: no contact, no requester. Overdue is never stored: the board keeps
the due times the clock had when it last stopped or started (placement plus the limit
plus the pauses so far, and the start of a running pause), and every query works out
overdue in SQL against the `now` it is given.

Public outputs (the ledger, a published outcome, published wishes and needs) build their
items from explicit allowlists, so that a column added to a table later can never reach
the public by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from statistics import median
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import DomainEvent

from domain import validation as v
from domain.access import Permission, Principal
from domain.errors import InvalidInputError, NotFoundError
from domain.personal import ERASED, PersonalData, mask_name
from domain.requests import RequesterKind, RequestState, Satisfaction
from domain.wishes import WishState
from projections.db import Database, UTCDateTime, metadata
from projections.history import temporal, with_histories
from projections.queries import Page, allow, check_page, contains
from projections.roster import bulk_opener, members, resident_units, units
from projections.runner import Changes, Handler, Projection

EXCERPT_CHARS = 80
#: The years a date filter may name (outside them there is nothing, and far outside
#: them the date arithmetic would overflow).
FIRST_YEAR, LAST_YEAR = 1900, 2999

categories = sa.Table(
    "requests_categories",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name_zh", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("claim_hours", sa.Integer, nullable=False),
    sa.Column("resolve_hours", sa.Integer, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

board = sa.Table(
    "requests_board",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("receipt_code", sa.String(16), nullable=False, unique=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("category", sa.String(32), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("urgency", sa.String(8), nullable=False),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid, index=True),
    sa.Column("building", sa.String(40)),
    sa.Column("requester_kind", sa.String(16), nullable=False),
    # The first 80 characters of the description (staff only; "[erased]" once erased).
    sa.Column("excerpt", sa.String(EXCERPT_CHARS), nullable=False),
    sa.Column("claimant_id", sa.Uuid, index=True),
    sa.Column("placed_at", UTCDateTime, nullable=False, index=True),
    sa.Column("claim_hours", sa.Integer, nullable=False),
    sa.Column("resolve_hours", sa.Integer, nullable=False),
    # The clock: pauses ended so far, the start of a running pause, and the due times
    # without the running pause (placed_at + hours + paused_us).
    sa.Column("paused_us", sa.BigInteger, nullable=False),
    sa.Column("paused_since", UTCDateTime),
    sa.Column("claim_due_base", UTCDateTime, nullable=False),
    sa.Column("due_base", UTCDateTime, nullable=False, index=True),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("presses", sa.Integer, nullable=False),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("reopened", sa.Integer, nullable=False),
    sa.Column("moves", sa.Integer, nullable=False),
    sa.Column("satisfaction", sa.String(24)),
    sa.Column("summary", sa.Text),
    sa.Column("published_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

wishes = sa.Table(
    "requests_wishes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("title", sa.String(60), nullable=False),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid),
    sa.Column("claimant_id", sa.Uuid, index=True),
    sa.Column("posted_at", UTCDateTime, nullable=False),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("fulfilled_at", UTCDateTime),
    sa.Column("published_at", UTCDateTime),
    sa.Column("summary", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

needs = sa.Table(
    "requests_needs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("title", sa.String(60), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("alliance", sa.String(60), nullable=False),
    sa.Column("community_id", sa.Uuid, nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid),
    sa.Column("resident_unit_id", sa.Uuid, index=True),
    sa.Column("listed_at", UTCDateTime, nullable=False),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("fulfilled_at", UTCDateTime),
    sa.Column("published_at", UTCDateTime),
    sa.Column("summary", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# The board's past (as of any log position); the description's excerpt is not kept there.
temporal(board, personal=("excerpt",))
temporal(wishes)
temporal(needs)

REQUESTS_TABLES = with_histories(categories, board, wishes, needs)

#: The clock runs and a request can be late in these states.
RUNNING = (RequestState.PLACED.value, RequestState.CLASSIFIED.value, RequestState.CLAIMED.value)
#: Not done yet (the domain's WORKING): pressed or escalated requests here want attention.
WORKING = (*RUNNING, RequestState.RESOLVED.value)
#: The supervisor accepted the resolution: the work is done.
DONE = (
    RequestState.ACCEPTED.value,
    RequestState.VISITED.value,
    RequestState.PUBLISHED.value,
    RequestState.CLOSED.value,
)
ENDED = (
    RequestState.CLOSED.value,
    RequestState.WITHDRAWN.value,
    RequestState.REJECTED.value,
    RequestState.MERGED.value,
)
PUBLIC = (RequestState.PUBLISHED.value, RequestState.CLOSED.value)
CONTENT = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value)
#: A need or wish whose claimant's claim is still open.
HOLDING = (WishState.CLAIMED.value, WishState.FULFILLED.value)

# -- what each output may show (explicit allowlists) ---------------------------------------

CATEGORY_FIELDS = ("code", "name_zh", "name_en", "claim_hours", "resolve_hours", "retired")
BOARD_FIELDS = (
    "id",
    "receipt_code",
    "state",
    "category",
    "channel",
    "urgency",
    "community_id",
    "branch_id",
    "building",
    "requester_kind",
    "claimant_id",
    "claimant_name",
    "excerpt",
    "placed_at",
    "claim_due_at",
    "due_at",
    "claimed_at",
    "resolved_at",
    "paused",
    "presses",
    "escalated",
    "reopened",
    "moves",
    "satisfaction",
    "overdue",
    "updated_at",
)
QUEUE_FIELDS = (*BOARD_FIELDS, "reasons")
WORKLOAD_FIELDS = ("claimant_id", "claimant_name", "holding", "awaiting", "overdue", "done")
STATISTICS_FIELDS = (
    "key",
    "label",
    "placed",
    "claimed",
    "resolved",
    "median_hours_to_claim",
    "median_hours_to_resolve",
    "on_time_rate",
    "satisfaction_rate",
)
PUBLIC_LEDGER_FIELDS = (
    "id",
    "state",
    "category",
    "category_name_zh",
    "category_name_en",
    "community_id",
    "community_name",
    "branch_id",
    "branch_name",
    "placed_on",
    "resolved_on",
    "published_on",
    "on_time",
    "satisfaction",
    "summary",
)
WISH_FIELDS = (
    "id",
    "state",
    "title",
    "community_id",
    "branch_id",
    "claimant_id",
    "claimant_name",
    "posted_at",
    "claimed_at",
    "fulfilled_at",
    "published_at",
    "summary",
)
NEED_FIELDS = (
    "id",
    "state",
    "title",
    "description",
    "alliance",
    "community_id",
    "branch_id",
    "resident_unit_id",
    "resident_unit_name",
    "listed_at",
    "claimed_at",
    "fulfilled_at",
    "published_at",
    "summary",
)
PUBLIC_CLAIMABLE_FIELDS = (
    "id",
    "title",
    "community_name",
    "branch_name",
    "claimant",
    "claimed_on",
    "fulfilled_on",
    "published_on",
    "summary",
)
#: One published micro-wish: what the list gives.
PUBLIC_WISH_FIELDS = PUBLIC_CLAIMABLE_FIELDS
#: One published alliance need: what the list gives, with the alliance that listed it and
#: the committee's description (checked for personal data when the need was listed).
PUBLIC_NEED_FIELDS = (*PUBLIC_CLAIMABLE_FIELDS, "alliance", "description")

STATISTICS_BY = ("community", "branch", "category", "month")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class RequestsProjection(Projection):
    """Builds the catalogue, the board, the wishes and the needs from their events."""

    name = "requests"
    tables = REQUESTS_TABLES

    def __init__(self, personal: PersonalData) -> None:
        self.personal = personal
        self.handle_with(
            {
                "Category.Defined": self._category_defined,
                "Category.LimitsChanged": self._category_limits,
                "Category.Retired": self._category_retired,
                "Request.Placed": self._placed,
                "Request.Classified": self._classified,
                "Request.Claimed": self._claimed,
                "Request.Released": self._released,
                "Request.Given": self._given,
                "Request.ProgressNoted": self._touched,
                "Request.Resolved": self._resolved,
                "Request.Accepted": self._state(RequestState.ACCEPTED),
                "Request.SentBack": self._sent_back,
                "Request.Pressed": self._pressed,
                "Request.Escalated": self._escalated,
                "Request.ClockPaused": self._paused,
                "Request.ClockResumed": self._resumed,
                "Request.Visited": self._visited,
                "Request.Published": self._published,
                "Request.Closed": self._state(RequestState.CLOSED),
                "Request.Withdrawn": self._ended(RequestState.WITHDRAWN),
                "Request.Rejected": self._ended(RequestState.REJECTED),
                "Request.Merged": self._ended(RequestState.MERGED),
                "Request.DuplicateAbsorbed": self._touched,
                "Wish.Posted": self._wish_posted,
                "Need.Listed": self._need_listed,
                **self._claimable_handlers("Wish", wishes, "claimant_id", "member_id"),
                **self._claimable_handlers("Need", needs, "resident_unit_id", "resident_unit_id"),
                "Erasure.Recorded": self._erased,
            }
        )

    def prepare(self, changes: Changes, batch: Sequence[tuple[DomainEvent, int]]) -> None:
        """Read in bulk the board rows the batch changes and the placed requests' keys."""
        placed: set[UUID] = set()
        changed: list[UUID] = []
        for e, _ in batch:
            kind = type(e).__qualname__
            if kind == "Request.Placed":
                placed.add(e.originator_id)
            elif kind.startswith("Request."):
                changed.append(e.originator_id)
        changes.load(board, changed)
        opener = bulk_opener(self.personal, placed)
        if opener is not None:
            changes.memo[self.name] = opener

    # -- the catalogue --
    def _category_defined(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            categories,
            id=e.originator_id,
            code=e.code,
            name_zh=e.name_zh,
            name_en=e.name_en,
            claim_hours=e.claim_hours,
            resolve_hours=e.resolve_hours,
            retired=False,
            position=position,
        )

    def _category_limits(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(
            categories, e.originator_id, claim_hours=e.claim_hours, resolve_hours=e.resolve_hours
        )

    def _category_retired(self, changes: Changes, e: Any, position: int) -> None:
        changes.update(categories, e.originator_id, retired=True)

    # -- requests --
    def _excerpt(self, changes: Changes, subject: UUID, sealed: str) -> str:
        personal: PersonalData = changes.memo.get(self.name) or self.personal
        fields = personal.open(subject, sealed)
        description = (fields or {}).get("description")
        if not description:
            return ERASED
        return " ".join(description.split())[:EXCERPT_CHARS]

    def _placed(self, changes: Changes, e: Any, position: int) -> None:
        placed_at: datetime = e.placed_at
        changes.insert(
            board,
            id=e.originator_id,
            receipt_code=e.receipt_code,
            state=RequestState.PLACED.value,
            category=e.category,
            channel=e.channel,
            urgency=e.urgency,
            community_id=e.community_id,
            branch_id=e.branch_id,
            building=e.building,
            requester_kind=e.requester_kind,
            excerpt=self._excerpt(changes, e.originator_id, e.personal),
            claimant_id=None,
            placed_at=placed_at,
            claim_hours=e.claim_hours,
            resolve_hours=e.resolve_hours,
            paused_us=0,
            paused_since=None,
            claim_due_base=placed_at + timedelta(hours=e.claim_hours),
            due_base=placed_at + timedelta(hours=e.resolve_hours),
            claimed_at=None,
            resolved_at=None,
            presses=0,
            escalated=False,
            reopened=0,
            moves=0,
            satisfaction=None,
            summary=None,
            published_at=None,
            updated_at=e.timestamp,
        )

    def _erased(self, changes: Changes, e: Any, position: int) -> None:
        """An erased requester's requests read "[erased]", as a rebuild would leave them
        (the erasure names every subject whose key went; only requests are on the board)."""
        for subject in e.subjects:
            changes.update(board, subject, excerpt=ERASED)

    def _update(self, changes: Changes, e: Any, **values: Any) -> None:
        changes.update(board, e.originator_id, updated_at=e.timestamp, **values)

    def _touched(self, changes: Changes, e: Any, position: int) -> None:
        self._update(changes, e)

    def _state(self, state: RequestState) -> Callable[[Changes, Any, int], None]:
        def handle(changes: Changes, e: Any, position: int) -> None:
            self._update(changes, e, state=state.value)

        return handle

    def _ended(self, state: RequestState) -> Callable[[Changes, Any, int], None]:
        """Withdrawn, rejected, merged: a running pause ends with the request."""

        def handle(changes: Changes, e: Any, position: int) -> None:
            self._update(changes, e, state=state.value, paused_since=None)

        return handle

    def _classified(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        paused = timedelta(microseconds=row["paused_us"])
        self._update(
            changes,
            e,
            state=RequestState.CLASSIFIED.value,
            category=e.category,
            branch_id=e.branch_id,
            claim_hours=e.claim_hours,
            resolve_hours=e.resolve_hours,
            claim_due_base=row["placed_at"] + timedelta(hours=e.claim_hours) + paused,
            due_base=row["placed_at"] + timedelta(hours=e.resolve_hours) + paused,
        )

    def _claimed(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        self._update(
            changes,
            e,
            state=RequestState.CLAIMED.value,
            claimant_id=e.claimant,
            claimed_at=row["claimed_at"] or e.at,
        )

    def _released(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        self._update(
            changes,
            e,
            state=RequestState.CLASSIFIED.value,
            claimant_id=None,
            moves=row["moves"] + 1,
        )

    def _given(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        self._update(
            changes,
            e,
            state=RequestState.CLAIMED.value,
            claimant_id=e.to,
            claimed_at=row["claimed_at"] or e.at,
            moves=row["moves"] + 1,
        )

    def _resolved(self, changes: Changes, e: Any, position: int) -> None:
        self._update(changes, e, state=RequestState.RESOLVED.value, resolved_at=e.at)

    def _sent_back(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        self._update(
            changes,
            e,
            state=RequestState.CLAIMED.value,
            resolved_at=None,
            moves=row["moves"] + 1,
        )

    def _pressed(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        self._update(changes, e, presses=row["presses"] + 1)

    def _escalated(self, changes: Changes, e: Any, position: int) -> None:
        self._update(changes, e, escalated=True)

    def _paused(self, changes: Changes, e: Any, position: int) -> None:
        self._update(changes, e, paused_since=e.at)

    def _resumed(self, changes: Changes, e: Any, position: int) -> None:
        row = changes.row(board, e.originator_id)
        since: datetime | None = row["paused_since"]
        pause = max(e.at - since, timedelta()) if since is not None else timedelta()
        self._update(
            changes,
            e,
            paused_since=None,
            paused_us=row["paused_us"] + _us(pause),
            claim_due_base=row["claim_due_base"] + pause,
            due_base=row["due_base"] + pause,
        )

    def _visited(self, changes: Changes, e: Any, position: int) -> None:
        if e.satisfaction == Satisfaction.DISSATISFIED.value:
            row = changes.row(board, e.originator_id)
            self._update(
                changes,
                e,
                state=RequestState.CLAIMED.value,
                satisfaction=e.satisfaction,
                resolved_at=None,
                reopened=row["reopened"] + 1,
                moves=row["moves"] + 1,
            )
        else:
            self._update(changes, e, state=RequestState.VISITED.value, satisfaction=e.satisfaction)

    def _published(self, changes: Changes, e: Any, position: int) -> None:
        self._update(
            changes,
            e,
            state=RequestState.PUBLISHED.value,
            summary=e.summary,
            published_at=e.at,
        )

    # -- micro-wishes and alliance needs --
    def _wish_posted(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            wishes,
            id=e.originator_id,
            state=WishState.OPEN.value,
            title=e.title,
            community_id=e.community_id,
            branch_id=e.branch_id,
            claimant_id=None,
            posted_at=e.posted_at,
            claimed_at=None,
            fulfilled_at=None,
            published_at=None,
            summary=None,
            updated_at=e.timestamp,
        )

    def _need_listed(self, changes: Changes, e: Any, position: int) -> None:
        changes.insert(
            needs,
            id=e.originator_id,
            state=WishState.OPEN.value,
            title=e.title,
            description=e.description,
            alliance=e.alliance,
            community_id=e.community_id,
            branch_id=e.branch_id,
            resident_unit_id=None,
            listed_at=e.listed_at,
            claimed_at=None,
            fulfilled_at=None,
            published_at=None,
            summary=None,
            updated_at=e.timestamp,
        )

    @staticmethod
    def _claimable_handlers(
        kind: str, table: sa.Table, claimant: str, field: str
    ) -> dict[str, Handler]:
        """Micro-wishes and alliance needs take the same steps: a handler per step sets
        the state, the time of the change, and the columns named after the event's
        fields (or clears them, where None is given)."""

        def step(state: WishState, **columns: str | None) -> Handler:
            def handle(changes: Changes, e: Any, position: int) -> None:
                values = {c: getattr(e, f) if f else None for c, f in columns.items()}
                changes.update(
                    table, e.originator_id, state=state.value, updated_at=e.timestamp, **values
                )

            return handle

        return {
            f"{kind}.Claimed": step(WishState.CLAIMED, claimed_at="at", **{claimant: field}),
            f"{kind}.Released": step(WishState.OPEN, claimed_at=None, **{claimant: None}),
            f"{kind}.Fulfilled": step(WishState.FULFILLED, fulfilled_at="at"),
            f"{kind}.Confirmed": step(WishState.CONFIRMED),
            f"{kind}.SentBack": step(WishState.CLAIMED, fulfilled_at=None),
            f"{kind}.Published": step(WishState.PUBLISHED, summary="summary", published_at="at"),
            f"{kind}.Withdrawn": step(WishState.WITHDRAWN),
        }


# -- queries --------------------------------------------------------------------------------


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInputError("now", "must carry a time zone")
    return now.astimezone(UTC)


def _overdue(now: datetime) -> sa.ColumnElement[bool]:
    """Past its limit at `now` and not resolved yet; a paused clock stands still."""
    at = sa.func.coalesce(board.c.paused_since, sa.literal(now, UTCDateTime()))
    return sa.and_(
        board.c.state.in_(RUNNING),
        sa.or_(
            at > board.c.due_base,
            sa.and_(board.c.claimant_id.is_(None), at > board.c.claim_due_base),
        ),
    )


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _on_time(resolved_at: datetime | None, due: datetime) -> bool:
    """Resolved at or before the due time (pauses, all ended by then, included)."""
    return resolved_at is not None and resolved_at <= due


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


class SQLAlchemyRequestsView:
    """Queries over the four orders' read model; staff queries check the reader's right."""

    def __init__(
        self,
        db: Database,
        wait_for: Callable[[int], None],
        tz: tzinfo,
        name_mask: str = "middle",
    ) -> None:
        self.db = db
        self.wait_for = wait_for
        self.tz = tz
        #: How published names are masked (see domain.personal.mask_name).
        self.name_mask = name_mask

    def _prepare(self, actor: Principal, min_position: int) -> None:
        actor.require(Permission.REQUESTS_READ)
        self.wait_for(min_position)

    def _on(self, at: datetime | None) -> date | None:
        return at.astimezone(self.tz).date() if at is not None else None

    def _start_of(self, day: date) -> datetime:
        """The first instant of a day at the station, in UTC."""
        return datetime.combine(day, time(), tzinfo=self.tz).astimezone(UTC)

    @staticmethod
    def _check_year(field: str, day: date) -> date:
        """Dates far outside the ledger's life would overflow the arithmetic."""
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInputError(field, f"must be in the years {FIRST_YEAR}–{LAST_YEAR}")
        return day

    def _month(self, month: str) -> tuple[datetime, datetime]:
        found = _MONTH.fullmatch(month or "")
        if (
            not found
            or not 1 <= int(found.group(2)) <= 12
            or not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR
        ):
            raise InvalidInputError("month", "must look like 2026-03")
        year, number = int(found.group(1)), int(found.group(2))
        first = date(year, number, 1)
        following = date(year + number // 12, number % 12 + 1, 1)
        return self._start_of(first), self._start_of(following)

    # -- the catalogue (public) --

    def categories(
        self, *, include_retired: bool = False, min_position: int = 0
    ) -> list[dict[str, Any]]:
        """The category catalogue in the order it was defined."""
        self.wait_for(min_position)
        query = sa.select(categories).order_by(categories.c.position)
        if not include_retired:
            query = query.where(categories.c.retired.is_(False))
        with self.db.read.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [allow(CATEGORY_FIELDS, r) for r in rows]

    # -- the board --

    def _board_select(self, now: datetime) -> sa.Select[Any]:
        return sa.select(
            board,
            members.c.name.label("claimant_name"),
            _overdue(now).label("overdue"),
        ).outerjoin(members, members.c.id == board.c.claimant_id)

    def _board_item(self, r: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
        since: datetime | None = r["paused_since"]
        running = max(now - since, timedelta()) if since is not None else timedelta()
        values = {
            **r,
            "claim_due_at": r["claim_due_base"] + running,
            "due_at": r["due_base"] + running,
            "paused": since is not None,
            "overdue": bool(r["overdue"]),
        }
        return allow(BOARD_FIELDS, values)

    def board(
        self,
        *,
        actor: Principal,
        now: datetime,
        state: str | None = None,
        category: str | None = None,
        community_id: UUID | None = None,
        branch_id: UUID | None = None,
        claimant_id: UUID | None = None,
        overdue: bool | None = None,
        q: str | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Requests, newest placed first; `state="open"` means not ended."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        now = _aware(now)
        where: list[Any] = []
        if state == "open":
            where.append(board.c.state.not_in(ENDED))
        elif state:
            where.append(board.c.state == v.choice("state", state, RequestState).value)
        if category:
            where.append(board.c.category == category.strip().lower())
        if community_id is not None:
            where.append(board.c.community_id == community_id)
        if branch_id is not None:
            where.append(board.c.branch_id == branch_id)
        if claimant_id is not None:
            where.append(board.c.claimant_id == claimant_id)
        if overdue is not None:
            late = _overdue(now)
            where.append(late if overdue else sa.not_(late))
        text = (q or "").strip()
        if len(text) > EXCERPT_CHARS:
            raise InvalidInputError("q", f"is longer than {EXCERPT_CHARS} characters")
        if text:
            where.append(
                sa.or_(board.c.receipt_code == text.upper(), contains(text, board.c.excerpt))
            )
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(board).where(*where)
            ).scalar_one()
            rows = (
                conn.execute(
                    self._board_select(now)
                    .where(*where)
                    .order_by(board.c.placed_at.desc(), board.c.id)
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return Page([self._board_item(r, now) for r in rows], total, offset, limit)

    def supervision_queue(
        self,
        *,
        actor: Principal,
        now: datetime,
        community_id: UUID | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """What a supervisor should look at: resolutions awaiting acceptance, then late
        requests by due time, then outcomes awaiting their public summary, then pressed
        or escalated ones still being worked on."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        now = _aware(now)
        late = _overdue(now)
        awaiting = board.c.state == RequestState.RESOLVED.value
        # Visited back (or accepted, when nobody can be visited): the summary is due.
        unpublished = sa.or_(
            board.c.state == RequestState.VISITED.value,
            sa.and_(
                board.c.state == RequestState.ACCEPTED.value,
                board.c.requester_kind == RequesterKind.ANONYMOUS.value,
            ),
        )
        working = board.c.state.in_(WORKING)
        where: list[Any] = [
            sa.or_(
                awaiting,
                late,
                unpublished,
                sa.and_(working, sa.or_(board.c.presses > 0, board.c.escalated.is_(True))),
            )
        ]
        if community_id is not None:
            where.append(board.c.community_id == community_id)
        rank = sa.case((awaiting, 0), (late, 1), (unpublished, 2), else_=3)
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(board).where(*where)
            ).scalar_one()
            rows = (
                conn.execute(
                    self._board_select(now)
                    .where(*where)
                    .order_by(rank, board.c.due_base, board.c.placed_at, board.c.id)
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        items = []
        for r in rows:
            item = self._board_item(r, now)
            still = r["state"] in WORKING
            reasons = [
                reason
                for reason, applies in (
                    ("awaiting_acceptance", r["state"] == RequestState.RESOLVED.value),
                    ("overdue", item["overdue"]),
                    (
                        "awaiting_publication",
                        r["state"] == RequestState.VISITED.value
                        or (
                            r["state"] == RequestState.ACCEPTED.value
                            and r["requester_kind"] == RequesterKind.ANONYMOUS.value
                        ),
                    ),
                    ("pressed", still and r["presses"] > 0),
                    ("escalated", still and r["escalated"]),
                )
                if applies
            ]
            items.append(allow(QUEUE_FIELDS, {**item, "reasons": reasons}))
        return Page(items, total, offset, limit)

    def workload(
        self,
        *,
        actor: Principal,
        now: datetime,
        community_id: UUID | None = None,
        min_position: int = 0,
    ) -> list[dict[str, Any]]:
        """Per claimant: what they hold, what awaits acceptance, what is late, what is done."""
        self._prepare(actor, min_position)
        now = _aware(now)

        def count(condition: Any) -> Any:
            return sa.func.sum(sa.case((condition, 1), else_=0))

        where: list[Any] = [board.c.claimant_id.is_not(None)]
        if community_id is not None:
            where.append(board.c.community_id == community_id)
        per = (
            sa.select(
                board.c.claimant_id,
                count(board.c.state == RequestState.CLAIMED.value).label("holding"),
                count(board.c.state == RequestState.RESOLVED.value).label("awaiting"),
                count(_overdue(now)).label("overdue"),
                count(board.c.state.in_(DONE)).label("done"),
            )
            .where(*where)
            .group_by(board.c.claimant_id)
            .subquery()
        )
        query = (
            sa.select(per, members.c.name.label("claimant_name"))
            .outerjoin(members, members.c.id == per.c.claimant_id)
            .order_by(members.c.name, per.c.claimant_id)
        )
        with self.db.read.connect() as conn:
            rows = conn.execute(query).mappings().all()
        items = []
        for r in rows:
            values = {k: int(r[k] or 0) for k in ("holding", "awaiting", "overdue", "done")}
            if not any(values.values()):
                continue
            values.update(claimant_id=r["claimant_id"], claimant_name=r["claimant_name"])
            items.append(allow(WORKLOAD_FIELDS, values))
        return items

    def statistics(
        self,
        *,
        actor: Principal,
        by: str,
        community_id: UUID | None = None,
        since: date | None = None,
        until: date | None = None,
        min_position: int = 0,
    ) -> list[dict[str, Any]]:
        """Counts, medians and rates per community, branch, category or month of
        placement (dates at the station); `since` and `until` are inclusive."""
        self._prepare(actor, min_position)
        if by not in STATISTICS_BY:
            raise InvalidInputError("by", f"must be one of {', '.join(STATISTICS_BY)}")
        if since is not None:
            self._check_year("since", since)
        if until is not None:
            self._check_year("until", until)
        if since and until and since > until:
            raise InvalidInputError("until", "is before since")
        where: list[Any] = []
        if community_id is not None:
            where.append(board.c.community_id == community_id)
        if since is not None:
            where.append(board.c.placed_at >= self._start_of(since))
        if until is not None:
            where.append(board.c.placed_at < self._start_of(until + timedelta(days=1)))
        columns = (
            board.c.community_id,
            board.c.branch_id,
            board.c.category,
            board.c.state,
            board.c.placed_at,
            board.c.claimed_at,
            board.c.resolved_at,
            board.c.due_base,
            board.c.satisfaction,
        )
        with self.db.read.connect() as conn:
            rows = conn.execute(sa.select(*columns).where(*where)).mappings().all()
            labels, order = self._labels(conn, by)
        groups: dict[Any, list[Mapping[Any, Any]]] = {}
        for r in rows:
            key = (
                r["placed_at"].astimezone(self.tz).strftime("%Y-%m")
                if by == "month"
                else r[{"community": "community_id", "branch": "branch_id"}.get(by, by)]
            )
            groups.setdefault(key, []).append(r)
        result = []
        for key, group in groups.items():
            to_claim = [_hours(r["placed_at"], r["claimed_at"]) for r in group if r["claimed_at"]]
            to_resolve = [
                _hours(r["placed_at"], r["resolved_at"]) for r in group if r["resolved_at"]
            ]
            done = [r for r in group if r["state"] in DONE]
            visited = [r for r in group if r["satisfaction"]]
            values = {
                "key": key,
                "label": key if by == "month" else labels.get(key),
                "placed": len(group),
                "claimed": len(to_claim),
                "resolved": len(to_resolve),
                "median_hours_to_claim": median(to_claim) if to_claim else None,
                "median_hours_to_resolve": median(to_resolve) if to_resolve else None,
                "on_time_rate": _rate(
                    sum(1 for r in done if _on_time(r["resolved_at"], r["due_base"])), len(done)
                ),
                "satisfaction_rate": _rate(
                    sum(1 for r in visited if r["satisfaction"] in CONTENT), len(visited)
                ),
            }
            result.append(allow(STATISTICS_FIELDS, values))
        last = len(order)
        result.sort(key=lambda row: (order.get(row["key"], last), str(row["key"] or "")))
        return result

    def _labels(self, conn: Any, by: str) -> tuple[dict[Any, str], dict[Any, int]]:
        """The names of the keys of `by`, and their order (units as opened, categories
        as defined, months in time)."""
        if by == "category":
            found = conn.execute(
                sa.select(categories.c.code, categories.c.name_zh).order_by(categories.c.position)
            ).all()
        elif by in ("community", "branch"):
            found = conn.execute(
                sa.select(units.c.id, units.c.name)
                .where(units.c.level == by)
                .order_by(units.c.position)
            ).all()
        else:
            return {}, {}
        return {k: name for k, name in found}, {k: i for i, (k, _) in enumerate(found)}

    # -- the public ledger (no actor: anyone may read it) --

    def _public_select(self) -> sa.Select[Any]:
        community = units.alias("community")
        branch = units.alias("branch")
        return (
            sa.select(
                board.c.id,
                board.c.state,
                board.c.category,
                categories.c.name_zh.label("category_name_zh"),
                categories.c.name_en.label("category_name_en"),
                board.c.community_id,
                community.c.name.label("community_name"),
                board.c.branch_id,
                branch.c.name.label("branch_name"),
                board.c.placed_at,
                board.c.resolved_at,
                board.c.published_at,
                board.c.due_base,
                board.c.satisfaction,
                board.c.summary,
            )
            .outerjoin(categories, categories.c.code == board.c.category)
            .outerjoin(community, community.c.id == board.c.community_id)
            .outerjoin(branch, branch.c.id == board.c.branch_id)
            .where(board.c.state.in_(PUBLIC))
        )

    def _public_item(self, r: Mapping[Any, Any]) -> dict[str, Any]:
        resolved: datetime | None = r["resolved_at"]
        values = {
            **r,
            "placed_on": self._on(r["placed_at"]),
            "resolved_on": self._on(resolved),
            "published_on": self._on(r["published_at"]),
            "on_time": _on_time(resolved, r["due_base"]),
        }
        return allow(PUBLIC_LEDGER_FIELDS, values)

    def public_ledger(
        self,
        *,
        community_id: UUID | None = None,
        branch_id: UUID | None = None,
        category: str | None = None,
        month: str | None = None,
        placed_from: date | None = None,
        placed_to: date | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Published outcomes, newest published first; `month` ("YYYY-MM") is the month
        the request was placed in, `placed_from` and `placed_to` its first and last day
        (inclusive), at the station."""
        self.wait_for(min_position)
        check_page(offset, limit)
        where: list[Any] = [board.c.state.in_(PUBLIC)]
        if community_id is not None:
            where.append(board.c.community_id == community_id)
        if branch_id is not None:
            where.append(board.c.branch_id == branch_id)
        if category:
            where.append(board.c.category == category.strip().lower())
        if month:
            start, end = self._month(month)
            where.append(board.c.placed_at >= start)
            where.append(board.c.placed_at < end)
        if placed_from is not None:
            where.append(
                board.c.placed_at >= self._start_of(self._check_year("start_date", placed_from))
            )
        if placed_to is not None:
            last = self._check_year("end_date", placed_to)
            where.append(board.c.placed_at < self._start_of(last + timedelta(days=1)))
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(board).where(*where)
            ).scalar_one()
            rows = (
                conn.execute(
                    self._public_select()
                    .where(*where)
                    .order_by(board.c.published_at.desc(), board.c.id)
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return Page([self._public_item(r) for r in rows], total, offset, limit)

    def public_outcome(self, request_id: UUID | str, *, min_position: int = 0) -> dict[str, Any]:
        """One published outcome; NotFoundError for a request that is not published."""
        self.wait_for(min_position)
        ident = v.uuid("request_id", request_id)
        with self.db.read.connect() as conn:
            row = conn.execute(self._public_select().where(board.c.id == ident)).mappings().first()
        if row is None:
            raise NotFoundError("request", ident)
        return self._public_item(row)

    # -- micro-wishes and alliance needs --

    def wishes(
        self,
        *,
        actor: Principal,
        state: str | None = None,
        community_id: UUID | None = None,
        claimant_id: UUID | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Micro-wishes, newest posted first (the resident and the wish stay sealed)."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where: list[Any] = []
        if state:
            where.append(wishes.c.state == v.choice("state", state, WishState).value)
        if community_id is not None:
            where.append(wishes.c.community_id == community_id)
        if claimant_id is not None:
            where.append(wishes.c.claimant_id == claimant_id)
        query = (
            sa.select(wishes, members.c.name.label("claimant_name"))
            .outerjoin(members, members.c.id == wishes.c.claimant_id)
            .where(*where)
            .order_by(wishes.c.posted_at.desc(), wishes.c.id)
        )
        return self._page(wishes, where, query, WISH_FIELDS, offset, limit)

    def needs(
        self,
        *,
        actor: Principal,
        state: str | None = None,
        community_id: UUID | None = None,
        resident_unit_id: UUID | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Alliance needs, newest listed first."""
        self._prepare(actor, min_position)
        check_page(offset, limit)
        where: list[Any] = []
        if state:
            where.append(needs.c.state == v.choice("state", state, WishState).value)
        if community_id is not None:
            where.append(needs.c.community_id == community_id)
        if resident_unit_id is not None:
            where.append(needs.c.resident_unit_id == resident_unit_id)
        query = (
            sa.select(needs, resident_units.c.name.label("resident_unit_name"))
            .outerjoin(resident_units, resident_units.c.id == needs.c.resident_unit_id)
            .where(*where)
            .order_by(needs.c.listed_at.desc(), needs.c.id)
        )
        return self._page(needs, where, query, NEED_FIELDS, offset, limit)

    def _page(
        self,
        table: sa.Table,
        where: list[Any],
        query: sa.Select[Any],
        fields: Sequence[str],
        offset: int,
        limit: int,
    ) -> Page:
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()
            rows = conn.execute(query.offset(offset).limit(limit)).mappings().all()
        return Page([allow(fields, r) for r in rows], total, offset, limit)

    def _public_claimables(
        self,
        table: sa.Table,
        claimant: Any,
        join: tuple[sa.Table, Any],
        community_id: UUID | None,
        offset: int,
        limit: int,
        mask: Callable[[str | None], str | None],
    ) -> Page:
        check_page(offset, limit)
        where: list[Any] = [table.c.state == WishState.PUBLISHED.value]
        if community_id is not None:
            where.append(table.c.community_id == community_id)
        community = units.alias("community")
        branch = units.alias("branch")
        query = (
            sa.select(
                table.c.id,
                table.c.title,
                community.c.name.label("community_name"),
                branch.c.name.label("branch_name"),
                claimant.label("claimant"),
                table.c.claimed_at,
                table.c.fulfilled_at,
                table.c.published_at,
                table.c.summary,
            )
            .outerjoin(join[0], join[1])
            .outerjoin(community, community.c.id == table.c.community_id)
            .outerjoin(branch, branch.c.id == table.c.branch_id)
            .where(*where)
            .order_by(table.c.published_at.desc(), table.c.id)
        )
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()
            rows = conn.execute(query.offset(offset).limit(limit)).mappings().all()
        items = [
            allow(
                PUBLIC_CLAIMABLE_FIELDS,
                {
                    **r,
                    "claimant": mask(r["claimant"]),
                    "claimed_on": self._on(r["claimed_at"]),
                    "fulfilled_on": self._on(r["fulfilled_at"]),
                    "published_on": self._on(r["published_at"]),
                },
            )
            for r in rows
        ]
        return Page(items, total, offset, limit)

    def public_wishes(
        self,
        *,
        community_id: UUID | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Published micro-wishes; the member who fulfilled one is named masked (张*)."""
        self.wait_for(min_position)
        return self._public_claimables(
            wishes,
            members.c.name,
            (members, members.c.id == wishes.c.claimant_id),
            community_id,
            offset,
            limit,
            lambda name: ERASED if not name or name == ERASED else mask_name(name, self.name_mask),
        )

    def public_needs(
        self,
        *,
        community_id: UUID | None = None,
        offset: int = 0,
        limit: int = 50,
        min_position: int = 0,
    ) -> Page:
        """Published alliance needs with the resident unit that met them."""
        self.wait_for(min_position)
        return self._public_claimables(
            needs,
            resident_units.c.name,
            (resident_units, resident_units.c.id == needs.c.resident_unit_id),
            community_id,
            offset,
            limit,
            lambda name: name,
        )

    def _public_claimable(
        self,
        table: sa.Table,
        ident: UUID,
        claimant: Any,
        join: tuple[sa.Table, Any],
        mask: Callable[[str | None], str | None],
        fields: Sequence[str],
        extra: Sequence[sa.ColumnElement[Any]],
        kind: str,
    ) -> dict[str, Any]:
        """One published micro-wish or need (NotFoundError if it is not published)."""
        community = units.alias("community")
        branch = units.alias("branch")
        query = (
            sa.select(
                table.c.id,
                table.c.title,
                community.c.name.label("community_name"),
                branch.c.name.label("branch_name"),
                claimant.label("claimant"),
                table.c.claimed_at,
                table.c.fulfilled_at,
                table.c.published_at,
                table.c.summary,
                *extra,
            )
            .outerjoin(join[0], join[1])
            .outerjoin(community, community.c.id == table.c.community_id)
            .outerjoin(branch, branch.c.id == table.c.branch_id)
            .where(table.c.id == ident, table.c.state == WishState.PUBLISHED.value)
        )
        with self.db.read.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            raise NotFoundError(kind, ident)
        return allow(
            fields,
            {
                **row,
                "claimant": mask(row["claimant"]),
                "claimed_on": self._on(row["claimed_at"]),
                "fulfilled_on": self._on(row["fulfilled_at"]),
                "published_on": self._on(row["published_at"]),
            },
        )

    def _masked_member(self, name: str | None) -> str:
        return ERASED if not name or name == ERASED else mask_name(name, self.name_mask)

    def public_wish(self, wish_id: UUID | str, *, min_position: int = 0) -> dict[str, Any]:
        """One published micro-wish, as `public_wishes` lists it (the member who fulfilled
        it named masked); NotFoundError for a wish that is not published."""
        self.wait_for(min_position)
        return self._public_claimable(
            wishes,
            v.uuid("wish_id", wish_id),
            members.c.name,
            (members, members.c.id == wishes.c.claimant_id),
            self._masked_member,
            PUBLIC_WISH_FIELDS,
            (),
            "micro-wish",
        )

    def public_need(self, need_id: UUID | str, *, min_position: int = 0) -> dict[str, Any]:
        """One published alliance need, as `public_needs` lists it, with its alliance and
        description; NotFoundError for a need that is not published."""
        self.wait_for(min_position)
        return self._public_claimable(
            needs,
            v.uuid("need_id", need_id),
            resident_units.c.name,
            (resident_units, resident_units.c.id == needs.c.resident_unit_id),
            lambda name: name,
            PUBLIC_NEED_FIELDS,
            (needs.c.alliance, needs.c.description),
            "alliance need",
        )

    def unit_open_claims(self, resident_unit_id: UUID) -> int:
        """Alliance needs a resident unit has claimed and not yet seen confirmed."""
        with self.db.read.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(needs)
                    .where(needs.c.resident_unit_id == resident_unit_id, needs.c.state.in_(HOLDING))
                ).scalar_one()
            )
