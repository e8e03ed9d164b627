"""The seal: every stored event, in log order, a leaf of one append-only Merkle tree.

The tree is RFC 9162's, and its code is the stand-alone verifier's
(`verifier/yimai_verify.py`), so what Yimai seals and what anyone checks offline cannot
disagree. A leaf is the event exactly as stored (id, version, topic, state bytes) in the
verifier's canonical JSON; the leaf index is the event's place in the sealed log, not the
database's id (PostgreSQL's ids have gaps).

- `yimai_seal` holds one row per sealed event: its leaf index, its notification id and
  its leaf hash, so proofs never re-read the events.
- The `Sealer` appends to it from any process. Each batch commits in ONE transaction that
  also moves the sealer's tracking row ("seal" in `yimai_seal_head`) by compare-and-set,
  as the read models' runner moves theirs. The row holds the last sealed position, the
  tree's size and the roots of its perfect subtrees, which is all a checkpoint needs. So
  no event is sealed twice or skipped, even with several processes sealing at once, and
  a checkpoint never re-reads the tree. (The row is apart from `yimai_tracking`, which
  holds the read models' positions only.)
- `yimai_checkpoints` holds signed checkpoints (Ed25519): one every
  `Settings.checkpoint_every` sealed events, made in the batch's transaction, and on
  demand.
- `verify()` trusts nothing it stored: it recomputes every leaf from the events in log
  order and lines them up with the sealed leaves to say where each difference is, and
  checks every checkpoint's signature and its root against the recomputed tree.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import Notification
from sqlalchemy.engine import Connection

from domain.application import Yimai
from projections.config import Settings
from projections.db import Database, metadata
from projections.runner import Follower
from verifier.yimai_verify import (
    HASH_SIZE,
    RootAccumulator,
    checkpoint_message,
    consistency_proof,
    inclusion_proof,
    leaf_bytes,
    leaf_hash,
    public_key_id,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: The name of the sealer's tracking row.
SEAL = "seal"

seal_leaves = sa.Table(
    "yimai_seal",
    metadata,
    sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("leaf_hash", sa.LargeBinary(HASH_SIZE), nullable=False),
)

#: The sealer's tracking row: the last sealed position (notification id), moved by
#: compare-and-set; the sealed tree's size; and the roots of its perfect subtrees, largest
#: first (one per set bit of the size), concatenated: enough to add leaves and to take
#: the root.
seal_head = sa.Table(
    "yimai_seal_head",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("subtrees", sa.LargeBinary, nullable=False),
)

checkpoints = sa.Table(
    "yimai_checkpoints",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root", sa.String(64), nullable=False),
    sa.Column("made_at", sa.String(40), nullable=False),
    sa.Column("signature", sa.String(100), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
)


class SealError(Exception):
    """A seal operation cannot be done; the message says why, for an operator."""


class _Raced(Exception):
    """Another process sealed first; read again."""


# -- the signing key -------------------------------------------------------------------


def create_signing_key(path: Path) -> bool:
    """Create an Ed25519 key at `path` (mode 0600); False if one is there already.

    Never overwrites: the file is created exclusively, so two processes creating it at
    once leave exactly one key.
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(pem)
    return True


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SealError(
            f"no signing key at {path}: `yimai init` creates one "
            "(or set YIMAI_SIGNING_KEY to where it is)"
        ) from None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SealError(f"{path} is not an Ed25519 private key")
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# -- the tree's right edge -------------------------------------------------------------


class Frontier(RootAccumulator):
    """The verifier's `RootAccumulator`, stored in and restored from `yimai_seal_head`.

    The subtree widths follow from the size (its set bits, largest first), so only the
    roots are stored.
    """

    @classmethod
    def restore(cls, size: int, data: bytes) -> Frontier:
        if len(data) % HASH_SIZE:
            raise SealError("the seal's head is damaged: run `yimai verify`")
        roots = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        try:
            return cls.from_subtree_roots(size, roots)
        except ValueError:
            raise SealError("the seal's head is damaged: run `yimai verify`") from None

    def dump(self) -> bytes:
        return b"".join(self.subtree_roots)

    def copy(self) -> Frontier:
        return Frontier.restore(self.size, self.dump())


# -- verification results ------------------------------------------------------------


@dataclass
class Problem:
    """One thing `verify` found wrong, with its place.

    `position` is the event's position in the log (its notification id), `leaf_index`
    its place in the sealed log; `tree_size` names a checkpoint.
    """

    kind: str
    message: str
    position: int | None = None
    leaf_index: int | None = None
    sealed_leaf_index: int | None = None
    aggregate: str | None = None
    version: int | None = None
    event: str | None = None
    tree_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


