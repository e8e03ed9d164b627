"""The audit section at the station: a reviewer looks up a member's history and an
account's trail, replays events step by step, reads the roster and the board as they
stood the day before, and verifies the sealed log; a clerk never sees the section.

The history spans two days with a hand-moved clock: on the first (today) the station's
world and a request are recorded; on the second 张三 moves to the second branch, 李四 is
deregistered and the request is classified.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, DomainEvent
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

import domain
from domain.errors import PermissionDeniedError
from domain.roster import Member
from projections.system import System
from tests.application.support import Clock, request_in
from tests.conftest import PASSWORD
from tests.tui.conftest import Station
from tests.tui.support import log_in, on_screen, run, settle, text_of, until
from tui.app import YimaiApp
from tui.i18n import set_language
from tui.screens.asof import BoardAsOfScreen, RosterAsOfScreen
from tui.screens.audit import AuditScreen, Vocabulary, event_label, field_name, kind_label
from tui.screens.replay import ReplayScreen
from tui.screens.verify import VerifyScreen
from tui.widgets.org_tree import OrgTree


@dataclass
class Books:
    station: Station
    day0: date
    day1: date
    request: UUID

    @property
    def system(self) -> System:
        return self.station.system


@pytest.fixture
def books(station: Station) -> Books:
    system, org, admin = station.system, station.org, station.admin
    app = system.app
    for role in ("reviewer", "clerk"):
        app.open_account(role, role.title(), [role], PASSWORD, actor=admin)
    request = request_in(system, admin, org, "placed")
    day0 = app.today()
    clock = Clock(datetime.now(UTC) + timedelta(days=1))
    app.clock = clock
    day1 = app.today()
    app.transfer_member(station.zhang, org.branch2, "搬至西片区", actor=admin)
    app.deregister_member(station.li, "moved", "迁出本社区", actor=admin)
    app.classify_request(request, branch_id=org.branch, actor=admin)
    system.runner.catch_up()
    return Books(station, day0, day1, request)


def _cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _submit(pilot: Pilot[Any], selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(pilot)


def test_a_reviewer_reads_a_history_and_a_trail_and_replays_them(books: Books) -> None:
    system, station = books.system, books.station

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(110, 36)) as pilot:
            await log_in(pilot, "reviewer", PASSWORD, section="audit")
            audit = await on_screen(pilot, AuditScreen)
            reviewer = app.principal
            assert reviewer is not None
            table = audit.query_one("#audit-table", DataTable)

            # The look-up holds the focus: a typed receipt code goes into it (its digits
            # switch no section), and its history reads in words, codes as their labels.
            mode = app.current_mode
            code = system.app.get_request(books.request, actor=reviewer).receipt_code
            await pilot.press(*code, "enter")
            await until(pilot, lambda: audit.shown == "history")
            assert app.current_mode == mode and code in text_of(pilot, "#audit-heading")
            category = next(
                c["name_zh"] for c in system.requests.categories() if c["code"] == "environment"
            )
            rows = _cells(table)
            assert [r[2] for r in rows] == ["分类", "受理（下单）"]
            assert "责任网格支部：第一网格党支部" in rows[0][4]
            assert f"类别：{category}" in rows[1][4] and "来源：窗口来访" in rows[1][4]
            assert "environment" not in str(rows) and "walk_in" not in str(rows)
            request_history = system.app.get_history(books.request, actor=reviewer)
            assert {"category", "channel"} <= set(request_history[0].fields)

            # A member's history, found by name: newest first, who, what and why.
            await _submit(pilot, "#history-q", "张三")
            await until(pilot, lambda: audit.shown == "history")
            history = system.app.get_history(station.zhang, actor=reviewer, kind=Member)
            rows = _cells(table)
            assert [r[2] for r in rows] == ["组织关系转接", "登记入册"]
            assert len(rows) == len(history) == 2
            assert rows[0][1] == "admin" and rows[0][3] == "搬至西片区"
            assert "张三" in text_of(pilot, "#audit-heading")
            assert text_of(pilot, "#audit-status").startswith("共 2 个事件")

            # An account's trail since the second day: newest first, counted.
            await _submit(pilot, "#trail-since", books.day1.isoformat())
            assert "用户名" in text_of(pilot, "#audit-status")  # the account is required
            audit.query_one("#trail-user", Input).value = "admin"
            await _submit(pilot, "#trail-since", books.day1.isoformat())
            await until(pilot, lambda: audit.shown == "trail")
            since = system.review.moment(books.day1, "since", start=True)
            trail = system.review.trail("admin", actor=reviewer, since=since)
            assert trail.total == 3
            assert [r[1] for r in _cells(table)][1:] == ["注销", "组织关系转接"]
            assert text_of(pilot, "#audit-status").startswith("第 1–3 条，共 3 条")

            # Enter on the transfer replays it: the event, before, after, what changed.
            table.focus()
            await pilot.press("down", "down", "enter")
            replay = await on_screen(pilot, ReplayScreen)
            await until(pilot, lambda: replay.found is not None)
            event = text_of(pilot, "#replay-event")
            assert "第 2 步，共 2 步" in event and "组织关系转接" in event
            assert "admin" in event and "搬至西片区" in event
            diff = [line.split() for line in text_of(pilot, "#replay-diff").splitlines()]
            assert ["网格党支部", "第一网格党支部", "→", "第二网格党支部"] in diff  # by name
            assert ["党小组", "1号楼党小组", "→", "—"] in diff
            assert text_of(pilot, "#replay-diff-title") == f"变化（{len(diff)} 项）"
            assert "第二网格党支部" in text_of(pilot, "#replay-after")
            assert "第二网格党支部" not in text_of(pilot, "#replay-before")
            found = system.review.replay(1, actor=reviewer, entity=station.zhang)
            assert set(found["changed"]) >= {"branch_id", "group_id"}

            # ← steps back to the registration, which created the record.
            await pilot.press("left")
            await until(pilot, lambda: replay.found is not None and replay.found["step"] == 0)
            assert "登记入册" in text_of(pilot, "#replay-event")
            assert "此事件创建了这条记录" in text_of(pilot, "#replay-before")
            after = text_of(pilot, "#replay-after")
            assert "第一网格党支部" in after and "居民党员" in after and "在册" in after
            assert "resident" not in after and "kind" not in after
            # A new record's changes are only the fields it has: no "— → —" rows.
            lines = text_of(pilot, "#replay-diff").splitlines()
            found = system.review.replay(0, actor=reviewer, entity=station.zhang)
            assert not any(old == new for old, new in found["changed"].values())
            assert lines and not any(line.split()[1:] == ["—", "→", "—"] for line in lines)
            assert text_of(pilot, "#replay-diff-title") == f"变化（{len(lines)} 项）"
            assert replay.check_action("step", (-1,)) is None  # nothing before the first
            await pilot.press("l")
            await until(pilot, lambda: replay.found is not None and replay.found["step"] == 1)
            assert "组织关系转接" in text_of(pilot, "#replay-event")
            await pilot.press("home")
            await until(pilot, lambda: replay.found is not None and replay.found["step"] == 0)
            await pilot.press("escape")
            await on_screen(pilot, AuditScreen)

            # The replay takes a receipt code as the record; a code that names nothing
            # is refused in words, with the field's label.
            await pilot.press("r")
            replay = await on_screen(pilot, ReplayScreen)
            await _submit(pilot, "#entity", "XXX-0000")
            assert text_of(pilot, "#replay-error") == "记录：没有找到这条记录"
            assert replay.found is None
            await _submit(pilot, "#entity", code)
            await until(pilot, lambda: replay.found is not None)
            assert f"第 1 步，共 {len(request_history)} 步" in text_of(pilot, "#replay-event")
            assert "受理（下单）" in text_of(pilot, "#replay-event")
            after = text_of(pilot, "#replay-after")
            assert category in after and "窗口来访" in after and "领单时限（小时）" in after
            assert "claim_hours" not in after and text_of(pilot, "#replay-error") == ""
            await pilot.press("right")
            await until(pilot, lambda: replay.found is not None and replay.found["step"] == 1)
            assert "分类" in text_of(pilot, "#replay-event")

    run(story)


def test_the_roster_and_the_board_as_of_the_day_before(books: Books) -> None:
    system, org = books.system, books.station.org

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(110, 36)) as pilot:
            await log_in(pilot, "reviewer", PASSWORD, section="audit")
            await on_screen(pilot, AuditScreen)
            reviewer = app.principal
            assert reviewer is not None

            # Today's roster: 张三 moved to the second branch, 李四 left (esc: from the
            # look-up, which holds the focus, to the list, where the letters open things).
            await pilot.press("escape", "o")
            roster = await on_screen(pilot, RosterAsOfScreen)
            tree = roster.query_one(OrgTree)
            await until(pilot, lambda: roster.found is not None and org.branch in tree.nodes)
            assert roster.found is not None and roster.found.day == books.day1
            assert "党员 0" in str(tree.nodes[org.branch].label)
            assert "党员 1" in str(tree.nodes[org.branch2].label)

            # `[`: the day before, as the books stood at its end.
            await pilot.press("left_square_bracket")
            await until(pilot, lambda: roster.found is not None and roster.found.day == books.day0)
            await settle(pilot)
            moment = system.review.moment(books.day0)
            shown = text_of(pilot, "#asof-moment")
            assert f"{books.day0.isoformat()} 日终" in shown
            assert f"日志位置 {moment.position}" in shown and "党员 2" in shown
            assert "党员 2 / 未分组 1" in str(tree.nodes[org.branch].label)
            assert "党员 0" in str(tree.nodes[org.branch2].label)
            past = system.review.at(system.roster, moment.position, actor=reviewer)
            assert [n.counts for n in past.tree(actor=reviewer)] == [
                n.counts for n in roster.found.data
            ]
            assert roster.query_one("#asof-day", Input).value == books.day0.isoformat()
            await pilot.press("escape")
            await on_screen(pilot, AuditScreen)

            # The board: classified today, only placed the day before.
            await pilot.press("b")
            board = await on_screen(pilot, BoardAsOfScreen)
            await until(pilot, lambda: board.found is not None)
            table = board.query_one("#asof-view", DataTable)
            assert [r[1] for r in _cells(table)] == ["待认领"]
            await pilot.press("left_square_bracket")
            await until(pilot, lambda: board.found is not None and board.found.day == books.day0)
            await settle(pilot)
            assert [r[1] for r in _cells(table)] == ["待分类"]
            assert "共 1 件" in text_of(pilot, "#asof-moment")
            await pilot.press("right_square_bracket")
            await until(pilot, lambda: board.found is not None and board.found.day == books.day1)
            await settle(pilot)
            assert [r[1] for r in _cells(table)] == ["待认领"]
            assert system.requests.board(actor=reviewer, now=system.app.now()).items[0][
                "state"
            ] == ("classified")
            # Today is as of now, and there is no tomorrow to look at yet.
            assert books.day1 == system.app.today()
            assert board.found is not None
            assert board.found.moment.position == system.app.last_position()
            await pilot.press("right_square_bracket")
            await until(pilot, lambda: "不能晚于今天" in text_of(pilot, "#asof-error"))

    run(story)


def test_in_english_at_80x24_a_reviewer_replays_an_account_and_verifies_the_log(
    books: Books,
) -> None:
    system = books.system
    system.seal.ensure_key()
    system.seal.checkpoint()

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot, "reviewer", PASSWORD, section="audit")
            await on_screen(pilot, AuditScreen)
            reviewer = app.principal
            assert reviewer is not None

            # The look-up holds the focus; esc leaves it for the list, where keys work.
            assert isinstance(app.focused, Input) and app.focused.id == "history-q"
            await pilot.press("escape")
            assert isinstance(app.focused, DataTable)

            # The replay of what admin did on the second day, step by step.
            await pilot.press("r")
            replay = await on_screen(pilot, ReplayScreen)
            replay.query_one("#account", Input).value = "admin"
            await _submit(pilot, "#since", books.day1.isoformat())
            await until(pilot, lambda: replay.found is not None)
            assert "Step 1 of 3" in text_of(pilot, "#replay-event")
            assert "Transferred" in text_of(pilot, "#replay-event")
            await pilot.press("right")
            await until(pilot, lambda: replay.found is not None and replay.found["step"] == 1)
            assert "Deregistered" in text_of(pilot, "#replay-event")
            diff = text_of(pilot, "#replay-diff")
            assert "Status" in diff and "Active → Deregistered" in " ".join(diff.split())
            await pilot.press("end")
            await until(pilot, lambda: replay.found is not None and replay.found["step"] == 2)
            assert replay.check_action("step", (1,)) is None  # nothing after the last
            found = system.review.replay(
                2,
                actor=reviewer,
                username="admin",
                since=system.review.moment(books.day1, "since", start=True),
            )
            assert found["event"]["event"] == "Request.Classified"
            assert "Classified · Request" in text_of(pilot, "#replay-event")
            # An account and a record at once is refused, in words.
            replay.query_one("#entity", Input).value = str(books.request)
            await _submit(pilot, "#account", "admin")
            assert "choose an entity or an account, not both" in text_of(pilot, "#replay-error")
            await pilot.press("escape")
            await on_screen(pilot, AuditScreen)

            # Verify: the progress bar runs, then the report with its counts.
            await pilot.press("v")
            verify = await on_screen(pilot, VerifyScreen)
            await until(pilot, lambda: verify.report is not None)
            assert text_of(pilot, "#verify-result") == "OK: the log is intact"
            report = text_of(pilot, "#verify-report")
            last = system.app.last_position()
            assert f"Events checked     {last:,}" in report
            assert "Checkpoints        1" in report
            assert f"{last} events, signed" in report
            assert verify.report is not None and verify.report.ok
            assert verify.report.events == last == system.seal.sealed_count()
            # F2: the report reads in Chinese in place.
            await pilot.press("f2")
            await until(pilot, lambda: text_of(pilot, "#verify-result").startswith("通过："))
            assert f"已核事件    {last:,}" in text_of(pilot, "#verify-report")

    run(story)


def test_a_clerk_does_not_see_the_audit_section(books: Books) -> None:
    system = books.system

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 30)) as pilot:
            await log_in(pilot, "clerk", PASSWORD, section=None)
            mode = app.current_mode
            assert "audit" not in [s.name for s in app.sections]
            assert app.check_action("section", ("audit",)) is False
            await pilot.press("7")
            await settle(pilot)
            assert app.current_mode == mode
            clerk = app.principal
            assert clerk is not None
            with pytest.raises(PermissionDeniedError):
                system.review.trail("admin", actor=clerk)

    run(story)


def _domain_events() -> list[tuple[str, type[Any]]]:
    """Every event class the domain records, as (kind of record, class)."""
    found = []
    for info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{info.name}")
        for kind in vars(module).values():
            if not (
                inspect.isclass(kind)
                and issubclass(kind, Aggregate)
                and kind.__module__ == module.__name__
            ):
                continue
            events = {
                name: e
                for name, e in vars(kind).items()
                if inspect.isclass(e) and issubclass(e, DomainEvent) and name != "Event"
            }
            if set(events) == {"Created"}:
                continue  # the common base of the records (YimaiAggregate)
            for name, e in events.items():
                others = [x for n, x in events.items() if n != name]
                if name == "Created" and any(issubclass(x, Aggregate.Created) for x in others):
                    continue  # a base: the record's first event is its own (Registered …)
                found.append((kind.__name__, e))
    return found


def test_every_event_its_fields_and_its_record_read_in_words_in_both_languages() -> None:
    events = _domain_events()
    names = [event.__qualname__ for _, event in events]
    assert len(events) > 90 and "Disclosure.Recorded" in names and "Member.Created" not in names
    base = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
    missing = []
    for lang in ("zh", "en"):
        set_language(lang)
        try:
            for kind, event in events:
                name = event.__qualname__
                # In Chinese every label differs from the code; English ones read as words.
                raw = {name, kind} if lang == "zh" else set()
                if kind_label(kind) in raw or event_label(name) in raw | {name}:
                    missing.append((lang, name))
                for field in set(getattr(event, "__dataclass_fields__", {})) - base:
                    label = field_name(kind, field)
                    if label == field and (lang == "zh" or "_" in field):
                        missing.append((lang, f"{name}.{field}"))
        finally:
            set_language("zh")
    assert missing == []
    # A field's name is read per kind of record: a unit's kind is no member's.
    assert field_name("Member", "kind") == "党员类别"
    assert field_name("ResidentUnit", "kind") == "单位类型"
    words = Vocabulary()
    assert words.value("ResidentUnit", "kind", "institution") == "事业单位"
    assert words.value("Request", "channel", "walk_in") == "窗口来访"
    assert words.value("Member", "status", "active") == "在册"
    assert words.value("Disclosure", "fields", ["phone", "room"]) == "手机号码、门牌号"
