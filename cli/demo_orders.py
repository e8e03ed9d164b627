"""The demo's four orders: a few hundred requests in every state, micro-wishes, needs.

Everything goes through the Application's commands. The demo backfills four months of
work, so it sets the Application's clock to each step's moment while it runs (the
events' own timestamps are the real time of loading, as with any backfill) and puts the
clock back when it is done.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from faker import Faker

from domain.access import Principal
from domain.application import Yimai
from domain.dto import NeedDraft, RequestDraft, WishDraft
from domain.errors import RuleViolationError

#: Per category: what residents ask, and what the public is told was done.
ASKS: dict[str, list[tuple[str, str]]] = {
    "environment": [
        ("楼道里堆满杂物，影响通行", "清理楼道堆放杂物，恢复消防通道畅通"),
        ("小区垃圾桶满溢没人清运", "协调环卫加密清运频次，垃圾桶周边已清洁"),
        ("绿化带里有人种菜", "劝导居民恢复绿化带原貌"),
    ],
    "property": [
        ("单元门禁坏了一个星期", "联系物业更换门禁主板，门禁恢复使用"),
        ("楼道灯不亮，晚上看不见路", "更换楼道感应灯，照明恢复"),
        ("电梯经常停运", "督促物业联系维保单位检修电梯"),
        ("屋顶漏水", "协调维修基金对屋面进行防水维修"),
    ],
    "dispute": [
        ("楼上装修噪音太大", "网格员上门调解，双方约定施工时间"),
        ("邻居占用公共车位", "调解后车位恢复公共使用"),
    ],
    "care": [
        ("独居老人需要定期探望", "安排党员结对每周上门探望"),
        ("残疾人出行需要轮椅", "联系残联为居民申请轮椅"),
    ],
    "safety": [
        ("电动车在楼道充电", "开展安全宣传，清理楼道充电电动车"),
        ("路口缺少减速带", "协调交警部门在路口加装减速带"),
    ],
    "policy": [
        ("咨询医保缴费政策", "社区工作人员讲解医保缴费政策和办理渠道"),
        ("咨询高龄补贴怎么申请", "指导居民提交高龄补贴申请材料"),
    ],
    "employment": [
        ("孩子毕业想找工作", "推荐参加街道招聘会并提供岗位信息"),
        ("下岗想学技术", "推荐参加区人社局免费技能培训"),
    ],
    "other": [("想在小区办个书法兴趣班", "协调活动室开设书法兴趣班")],
}

WISHES = [
    ("想要一台收音机", "党员为老人送去一台收音机"),
    ("希望有人陪同去医院复查", "党员志愿者陪同老人完成复查"),
    ("孩子想要一套课外读物", "党员捐赠一套课外读物"),
    ("想学用智能手机", "党员上门教老人使用智能手机"),
    ("家里的水龙头坏了", "党员上门更换水龙头"),
    ("想要一副老花镜", "党员为老人配了一副老花镜"),
]

NEEDS = [
    ("社区活动室改造", "为老年活动室添置桌椅和空调"),
    ("青少年暑期托管", "暑假期间为双职工家庭孩子提供托管"),
    ("义诊进社区", "每季度组织一次健康义诊"),
    ("法律咨询服务", "每月一次法律咨询"),
    ("老旧小区停车棚修缮", "修缮三处停车棚"),
    ("政策宣讲", "为居民宣讲税务和社保政策"),
    ("就业技能培训", "面向待业居民开设技能培训"),
    ("垃圾分类宣传", "在小区开展垃圾分类宣传活动"),
]

#: How a demo request's story ends (weights sum to 100).
ENDINGS: list[tuple[str, int]] = [
    ("placed", 6),
    ("classified", 8),
    ("claimed", 14),
    ("resolved", 8),
    ("accepted", 5),
    ("visited", 5),
    ("published", 14),
    ("closed", 26),
    ("withdrawn", 4),
    ("rejected", 4),
    ("merged", 3),
    ("reopened", 3),
]


@dataclass
class Cast:
    """Who does what in the demo."""

    clerk: Principal
    cadre: Principal
    cadre_member: UUID
    supervisor: Principal


class SimClock:
    """The Application's clock while the demo backfills."""

    def __init__(self, app: Yimai) -> None:
        self.app = app
        self.at = datetime.now(UTC)

    @contextmanager
    def installed(self) -> Iterator[SimClock]:
        saved = self.app.clock
        self.app.clock = lambda: self.at
        try:
            yield self
        finally:
            self.app.clock = saved


