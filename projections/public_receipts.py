"""回执查询: what anyone holding a receipt code may read about its request, and the proof
that the request was recorded in the signed ledger.

The receipt code is all a resident has, so it is all the lookup asks for. The answer is
the request's public status only, built field by field from an allowlist (`RECEIPT_FIELDS`):
its state, category and place (community and grid branch), the dates its milestones were
reached, its due dates while it is open, and the published outcome's id once there is one.
Never the description, the requester, the contact, the claimant, notes, the building or
anything sealed: those columns are not even selected.

The proof is the sealer's inclusion proof of the receipt's own event (`ReceiptCode.Issued`,
saved with the request's `Placed` in one transaction) under the latest signed checkpoint,
and only once that checkpoint covers it: a public page never makes the sealer seal or
sign anything. The receipt's event holds the code, the request's id, when and by which
account, and nothing of the request itself: the `Placed` event would also hand whoever
holds the code the building and the requester's id (a pseudonym that links a
household's requests).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from domain.errors import InvalidInputError, NotFoundError
from domain.requests import RECEIPT_ALPHABET, ReceiptCode, RequestState
from projections.public import Basis, PublicView
from projections.queries import allow
from projections.requests import PUBLIC, RUNNING, board, categories
from projections.roster import units
from projections.timeline import timeline

if TYPE_CHECKING:
    from projections.system import System

#: What a receipt lookup answers, and nothing else.
RECEIPT_FIELDS = (
    "receipt_code",
    "state",
    "category",
    "category_name_zh",
    "category_name_en",
    "community_name",
    "branch_name",
    "placed_on",
    "classified_on",
    "claimed_on",
    "resolved_on",
    "visited_on",
    "published_on",
    "open",
    "claim_due_on",
    "resolve_due_on",
    "paused",
    "overdue",
    "outcome_id",
)
#: The milestones a resident follows, in order (each a `<name>_on` field).
MILESTONES = ("placed", "classified", "claimed", "resolved", "visited", "published")

#: The code as printed on a receipt: three characters, a dash, four (no 0/O, 1/I/L).
RECEIPT_CODE = re.compile(rf"[{RECEIPT_ALPHABET}]{{3}}-[{RECEIPT_ALPHABET}]{{4}}")
#: Longer input is not a receipt code, whatever it holds (and is not looked at further).
MAX_INPUT = 32
#: Once followed up (satisfied) the request stays so: a dissatisfied visit reopens it.
_FOLLOWED_UP = (RequestState.VISITED.value, *PUBLIC)
_ISSUED = "ReceiptCode.Issued"


def normalize_code(code: str | None) -> str:
    """The receipt code as issued (`K7Q-4MZ2`) from what a resident typed: any case,
    spaces anywhere, the dash left out (as `domain.orders.request_for_receipt` reads it).
    InvalidInputError("code") if it cannot be one."""
    typed = code or ""
    if not typed.strip():
        raise InvalidInputError("code", "is required")
    if len(typed) > MAX_INPUT:
        raise InvalidInputError("code", "looks like K7Q-4MZ2")
    # NFKC folds what a Chinese keyboard types full width (９ＪＦ－３ＢＷＥ) into ASCII.
    cleaned = "".join(unicodedata.normalize("NFKC", typed).split()).upper()
    if len(cleaned) == 7 and "-" not in cleaned:  # read out without its dash
        cleaned = f"{cleaned[:3]}-{cleaned[3:]}"
    if not RECEIPT_CODE.fullmatch(cleaned):
        raise InvalidInputError("code", "looks like K7Q-4MZ2")
    return cleaned


@dataclass(frozen=True)
class ProofStatus:
    """Whether the receipt's event is under the latest signed checkpoint."""

    ready: bool
    checkpoint_size: int | None
    checkpoint_made_at: str | None
    #: How often the running server signs a checkpoint (0: only on demand).
    every_minutes: int


