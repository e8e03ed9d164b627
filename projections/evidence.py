"""Evidence bundles: the events of one entity, one actor or one run of the log by date,
each with its inclusion proof under one signed checkpoint, in one JSON file that the
stand-alone verifier (`verifier/yimai_verify.py`) checks with no database.

- The events are found through the timeline (`yimai_timeline`: by aggregate, by actor
  and the actor's dates) and, for a range of dates, through the commit index
  (`yimai_commits`, docs/decisions.md §2): a range is the events *saved* in it, the
  positions after the last commit before its start up to the last commit before its end,
  so it is one unbroken run of the log, and the verifier can check that nothing inside
  the run was left out. For a range the bundle also holds the event just before and just
  after the run, with their proofs, so the verifier can check the run's ends by their
  dates as far as dates can tell.
- Every proof is against one checkpoint: the latest, or one signed now when the latest
  does not cover the last selected event. The proofs come from one pass over the sealed
  leaf hashes (`InclusionProofs`), and each event's leaf is recomputed from the stored
  event and must equal its sealed leaf, so a bundle is never made from a changed log.
- The events are streamed from the log while the file is written; the state goes in
  exactly as stored (base64), so sealed personal fields stay sealed (ciphertext).
- `SealView` is what the API offers people with the audit right: checkpoints, the public
  key, proofs and bundles, with the seal's errors turned into the domain's.
"""

from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Notification

from domain.access import Permission, Principal
from domain.errors import DomainError, InvalidInputError, NotFoundError, RuleViolationError
from projections.seal import Sealer, SealError, seal_leaves
from projections.timeline import timeline
from verifier.yimai_verify import (
    EVIDENCE_FORMAT,
    InclusionProofs,
    leaf_bytes,
    leaf_hash,
    public_key_id,
)

if TYPE_CHECKING:
    from projections.system import System

#: The commit index the event store writes (projections/eventstore.py): one row per
#: insert transaction, its last position and when it was saved.
commits = sa.table("yimai_commits", sa.column("position"), sa.column("committed_at"))

#: Sealed leaves read per query while the proofs are computed (32 bytes each).
_LEAF_BATCH = 50_000
#: Events read per query while a bundle is written.
_EVENT_BATCH = 500
#: Ids per `IN (…)` when leaves are looked up by position.
_IN_CHUNK = 500

#: What a verified bundle of each kind shows, in the manifest's words.
PROVES = {
    "entity": (
        "the entity's events, versions 1 to the last one here, none missing and each in the "
        "signed log as shown; later versions cannot be ruled out"
    ),
    "actor": (
        "each event is in the signed log as shown and records this actor as who caused it "
        "(and is dated within the dates given); the actor's other events cannot be ruled out"
    ),
    "range": (
        "one unbroken run of the signed log: no event between the first and the last is "
        "left out; no event is dated after the range's end; the event before the run is "
        "dated before its start"
    ),
}


class EvidenceError(Exception):
    """A selection cannot be exported: `field` names the input at fault, or is None when
    nothing matches the selection; `reason` says why."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


# -- the selection ----------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which events a bundle holds: an entity's, an actor's (perhaps between two
    moments), or those saved in a range of moments. `start` is inclusive, `end`
    exclusive (None: open)."""

    kind: str
    entity: UUID | None = None
    actor: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    #: The dates as given, for people.
    since: str | None = None
    until: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "entity":
            return {"kind": "entity", "entity": str(self.entity)}
        found: dict[str, Any] = {"kind": self.kind}
        if self.kind == "actor":
            found["actor"] = self.actor
        found.update(
            since=self.since,
            until=self.until,
            start=self.start.isoformat() if self.start else None,
            end=self.end.isoformat() if self.end else None,
        )
        return found

    def describe(self) -> str:
        if self.kind == "entity":
            return f"entity {self.entity}"
        dates = ""
        if self.since or self.until:
            dates = f" from {self.since or 'the beginning'} to {self.until or 'now'}"
        return f"actor {self.actor}{dates}" if self.kind == "actor" else f"events saved{dates}"

    def file_name(self) -> str:
        """A file name that says what the bundle holds."""
        if self.kind == "entity":
            parts = ["entity", str(self.entity)]
        else:
            parts = [self.kind] + ([self.actor or ""] if self.kind == "actor" else [])
            parts += [d for d in (self.since, self.until) if d]
        name = "-".join(re.sub(r"[^0-9A-Za-z_.]+", "_", p).strip("_") or "_" for p in parts)
        return f"evidence-{name}.json"


