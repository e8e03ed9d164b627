"""The demo's four orders: a few hundred requests in every state, micro-wishes, needs.

Everything goes through the Application's commands. The demo backfills the last four
months of work: each request, wish and need is a story whose steps the agenda runs at
their moments, interleaved with one another and with the rest of the community's work,
so the Application's clock (and with it every event's time) only moves forward.
"""

from __future__ import annotations

import random
from contextlib import suppress
from datetime import datetime, timedelta
from uuid import UUID

from faker import Faker

from cli.demo_base import Agenda, Cast, SimClock, Story, Town
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


def load_orders(
    agenda: Agenda,
    app: Yimai,
    cast: Cast,
    town: Town,
    *,
    rng: random.Random,
    fake: Faker,
    requests: int = 300,
) -> None:
    """Schedule `requests` requests over the last four months, plus wishes and needs."""
    clock = agenda.clock

    def own() -> random.Random:
        return random.Random(rng.getrandbits(64))

    for n in range(requests):
        branch = town.branches[n % len(town.branches)]
        agenda.add(_request_story(app, cast, clock, town, own(), fake, branch))
    for n in range(24):
        branch = town.branches[n % len(town.branches)]
        agenda.add(_wish_story(app, cast, clock, town, own(), n, branch))
    agenda.add(_needs_story(app, cast, clock, town, own()))


def _later(clock: SimClock, rng: random.Random, lo: float, hi: float) -> datetime:
    """lo..hi hours after the clock's moment (the agenda keeps it short of the real now)."""
    return clock.at + timedelta(hours=rng.uniform(lo, hi))


def _request_story(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    fake: Faker,
    branch: UUID,
) -> Story:
    clerk, supervisor = cast.clerk, cast.supervisor
    now = clock.limit
    ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
    start = now - timedelta(hours=rng.uniform(2, 24 * 120))
    if ending in ("placed", "classified") and rng.random() < 0.7:
        start = now - timedelta(hours=rng.uniform(0.5, 20))  # today's intake
    category = rng.choice(list(ASKS))
    ask, outcome = rng.choice(ASKS[category])
    roll = rng.random()
    kind = (
        "household"
        if roll < 0.55 and town.households[branch]
        else "resident"
        if roll < 0.9
        else "anonymous"
    )
    # Drawn now, in the order the stories are made, so the names do not depend on how
    # the stories interleave.
    contact_name = fake.name() if kind == "resident" else None
    contact_phone = fake.phone_number() if kind == "resident" else None
    yield start
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
    repeats = [r for r, b in town.placed[-40:] if b == branch]
    town.placed.append((rid, branch))
    if ending == "placed":
        return
    if ending == "withdrawn" and rng.random() < 0.5:
        app.withdraw_request(rid, "居民表示问题已自行解决", actor=clerk)
        return
    if ending == "rejected":
        app.reject_request(rid, "不属于社区职责范围，已告知居民向有关部门反映", actor=clerk)
        return
    if ending == "merged" and repeats:
        # When the one it repeats has ended, this one simply stays placed.
        with suppress(RuleViolationError):
            app.merge_request(rid, rng.choice(repeats), "同一问题重复反映", actor=clerk)
        return
    yield _later(clock, rng, 0.5, 8)
    app.classify_request(rid, branch_id=branch, actor=clerk)
    if ending == "classified":
        if rng.random() < 0.5:
            yield _later(clock, rng, 1, 4)
            app.press_request(rid, "请尽快安排人员领单", actor=supervisor)
        return
    yield _later(clock, rng, 1, 30)
    members = town.members[branch] or [cast.cadre_member]
    claimant = cast.cadre_member if rng.random() < 0.2 else rng.choice(members)
    if claimant == cast.cadre_member:
        app.claim_request(rid, actor=cast.cadre)
    else:
        app.claim_request(rid, member_id=claimant, actor=clerk)
    if rng.random() < 0.1:
        yield _later(clock, rng, 1, 12)
        app.release_request(rid, "近期出差，无法跟进", actor=clerk)
        yield _later(clock, rng, 1, 12)
        claimant = rng.choice(town.members[branch] or [cast.cadre_member])
        app.claim_request(rid, member_id=claimant, actor=clerk)
    elif rng.random() < 0.08:
        others = [m for m in town.members[branch] if m != claimant]
        if others:
            yield _later(clock, rng, 1, 12)
            other = rng.choice(others)
            app.give_request(rid, other, "按分工调整给熟悉情况的党员", actor=supervisor)
    yield _later(clock, rng, 2, 24)
    app.note_progress(rid, "已上门了解情况，正在协调", actor=clerk)
    if ending == "withdrawn":
        app.withdraw_request(rid, "居民表示不再需要", actor=clerk)
        return
    if ending == "claimed":
        if rng.random() < 0.25:
            app.pause_clock(rid, "等待居民回家配合查看", actor=clerk)
        elif rng.random() < 0.3:
            app.press_request(rid, "已超期，请加快办理", actor=supervisor)
            if rng.random() < 0.3:
                app.escalate_request(rid, "涉及多个部门，需街道协调", actor=supervisor)
        return
    yield _later(clock, rng, 4, 60)
    app.resolve_request(rid, outcome, evidence=[f"photo-{rng.randint(100, 999)}.jpg"], actor=clerk)
    if rng.random() < 0.12:
        yield _later(clock, rng, 2, 12)
        app.send_back_resolution(rid, "处理结果材料不全，请补充", actor=supervisor)
        yield _later(clock, rng, 4, 24)
        app.resolve_request(rid, outcome + "，已补充材料", actor=clerk)
    if ending == "resolved":
        return
    yield _later(clock, rng, 2, 24)
    app.accept_resolution(rid, actor=supervisor)
    anonymous = kind == "anonymous"
    if ending == "accepted" or (anonymous and ending in ("visited", "reopened")):
        return
    if not anonymous:
        yield _later(clock, rng, 12, 48)
        if ending == "reopened":
            app.record_visit(
                rid,
                "dissatisfied",
                comment="问题反复出现",
                reason="居民反映问题没有根本解决",
                actor=clerk,
            )
            return
        level = rng.choices(["satisfied", "basically_satisfied"], [85, 15])[0]
        app.record_visit(rid, level, actor=clerk)
    if ending == "visited":
        return
    yield _later(clock, rng, 4, 48)
    app.publish_request(rid, f"居民反映：{ask}。办理结果：{outcome}。", actor=supervisor)
    if ending == "closed":
        yield _later(clock, rng, 1, 24)
        app.close_request(rid, actor=supervisor)