class PublicReceipts:
    """The receipt lookup; no actor (anyone holding a code may ask), no personal data."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.public = PublicView(system)

    def _on(self, at: datetime | None) -> date | None:
        return at.astimezone(self.system.settings.tzinfo).date() if at is not None else None

    def _row(self, code: str) -> dict[str, Any]:
        community = units.alias("community")
        branch = units.alias("branch")
        # The columns the answer is computed from, named one by one.
        query = (
            sa.select(
                board.c.id,
                board.c.receipt_code,
                board.c.state,
                board.c.category,
                categories.c.name_zh.label("category_name_zh"),
                categories.c.name_en.label("category_name_en"),
                community.c.name.label("community_name"),
                branch.c.name.label("branch_name"),
                board.c.claimant_id,
                board.c.placed_at,
                board.c.claimed_at,
                board.c.resolved_at,
                board.c.published_at,
                board.c.paused_since,
                board.c.claim_due_base,
                board.c.due_base,
            )
            .outerjoin(categories, categories.c.code == board.c.category)
            .outerjoin(community, community.c.id == board.c.community_id)
            .outerjoin(branch, branch.c.id == board.c.branch_id)
            .where(board.c.receipt_code == code)
        )
        with self.system.db.read.connect() as conn:
            row = conn.execute(query).mappings().first()
            if row is None:
                raise NotFoundError("request", "no request has this receipt code")
            events = conn.execute(
                sa.select(
                    timeline.c.position,
                    timeline.c.originator_version,
                    timeline.c.event,
                    timeline.c.stamped_at,
                )
                .where(
                    timeline.c.originator_id.in_((row["id"], ReceiptCode.id_for(code))),
                    timeline.c.event.in_((_ISSUED, "Request.Classified", "Request.Visited")),
                )
                .order_by(timeline.c.position)
            ).all()
        found = dict(row)
        found["proof_position"] = next(
            (e.position for e in events if e.event == _ISSUED and e.originator_version == 1),
            None,
        )
        # The first sorting counts (a later one only changes the category or branch); the
        # last follow-up counts, and only while the request stands followed up.
        found["classified_at"] = next(
            (e.stamped_at for e in events if e.event == "Request.Classified"), None
        )
        visits = [e.stamped_at for e in events if e.event == "Request.Visited"]
        found["visited_at"] = visits[-1] if visits and row["state"] in _FOLLOWED_UP else None
        return found

    def lookup(self, code: str | None, *, now: datetime | None = None) -> dict[str, Any]:
        """The public status of the request given receipt `code` (typed in any of the
        ways `normalize_code` reads); NotFoundError if no request has it."""
        r = self._row(normalize_code(code))
        now = (now or datetime.now(UTC)).astimezone(UTC)
        state: str = r["state"]
        running = state in RUNNING
        since: datetime | None = r["paused_since"]
        # A paused clock stands still: its due times move on with the pause.
        pause = max(now - since, timedelta()) if since is not None else timedelta()
        at = since or now
        unclaimed = r["claimant_id"] is None
        claim_due: datetime = r["claim_due_base"] + pause
        due: datetime = r["due_base"] + pause
        values = {
            **r,
            "placed_on": self._on(r["placed_at"]),
            "classified_on": self._on(r["classified_at"]),
            # Claimed counts while someone holds it (a release hands it back).
            "claimed_on": None if unclaimed else self._on(r["claimed_at"]),
            "resolved_on": self._on(r["resolved_at"]),
            "visited_on": self._on(r["visited_at"]),
            "published_on": self._on(r["published_at"]),
            "open": running,
            "claim_due_on": self._on(claim_due) if running and unclaimed else None,
            "resolve_due_on": self._on(due) if running else None,
            "paused": running and since is not None,
            "overdue": running and (at > r["due_base"] or (unclaimed and at > r["claim_due_base"])),
            "outcome_id": r["id"] if state in PUBLIC else None,
        }
        return allow(RECEIPT_FIELDS, values)

    def _proof_position(self, code: str | None) -> int:
        position = self._row(normalize_code(code))["proof_position"]
        if position is None:  # the timeline is behind the board (never for long)
            raise NotFoundError("request", "no request has this receipt code")
        return int(position)

    def _covering(self, position: int) -> Basis | None:
        """The latest checkpoint if it covers the event at `position`, else None."""
        basis = self.public.basis()
        return basis if basis is not None and position <= basis.position else None

    def proof_status(self, code: str | None) -> ProofStatus:
        """Whether the request's proof can be downloaded now, and under which checkpoint."""
        basis = self._covering(self._proof_position(code))
        return ProofStatus(
            ready=basis is not None,
            checkpoint_size=basis.tree_size if basis else None,
            checkpoint_made_at=basis.made_at if basis else None,
            every_minutes=self.system.settings.checkpoint_minutes,
        )

    def proof(self, code: str | None) -> dict[str, Any] | None:
        """The proof file (as JSON) that the receipt's event is in the signed log,
        under the latest checkpoint; None while no signed checkpoint covers it yet.

        Always for the latest checkpoint's size: asked without one, the sealer would sign
        a new checkpoint, which a public page must never make it do."""
        position = self._proof_position(code)
        basis = self._covering(position)
        if basis is None:
            return None
        return self.system.seal.inclusion_proof(position, checkpoint_size=basis.tree_size)
