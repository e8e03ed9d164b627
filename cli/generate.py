"""`yimai generate`: a whole district's history, years of it, at speed.

The history is made through the Application's own commands (every rule, guard and
sealed personal field as at the counter), with Faker's zh_CN locale, in time order:
the Application's clock moves forward along it as the demo's does (`cli.demo_base`).
Only the storage is batched (`Yimai.batch`): the events of `--batch` commands are saved
in one transaction, and the keys of new subjects in one just before them.

What it makes, over `--years` years ending just before now:
- the subdistricts, `--communities` communities, `--branches` grid branches spread over
  them (each with building party groups, and a merchant group in every third), resident
  units, one account per role (the demo's, password "demo");
- the founding roster (most members and households, 3+N links), secretaries, group
  leaders and liaisons; then the roster's life: newcomers, households, transfers,
  corrections, departures, links ended and renewed, contacts on every link;
- every year's party days with attendance, `--awards-per-member` awards a member a
  year, deductions and a reversal per branch; each past year closed in January, made
  final after its publicity window, its excellent members proposed, confirmed and
  published; the last one closed with an objection in its window;
- `--requests-per-year` residents' requests spread over the years, the older ones
  worked to their end, the last four months in every state (`cli.demo_orders`, with
  its micro-wishes and alliance needs in each community).

The same `--seed` (and the same end moment) makes the same history: the same commands
in the same order with the same data, so the same sequence of events with the same
fields. What differs between two runs: aggregate ids (uuid4, and the ids derived from
them), receipt codes (drawn from the system's random source), per-subject keys and the
sealed blobs' nonces (so every sealed blob), password hashes, and the times of
recording (each event's timestamp follows the simulated clock, which is the same, but
the end moment is the real now unless pinned).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import UUID

import sqlalchemy as sa
from faker import Faker

from cli.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    _contacts,
    _correction,
    _departure,
    _household_draft,
    _link_change,
    _member_draft,
    _movable,
    _newcomer,
    _pause,
    _register_household,
    _register_member,
)
from cli.demo_base import Agenda, Cast, SimClock, Story, Town, once
from cli.demo_orders import ASKS, load_orders
from cli.demo_points import _award, _deduction, _party_day, _reversal
from domain.access import SYSTEM, Principal, Role
from domain.application import Yimai
from domain.dto import MemberDraft, RequestDraft
from domain.points import Selection
from domain.privacy import ErasedError
from projections.stores import erased_subjects, subject_keys
from projections.system import System

#: The figures of DOMAIN.md: a district of 30 communities and 185 grid branches.
COMMUNITIES = 30
BRANCHES = 185
#: Per grid branch, by default: members, households.
MEMBERS_PER_BRANCH = 30
HOUSEHOLDS_PER_BRANCH = 60
#: About 15,000 residents' problems solved in five and a half years.
REQUESTS_PER_YEAR = 3000
AWARDS_PER_MEMBER = 4
YEARS = 10
#: 104 resident units in the district's 30 communities.
RESIDENT_UNITS = 104
#: The share of members and households registered in the first weeks.
FOUNDING_SHARE = 0.8
#: The last stretch of the history has requests in every state (`cli.demo_orders`).
RECENT_DAYS = 120

SUBDISTRICTS = ["凤城街道", "张家洼街道", "高庄街道", "鹏泉街道", "口镇街道", "羊里街道"]
PLACES = [
    "汶源",
    "鹏泉",
    "凤城",
    "嬴牟",
    "孝义",
    "方下",
    "寨里",
    "杨庄",
    "茶业",
    "大王庄",
    "雪野",
    "苗山",
    "牛泉",
    "和庄",
    "羊里",
    "口镇",
]
UNIT_KINDS = ["institution", "agency", "enterprise", "social_organization"]
UNIT_NAMES = ["医院", "税务所", "建材有限公司", "中学", "供电所", "邮政支局", "信用社", "物流公司"]
NUMERALS = "一二三四五六七八九十"
AREAS = ["东片区", "西片区", "南片区", "北片区", "中心片区", "新城片区", "老城片区", "河畔片区"]
KINDS = ["direct", "direct", "co_building", "co_building", "combined", "combined"]

KeyWriter = Callable[[Mapping[UUID, bytes]], None]


@dataclass(frozen=True)
class Plan:
    """What to generate."""

    communities: int = COMMUNITIES
    branches: int = BRANCHES
    members: int = BRANCHES * MEMBERS_PER_BRANCH
    households: int = BRANCHES * HOUSEHOLDS_PER_BRANCH
    years: int = YEARS
    requests_per_year: int = REQUESTS_PER_YEAR
    awards_per_member: float = AWARDS_PER_MEMBER
    seed: int = 7
    batch: int = 5000

    def estimated_events(self) -> int:
        """Roughly how many events this plan makes (measured on small runs)."""
        per_member_year = 12 * 0.8 + self.awards_per_member + 0.4  # party days, awards, contacts
        yearly = self.members * per_member_year + self.requests_per_year * 7.5
        founding = self.members * 2.2 + self.households * 1.2
        # Calibrated on runs of 11k and 174k events (the raw sum was ~1.8 times short:
        # index aggregates, appointments, links, the recent months' every-state requests).
        return round(1.8 * (founding + yearly * self.years + self.branches * 12 * self.years))

    def scaled_to(self, events: int) -> Plan:
        """The plan with members, households and requests scaled to about `events`."""
        factor = events / max(1, self.estimated_events())
        return replace(
            self,
            members=max(self.branches * 2, round(self.members * factor)),
            households=max(self.branches * 2, round(self.households * factor)),
            requests_per_year=max(1, round(self.requests_per_year * factor)),
        )


def sql_key_writer(system: System) -> KeyWriter:
    """Writes a batch's new keys in one transaction (refused if one was erased)."""

    def write(keys: Mapping[UUID, bytes]) -> None:
        ids = list(keys)
        with system.db.write.begin() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                erased = conn.execute(
                    sa.select(erased_subjects.c.subject_id).where(
                        erased_subjects.c.subject_id.in_(chunk)
                    )
                ).first()
                if erased is not None:
                    raise ErasedError()
            conn.execute(subject_keys.insert(), [{"subject_id": s, "key": keys[s]} for s in ids])

    return write


