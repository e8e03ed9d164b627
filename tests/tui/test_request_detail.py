"""One request at the station: a resident's dark stairwell is classified, claimed by a
cadre, worked on, resolved, sent back, resolved again, accepted, visited back, published
and closed, each step from the request's screen; what a role may not do it does not see;
a duplicate is merged and a request withdrawn."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from textual.pilot import Pilot
from textual.widgets import Input, Select

from domain.dto import RequestDraft
from projections.system import System
from tests.conftest import PASSWORD, Org, Staff, open_staff
from tests.tui.conftest import Station
from tests.tui.support import footer_descriptions, log_in, on_screen, run, text_of, until
from tui.app import YimaiApp
from tui.screens.account import AccountScreen
from tui.screens.request import RequestScreen
from tui.screens.request_forms import (
    AcceptResolutionScreen,
    ClaimForScreen,
    ClassifyScreen,
    CloseRequestScreen,
    EscalateRequestScreen,
    GiveScreen,
    MergeScreen,
    NoteProgressScreen,
    PauseClockScreen,
    PressRequestScreen,
    PublishScreen,
    RejectRequestScreen,
    ReleaseRequestScreen,
    ResolveRequestScreen,
    RevealRequesterScreen,
    SendBackScreen,
    VisitScreen,
    WithdrawRequestScreen,
)
from tui.widgets.localized import Tr

REQUESTER = "慕容秋菊"
PHONE = "13755550123"
DESCRIPTION = "3号楼2单元楼道灯不亮，晚上老人看不见台阶"
#: Every key of a move on the request screen (all but "back").
MOVES = {
    "request.classify",
    "request.claim",
    "request.release",
    "request.give",
    "request.note",
    "request.resolve",
    "request.accept",
    "request.send-back",
    "request.visit",
    "request.publish",
    "request.close",
    "request.press",
    "request.escalate",
    "request.pause",
    "request.resume",
    "request.withdraw",
    "request.reject",
    "request.merge",
    "request.contact",
}


def _place(system: System, staff: Staff, org: Org, **overrides: Any) -> tuple[UUID, str]:
    values: dict[str, Any] = dict(
        channel="walk_in",
        category="environment",
        description=DESCRIPTION,
        community_id=org.community,
        requester_kind="resident",
        branch_id=org.branch,
        building="3号楼",
        contact_name=REQUESTER,
        contact_phone=PHONE,
    )
    values.update(overrides)
    receipt = system.app.place_request(RequestDraft(**values), actor=staff.clerk)
    system.runner.wait_for(receipt.position)
    return receipt.id, receipt.receipt_code


def _events(system: System, staff: Staff, rid: UUID) -> list[str]:
    return [e.event for e in system.app.get_history(rid, actor=staff.reviewer)]


async def _open(pilot: Pilot[Any], rid: UUID) -> RequestScreen:
    """Open the request's screen over the section (as the board does) and wait for it."""
    await pilot.app.push_screen(RequestScreen(rid))
    screen = await on_screen(pilot, RequestScreen)
    await until(pilot, lambda: screen.view is not None)
    return screen


async def _after(pilot: Pilot[Any], screen: RequestScreen, state: str) -> None:
    """Back on the request's screen once it shows `state`."""
    await on_screen(pilot, RequestScreen)
    await until(pilot, lambda: screen.view is not None and screen.view.detail.state == state)
    await until(pilot, lambda: not screen.busy)


async def _shows(pilot: Pilot[Any], selector: str, text: str) -> None:
    await until(pilot, lambda: text in text_of(pilot, selector))


async def _fill(pilot: Pilot[Any], **values: str) -> None:
    for name, value in values.items():
        pilot.app.screen.query_one(f"#{name}", Input).value = value
    await pilot.pause()


def _lines(pilot: Pilot[Any], selector: str) -> list[str]:
    """The lines a widget shows on the screen, as drawn."""
    widget = pilot.app.screen.query_one(selector)
    return [
        "".join(segment.text for segment in widget.render_line(y)).strip()
        for y in range(widget.size.height)
    ]


def _moves(app: YimaiApp) -> set[str]:
    """The moves the footer offers (some may be dimmed: not possible now)."""
    return set(footer_descriptions(app)) & MOVES


def _possible(app: YimaiApp) -> set[str]:
    """The moves that can be made now (shown, not dimmed)."""
    return {
        ab.binding.id or ""
        for ab in app.screen.active_bindings.values()
        if ab.binding.show and ab.enabled
    } & MOVES