def _moment(name: str, value: date | datetime | str, tz: tzinfo, *, end: bool) -> datetime:
    """A date (the start of its day in `tz`, or of the next day for an end: until is
    inclusive of the whole day) or a time (naive: in `tz`; an end includes it)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise EvidenceError(
                "is not a date (YYYY-MM-DD) or a date and time (ISO 8601)", name
            ) from None
    day = value.date() if isinstance(value, datetime) else value
    if not date(1900, 1, 2) <= day <= date(9000, 1, 1):
        raise EvidenceError("is out of range (1900 to 9000)", name)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
        return moment + timedelta(microseconds=1) if end else moment
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tzinfo=tz)


def _text(value: date | datetime | str | None) -> str | None:
    if value is None:
        return None
    return value.strip() if isinstance(value, str) else value.isoformat()


def select(
    *,
    entity: UUID | str | None = None,
    actor: str | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    tz: tzinfo = UTC,
) -> Selection:
    """Exactly one kind of selection: an entity; an actor (since/until optional); or a
    range of dates (since required, until optional)."""
    if entity is not None:
        if actor is not None:
            raise EvidenceError("choose an entity or an actor, not both", "actor")
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                raise EvidenceError(
                    "goes with an actor or a range: an entity's bundle holds all its events", name
                )
        try:
            ident = entity if isinstance(entity, UUID) else UUID(str(entity).strip())
        except ValueError:
            raise EvidenceError("is not an aggregate id (a UUID)", "entity") from None
        return Selection("entity", entity=ident)
    start = None if since is None else _moment("since", since, tz, end=False)
    end = None if until is None else _moment("until", until, tz, end=True)
    if start is not None and end is not None and end <= start:
        raise EvidenceError("is before since", "until")
    if actor is not None:
        name = actor.strip()
        if not name or len(name) > 64:
            raise EvidenceError("is not a user name", "actor")
        return Selection(
            "actor", actor=name, start=start, end=end, since=_text(since), until=_text(until)
        )
    if start is None:
        field_name = "until" if end is not None else "since"
        raise EvidenceError(
            "say what to export: an entity, an actor, or a range of dates (since, and "
            "perhaps until)",
            field_name,
        )
    return Selection("range", start=start, end=end, since=_text(since), until=_text(until))


# -- the bundle -------------------------------------------------------------------------


def _utc_text(moment: datetime) -> str:
    """A moment as the commit index and the timeline write it: UTC, microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class EvidenceBundle:
    """A bundle ready to be written: its manifest, checkpoint and proofs are known; its
    events are read from the log as it is written (`chunks`, `write`, `to_dict`)."""

    system: System
    selection: Selection
    checkpoint: dict[str, Any]
    public_key: str
    #: The selected events' positions and leaf indexes, in log order.
    positions: Sequence[int]
    leaves: Sequence[int]
    aggregates: int
    proofs: InclusionProofs
    #: The events just before and after a range's run (position, leaf), if any.
    boundary: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    created_at: str = ""

    @property
    def count(self) -> int:
        return len(self.positions)

    def manifest(self) -> dict[str, Any]:
        return {
            "selection": self.selection.to_dict(),
            "created_at": self.created_at,
            "counts": {"events": self.count, "aggregates": self.aggregates},
            "key_id": public_key_id(self.public_key),
            "checkpoint": {
                "tree_size": self.checkpoint["tree_size"],
                "root": self.checkpoint["root"],
            },
            "leaves": {"first": self.leaves[0], "last": self.leaves[-1]},
            "positions": {"first": self.positions[0], "last": self.positions[-1]},
            "proves": PROVES[self.selection.kind],
        }

    def _entry(self, n: Notification, leaf_index: int) -> dict[str, Any]:
        hashed = leaf_hash(leaf_bytes(n.originator_id, n.originator_version, n.topic, n.state))
        if hashed != self.proofs.leaf(leaf_index):
            raise SealError(
                f"the stored event at position {n.id} differs from its sealed leaf "
                f"{leaf_index}: run `yimai verify`"
            )
        return {
            "leaf_index": leaf_index,
            "notification_id": n.id,
            "originator_id": str(n.originator_id),
            "originator_version": n.originator_version,
            "topic": n.topic,
            "state": base64.b64encode(n.state).decode("ascii"),
            "tree_size": self.checkpoint["tree_size"],
            "proof": [h.hex() for h in self.proofs.proof(leaf_index)],
        }

    def _notifications(self, positions: Sequence[int]) -> Iterator[Notification]:
        """The events at these positions (ascending), read a window at a time."""
        recorder = self.system.app.recorder
        i = 0
        while i < len(positions):
            first = positions[i]
            j = i
            while j + 1 < len(positions) and positions[j + 1] - first < _EVENT_BATCH:
                j += 1
            last = positions[j]
            wanted = set(positions[i : j + 1])
            found = recorder.select_notifications(
                start=first, limit=last - first + 1, stop=last, inclusive_of_start=True
            )
            got = [n for n in found if n.id in wanted]
            if len(got) != len(wanted):
                raise SealError(
                    f"events between positions {first} and {last} are gone: run `yimai verify`"
                )
            yield from got
            i = j + 1

    def _run(self) -> Iterator[Notification]:
        """A range's events: one run of the log, read in batches."""
        recorder = self.system.app.recorder
        after, last = self.positions[0] - 1, self.positions[-1]
        # positions[0] - 1 may be a gap (PostgreSQL); exclusive of it, from it, is the same.
        while after < last:
            batch = recorder.select_notifications(
                start=after, limit=_EVENT_BATCH, stop=last, inclusive_of_start=False
            )
            if not batch:
                break
            yield from batch
            after = batch[-1].id

    def events(self) -> Iterator[dict[str, Any]]:
        """The bundle's events with their proofs, in log order, read from the log."""
        if self.selection.kind == "range":
            source = self._run()
        else:
            source = self._notifications(self.positions)
        seen: set[str] = set()
        count = 0
        for n, leaf_index in zip(source, self.leaves, strict=False):
            if self.selection.kind == "range":
                expected = self.positions[count] if count < len(self.positions) else None
                if expected is not None and n.id != expected:
                    raise SealError(
                        f"the event at position {n.id} is not the one sealed at leaf "
                        f"{leaf_index}: run `yimai verify`"
                    )
            seen.add(str(n.originator_id))
            count += 1
            yield self._entry(n, leaf_index)
        if count != self.count or len(seen) != self.aggregates:
            raise SealError(
                f"the log holds {count} of the {self.count} selected events "
                f"({len(seen)} of {self.aggregates} aggregates): run `yimai verify`"
            )

    def _boundary(self) -> dict[str, Any] | None:
        if self.selection.kind != "range":
            return None
        found: dict[str, Any] = {}
        for side in ("before", "after"):
            place = self.boundary.get(side)
            if place is None:
                found[side] = None
                continue
            (n,) = self._notifications([place[0]])
            found[side] = self._entry(n, place[1])
        return found

    def head(self) -> dict[str, Any]:
        """Everything but the events."""
        head: dict[str, Any] = {
            "format": EVIDENCE_FORMAT,
            "kind": "evidence",
            "manifest": self.manifest(),
            "public_key": self.public_key,
            "checkpoints": [self.checkpoint],
        }
        boundary = self._boundary()
        if boundary is not None:
            head["boundary"] = boundary
        return head

    def chunks(self) -> Iterator[str]:
        """The bundle as JSON text, a piece at a time: the head, then one event a line."""
        head = json.dumps(self.head(), indent=2, ensure_ascii=False)
        yield head[: head.rindex("}")].rstrip() + ',\n  "events": [\n'
        separator = ""
        for entry in self.events():
            yield separator + "    " + json.dumps(entry, ensure_ascii=False)
            separator = ",\n"
        yield "\n  ]\n}\n"

    def write_to(self, out: IO[str]) -> None:
        for chunk in self.chunks():
            out.write(chunk)

    def write(self, path: str | Path) -> None:
        """Write the bundle to `path`, whole or not at all (a temporary file is renamed)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".evidence-", suffix=".json", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                self.write_to(out)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def to_dict(self) -> dict[str, Any]:
        """The whole bundle in memory (for tests and small selections)."""
        return {**self.head(), "events": list(self.events())}


# -- making a bundle --------------------------------------------------------------------


def _leaf_indexes(system: System, positions: Sequence[int]) -> list[int]:
    found: dict[int, int] = {}
    with system.db.read.connect() as conn:
        for i in range(0, len(positions), _IN_CHUNK):
            chunk = positions[i : i + _IN_CHUNK]
            rows = conn.execute(
                sa.select(seal_leaves.c.notification_id, seal_leaves.c.leaf_index).where(
                    seal_leaves.c.notification_id.in_(chunk)
                )
            )
            found.update((int(r.notification_id), int(r.leaf_index)) for r in rows)
    missing = [p for p in positions if p not in found]
    if missing:
        raise SealError(f"the event at position {missing[0]} is not sealed: run `yimai verify`")
    return [found[p] for p in positions]


def _position_of_leaf(system: System, leaf_index: int) -> int:
    with system.db.read.connect() as conn:
        found = conn.execute(
            sa.select(seal_leaves.c.notification_id).where(seal_leaves.c.leaf_index == leaf_index)
        ).scalar()
    if found is None:
        raise SealError(f"the sealed log has no leaf {leaf_index}: run `yimai verify`")
    return int(found)


def _covering(system: System, last_position: int) -> dict[str, Any]:
    """The latest checkpoint if it covers the event at `last_position`, else a new one."""
    latest = system.seal.latest_checkpoint()
    if latest is not None and _position_of_leaf(system, latest["tree_size"] - 1) >= last_position:
        return latest
    return system.seal.checkpoint()


def _timeline_rows(system: System, selection: Selection, head: int) -> list[tuple[int, UUID]]:
    query = sa.select(timeline.c.position, timeline.c.originator_id).where(
        timeline.c.position <= head
    )
    if selection.kind == "entity":
        query = query.where(timeline.c.originator_id == selection.entity)
    else:
        query = query.where(timeline.c.actor == selection.actor)
        if selection.start is not None:
            query = query.where(timeline.c.stamped_at >= selection.start)
        if selection.end is not None:
            query = query.where(timeline.c.stamped_at < selection.end)
    with system.db.read.connect() as conn:
        rows = conn.execute(query.order_by(timeline.c.position))
        return [(int(r.position), r.originator_id) for r in rows]


def _last_commit_before(system: System, moment: datetime, at_most: int | None = None) -> int:
    """The last position saved before `moment` (0: none), at most `at_most`."""
    query = sa.select(sa.func.max(commits.c.position)).where(
        commits.c.committed_at < _utc_text(moment)
    )
    if at_most is not None:
        query = query.where(commits.c.position <= at_most)
    with system.db.read.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def _range(system: System, selection: Selection) -> tuple[int, int, dict[str, Any]]:
    """A range's run as (after, last): the positions after `after` up to `last`, and the
    checkpoint the run is proven under (it covers the run; an open range reaches it)."""
    assert selection.start is not None
    after = _last_commit_before(system, selection.start)
    if selection.end is None:
        wanted = system.seal.position()
    else:
        wanted = _last_commit_before(system, selection.end)
    if wanted <= after:
        raise EvidenceError(f"no events were saved in the range ({selection.describe()})")
    cp = _covering(system, wanted)
    covered = _position_of_leaf(system, cp["tree_size"] - 1)
    # An open range reaches the checkpoint; a closed one counts the commits that landed
    # since `wanted` was read too, up to the checkpoint.
    end = selection.end
    last = covered if end is None else _last_commit_before(system, end, covered)
    return after, last, cp


def _range_counts(system: System, after: int, last: int) -> tuple[list[int], int]:
    """The positions of a run and how many aggregates they touch."""
    in_run = sa.and_(timeline.c.position > after, timeline.c.position <= last)
    with system.db.read.connect() as conn:
        positions = list(
            conn.execute(
                sa.select(timeline.c.position).where(in_run).order_by(timeline.c.position)
            ).scalars()
        )
        aggregates = conn.execute(
            sa.select(sa.func.count(sa.distinct(timeline.c.originator_id))).where(in_run)
        ).scalar()
    return [int(p) for p in positions], int(aggregates or 0)


def _prove(system: System, size: int, leaves: Sequence[int], root: str) -> InclusionProofs:
    """The proofs of these leaves under the checkpoint of `size`, from one pass over the
    sealed leaf hashes."""
    proofs = InclusionProofs(size, leaves)
    with system.db.read.connect() as conn:
        for begin in range(0, size, _LEAF_BATCH):
            end = min(size, begin + _LEAF_BATCH)
            rows = conn.execute(
                sa.select(seal_leaves.c.leaf_index, seal_leaves.c.leaf_hash)
                .where(seal_leaves.c.leaf_index >= begin, seal_leaves.c.leaf_index < end)
                .order_by(seal_leaves.c.leaf_index)
            ).all()
            if len(rows) != end - begin or any(
                r.leaf_index != begin + i for i, r in enumerate(rows)
            ):
                raise SealError(
                    f"the sealed log is damaged between leaves {begin} and {end - 1}: "
                    "run `yimai verify`"
                )
            for r in rows:
                proofs.add(bytes(r.leaf_hash))
    if proofs.root().hex() != root:
        raise SealError(f"the sealed log no longer matches checkpoint {size}: run `yimai verify`")
    return proofs


def prepare_evidence(
    system: System,
    *,
    entity: UUID | str | None = None,
    actor: str | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
) -> EvidenceBundle:
    """Find the selected events, a checkpoint that covers them and their proofs; the
    events themselves are read when the bundle is written.

    Raises EvidenceError for a bad or empty selection, SealError when there is no signing
    key or the seal does not match the log.
    """
    selection = select(
        entity=entity, actor=actor, since=since, until=until, tz=system.settings.tzinfo
    )
    head = system.app.last_position()
    system.runner.wait_for(head)
    system.seal.catch_up()
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    boundary: dict[str, tuple[int, int] | None] = {}
    if selection.kind == "range":
        after, last, cp = _range(system, selection)
        system.runner.wait_for(last)
        positions, aggregates = _range_counts(system, after, last)
        if not positions:
            raise EvidenceError(f"no events were saved in the range ({selection.describe()})")
        first_leaf, last_leaf = _leaf_indexes(system, [positions[0], positions[-1]])
        if last_leaf - first_leaf + 1 != len(positions):
            raise SealError(
                f"the sealed leaves {first_leaf} to {last_leaf} do not match the "
                f"{len(positions)} events of the run: run `yimai verify`"
            )
        leaves: Sequence[int] = range(first_leaf, last_leaf + 1)
        boundary["before"] = (
            (_position_of_leaf(system, first_leaf - 1), first_leaf - 1) if first_leaf else None
        )
        boundary["after"] = (
            (_position_of_leaf(system, last_leaf + 1), last_leaf + 1)
            if last_leaf + 1 < cp["tree_size"]
            else None
        )
    else:
        rows = _timeline_rows(system, selection, system.runner.position())
        if not rows:
            raise EvidenceError(f"no events match the selection ({selection.describe()})")
        positions = [position for position, _ in rows]
        aggregates = len({originator for _, originator in rows})
        leaves = _leaf_indexes(system, positions)
        cp = _covering(system, positions[-1])
    extra = [place[1] for place in boundary.values() if place is not None]
    proofs = _prove(system, cp["tree_size"], [*leaves, *extra], cp["root"])
    return EvidenceBundle(
        system,
        selection,
        cp,
        system.seal.public_key_pem(),
        positions,
        leaves,
        aggregates,
        proofs,
        boundary,
        created_at,
    )


def export_evidence(
    system: System,
    *,
    entity: UUID | str | None = None,
    actor: str | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
) -> dict[str, Any]:
    """The evidence bundle of one selection, as one JSON document (in memory): an entity
    (all its events), an actor (all the events they caused, perhaps between since and
    until) or a range of dates (the events saved from since up to until, inclusive)."""
    bundle = prepare_evidence(system, entity=entity, actor=actor, since=since, until=until)
    return bundle.to_dict()


def write_evidence(
    system: System,
    path: str | Path,
    *,
    entity: UUID | str | None = None,
    actor: str | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
) -> EvidenceBundle:
    """Write the evidence bundle of one selection to `path`, streaming its events; the
    bundle (for its counts) is returned."""
    bundle = prepare_evidence(system, entity=entity, actor=actor, since=since, until=until)
    bundle.write(path)
    return bundle


# -- what the API offers ------------------------------------------------------------------


class NothingSelectedError(NotFoundError):
    """No events match an evidence selection (maps to 404)."""

    def __init__(self, message: str) -> None:
        DomainError.__init__(self, message)
        self.kind = "events"


class SealView:
    """The seal as people with the audit right see it: checkpoints, proofs and evidence
    bundles. The public key is public. The seal's own errors become the domain's."""

    def __init__(self, system: System) -> None:
        self.system = system

    @property
    def seal(self) -> Sealer:
        return self.system.seal

    @staticmethod
    def _failed(error: SealError) -> RuleViolationError:
        return RuleViolationError("seal", str(error))

    def public_key(self) -> dict[str, str]:
        """The PEM public key that checks the checkpoints, and its id."""
        try:
            pem = self.seal.public_key_pem()
        except SealError as error:
            raise self._failed(error) from None
        return {"public_key": pem, "key_id": public_key_id(pem)}

    def latest_checkpoint(self, *, actor: Principal) -> dict[str, Any]:
        actor.require(Permission.AUDIT_READ)
        latest = self.seal.latest_checkpoint()
        if latest is None:
            raise NotFoundError("checkpoint", "none has been signed yet")
        return dict(latest)

    def checkpoints(self, *, actor: Principal, offset: int, limit: int) -> dict[str, Any]:
        """The signed checkpoints, oldest first, a page at a time."""
        actor.require(Permission.AUDIT_READ)
        everything = self.seal.checkpoints()
        return {
            "items": everything[offset : offset + limit],
            "total": len(everything),
            "offset": offset,
            "limit": limit,
        }

    def _checkpoint(self, size: int, name: str) -> dict[str, Any]:
        if size < 1:
            raise InvalidInputError(name, "must be a checkpoint's size (1 or more)")
        found = next((cp for cp in self.seal.checkpoints() if cp["tree_size"] == size), None)
        if found is None:
            raise NotFoundError("checkpoint", size)
        return dict(found)

    def inclusion_proof(
        self, position: int, checkpoint: int | None = None, *, actor: Principal
    ) -> dict[str, Any]:
        """A proof file that the event at `position` is in the signed log: under the given
        checkpoint, or the latest (signed now if none covers the event yet)."""
        actor.require(Permission.AUDIT_READ)
        if position < 1:
            raise InvalidInputError("position", "must be a position in the log (1 or more)")
        if checkpoint is not None:
            self._checkpoint(checkpoint, "checkpoint")
        if position > self.system.app.last_position():
            raise NotFoundError("event", position)
        try:
            self.seal.catch_up()
            leaf = _leaf_indexes(self.system, [position])[0]
        except SealError:
            raise NotFoundError("event", position) from None
        if checkpoint is not None and checkpoint <= leaf:
            raise RuleViolationError(
                "checkpoint_before_event",
                f"checkpoint {checkpoint} was signed before the event at position {position} "
                f"was sealed (it is leaf {leaf})",
            )
        try:
            return dict(self.seal.inclusion_proof(position, checkpoint))
        except SealError as error:
            raise self._failed(error) from None

    def consistency_proof(self, first: int, second: int, *, actor: Principal) -> dict[str, Any]:
        """A proof file that checkpoint `second` extends checkpoint `first` unchanged."""
        actor.require(Permission.AUDIT_READ)
        self._checkpoint(first, "first")
        self._checkpoint(second, "second")
        if second < first:
            raise InvalidInputError("second", "must not be smaller than first")
        try:
            return dict(self.seal.consistency_proof(first, second))
        except SealError as error:
            raise self._failed(error) from None

    def evidence(
        self,
        into: IO[bytes],
        *,
        actor: Principal,
        entity: UUID | str | None = None,
        by: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> EvidenceBundle:
        """Write an evidence bundle (UTF-8 JSON) into `into` and return it (see
        `prepare_evidence`); `by` is the actor whose events are selected."""
        actor.require(Permission.AUDIT_READ)
        try:
            bundle = prepare_evidence(
                self.system, entity=entity, actor=by, since=since, until=until
            )
            for chunk in bundle.chunks():
                into.write(chunk.encode("utf-8"))
            return bundle
        except EvidenceError as error:
            if error.field is None:
                raise NothingSelectedError("no events match this selection") from None
            raise InvalidInputError(error.field, error.reason) from None
        except SealError as error:
            raise self._failed(error) from None