def load_orders(
    app: Yimai,
    cast: Cast,
    *,
    community: UUID,
    branches: list[UUID],
    members_by_branch: dict[UUID, list[UUID]],
    households_by_branch: dict[UUID, list[UUID]],
    resident_units: list[UUID],
    rng: random.Random,
    fake: Faker,
    requests: int = 300,
    tick: Callable[[int], None] = lambda n: None,
) -> None:
    """Backfill `requests` requests over the last four months, plus wishes and needs."""
    clock = SimClock(app)
    real_now = clock.at
    with clock.installed():
        placed: list[tuple[UUID, UUID]] = []  # (request, branch) still open to merge into
        for n in range(requests):
            branch = branches[n % len(branches)]
            ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
            start = real_now - timedelta(hours=rng.uniform(2, 24 * 120))
            if ending in ("placed", "classified") and rng.random() < 0.7:
                start = real_now - timedelta(hours=rng.uniform(0.5, 20))  # today's intake
            request = _request_story(
                app,
                cast,
                clock,
                rng,
                fake,
                start,
                ending,
                community,
                branch,
                members_by_branch[branch] or [cast.cadre_member],
                households_by_branch[branch],
                placed,
                real_now,
            )
            placed.append((request, branch))
            tick(1)
        _wishes(app, cast, clock, rng, community, branches, members_by_branch, households_by_branch)
        _needs(app, cast, clock, rng, community, resident_units)
        tick(20)


def _later(clock: SimClock, rng: random.Random, lo: float, hi: float, cap: datetime) -> None:
    """Move the clock on by lo..hi hours, never past `cap` (the real now)."""
    clock.at = min(clock.at + timedelta(hours=rng.uniform(lo, hi)), cap - timedelta(minutes=1))


def _request_story(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    rng: random.Random,
    fake: Faker,
    start: datetime,
    ending: str,
    community: UUID,
    branch: UUID,
    members: list[UUID],
    households: list[UUID],
    placed: list[tuple[UUID, UUID]],
    now: datetime,
) -> UUID:
    clerk, supervisor = cast.clerk, cast.supervisor
    category = rng.choice(list(ASKS))
    ask, outcome = rng.choice(ASKS[category])
    roll = rng.random()
    kind = "household" if roll < 0.55 and households else "resident" if roll < 0.9 else "anonymous"
    household = rng.choice(households) if kind == "household" else None
    clock.at = start
    draft = RequestDraft(
        channel=rng.choice(["cadre_visit", "liaison_visit", "online", "walk_in", "phone"]),
        category=category,
        description=ask,
        community_id=community,
        branch_id=branch if rng.random() < 0.5 else None,
        urgency="urgent" if rng.random() < 0.1 else "normal",
        requester_kind=kind,
        household_id=household,
        contact_name=fake.name() if kind == "resident" else None,
        contact_phone=fake.phone_number() if kind == "resident" else None,
    )
    rid = app.place_request(draft, actor=clerk).id
    if ending == "placed":
        return rid
    if ending == "withdrawn" and rng.random() < 0.5:
        app.withdraw_request(rid, "居民表示问题已自行解决", actor=clerk)
        return rid
    if ending == "rejected":
        app.reject_request(rid, "不属于社区职责范围，已告知居民向有关部门反映", actor=clerk)
        return rid
    if ending == "merged":
        same_branch = [r for r, b in placed[-40:] if b == branch]
        if same_branch:
            # When the one it repeats has ended, this one simply stays placed.
            with suppress(RuleViolationError):
                app.merge_request(rid, rng.choice(same_branch), "同一问题重复反映", actor=clerk)
            return rid
    _later(clock, rng, 0.5, 8, now)
    app.classify_request(rid, branch_id=branch, actor=clerk)
    if ending == "classified":
        if rng.random() < 0.5:
            _later(clock, rng, 1, 4, now)
            app.press_request(rid, "请尽快安排人员领单", actor=supervisor)
        return rid
    _later(clock, rng, 1, 30, now)
    claimant = cast.cadre_member if rng.random() < 0.2 else rng.choice(members)
    if claimant == cast.cadre_member:
        app.claim_request(rid, actor=cast.cadre)
    else:
        app.claim_request(rid, member_id=claimant, actor=clerk)
    if rng.random() < 0.1:
        _later(clock, rng, 1, 12, now)
        app.release_request(rid, "近期出差，无法跟进", actor=clerk)
        _later(clock, rng, 1, 12, now)
        claimant = rng.choice(members)
        app.claim_request(rid, member_id=claimant, actor=clerk)
    elif rng.random() < 0.08 and len(members) > 1:
        _later(clock, rng, 1, 12, now)
        other = rng.choice([m for m in members if m != claimant])
        app.give_request(rid, other, "按分工调整给熟悉情况的党员", actor=supervisor)
        claimant = other
    _later(clock, rng, 2, 24, now)
    app.note_progress(rid, "已上门了解情况，正在协调", actor=clerk)
    if ending == "withdrawn":
        app.withdraw_request(rid, "居民表示不再需要", actor=clerk)
        return rid
    if ending == "claimed":
        if rng.random() < 0.25:
            app.pause_clock(rid, "等待居民回家配合查看", actor=clerk)
        elif rng.random() < 0.3:
            app.press_request(rid, "已超期，请加快办理", actor=supervisor)
            if rng.random() < 0.3:
                app.escalate_request(rid, "涉及多个部门，需街道协调", actor=supervisor)
        return rid
    _later(clock, rng, 4, 60, now)
    app.resolve_request(rid, outcome, evidence=[f"photo-{rng.randint(100, 999)}.jpg"], actor=clerk)
    if rng.random() < 0.12:
        _later(clock, rng, 2, 12, now)
        app.send_back_resolution(rid, "处理结果材料不全，请补充", actor=supervisor)
        _later(clock, rng, 4, 24, now)
        app.resolve_request(rid, outcome + "，已补充材料", actor=clerk)
    if ending == "resolved":
        return rid
    _later(clock, rng, 2, 24, now)
    app.accept_resolution(rid, actor=supervisor)
    anonymous = kind == "anonymous"
    if ending == "accepted" or (anonymous and ending in ("visited", "reopened")):
        return rid
    if not anonymous:
        _later(clock, rng, 12, 48, now)
        if ending == "reopened":
            app.record_visit(
                rid,
                "dissatisfied",
                comment="问题反复出现",
                reason="居民反映问题没有根本解决",
                actor=clerk,
            )
            return rid
        level = rng.choices(["satisfied", "basically_satisfied"], [85, 15])[0]
        app.record_visit(rid, level, actor=clerk)
    if ending == "visited":
        return rid
    _later(clock, rng, 4, 48, now)
    app.publish_request(rid, f"居民反映：{ask}。办理结果：{outcome}。", actor=supervisor)
    if ending == "closed":
        _later(clock, rng, 1, 24, now)
        app.close_request(rid, actor=supervisor)
    return rid