#: The kinds of problem, in the order a report lists them.
KINDS = (
    "edited",
    "deleted",
    "inserted",
    "reordered",
    "truncated",
    "bad_signature",
    "rewritten",
    "seal_damaged",
    "no_key",
)

#: Problems kept in a report (the count is always complete).
MAX_PROBLEMS = 1000
#: Differences kept in memory while lining the logs up, to tell moves from edits.
_MAX_DETAIL = 100_000
#: How far ahead (in events) a difference is looked past to find where the logs agree.
_WINDOW = 32


@dataclass
class VerifyReport:
    """What `verify` checked and what it found."""

    events: int = 0
    sealed: int = 0
    unsealed: int = 0
    checkpoints: int = 0
    latest_checkpoint: dict[str, Any] | None = None
    key_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "sealed": self.sealed,
            "unsealed": self.unsealed,
            "checkpoints": self.checkpoints,
            "latest_checkpoint": self.latest_checkpoint,
            "key_id": self.key_id,
            "problem_count": self.problem_count,
            "problems": [p.to_dict() for p in self.problems],
            "seconds": round(self.seconds, 3),
        }


def _short(topic: str) -> str:
    return topic.rsplit(":", 1)[-1]


def _leaf_of(n: Notification) -> bytes:
    return leaf_hash(leaf_bytes(n.originator_id, n.originator_version, n.topic, n.state))


T = TypeVar("T")


class _Ahead(Generic[T]):
    """A stream of batches read one item at a time, with a look ahead."""

    def __init__(self, batches: Iterator[Sequence[T]]) -> None:
        self._batches = batches
        #: Items read and not taken yet start at `pos`.
        self.items: list[T] = []
        self.pos = 0
        self._done = False

    def available(self) -> int:
        return len(self.items) - self.pos

    def peek(self, k: int = 0) -> T | None:
        while len(self.items) - self.pos <= k and not self._done:
            batch = next(self._batches, None)
            if batch is None:
                self._done = True
            else:
                self.items = [*self.items[self.pos :], *batch]
                self.pos = 0
        i = self.pos + k
        return self.items[i] if i < len(self.items) else None

    def take(self) -> T:
        item = self.items[self.pos]
        self.pos += 1
        return item


# An event as verify reads it: (leaf hash, notification, index in the stored log).
_Event = tuple[bytes, Notification, int]
# A sealed leaf: (leaf hash, notification id, leaf index).
_Sealed = tuple[bytes, int, int]


# -- the sealer ------------------------------------------------------------------------