@dataclass
class District:
    """The district as it stands: its communities, and who does what."""

    towns: list[Town]
    #: Who does what in each community (its own cadre, linked to one of its members).
    casts: list[Cast]
    #: Each branch's area name, for transfer reasons.
    areas: dict[UUID, str]

    @property
    def cast(self) -> Cast:
        return self.casts[0]


Progress = Callable[[int, float], None]


def generate(
    system: System,
    plan: Plan,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Fill an empty database with the plan's history, ending just before `now`; seal
    it and sign a checkpoint. Returns figures: events, seconds, events_per_second."""
    app = system.app
    if app.is_initialized():
        raise RuntimeError("the database is not empty; generate writes only into an empty one")
    if plan.communities < 1 or plan.branches < plan.communities:
        raise ValueError("at least one community, and a grid branch in each")
    if plan.years < 1:
        raise ValueError("at least one year")
    system.seal.ensure_key()
    real_now = datetime.now(UTC)
    now = now or real_now
    if now > real_now:
        raise ValueError("the history cannot end in the future")
    rng = random.Random(plan.seed)
    fake = Faker("zh_CN")
    fake.seed_instance(plan.seed)
    local_now = now.astimezone(app.tz)
    first_day = date(local_now.year - plan.years, 1, 2)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=app.tz).astimezone(UTC)
    clock = SimClock(app, start, now - timedelta(minutes=1))
    started = time.perf_counter()
    steps = 0

    def tick() -> None:
        nonlocal steps
        steps += 1
        if progress and steps % 500 == 0:
            progress(app.batch_saved(), time.perf_counter() - started)

    with clock.installed(), app.batch(plan.batch, write_keys=sql_key_writer(system), cache=True):
        clock.advance(clock.office(clock.at))
        district = _found(app, clock, rng, fake, plan, tick)
        agenda = Agenda(clock)
        begun = clock.at
        for town in district.towns:
            _roster_life(agenda, app, district, town, rng, fake, plan, begun)
        _points(agenda, app, district, rng, plan)
        _requests(agenda, app, district, rng, fake, plan)
        agenda.run(tick)
    events = app.last_position()
    seconds = time.perf_counter() - started
    if progress:
        progress(events, seconds)
    system.runner.catch_up()
    system.seal.catch_up()
    system.seal.checkpoint()
    return {
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(events / max(seconds, 1e-9)),
    }


# -- the first weeks ---------------------------------------------------------------------


def _spread(total: int, parts: int) -> list[int]:
    """`total` in `parts` as even as can be (the first ones take the remainder)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _found(
    app: Yimai,
    clock: SimClock,
    rng: random.Random,
    fake: Faker,
    plan: Plan,
    tick: Callable[[], None],
) -> District:
    """Accounts, the organization, and most of the roster, entered one after another."""
    for username, (role, display) in DEMO_ACCOUNTS.items():
        app.open_account(username, display, [role], DEMO_PASSWORD, actor=SYSTEM)
    app.seed_categories(actor=SYSTEM)
    app.seed_rules(actor=SYSTEM)
    supervisor = app.authenticate("demo-supervisor", DEMO_PASSWORD)
    clerk = app.authenticate("demo-clerk", DEMO_PASSWORD)
    cadre = app.authenticate("demo-cadre", DEMO_PASSWORD)

    _pause(clock, rng, 10, 30)
    subdistricts = [
        app.open_unit("subdistrict", name, actor=supervisor).id
        for name in SUBDISTRICTS[: max(1, min(len(SUBDISTRICTS), math.ceil(plan.communities / 5)))]
    ]
    towns: list[Town] = []
    areas: dict[UUID, str] = {}
    units_each = _spread(round(RESIDENT_UNITS * plan.communities / COMMUNITIES), plan.communities)
    for c, branch_count in enumerate(_spread(plan.branches, plan.communities)):
        _pause(clock, rng, 1, 3)
        place = PLACES[c % len(PLACES)] + ("" if c < len(PLACES) else NUMERALS[c // len(PLACES)])
        name = f"{place}社区"
        community = app.open_unit(
            "community", name, subdistricts[c % len(subdistricts)], actor=supervisor
        ).id
        branches: list[UUID] = []
        groups: dict[UUID, list[tuple[UUID, str]]] = {}
        building = 1
        for b in range(branch_count):
            area = AREAS[b % len(AREAS)]
            label = f"第{_numeral(b + 1)}网格党支部"
            branch = app.open_unit(
                "branch", label, community, kind=KINDS[b % len(KINDS)], area=area, actor=supervisor
            ).id
            branches.append(branch)
            areas[branch] = area
            groups[branch] = []
            for _ in range(3):
                spot = f"{building}号楼"
                group = app.open_unit(
                    "group", f"{spot}党小组", branch, kind="building", place=spot, actor=supervisor
                ).id
                groups[branch].append((group, spot))
                building += 1
            if b % 3 == 0:
                street = f"{place}{rng.choice(['大街', '东路', '西路', '北路'])}"
                merchants = app.open_unit(
                    "group",
                    f"{street}商户党小组",
                    branch,
                    kind="merchant",
                    place=street,
                    actor=supervisor,
                ).id
                groups[branch].append((merchants, street))
        units = [
            app.register_resident_unit(
                f"{place}{UNIT_NAMES[(c + u) % len(UNIT_NAMES)]}",
                UNIT_KINDS[(c + u) % len(UNIT_KINDS)],
                community,
                actor=clerk,
            ).id
            for u in range(units_each[c])
        ]
        towns.append(
            Town(
                community,
                branches,
                groups,
                units,
                members={b: [] for b in branches},
                households={b: [] for b in branches},
            )
        )
        tick()

    members_each = _spread(plan.members, plan.communities)
    households_each = _spread(plan.households, plan.communities)
    by_group: dict[UUID, list[UUID]] = {}
    for c, town in enumerate(towns):
        for n in range(round(members_each[c] * FOUNDING_SHARE)):
            _pause(clock, rng, 0.5, 2)
            draft = _local(_member_draft(town, n, clock.today(), rng, fake), c)
            member = _register_member(app, clerk, town, draft)
            if member is not None and isinstance(draft.group_id, UUID):
                by_group.setdefault(draft.group_id, []).append(member)
            tick()
        for n in range(round(households_each[c] * FOUNDING_SHARE)):
            _pause(clock, rng, 0.5, 2)
            home = _household_draft(town, n, rng, fake)
            _register_household(app, clerk, town, home)
            tick()
    casts: list[Cast] = []
    for c, town in enumerate(towns):
        everyone = town.everyone()
        if not everyone:
            raise ValueError("every community needs members: give more --members")
        # The demo cadre is the first community's first member; every other community
        # has a cadre account of its own (claims stay in the member's community).
        username = "demo-cadre" if c == 0 else f"demo-cadre-{c + 1:02d}"
        if c:
            app.open_account(username, f"社区干部{c + 1}", ["cadre"], DEMO_PASSWORD, actor=SYSTEM)
        app.link_account_member(username, everyone[0], "社区干部本人", actor=SYSTEM)
        principal = cadre if c == 0 else Principal(username, frozenset({Role.CADRE}))
        casts.append(Cast(clerk, principal, everyone[0], supervisor))
    for town in towns:
        town.posts = _appoint(app, clock, supervisor, town, by_group, rng)
    for town, cast in zip(towns, casts, strict=True):
        for branch in town.branches:
            ours = town.households[branch]
            for member in town.members[branch][: max(1, len(town.members[branch]) // 3)]:
                for household in rng.sample(ours, k=min(3, len(ours))):
                    _pause(clock, rng, 0.2, 1)
                    since = clock.today() - timedelta(days=rng.randint(30, 900))
                    app.link_household(member, household, since=since, actor=cast.cadre)
                    town.links[(member, household)] = since
                    tick()
    return District(towns, casts, areas)


def _numeral(n: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五 (enough for branch numbers)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = ("" if tens == 1 else NUMERALS[tens - 1]) + "十"
    return head + (NUMERALS[ones - 1] if ones else "")


def _local(draft: MemberDraft, c: int) -> MemberDraft:
    """The demo's member draft, its address in this community."""
    place = PLACES[c % len(PLACES)]
    return replace(draft, address=draft.address.replace("鹏泉社区", f"{place}社区", 1))


def _appoint(
    app: Yimai,
    clock: SimClock,
    actor: Principal,
    town: Town,
    by_group: dict[UUID, list[UUID]],
    rng: random.Random,
) -> set[UUID]:
    """The secretaries, group leaders and liaisons, appointed before the station opened."""
    before = clock.today() - timedelta(days=rng.randint(60, 400))
    posts: set[UUID] = set()
    everyone = town.everyone()
    if everyone:
        _pause(clock, rng, 0.2, 1)
        app.appoint(town.community, "secretary", everyone[0], since=before, actor=actor)
        posts.add(everyone[0])
    for branch in town.branches:
        if town.members[branch]:
            _pause(clock, rng, 0.2, 1)
            secretary = town.members[branch][0]
            app.appoint(branch, "secretary", secretary, since=before, actor=actor)
            posts.add(secretary)
        for group, place in town.groups[branch]:
            people = by_group.get(group, [])
            if people:
                _pause(clock, rng, 0.2, 1)
                app.appoint(group, "group_leader", people[0], since=before, actor=actor)
                posts.add(people[0])
            if len(people) > 1:
                _pause(clock, rng, 0.2, 1)
                label = f"{place}{rng.randint(1, 4)}单元"
                app.appoint(group, "liaison", people[1], label=label, since=before, actor=actor)
                posts.add(people[1])
    return posts


# -- the roster over the years -----------------------------------------------------------


def _roster_life(
    agenda: Agenda,
    app: Yimai,
    district: District,
    town: Town,
    rng: random.Random,
    fake: Faker,
    plan: Plan,
    begun: datetime,
) -> None:
    """One community's roster after the first weeks (the demo's stories, over years)."""
    c = district.towns.index(town)
    clock, cast = agenda.clock, district.casts[c]
    end = clock.limit
    members = _spread(plan.members, plan.communities)[c]
    households = _spread(plan.households, plan.communities)[c]
    years = plan.years

    def own() -> random.Random:
        return random.Random(rng.getrandbits(64))

    def moment(lo: timedelta, hi: timedelta) -> datetime | None:
        first, last = begun + lo, end - hi
        if first >= last:
            return None
        return clock.office(first + (last - first) * rng.random())

    for link in list(town.links):
        agenda.add(_contacts(app, cast, clock, town, link, begun, own()))
    for n in range(round(members * FOUNDING_SHARE), members):
        when = moment(timedelta(days=20), timedelta(days=7))
        if when is not None:
            draft = _local(_member_draft(town, n, when.astimezone(app.tz).date(), rng, fake), c)
            agenda.add(_newcomer(agenda, app, cast, town, own(), draft, when))
    for n in range(round(households * FOUNDING_SHARE), households):
        when = moment(timedelta(days=10), timedelta(days=7))
        if when is not None:
            home = _household_draft(town, n, rng, fake)
            agenda.add(once(when, partial(_register_household, app, cast.clerk, town, home)))
    for _ in range(max(1, members * years // 120)):
        when = moment(timedelta(days=30), timedelta(days=3))
        if when is not None:
            agenda.add(_transfer(app, district, cast, town, own(), when))
    for i in range(max(1, members * years // 100)):
        when = moment(timedelta(days=10), timedelta(days=1))
        if when is not None:
            agenda.add(_correction(app, cast, town, own(), i, when))
    for _ in range(members * years // 120):
        when = moment(timedelta(days=60), timedelta(days=130))
        if when is not None:
            agenda.add(_departure(app, cast, clock, town, own(), when))
    for _ in range(len(town.links) * years // 30):
        when = moment(timedelta(days=30), timedelta(days=2))
        if when is not None:
            agenda.add(_link_change(agenda, app, cast, town, own(), when))


def _transfer(
    app: Yimai, district: District, cast: Cast, town: Town, rng: random.Random, when: datetime
) -> Story:
    """A member moves to another branch of the community."""
    yield when
    movable = _movable(cast, town)
    if not movable or len(town.branches) < 2:
        return
    member = rng.choice(movable)
    source = town.branch_of(member)
    target = rng.choice([b for b in town.branches if b != source])
    app.transfer_member(member, target, f"搬迁至{district.areas[target]}居住", actor=cast.clerk)
    if source is not None:
        town.members[source].remove(member)
    town.members[target].append(member)


# -- points and stars ---------------------------------------------------------------------


def _points(agenda: Agenda, app: Yimai, district: District, rng: random.Random, plan: Plan) -> None:
    """Every year's party days and awards; each past year closed the January after."""
    clock = agenda.clock
    first_year = clock.at.astimezone(app.tz).year
    this_year = clock.limit.astimezone(app.tz).year

    def own() -> random.Random:
        return random.Random(rng.getrandbits(64))

    for year in range(first_year, this_year + 1):
        if year < this_year:
            closes = clock.office(clock.local(date(year + 1, 1, 10)))
            until = closes - timedelta(days=2)
        else:
            closes, until = clock.limit, clock.limit
        last_day = until.astimezone(app.tz).date()
        begun = clock.at.astimezone(app.tz).date()
        for town, cast in zip(district.towns, district.casts, strict=True):
            for branch in town.branches:
                for month in range(1, 13):
                    held = date(year, month, rng.randint(1, 20))
                    if begun + timedelta(days=20) < held < last_day:
                        agenda.add(_party_day(app, cast, clock, town, own(), branch, held, until))
                size = len(town.members[branch]) or 1
                awards = round(size * plan.awards_per_member * rng.uniform(0.8, 1.2))
                for _ in range(awards):
                    deed = date(year, rng.randint(1, 12), rng.randint(1, 28))
                    if begun < deed < last_day:
                        agenda.add(_award(app, cast, clock, town, own(), branch, deed, until))
                for _ in range(min(2, size // 4)):
                    deed = date(year, rng.randint(2, 11), rng.randint(1, 28))
                    if begun < deed < last_day - timedelta(days=14):
                        agenda.add(_deduction(app, cast, clock, town, own(), branch, deed, until))
                if begun < date(year, 6, 15) < last_day - timedelta(days=30):
                    agenda.add(_reversal(app, cast, clock, town, own(), branch, year, until))
        if year < this_year:
            agenda.add(_year_ends(app, district, clock, year, closes, last=year == this_year - 1))


def _year_ends(
    app: Yimai, district: District, clock: SimClock, year: int, closes: datetime, last: bool
) -> Story:
    """Closed in January; final once its window ended, its excellent members proposed,
    confirmed (each branch's best, the earliest registered of equals) and published.
    The last closed year may still be in its window: then an objection is filed."""
    cast = district.cast
    supervisor = cast.supervisor
    yield closes
    app.close_period(year, actor=supervisor)
    final = clock.office(clock.at + timedelta(days=app.publicity_days + 2))
    if last and final >= clock.limit:
        yield clock.at + timedelta(hours=1)
        town = district.towns[0]
        members = town.members[town.branches[0]]
        if members:
            app.file_objection(
                members[-1], year, "我参加了七月的防汛值守，积分里没有记录", actor=cast.clerk
            )
        return
    yield final
    app.finalize_period(year, actor=supervisor)
    yield clock.office(clock.at + timedelta(days=1))
    app.propose_selection(year, actor=supervisor)
    selection: Selection = app.repository.get(Selection.id_for(year))
    assert isinstance(selection, Selection)
    order = {m: i for i, m in enumerate(m for t in district.towns for m in t.everyone())}
    best: dict[UUID, tuple[tuple[int, int, int], UUID]] = {}
    for candidate in selection.candidates:
        member = candidate["member_id"]
        rank = (-int(candidate["stars"]), -int(candidate["points"]), order.get(member, 1 << 30))
        branch = candidate["branch_id"]
        if branch not in best or rank < best[branch][0]:
            best[branch] = (rank, member)
    chosen = [best[b][1] for b in sorted(best, key=lambda b: best[b][0][2])]
    yield clock.office(clock.at + timedelta(days=3))
    app.confirm_selection(year, chosen, reason="党委会研究确定", actor=supervisor)
    yield clock.office(clock.at + timedelta(days=1))
    app.publish_selection(year, actor=supervisor)


# -- the four orders ----------------------------------------------------------------------


def _requests(
    agenda: Agenda,
    app: Yimai,
    district: District,
    rng: random.Random,
    fake: Faker,
    plan: Plan,
) -> None:
    """Requests over the years, worked to their end; the last four months as the demo's
    (every state, with micro-wishes and alliance needs)."""
    clock = agenda.clock
    recent_from = clock.limit - timedelta(days=RECENT_DAYS)
    span = (recent_from - clock.at).total_seconds()
    total = round(plan.requests_per_year * span / (365.25 * 86400)) if span > 0 else 0
    everywhere = [
        (t, c, b) for t, c in zip(district.towns, district.casts, strict=True) for b in t.branches
    ]
    for n in range(total):
        town, cast, branch = everywhere[n % len(everywhere)]
        when = clock.office(clock.at + timedelta(seconds=span * rng.random()))
        if when < recent_from:
            agenda.add(
                _past_request(
                    app, cast, clock, town, random.Random(rng.getrandbits(64)), fake, branch, when
                )
            )
    recent = _spread(round(plan.requests_per_year * RECENT_DAYS / 365.25), len(district.towns))
    for town, cast, count in zip(district.towns, district.casts, recent, strict=True):
        load_orders(
            agenda,
            app,
            cast,
            town,
            rng=random.Random(rng.getrandbits(64)),
            fake=fake,
            requests=count,
        )


def _past_request(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    fake: Faker,
    branch: UUID,
    when: datetime,
) -> Story:
    """An older request, worked to its end: closed mostly, some withdrawn or rejected."""
    clerk, supervisor = cast.clerk, cast.supervisor
    category = rng.choice(list(ASKS))
    ask, outcome = rng.choice(ASKS[category])
    roll = rng.random()
    kind = "household" if roll < 0.55 else "resident" if roll < 0.9 else "anonymous"
    contact_name = fake.name() if kind == "resident" else None
    contact_phone = fake.phone_number() if kind == "resident" else None
    ending = rng.random()

    def later(lo: float, hi: float) -> datetime:
        return clock.at + timedelta(hours=rng.uniform(lo, hi))

    yield when
    if kind == "household" and not town.households[branch]:
        kind = "anonymous"
    draft = RequestDraft(
        channel=rng.choice(["cadre_visit", "liaison_visit", "online", "walk_in", "phone"]),
        category=category,
        description=ask,
        community_id=town.community,
        branch_id=branch if rng.random() < 0.5 else None,
        urgency="urgent" if rng.random() < 0.1 else "normal",
        requester_kind=kind,
        household_id=rng.choice(town.households[branch]) if kind == "household" else None,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    rid = app.place_request(draft, actor=clerk).id
    if ending < 0.04:
        yield later(1, 48)
        app.withdraw_request(rid, "居民表示问题已自行解决", actor=clerk)
        return
    if ending < 0.08:
        yield later(1, 24)
        app.reject_request(rid, "不属于社区职责范围，已告知居民向有关部门反映", actor=clerk)
        return
    yield later(0.5, 8)
    app.classify_request(rid, branch_id=branch, actor=clerk)
    yield later(1, 30)
    members = town.members[branch]
    if not members or rng.random() < 0.05:
        app.claim_request(rid, actor=cast.cadre)  # the community's cadre, for themselves
    else:
        app.claim_request(rid, member_id=rng.choice(members), actor=clerk)
    yield later(2, 24)
    app.note_progress(rid, "已上门了解情况，正在协调", actor=clerk)
    yield later(4, 60)
    app.resolve_request(rid, outcome, actor=clerk)
    yield later(2, 24)
    app.accept_resolution(rid, actor=supervisor)
    if kind != "anonymous":
        yield later(12, 48)
        level = rng.choices(["satisfied", "basically_satisfied"], [85, 15])[0]
        app.record_visit(rid, level, actor=clerk)
    yield later(4, 48)
    app.publish_request(rid, f"居民反映：{ask}。办理结果：{outcome}。", actor=supervisor)
    yield later(1, 24)
    app.close_request(rid, actor=supervisor)


# -- the command line ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Plan()
    parser.add_argument(
        "--communities",
        type=int,
        default=d.communities,
        help=f"communities (default {d.communities})",
    )
    parser.add_argument(
        "--branches",
        type=int,
        default=d.branches,
        help=f"grid branches in all, spread over the communities (default {d.branches})",
    )
    parser.add_argument(
        "--members",
        type=int,
        default=None,
        help=f"members in all (default {MEMBERS_PER_BRANCH} per branch)",
    )
    parser.add_argument(
        "--households",
        type=int,
        default=None,
        help=f"households in all (default {HOUSEHOLDS_PER_BRANCH} per branch)",
    )
    parser.add_argument(
        "--years",
        type=int,
        default=d.years,
        help=f"years of history, ending now (default {d.years})",
    )
    parser.add_argument(
        "--requests-per-year",
        type=int,
        default=d.requests_per_year,
        help=f"residents' requests a year in the district (default {d.requests_per_year})",
    )
    parser.add_argument(
        "--awards-per-member",
        type=float,
        default=d.awards_per_member,
        help=f"awards per member per year, besides party days (default {d.awards_per_member:g})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=d.seed,
        help=f"random seed: the same seed gives the same history (default {d.seed})",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=d.batch,
        help=f"commands saved per transaction (default {d.batch})",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        metavar="N",
        help="scale members, households and requests to make about N events",
    )


def plan_of(args: argparse.Namespace) -> Plan:
    branches = args.branches
    plan = Plan(
        communities=args.communities,
        branches=branches,
        members=args.members if args.members is not None else branches * MEMBERS_PER_BRANCH,
        households=args.households
        if args.households is not None
        else branches * HOUSEHOLDS_PER_BRANCH,
        years=args.years,
        requests_per_year=args.requests_per_year,
        awards_per_member=args.awards_per_member,
        seed=args.seed,
        batch=args.batch,
    )
    return plan.scaled_to(args.events) if args.events else plan


def run(args: argparse.Namespace) -> int:
    """Generate a district's history into an empty database, with a progress line."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from projections.config import Settings
    from projections.system import open_system

    plan = plan_of(args)
    system = open_system(Settings.from_env(database_url=args.database))
    try:
        if system.is_initialized():
            print(
                "generate writes only into an empty database; this one has data.", file=sys.stderr
            )
            return 1
        estimate = plan.estimated_events()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} events · {task.fields[rate]}"),
            TimeElapsedColumn(),
        ) as bar:
            task = bar.add_task("generating / 生成", total=estimate, rate="")

            def show(events: int, seconds: float) -> None:
                rate = f"{events / max(seconds, 1e-9):,.0f} events/s"
                bar.update(task, completed=events, total=max(estimate, events), rate=rate)

            figures = generate(system, plan, progress=show)
        print(
            f"Generated {figures['events']:,.0f} events into {system.settings.redacted_url()} "
            f"in {figures['seconds']:.1f} s: {figures['events_per_second']:,.0f} events/s."
        )
        print(
            f"Sealed and signed a checkpoint; accounts as the demo's (password '{DEMO_PASSWORD}')."
        )
        return 0
    finally:
        system.shutdown()
