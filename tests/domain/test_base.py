"""Every event carries who caused it, and no event can be caused by nobody."""

from __future__ import annotations

from datetime import UTC
from uuid import uuid4

import pytest

from domain.accounts import Account
from domain.base import acting_as, current_actor, derived_id
from domain.roster import OrgUnit


def open_subdistrict() -> OrgUnit:
    return OrgUnit(
        level="subdistrict", name="凤城街道", parent_id=None, kind=None, area=None, place=None
    )


def test_an_event_records_the_actor_of_the_block_it_was_triggered_in() -> None:
    with acting_as("clerk"):
        unit = open_subdistrict()
    with acting_as("supervisor"):
        unit.rename("新凤城街道", "renamed by the district")
    opened, renamed = unit.collect_events()
    assert (opened.actor, renamed.actor) == ("clerk", "supervisor")  # type: ignore[attr-defined]
    assert opened.timestamp.tzinfo is not None
    assert opened.timestamp.utcoffset() == UTC.utcoffset(None)


def test_creating_an_aggregate_with_no_actor_set_raises_and_records_nothing() -> None:
    with pytest.raises(RuntimeError, match="no actor is set"):
        open_subdistrict()


def test_a_command_on_an_aggregate_with_no_actor_set_raises_and_changes_nothing() -> None:
    with acting_as("clerk"):
        unit = open_subdistrict()
    unit.collect_events()
    with pytest.raises(RuntimeError, match="no actor is set"):
        unit.rename("别的名字", "no one is acting")
    assert unit.name == "凤城街道"
    assert unit.version == 1
    assert unit.collect_events() == []


def test_an_empty_actor_counts_as_no_actor() -> None:
    with acting_as(""), pytest.raises(RuntimeError):
        Account(id=Account.id_for("x"), username="x", display_name="X", roles=["clerk"])


def test_the_actor_is_restored_when_the_block_ends_even_on_error() -> None:
    with acting_as("outer"):
        with pytest.raises(ValueError), acting_as("inner"):
            assert current_actor() == "inner"
            raise ValueError
        assert current_actor() == "outer"
    with pytest.raises(RuntimeError):
        current_actor()


def test_derived_ids_are_stable_per_kind_and_key() -> None:
    assert derived_id("account", "clerk") == derived_id("account", "clerk")
    assert derived_id("account", "clerk") != derived_id("person", "clerk")
    assert derived_id("account", "clerk") != derived_id("account", str(uuid4()))
