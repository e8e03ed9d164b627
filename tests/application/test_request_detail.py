"""What a screen needs to show one request comes in one answer: the steps possible now,
the solution and the resident's comment opened, names and receipt codes; and who may run
which command is asked of the Application, from the rights its commands are opened by."""

from __future__ import annotations

import inspect

import pytest

from domain.access import Permission, Principal
from domain.errors import PermissionDeniedError
from projections.system import System
from tests.application.support import People, request_in
from tests.conftest import Org, Staff


def commands(system: System) -> list[str]:
    """The Application's commands that need some input (so calling one without any
    changes nothing)."""
    return [
        name
        for name, fn in inspect.getmembers(type(system.app), inspect.isfunction)
        if isinstance(getattr(fn, "permissions", None), frozenset) and needs_input(fn)
    ]


def needs_input(fn: object) -> bool:
    parameters = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
    return any(
        p.default is p.empty and p.name not in ("self", "actor") and p.kind != p.VAR_POSITIONAL
        for p in parameters
    )


def test_may_says_what_the_command_itself_lets_through(system: System, staff: Staff) -> None:
    app = system.app
    names = commands(system)
    assert {"claim_request", "accept_resolution", "record_visit", "place_request"} <= set(names)
    for actor in (staff.admin, staff.clerk, staff.cadre, staff.supervisor, staff.reviewer):
        for name in names:
            may = app.may(actor, name)
            # No input at all: the rights are checked first, then the call fails otherwise.
            with pytest.raises((PermissionDeniedError, TypeError)) as caught:
                getattr(app, name)(actor=actor)
            assert isinstance(caught.value, PermissionDeniedError) is not may, (actor, name)


def test_may_for_the_request_roles(system: System, staff: Staff) -> None:
    app = system.app
    assert app.may(staff.cadre, "claim_request")
    assert not app.may(staff.cadre, "accept_resolution")
    assert app.may(staff.supervisor, "accept_resolution")
    assert app.may(staff.clerk, "claim_request")  # records a member's claim
    assert not app.may(staff.reviewer, "claim_request")
    nobody = Principal("nobody", frozenset())
    assert not app.may(nobody, "place_request")
    for not_a_command in ("get_request", "no_such_thing", "_request"):
        with pytest.raises(ValueError, match="not a command"):
            app.may(staff.admin, not_a_command)


def test_the_detail_carries_what_the_screen_shows(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, s = system.app, staff.supervisor
    rid = request_in(system, s, org, "claimed", claimant=people.helper)
    detail = app.get_request(rid, actor=s)
    assert detail.possible == sorted(app.repository.get(rid).possible_steps())
    assert detail.possible == [
        "escalate",
        "give",
        "merge",
        "note_progress",
        "pause_clock",
        "press",
        "release",
        "resolve",
        "withdraw",
    ]
    assert detail.claimant_name == "钱志愿"
    assert detail.solution is None

    app.give_request(rid, people.helper2, "换人跟进", actor=s)
    app.resolve_request(rid, "更换了灯具", actor=s)
    detail = app.get_request(rid, actor=s)
    assert detail.claimant_name == "孙志愿"
    assert detail.member_names == {people.helper: "钱志愿", people.helper2: "孙志愿"}
    assert detail.solution == "更换了灯具"
    assert detail.possible == ["accept", "escalate", "send_back"]

    app.send_back_resolution(rid, "灯还是不亮", actor=s)
    assert app.get_request(rid, actor=s).solution is None  # no current solution
    app.resolve_request(rid, "换了线路", actor=s)
    app.accept_resolution(rid, actor=s)
    app.record_visit(rid, "satisfied", comment="很及时", actor=staff.clerk)
    detail = app.get_request(rid, actor=s)
    assert (detail.solution, detail.visit_comment) == ("换了线路", "很及时")
    assert detail.satisfaction == "satisfied"
    assert detail.possible == ["publish"]

    duplicate = request_in(system, s, org, "placed")
    app.merge_request(duplicate, rid, "同一楼道灯", actor=s)
    merged, original = app.get_request(duplicate, actor=s), app.get_request(rid, actor=s)
    assert merged.merged_into_code == original.receipt_code
    assert original.duplicate_codes == [merged.receipt_code]
    assert merged.possible == [] and merged.claimant_name is None


def test_anonymous_requests_skip_the_visit(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, s = system.app, staff.supervisor
    rid = request_in(
        system,
        s,
        org,
        "accepted",
        claimant=people.helper,
        requester_kind="anonymous",
        contact_name=None,
        contact_phone=None,
    )
    detail = app.get_request(rid, actor=s)
    assert detail.possible == ["publish"]
    assert detail.visit_comment is None
    assert app.may(s, "publish_request") and s.can(Permission.REQUESTS_SUPERVISE)
