"""Points at the station: a clerk awards one member and a whole activity's attendance,
proposes a deduction that only a second person may approve, explains a total entry by
entry and files an objection; a supervisor decides proposals (never their own), rejects
an objection with a reason and takes the year to final and its selection."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, SelectionList, TabbedContent

from domain.access import Principal
from domain.points import Activity, Ledger, Period
from tests.application.points_support import LATE_IN_THE_YEAR, YEAR, year_clock
from tests.conftest import PASSWORD
from tests.tui.conftest import Station
from tests.tui.support import (
    footer_descriptions,
    log_in,
    on_screen,
    run,
    text_of,
    type_into,
    until,
)
from tui.app import YimaiApp
from tui.screens.points import PointsScreen, PointsTable, SelectionScreen, WhyScreen
from tui.screens.points_forms import (
    ApproveAdjustmentScreen,
    AwardPointsScreen,
    ChooseActivityScreen,
    ConfirmSelectionScreen,
    FileObjectionScreen,
    FinalizePeriodScreen,
    PlanActivityScreen,
    ProposeDeductionScreen,
    ProposeReversalScreen,
    ProposeSelectionScreen,
    PublishSelectionScreen,
    RecordAttendanceScreen,
    RejectObjectionScreen,
)
from tui.widgets.localized import ChoiceSelect

LAST_YEAR = YEAR - 1


def _accounts(station: Station) -> tuple[Principal, Principal]:
    app = station.system.app
    for role in ("clerk", "supervisor"):
        app.open_account(role, role.title(), [role], PASSWORD, actor=station.admin)
    return app.authenticate("clerk", PASSWORD), app.authenticate("supervisor", PASSWORD)


def _last_year_closed(station: Station) -> None:
    """Last year: 张三 took part in a party day (a star); the year is closed."""
    app = station.system.app
    app.award_points(
        station.zhang, "party_day", date(LAST_YEAR, 6, 1), note="七一主题党日", actor=station.admin
    )
    app.close_period(LAST_YEAR, actor=station.admin)


async def _points(pilot: Pilot[Any], user: str) -> PointsScreen:
    await log_in(pilot, user, PASSWORD, section="points")
    screen = await on_screen(pilot, PointsScreen)
    await until(pilot, lambda: screen.data is not None)
    return screen


def _rows(screen: PointsScreen, tab: str) -> dict[str, dict[str, Any]]:
    return screen.query_one(f"#{tab}-table", PointsTable).rows_by_key


async def _cursor_on(pilot: Pilot[Any], table: PointsTable, key: str) -> None:
    await until(pilot, lambda: key in table.rows_by_key)
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


async def _choose(pilot: Pilot[Any], selector: str, value: str) -> None:
    select = pilot.app.screen.query_one(selector, ChoiceSelect)
    await until(pilot, lambda: any(v == value for _, v in select.choices))
    select.value = value
    await pilot.pause()


def test_a_clerk_awards_records_attendance_proposes_a_deduction_and_explains(
    station: Station,
) -> None:
    system, org = station.system, station.org
    year_clock(system, LATE_IN_THE_YEAR)
    clerk, _ = _accounts(station)
    _last_year_closed(station)
    new_year = system.app.plan_activity(
        "元旦联欢", "party_day", date(YEAR, 12, 31), org.community, actor=station.admin
    ).id
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(110, 34)) as pilot:
            screen = await _points(pilot, "clerk")
            assert screen.year == YEAR
            assert text_of(pilot, "#points-status") == "暂无"
            # A clerk proposes but never approves: the key is not even offered.
            assert screen.check_action("approve", ()) is False
            assert "points.approve" not in footer_descriptions(app)

            # Award one member: found by name (the search has the focus, and one Enter
            # picks the match), a rule, the day, what was done.
            await pilot.press("w")
            award = await on_screen(pilot, AwardPointsScreen)
            assert app.focused is award.query_one("#member_q", Input)
            await pilot.press(*"张三", "enter")
            await until(pilot, lambda: "张三" in text_of(pilot, ".picker-chosen"))
            assert app.focused is award.query_one("#rule_code", ChoiceSelect)
            await _choose(pilot, "#rule_code", "study")
            award.query_one("#deed_on", Input).value = f"{YEAR}-12-01"
            before = system.app.last_position()
            await pilot.press("ctrl+s")  # the note is missing
            await until(pilot, lambda: text_of(pilot, "#note-error"))
            assert text_of(pilot, "#note-error") == "说明：请写明做了什么"
            assert system.app.last_position() == before
            award.query_one("#note", Input).value = "参加党课学习"
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await until(pilot, lambda: str(station.zhang) in _rows(screen, "rankings"))
            assert _rows(screen, "rankings")[str(station.zhang)]["points"] == 2
            book: Ledger = system.app.repository.get(Ledger.id_for(station.zhang, YEAR))
            assert [(e["rule"], e["points"]) for e in book.entries.values()] == [("study", 2)]

            # Attendance: the year's only activity so far, the New Year's party, is not
            # held yet and cannot be chosen; plan a party day, then tick 张三 who came.
            await pilot.press("t")
            choose = await on_screen(pilot, ChooseActivityScreen)
            activities = choose.query_one("#activities", OptionList)
            await until(pilot, lambda: choose.found is not None)
            ahead = activities.get_option_at_index(1)
            assert ahead.disabled and "元旦联欢 " in str(ahead.prompt)
            assert "尚未举行" in str(ahead.prompt)
            await pilot.press("n")
            plan = await on_screen(pilot, PlanActivityScreen)
            plan.query_one("#title", Input).value = "十二月主题党日"
            await _choose(pilot, "#rule_code", "party_day")
            plan.query_one("#held_on", Input).value = f"{YEAR}-12-10"
            await _choose(pilot, "#community_id", str(org.community))
            await _choose(pilot, "#branch_id", str(org.branch))
            await pilot.press("ctrl+s")
            attend = await on_screen(pilot, RecordAttendanceScreen)
            names = attend.query_one("#member_ids", SelectionList)
            await until(pilot, lambda: names.option_count == 2)
            names.focus()
            await pilot.press("space")
            assert "已勾选 1 人" in text_of(pilot, "#attend-hint")
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await until(pilot, lambda: _rows(screen, "rankings")[str(station.zhang)]["points"] == 5)
            activity: Activity = system.app.repository.get(attend.planned.id)
            assert activity.attendees == [station.zhang]

            # 李四 came too: the party day is chosen from the year's list; 张三 shows as
            # recorded and cannot be ticked again.
            await pilot.press("t")
            choose = await on_screen(pilot, ChooseActivityScreen)
            activities = choose.query_one("#activities", OptionList)
            await until(pilot, lambda: choose.found is not None)
            party_day = activities.get_option_at_index(2)
            assert party_day.id == str(activity.id) and not party_day.disabled
            assert "十二月主题党日" in str(party_day.prompt)
            assert "已签到 1 人" in str(party_day.prompt)
            activities.highlighted = 2
            await pilot.press("enter")
            again = await on_screen(pilot, RecordAttendanceScreen)
            assert again.planned.id == activity.id
            names = again.query_one("#member_ids", SelectionList)
            await until(pilot, lambda: names.option_count == 2)
            ticks = [names.get_option_at_index(i) for i in range(names.option_count)]
            assert [o.value for o in ticks] == [str(station.zhang), str(station.li)]
            assert ticks[0].disabled and "已签到" in str(ticks[0].prompt)
            names.focus()
            names.highlighted = 1
            await pilot.press("space")
            assert "已勾选 1 人" in text_of(pilot, "#attend-hint")
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await until(pilot, lambda: str(station.li) in _rows(screen, "rankings"))
            rankings = _rows(screen, "rankings")
            assert [(r["rank"], r["name"], r["points"], r["stars"]) for r in rankings.values()] == [
                (1, "张三", 5, 1),
                (2, "李四", 3, 1),
            ]
            activity = system.app.repository.get(attend.planned.id)
            assert activity.attendees == [station.zhang, station.li]

            # A name search on the rankings keeps each member's rank.
            await pilot.press("slash")
            assert app.focused is screen.query_one("#rankings-q", Input)
            await pilot.press(*"李")
            await until(pilot, lambda: list(_rows(screen, "rankings")) == [str(station.li)])
            assert _rows(screen, "rankings")[str(station.li)]["rank"] == 2
            await type_into(pilot, "#rankings-q", "")
            await pilot.press("enter")
            await until(pilot, lambda: len(_rows(screen, "rankings")) == 2)
            assert app.focused is screen.query_one("#rankings-table", PointsTable)
            listed = system.points.activities(actor=clerk, year=YEAR, branch_id=org.branch)
            assert [(a["id"], a["attendees"]) for a in listed.items] == [
                (new_year, 0),
                (activity.id, 2),
            ]

            # A deduction for 李四: the ranking's highlighted row (张三, first) is not
            # taken for a choice; saving without a member is refused at the member.
            table = screen.query_one("#rankings-table", PointsTable)
            await _cursor_on(pilot, table, str(station.zhang))
            await pilot.press("x")
            deduct = await on_screen(pilot, ProposeDeductionScreen)
            assert text_of(pilot, ".picker-chosen") == "尚未选择党员"
            assert app.focused is deduct.query_one("#member_q", Input)
            await _choose(pilot, "#rule_code", "absent_without_leave")
            deduct.query_one("#deed_on", Input).value = f"{YEAR}-12-11"
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#member_id-error"))
            assert text_of(pilot, "#member_id-error") == "党员：请先输入姓名搜索并选定一位党员"
            assert app.focused is deduct.query_one("#member_q", Input)
            # "13" matches both members' phones: ↓ then Enter picks the second, and the
            # error at the member goes.
            await pilot.press("1", "3")
            options = deduct.query_one("#member_options", OptionList)
            await until(pilot, lambda: options.option_count == 2)
            assert options.get_option_at_index(1).id == str(station.li)
            await pilot.press("down", "enter")
            await until(pilot, lambda: "李四" in text_of(pilot, ".picker-chosen"))
            assert text_of(pilot, "#member_id-error") == ""
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "原因：必填"
            assert system.app.last_position() == before
            deduct.query_one("#reason", Input).value = "无故缺席支部大会"
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await pilot.press("right_square_bracket")
            assert screen.tab == "approvals"
            await until(pilot, lambda: len(_rows(screen, "approvals")) == 1)
            approvals = screen.query_one("#approvals-table", PointsTable)
            assert "when" in [str(c.key.value) for c in approvals.ordered_columns]
            (proposal,) = _rows(screen, "approvals").values()
            assert (proposal["name"], proposal["proposer"]) == ("李四", "clerk")
            assert system.app.proposal_state(proposal["id"], actor=clerk) == "proposed"
            assert "points.approve" not in footer_descriptions(app)

            # Why is 张三's total 5? The entries by rule add up to it.
            await pilot.press("left_square_bracket")
            await _cursor_on(pilot, table, str(station.zhang))
            await pilot.press("e")
            why = await on_screen(pilot, WhyScreen)
            await until(pilot, lambda: why.explanation is not None)
            assert "张三 · 2025 年度：5 分，1 星" in text_of(pilot, "#why-head")
            by_rule = why.query_one("#why-rules", PointsTable).rows_by_key
            assert {code: r["points"] for code, r in by_rule.items()} == {
                "study": 2,
                "party_day": 3,
            }
            assert text_of(pilot, "#why-sum").split() == ["合计", "5", "★1"]
            totals = system.points.totals(station.zhang, actor=clerk, year=YEAR)
            assert sum(r["points"] for r in by_rule.values()) == totals["points"] == 5

            # From the explanation, propose to reverse the study entry (a second person
            # decides); the language switches in place.
            lines = why.query_one("#why-lines", PointsTable)
            study = next(k for k, line in lines.rows_by_key.items() if line["rule_code"] == "study")
            await _cursor_on(pilot, lines, study)
            await pilot.press("v")
            reverse = await on_screen(pilot, ProposeReversalScreen)
            reverse.query_one("#reason", Input).value = "学习记录重复"
            await pilot.press("ctrl+s")
            await on_screen(pilot, WhyScreen)
            pending = system.points.pending_approvals(actor=clerk).items
            assert [(p["kind"], str(p["entry_id"])) for p in pending] == [
                ("deduction", "None"),
                ("reversal", study),
            ]
            await pilot.press("f2")
            assert "张三 · 2025: 5 points, 1 stars" in text_of(pilot, "#why-head")
            await pilot.press("escape")
            await on_screen(pilot, PointsScreen)
            assert str(screen.query_one(TabbedContent).get_tab("rankings").label) == "Rankings"
            await pilot.press("f2")

            # Last year is in its publicity window: 张三 objects (recorded by the clerk).
            await pilot.press("f")
            objection = await on_screen(pilot, FileObjectionScreen)
            objection.query_one("#year", Input).value = str(LAST_YEAR)
            objection.query_one("#text", Input).value = "漏记了一次志愿服务"
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            screen.query_one("#year", Select).value = str(LAST_YEAR)
            await until(pilot, lambda: len(_rows(screen, "objections")) == 1)
            (filed,) = _rows(screen, "objections").values()
            assert (filed["name"], filed["year"], filed["state"]) == ("张三", LAST_YEAR, "open")
            assert system.app.repository.get(Period.id_for(LAST_YEAR)).open_objections == [
                filed["id"]
            ]

    run(story)


def test_a_supervisor_decides_proposals_objections_and_the_year_in_english_at_80x24(
    station: Station,
) -> None:
    system = station.system
    clock = year_clock(system, LATE_IN_THE_YEAR)
    clerk, supervisor = _accounts(station)
    _last_year_closed(station)
    app_ = system.app
    app_.award_points(station.zhang, "study", date(YEAR, 12, 1), note="党课", actor=clerk)
    by_clerk = app_.propose_deduction(
        station.zhang, "absent_without_leave", date(YEAR, 12, 2), "无故缺席", actor=clerk
    ).id
    own = app_.propose_deduction(
        station.li, "breach", date(YEAR, 12, 3), "违反规定", actor=supervisor
    ).id
    objection = app_.file_objection(station.zhang, LAST_YEAR, "少记一星", actor=clerk).id
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _points(pilot, "supervisor")
            await pilot.press("q")  # a stray q quits nothing: ctrl+q does
            await pilot.pause()
            assert app.is_running and app.screen is screen
            await pilot.press("right_square_bracket")
            table = screen.query_one("#approvals-table", PointsTable)
            # The list fits 80 columns: long rules and reasons are cut ("…", the whole
            # text is in the confirmation), and the proposal's time is left out.
            await until(pilot, lambda: table.row_count == 2)
            assert [str(c.key.value) for c in table.ordered_columns] == [
                "kind", "name", "rule", "deed_on", "reason", "proposer"
            ]  # fmt: skip
            assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 78

            # Their own proposal: the refusal shows in the confirmation, nothing changes.
            await _cursor_on(pilot, table, str(own))
            await pilot.press("y")
            await on_screen(pilot, ApproveAdjustmentScreen)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#form-error"))
            assert text_of(pilot, "#form-error") == (
                "A different person must decide on what you proposed or filed"
            )
            assert app_.proposal_state(own, actor=supervisor) == "proposed"
            await pilot.press("escape")

            # The clerk's proposal: approved, it counts on 张三's total at once.
            await on_screen(pilot, PointsScreen)
            await _cursor_on(pilot, table, str(by_clerk))
            await pilot.press("y")
            await on_screen(pilot, ApproveAdjustmentScreen)
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await until(pilot, lambda: list(_rows(screen, "approvals")) == [str(own)])
            assert app_.proposal_state(by_clerk, actor=supervisor) == "approved"
            assert system.points.totals(station.zhang, actor=supervisor, year=YEAR)["points"] == -3
            assert _rows(screen, "rankings")[str(station.zhang)]["points"] == -3

            # Last year's objection: rejected, with the reason.
            screen.query_one("#year", Select).value = str(LAST_YEAR)
            await pilot.press("right_square_bracket")
            assert screen.tab == "objections"
            objections = screen.query_one("#objections-table", PointsTable)
            await _cursor_on(pilot, objections, str(objection))
            await pilot.press("n")
            reject = await on_screen(pilot, RejectObjectionScreen)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "Reason: is required"
            reject.query_one("#reason", Input).value = "The party day was recorded"
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await until(
                pilot, lambda: _rows(screen, "objections")[str(objection)]["state"] == "rejected"
            )
            assert _rows(screen, "objections")[str(objection)]["reason"] == (
                "The party day was recorded"
            )
            assert system.app.repository.get(Period.id_for(LAST_YEAR)).open_objections == []

            # Attendance for a closed year: the chooser says so, and fits at 80×24.
            await pilot.press("t")
            choose = await on_screen(pilot, ChooseActivityScreen)
            await until(pilot, lambda: choose.found is not None)
            assert f"{LAST_YEAR} is closed" in text_of(pilot, ".dialog-hint")
            new = choose.query_one("#activities", OptionList).get_option_at_index(0)
            assert "Plan a new activity" in str(new.prompt)
            assert choose.query_one("#activities").region.bottom <= 24
            await pilot.press("escape")
            await on_screen(pilot, PointsScreen)

            # The window ends; the year becomes final, and its selection is published.
            period: Period = system.app.repository.get(Period.id_for(LAST_YEAR))
            clock.now = period.window_ends_at + timedelta(seconds=1)
            await pilot.press("right_square_bracket")
            periods = screen.query_one("#periods-table", PointsTable)
            await _cursor_on(pilot, periods, str(LAST_YEAR))
            await pilot.press("z")
            await on_screen(pilot, FinalizePeriodScreen)
            await pilot.press("ctrl+s")
            await on_screen(pilot, PointsScreen)
            await until(pilot, lambda: _rows(screen, "periods")[str(LAST_YEAR)]["state"] == "final")
            await pilot.press("s")
            selection = await on_screen(pilot, SelectionScreen)
            await until(pilot, lambda: selection.loaded)
            await pilot.press("p")
            await on_screen(pilot, ProposeSelectionScreen)
            await pilot.press("ctrl+s")
            await on_screen(pilot, SelectionScreen)
            candidates = selection.query_one("#candidates", SelectionList)
            await until(pilot, lambda: candidates.option_count == 1)
            candidates.focus()
            await pilot.press("space")
            await pilot.press("c")
            await on_screen(pilot, ConfirmSelectionScreen)
            await pilot.press("ctrl+s")
            await on_screen(pilot, SelectionScreen)
            await until(pilot, lambda: (selection.selection or {}).get("state") == "confirmed")
            await pilot.press("u")
            await on_screen(pilot, PublishSelectionScreen)
            await pilot.press("ctrl+s")
            await on_screen(pilot, SelectionScreen)
            await until(pilot, lambda: (selection.selection or {}).get("state") == "published")
            public = system.points.public_selection(LAST_YEAR)
            assert [m["stars"] for m in public["members"]] == [1]
            assert "Published" in text_of(pilot, "#selection-state")

    run(story)
