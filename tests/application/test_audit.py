"""The audit trail: every event says who and when; reasons are kept; personal data is not."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import sqlalchemy as sa

from domain.personal import mask_phone
from projections.system import System
from tests.application.support import NAME, NEW_PHONE, PERSONAL, events_after, tell
from tests.conftest import Org, Staff


def test_every_event_records_the_authenticated_actor_and_a_utc_time(
    system: System, staff: Staff, org: Org
) -> None:
    story = tell(system, staff, org)
    seen: set[str] = set()
    for step in story.steps:
        events = events_after(system, step.start, step.receipt.position)
        assert events, step
        for event in events:
            seen.add(type(event).__qualname__)
            assert event.actor == step.actor, (type(event).__qualname__, step)
            assert event.timestamp.tzinfo is not None
            assert event.timestamp.utcoffset() == timedelta(0)
            assert event.timestamp.astimezone(UTC) == event.timestamp
    # and the whole log, including the prepared staff accounts, names an actor every time
    everything = events_after(system, 0)
    assert all(e.actor in {"system", "admin", "clerk", "cadre", "supervisor"} for e in everything)
    assert len(seen) >= 20


def test_events_that_need_a_reason_carry_the_reason_given(
    system: System, staff: Staff, org: Org
) -> None:
    story = tell(system, staff, org)
    with_reason: set[str] = set()
    for step in story.steps:
        for event in events_after(system, step.start, step.receipt.position):
            if "reason" in vars(event):
                with_reason.add(type(event).__qualname__)
                assert event.reason == step.reason, (type(event).__qualname__, step)
            else:
                assert step.reason is None, (type(event).__qualname__, step)
    assert with_reason >= {
        "OrgUnit.Renamed",
        "OrgUnit.Closed",
        "OrgUnit.AppointmentEnded",
        "Member.Transferred",
        "Member.Corrected",
        "Member.Deregistered",
        "ResidentUnit.Renamed",
        "ResidentUnit.Closed",
        "Household.Corrected",
        "Household.Closed",
        "HouseholdLink.Unlinked",
        "Account.RolesChanged",
        "Account.Disabled",
        "Account.Enabled",
    }


def stored_events(system: System) -> list[tuple[str, bytes]]:
    """Topic and state of every row of the event store's own table."""
    table = "stored_events" if system.settings.is_sqlite else "yimai_events"
    with system.db.read.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT topic, state FROM {table}")).all()
    return [(r.topic, bytes(r.state)) for r in rows]


def forms_of(value: str) -> set[bytes]:
    """The bytes a string could take in stored JSON: UTF-8, or ASCII with \\u escapes."""
    return {value.encode(), json.dumps(value).strip('"').encode()}


def test_personal_data_never_appears_in_the_stored_events(
    system: System, staff: Staff, org: Org
) -> None:
    tell(system, staff, org)
    rows = stored_events(system)
    assert len(rows) == system.app.last_position()
    forms = {value: {value.encode(), json.dumps(value).strip('"').encode()} for value in PERSONAL}
    for topic, state in rows:
        for value, encodings in forms.items():
            for encoded in encodings:
                assert encoded not in state, f"{value!r} found in a stored {topic}"
    # the scan does see text in clear: a staff display name is not sealed
    assert any(e in state for _, state in rows for e in forms_of("李明"))
    # the read side does find them by their values (proving the values were really used),
    # and shows the phone masked
    member = system.roster.search_members(
        NEW_PHONE, actor=staff.clerk, status="deregistered", min_position=system.app.last_position()
    )
    assert member.items[0].name == NAME
    assert member.items[0].phone == mask_phone(NEW_PHONE)
