"""The Application's batch mode: the same commands and rules, the storage batched."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.access import Permission, Principal
from domain.app_base import KeyWriter, command
from domain.application import Yimai
from domain.dto import RequestDraft
from domain.errors import ConcurrencyError, NotFoundError, RuleViolationError
from domain.requests import Request
from projections.stores import subject_keys
from projections.system import System
from tests.conftest import Org, Staff, member_draft


def _draft(org: Org, text: str = "楼道灯不亮") -> RequestDraft:
    return RequestDraft(
        channel="walk_in",
        category="property",
        description=text,
        community_id=org.community,
        requester_kind="anonymous",
    )


def _stored_keys(system: System) -> set[UUID]:
    with system.db.read.connect() as conn:
        return set(conn.execute(sa.select(subject_keys.c.subject_id)).scalars())


def _writer(system: System, calls: list[int]) -> KeyWriter:
    def write(keys: Mapping[UUID, bytes]) -> None:
        calls.append(len(keys))
        rows = [{"subject_id": s, "key": k} for s, k in keys.items()]
        with system.db.write.begin() as conn:
            conn.execute(subject_keys.insert(), rows)

    return write


def test_later_commands_see_held_changes_and_one_save_per_size(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    before = app.last_position()
    calls: list[int] = []
    with app.batch(size=100, write_keys=_writer(system, calls)):
        placed = app.place_request(_draft(org), actor=staff.clerk)
        assert placed.position == 0  # nothing is in the log yet
        assert app.last_position() == before
        # Classified and claimed while the request exists only in the batch.
        app.classify_request(placed.id, branch_id=org.branch, actor=staff.clerk)
        app.claim_request(placed.id, member_id=member, actor=staff.clerk)
        with pytest.raises(RuleViolationError):  # the rules see the held claim
            app.claim_request(placed.id, member_id=member, actor=staff.clerk)
        # The receipt code index is held too: the request is found by its code.
        assert app.repository.get(placed.id).claimant == member
        assert placed.id not in _stored_keys(system)  # its key waits for the save
    assert app.last_position() == before + 4  # index, placed, classified, claimed
    assert calls == [1]
    assert placed.id in _stored_keys(system)
    system.runner.catch_up()
    detail = app.get_request(placed.id, actor=staff.supervisor)
    assert detail.state == "claimed"
    assert detail.description == "楼道灯不亮"  # opened with the key written in the batch


def test_saves_every_size_commands_in_order(system: System, staff: Staff, org: Org) -> None:
    app = system.app
    before = app.last_position()
    with app.batch(size=2):
        first = app.place_request(_draft(org, "一"), actor=staff.clerk).id
        assert app.last_position() == before
        second = app.place_request(_draft(org, "二"), actor=staff.clerk).id
        assert app.last_position() == before + 4  # saved after the second command
        app.classify_request(first, branch_id=org.branch, actor=staff.clerk)
        assert app.batch_saved() == 4
    # The events are in the log in the order the commands made them.
    ids = [n.originator_id for n in app.recorder.select_notifications(before + 1, 10)]
    assert ids[1] == first and ids[3] == second and ids[4] == first


def test_an_error_in_the_block_discards_what_is_held(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    before = app.last_position()
    keys_before = _stored_keys(system)
    calls: list[int] = []
    batch = app.batch(size=100, write_keys=_writer(system, calls))
    with pytest.raises(RuntimeError, match="boom"), batch:
        app.place_request(_draft(org), actor=staff.clerk)
        app.place_request(_draft(org), actor=staff.clerk)
        raise RuntimeError("boom")
    assert app.last_position() == before
    assert calls == [] and _stored_keys(system) == keys_before
    # Outside the batch again: a command saves at once and returns its position.
    receipt = app.place_request(_draft(org), actor=staff.clerk)
    assert receipt.position == app.last_position() > before


def test_a_failed_save_saves_nothing_and_keys_come_first(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    request = app.place_request(_draft(org), actor=staff.clerk).id
    before = app.last_position()
    order: list[str] = []
    calls: list[int] = []
    writer = _writer(system, calls)

    def write(keys: Mapping[UUID, bytes]) -> None:
        order.append("keys")
        writer(keys)

    with pytest.raises(ConcurrencyError), app.batch(size=100, write_keys=write):
        placed = app.place_request(_draft(org), actor=staff.clerk).id
        app.classify_request(request, branch_id=org.branch, actor=staff.clerk)
        # Another writer changes the same request before the batch is saved.
        app._batch, batch = None, app._batch
        app.withdraw_request(request, "居民已自行解决", actor=staff.clerk)
        app._batch = batch
    # Nothing of the batch is in the log; its key was written before the save failed
    # (an orphan key is harmless, an event without its key would not be).
    assert app.last_position() == before + 1
    assert order == ["keys"] and placed in _stored_keys(system)
    ids = {n.originator_id for n in app.recorder.select_notifications(1, before + 10)}
    assert placed not in ids


@command(Permission.REQUESTS_RECORD)
def _note_then_fail(app: Yimai, request_id: UUID, *, actor: Principal) -> None:
    """A command that changes an aggregate and then breaks a rule before it commits."""
    request = app._get(Request, request_id, "request")
    request.note_progress(app._seal_text(request.id, "半途而废"))
    raise RuleViolationError("broken", "a rule broken after the change")


def test_a_failed_command_leaves_held_aggregates_as_they_were(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    before = app.last_position()
    with app.batch(size=100):
        rid = app.place_request(_draft(org), actor=staff.clerk).id
        app.classify_request(rid, branch_id=org.branch, actor=staff.clerk)
        version: int = app.repository.get(rid).version
        with pytest.raises(RuleViolationError):
            _note_then_fail(app, rid, actor=staff.clerk)
        # The held request is as the classification left it, not half-noted.
        assert app.repository.get(rid).version == version
        with pytest.raises(NotFoundError):
            app.claim_request(rid, member_id=org.branch, actor=staff.clerk)
        app.claim_request(rid, member_id=member, actor=staff.clerk)
    assert app.last_position() == before + 4
    system.runner.catch_up()
    detail = app.get_request(rid, actor=staff.supervisor)
    assert detail.state == "claimed" and detail.version == version + 1


def test_read_models_asked_in_a_batch_see_what_it_held(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    with app.batch(size=100):
        member = app.register_member(member_draft(org.branch2), actor=staff.clerk).id
        # Closing the branch asks the roster read model whether members are active:
        # the held registration is saved first, so the rule still holds.
        with pytest.raises(RuleViolationError):
            app.close_unit(org.branch2, "合并网格", actor=staff.admin)
        assert app.last_position() >= 1
    system.runner.catch_up()
    assert system.roster.active_members(org.branch2) >= 1
    assert member


def test_batches_do_not_nest(system: System) -> None:
    app = system.app
    with app.batch(), pytest.raises(RuntimeError), app.batch():
        pass
    with pytest.raises(ValueError), app.batch(size=0):
        pass
