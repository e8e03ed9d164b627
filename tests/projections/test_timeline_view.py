"""The station's latest events: kinds, accounts and times, newest first, nothing personal.

The prepared database holds the staff accounts and the seven units of open_org."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInputError, PermissionDeniedError
from projections.system import System
from tests.conftest import Staff

OPENED = "OrgUnit.Opened"


def test_the_latest_events_come_newest_first_filtered_by_kind(system: System, staff: Staff) -> None:
    head = system.app.last_position()

    everything = system.timeline.recent(actor=staff.clerk, limit=5, min_position=head)
    assert [r["position"] for r in everything] == list(range(head, head - 5, -1))
    assert set(everything[0]) == {"position", "stamped_at", "actor", "event"}

    opened = system.timeline.recent(actor=staff.cadre, events=[OPENED], limit=500)
    assert len(opened) == 7  # open_org's seven units
    assert {r["event"] for r in opened} == {OPENED} and {r["actor"] for r in opened} == {"admin"}
    assert opened[0]["position"] > opened[-1]["position"]
    assert system.timeline.recent(actor=staff.clerk, events=[], limit=5) == []


def test_reading_the_activity_needs_the_requests_right_and_a_sane_limit(
    system: System, staff: Staff
) -> None:
    with pytest.raises(InvalidInputError, match="between 1 and 500"):
        system.timeline.recent(actor=staff.clerk, limit=0)
    nobody = staff.clerk.__class__("nobody", frozenset())
    with pytest.raises(PermissionDeniedError):
        system.timeline.recent(actor=nobody)
