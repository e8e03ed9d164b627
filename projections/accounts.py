"""The accounts read model: who can log in, with which roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from domain.access import Permission, Principal
from projections.db import Database, UTCDateTime, metadata
from projections.runner import Changes, Projection

accounts = sa.Table(
    "yimai_accounts",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(80), nullable=False),
    sa.Column("roles", sa.String(120), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("id", sa.Uuid, nullable=False, unique=True),
    # The member the account's holder is (claims made by the account are theirs).
    sa.Column("member_id", sa.Uuid),
    # Events name an account by its id: the read model's batches find rows by it.
    info={"row_key": "id"},
)


class AccountsProjection(Projection):
    name = "accounts"
    tables = (accounts,)
    handles = frozenset(
        {
            "Account.Opened",
            "Account.RolesChanged",
            "Account.Disabled",
            "Account.Enabled",
            "Account.MemberLinked",
        }
    )

    def apply(self, changes: Changes, e: Any, position: int) -> None:
        kind = type(e).__qualname__
        if kind == "Account.Opened":
            changes.insert(
                accounts,
                username=e.username,
                display_name=e.display_name,
                roles=",".join(e.roles),
                active=True,
                opened_at=e.timestamp,
                id=e.originator_id,
                member_id=None,
            )
        elif kind == "Account.RolesChanged":
            changes.update(accounts, e.originator_id, roles=",".join(e.roles))
        elif kind == "Account.MemberLinked":
            changes.update(accounts, e.originator_id, member_id=e.member_id)
        else:
            changes.update(accounts, e.originator_id, active=kind == "Account.Enabled")


class SQLAlchemyAccountsView:
    def __init__(self, db: Database, wait_for: Callable[[int], None]) -> None:
        self.db = db
        self.wait_for = wait_for

    def list(self, *, actor: Principal, min_position: int = 0) -> list[dict[str, Any]]:
        actor.require(Permission.ACCOUNTS_READ)
        self.wait_for(min_position)
        with self.db.read.connect() as conn:
            rows = conn.execute(sa.select(accounts).order_by(accounts.c.username)).all()
        return [{**r._asdict(), "roles": r.roles.split(",")} for r in rows]

    def count(self) -> int:
        with self.db.read.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one())
