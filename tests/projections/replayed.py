"""Read models rebuilt from the log up to a position, in a database of their own: the
independent answer that "as of" results are compared with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from domain.application import Yimai
from projections.config import Settings
from projections.db import Database, create_schema, open_database
from projections.history import as_of, history_of, key_column
from projections.points import PointsProjection
from projections.requests import RequestsProjection
from projections.roster import RosterProjection
from projections.runner import Runner
from projections.timeline import TimelineProjection


def replay_until(app: Yimai, position: int, path: Path) -> Database:
    """Fresh read models holding exactly the events up to `position`."""
    db = open_database(Settings(database_url=f"sqlite:///{path}"))
    create_schema(db)
    runner = Runner(
        app,
        db,
        [
            RosterProjection(app.personal),
            TimelineProjection(),
            RequestsProjection(app.personal),
            PointsProjection(),
        ],
    )
    runner.ensure_tracking()
    runner.catch_up(until=position)
    return db


def kept_columns(table: sa.Table) -> list[str]:
    """The columns the past keeps (personal ones come from the present)."""
    return [c.name for c in table.columns if c.name not in table.info["personal"]]


def table_now(db: Database, table: sa.Table) -> list[tuple[Any, ...]]:
    key = key_column(table)
    columns = [table.c[n] for n in kept_columns(table)]
    with db.read.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*columns).order_by(key))]


def table_as_of(db: Database, table: sa.Table, position: int) -> list[tuple[Any, ...]]:
    past = as_of(table, position)
    key = key_column(table)
    columns = [past.c[n] for n in kept_columns(table)]
    with db.read.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*columns).order_by(past.c[key.name]))]


def temporal_tables() -> list[sa.Table]:
    from projections.db import metadata

    return [t for t in metadata.sorted_tables if history_of(t) is not None]
