"""A realistic demo community, built through the Application with Faker's zh_CN locale.

Its history runs from the station's first day, early in the year before last (at least
two and a half years ago), to just before now, and the Application's clock moves
forward along it: the organization, the accounts and most of the roster first, then
the roster growing and changing (members and households registered, transfers,
corrections, members leaving, links ended and renewed, contacts logged), two years of
points entered as they happened, and the last four months of requests, wishes and
needs, all interleaved in time order (see cli.demo_base). The books "as of" any date
of the demo are the community as it stood then.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import UUID

from faker import Faker

from cli.demo_base import Agenda, Cast, SimClock, Story, Town, once
from cli.demo_orders import load_orders
from cli.demo_points import load_points
from domain.access import SYSTEM, Principal
from domain.application import Yimai
from domain.dto import HouseholdDraft, MemberCorrection, MemberDraft
from domain.errors import DuplicateError
from projections.system import System

DEMO_PASSWORD = "demo"
DEMO_ACCOUNTS = {
    "demo-clerk": ("clerk", "窗口工作人员"),
    "demo-cadre": ("cadre", "社区干部"),
    "demo-supervisor": ("supervisor", "社区党委督办"),
    "demo-reviewer": ("reviewer", "纪检审查"),
    "demo-admin": ("admin", "系统管理员"),
}

BRANCHES = [
    ("第一网格党支部", "direct", "东片区"),
    ("第二网格党支部", "direct", "西片区"),
    ("第三网格党支部", "co_building", "南片区"),
    ("第四网格党支部", "co_building", "北片区"),
    ("第五网格党支部", "combined", "中心片区"),
    ("第六网格党支部", "combined", "新城片区"),
]
RESIDENT_UNITS = [
    ("区人民医院", "institution"),
    ("区税务局", "agency"),
    ("鲁中建材有限公司", "enterprise"),
]
CHANNELS = ["visit", "phone", "group_chat"]
NOTES = [
    "了解近况，无特殊需求",
    "老人腿脚不便，需定期探望",
    "反映楼道灯不亮，已转物业",
    "孩子上学问题咨询",
    "邻里关系和睦",
    "提醒防范电信诈骗",
]
#: The share of members and households registered in the station's first days; the
#: rest join over the years.
FOUNDING_SHARE = 0.8

Progress = Callable[[int, int], None]


def load_demo(
    system: System,
    *,
    seed: int = 7,
    members: int = 300,
    households: int = 200,
    requests: int = 300,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Fill an empty database with one community whose history ends just before `now`
    (by default the real now); returns the demo accounts' roles. The same seed and
    `now` make the same events, apart from ids and keys."""
    app = system.app
    if app.is_initialized():
        raise RuntimeError("the database is not empty; the demo loads only into an empty one")
    # A new database gets its signing key, as `initialize` gives one: without it nothing
    # is ever signed, and the public site has no checkpoint to compute from.
    system.seal.ensure_key()
    real_now = datetime.now(UTC)
    now = now or real_now
    if now > real_now:
        raise ValueError("the demo's history cannot end in the future")
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    local_now = now.astimezone(app.tz)
    first_day = min(date(local_now.year - 2, 1, 2), (local_now - timedelta(days=913)).date())
    clock = SimClock(
        app,
        datetime.combine(first_day, datetime.min.time(), tzinfo=app.tz).astimezone(UTC),
        now - timedelta(minutes=1),
    )
    shown = -1

    def report(fraction: float) -> None:
        nonlocal shown
        percent = max(0, min(100, int(fraction * 100)))
        if progress and percent != shown:
            shown = percent
            progress(percent, 100)

    with clock.installed():
        clock.advance(clock.office(clock.at))
        founded = _found(app, clock, rng, fake, members, households, report)
        if founded is not None:
            town, cast, initial_links = founded
            agenda = Agenda(clock)
            begun = clock.at
            _roster_changes(agenda, app, cast, town, rng, fake, members, households, initial_links)
            load_points(agenda, app, cast, town, rng=rng)
            load_orders(agenda, app, cast, town, rng=rng, fake=fake, requests=requests)
            span = max((clock.limit - begun).total_seconds(), 1.0)
            agenda.run(lambda: report(0.2 + 0.8 * (clock.at - begun).total_seconds() / span))
    report(1.0)
    system.runner.catch_up()
    return {u: r for u, (r, _) in DEMO_ACCOUNTS.items()}


