"""Micro-wishes and alliance needs at the station: a clerk posts an old resident's wish
for reading glasses, a cadre claims and fulfils it, the clerk confirms it and a
supervisor publishes it; the committee lists needs, a resident unit claims up to its
limit, and one more is refused; a need is withdrawn with a reason; a reviewer only reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from textual.pilot import Pilot
from textual.widgets import Input

from domain.dto import NeedDraft
from projections.system import System
from tests.conftest import PASSWORD, Staff, household_draft, open_staff
from tests.tui.conftest import Station
from tests.tui.support import footer_descriptions, log_in, on_screen, run, text_of, until
from tui.app import YimaiApp
from tui.screens.board import PickScreen
from tui.screens.wish import WishScreen
from tui.screens.wish_forms import (
    ClaimNeedScreen,
    ConfirmScreen,
    FulfilScreen,
    ListNeedScreen,
    PostWishScreen,
    PublishScreen,
    WithdrawScreen,
)
from tui.screens.wishes import WishesScreen
from tui.widgets.localized import ChoiceSelect

STEPS = {
    "wish.claim",
    "wish.release",
    "wish.fulfil",
    "wish.confirm",
    "wish.send-back",
    "wish.publish",
    "wish.withdraw",
}


def _possible(app: YimaiApp) -> set[str]:
    """The steps that can be taken now (shown, not dimmed)."""
    return {
        ab.binding.id or ""
        for ab in app.screen.active_bindings.values()
        if ab.binding.show and ab.enabled
    } & STEPS


async def _fill(pilot: Pilot[Any], **values: str) -> None:
    for name, value in values.items():
        pilot.app.screen.query_one(f"#{name}", Input).value = value
    await pilot.pause()


async def _list(pilot: Pilot[Any], user: str) -> WishesScreen:
    app = pilot.app
    assert isinstance(app, YimaiApp)
    if app.principal is not None:
        await app.log_out()
    await log_in(pilot, user, PASSWORD, section="wishes")
    screen = await on_screen(pilot, WishesScreen)
    await until(pilot, lambda: screen.ready and screen.table.total is not None)
    return screen


async def _open_first(pilot: Pilot[Any], screen: WishesScreen) -> WishScreen:
    await until(pilot, lambda: bool(screen.table.total))
    await pilot.press("enter")
    item = await on_screen(pilot, WishScreen)
    await until(pilot, lambda: item.view is not None)
    return item


async def _after(pilot: Pilot[Any], item: WishScreen, state: str) -> None:
    await on_screen(pilot, WishScreen)
    await until(pilot, lambda: item.view is not None and item.view.detail.state == state)
    await until(pilot, lambda: not item.busy)


def _wish_events(system: System, staff: Staff, wish_id: UUID) -> list[tuple[str, str]]:
    return [(e.event, e.actor) for e in system.app.get_history(wish_id, actor=staff.reviewer)]


def test_a_micro_wish_from_posting_to_publication_at_80x24(station: Station) -> None:
    system, org = station.system, station.org
    staff = open_staff(system)
    app_ = system.app
    app_.link_account_member("cadre", station.zhang, "本人账号", actor=station.admin)
    household = app_.register_household(
        household_draft(org.branch, head_name="王桂兰", head_phone="13600002222"),
        actor=station.admin,
    ).id
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(80, 24)) as pilot:
            # The clerk posts the wish for a household found by part of the head's name.
            screen = await _list(pilot, "clerk")
            assert "没有符合条件的项目" in text_of(pilot, "#wishes-count")
            await pilot.press("n")
            form = await on_screen(pilot, PostWishScreen)
            await pilot.press(*"王桂")
            picked = form.query_one("#household_id", ChoiceSelect)
            await until(pilot, lambda: picked.selected == str(household))
            # The title goes public: the resident's name in it is refused inline.
            await _fill(pilot, title="王桂兰想要老花镜", wish="想要一副老花镜，看报纸用")
            before = app_.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#title-error"))
            assert text_of(pilot, "#title-error").startswith("标题：")
            assert app_.last_position() == before
            await _fill(pilot, title="独居老人想要一副老花镜")
            await pilot.press("ctrl+s")
            await on_screen(pilot, WishesScreen)
            await until(pilot, lambda: screen.table.total == 1)
            page = system.requests.wishes(actor=staff.reviewer)
            wish_id = page.items[0]["id"]
            stored = app_.get_wish(wish_id, actor=staff.reviewer)
            assert (stored.state, stored.details["household_id"]) == ("open", str(household))
            assert stored.details["wish"] == "想要一副老花镜，看报纸用"

            # The cadre claims it for themself (one key) and fulfils it.
            screen = await _list(pilot, "cadre")
            item = await _open_first(pilot, screen)
            assert "独居老人想要一副老花镜" in text_of(pilot, "#wish-header")
            assert "想要一副老花镜，看报纸用" in text_of(pilot, "#wish-details")
            assert _possible(app) == {"wish.claim", "wish.withdraw"}
            await pilot.press("c")
            await _after(pilot, item, "claimed")
            assert app_.get_wish(wish_id, actor=staff.reviewer).claimant_id == station.zhang
            assert "张三" in text_of(pilot, "#wish-details")
            await pilot.press("f")
            await on_screen(pilot, FulfilScreen)
            await _fill(pilot, note="已送到老人家中")
            await pilot.press("ctrl+s")
            await _after(pilot, item, "fulfilled")
            assert "已送到老人家中" in text_of(pilot, "#wish-timeline")
            assert "wish.confirm" not in footer_descriptions(app)  # a cadre does not confirm

            # The clerk confirms it came true.
            screen = await _list(pilot, "clerk")
            item = await _open_first(pilot, screen)
            assert _possible(app) == {"wish.confirm", "wish.send-back"}
            await pilot.press("y")
            await on_screen(pilot, ConfirmScreen)
            await pilot.press("ctrl+s")
            await _after(pilot, item, "confirmed")

            # The supervisor publishes it with a summary.
            screen = await _list(pilot, "supervisor")
            item = await _open_first(pilot, screen)
            assert _possible(app) == {"wish.publish"}
            await pilot.press("u")
            await on_screen(pilot, PublishScreen)
            await _fill(pilot, summary="为独居老人送去一副老花镜")
            await pilot.press("ctrl+s")
            await _after(pilot, item, "published")
            assert "已公开" in text_of(pilot, "#wish-header")
            assert _wish_events(system, staff, wish_id) == [
                ("Wish.Posted", "clerk"),
                ("Wish.Claimed", "cadre"),
                ("Wish.Fulfilled", "cadre"),
                ("Wish.Confirmed", "clerk"),
                ("Wish.Published", "supervisor"),
            ]
            public = system.requests.public_wishes()
            assert [w["summary"] for w in public.items] == ["为独居老人送去一副老花镜"]

    run(story)


def test_needs_claimed_by_a_unit_up_to_its_limit_in_english(station: Station) -> None:
    system, org = station.system, station.org
    staff = open_staff(system)
    app_ = system.app
    unit = app_.register_resident_unit(
        "莱芜供电公司", "enterprise", org.community, actor=station.admin
    ).id
    for title in ("健身器材维修", "楼道粉刷"):
        draft = NeedDraft(org.community, title, f"{title}，约需两天", "物业服务联盟")
        receipt = app_.list_need(draft, actor=staff.clerk)
        app_.claim_need(receipt.id, unit, actor=staff.clerk)
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(100, 30)) as pilot:
            # The clerk lists a third need from the needs list.
            screen = await _list(pilot, "clerk")
            await pilot.press("t")
            await until(pilot, lambda: screen.kind == "need" and screen.table.total == 2)
            assert "Alliance needs" in text_of(pilot, "#wishes-filters")
            await pilot.press("n")
            form = await on_screen(pilot, ListNeedScreen)
            form.query_one("#community_id", ChoiceSelect).value = str(org.community)
            await _fill(
                pilot, title="安装充电桩", description="小区需要两处充电桩", alliance="物业服务联盟"
            )
            await pilot.press("ctrl+s")
            await on_screen(pilot, WishesScreen)
            await until(pilot, lambda: screen.table.total == 3)
            need = system.requests.needs(actor=staff.reviewer, state="open").items[0]["id"]

            # The unit already holds two: a third claim is refused inline, nothing stored.
            await pilot.press("s")  # the open ones only
            await on_screen(pilot, PickScreen)
            await pilot.press("down", "enter")
            await until(pilot, lambda: screen.state == "open" and screen.table.total == 1)
            assert "State Open" in text_of(pilot, "#wishes-filters")
            item = await _open_first(pilot, screen)
            assert item.item_id == need
            assert _possible(app) == {"wish.claim", "wish.withdraw"}
            await pilot.press("c")
            claim = await on_screen(pilot, ClaimNeedScreen)
            units = claim.query_one("#resident_unit_id", ChoiceSelect)
            await until(pilot, lambda: units.selected == str(unit))
            before = app_.last_position()
            await pilot.press("ctrl+s")
            error = "The unit holds as many open claims as it may; finish one first"
            await until(pilot, lambda: error in text_of(pilot, "#form-error"))
            assert app_.last_position() == before
            assert app_.get_need(need, actor=staff.reviewer).state == "open"
            await pilot.press("escape")
            await on_screen(pilot, WishScreen)

            # Withdrawn, with the reason: asked, recorded, shown.
            await pilot.press("w")
            await on_screen(pilot, WithdrawScreen)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#reason-error"))
            await _fill(pilot, reason="the compound installs them itself")
            await pilot.press("ctrl+s")
            await _after(pilot, item, "withdrawn")
            assert _possible(app) == set()
            assert "the compound installs them itself" in text_of(pilot, "#wish-timeline")
            history = app_.get_history(need, actor=staff.reviewer)
            assert history[-1].event == "Need.Withdrawn"
            assert history[-1].fields["reason"] == "the compound installs them itself"

            # A reviewer reads the needs and one need, with no step offered.
            await pilot.press("escape")
            screen = await _list(pilot, "reviewer")
            assert "wishes.post" not in footer_descriptions(app)
            await pilot.press("t")
            await until(pilot, lambda: screen.kind == "need" and screen.table.total == 3)
            assert "wishes.list-need" not in footer_descriptions(app)
            await _open_first(pilot, screen)
            assert not STEPS & set(footer_descriptions(app))
            assert not pilot.app.screen.query_one("#wish-moves").display

    run(story)
