"""Looking back: the books as of any moment, what changed between two, and replay.

- A moment becomes a log position through the commit index (docs/decisions.md §2): the
  books as of T are the events at positions up to the last commit at or before T.
- The read models answer for the past with their own queries: `view_at(view, position)`
  gives a copy of a view whose connection reads every temporal table as of that position
  (`projections.history`). So the roster, the board and the points ledger of any day are
  computed by the same code as today's.
- `diff` lists the rows of a read model that changed between two positions, field by
  field, each with the event that last changed it.
- `steps` and `replay` walk the events of an entity, a staff account or a period, one at
  a time, with the aggregate's state before and after (`domain.review`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain import validation as v
from domain.access import Permission, Principal
from domain.application import Yimai
from domain.errors import InvalidInputError, NotFoundError
from domain.review import aggregate_state, event_entry, plain
from projections.db import Database
from projections.history import VALID_FROM, VALID_TO, as_of, history_of, key_column, rebase
from projections.points import entries, ledgers, periods
from projections.queries import Page, check_page
from projections.requests import board, needs, wishes
from projections.roster import appointments, households, links, members, resident_units, units
from projections.timeline import timeline

COMMITS = sa.table("yimai_commits", sa.column("position"), sa.column("committed_at"))

#: The read models a reviewer can diff, and their temporal tables.
MODELS: dict[str, tuple[sa.Table, ...]] = {
    "roster": (units, appointments, members, resident_units, households, links),
    "board": (board, wishes, needs),
    "points": (ledgers, entries, periods),
}

V = TypeVar("V")


class _AsOfConnection:
    """A read connection whose statements read the temporal tables as of a position."""

    def __init__(self, conn: Connection, position: int) -> None:
        self._conn = conn
        self._sources: dict[sa.Table, sa.FromClause] = {}
        self.position = position

    def _source(self, table: sa.Table) -> sa.FromClause:
        found = self._sources.get(table)
        if found is None:
            found = self._sources[table] = as_of(table, self.position)
        return found

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        tables = {t for t in _tables_in(statement) if history_of(t) is not None}
        rebased = rebase(statement, {t: self._source(t) for t in tables})
        return self._conn.execute(rebased, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _tables_in(statement: Any) -> set[sa.Table]:
    found: set[sa.Table] = set()
    if isinstance(statement, sa.sql.ClauseElement):
        for element in sa.sql.visitors.iterate(statement):
            if isinstance(element, sa.Table):
                found.add(element)
    return found


class _AsOfEngine:
    def __init__(self, engine: sa.Engine, position: int) -> None:
        self._engine = engine
        self.position = position

    @contextmanager
    def connect(self) -> Iterator[_AsOfConnection]:
        with self._engine.connect() as conn:
            yield _AsOfConnection(conn, self.position)


@dataclass
class _AsOfDatabase:
    settings: Any
    read: _AsOfEngine

    @property
    def is_sqlite(self) -> bool:
        return bool(self.settings.is_sqlite)


def view_at(view: V, db: Database, position: int) -> V:
    """A copy of a read-model view that answers as of `position` (read-only)."""
    past = copy.copy(view)
    past.db = _AsOfDatabase(db.settings, _AsOfEngine(db.read, position))  # type: ignore[attr-defined]
    past.wait_for = lambda _position: None  # type: ignore[attr-defined]
    return past


@dataclass(frozen=True)
class Moment:
    """A point in the books: the moment asked for and the log position it stands for."""

    at: datetime
    position: int

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "position": self.position}


class Review:
    """The reviewer's questions, answered from the log and the read models."""

    def __init__(self, app: Yimai, db: Database, wait_for: Any, tz: tzinfo) -> None:
        self.app = app
        self.db = db
        self.wait_for = wait_for
        self.tz = tz

    # -- moments -------------------------------------------------------------------------

    def end_of(self, day: date) -> datetime:
        """The last instant of a day in the configured time zone (as UTC)."""
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=self.tz).astimezone(
            UTC
        ) - timedelta(microseconds=1)

    def moment(
        self, when: date | datetime | str, field: str = "date", *, start: bool = False
    ) -> Moment:
        """The books as of a day's end or an instant: the last commit at or before it.

        With `start`, a day means its beginning (the end of the day before): a period
        "since 1 March" includes 1 March."""
        at = self._instant(when, field, start)
        stamp = at.astimezone(UTC).isoformat(timespec="microseconds")
        with self.db.read.connect() as conn:
            position = conn.execute(
                sa.select(sa.func.max(COMMITS.c.position)).where(COMMITS.c.committed_at <= stamp)
            ).scalar()
        return Moment(at, int(position or 0))

    def _instant(self, when: date | datetime | str, field: str, start: bool) -> datetime:
        if isinstance(when, str):
            text = when.strip()
            try:
                when = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
            except ValueError:
                raise InvalidInputError(field, "is not a date (YYYY-MM-DD) or time") from None
        day = when.date() if isinstance(when, datetime) else when
        if not date(1900, 1, 2) <= day <= date(9000, 1, 1):
            raise InvalidInputError(field, "is out of range (1900 to 9000)")
        if isinstance(when, datetime):
            return (when if when.tzinfo else when.replace(tzinfo=self.tz)).astimezone(UTC)
        return self.end_of(when - timedelta(days=1) if start else when)

    @staticmethod
    def check_order(since: Moment | None, until: Moment | None) -> None:
        if since is not None and until is not None and until.at < since.at:
            raise InvalidInputError("until", "is before since")

    def _ready(self, position: int) -> None:
        self.wait_for(position)

    def at(self, view: V, position: int, *, actor: Principal) -> V:
        """A read-model view as of `position` (the read models first reach it); the
        past is for those who may audit, besides the view's own right."""
        actor.require(Permission.AUDIT_READ)
        if position > self.app.last_position():
            raise InvalidInputError("position", "is beyond the end of the log")
        self._ready(position)
        return view_at(view, self.db, position)

    # -- diff ----------------------------------------------------------------------------

    def diff(
        self,
        model: str,
        since: Moment,
        until: Moment,
        *,
        actor: Principal,
        community_id: UUID | None = None,
        limit: int = 500,
    ) -> dict[str, Any]:
        """The rows of a read model that changed after `since` up to `until`."""
        actor.require(Permission.AUDIT_READ)
        tables = MODELS.get(model)
        if tables is None:
            raise InvalidInputError("model", f"is one of {', '.join(MODELS)}")
        self.check_order(since, until)
        check_page(0, limit)
        self._ready(until.position)
        changes: list[dict[str, Any]] = []
        counts: dict[str, dict[str, int]] = {}
        with self.db.read.connect() as conn:
            scope = self._scope(conn, community_id, until.position)
            for table in tables:
                found = self._changed(conn, table, since.position, until.position, scope)
                counts[table.name] = {
                    "added": sum(1 for c in found if c["change"] == "added"),
                    "changed": sum(1 for c in found if c["change"] == "changed"),
                }
                changes += found
        changes.sort(key=lambda c: c["by"]["position"])
        return {
            "model": model,
            "since": since.to_dict(),
            "until": until.to_dict(),
            "community_id": community_id,
            "counts": counts,
            "total": len(changes),
            "changes": changes[:limit],
        }

    def _scope(
        self, conn: Connection, community_id: UUID | None, position: int
    ) -> dict[str, set[Any]] | None:
        """The units and members of a community (as they were at either end)."""
        if community_id is None:
            return None
        hu, hm = history_of(units), history_of(members)
        assert hu is not None and hm is not None
        unit_rows = conn.execute(
            sa.select(hu.c.id, hu.c.parent_id).where(hu.c[VALID_FROM] <= position).distinct()
        ).all()
        inside = {community_id}
        grew = True
        while grew:
            before = len(inside)
            inside |= {r.id for r in unit_rows if r.parent_id in inside}
            grew = len(inside) != before
        member_ids = set(
            conn.execute(
                sa.select(hm.c.id)
                .where(hm.c.community_id == community_id, hm.c[VALID_FROM] <= position)
                .distinct()
            ).scalars()
        )
        return {"units": inside, "members": member_ids, "community": {community_id}}

    def _in_scope(self, table: sa.Table, row: dict[str, Any], scope: dict[str, set[Any]]) -> bool:
        if "community_id" in row:
            return row["community_id"] in scope["community"]
        if table is units:
            return row["id"] in scope["units"]
        if "unit_id" in row:
            return row["unit_id"] in scope["units"]
        if "member_id" in row:
            return row["member_id"] in scope["members"]
        return True

    def _changed(
        self,
        conn: Connection,
        table: sa.Table,
        since: int,
        until: int,
        scope: dict[str, set[Any]] | None,
    ) -> list[dict[str, Any]]:
        history = history_of(table)
        assert history is not None
        key = key_column(table).name
        personal: frozenset[str] = table.info["personal"]
        touched = (
            sa.select(history.c[key])
            .where(history.c[VALID_FROM] > since, history.c[VALID_FROM] <= until)
            .distinct()
        )
        valid_at = [
            history.c[key].in_(touched),
        ]

        def state(position: int) -> dict[Any, dict[str, Any]]:
            rows = conn.execute(
                sa.select(history).where(
                    *valid_at,
                    history.c[VALID_FROM] <= position,
                    sa.or_(history.c[VALID_TO].is_(None), history.c[VALID_TO] > position),
                )
            ).mappings()
            return {r[key]: dict(r) for r in rows}

        before, after = state(since), state(until)
        by = {
            r.position: r
            for r in conn.execute(
                sa.select(timeline).where(
                    timeline.c.position.in_(
                        sa.select(history.c[VALID_FROM]).where(
                            *valid_at,
                            history.c[VALID_FROM] <= until,
                            sa.or_(history.c[VALID_TO].is_(None), history.c[VALID_TO] > until),
                        )
                    )
                )
            )
        }
        out = []
        for k, new in after.items():
            old = before.get(k)
            if scope is not None and not (
                self._in_scope(table, new, scope) or (old and self._in_scope(table, old, scope))
            ):
                continue
            fields = {
                c: [plain(old.get(c)) if old else None, plain(new.get(c))]
                for c in new
                if c not in (VALID_FROM, VALID_TO)
                and c not in personal
                and (old is None or old.get(c) != new.get(c))
            }
            if old is not None and not fields:
                continue
            event = by.get(new[VALID_FROM])
            out.append(
                {
                    "table": table.name,
                    "key": plain(k),
                    "change": "added" if old is None else "changed",
                    "fields": fields,
                    "by": {
                        "position": new[VALID_FROM],
                        "event": event.event if event else None,
                        "actor": event.actor if event else None,
                        "at": event.stamped_at if event else None,
                        "aggregate_id": event.originator_id if event else None,
                    },
                }
            )
        return out

    # -- trails and replay ---------------------------------------------------------------

    def trail(
        self,
        username: str,
        *,
        actor: Principal,
        since: Moment | None = None,
        until: Moment | None = None,
        kind: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """Everything one staff account did, newest first, narrowed by time and kind (an
        event type like `Request.Claimed`, or an aggregate like `Request`)."""
        actor.require(Permission.AUDIT_READ)
        check_page(offset, limit)
        self.check_order(since, until)
        where = [timeline.c.actor == v.text("username", username, max_len=64)]
        where += self._between(since, until)
        if kind:
            kind = v.text("kind", kind, max_len=64)
            where.append(
                timeline.c.event == kind
                if "." in kind
                else timeline.c.event.startswith(f"{kind}.", autoescape=True)
            )
        total, rows = self._events(where, timeline.c.position.desc(), offset, limit)
        return Page(rows, total, offset, limit)

    def _events(
        self, where: list[Any], order: Any, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """The timeline's rows that match, counted, one page of them in `order`."""
        self._ready(self.app.last_position())
        with self.db.read.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(timeline).where(*where)
            ).scalar_one()
            rows = conn.execute(
                sa.select(timeline).where(*where).order_by(order).offset(offset).limit(limit)
            ).all()
        return int(total), [r._asdict() for r in rows]

    @staticmethod
    def _between(since: Moment | None, until: Moment | None) -> list[Any]:
        where = []
        if since is not None:
            where.append(timeline.c.position > since.position)
        if until is not None:
            where.append(timeline.c.position <= until.position)
        return where

    def _selection(
        self,
        entity: UUID | str | None,
        username: str | None,
        since: Moment | None,
        until: Moment | None,
    ) -> list[Any]:
        self.check_order(since, until)
        chosen = [x for x in (entity, username) if x]
        if len(chosen) > 1:
            raise InvalidInputError("entity", "choose an entity or an account, not both")
        if not chosen and since is None and until is None:
            raise InvalidInputError("entity", "choose an entity, an account or a period")
        where: list[Any] = []
        if entity:
            where.append(timeline.c.originator_id == v.uuid("entity", entity))
        if username:
            where.append(timeline.c.actor == v.text("actor", username, max_len=64))
        return where + self._between(since, until)

    def steps(
        self,
        *,
        actor: Principal,
        entity: UUID | str | None = None,
        username: str | None = None,
        since: Moment | None = None,
        until: Moment | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """The events a replay steps through, oldest first (step n is item n)."""
        actor.require(Permission.AUDIT_READ)
        check_page(offset, limit)
        where = self._selection(entity, username, since, until)
        total, rows = self._events(where, timeline.c.position, offset, limit)
        items = [{"step": offset + i, **r} for i, r in enumerate(rows)]
        return Page(items, total, offset, limit)

    def replay(
        self,
        step: int,
        *,
        actor: Principal,
        entity: UUID | str | None = None,
        username: str | None = None,
        since: Moment | None = None,
        until: Moment | None = None,
    ) -> dict[str, Any]:
        """One step of a replay: the event, the aggregate's state before and after it,
        and what it changed."""
        if step < 0:
            raise InvalidInputError("step", "is 0 or more")
        page = self.steps(
            actor=actor,
            entity=entity,
            username=username,
            since=since,
            until=until,
            offset=step,
            limit=1,
        )
        if not page.items:
            raise NotFoundError("step", step)
        row = page.items[0]
        aggregate_id, version = row["originator_id"], row["originator_version"]
        after = aggregate_state(self.app, aggregate_id, actor=actor, version=version)
        before = (
            aggregate_state(self.app, aggregate_id, actor=actor, version=version - 1)
            if version > 1
            else None
        )
        # A field a record was created without (None, "", [], {}) did not change.
        changed = {
            k: [before["state"].get(k) if before else None, val]
            for k, val in after["state"].items()
            if (before["state"].get(k) != val if before else val not in (None, "", [], {}))
        }
        return {
            "step": step,
            "total": page.total,
            "position": row["position"],
            "event": event_entry(self.app, aggregate_id, version, actor=actor),
            "before": before,
            "after": after,
            "changed": changed,
        }

    def version_at(self, aggregate_id: UUID, position: int) -> int:
        """The aggregate's version in the books as of `position` (0: not yet there)."""
        self._ready(position)
        with self.db.read.connect() as conn:
            found = conn.execute(
                sa.select(sa.func.max(timeline.c.originator_version)).where(
                    timeline.c.originator_id == aggregate_id, timeline.c.position <= position
                )
            ).scalar()
        return int(found or 0)

    def state(
        self,
        aggregate_id: UUID | str,
        *,
        actor: Principal,
        version: int | None = None,
        moment: Moment | None = None,
    ) -> dict[str, Any]:
        """An aggregate as of a version or a moment (the latest by default)."""
        ident = v.uuid("id", aggregate_id)
        if version is not None and moment is not None:
            raise InvalidInputError("version", "give a version or a time, not both")
        if moment is not None:
            # Which version stood when is a question of the audit (it tells positions).
            actor.require(Permission.AUDIT_READ)
            version = self.version_at(ident, moment.position)
            if version == 0:
                # Checked for rights first: existence says nothing to the unentitled.
                aggregate_state(self.app, ident, actor=actor, version=1)
                raise NotFoundError("version", f"{ident} did not exist at {moment.at}")
        return aggregate_state(self.app, ident, actor=actor, version=version)