def test_a_request_from_classification_to_closing_at_80x24(station: Station) -> None:
    system, org = station.system, station.org
    staff = open_staff(system)
    app_ = system.app
    app_.link_account_member("cadre", station.zhang, "本人账号", actor=station.admin)
    rid, code = _place(system, staff, org)

    def detail() -> Any:
        return app_.get_request(rid, actor=staff.reviewer)

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(80, 24)) as pilot:
            # The clerk sees the new request with its contact masked.
            await log_in(pilot, "clerk", PASSWORD)
            screen = await _open(pilot, rid)
            header = text_of(pilot, "#request-header")
            assert code in header and "待分类" in header and "环境卫生" in header
            details = text_of(pilot, "#request-details")
            assert DESCRIPTION in details and "慕**菊" in details and "137****0123" in details
            assert REQUESTER not in details
            assert "受理（下单）" in text_of(pilot, "#request-timeline")
            assert {"request.classify", "request.reject", "request.contact"} <= _possible(app)
            assert "request.accept" not in _moves(app)  # a clerk does not supervise

            # Rejecting without a reason is refused inline; nothing is stored.
            before = app_.last_position()
            await pilot.press("j")
            await on_screen(pilot, RejectRequestScreen)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            assert text_of(pilot, "#reason-error") == "原因：必填"
            assert app_.last_position() == before
            await pilot.press("escape")
            await on_screen(pilot, RequestScreen)

            # Seeing the contact asks why, and the showing is recorded.
            await pilot.press("o")
            await on_screen(pilot, RevealRequesterScreen)
            await _fill(pilot, reason="电话联系居民核实地址")
            await pilot.press("ctrl+s")
            await on_screen(pilot, RequestScreen)
            await until(pilot, lambda: REQUESTER in text_of(pilot, "#request-details"))
            assert PHONE in text_of(pilot, "#request-details")
            assert app_.last_position() > before
            assert "request.contact" not in _moves(app)

            # Classify: the committee moves it to care and the second branch.
            await pilot.press("k")
            form = await on_screen(pilot, ClassifyScreen)
            branch = form.query_one("#branch_id", Select)
            await until(pilot, lambda: branch.value == str(org.branch))
            form.query_one("#category", Select).value = "care"
            branch.value = str(org.branch2)
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "classified")
            d = detail()
            assert (d.category, d.branch_id) == ("care", org.branch2)
            assert "待认领" in text_of(pilot, "#request-header")
            # At 80 columns the header wraps between its items, never inside one.
            header = text_of(pilot, "#request-header")
            due = header[header.index("限办") :].split(" · ")[0].strip()
            assert re.fullmatch(r"限办 \d{4}-\d\d-\d\d \d\d:\d\d", due)
            await pilot.pause()
            lines = _lines(pilot, "#request-header")
            assert len(lines) == 2 and due in lines[1] and "限领" in lines[0]
            assert "助老助残 · 第二网格党支部" in text_of(pilot, "#request-timeline")

            # The cadre claims it for themself: one key, no form.
            await app.log_out()
            await log_in(pilot, "cadre", PASSWORD)
            screen = await _open(pilot, rid)
            assert "request.claim" in _possible(app)
            assert not {"request.classify", "request.accept", "request.give"} & _moves(app)
            await pilot.press("c")
            await _after(pilot, screen, "claimed")
            assert detail().claimant_id == station.zhang
            history = app_.get_history(rid, actor=staff.reviewer)
            assert (history[-1].event, history[-1].actor) == ("Request.Claimed", "cadre")
            assert "张三" in text_of(pilot, "#request-details")

            # Progress, then the resolution.
            await pilot.press("n")
            await on_screen(pilot, NoteProgressScreen)
            await _fill(pilot, note="已联系物业，灯具明天到货")
            await pilot.press("ctrl+s")
            await on_screen(pilot, RequestScreen)
            await until(pilot, lambda: "灯具明天到货" in text_of(pilot, "#request-timeline"))
            await pilot.press("s")
            await on_screen(pilot, ResolveRequestScreen)
            await _fill(pilot, solution="物业更换了楼道灯", evidence="照片1；维修单2")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "resolved")
            assert _events(system, staff, rid)[-2:] == [
                "Request.ProgressNoted",
                "Request.Resolved",
            ]
            assert "物业更换了楼道灯" in text_of(pilot, "#request-details")

            # The supervisor sends it back; it is resolved again and accepted.
            await app.log_out()
            await log_in(pilot, "supervisor", PASSWORD)
            screen = await _open(pilot, rid)
            assert {"request.accept", "request.send-back"} <= _possible(app)
            assert "request.claim" in _moves(app) - _possible(app)  # dimmed: claimed
            # The line over the footer says what can be done now (the footer is cut short).
            assert text_of(pilot, "#request-moves").startswith("可办理：y 验收  b 退回重办")
            await pilot.press("b")
            await on_screen(pilot, SendBackScreen)
            await _fill(pilot, reason="只换了一层，二楼仍不亮")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "claimed")
            assert detail().moves[-1]["reason"] == "只换了一层，二楼仍不亮"
            assert "只换了一层，二楼仍不亮" in text_of(pilot, "#request-timeline")
            await pilot.press("s")  # recorded for the claimant (requests.record)
            await on_screen(pilot, ResolveRequestScreen)
            await _fill(pilot, solution="两层楼道灯都已更换")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "resolved")
            # `a` is the account menu here as everywhere; accepting is `y`, and confirmed.
            before = app_.last_position()
            await pilot.press("a")
            await on_screen(pilot, AccountScreen)
            await pilot.press("escape")
            await on_screen(pilot, RequestScreen)
            await pilot.press("y")
            confirm = await on_screen(pilot, AcceptResolutionScreen)
            hints = " ".join(str(h.content) for h in confirm.query(".dialog-hint").results(Tr))
            assert code in hints and "认领人获得一颗星" in hints
            await pilot.press("escape")
            await on_screen(pilot, RequestScreen)
            assert (app_.last_position(), detail().state) == (before, "resolved")
            await pilot.press("y")
            await on_screen(pilot, AcceptResolutionScreen)
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "accepted")
            assert _events(system, staff, rid)[-2:] == ["Request.Accepted", "Request.StarAwarded"]

            # The return visit, the public summary, closing.
            await pilot.press("v")
            visit = await on_screen(pilot, VisitScreen)
            visit.query_one("#satisfaction", Select).value = "satisfied"
            await _fill(pilot, comment="灯很亮")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "visited")
            assert "满意：灯很亮" in text_of(pilot, "#request-details")
            await pilot.press("u")
            await on_screen(pilot, PublishScreen)
            summary = pilot.app.screen.query_one("#summary", Input)
            assert summary.value == "助老助残方面的诉求已办结。"
            await _fill(pilot, summary="3号楼楼道灯不亮，物业更换了两层灯具")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "published")
            assert detail().summary == "3号楼楼道灯不亮，物业更换了两层灯具"
            await pilot.press("x")
            await on_screen(pilot, CloseRequestScreen)
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "closed")
            assert "已关闭" in text_of(pilot, "#request-header")
            assert _events(system, staff, rid)[-3:] == [
                "Request.Visited",
                "Request.Published",
                "Request.Closed",
            ]
            timeline = text_of(pilot, "#request-timeline")
            assert timeline.rindex("关闭") > timeline.rindex("公开晒单") > timeline.index("认领")
            # Nothing more to do on a closed request (but to look up the resident).
            assert _possible(app) == {"request.contact"}
            assert "request.accept" in _moves(app)

    run(story)


