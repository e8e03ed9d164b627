"""Assembles one process's view of Yimai: the Application, side stores, read models."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.access import SYSTEM, Principal, Role
from domain.application import Yimai
from domain.dto import ErasureReceipt, Receipt
from projections.accounts import AccountsProjection, SQLAlchemyAccountsView
from projections.config import Settings
from projections.db import Database, create_schema, open_database
from projections.eventstore import eventsourcing_env
from projections.points import PointsProjection, SQLAlchemyPointsView
from projections.privacy import PrivacyProjection, SQLAlchemyPrivacyView
from projections.requests import RequestsProjection, SQLAlchemyRequestsView
from projections.review import Review
from projections.roster import RosterProjection, SQLAlchemyRosterView
from projections.runner import Runner
from projections.seal import Sealer
from projections.stores import SecretStore, SQLCredentialStore, SQLKeyStore
from projections.timeline import SQLAlchemyTimelineView, TimelineProjection


class _CaughtUpOccupancy:
    """Answers the Application's occupancy questions from a caught-up roster view."""

    def __init__(self, system: System) -> None:
        self.system = system

    def _fresh(self) -> SQLAlchemyRosterView:
        self.system.runner.wait_for(self.system.app.last_position())
        return self.system.roster

    def open_children(self, unit_id: UUID) -> int:
        return self._fresh().open_children(unit_id)

    def active_members(self, unit_id: UUID) -> int:
        return self._fresh().active_members(unit_id)

    def open_households(self, unit_id: UUID) -> int:
        return self._fresh().open_households(unit_id)


class _CaughtUpStandings:
    """Answers the Application's standings questions from a caught-up points view."""

    def __init__(self, system: System) -> None:
        self.system = system

    def candidates(self, year: int, per_branch: int) -> list[dict[str, Any]]:
        self.system.runner.wait_for(self.system.app.last_position())
        return self.system.points.candidates(year, per_branch)


class _CaughtUpHouseholdItems:
    """Answers which requests and wishes a household placed, from a caught-up view."""

    def __init__(self, system: System) -> None:
        self.system = system

    def items_of(self, household_id: UUID) -> list[UUID]:
        self.system.runner.wait_for(self.system.app.last_position())
        return self.system.privacy.items_of(household_id)


@dataclass
class System:
    """Everything one process needs; build it with `open_system(settings)`."""

    settings: Settings
    db: Database
    secrets: SecretStore
    app: Yimai = field(init=False)
    runner: Runner = field(init=False)
    #: Seals the log, signs checkpoints, makes proofs and verifies.
    seal: Sealer = field(init=False)
    roster: SQLAlchemyRosterView = field(init=False)
    accounts: SQLAlchemyAccountsView = field(init=False)
    requests: SQLAlchemyRequestsView = field(init=False)
    points: SQLAlchemyPointsView = field(init=False)
    #: The station's latest events, by kind.
    timeline: SQLAlchemyTimelineView = field(init=False)
    #: Who was shown whose contact details, and who was erased.
    privacy: SQLAlchemyPrivacyView = field(init=False)
    #: The books as of any moment, diffs, per-account trails and replay.
    review: Review = field(init=False)

    def token_secret(self) -> bytes:
        if self.settings.secret_key:
            return self.settings.secret_key.encode()
        return self.secrets.get("token_secret")

    def is_initialized(self) -> bool:
        return self.app.is_initialized()

    def initialize(self, admin_user: str, password: str, display_name: str = "") -> Receipt:
        """Create the first admin account (and the signing key if there is none); refused
        once any account exists."""
        if self.accounts.count() or self.app.is_initialized():
            from domain.errors import RuleViolationError

            raise RuleViolationError("already_initialized", "this database already has accounts")
        self.seal.ensure_key()
        receipt = self.app.open_account(
            admin_user, display_name or admin_user, [Role.ADMIN.value], password, actor=SYSTEM
        )
        self.app.seed_categories(actor=SYSTEM)
        self.app.seed_rules(actor=SYSTEM)
        return receipt

    def erase_person(
        self, subject_id: UUID | str, reason: str, *, actor: Principal
    ) -> ErasureReceipt:
        """Erase a person, then let the read models blank what they had opened and make
        the freed bytes leave the files: the key store purged once when the keys went,
        before the read models' blanks were written, so it purges again after them."""
        receipt = self.app.erase_person(subject_id, reason, actor=actor)
        self.runner.wait_for(receipt.position)
        keys = self.app.personal.keys
        purged = keys.purge() if isinstance(keys, SQLKeyStore) else receipt.purged
        return dataclasses.replace(receipt, purged=purged)

    def shutdown(self) -> None:
        self.seal.stop()
        self.runner.stop()
        self.app.close()
        self.db.dispose()


def open_system(settings: Settings | None = None, *, follow: bool = False) -> System:
    """Open the configured database (creating its tables) and wire the application."""
    settings = settings or Settings.from_env()
    db = open_database(settings)
    create_schema(db)
    secrets = SecretStore(db)
    system = System(settings, db, secrets)
    system.app = Yimai(
        eventsourcing_env(settings),
        keys=SQLKeyStore(db, secrets),
        credentials=SQLCredentialStore(
            db,
            settings.login_window_seconds,
            time_cost=settings.password_time_cost,
            memory_kib=settings.password_memory_kib,
        ),
        occupancy=_CaughtUpOccupancy(system),
        tz=settings.tzinfo,
        unit_claim_limit=settings.unit_claim_limit,
    )
    # The commit index takes its times from the Application's clock too.
    system.app.recorder.clock = lambda: system.app.clock()  # type: ignore[attr-defined]
    system.app.publicity_days = settings.publicity_days
    system.app.excellent_per_branch = settings.excellent_per_branch
    system.runner = Runner(
        system.app,
        db,
        [
            RosterProjection(system.app.personal),
            AccountsProjection(),
            TimelineProjection(),
            RequestsProjection(system.app.personal),
            PointsProjection(),
            PrivacyProjection(),
        ],
    )
    system.runner.ensure_tracking()
    system.seal = Sealer(system.app, db, settings)
    system.seal.ensure_rows()
    system.roster = SQLAlchemyRosterView(db, system.runner.wait_for)
    system.accounts = SQLAlchemyAccountsView(db, system.runner.wait_for)
    system.timeline = SQLAlchemyTimelineView(db, system.runner.wait_for)
    system.requests = SQLAlchemyRequestsView(
        db, system.runner.wait_for, settings.tzinfo, settings.name_mask
    )
    system.points = SQLAlchemyPointsView(db, system.runner.wait_for, settings)
    system.review = Review(system.app, db, system.runner.wait_for, settings.tzinfo)
    system.app.standings = _CaughtUpStandings(system)
    system.privacy = SQLAlchemyPrivacyView(db, system.runner.wait_for)
    system.app.household_items = _CaughtUpHouseholdItems(system)
    if follow:
        system.runner.start(settings.poll_interval)
        system.seal.start(settings.poll_interval)
    return system
