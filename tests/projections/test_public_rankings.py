"""The points read model's queries for the public site: the closed years (state, window's
end, the day a year became final, nothing else) and where in the log a year's selection
was published, both read as of a checkpoint's position the way the site reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidInputError
from projections import points as pt
from projections.review import view_at
from projections.system import System
from tests.application.support import Clock
from tests.conftest import Org, Staff, member_draft

#: 10:00 on 5 January 2026 at the station (UTC+8): 2025 has ended and may be closed.
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
Y = 2025


def _member(system: System, staff: Staff, branch: UUID, name: str, phone: str) -> UUID:
    draft = member_draft(branch, name=name, phone=phone)
    return UUID(str(system.app.register_member(draft, actor=staff.clerk).id))


def _year_with_stars(system: System, staff: Staff, org: Org) -> tuple[UUID, UUID]:
    app = system.app
    zhang = _member(system, staff, org.branch, "张三丰", "13911110001")
    wang = _member(system, staff, org.branch2, "王五", "13911110002")
    app.award_points(zhang, "party_day", date(Y, 3, 1), note="n", actor=staff.clerk)
    app.award_points(wang, "party_day", date(Y, 4, 1), note="n", actor=staff.clerk)
    app.award_points(wang, "study", date(Y, 5, 1), note="n", actor=staff.clerk)
    return zhang, wang


def test_public_periods_list_closed_years_with_their_window_and_final_day_only(
    system: System, staff: Staff, org: Org
) -> None:
    clock = Clock(T0)
    system.app.clock = clock
    app, view = system.app, system.points
    _year_with_stars(system, staff, org)
    assert view.public_periods(min_position=app.last_position()) == []  # 2025 still open

    closed_at = app.close_period(Y, actor=staff.supervisor).position
    tz = system.settings.tzinfo
    window_end = datetime(2026, 1, 10, 23, 59, 59, tzinfo=tz)  # 5 days after the closing day
    found = view.public_periods(min_position=app.last_position())
    assert found == [
        {"year": Y, "state": "publicity", "window_ends_at": window_end, "finalized_on": None}
    ]
    assert tuple(found[0]) == pt.PUBLIC_PERIOD_FIELDS
    assert found[0]["window_ends_at"].utcoffset() == window_end.utcoffset()

    # An objection in the window stays off the public list.
    member = _member(system, staff, org.branch, "李四", "13911110003")
    objection = app.file_objection(member, Y, "MARKER 我的积分少了", actor=staff.clerk).id
    during = view.public_periods(min_position=app.last_position())
    assert during == found and "MARKER" not in repr(during)

    clock.advance(days=7)  # 12 January, 10:00 at the station: the window has ended
    app.reject_objection(objection, "已核实", actor=staff.supervisor)
    final_at = app.finalize_period(Y, actor=staff.supervisor).position
    # A year that closes later is listed first.
    clock.advance(days=370)
    app.close_period(Y + 1, actor=staff.supervisor)
    found = view.public_periods(min_position=app.last_position())
    assert [(p["year"], p["state"]) for p in found] == [(Y + 1, "publicity"), (Y, "final")]
    assert found[1]["finalized_on"] == date(2026, 1, 12)
    assert found[1]["window_ends_at"] == window_end

    # As of earlier positions, the books as they stood then.
    before_final = view_at(view, system.db, final_at - 1).public_periods()
    assert [(p["year"], p["state"], p["finalized_on"]) for p in before_final] == [
        (Y, "publicity", None)
    ]
    assert view_at(view, system.db, closed_at - 1).public_periods() == []


def test_the_selection_s_published_position_is_its_publishing_event(
    system: System, staff: Staff, org: Org
) -> None:
    clock = Clock(T0)
    system.app.clock = clock
    app, view = system.app, system.points
    zhang, _wang = _year_with_stars(system, staff, org)
    app.close_period(Y, actor=staff.supervisor)
    clock.advance(days=7)
    app.finalize_period(Y, actor=staff.supervisor)
    assert view.selection_published_position(Y, min_position=app.last_position()) is None

    app.propose_selection(Y, per_branch=1, actor=staff.supervisor)
    app.confirm_selection(Y, [zhang], reason="党委会研究确定", actor=staff.supervisor)
    confirmed = app.last_position()
    assert view.selection_published_position(Y, min_position=confirmed) is None

    published = app.publish_selection(Y, actor=staff.supervisor).position
    later = app.award_points(
        _member(system, staff, org.branch, "赵六", "13911110004"),
        "study",
        date(2026, 1, 3),
        note="n",
        actor=staff.clerk,
    ).position
    assert view.selection_published_position(Y, min_position=later) == published
    # The selection keeps no history: as of a position before its publishing, the view
    # still reads it published, which is why the site compares this position with its
    # checkpoint's before showing the list.
    past = view_at(view, system.db, confirmed)
    assert past.selection_published_position(Y) == published
    public: dict[str, Any] = past.public_selection(Y)
    assert public["members"] == [
        {"name": "张*丰", "branch_name": "第一网格党支部", "stars": 1, "points": 3}
    ]
    assert view.selection_published_position(2024) is None
    with pytest.raises(InvalidInputError) as caught:
        view.selection_published_position(0)
    assert caught.value.field == "year"