def _wishes(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    rng: random.Random,
    community: UUID,
    branches: list[UUID],
    members_by_branch: dict[UUID, list[UUID]],
    households_by_branch: dict[UUID, list[UUID]],
) -> None:
    now = datetime.now(UTC)
    for n in range(24):
        branch = branches[n % len(branches)]
        title, summary = WISHES[n % len(WISHES)]
        clock.at = now - timedelta(days=rng.uniform(1, 90))
        households = households_by_branch[branch]
        wid = app.post_wish(
            WishDraft(
                community_id=community,
                branch_id=branch,
                title=title,
                wish=title + "，家里没人能帮忙",
                household_id=rng.choice(households) if households else None,
                resident_name=None if households else "居民",
            ),
            actor=cast.clerk,
        ).id
        stage = n % 6
        if stage == 0:
            continue
        _later(clock, rng, 2, 48, now)
        members = members_by_branch[branch] or [cast.cadre_member]
        app.claim_wish(wid, member_id=rng.choice(members), actor=cast.clerk)
        if stage == 1:
            continue
        _later(clock, rng, 24, 96, now)
        app.fulfil_wish(wid, "已送到居民家中", actor=cast.clerk)
        if stage == 2:
            continue
        _later(clock, rng, 4, 24, now)
        app.confirm_wish(wid, actor=cast.supervisor)
        if stage == 3:
            continue
        _later(clock, rng, 4, 24, now)
        app.publish_wish(wid, summary, actor=cast.supervisor)


def _needs(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    rng: random.Random,
    community: UUID,
    resident_units: list[UUID],
) -> None:
    """One alliance lists 8 needs; each resident unit claims one or two."""
    now = datetime.now(UTC)
    clock.at = now - timedelta(days=60)
    queue = [
        (
            app.list_need(
                NeedDraft(
                    community_id=community, title=title, description=text, alliance="鹏泉党建联盟"
                ),
                actor=cast.clerk,
            ).id,
            text,
        )
        for title, text in NEEDS
    ]
    rng.shuffle(queue)
    for i, unit in enumerate(resident_units):
        for j in range(2 if i % 2 == 0 else 1):
            if not queue:
                return
            need, text = queue.pop()
            _later(clock, rng, 24, 72, now)
            app.claim_need(need, unit, actor=cast.clerk)
            if (i + j) % 3 == 2:
                continue  # still at work
            _later(clock, rng, 24 * 5, 24 * 15, now)
            app.fulfil_need(need, "项目已实施", actor=cast.clerk)
            _later(clock, rng, 24, 72, now)
            app.confirm_need(need, actor=cast.supervisor)
            if j == 0:
                _later(clock, rng, 24, 72, now)
                app.publish_need(need, f"共建单位完成项目：{text}", actor=cast.supervisor)