def test_merge_and_withdraw_in_english_and_a_reviewer_sees_no_moves(station: Station) -> None:
    system, org = station.system, station.org
    staff = open_staff(system)
    original, original_code = _place(system, staff, org)
    duplicate, _ = _place(system, staff, org, description="楼道灯坏了")
    other, _ = _place(
        system, staff, org, requester_kind="anonymous", contact_name=None, contact_phone=None
    )

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(100, 30)) as pilot:
            await log_in(pilot, "clerk", PASSWORD)

            # The duplicate joins the original by its receipt code.
            screen = await _open(pilot, duplicate)
            assert "Placed" in text_of(pilot, "#request-header")
            await pilot.press("m")
            await on_screen(pilot, MergeScreen)
            await _fill(pilot, receipt_code="nope", reason="same stairwell")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#receipt_code-error"))
            assert text_of(pilot, "#receipt_code-error") == "Receipt code: looks like K7Q-4MZ2"
            await _fill(pilot, receipt_code=original_code.lower())
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "merged")
            assert f"merged into {original_code}" in text_of(pilot, "#request-details")
            assert system.app.get_request(original, actor=staff.reviewer).duplicates == [duplicate]
            assert _possible(app) == {"request.contact"}
            await pilot.press("escape")

            # An anonymous request is withdrawn; it has no contact to show.
            screen = await _open(pilot, other)
            assert "request.contact" not in _moves(app)
            await pilot.press("w")
            await on_screen(pilot, WithdrawRequestScreen)
            await _fill(pilot, reason="resident solved it themselves")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "withdrawn")
            history = system.app.get_history(other, actor=staff.reviewer)
            assert history[-1].event == "Request.Withdrawn"
            assert history[-1].fields["reason"] == "resident solved it themselves"
            assert "resident solved it themselves" in text_of(pilot, "#request-timeline")

            # A reviewer reads everything and is offered no move at all.
            await app.log_out()
            await log_in(pilot, "reviewer", PASSWORD)
            screen = await _open(pilot, original)
            assert "Absorbed a duplicate" in text_of(pilot, "#request-timeline")
            assert not _moves(app)
            assert "request.back" in footer_descriptions(app)
            assert not screen.query_one("#request-moves").display
            before = system.app.last_position()
            await pilot.press("k", "c", "y", "w", "m")
            assert system.app.last_position() == before
            # F2: the same screen in Chinese, in place.
            await pilot.press("f2")
            await _shows(pilot, "#request-timeline", "合并重复诉求")
            assert "待分类" in text_of(pilot, "#request-header")

    run(story)


