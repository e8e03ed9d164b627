"""Sealing tests: systems whose signing key lives in the test's own directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from domain.base import acting_as
from domain.roster import HouseholdLink
from projections.config import Settings
from projections.system import System, open_system
from tests.conftest import FAST_PASSWORDS, Org, Staff, household_draft, member_draft


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key at the default place for a non-SQLite database (./yimai-signing.key) lands
    in the test's directory, never in the repository."""
    monkeypatch.chdir(tmp_path)


def seal_settings(url: str, tmp_path: Path, every: int = 16) -> Settings:
    return Settings(
        database_url=url,
        signing_key_path=str(tmp_path / "signing.key"),
        checkpoint_every=every,
        **FAST_PASSWORDS,
    )


@pytest.fixture
def keyed(prepared_url: str, tmp_path: Path) -> Iterator[System]:
    """A system on a copy of the prepared database (both databases), with a signing key
    and a checkpoint every 16 sealed events."""
    system = open_system(seal_settings(prepared_url, tmp_path))
    system.seal.ensure_key()
    yield system
    system.shutdown()


def add_contacts(system: System, staff: Staff, org: Org, count: int, per_save: int = 100) -> None:
    """`count` contact-log events on one household link, saved `per_save` at a time."""
    app = system.app
    tag = uuid4().int % 10**8
    member = app.register_member(
        member_draft(org.branch, name=f"联络员{tag}", phone=f"139{tag:08d}"), actor=staff.clerk
    ).id
    home = app.register_household(
        household_draft(org.branch, room=str(tag), head_phone=f"137{tag:08d}"), actor=staff.clerk
    ).id
    link: HouseholdLink = app.repository.get(app.link_household(member, home, actor=staff.cadre).id)
    done = 0
    while done < count:
        with acting_as("cadre"):
            for _ in range(min(per_save, count - done)):
                link.log_contact(uuid4(), date(2025, 1, 1), "visit", None)
        done += min(per_save, count - done)
        app.save(link)
