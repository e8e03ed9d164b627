"""统计's query: a small year written by hand with a moved clock, whose figures are known
in advance — counts by month of placement and by category, the on-time and satisfaction
rates, small counts hidden as None ("fewer than N", listed as `suppressed`), a second
count of a column hidden to protect a lone small one (listed as `withheld`, never passed
off as small), rates over too few not computed and over none given as no data — and the
public guarantee that the figures stand on a signed checkpoint: a request placed
after it counts only once a new checkpoint is signed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID

import pytest

from domain.errors import InvalidInputError
from projections.db import Database
from projections.public import PublicView
from projections.public_statistics import (
    CATEGORY_FIELDS,
    FIGURE_FIELDS,
    MONTH_FIELDS,
    PublicStatisticsView,
)
from projections.system import System
from tests.application.support import Clock, request_in
from tests.conftest import Org, Prepared, Staff, member_draft

#: A year the log has not reached (the clock is moved there), so only this test's
#: requests are in it.
YEAR = datetime.now(UTC).year + 1
MAY_31 = date(YEAR, 5, 31)
ZERO: dict[str, Any] = {
    "placed": 0,
    "resolved": 0,
    "done": 0,
    "on_time_rate": None,
    "visited": 0,
    "satisfaction_rate": None,
    "suppressed": [],
    "withheld": [],
}
#: Every count and rate, each hidden for the same reason.
EVERY = ["placed", "resolved", "done", "on_time_rate", "visited", "satisfaction_rate"]
NOTHING = dict.fromkeys(EVERY)


def _at(month: int, day: int) -> datetime:
    return datetime(YEAR, month, day, 2, 0, tzinfo=UTC)  # 10:00 at the station (UTC+8)


def _story(system: System, staff: Staff, org: Org, clock: Clock) -> UUID:
    """March: five requests in the community (four about the environment, one about
    care); April: two more there and one in the other community; May: none. Returns
    the member who claims them."""
    app, admin = system.app, staff.admin
    clock.now = _at(3, 10)
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id

    def request(state: str, **draft: Any) -> UUID:
        return request_in(system, admin, org, state, claimant=member, **draft)

    r = {
        # Resolved at once (on time), visited satisfied, published and closed.
        "r1": request("closed"),
        # Resolved at once, visited: basically satisfied.
        "r2": request("accepted"),
        # Claimed now, resolved a month later (late), accepted; never visited.
        "r3": request("claimed"),
        # Resolved and accepted, but the resident was dissatisfied: reopened.
        "r4": request("accepted"),
        # Another category, resolved at once, published.
        "r5": request("published", category="care"),
    }
    app.record_visit(r["r2"], "basically_satisfied", actor=admin)
    app.record_visit(r["r4"], "dissatisfied", reason="灯还是不亮", actor=admin)
    clock.now = _at(4, 12)
    app.resolve_request(r["r3"], "清理了垃圾", evidence=["photo:2"], actor=admin)
    app.accept_resolution(r["r3"], actor=admin)
    r["r6"] = request("placed")
    r["r7"] = request("classified")
    r["r8"] = request("placed", community_id=org.other_community, branch_id=org.other_branch)
    return member


@dataclass
class Written:
    system: System
    staff: Staff
    org: Org
    member: UUID


@pytest.fixture
def written(prepared: Prepared) -> Written:
    clock = Clock(_at(3, 10))
    system = prepared.system
    system.app.clock = clock
    member = _story(system, prepared.staff, prepared.org, clock)
    system.runner.catch_up()
    return Written(system, prepared.staff, prepared.org, member)


def _view(system: System, min_count: int | None = None) -> PublicStatisticsView:
    view = PublicStatisticsView.of(system)
    if min_count is not None:
        view.min_count = min_count
    return view


def _month(found: list[dict[str, Any]], month: int) -> dict[str, Any]:
    (row,) = [r for r in found if r["month"] == f"{YEAR}-{month:02d}"]
    return {k: v for k, v in row.items() if k != "month"}


def _category(found: list[dict[str, Any]], code: str) -> dict[str, Any]:
    (row,) = [r for r in found if r["category"] == code]
    return {k: row[k] for k in FIGURE_FIELDS}


def test_a_years_figures_by_month_and_category(written: Written) -> None:
    system, org = written.system, written.org
    figures = _view(system).year(YEAR, community_id=org.community, through=MAY_31)

    assert figures.year == YEAR and figures.min_count == 3
    assert [r["month"] for r in figures.months] == [f"{YEAR}-{m:02d}" for m in range(1, 6)]
    assert all(tuple(r) == MONTH_FIELDS for r in figures.months)
    assert all(tuple(r) == CATEGORY_FIELDS for r in figures.categories)
    # January, February and May: nothing placed, 0 (not hidden), and no rate.
    for empty in (1, 2, 5):
        assert _month(figures.months, empty) == ZERO
    # March: five placed — withheld (not small: hidden to protect April's two, which
    # the total (7) minus March would give away); r1, r2, r3 and r5 resolved and done
    # (r4 reopened); r3 late, so three of four on time; r1, r2, r4 and r5 visited,
    # three of them content.
    assert _month(figures.months, 3) == {
        "placed": None,
        "resolved": 4,
        "done": 4,
        "on_time_rate": 0.75,
        "visited": 4,
        "satisfaction_rate": 0.75,
        "suppressed": [],
        "withheld": ["placed"],
    }
    # April: two placed in this community: fewer than 3, so not shown; nothing done
    # or followed up there, so no rate (no data, not hidden).
    assert _month(figures.months, 4) == {**ZERO, "placed": None, "suppressed": ["placed"]}
    assert figures.total == {
        "placed": 7,
        "resolved": 4,
        "done": 4,
        "on_time_rate": 0.75,
        "visited": 4,
        "satisfaction_rate": 0.75,
        "suppressed": [],
        "withheld": [],
    }
    # One request about care: every count suppressed, no rate over one request; and so
    # the environment's (the only other category with requests: 6, 3, 3 and 3) are
    # withheld, rates with them, or the total minus the environment would give care's
    # away.
    assert _category(figures.categories, "environment") == {
        **NOTHING,
        "suppressed": [],
        "withheld": EVERY,
    }
    assert _category(figures.categories, "care") == {
        **NOTHING,
        "suppressed": EVERY,
        "withheld": [],
    }
    codes = [c["code"] for c in system.requests.categories()]
    assert [c["category"] for c in figures.categories] == codes
    for quiet in set(codes) - {"environment", "care"}:
        assert _category(figures.categories, quiet) == ZERO


def test_all_communities_and_the_threshold(written: Written) -> None:
    system = written.system
    everywhere = _view(system).year(YEAR, through=MAY_31)
    # With the other community's request April has three: shown.
    assert _month(everywhere.months, 4)["placed"] == 3
    assert everywhere.total["placed"] == 8
    # The threshold is the only thing that hides: at 1 every count shows.
    raw = _view(system, min_count=1).year(YEAR, community_id=written.org.community)
    assert _month(raw.months, 4)["placed"] == 2
    # The environment: all but r5; two of r1, r2, r3 on time; r1 and r2 of three content.
    assert _category(raw.categories, "environment") == {
        "placed": 6,
        "resolved": 3,
        "done": 3,
        "on_time_rate": 0.6667,
        "visited": 3,
        "satisfaction_rate": 0.6667,
        "suppressed": [],
        "withheld": [],
    }
    assert _month(raw.months, 3)["placed"] == 5
    assert _category(raw.categories, "care") == {
        "placed": 1,
        "resolved": 1,
        "done": 1,
        "on_time_rate": 1.0,
        "visited": 1,
        "satisfaction_rate": 1.0,
        "suppressed": [],
        "withheld": [],
    }
    # Without a last day the whole year has a row a month; a later year has none yet.
    assert len(raw.months) == 12
    assert _view(system).year(YEAR + 1, through=MAY_31).months == []


def test_no_hidden_count_can_be_worked_out_by_subtraction(written: Written) -> None:
    """Wherever a table hides a count, it hides at least two in that column (or the
    total is hidden itself): the total minus the shown cells is the sum of two or more
    unknowns, never one small count."""
    system = written.system
    for community in (written.org.community, None):
        figures = _view(system).year(YEAR, community_id=community)
        for table in (figures.months, figures.categories):
            for column in ("placed", "resolved", "done", "visited"):
                hidden = [row for row in table if row[column] is None]
                assert len(hidden) != 1 or figures.total[column] is None, (column, table)


def test_every_hidden_figure_says_truly_why(written: Written) -> None:
    """A None figure is listed as `suppressed` (a count under the threshold, or a rate
    over fewer than it), as `withheld` (a count of at least the threshold hidden beside a
    lone suppressed one in its column: the smallest other non-zero, or a rate with it),
    or in neither (a rate over nothing); every shown figure is the true one."""
    system, n = written.system, 3
    for community in (written.org.community, None):
        for through in (MAY_31, None):
            shown = _view(system).year(YEAR, community_id=community, through=through)
            raw = _view(system, min_count=1).year(YEAR, community_id=community, through=through)
            tables = [
                (shown.months, raw.months),
                (shown.categories, raw.categories),
                ([shown.total], [raw.total]),
            ]
            for rows, truth in tables:
                for row, true in zip(rows, truth, strict=True):
                    assert not set(row["suppressed"]) & set(row["withheld"]), row
                    for field in EVERY:
                        base = {"on_time_rate": "done", "satisfaction_rate": "visited"}.get(
                            field, field
                        )
                        if row[field] is not None:
                            assert row[field] == true[field], (field, row)
                            assert field not in row["suppressed"] + row["withheld"]
                        elif field in row["suppressed"]:
                            assert 0 < true[base] < n, (field, row, true)
                        elif field in row["withheld"]:
                            assert true[base] >= n, (field, row, true)
                            lone = [r for r in rows if base in r["suppressed"]]
                            assert len(lone) == 1, (field, rows)
                            others = [
                                t[base]
                                for r, t in zip(rows, truth, strict=True)
                                if r is not lone[0]
                            ]
                            assert true[base] == min(v for v in others if v > 0)
                        else:
                            assert field != base and true[base] == 0, (field, row, true)


def test_the_second_count_hidden_is_the_smallest_other_non_zero_one() -> None:
    """The complementary choice on tables made up here: the smallest non-zero other
    count of the column (the first of equals), not a 0; none where two counts are
    already suppressed, or where the lone one has no non-zero neighbour."""
    view = PublicStatisticsView(cast(Database, None), lambda _: None, UTC, 3)

    def row(placed: int, done: int = 0, on_time: int = 0) -> dict[str, int]:
        return {
            "placed": placed,
            "resolved": 0,
            "done": done,
            "on_time": on_time,
            "visited": 0,
            "content": 0,
        }

    found = view._protected([row(0), row(9), row(2), row(4, 4, 4), row(4), row(12, 1)])
    assert [r["placed"] for r in found] == [0, 9, None, None, 4, 12]
    assert [(r["suppressed"], r["withheld"]) for r in found] == [
        ([], []),
        ([], []),
        (["placed"], []),
        ([], ["placed", "done", "on_time_rate"]),
        ([], []),
        (["done", "on_time_rate"], []),
    ]
    # The rate of the row whose done count is withheld goes with it (4 of 4 on time).
    assert found[3]["on_time_rate"] is None and found[3]["done"] is None
    # Two suppressed: their sum is all the total gives away, nothing else is hidden.
    two = view._protected([row(1), row(2), row(7)])
    assert [r["placed"] for r in two] == [None, None, 7]
    assert [r["withheld"] for r in two] == [[], [], []]
    # Alone in its column with nothing beside it: the total is hidden too (it is small).
    alone = view._protected([row(0), row(2)])
    assert [r["withheld"] for r in alone] == [[], []]
    assert view._protected([row(2)])[0]["suppressed"] == ["placed"]


def test_the_years_with_requests_and_a_bad_year(written: Written) -> None:
    view = _view(written.system)
    assert view.years() == [YEAR]
    for bad in (1899, 3000):
        with pytest.raises(InvalidInputError) as caught:
            view.year(bad)
        assert caught.value.field == "year"


def test_the_figures_stand_on_the_signed_checkpoint(written: Written) -> None:
    system, staff, org = written.system, written.staff, written.org
    public = PublicView(system)
    system.seal.ensure_key()  # the prepared copy has no key beside it
    system.seal.checkpoint()
    signed = public.basis()
    assert signed is not None and signed.position == system.app.last_position()
    past = public.at(_view(system), signed)
    before = past.year(YEAR, community_id=org.community, through=MAY_31)
    assert _month(before.months, 5) == ZERO

    # Three requests in May, after the checkpoint: the live books have them at once…
    system.app.clock = Clock(_at(5, 6))
    for _ in range(3):
        request_in(system, staff.admin, org, "resolved", claimant=written.member)
    # (At a threshold of 1, so that no count is hidden beside April's two.)
    live = _view(system, min_count=1).year(
        YEAR, community_id=org.community, through=MAY_31, min_position=system.app.last_position()
    )
    assert _month(live.months, 5)["placed"] == 3
    # …the public figures, on the same checkpoint, do not.
    assert public.basis() == signed
    again = public.at(_view(system), signed)
    assert again.year(YEAR, community_id=org.community, through=MAY_31) == before
    assert again.years() == [YEAR]

    # A new checkpoint brings them in.
    system.seal.checkpoint()
    newer = public.basis()
    assert newer is not None and newer.tree_size > signed.tree_size
    after = public.at(_view(system, min_count=1), newer).year(
        YEAR, community_id=org.community, through=MAY_31
    )
    assert _month(after.months, 5) == {**ZERO, "placed": 3, "resolved": 3}
    assert after.total["placed"] == 10
