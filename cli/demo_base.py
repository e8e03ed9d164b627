"""What the demo's parts share: the simulated clock, the agenda that runs their stories
in time order, who does what, and the community as it stands at the clock's moment.

The demo backfills years of work through the Application's commands. The Application's
clock (`app.clock`) dates every event and every commit, so the demo moves that clock
along as it goes; and because the books are read "as of" a date from the commit index,
the clock only ever moves forward along the log. Each part of the demo is written as
stories: generators that yield the moment they need next. The agenda runs every story's
next step in time order, so steps of a request, an award, a transfer and a contact
interleave as they would have happened.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.access import Principal
from domain.application import Yimai

#: A story yields the moment it needs next and does that step when resumed. Nothing
#: happens before its first yield, which is its start.
Story = Iterator[datetime]

#: The station's office hours (local time), Monday to Friday.
OPENS, CLOSES = time(8, 30), time(17, 30)


class SimClock:
    """The Application's clock while the demo backfills: it starts in the past, only
    moves forward and never passes `limit` (just before the moment the load started)."""

    def __init__(self, app: Yimai, start: datetime, limit: datetime) -> None:
        if start > limit:
            raise ValueError("the demo's history must start before it ends")
        self.app = app
        self.at = start
        self.limit = limit

    def advance(self, to: datetime) -> None:
        if to < self.at:
            raise RuntimeError(f"the demo's clock would go back from {self.at} to {to}")
        if to > self.limit:
            raise RuntimeError(f"the demo's clock would pass {self.limit} (the real now)")
        self.at = to

    def today(self) -> date:
        """The date at the station now."""
        return self.app.today()

    def local(self, day: date, at: time = OPENS) -> datetime:
        """A moment of a day at the station, in UTC."""
        return datetime.combine(day, at, tzinfo=self.app.tz).astimezone(UTC)

    def office(self, moment: datetime) -> datetime:
        """`moment` if the station is open then, else the next moment it opens."""
        local = moment.astimezone(self.app.tz)
        day = local.date()
        if local.time() >= CLOSES:
            day += timedelta(days=1)
        elif local.time() >= OPENS and day.weekday() < 5:
            return moment
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return max(moment, self.local(day))

    @contextmanager
    def installed(self) -> Iterator[SimClock]:
        """The Application (and so every event and commit) takes its time from here."""
        saved = self.app.clock
        self.app.clock = lambda: self.at
        try:
            yield self
        finally:
            self.app.clock = saved


class Agenda:
    """Runs stories step by step in time order (equal moments in the order asked)."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._queue: list[tuple[datetime, int, Story]] = []
        self._order = itertools.count()

    def add(self, story: Story) -> None:
        """Schedule a story's next step. A moment already past is taken as now, and one
        beyond the limit as the limit, so the clock never has to go back."""
        when = next(story, None)
        if when is not None:
            when = min(max(when, self.clock.at), self.clock.limit)
            heapq.heappush(self._queue, (when, next(self._order), story))

    def run(self, after_each: Callable[[], None] = lambda: None) -> None:
        while self._queue:
            when, _, story = heapq.heappop(self._queue)
            self.clock.advance(when)
            self.add(story)
            after_each()


def once(when: datetime, step: Callable[[], object]) -> Story:
    """A story of one step."""
    yield when
    step()


@dataclass
class Cast:
    """Who does what in the demo."""

    clerk: Principal
    cadre: Principal
    cadre_member: UUID
    supervisor: Principal


@dataclass
class Town:
    """The demo community as it stands at the clock's moment; stories pick the people
    they need from it when they need them, so nobody acts before they are registered
    or after they left."""

    community: UUID
    branches: list[UUID]
    groups: dict[UUID, list[tuple[UUID, str]]]
    resident_units: list[UUID]
    #: Active members by branch, in the order they were registered or moved in.
    members: dict[UUID, list[UUID]] = field(default_factory=dict)
    households: dict[UUID, list[UUID]] = field(default_factory=dict)
    #: Members who hold a post: they stay where they are.
    posts: set[UUID] = field(default_factory=set)
    #: (member, household) -> since when they are linked; None once unlinked.
    links: dict[tuple[UUID, UUID], date | None] = field(default_factory=dict)
    #: Requests placed so far, with their branch (a later one may repeat one of them).
    placed: list[tuple[UUID, UUID]] = field(default_factory=list)

    def branch_of(self, member: UUID) -> UUID | None:
        return next((b for b, ms in self.members.items() if member in ms), None)

    def everyone(self) -> list[UUID]:
        return [m for b in self.branches for m in self.members[b]]
