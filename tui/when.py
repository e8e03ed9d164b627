"""Times as the station reads them: in the stations' time zone (settings.timezone),
whatever the machine's own zone. The App sets the zone from its System at start."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

_zone: tzinfo = UTC


def set_zone(zone: tzinfo) -> None:
    global _zone
    _zone = zone


def local(moment: datetime) -> datetime:
    """`moment` in the stations' time zone (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone)


def stamp(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as staff read it; nothing for None."""
    return local(moment).strftime(fmt) if moment is not None else ""
