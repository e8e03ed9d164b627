"""The past of read-model tables: every state a row went through, by log position.

A table made `temporal(...)` gets a companion `<name>_history` table. Each time an event
changes a row (insert or update, through the runner's `Changes` buffer), the row's new
state is added there, valid from that event's position until the next event that changes
the row (`valid_to`, NULL while it is the current state). So the table *as of* any log
position is one range condition, and the same view code answers for the past by reading
`as_of(table, position)` instead of the table (`rebase`).

Personal columns (names, phones, rooms, description excerpts) are not copied: the past
never keeps personal data the present no longer has (an erased person stays erased in
every past). `as_of` takes them from the current row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import visitors

VALID_FROM = "valid_from"
VALID_TO = "valid_to"


def key_column(table: sa.Table) -> sa.Column[Any]:
    """A table's row key: its single primary-key column, or `info["row_key"]`."""
    if "row_key" in table.info:
        return table.c[table.info["row_key"]]
    (key,) = table.primary_key.columns
    return key


def temporal(table: sa.Table, *, personal: Iterable[str] = ()) -> sa.Table:
    """Give `table` a history table (returned, and kept in `table.info["history"]`)."""
    personal = frozenset(personal)
    unknown = personal - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name}: no columns {sorted(unknown)}")
    key = key_column(table)
    columns = [
        sa.Column(c.name, c.type, primary_key=c is key, autoincrement=False, nullable=c is not key)
        for c in table.columns
        if c.name not in personal
    ]
    history = sa.Table(
        f"{table.name}_history",
        table.metadata,
        *columns,
        sa.Column(VALID_FROM, sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column(VALID_TO, sa.BigInteger),
        sa.Index(f"ix_{table.name}_history_valid_to", VALID_TO),
    )
    history.info["of"] = table
    table.info["history"] = history
    table.info["personal"] = personal
    return history


def history_of(table: sa.Table) -> sa.Table | None:
    found = table.info.get("history")
    return found if isinstance(found, sa.Table) else None


def with_histories(*tables: sa.Table) -> tuple[sa.Table, ...]:
    """The tables followed by their history tables: a projection's `tables`."""
    return (*tables, *(h for t in tables if (h := history_of(t)) is not None))


def as_of(table: sa.Table, position: int) -> sa.Subquery:
    """The table as it stood after the event at `position`: the same columns, personal
    ones from the current row."""
    history = history_of(table)
    if history is None:
        raise ValueError(f"{table.name} keeps no history")
    personal: frozenset[str] = table.info["personal"]
    key = key_column(table)
    live = table.alias(f"{table.name}_now")
    columns: list[Any] = [
        live.c[c.name].label(c.name) if c.name in personal else history.c[c.name]
        for c in table.columns
    ]
    query = sa.select(*columns).where(
        history.c[VALID_FROM] <= position,
        sa.or_(history.c[VALID_TO].is_(None), history.c[VALID_TO] > position),
    )
    if personal:
        query = query.select_from(history.join(live, live.c[key.name] == history.c[key.name]))
    return query.subquery(table.name)


def rebase(statement: Any, sources: Mapping[sa.Table, sa.FromClause]) -> Any:
    """`statement` with each of the given tables read from another source of the same
    columns (e.g. `as_of(table, p)`) - the view's own query, answered for the past."""
    if not sources:
        return statement

    def replace(element: Any, **kw: Any) -> Any:
        if isinstance(element, sa.Table) and element in sources:
            return sources[element]
        if isinstance(element, sa.Column) and element.table in sources:
            return sources[element.table].c[element.name]
        return None

    opts: dict[str, Any] = {}
    return visitors.replacement_traverse(statement, opts, replace)


def history_rows(table: sa.Table, images: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """History rows for one key's successive states in a batch (position, full row)."""
    history = history_of(table)
    assert history is not None
    names = [c.name for c in history.columns if c.name not in (VALID_FROM, VALID_TO)]
    out = []
    for i, (position, image) in enumerate(images):
        row = {n: image.get(n) for n in names}
        row[VALID_FROM] = position
        row[VALID_TO] = images[i + 1][0] if i + 1 < len(images) else None
        out.append(row)
    return out
