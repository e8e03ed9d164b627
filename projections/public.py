"""What the public site reads besides the read models' own public queries: the signed
checkpoint its figures are computed from, the places and categories a resident filters
by, and the threshold under which a count is not shown.

Statistics and rankings on the public site are computed *as of the latest checkpoint*:
the read models' temporal tables answer as of the last event the checkpoint signs
(`projections.review.view_at`), so a reviewer who replays the signed log up to there
gets the same figures, and a page can say exactly which checkpoint it stands on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from projections.queries import allow
from projections.requests import categories
from projections.review import view_at
from projections.roster import units
from projections.seal import seal_leaves

if TYPE_CHECKING:
    from projections.system import System

V = TypeVar("V")

PLACE_FIELDS = ("id", "name", "level", "parent_id")
CATEGORY_FIELDS = ("code", "name_zh", "name_en")


@dataclass(frozen=True)
class Basis:
    """A signed checkpoint as a page's basis: the log's first `tree_size` events, the
    last of them at `position`, with root `root`, signed at `made_at` by `key_id`."""

    tree_size: int
    position: int
    root: str
    made_at: str
    key_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PublicView:
    """The public site's own queries; no actor (anyone may read them), no personal data."""

    def __init__(self, system: System) -> None:
        self.system = system

    @property
    def min_count(self) -> int:
        """Counts below this are not shown (see `Settings.public_min_count`)."""
        return self.system.settings.public_min_count

    def shown(self, count: int) -> int | None:
        """`count` if it may be shown, None if it is below the threshold (and not 0)."""
        return count if count == 0 or count >= self.min_count else None

    def basis(self) -> Basis | None:
        """The latest signed checkpoint, or None before the first one."""
        latest = self.system.seal.latest_checkpoint()
        if latest is None:
            return None
        with self.system.db.read.connect() as conn:
            position = conn.execute(
                sa.select(seal_leaves.c.notification_id).where(
                    seal_leaves.c.leaf_index == latest["tree_size"] - 1
                )
            ).scalar()
        if position is None:  # the sealed log is damaged; `yimai verify` says where
            return None
        return Basis(
            tree_size=latest["tree_size"],
            position=int(position),
            root=latest["root"],
            made_at=latest["made_at"],
            key_id=latest["key_id"],
        )

    def at(self, view: V, basis: Basis) -> V:
        """`view` answering as of the basis (its read models first reach it)."""
        self.system.runner.wait_for(basis.position)
        return view_at(view, self.system.db, basis.position)

    def places(self) -> list[dict[str, Any]]:
        """Open communities and grid branches, in the order they were opened."""
        query = (
            sa.select(units.c.id, units.c.name, units.c.level, units.c.parent_id)
            .where(units.c.level.in_(("community", "branch")), units.c.status == "open")
            .order_by(units.c.position)
        )
        with self.system.db.read.connect() as conn:
            return [allow(PLACE_FIELDS, r) for r in conn.execute(query).mappings()]

    def categories(self) -> list[dict[str, Any]]:
        """The request categories, as the catalogue orders them (retired ones too: old
        outcomes still carry them)."""
        query = sa.select(categories.c.code, categories.c.name_zh, categories.c.name_en).order_by(
            categories.c.position
        )
        with self.system.db.read.connect() as conn:
            return [allow(CATEGORY_FIELDS, r) for r in conn.execute(query).mappings()]