class Sealer(Follower):
    """Seals the event log, signs checkpoints, makes proofs and verifies, from any process."""

    thread_name = "yimai-sealer"
    following = "the seal"

    def __init__(self, app: Yimai, db: Database, settings: Settings, batch_size: int = 1000):
        self.app = app
        self.db = db
        self.settings = settings
        self.batch_size = batch_size
        #: Events read per batch by `verify`.
        self.verify_batch_size = 5000
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._key: Ed25519PrivateKey | None = None
        self._warned_no_key = False

    # -- set-up and state ------------------------------------------------------------

    def ensure_rows(self) -> None:
        """The sealer's tracking row (once, under the write lock)."""
        with self.db.write.begin() as conn:
            if not self.db.is_sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7041)"))
            if conn.execute(sa.select(seal_head.c.name).where(seal_head.c.name == SEAL)).first():
                return
            conn.execute(
                seal_head.insert().values(name=SEAL, position=0, tree_size=0, subtrees=b"")
            )

    @property
    def key_path(self) -> Path:
        return self.settings.signing_key

    def ensure_key(self) -> bool:
        """Create the signing key if there is none; True if it was created now."""
        return create_signing_key(self.key_path)

    def signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = load_signing_key(self.key_path)
        return self._key

    def public_key_pem(self) -> str:
        return public_pem(self.signing_key())

    def position(self) -> int:
        """The last sealed event's position (notification id)."""
        with self.db.read.connect() as conn:
            found = conn.execute(
                sa.select(seal_head.c.position).where(seal_head.c.name == SEAL)
            ).scalar()
        return int(found or 0)

    def sealed_count(self) -> int:
        with self.db.read.connect() as conn:
            found = conn.execute(
                sa.select(seal_head.c.tree_size).where(seal_head.c.name == SEAL)
            ).scalar()
        return int(found or 0)

    def checkpoints(self) -> list[dict[str, Any]]:
        with self.db.read.connect() as conn:
            rows = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.tree_size))
            return [self._cp(r._mapping) for r in rows]

    def latest_checkpoint(self) -> dict[str, Any] | None:
        with self.db.read.connect() as conn:
            row = conn.execute(
                sa.select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)
            ).first()
        return None if row is None else self._cp(row._mapping)

    def _checkpoint_of(self, size: int) -> dict[str, Any] | None:
        with self.db.read.connect() as conn:
            query = sa.select(checkpoints).where(checkpoints.c.tree_size == size)
            row = conn.execute(query).first()
        return None if row is None else self._cp(row._mapping)

    @staticmethod
    def _cp(row: Any) -> dict[str, Any]:
        return {
            "tree_size": int(row["tree_size"]),
            "root": row["root"],
            "made_at": row["made_at"],
            "signature": row["signature"],
            "key_id": row["key_id"],
        }

    # -- sealing ---------------------------------------------------------------------

    def _signer(self) -> Ed25519PrivateKey | None:
        """The key for the automatic checkpoints, or None (warned once) if there is none:
        sealing goes on; checkpoints wait for the key."""
        try:
            return self.signing_key()
        except SealError as error:
            if not self._warned_no_key:
                log.warning("sealing without automatic checkpoints: %s", error)
                self._warned_no_key = True
            return None

    def _sign(self, key: Ed25519PrivateKey, size: int, tree_root: bytes) -> dict[str, Any]:
        made_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        signature = key.sign(checkpoint_message(size, tree_root, made_at))
        return {
            "tree_size": size,
            "root": tree_root.hex(),
            "made_at": made_at,
            "signature": base64.b64encode(signature).decode("ascii"),
            "key_id": public_key_id(public_pem(key)),
        }

    def _lock_head(self, conn: Connection) -> tuple[int, Frontier]:
        """The sealed position and the tree, the tracking row locked (PostgreSQL;
        SQLite's writers already hold the file's write lock)."""
        query = sa.select(seal_head.c.position, seal_head.c.tree_size, seal_head.c.subtrees)
        query = query.where(seal_head.c.name == SEAL)
        if not self.db.is_sqlite:
            query = query.with_for_update()
        head = conn.execute(query).one()
        return int(head.position), Frontier.restore(int(head.tree_size), bytes(head.subtrees))

    def catch_up(self, *, progress: Progress | None = None) -> int:
        """Seal the events written so far that are not sealed yet; returns how many this
        call sealed (another process may have sealed some of them)."""
        sealed = 0
        with self._lock:
            head = self.app.last_position()
            signer = self._signer()
            while True:
                start = self.position()
                if start >= head:
                    break
                notifications = self.app.recorder.select_notifications(
                    start=start, limit=self.batch_size, stop=head, inclusive_of_start=False
                )
                if not notifications:
                    break
                leaves = [(n.id, _leaf_of(n)) for n in notifications]
                try:
                    self._append(start, leaves, signer)
                except _Raced:
                    continue
                sealed += len(leaves)
                if progress:
                    progress(leaves[-1][0], head)
        return sealed

    def _append(
        self, start: int, leaves: Sequence[tuple[int, bytes]], signer: Ed25519PrivateKey | None
    ) -> None:
        every = self.settings.checkpoint_every
        with self.db.write.begin() as conn:
            position, frontier = self._lock_head(conn)
            if position != start:
                raise _Raced
            rows, made = [], []
            for notification_id, hashed in leaves:
                rows.append(
                    {
                        "leaf_index": frontier.size,
                        "notification_id": notification_id,
                        "leaf_hash": hashed,
                    }
                )
                frontier.append(hashed)
                if signer is not None and frontier.size % every == 0:
                    made.append(self._sign(signer, frontier.size, frontier.root()))
            conn.execute(seal_leaves.insert(), rows)
            if made:
                conn.execute(checkpoints.insert(), made)
            moved = conn.execute(
                seal_head.update()
                .where(seal_head.c.name == SEAL, seal_head.c.position == start)
                .values(position=leaves[-1][0], tree_size=frontier.size, subtrees=frontier.dump())
            ).rowcount
            if moved != 1:
                raise _Raced

    def follow_once(self) -> None:
        """Seal what is new and, when something sealed is not under a checkpoint signed
        in the last `checkpoint_minutes`, sign one: the public site's figures and a
        resident's proof then wait minutes, not a thousand events."""
        self.catch_up()
        self.sign_if_due()

    def sign_if_due(self, now: datetime | None = None) -> dict[str, Any] | None:
        """Sign a checkpoint if sealed events are uncovered and the latest checkpoint is
        older than `checkpoint_minutes` (0: never); returns the one signed, else None."""
        minutes = self.settings.checkpoint_minutes
        if minutes <= 0 or self._signer() is None:
            return None
        size = self.sealed_count()
        latest = self.latest_checkpoint()
        if size == 0 or (latest is not None and latest["tree_size"] >= size):
            return None
        now = now or datetime.now(UTC)
        if latest is not None:
            made = datetime.fromisoformat(latest["made_at"])
            if now - made < timedelta(minutes=minutes):
                return None
        return self.checkpoint()

    def checkpoint(self) -> dict[str, Any]:
        """Seal what is new and sign a checkpoint of the whole sealed log (or return the
        one already signed at that size)."""
        key = self.signing_key()
        self.catch_up()
        with self._lock, self.db.write.begin() as conn:
            _, frontier = self._lock_head(conn)
            if frontier.size == 0:
                raise SealError("the log is empty: there is nothing to sign")
            row = conn.execute(
                sa.select(checkpoints).where(checkpoints.c.tree_size == frontier.size)
            ).first()
            if row is not None:
                return self._cp(row._mapping)
            made = self._sign(key, frontier.size, frontier.root())
            conn.execute(checkpoints.insert().values(**made))
            return made

    # -- proofs ----------------------------------------------------------------------

    def _leaf_hashes(self, size: int) -> list[bytes]:
        """The first `size` sealed leaf hashes, read in batches (32 bytes each)."""
        hashes: list[bytes] = []
        step = 50_000
        with self.db.read.connect() as conn:
            for begin in range(0, size, step):
                end = min(size, begin + step)
                rows = conn.execute(
                    sa.select(seal_leaves.c.leaf_index, seal_leaves.c.leaf_hash)
                    .where(seal_leaves.c.leaf_index >= begin, seal_leaves.c.leaf_index < end)
                    .order_by(seal_leaves.c.leaf_index)
                ).all()
                if [r.leaf_index for r in rows] != list(range(begin, end)):
                    raise SealError(
                        f"the sealed log is damaged between leaves {begin} and {end - 1}: "
                        "run `yimai verify`"
                    )
                hashes.extend(bytes(r.leaf_hash) for r in rows)
        return hashes

    def _covering(self, leaf_index: int, checkpoint_size: int | None) -> dict[str, Any]:
        if checkpoint_size is None:
            cp = self.latest_checkpoint()
            if cp is None or cp["tree_size"] <= leaf_index:
                cp = self.checkpoint()
            return cp
        cp = self._checkpoint_of(checkpoint_size)
        if cp is None:
            known = ", ".join(str(c["tree_size"]) for c in self.checkpoints()[-10:])
            raise SealError(
                f"there is no checkpoint of size {checkpoint_size}"
                + (f" (latest: {known})" if known else "")
            )
        if cp["tree_size"] <= leaf_index:
            raise SealError(
                f"checkpoint {checkpoint_size} was signed before this event was sealed "
                f"(it is leaf {leaf_index})"
            )
        return cp

    def inclusion_proof(self, position: int, checkpoint_size: int | None = None) -> dict[str, Any]:
        """A proof file (as JSON) that the event at `position` is in the signed log: under
        the latest checkpoint (signing one if none covers the event yet) or the given one."""
        leaf_index = self._leaf_index(position)
        if leaf_index is None:
            self.catch_up()
            leaf_index = self._leaf_index(position)
            if leaf_index is None:
                raise SealError(f"there is no event at position {position}")
        cp = self._covering(leaf_index, checkpoint_size)
        size = cp["tree_size"]
        hashes = self._leaf_hashes(size)
        (event,) = self.app.recorder.select_notifications(
            start=position, limit=1, stop=position, inclusive_of_start=True
        ) or (None,)
        if event is None:
            raise SealError(f"the event at position {position} is gone: run `yimai verify`")
        hashed = _leaf_of(event)
        if hashed != hashes[leaf_index]:
            raise SealError(
                f"the stored event at position {position} differs from its sealed leaf: "
                "run `yimai verify`"
            )
        proof = inclusion_proof(hashes, leaf_index)
        if not verify_inclusion(hashed, leaf_index, size, proof, bytes.fromhex(cp["root"])):
            raise SealError(
                f"the sealed log no longer matches checkpoint {size}: run `yimai verify`"
            )
        return {
            "kind": "inclusion",
            "leaf": {
                "id": str(event.originator_id),
                "version": event.originator_version,
                "topic": event.topic,
                "state": base64.b64encode(event.state).decode("ascii"),
            },
            "leaf_index": leaf_index,
            "tree_size": size,
            "proof": [h.hex() for h in proof],
            "checkpoint": cp,
            "public_key": self.public_key_pem(),
        }

    def _leaf_index(self, position: int) -> int | None:
        with self.db.read.connect() as conn:
            found = conn.execute(
                sa.select(seal_leaves.c.leaf_index).where(seal_leaves.c.notification_id == position)
            ).scalar()
        return None if found is None else int(found)

    def consistency_proof(self, m: int, n: int) -> dict[str, Any]:
        """A proof file (as JSON) that checkpoint `n` extends checkpoint `m` unchanged."""
        if not 0 < m <= n:
            raise SealError("a consistency proof goes from a smaller checkpoint to a larger one")
        first, second = self._checkpoint_of(m), self._checkpoint_of(n)
        for size, cp in ((m, first), (n, second)):
            if cp is None:
                raise SealError(f"there is no checkpoint of size {size}")
        assert first is not None and second is not None
        hashes = self._leaf_hashes(n)
        proof = consistency_proof(hashes, m, n)
        if not verify_consistency(
            m, n, bytes.fromhex(first["root"]), bytes.fromhex(second["root"]), proof
        ):
            raise SealError(
                f"the sealed log does not lead from checkpoint {m} to checkpoint {n}: "
                "run `yimai verify`"
            )
        return {
            "kind": "consistency",
            "first": first,
            "second": second,
            "proof": [h.hex() for h in proof],
            "public_key": self.public_key_pem(),
        }

    # -- verifying -------------------------------------------------------------------

    def verify(
        self, progress: Progress | None = None, *, public_key_pem: str | None = None
    ) -> VerifyReport:
        """Recompute the tree from the stored events and check it against the seal and
        every checkpoint. Reads the log in batches; memory stays small however long it is.

        `public_key_pem` checks the signatures with that key instead of the signing key's.
        """
        started = time.perf_counter()
        return _Verification(self, progress, public_key_pem).run(started)