def test_a_supervisor_records_a_claim_gives_it_on_pauses_presses_escalates_and_rejects(
    station: Station,
) -> None:
    system, org = station.system, station.org
    staff = open_staff(system)
    rid, code = _place(system, staff, org)
    system.app.classify_request(rid, actor=staff.clerk)

    def detail() -> Any:
        return system.app.get_request(rid, actor=staff.reviewer)

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(100, 30)) as pilot:
            await log_in(pilot, "supervisor", PASSWORD)
            screen = await _open(pilot, rid)

            # A claim recorded for 李四, found by a fragment of her name.
            await pilot.press("c")
            claim = await on_screen(pilot, ClaimForScreen)
            member = claim.query_one("#member_id", Select)
            await until(pilot, lambda: "找到 2 人" in text_of(pilot, "#member-count"))
            assert member.value == Select.NULL  # none chosen: the supervisor's own claim
            before = system.app.last_position()
            await pilot.press("ctrl+s")  # but this account is no member's
            await until(pilot, lambda: text_of(pilot, "#form-error"))
            assert text_of(pilot, "#form-error") == "本账号没有关联党员：请选择认领的党员"
            assert system.app.last_position() == before
            claim.query_one("#q", Input).focus()
            await pilot.press("李")
            await until(pilot, lambda: member.value == str(station.li))
            assert "找到 1 人" in text_of(pilot, "#member-count")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "claimed")
            assert detail().claimant_id == station.li
            assert "李四" in text_of(pilot, "#request-details")

            # Given on to 张三, with the reason.
            await pilot.press("g")
            give = await on_screen(pilot, GiveScreen)
            await pilot.press(*"张三")
            await until(
                pilot, lambda: give.query_one("#member_id", Select).value == str(station.zhang)
            )
            await _fill(pilot, reason="李四外出学习一周")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "claimed")
            assert detail().claimant_id == station.zhang
            assert "→ 张三" in text_of(pilot, "#request-timeline")

            # The clock: paused with a reason (resolving waits), then resumed by one key.
            await pilot.press("t")
            await on_screen(pilot, PauseClockScreen)
            await _fill(pilot, reason="等待居民出差回来")
            await pilot.press("ctrl+s")
            await on_screen(pilot, RequestScreen)
            await until(pilot, lambda: screen.view is not None and screen.view.detail.paused)
            assert "计时暂停中" in text_of(pilot, "#request-header")
            assert "request.resume" in _possible(app) and "request.pause" not in _moves(app)
            assert "request.resolve" in _moves(app) - _possible(app)
            await pilot.press("t")
            await until(pilot, lambda: screen.view is not None and not screen.view.detail.paused)
            assert "request.pause" in _possible(app)
            assert _events(system, staff, rid)[-2:] == [
                "Request.ClockPaused",
                "Request.ClockResumed",
            ]

            # Pressed, escalated (once), released back to the pool and rejected.
            for key, form, reason in (
                ("p", PressRequestScreen, "已超过约定时间"),
                ("e", EscalateRequestScreen, "需要街道协调供电公司"),
                ("r", ReleaseRequestScreen, "张三无法处理供电问题"),
            ):
                await pilot.press(key)
                await on_screen(pilot, form)
                await _fill(pilot, reason=reason)
                await pilot.press("ctrl+s")
                await on_screen(pilot, RequestScreen)
                await _shows(pilot, "#request-timeline", reason)
            await _after(pilot, screen, "classified")
            d = detail()
            assert (d.presses, d.escalated, d.claimant_id) == (1, True, None)
            header = text_of(pilot, "#request-header")
            assert "已上报街道" in header and "催办 1 次" in header
            assert "request.escalate" in _moves(app) - _possible(app)
            await pilot.press("j")
            await on_screen(pilot, RejectRequestScreen)
            await _fill(pilot, reason="属供电公司职责，已告知居民")
            await pilot.press("ctrl+s")
            await _after(pilot, screen, "rejected")
            assert _events(system, staff, rid)[-1] == "Request.Rejected"
            assert code in text_of(pilot, "#request-header")

    run(story)
