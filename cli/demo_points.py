"""The demo's points and stars: the two years before this one entered as they went
(awards, party days, deductions, a reversal), the earlier year closed in January and
final with its excellent members published, the later one closed just now with its
publicity window open and an objection in it; and this year's party days so far.

Every award is entered on or soon after its deed, at office hours, as a story on the
agenda; a year's entries all come before the moment it closes.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from uuid import UUID

from cli.demo_base import Agenda, Cast, SimClock, Story, Town
from domain.application import Yimai
from domain.points import Selection

VOLUNTEER_NOTES = ["清扫小区积雪", "交通文明劝导", "社区义诊协助", "垃圾分类宣传", "防汛值守"]
STUDY_NOTES = ["学习党的二十大精神", "学习党章", "专题党课", "学习《条例》"]


def load_points(agenda: Agenda, app: Yimai, cast: Cast, town: Town, *, rng: random.Random) -> None:
    """Schedule three years of points; needs the points read model following (the
    selection is proposed from its standings)."""
    clock = agenda.clock
    this_year = clock.limit.astimezone(app.tz).year
    earlier, later = this_year - 2, this_year - 1
    # The earlier year closes early in January; the later one a few hours ago (but in
    # this year, when "now" is the small hours of New Year's Day).
    earlier_closes = clock.office(clock.local(date(later, 1, 10)))
    later_closes = max(
        clock.limit - timedelta(hours=3), clock.local(date(this_year, 1, 1), time(0, 1))
    )
    years = (
        (earlier, 4, earlier_closes - timedelta(days=2), True),
        (later, 12, later_closes - timedelta(hours=1), True),
        (this_year, 4, clock.limit, False),
    )
    for year, party_days, until, whole in years:
        _schedule_year(agenda, app, cast, town, rng, year, party_days, until, whole)
    agenda.add(_earlier_year_ends(app, cast, clock, earlier, earlier_closes))
    agenda.add(_later_year_closes(app, cast, clock, town, later, later_closes))


def _schedule_year(
    agenda: Agenda,
    app: Yimai,
    cast: Cast,
    town: Town,
    rng: random.Random,
    year: int,
    party_days: int,
    until: datetime,
    whole: bool,
) -> None:
    """A year's party days held before `until`; for a whole year also the members' own
    awards, a few deductions and one reversal per branch, all entered by `until`."""
    clock = agenda.clock
    last_day = until.astimezone(app.tz).date()
    months = [1 + (12 // party_days) * i for i in range(party_days)]

    def own() -> random.Random:
        return random.Random(rng.getrandbits(64))

    for branch in town.branches:
        members = town.members[branch]
        if not members:
            continue
        for month in months:
            held = date(year, month, rng.randint(1, 20))
            if held < last_day:
                agenda.add(_party_day(app, cast, clock, town, own(), branch, held, until))
        if not whole:
            continue
        awards = sum(rng.randint(0, 3) + (rng.random() < 0.5) for _ in members)
        for _ in range(awards):
            deed = date(year, rng.randint(1, 12), rng.randint(1, 28))
            agenda.add(_award(app, cast, clock, town, own(), branch, deed, until))
        for _ in range(min(2, len(members) // 4)):
            deed = date(year, rng.randint(2, 11), rng.randint(1, 28))
            agenda.add(_deduction(app, cast, clock, town, own(), branch, deed, until))
        agenda.add(_reversal(app, cast, clock, town, own(), branch, year, until))


def _soon_after(
    clock: SimClock, rng: random.Random, day: date, days: float, until: datetime
) -> datetime:
    """At office hours within `days` days after `day` (08:30), and no later than `until`."""
    return min(clock.office(clock.local(day) + timedelta(days=rng.uniform(0, days))), until)


def _party_day(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    branch: UUID,
    held: date,
    until: datetime,
) -> Story:
    """Planned a few days ahead; attendance entered once it was held."""
    yield clock.office(clock.local(held - timedelta(days=rng.randint(3, 14))))
    activity = app.plan_activity(
        f"{held.month}月主题党日",
        "party_day",
        held,
        town.community,
        branch_id=branch,
        actor=cast.clerk,
    ).id
    yield _soon_after(clock, rng, held + timedelta(days=1), 3, until)
    present = [m for m in town.members[branch] if rng.random() < 0.8]
    if present:
        app.record_attendance(activity, present, actor=cast.clerk)


def _award(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    branch: UUID,
    deed: date,
    until: datetime,
) -> Story:
    """A volunteer service or a study, entered within a week of the deed."""
    yield _soon_after(clock, rng, deed, 6, until)
    members = town.members[branch]
    if not members:
        return
    if rng.random() < 0.75:
        rule, note = "volunteer", rng.choice(VOLUNTEER_NOTES)
    else:
        rule, note = "study", rng.choice(STUDY_NOTES)
    app.award_points(rng.choice(members), rule, deed, note=note, actor=cast.clerk)


def _deduction(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    branch: UUID,
    deed: date,
    until: datetime,
) -> Story:
    """Proposed by the clerk, approved by the supervisor a day or so later."""
    yield _soon_after(clock, rng, deed + timedelta(days=1), 10, until)
    members = town.members[branch]
    if not members:
        return
    proposal = app.propose_deduction(
        rng.choice(members),
        "absent_without_leave",
        deed,
        "无故缺席支部组织生活会",
        actor=cast.clerk,
    ).id
    yield min(clock.office(clock.at + timedelta(days=rng.uniform(1, 3))), until)
    app.approve_adjustment(proposal, actor=cast.supervisor)


def _reversal(
    app: Yimai,
    cast: Cast,
    clock: SimClock,
    town: Town,
    rng: random.Random,
    branch: UUID,
    year: int,
    until: datetime,
) -> Story:
    """An award entered under the wrong rule, reversed by two people."""
    deed = date(year, 6, 15)
    yield _soon_after(clock, rng, deed, 5, until)
    members = town.members[branch]
    if not members:
        return
    member = rng.choice(members)
    wrong = app.award_points(member, "contribution", deed, note="录入错误", actor=cast.clerk).id
    yield min(clock.office(clock.at + timedelta(days=rng.uniform(1, 10))), until)
    proposal = app.propose_reversal(
        member, year, wrong, "误录为突出贡献，应为志愿服务", actor=cast.clerk
    ).id
    yield min(clock.office(clock.at + timedelta(days=rng.uniform(1, 3))), until)
    app.approve_adjustment(proposal, actor=cast.supervisor)


def _earlier_year_ends(
    app: Yimai, cast: Cast, clock: SimClock, year: int, closes: datetime
) -> Story:
    """Closed in January, final once its window ended, its excellent members out."""
    supervisor = cast.supervisor
    yield closes
    app.close_period(year, actor=supervisor)
    yield clock.office(clock.at + timedelta(days=app.publicity_days + 2))
    app.finalize_period(year, actor=supervisor)
    yield clock.office(clock.at + timedelta(days=1))
    app.propose_selection(year, actor=supervisor)
    selection: Selection = app.repository.get(Selection.id_for(year))
    assert isinstance(selection, Selection)
    firsts: dict[UUID, UUID] = {}
    for candidate in selection.candidates:  # in rank order within each branch
        firsts.setdefault(candidate["branch_id"], candidate["member_id"])
    yield clock.office(clock.at + timedelta(days=3))
    app.confirm_selection(year, list(firsts.values()), reason="党委会研究确定", actor=supervisor)
    yield clock.office(clock.at + timedelta(days=1))
    app.publish_selection(year, actor=supervisor)


def _later_year_closes(
    app: Yimai, cast: Cast, clock: SimClock, town: Town, year: int, closes: datetime
) -> Story:
    """Closed just now: its publicity window is open, with an objection in it."""
    yield closes
    app.close_period(year, actor=cast.supervisor)
    yield clock.at + timedelta(hours=1)
    first_branch = town.members[town.branches[0]]
    if first_branch:
        app.file_objection(
            first_branch[-1], year, "我参加了七月的防汛值守，积分里没有记录", actor=cast.clerk
        )
