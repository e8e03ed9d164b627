"""The organization tree in isolation: a unit's own rules, kept in its event methods."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.base import acting_as
from domain.roster import OrgUnit, RosterError, Status, UnitLevel

SINCE = date(2024, 1, 1)


def unit(level: str, parent: UUID | None = None, kind: str | None = None) -> OrgUnit:
    with acting_as("supervisor"):
        u = OrgUnit(
            level=level, name=f"{level} unit", parent_id=parent, kind=kind, area=None, place=None
        )
    u.collect_events()
    return u


def recorded(u: OrgUnit) -> list[str]:
    return [type(e).__qualname__ for e in u.collect_events()]


def broken(u: OrgUnit, rule: str, action) -> RosterError:  # type: ignore[no-untyped-def]
    """Run `action` as a supervisor; it must break `rule` and record nothing."""
    version = u.version
    with acting_as("supervisor"), pytest.raises(RosterError) as caught:
        action()
    assert caught.value.rule == rule
    assert u.version == version
    assert recorded(u) == []
    return caught.value


def test_a_community_is_opened_with_its_fields_and_open() -> None:
    parent = uuid4()
    with acting_as("supervisor"):
        c = OrgUnit(
            level="community", name="鹏泉社区", parent_id=parent, kind=None, area="东", place="站"
        )
    (opened,) = c.collect_events()
    assert type(opened).__qualname__ == "OrgUnit.Opened"
    assert (opened.level, opened.name, opened.parent_id) == ("community", "鹏泉社区", parent)  # type: ignore[attr-defined]
    assert (c.level, c.status, c.is_open, c.appointments) == (
        UnitLevel.COMMUNITY,
        Status.OPEN,
        True,
        {},
    )


@pytest.mark.parametrize(
    ("parent_level", "child_level", "accepted"),
    [
        ("subdistrict", "community", True),
        ("community", "branch", True),
        ("branch", "group", True),
        ("subdistrict", "branch", False),
        ("community", "group", False),
        ("community", "community", False),
        ("group", "group", False),
        ("branch", "community", False),
    ],
)
def test_each_level_is_opened_only_under_the_level_above_it(
    parent_level: str, child_level: str, accepted: bool
) -> None:
    parent = unit(parent_level)
    if accepted:
        parent.check_accepts_children(UnitLevel(child_level))
    else:
        with pytest.raises(RosterError) as caught:
            parent.check_accepts_children(UnitLevel(child_level))
        assert caught.value.rule == "wrong_parent"


def test_a_closed_unit_accepts_no_children_and_no_changes() -> None:
    c = unit("community")
    with acting_as("supervisor"):
        c.close("merged into 汶源社区")
    assert recorded(c) == ["OrgUnit.Closed"]
    assert c.status == Status.CLOSED
    with pytest.raises(RosterError) as caught:
        c.check_accepts_children(UnitLevel.BRANCH)
    assert caught.value.rule == "unit_closed"
    broken(c, "unit_closed", lambda: c.rename("新名字", "typo"))
    broken(c, "unit_closed", lambda: c.close("again"))
    broken(c, "unit_closed", lambda: c.appoint(uuid4(), "secretary", uuid4(), None, SINCE))


def test_renaming_needs_a_new_name_and_a_reason() -> None:
    b = unit("branch", kind="direct")
    broken(b, "same_name", lambda: b.rename("branch unit", "no change"))
    broken(b, "reason_required", lambda: b.rename("第一网格", "  "))
    with acting_as("supervisor"):
        b.rename("第一网格", "the district's new naming")
    assert b.name == "第一网格"
    assert recorded(b) == ["OrgUnit.Renamed"]


def test_closing_needs_a_reason() -> None:
    b = unit("branch", kind="direct")
    broken(b, "reason_required", lambda: b.close(""))
    assert b.is_open


@pytest.mark.parametrize(
    ("level", "role", "allowed"),
    [
        ("community", "secretary", True),
        ("branch", "secretary", True),
        ("group", "group_leader", True),
        ("branch", "liaison", True),
        ("group", "liaison", True),
        ("subdistrict", "secretary", False),
        ("group", "secretary", False),
        ("community", "group_leader", False),
        ("branch", "group_leader", False),
        ("community", "liaison", False),
    ],
)
def test_each_post_exists_only_at_its_levels(level: str, role: str, allowed: bool) -> None:
    u = unit(level)
    if allowed:
        with acting_as("supervisor"):
            u.appoint(uuid4(), role, uuid4(), "1单元", SINCE)
        assert recorded(u) == ["OrgUnit.Appointed"]
    else:
        broken(u, "appointment_level", lambda: u.appoint(uuid4(), role, uuid4(), None, SINCE))


def test_a_post_held_is_taken_until_its_appointment_ends() -> None:
    b = unit("branch", kind="direct")
    first, second, appointment = uuid4(), uuid4(), uuid4()
    with acting_as("supervisor"):
        b.appoint(appointment, "secretary", first, None, SINCE)
    assert recorded(b) == ["OrgUnit.Appointed"]
    assert b.current_appointments()[0]["member_id"] == first
    broken(b, "post_taken", lambda: b.appoint(uuid4(), "secretary", second, None, SINCE))
    broken(b, "already_appointed", lambda: b.appoint(uuid4(), "secretary", first, None, SINCE))
    with acting_as("supervisor"):
        b.end_appointment(appointment, date(2025, 1, 1), "term ended")
        b.appoint(uuid4(), "secretary", second, None, date(2025, 1, 1))
    assert recorded(b) == ["OrgUnit.AppointmentEnded", "OrgUnit.Appointed"]
    assert [a["member_id"] for a in b.current_appointments()] == [second]
    assert b.appointments[appointment]["ended_on"] == date(2025, 1, 1)


def test_a_unit_has_many_liaisons_but_a_member_is_its_liaison_once() -> None:
    g = unit("group", kind="building")
    a, b = uuid4(), uuid4()
    with acting_as("supervisor"):
        g.appoint(uuid4(), "liaison", a, "1单元", SINCE)
        g.appoint(uuid4(), "liaison", b, "2单元", SINCE)
    assert recorded(g) == ["OrgUnit.Appointed", "OrgUnit.Appointed"]
    broken(g, "already_appointed", lambda: g.appoint(uuid4(), "liaison", a, "3单元", SINCE))
    assert len(g.current_appointments()) == 2


def test_ending_an_appointment_needs_a_reason_a_current_appointment_and_a_sane_date() -> None:
    b = unit("branch", kind="direct")
    appointment = uuid4()
    with acting_as("supervisor"):
        b.appoint(appointment, "secretary", uuid4(), None, SINCE)
    recorded(b)
    broken(b, "reason_required", lambda: b.end_appointment(appointment, SINCE, " "))
    broken(b, "no_such_appointment", lambda: b.end_appointment(uuid4(), SINCE, "term"))
    broken(b, "ended_before_start", lambda: b.end_appointment(appointment, date(2023, 12, 31), "x"))
    with acting_as("supervisor"):
        b.end_appointment(appointment, SINCE, "term ended")
    assert recorded(b) == ["OrgUnit.AppointmentEnded"]
    broken(b, "no_such_appointment", lambda: b.end_appointment(appointment, SINCE, "again"))


def test_a_unit_with_current_appointments_cannot_be_closed() -> None:
    g = unit("group", kind="building")
    appointment = uuid4()
    with acting_as("supervisor"):
        g.appoint(appointment, "group_leader", uuid4(), None, SINCE)
    recorded(g)
    broken(g, "appointments_open", lambda: g.close("building demolished"))
    with acting_as("supervisor"):
        g.end_appointment(appointment, SINCE, "building demolished")
        g.close("building demolished")
    assert g.status == Status.CLOSED
