"""统计: the public statistics of residents' requests, a year at a time.

For a year (optionally one community), per month of placement and per category: how many
requests were placed, how many of them are resolved, the share of the done ones (accepted
by a supervisor) that were resolved within their due time, and the share of the followed
up ones whose resident was satisfied or basically satisfied. Every placed request counts,
not only the published ones: residents see how many asked, not just the successes.

Nothing here is per household, per building or per person. A figure may be None for one
of three reasons, and each row says which, so that a reader (the page, the charts, the
feeds) never has to guess:

- *suppressed* (primary suppression): a count under the public threshold
  (`Settings.public_min_count`), shown as "fewer than N", so that a small cell cannot
  point at a household; and a rate over fewer than N requests (not computed);
- *withheld* (complementary suppression): since each table's cells add up to the year's
  total, which is shown, a column with exactly one suppressed count would give it away
  (the total minus the rest). There the smallest other non-zero count of the column is
  hidden too, although it is not small itself: it is *withheld*, and must not be shown
  as "fewer than N". A rate is hidden with the count it is a share of, for the same
  reason as that count;
- *no data*: a rate over no requests at all (its base is 0). A month with no requests
  stays 0, never None.

Each row (a month, a category, the total) lists its hidden fields in `suppressed` and
`withheld` (in the order of `FIGURE_FIELDS`); a None field in neither list is a rate
with no data.

The view reads only the board (a temporal table) and the category catalogue, and takes
`db` like the read models' views, so `projections.review.view_at` (through
`PublicView.at`) makes a copy that answers as of a signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any
from uuid import UUID

import sqlalchemy as sa

from domain.errors import InvalidInputError
from projections.db import Database
from projections.queries import allow
from projections.requests import (
    CONTENT,
    DONE,
    FIRST_YEAR,
    LAST_YEAR,
    _on_time,
    board,
    categories,
)

if TYPE_CHECKING:
    from projections.system import System

#: The figures of a group of requests (a month, a category, the year), then the lists of
#: those hidden under the threshold and of those withheld to protect them.
FIGURE_FIELDS = (
    "placed",
    "resolved",
    "done",
    "on_time_rate",
    "visited",
    "satisfaction_rate",
    "suppressed",
    "withheld",
)
MONTH_FIELDS = ("month", *FIGURE_FIELDS)
CATEGORY_FIELDS = ("category", "name_zh", "name_en", *FIGURE_FIELDS)
#: The counts that add up across a table's rows (and so may need a second one hidden).
COUNTS = ("placed", "resolved", "done", "visited")
#: Each rate and the count it is a share of (it is hidden with that count).
RATES = {"on_time_rate": "done", "satisfaction_rate": "visited"}
#: Why a figure is None: under the threshold, or hidden to protect another row's.
SUPPRESSED, WITHHELD = "suppressed", "withheld"
#: Rates are given to four places (a tenth of a percent is shown at most).
RATE_PLACES = 4


@dataclass(frozen=True)
class YearFigures:
    """A year's figures: one row a month (January up to the last month covered), one a
    category (the catalogue's order), and the year's total."""

    year: int
    community_id: UUID | None
    min_count: int
    months: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    total: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "community_id": self.community_id,
            "min_count": self.min_count,
            "months": self.months,
            "categories": self.categories,
            "total": self.total,
        }


class PublicStatisticsView:
    """The public statistics; no actor (anyone may read them), no personal data."""

    def __init__(
        self, db: Database, wait_for: Callable[[int], None], tz: tzinfo, min_count: int
    ) -> None:
        self.db = db
        self.wait_for = wait_for
        self.tz = tz
        #: Counts below this are None, and so are rates over fewer requests.
        self.min_count = min_count

    @classmethod
    def of(cls, system: System) -> PublicStatisticsView:
        return cls(
            system.db,
            system.runner.wait_for,
            system.settings.tzinfo,
            system.settings.public_min_count,
        )

    # -- small counts --

    def shown(self, count: int) -> int | None:
        """`count`, or None when it is under the threshold (0 stays 0)."""
        return count if count == 0 or count >= self.min_count else None

    def rate(self, hits: int, total: int) -> float | None:
        """hits / total, or None over fewer than the threshold (or over none)."""
        if total == 0 or total < self.min_count:
            return None
        return round(hits / total, RATE_PLACES)

    # -- time at the station --

    def _start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.tz).astimezone(UTC)

    def _year_of(self, at: datetime) -> int:
        return at.astimezone(self.tz).year

    @staticmethod
    def check_year(year: int) -> int:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidInputError("year", f"must be in the years {FIRST_YEAR}–{LAST_YEAR}")
        return year

    # -- queries --

    def years(self, *, min_position: int = 0) -> list[int]:
        """The years (at the station) in which requests were placed, newest first."""
        self.wait_for(min_position)
        with self.db.read.connect() as conn:
            first, last = conn.execute(
                sa.select(sa.func.min(board.c.placed_at), sa.func.max(board.c.placed_at))
            ).one()
            if first is None or last is None:
                return []
            span = list(range(self._year_of(first), self._year_of(last) + 1))
            placed = board.c.placed_at
            found = conn.execute(
                sa.select(
                    *(
                        sa.func.max(
                            sa.case(
                                (
                                    sa.and_(
                                        placed >= self._start_of(date(y, 1, 1)),
                                        placed < self._start_of(date(y + 1, 1, 1)),
                                    ),
                                    1,
                                ),
                                else_=0,
                            )
                        )
                        for y in span
                    )
                )
            ).one()
        return sorted((y for y, has in zip(span, found, strict=True) if has), reverse=True)

    def year(
        self,
        year: int,
        *,
        community_id: UUID | None = None,
        through: date | None = None,
        min_position: int = 0,
    ) -> YearFigures:
        """The figures of `year` (by the month each request was placed in, at the
        station), in one community or all; `through` is the last day covered (its month
        is the last row; a later year has no rows)."""
        self.wait_for(min_position)
        self.check_year(year)
        last_month = 12
        if through is not None:
            last_month = 0 if through.year < year else through.month if through.year == year else 12
        where: list[Any] = [
            board.c.placed_at >= self._start_of(date(year, 1, 1)),
            board.c.placed_at < self._start_of(date(year + 1, 1, 1)),
        ]
        if community_id is not None:
            where.append(board.c.community_id == community_id)
        columns = (
            board.c.category,
            board.c.state,
            board.c.placed_at,
            board.c.resolved_at,
            board.c.due_base,
            board.c.satisfaction,
        )
        catalogue = sa.select(
            categories.c.code, categories.c.name_zh, categories.c.name_en, categories.c.retired
        ).order_by(categories.c.position)
        with self.db.read.connect() as conn:
            rows = conn.execute(sa.select(*columns).where(*where)).mappings().all()
            kinds = conn.execute(catalogue).mappings().all()

        by_month: dict[int, list[Mapping[Any, Any]]] = {m: [] for m in range(1, last_month + 1)}
        by_category: dict[str, list[Mapping[Any, Any]]] = {}
        counted: list[Mapping[Any, Any]] = []
        for r in rows:
            month = r["placed_at"].astimezone(self.tz).month
            if month not in by_month:
                continue  # after the last day covered
            by_month[month].append(r)
            by_category.setdefault(r["category"], []).append(r)
            counted.append(r)

        month_keys = [f"{year:04d}-{m:02d}" for m in by_month]
        month_counts = [self._counts(group) for group in by_month.values()]
        months = [
            allow(MONTH_FIELDS, {"month": key, **figures})
            for key, figures in zip(month_keys, self._protected(month_counts), strict=True)
        ]
        shown_kinds: list[dict[str, Any]] = []
        known = set()
        for k in kinds:
            known.add(k["code"])
            if k["retired"] and not by_category.get(k["code"]):
                continue
            shown_kinds.append({"category": k["code"], **k})
        for code in sorted(set(by_category) - known):  # not in the catalogue (never expected)
            shown_kinds.append({"category": code, "name_zh": code, "name_en": code})
        kind_counts = [self._counts(by_category.get(k["category"], [])) for k in shown_kinds]
        listed = [
            allow(CATEGORY_FIELDS, {**k, **figures})
            for k, figures in zip(shown_kinds, self._protected(kind_counts), strict=True)
        ]
        return YearFigures(
            year=year,
            community_id=community_id,
            min_count=self.min_count,
            months=months,
            categories=listed,
            total=allow(FIGURE_FIELDS, self._protected([self._counts(counted)])[0]),
        )

    @staticmethod
    def _counts(group: Sequence[Mapping[Any, Any]]) -> dict[str, int]:
        """What a group's figures are made of, before anything is hidden."""
        done = [r for r in group if r["state"] in DONE]
        visited = [r for r in group if r["satisfaction"]]
        return {
            "placed": len(group),
            "resolved": sum(1 for r in group if r["resolved_at"] is not None),
            "done": len(done),
            "on_time": sum(1 for r in done if _on_time(r["resolved_at"], r["due_base"])),
            "visited": len(visited),
            "content": sum(1 for r in visited if r["satisfaction"] in CONTENT),
        }

    def _protected(self, table: Sequence[Mapping[str, int]]) -> list[dict[str, Any]]:
        """The figures of a table's rows, whose counts add up to a total that is shown:
        a count under the threshold is suppressed, and where that leaves one suppressed
        count in a column the smallest other non-zero count of the column is withheld,
        so the total minus the rest gives nothing away. A rate goes with its count (and
        is suppressed over fewer than the threshold, None over none)."""
        why: list[dict[str, str]] = [
            {c: SUPPRESSED for c in COUNTS if 0 < row[c] < self.min_count} for row in table
        ]
        for column in COUNTS:
            primary = [i for i, w in enumerate(why) if w.get(column) == SUPPRESSED]
            if len(primary) != 1:
                continue
            others = [i for i, row in enumerate(table) if i != primary[0] and row[column] > 0]
            if others:
                why[min(others, key=lambda i: (table[i][column], i))][column] = WITHHELD
        figures = []
        for row, w in zip(table, why, strict=True):
            for rate, base in RATES.items():
                if base in w:
                    w[rate] = w[base]
            hits = {"on_time_rate": row["on_time"], "satisfaction_rate": row["content"]}
            values: dict[str, Any] = {}
            for field in FIGURE_FIELDS:
                if field in (SUPPRESSED, WITHHELD):
                    continue
                if field in w:
                    values[field] = None
                elif field in RATES:
                    values[field] = self.rate(hits[field], row[RATES[field]])
                else:
                    values[field] = row[field]
            values[SUPPRESSED] = [f for f in FIGURE_FIELDS if w.get(f) == SUPPRESSED]
            values[WITHHELD] = [f for f in FIGURE_FIELDS if w.get(f) == WITHHELD]
            figures.append(values)
        return figures
