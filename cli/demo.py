"""A realistic demo community, built through the Application with Faker's zh_CN locale."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from faker import Faker

from cli.demo_orders import Cast, load_orders
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

Progress = Callable[[int, int], None]


def load_demo(
    system: System,
    *,
    seed: int = 7,
    members: int = 300,
    households: int = 200,
    requests: int = 300,
    progress: Progress | None = None,
) -> dict[str, str]:
    """Fill an empty database with one community; returns the demo accounts' roles."""
    app = system.app
    if app.is_initialized():
        raise RuntimeError("the database is not empty; the demo loads only into an empty one")
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    total = members + households + requests + 90
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    for username, (role, display) in DEMO_ACCOUNTS.items():
        app.open_account(username, display, [role], DEMO_PASSWORD, actor=SYSTEM)
    app.seed_categories(actor=SYSTEM)
    app.seed_rules(actor=SYSTEM)
    supervisor = app.authenticate("demo-supervisor", DEMO_PASSWORD)
    clerk = app.authenticate("demo-clerk", DEMO_PASSWORD)
    cadre = app.authenticate("demo-cadre", DEMO_PASSWORD)

    subdistrict = app.open_unit("subdistrict", "凤城街道", actor=supervisor).id
    community = app.open_unit("community", "鹏泉社区", subdistrict, actor=supervisor).id
    branches: list[UUID] = []
    groups: dict[UUID, list[tuple[UUID, str]]] = {}
    building_no = 1
    for i, (name, kind, area) in enumerate(BRANCHES):
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
        tick(4)
    units = [app.register_resident_unit(n, k, community, actor=clerk).id for n, k in RESIDENT_UNITS]

    today = app.today()
    member_ids: list[UUID] = []
    by_branch: dict[UUID, list[UUID]] = {b: [] for b in branches}
    by_group: dict[UUID, list[UUID]] = {}
    for n in range(members):
        branch = branches[n % len(branches)]
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
            kind, unit = "in_service", rng.choice(units)
        elif roll < 0.15:
            kind = "floating"
        group: UUID | None = None
        place = rng.choice(groups[branch])[1]
        if rng.random() < 0.8:
            group, place = rng.choice(groups[branch])
        draft = MemberDraft(
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
        try:
            member = app.register_member(draft, actor=clerk).id
        except DuplicateError:  # Faker drew the same person twice: skip the second
            continue
        member_ids.append(member)
        by_branch[branch].append(member)
        if group:
            by_group.setdefault(group, []).append(member)
        tick()

    posts = _appoint(app, supervisor, community, branches, groups, by_branch, by_group, rng)

    household_ids: dict[UUID, list[UUID]] = {b: [] for b in branches}
    for n in range(households):
        branch = branches[n % len(branches)]
        group, place = rng.choice(groups[branch])
        building = place if place.endswith("号楼") else f"{place}{rng.randint(1, 60)}号"
        household = app.register_household(
            HouseholdDraft(
                branch_id=branch,
                group_id=group,
                building=building,
                unit=f"{rng.randint(1, 4)}单元",
                room=f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                head_name=fake.name(),
                head_phone=fake.phone_number() if rng.random() < 0.9 else None,
                size=rng.randint(1, 6),
            ),
            actor=clerk,
        ).id
        household_ids[branch].append(household)
        tick()

    channels = ["visit", "phone", "group_chat"]
    notes = [
        "了解近况，无特殊需求",
        "老人腿脚不便，需定期探望",
        "反映楼道灯不亮，已转物业",
        "孩子上学问题咨询",
        "邻里关系和睦",
        "提醒防范电信诈骗",
    ]
    for branch in branches:
        for member in by_branch[branch][: max(1, len(by_branch[branch]) // 3)]:
            for household in rng.sample(
                household_ids[branch], k=min(3, len(household_ids[branch]))
            ):
                app.link_household(
                    member,
                    household,
                    since=today - timedelta(days=rng.randint(30, 900)),
                    actor=cadre,
                )
                for _ in range(rng.randint(0, 2)):
                    app.log_contact(
                        member,
                        household,
                        rng.choice(channels),
                        on=today - timedelta(days=rng.randint(0, 29)),
                        note=rng.choice(notes),
                        actor=cadre,
                    )
    # A little history: a transfer and a correction, as happen in any real roster.
    # Members who hold a post stay put: a post belongs to its unit.
    movable = [m for m in member_ids if m not in posts and m not in by_branch[branches[2]]]
    if len(movable) > 2:
        app.transfer_member(movable[0], branches[2], "搬迁至南片区居住", actor=clerk)
        app.correct_member(
            movable[1], MemberCorrection(phone="13905310000"), "居民更换手机号码", actor=clerk
        )
    if member_ids:
        # The demo cadre is the first registered member: their claims are that member's.
        cadre_member = member_ids[0]
        app.link_account_member("demo-cadre", cadre_member, "社区干部本人", actor=SYSTEM)
        load_orders(
            app,
            Cast(clerk, cadre, cadre_member, supervisor),
            community=community,
            branches=branches,
            members_by_branch=by_branch,
            households_by_branch=household_ids,
            resident_units=units,
            rng=rng,
            fake=fake,
            requests=requests,
            tick=tick,
        )
        load_points(
            app,
            Cast(clerk, cadre, cadre_member, supervisor),
            community=community,
            branches=branches,
            members_by_branch=by_branch,
            rng=rng,
            tick=tick,
        )
    tick(total)
    system.runner.catch_up()
    return {u: r for u, (r, _) in DEMO_ACCOUNTS.items()}


def _appoint(
    app: Yimai,
    actor: Principal,
    community: UUID,
    branches: list[UUID],
    groups: dict[UUID, list[tuple[UUID, str]]],
    by_branch: dict[UUID, list[UUID]],
    by_group: dict[UUID, list[UUID]],
    rng: random.Random,
) -> set[UUID]:
    """Appoint the secretaries, group leaders and some liaisons; returns who holds a post."""
    first = next(m for b in branches for m in by_branch[b])
    app.appoint(community, "secretary", first, since=date(2021, 1, 5), actor=actor)
    posts = {first}
    for branch in branches:
        if by_branch[branch]:
            app.appoint(
                branch, "secretary", by_branch[branch][0], since=date(2021, 3, 1), actor=actor
            )
            posts.add(by_branch[branch][0])
        for group, place in groups[branch]:
            people = by_group.get(group, [])
            if people:
                app.appoint(group, "group_leader", people[0], since=date(2022, 1, 10), actor=actor)
                posts.add(people[0])
            if len(people) > 1:
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