class _Verification:
    """One run of `Sealer.verify`: two streams lined up, then the checkpoints."""

    def __init__(self, sealer: Sealer, progress: Progress | None, public_key_pem: str | None):
        self.sealer = sealer
        self.db = sealer.db
        self.progress = progress
        self.public_key_pem = public_key_pem
        self.report = VerifyReport()
        # Differences found while lining up; classified at the end.
        self.edits: list[tuple[_Event, _Sealed]] = []
        self.inserts: list[_Event] = []
        self.deletes: list[_Sealed] = []
        self.truncated = False
        self.detail_overflow = 0
        #: Roots of the recomputed tree and of the sealed leaves, at the sizes wanted.
        self.roots: dict[int, bytes] = {}
        self.sealed_roots: dict[int, bytes] = {}
        #: How many leaves the events and the seal agree on before their first difference.
        self.agreed: int | None = None
        #: The largest validly signed checkpoint the stored events still hash to: the
        #: events before it are as signed, so a difference there is the seal's own.
        self.vouched = 0

    # -- the two streams ---------------------------------------------------------------

    def _events(self, head: int) -> Iterator[list[_Event]]:
        recorder = self.sealer.app.recorder
        start, index = 0, 0
        limit = self.sealer.verify_batch_size
        while start < head:
            batch = recorder.select_notifications(
                start=start, limit=limit, stop=head, inclusive_of_start=False
            )
            if not batch:
                return
            items = []
            for n in batch:
                items.append(
                    (
                        leaf_hash(
                            leaf_bytes(n.originator_id, n.originator_version, n.topic, n.state)
                        ),
                        n,
                        index,
                    )
                )
                index += 1
            yield items
            start = batch[-1].id
            if self.progress:
                self.progress(start, head)

    def _sealed(self, last_leaf: int) -> Iterator[list[_Sealed]]:
        after, expected, last_id = -1, 0, 0
        limit = self.sealer.verify_batch_size
        while True:
            with self.db.read.connect() as conn:
                rows = conn.execute(
                    sa.select(
                        seal_leaves.c.leaf_hash,
                        seal_leaves.c.notification_id,
                        seal_leaves.c.leaf_index,
                    )
                    .where(seal_leaves.c.leaf_index > after, seal_leaves.c.leaf_index <= last_leaf)
                    .order_by(seal_leaves.c.leaf_index)
                    .limit(limit)
                ).all()
            if not rows:
                return
            items = []
            for hashed, notification_id, leaf_index in rows:
                if leaf_index != expected or notification_id <= last_id:
                    self.report.add(
                        Problem(
                            "seal_damaged",
                            f"the sealed log is damaged at leaf {leaf_index}: expected leaf "
                            f"{expected} after position {last_id}, found position "
                            f"{notification_id}",
                            position=int(notification_id),
                            leaf_index=int(leaf_index),
                        )
                    )
                expected, last_id = leaf_index + 1, notification_id
                items.append((bytes(hashed), int(notification_id), int(leaf_index)))
            yield items
            after = rows[-1][2]

    # -- the run -----------------------------------------------------------------------

    def run(self, started: float) -> VerifyReport:
        report = self.report
        # Checkpoints, then the seal, then the log: each covers only what the next one
        # already holds, so sealing meanwhile cannot make anything look missing.
        cps = self.sealer.checkpoints()
        with self.db.read.connect() as conn:
            head_row = conn.execute(
                sa.select(seal_head.c.tree_size, seal_head.c.subtrees).where(
                    seal_head.c.name == SEAL
                )
            ).first()
            last_leaf = conn.execute(sa.select(sa.func.max(seal_leaves.c.leaf_index))).scalar()
        head = self.sealer.app.last_position()
        # Roots to take along the recomputed tree: at each checkpoint and the seal's head.
        sizes = {cp["tree_size"] for cp in cps} | ({int(head_row[0])} if head_row else set())
        wanted = sorted(size for size in sizes if size > 0)
        self._line_up(head, -1 if last_leaf is None else int(last_leaf), wanted)
        self._check_checkpoints(cps)
        self._classify()
        if head_row is not None:
            self._check_head(int(head_row[0]), bytes(head_row[1]))
        report.checkpoints = len(cps)
        report.latest_checkpoint = cps[-1] if cps else None
        report.problems.sort(key=lambda p: (KINDS.index(p.kind), p.leaf_index or 0))
        report.seconds = time.perf_counter() - started
        return report

    def _line_up(self, head: int, last_leaf: int, wanted: list[int]) -> None:
        """Walk the stored events and the sealed leaves side by side.

        Where they differ, look up to `_WINDOW` items ahead in each for the nearest place
        they agree again: items skipped on the events' side were inserted, on the seal's
        side deleted, on both sides edited. Moves are told apart from edits afterwards by
        their hashes (`_classify`).
        """
        report = self.report
        events: _Ahead[_Event] = _Ahead(self._events(head))
        sealed: _Ahead[_Sealed] = _Ahead(self._sealed(last_leaf))
        tree = Frontier()
        # The sealed leaves' own tree, needed only once they differ from the events.
        sealed_tree: Frontier | None = None
        wanted_sealed = set(wanted)
        goal = iter(wanted)
        next_size = next(goal, None)
        last_sealed_id = 0

        def grow(hashes: Sequence[bytes]) -> None:
            """Add leaves to the recomputed tree, taking its root at each wanted size."""
            nonlocal next_size
            i, count = 0, len(hashes)
            while next_size is not None and i < count:
                take = min(count - i, next_size - tree.size)
                for hashed in hashes[i : i + take]:
                    tree.append(hashed)
                i += take
                while next_size is not None and tree.size == next_size:
                    self.roots[next_size] = tree.root()
                    next_size = next(goal, None)

        def grow_sealed(hashed: bytes) -> None:
            if sealed_tree is not None and len(hashed) == HASH_SIZE:
                sealed_tree.append(hashed)
                if sealed_tree.size in wanted_sealed:
                    self.sealed_roots[sealed_tree.size] = sealed_tree.root()

        def take_event() -> _Event:
            item = events.take()
            report.events += 1
            grow((item[0],))
            return item

        def take_sealed() -> _Sealed:
            nonlocal last_sealed_id
            item = sealed.take()
            report.sealed += 1
            last_sealed_id = item[1]
            grow_sealed(item[0])
            return item

        while True:
            e, s = events.peek(), sealed.peek()
            if e is None and s is None:
                break
            if e is not None and s is not None and e[0] == s[0]:
                # The usual case: a run of agreement, as far as both have been read.
                n = min(events.available(), sealed.available())
                mine = [x[0] for x in events.items[events.pos : events.pos + n]]
                theirs = [x[0] for x in sealed.items[sealed.pos : sealed.pos + n]]
                run = n
                if mine != theirs:
                    run = next(k for k in range(n) if mine[k] != theirs[k])
                grow(mine[:run])
                if sealed_tree is not None:
                    for hashed in theirs[:run]:
                        grow_sealed(hashed)
                last_sealed_id = sealed.items[sealed.pos + run - 1][1]
                events.pos += run
                sealed.pos += run
                report.events += run
                report.sealed += run
                continue
            if self.agreed is None:
                # Up to here both trees are one; from here on the seal's is its own.
                self.agreed = report.events
                if next_size is not None:
                    sealed_tree = tree.copy()
            if s is None:
                event = take_event()
                if event[1].id <= last_sealed_id:
                    self._note(self.inserts, event)
                else:
                    report.unsealed += 1
                continue
            if e is None:
                self._truncated(take_sealed, sealed)
                break
            found = self._resync(events, sealed)
            if found is None:
                self._note(self.edits, (take_event(), take_sealed()))
                continue
            a, b = found
            for _ in range(min(a, b)):
                self._note(self.edits, (take_event(), take_sealed()))
            for _ in range(a - min(a, b)):
                self._note(self.inserts, take_event())
            for _ in range(b - min(a, b)):
                self._note(self.deletes, take_sealed())

    def _sealed_root(self, size: int) -> bytes | None:
        """The root of the first `size` sealed leaves, if it was taken."""
        if self.agreed is None or size <= self.agreed:
            return self.roots.get(size)
        return self.sealed_roots.get(size)

    def _note(self, into: list[Any], item: Any) -> None:
        if len(self.edits) + len(self.inserts) + len(self.deletes) < _MAX_DETAIL:
            into.append(item)
        else:
            self.detail_overflow += 1

    @staticmethod
    def _resync(events: _Ahead[_Event], sealed: _Ahead[_Sealed]) -> tuple[int, int] | None:
        """The nearest (a, b), a + b smallest, where event a ahead is sealed leaf b ahead.

        Two neighbours that changed places are one block of two, so that both are told
        as moved (not one deleted and put back one place later).
        """
        e0, e1, s0, s1 = events.peek(0), events.peek(1), sealed.peek(0), sealed.peek(1)
        if e0 and e1 and s0 and s1 and e0[0] == s1[0] and e1[0] == s0[0]:
            return 2, 2
        where: dict[bytes, int] = {}
        for b in range(_WINDOW + 1):
            s = sealed.peek(b)
            if s is None:
                break
            where.setdefault(s[0], b)
        best: tuple[int, int] | None = None
        for a in range(_WINDOW + 1):
            if best is not None and a >= best[0] + best[1]:
                break
            e = events.peek(a)
            if e is None:
                break
            found = where.get(e[0])
            if found is not None and (best is None or a + found < best[0] + best[1]):
                best = (a, found)
        return best

    def _truncated(self, take_sealed: Callable[[], _Sealed], sealed: _Ahead[_Sealed]) -> None:
        first = take_sealed()
        last, count = first, 1
        while sealed.peek() is not None:
            last = take_sealed()
            count += 1
        self.truncated = True
        self.report.add(
            Problem(
                "truncated",
                f"the log ends early: the last {count} sealed event(s), from position "
                f"{first[1]} (leaf {first[2]}) to position {last[1]} (leaf {last[2]}), "
                "are gone",
                position=first[1],
                leaf_index=first[2],
            )
        )

    def _classify(self) -> None:
        """Differences to problems: an event found elsewhere in the seal was moved."""
        report = self.report
        sealed_at: dict[bytes, _Sealed] = {s[0]: s for _, s in self.edits}
        sealed_at.update((s[0], s) for s in self.deletes)
        stored_at: set[bytes] = {e[0] for e, _ in self.edits} | {e[0] for e in self.inserts}

        def about(e: _Event) -> dict[str, Any]:
            n = e[1]
            return {
                "position": n.id,
                "leaf_index": e[2],
                "aggregate": str(n.originator_id),
                "version": n.originator_version,
                "event": _short(n.topic),
            }

        def moved(e: _Event) -> bool:
            was = sealed_at.get(e[0])
            if was is None:
                return False
            n = e[1]
            report.add(
                Problem(
                    "reordered",
                    f"event {_short(n.topic)} of aggregate {n.originator_id} version "
                    f"{n.originator_version} stands at position {n.id} (leaf {e[2]}) but "
                    f"was sealed at position {was[1]} (leaf {was[2]})",
                    sealed_leaf_index=was[2],
                    **about(e),
                )
            )
            return True

        def seal_changed(index: int, text: str, **fields: Any) -> bool:
            if index >= self.vouched:
                return False
            report.add(
                Problem(
                    "seal_damaged",
                    f"{text}; the stored events match signed checkpoint {self.vouched}, so it "
                    "is the seal that was changed",
                    **fields,
                )
            )
            return True

        for e, _ in self.edits:
            n = e[1]
            if seal_changed(
                e[2],
                f"the sealed leaf at position {n.id} (leaf {e[2]}) is not the stored event's",
                position=n.id,
                leaf_index=e[2],
            ):
                continue
            if not moved(e):
                report.add(
                    Problem(
                        "edited",
                        f"the event at position {n.id} (leaf {e[2]}), aggregate "
                        f"{n.originator_id} version {n.originator_version} "
                        f"({_short(n.topic)}), is not what was sealed there",
                        **about(e),
                    )
                )
        for e in self.inserts:
            n = e[1]
            if seal_changed(
                e[2],
                f"the seal has no leaf for the event at position {n.id} (leaf {e[2]})",
                position=n.id,
                leaf_index=e[2],
            ):
                continue
            if not moved(e):
                report.add(
                    Problem(
                        "inserted",
                        f"an event that was never sealed stands at position {n.id} (leaf "
                        f"{e[2]}): aggregate {n.originator_id} version "
                        f"{n.originator_version} ({_short(n.topic)})",
                        **about(e),
                    )
                )
        for s in self.deletes:
            if seal_changed(
                s[2],
                f"the seal has a leaf at position {s[1]} (leaf {s[2]}) for no stored event",
                position=s[1],
                leaf_index=s[2],
            ):
                continue
            if s[0] not in stored_at:
                report.add(
                    Problem(
                        "deleted",
                        f"the event sealed at position {s[1]} (leaf {s[2]}) is gone",
                        position=s[1],
                        leaf_index=s[2],
                    )
                )
        if self.detail_overflow:
            report.add(
                Problem(
                    "edited",
                    f"{self.detail_overflow} further differences between the events and the "
                    "seal were not itemized",
                )
            )

    def _check_checkpoints(self, cps: list[dict[str, Any]]) -> None:
        report = self.report
        pem = self.public_key_pem
        if pem is None:
            try:
                pem = self.sealer.public_key_pem()
            except SealError as error:
                if cps:
                    report.add(Problem("no_key", f"signatures not checked: {error}"))
        signed: set[int] = set()
        if pem is not None:
            try:
                report.key_id = public_key_id(pem)
            except ValueError as error:
                report.add(Problem("no_key", f"signatures not checked: {error}"))
                pem = None
        if pem is not None:
            for cp in cps:
                if verify_checkpoint(cp, pem):
                    signed.add(cp["tree_size"])
                else:
                    report.add(
                        Problem(
                            "bad_signature",
                            f"checkpoint {cp['tree_size']} (made at {cp['made_at']}) does not "
                            f"bear a valid signature of key {report.key_id}: its size, root or "
                            "time was changed, or another key signed it",
                            tree_size=cp["tree_size"],
                        )
                    )
        # The log as it is now must extend every signed checkpoint.
        good = 0
        beyond: dict[str, Any] | None = None
        rewritten: dict[str, Any] | None = None
        later = 0
        for cp in cps:
            size = cp["tree_size"]
            if size > report.events:
                beyond = cp
                continue
            if self.roots.get(size, b"").hex() == cp["root"]:
                if rewritten is None:
                    good = size
                if size in signed:
                    self.vouched = max(self.vouched, size)
                continue
            if rewritten is None:
                rewritten = cp
            else:
                later += 1
        if rewritten is not None:
            size = rewritten["tree_size"]
            more = f"; so do the {later} checkpoint(s) after it" if later else ""
            since = f"checkpoint {good}" if good else "the first event"
            report.add(
                Problem(
                    "rewritten",
                    f"history was rewritten after checkpoint {size} was signed (at "
                    f"{rewritten['made_at']}): the first {size} events no longer hash to its "
                    f"root, so the log is not an extension of it. The change lies between "
                    f"leaf {good} and leaf {size - 1} (the log still extends {since})"
                    f"{more}",
                    tree_size=size,
                    leaf_index=good,
                )
            )
            sealed_root = self._sealed_root(size)
            if sealed_root is not None and sealed_root.hex() != rewritten["root"]:
                report.add(
                    Problem(
                        "seal_damaged",
                        f"the sealed leaves do not hash to the root of checkpoint {size} either",
                        tree_size=size,
                    )
                )
        if beyond is not None:
            size = beyond["tree_size"]
            gone = self.truncated or not self.deletes
            report.add(
                Problem(
                    "truncated" if gone else "rewritten",
                    f"checkpoint {size} (made at {beyond['made_at']}) signs a log of {size} "
                    f"events, but only {report.events} remain",
                    tree_size=size,
                    leaf_index=report.events,
                )
            )

    def _check_head(self, size: int, subtrees: bytes) -> None:
        try:
            head_root = Frontier.restore(size, subtrees).root()
        except SealError as error:
            self.report.add(Problem("seal_damaged", str(error)))
            return
        if size > self.report.sealed:
            self.report.add(
                Problem(
                    "seal_damaged",
                    f"the seal's head counts {size} sealed events, but {self.report.sealed} "
                    "sealed leaves remain",
                )
            )
        elif (sealed := self._sealed_root(size)) is not None and sealed != head_root:
            self.report.add(
                Problem(
                    "seal_damaged",
                    f"the seal's head (the tree of {size} events the next checkpoint grows "
                    "from) does not match the sealed leaves",
                    tree_size=size,
                )
            )
