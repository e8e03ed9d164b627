"""docs/events.md documents every event type of every aggregate, with its fields."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

from eventsourcing.domain import CanInitAggregate, DecoratedFuncCaller

import domain
from domain.base import YimaiAggregate

DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"
#: Fields every event has; documented once, at the top of the page.
COMMON = {"originator_id", "originator_version", "timestamp", "actor", "originator_topic"}


def aggregates() -> list[type[YimaiAggregate]]:
    """Every aggregate class in the domain package (each module imported first); a
    private base such as `_Claimable` shares its events' code but records none itself."""
    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")
    found: list[type[YimaiAggregate]] = []
    todo = [YimaiAggregate]
    while todo:
        for sub in todo.pop().__subclasses__():
            public = not sub.__name__.startswith("_")
            if sub.__module__.startswith("domain.") and public and sub not in found:
                found.append(sub)
            todo.append(sub)
    return found


def event_types() -> dict[str, type]:
    """The concrete events: each @event method's class, and each aggregate's creation
    event (the generic `Created` counts only when an aggregate has no named one)."""
    events: dict[str, type] = {}
    for aggregate in aggregates():
        nested = [v for v in vars(aggregate).values() if isinstance(v, type)]
        decorated = [v for v in nested if issubclass(v, DecoratedFuncCaller)]
        created = [v for v in nested if issubclass(v, CanInitAggregate)]
        named = [v for v in created if v.__name__ != "Created"]
        for cls in [*decorated, *(named or created)]:
            events[cls.__qualname__] = cls
    return events


def sections() -> dict[str, str]:
    """The text under each `### `Event.Name`` heading of the page."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### `([A-Za-z.]+)`\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_domain_has_the_events_we_expect_to_find() -> None:
    """Guards the discovery itself: it must see every aggregate's events."""
    found = event_types()
    assert {
        "Member.Registered",
        "OrgUnit.Opened",
        "Account.Opened",
        "Account.PasswordChanged",
    } <= set(found)
    assert "Member.Created" not in found
    assert len(found) >= 27


def test_every_event_type_is_documented() -> None:
    documented = sections()
    missing = sorted(set(event_types()) - set(documented))
    assert not missing, f"docs/events.md lacks a section for: {', '.join(missing)}"


def test_every_documented_event_exists() -> None:
    stale = sorted(set(sections()) - set(event_types()))
    assert not stale, f"docs/events.md documents events that no longer exist: {stale}"


def test_every_field_of_every_event_is_documented() -> None:
    documented = sections()
    missing = []
    for name, cls in event_types().items():
        fields = {f.name for f in dataclasses.fields(cls)} - COMMON
        text = documented.get(name, "")
        missing += [f"{name}.{f}" for f in sorted(fields) if f"`{f}`" not in text]
    assert not missing, f"docs/events.md lacks these fields: {', '.join(missing)}"
