"""The demo's points and stars: two years of awards, deductions and reversals, the
earlier year final with its excellent members published, the later one in its
publicity window with an objection.

Like the requests, this backfills: the Application's clock is set to each step's moment
(closing a year, its window ending) and put back when done.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from cli.demo_orders import Cast, SimClock
from domain.application import Yimai
from domain.points import Selection

VOLUNTEER_NOTES = ["清扫小区积雪", "交通文明劝导", "社区义诊协助", "垃圾分类宣传", "防汛值守"]
STUDY_NOTES = ["学习党的二十大精神", "学习党章", "专题党课", "学习《条例》"]


def load_points(
    app: Yimai,
    cast: Cast,
    *,
    community: UUID,
    branches: list[UUID],
    members_by_branch: dict[UUID, list[UUID]],
    rng: random.Random,
    tick: Callable[[int], None] = lambda n: None,
) -> None:
    """Backfill the two years before this one; needs the points read model following
    (the selection is proposed from its standings)."""
    clock = SimClock(app)
    this_year = app.today().year
    earlier, later = this_year - 2, this_year - 1
    with clock.installed():
        # Entered early this year (every deed is in the past by then).
        clock.at = datetime(this_year, 1, 5, 2, tzinfo=UTC)
        for year, party_days in ((earlier, 4), (later, 12)):
            _year_of_awards(
                app, cast, community, branches, members_by_branch, year, party_days, rng
            )
            tick(10)
        # The earlier year: closed in January, final once its window ended, selection out.
        clock.at = datetime(earlier + 1, 1, 8, 2, tzinfo=UTC)
        app.close_period(earlier, actor=cast.supervisor)
        clock.at += timedelta(days=app.publicity_days + 2)
        app.finalize_period(earlier, actor=cast.supervisor)
        app.propose_selection(earlier, actor=cast.supervisor)
        selection: Selection = app.repository.get(Selection.id_for(earlier))
        assert isinstance(selection, Selection)
        firsts: dict[UUID, UUID] = {}
        for candidate in selection.candidates:  # in rank order within each branch
            firsts.setdefault(candidate["branch_id"], candidate["member_id"])
        chosen = list(firsts.values())
        app.confirm_selection(earlier, chosen, reason="党委会研究确定", actor=cast.supervisor)
        app.publish_selection(earlier, actor=cast.supervisor)
    # The later year closes now: its publicity window is open, with an objection in it.
    app.close_period(later, actor=cast.supervisor)
    objector = members_by_branch[branches[0]][-1] if members_by_branch[branches[0]] else None
    if objector is not None:
        app.file_objection(
            objector, later, "我参加了七月的防汛值守，积分里没有记录", actor=cast.clerk
        )
    tick(10)


def _year_of_awards(
    app: Yimai,
    cast: Cast,
    community: UUID,
    branches: list[UUID],
    members_by_branch: dict[UUID, list[UUID]],
    year: int,
    party_days: int,
    rng: random.Random,
) -> None:
    clerk, supervisor = cast.clerk, cast.supervisor
    months = [1 + (12 // party_days) * i for i in range(party_days)]
    for branch in branches:
        members = members_by_branch[branch]
        if not members:
            continue
        for month in months:
            held = date(year, month, rng.randint(1, 20))
            activity = app.plan_activity(
                f"{month}月主题党日", "party_day", held, community, branch_id=branch, actor=clerk
            ).id
            present = [m for m in members if rng.random() < 0.8]
            if present:
                app.record_attendance(activity, present, actor=clerk)
        for member in members:
            for _ in range(rng.randint(0, 3)):
                app.award_points(
                    member,
                    "volunteer",
                    date(year, rng.randint(1, 12), rng.randint(1, 28)),
                    note=rng.choice(VOLUNTEER_NOTES),
                    actor=clerk,
                )
            if rng.random() < 0.5:
                app.award_points(
                    member,
                    "study",
                    date(year, rng.randint(1, 12), rng.randint(1, 28)),
                    note=rng.choice(STUDY_NOTES),
                    actor=clerk,
                )
        # A few deductions (two people) and one reversal of a mistaken award.
        for member in rng.sample(members, k=min(2, len(members) // 4)):
            proposal = app.propose_deduction(
                member,
                "absent_without_leave",
                date(year, rng.randint(2, 11), rng.randint(1, 28)),
                "无故缺席支部组织生活会",
                actor=clerk,
            ).id
            app.approve_adjustment(proposal, actor=supervisor)
        member = rng.choice(members)
        wrong = app.award_points(
            member, "contribution", date(year, 6, 15), note="录入错误", actor=clerk
        ).id
        proposal = app.propose_reversal(
            member, year, wrong, "误录为突出贡献，应为志愿服务", actor=clerk
        ).id
        app.approve_adjustment(proposal, actor=supervisor)