def _pause(clock: SimClock, rng: random.Random, lo: float = 2, hi: float = 6) -> None:
    """The clerk's next entry, lo..hi minutes on (at office hours)."""
    clock.advance(clock.office(clock.at + timedelta(minutes=rng.uniform(lo, hi))))


def _found(
    app: Yimai,
    clock: SimClock,
    rng: random.Random,
    fake: Faker,
    members: int,
    households: int,
    report: Callable[[float], None],
) -> tuple[Town, Cast, list[tuple[UUID, UUID]]] | None:
    """The station's first days: accounts, the organization, and most of the roster as
    it stood, entered one after another. None when the roster is empty (no members)."""
    for username, (role, display) in DEMO_ACCOUNTS.items():
        app.open_account(username, display, [role], DEMO_PASSWORD, actor=SYSTEM)
    app.seed_categories(actor=SYSTEM)
    app.seed_rules(actor=SYSTEM)
    supervisor = app.authenticate("demo-supervisor", DEMO_PASSWORD)
    clerk = app.authenticate("demo-clerk", DEMO_PASSWORD)
    cadre = app.authenticate("demo-cadre", DEMO_PASSWORD)

    _pause(clock, rng, 10, 30)
    subdistrict = app.open_unit("subdistrict", "凤城街道", actor=supervisor).id
    community = app.open_unit("community", "鹏泉社区", subdistrict, actor=supervisor).id
    branches: list[UUID] = []
    groups: dict[UUID, list[tuple[UUID, str]]] = {}
    building_no = 1
    for i, (name, kind, area) in enumerate(BRANCHES):
        _pause(clock, rng, 1, 3)
        branch = app.open_unit("branch", name, community, kind=kind, area=area, actor=supervisor).id
        branches.append(branch)
        groups[branch] = []
        for _ in range(3):
            place = f"{building_no}号楼"
            group_id = app.open_unit(
                "group", f"{place}党小组", branch, kind="building", place=place, actor=supervisor
            ).id
            groups[branch].append((group_id, place))
            building_no += 1
        if i % 3 == 0:
            street = rng.choice(["汶河大道", "鹏泉东路", "凤城西大街"])
            merchants = app.open_unit(
                "group",
                f"{street}商户党小组",
                branch,
                kind="merchant",
                place=street,
                actor=supervisor,
            ).id
            groups[branch].append((merchants, street))
    _pause(clock, rng, 10, 30)
    units = [app.register_resident_unit(n, k, community, actor=clerk).id for n, k in RESIDENT_UNITS]
    town = Town(
        community,
        branches,
        groups,
        units,
        members={b: [] for b in branches},
        households={b: [] for b in branches},
    )

    founding = round(members * FOUNDING_SHARE)
    entries = max(1, founding + round(households * FOUNDING_SHARE))
    member_ids: list[UUID] = []
    by_group: dict[UUID, list[UUID]] = {}
    for n in range(founding):
        _pause(clock, rng)
        draft = _member_draft(town, n, clock.today(), rng, fake)
        member = _register_member(app, clerk, town, draft)
        if member is not None:
            member_ids.append(member)
            if isinstance(draft.group_id, UUID):
                by_group.setdefault(draft.group_id, []).append(member)
        report(0.2 * n / entries)
    if member_ids:
        # The demo cadre is the first registered member: their claims are that member's.
        app.link_account_member("demo-cadre", member_ids[0], "社区干部本人", actor=SYSTEM)
        town.posts = _appoint(app, clock, supervisor, town, by_group, rng)

    for n in range(round(households * FOUNDING_SHARE)):
        _pause(clock, rng)
        _register_household(app, clerk, town, _household_draft(town, n, rng, fake))
        report(0.2 * (founding + n) / entries)
    if not member_ids:
        return None

    # Each branch's first third pair up with up to three households (3+N); most of these
    # pairs are older than the station, so their `since` reaches back.
    links: list[tuple[UUID, UUID]] = []
    for branch in branches:
        ours = town.households[branch]
        for member in town.members[branch][: max(1, len(town.members[branch]) // 3)]:
            for household in rng.sample(ours, k=min(3, len(ours))):
                _pause(clock, rng, 1, 3)
                since = clock.today() - timedelta(days=rng.randint(30, 900))
                app.link_household(member, household, since=since, actor=cadre)
                town.links[(member, household)] = since
                links.append((member, household))
    return town, Cast(clerk, cadre, member_ids[0], supervisor), links


def _member_draft(town: Town, n: int, today: date, rng: random.Random, fake: Faker) -> MemberDraft:
    """The n-th member, as entered on `today`."""
    branch = town.branches[n % len(town.branches)]
    gender = "female" if rng.random() < 0.45 else "male"
    # Faker's zh_CN name_male() sometimes draws a woman's given name; build it ourselves.
    given = fake.first_name_female() if gender == "female" else fake.first_name_male()
    name = fake.last_name() + given
    birth = today - timedelta(days=rng.randint(20 * 365, 88 * 365))
    joined = birth + timedelta(days=rng.randint(18 * 365 + 30, 18 * 365 + 30 * 365))
    joined = min(joined, today - timedelta(days=30))
    kind = "resident"
    unit = None
    roll = rng.random()
    if roll < 0.1:
        kind, unit = "in_service", rng.choice(town.resident_units)
    elif roll < 0.15:
        kind = "floating"
    group: UUID | None = None
    place = rng.choice(town.groups[branch])[1]
    if rng.random() < 0.8:
        group, place = rng.choice(town.groups[branch])
    return MemberDraft(
        name=name,
        gender=gender,
        birth_date=birth,
        phone=fake.phone_number(),
        address=f"鹏泉社区{place}{rng.randint(1, 4)}单元{rng.randint(101, 1804)}",
        joined_party_on=joined,
        branch_id=branch,
        group_id=group,
        kind=kind,
        resident_unit_id=unit,
        id_number=fake.ssn() if rng.random() < 0.5 else None,
    )


def _register_member(app: Yimai, clerk: Principal, town: Town, draft: MemberDraft) -> UUID | None:
    try:
        member = app.register_member(draft, actor=clerk).id
    except DuplicateError:  # Faker drew the same person twice: skip the second
        return None
    assert isinstance(draft.branch_id, UUID)
    town.members[draft.branch_id].append(member)
    return member


def _household_draft(town: Town, n: int, rng: random.Random, fake: Faker) -> HouseholdDraft:
    branch = town.branches[n % len(town.branches)]
    group, place = rng.choice(town.groups[branch])
    building = place if place.endswith("号楼") else f"{place}{rng.randint(1, 60)}号"
    return HouseholdDraft(
        branch_id=branch,
        group_id=group,
        building=building,
        unit=f"{rng.randint(1, 4)}单元",
        room=f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
        head_name=fake.name(),
        head_phone=fake.phone_number() if rng.random() < 0.9 else None,
        size=rng.randint(1, 6),
    )


def _register_household(app: Yimai, clerk: Principal, town: Town, draft: HouseholdDraft) -> None:
    household = app.register_household(draft, actor=clerk).id
    assert isinstance(draft.branch_id, UUID)
    town.households[draft.branch_id].append(household)


def _appoint(
    app: Yimai,
    clock: SimClock,
    actor: Principal,
    town: Town,
    by_group: dict[UUID, list[UUID]],
    rng: random.Random,
) -> set[UUID]:
    """Enter the secretaries, group leaders and some liaisons as they were appointed
    before the station opened; returns who holds a post."""
    first = next(m for b in town.branches for m in town.members[b])
    _pause(clock, rng)
    app.appoint(town.community, "secretary", first, since=date(2021, 1, 5), actor=actor)
    posts = {first}
    for branch in town.branches:
        if town.members[branch]:
            _pause(clock, rng)
            app.appoint(
                branch, "secretary", town.members[branch][0], since=date(2021, 3, 1), actor=actor
            )
            posts.add(town.members[branch][0])
        for group, place in town.groups[branch]:
            people = by_group.get(group, [])
            if people:
                _pause(clock, rng)
                app.appoint(group, "group_leader", people[0], since=date(2022, 1, 10), actor=actor)
                posts.add(people[0])
            if len(people) > 1:
                _pause(clock, rng)
                app.appoint(
                    group,
                    "liaison",
                    people[1],
                    label=f"{place}{rng.randint(1, 4)}单元",
                    since=date(2022, 6, 1),
                    actor=actor,
                )
                posts.add(people[1])
    return posts


# -- the roster over the years -----------------------------------------------------------


def _roster_changes(
    agenda: Agenda,
    app: Yimai,
    cast: Cast,
    town: Town,
    rng: random.Random,
    fake: Faker,
    members: int,
    households: int,
    links: list[tuple[UUID, UUID]],
) -> None:
    """Schedule the roster's life after the first days: newcomers, households, moves,
    corrections, members who leave, links ended and renewed, and contacts on every link."""
    clock = agenda.clock
    begun, end = clock.at, clock.limit

    def own() -> random.Random:
        return random.Random(rng.getrandbits(64))

    def moment(lo: timedelta, hi: timedelta) -> datetime | None:
        """A moment at office hours between `begun + lo` and `end - hi`, if there is room."""
        first, last = begun + lo, end - hi
        if first >= last:
            return None
        return clock.office(first + (last - first) * rng.random())

    for link in links:
        agenda.add(_contacts(app, cast, clock, town, link, begun, own()))
    founding = round(members * FOUNDING_SHARE)
    for n in range(founding, members):
        when = moment(timedelta(days=20), timedelta(days=7))
        if when is not None:
            # Drawn now, in order, so the people do not depend on how the stories interleave.
            draft = _member_draft(town, n, when.astimezone(app.tz).date(), rng, fake)
            agenda.add(_newcomer(agenda, app, cast, town, own(), draft, when))
    for n in range(round(households * FOUNDING_SHARE), households):
        when = moment(timedelta(days=10), timedelta(days=7))
        if when is not None:
            home = _household_draft(town, n, rng, fake)
            agenda.add(once(when, partial(_register_household, app, cast.clerk, town, home)))
    for _ in range(max(1, members // 60)):
        when = moment(timedelta(days=30), timedelta(days=3))
        if when is not None:
            agenda.add(_transfer(app, cast, town, own(), when))
    for i in range(max(1, members // 50)):
        when = moment(timedelta(days=10), timedelta(days=1))
        if when is not None:
            agenda.add(_correction(app, cast, town, own(), i, when))
    # Members leave before the last four months, whose work they would otherwise be in.
    for _ in range(members // 60):
        when = moment(timedelta(days=60), timedelta(days=130))
        if when is not None:
            agenda.add(_departure(app, cast, clock, town, own(), when))
    for _ in range(len(links) // 15):
        when = moment(timedelta(days=30), timedelta(days=2))
        if when is not None:
            agenda.add(_link_change(agenda, app, cast, town, own(), when))


def _contacts(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    link: tuple[UUID, UUID],
    linked: datetime,
    rng: random.Random,
) -> Story:
    """The member's contacts with the household, about once a year,
    while they are linked."""
    at = clock.office(linked + timedelta(days=rng.uniform(3, 120)))
    while at <= clock.limit:
        yield at
        since = town.links.get(link)
        if since is not None:
            on = max(since, clock.today() - timedelta(days=rng.randint(0, 3)))
            app.log_contact(
                *link, rng.choice(CHANNELS), on=on, note=rng.choice(NOTES), actor=cast.cadre
            )
        at = clock.office(clock.at + timedelta(days=rng.uniform(270, 630)))


def _newcomer(
    agenda: Agenda,
    app: Yimai,
    cast: Cast,
    town: Town,
    rng: random.Random,
    draft: MemberDraft,
    when: datetime,
) -> Story:
    """A member who moves in or joins; a third of them pair up with households soon."""
    clock = agenda.clock
    yield when
    member = _register_member(app, cast.clerk, town, draft)
    if member is None or rng.random() >= 1 / 3:
        return
    yield clock.office(clock.at + timedelta(days=rng.uniform(7, 60)))
    branch = town.branch_of(member)
    if branch is None:
        return
    ours = [h for h in town.households[branch] if (member, h) not in town.links]
    for household in rng.sample(ours, k=min(rng.randint(1, 3), len(ours))):
        app.link_household(member, household, since=clock.today(), actor=cast.cadre)
        town.links[(member, household)] = clock.today()
        pair = (member, household)
        agenda.add(_contacts(app, cast, clock, town, pair, clock.at, random.Random(rng.random())))


def _movable(cast: Cast, town: Town) -> list[UUID]:
    """Members who may move or leave: no post, and not the demo cadre."""
    return [m for m in town.everyone() if m not in town.posts and m != cast.cadre_member]


def _transfer(app: Yimai, cast: Cast, town: Town, rng: random.Random, when: datetime) -> Story:
    yield when
    movable = _movable(cast, town)
    if not movable or len(town.branches) < 2:
        return
    member = rng.choice(movable)
    source = town.branch_of(member)
    target = rng.choice([b for b in town.branches if b != source])
    area = BRANCHES[town.branches.index(target)][2]
    app.transfer_member(member, target, f"搬迁至{area}居住", actor=cast.clerk)
    if source is not None:
        town.members[source].remove(member)
    town.members[target].append(member)


def _correction(
    app: Yimai, cast: Cast, town: Town, rng: random.Random, n: int, when: datetime
) -> Story:
    yield when
    everyone = town.everyone()
    if not everyone:
        return
    member = rng.choice(everyone)
    if n % 2 == 0:
        correction, reason = MemberCorrection(phone=f"1390531{n:04d}"), "居民更换手机号码"
    else:
        address = f"鹏泉社区{rng.randint(1, 18)}号楼{rng.randint(1, 4)}单元{rng.randint(101, 1804)}"
        correction, reason = MemberCorrection(address=address), "搬家后更新住址"
    app.correct_member(member, correction, reason, actor=cast.clerk)


def _departure(
    app: Yimai, cast: Cast, clock: SimClock, town: Town, rng: random.Random, when: datetime
) -> Story:
    """A member moves away or dies: their households are paired with others, and they
    leave the roster."""
    yield when
    movable = _movable(cast, town)
    if not movable:
        return
    member = rng.choice(movable)
    branch = town.branch_of(member)
    if branch is not None:
        town.members[branch].remove(member)
    for (m, household), since in list(town.links.items()):
        if m == member and since is not None:
            app.unlink_household(member, household, "党员迁出，联系户另行安排", actor=cast.clerk)
            town.links[(m, household)] = None
    yield clock.at + timedelta(minutes=rng.uniform(5, 30))
    if rng.random() < 0.7:
        app.deregister_member(member, "moved", "随子女迁居外地，组织关系转出", actor=cast.clerk)
    else:
        app.deregister_member(member, "deceased", "因病去世", actor=cast.clerk)


def _link_change(
    agenda: Agenda, app: Yimai, cast: Cast, town: Town, rng: random.Random, when: datetime
) -> Story:
    """A pair ends (the household moved within the grid, or duties were rearranged);
    half of them are renewed months later."""
    clock = agenda.clock
    yield when
    current = [link for link, since in town.links.items() if since is not None]
    if not current:
        return
    link = rng.choice(current)
    app.unlink_household(*link, rng.choice(["住户外出务工", "结对调整"]), actor=cast.cadre)
    town.links[link] = None
    if rng.random() < 0.5:
        return
    yield clock.office(clock.at + timedelta(days=rng.uniform(30, 200)))
    if link[0] in town.everyone() and town.links.get(link) is None:
        app.link_household(*link, since=clock.today(), actor=cast.cadre)
        town.links[link] = clock.today()