def _wish_story(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    n: int,
    branch: UUID,
) -> Story:
    title, summary = WISHES[n % len(WISHES)]
    yield clock.limit - timedelta(days=rng.uniform(1, 90))
    households = town.households[branch]
    wid = app.post_wish(
        WishDraft(
            community_id=town.community,
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
        return
    yield _later(clock, rng, 2, 48)
    members = town.members[branch] or [cast.cadre_member]
    app.claim_wish(wid, member_id=rng.choice(members), actor=cast.clerk)
    if stage == 1:
        return
    yield _later(clock, rng, 24, 96)
    app.fulfil_wish(wid, "已送到居民家中", actor=cast.clerk)
    if stage == 2:
        return
    yield _later(clock, rng, 4, 24)
    app.confirm_wish(wid, actor=cast.supervisor)
    if stage == 3:
        return
    yield _later(clock, rng, 4, 24)
    app.publish_wish(wid, summary, actor=cast.supervisor)


def _needs_story(app: Yimai, cast: Cast, clock: SimClock, town: Town, rng: random.Random) -> Story:
    """One alliance lists 8 needs; each resident unit claims one or two."""
    yield clock.limit - timedelta(days=60)
    queue = [
        (
            app.list_need(
                NeedDraft(
                    community_id=town.community,
                    title=title,
                    description=text,
                    alliance="鹏泉党建联盟",
                ),
                actor=cast.clerk,
            ).id,
            text,
        )
        for title, text in NEEDS
    ]
    rng.shuffle(queue)
    for i, unit in enumerate(town.resident_units):
        for j in range(2 if i % 2 == 0 else 1):
            if not queue:
                return
            need, text = queue.pop()
            yield _later(clock, rng, 24, 72)
            app.claim_need(need, unit, actor=cast.clerk)
            if (i + j) % 3 == 2:
                continue  # still at work
            yield _later(clock, rng, 24 * 5, 24 * 15)
            app.fulfil_need(need, "项目已实施", actor=cast.clerk)
            yield _later(clock, rng, 24, 72)
            app.confirm_need(need, actor=cast.supervisor)
            if j == 0:
                yield _later(clock, rng, 24, 72)
                app.publish_need(need, f"共建单位完成项目：{text}", actor=cast.supervisor)
