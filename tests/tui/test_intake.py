"""At the counter: a resident's request is taken with the keyboard alone and the
receipt code shown is the one stored; an anonymous request carries no one; a refused
field is shown next to the field and nothing is stored."""

from __future__ import annotations

from uuid import UUID

from textual.widgets import Input, OptionList, Select

from tests.conftest import ADMIN_PASSWORD, household_draft
from tests.tui.conftest import Station
from tests.tui.support import footer_descriptions, log_in, on_screen, run, text_of, until
from tui.app import YimaiApp
from tui.screens.intake import IntakeScreen
from tui.screens.request import RequestScreen
from tui.screens.request_forms import RevealRequesterScreen


def test_a_household_request_taken_by_keyboard_at_80x24(station: Station) -> None:
    system, org, admin = station.system, station.org, station.admin
    household = system.app.register_household(household_draft(org.branch), actor=admin).id
    system.runner.catch_up()

    async def story() -> None:
        app = YimaiApp(system)
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD, section="intake")
            intake = await on_screen(pilot, IntakeScreen)
            await until(pilot, lambda: intake.categories and intake.units)
            assert app.focused is intake.query_one("#channel")
            assert footer_descriptions(app)["intake.place"] == "受理"

            await pilot.press("enter")  # the channel stays 窗口来访: on to the category
            assert app.focused is intake.query_one("#category")
            await pilot.press("down", "down", "enter")  # open, first category, pick
            assert intake.query_one("#category", Select).value == "environment"
            # The places: 汶源社区, its branch, 鹏泉社区, 第一网格党支部 …
            await pilot.press("enter", "down", *["down"] * 4, "enter")
            assert intake.query_one("#location", Select).value == f"b:{org.branch}"
            await pilot.press("enter", *"3#", "enter")  # the building
            assert intake.query_one("#building", Input).value == "3#"
            await pilot.press("enter")  # a household of the roster (the default)
            assert app.focused is intake.query_one("#household")
            await pilot.press(*"1111")  # part of the head's phone
            matches = intake.query_one("#matches", OptionList)
            await until(pilot, lambda: matches.display and intake.matches)
            assert "李四 · 1号楼 · 139****1111" in str(matches.get_option_at_index(0).prompt)
            await pilot.press("enter")  # the only match is taken
            assert intake.household is not None and intake.household["id"] == household
            assert "李四" in text_of(pilot, "#picked")
            assert app.focused is intake.query_one("#description")
            intake.query_one("#description", Input).value = "楼道灯坏了"
            await pilot.press("enter", "enter")  # urgency stays 一般; Enter there places

            await until(pilot, lambda: intake.placed is not None)
            assert intake.placed is not None
            code = intake.placed.receipt_code
            assert text_of(pilot, "#receipt-code").replace(" ", "") == code
            assert text_of(pilot, "#receipt-detail") == "环境卫生 · 鹏泉社区 › 第一网格党支部 · 3#"
            request_id = system.app.request_for_receipt(code, actor=admin)
            detail = system.app.get_request(request_id, actor=admin)
            assert (detail.channel, detail.category, detail.urgency) == (
                "walk_in",
                "environment",
                "normal",
            )
            assert (detail.community_id, detail.branch_id, detail.building) == (
                org.community,
                org.branch,
                "3#",
            )
            assert (detail.requester_kind, detail.requester_id) == ("household", household)
            assert detail.description == "楼道灯坏了" and detail.receipt_code == code
            history = system.app.get_history(request_id, actor=admin)
            assert [h.event for h in history] == ["Request.Placed"]
            assert history[0].actor == "admin"

            # O opens the new request (over the intake): the requester is the household's
            # head, masked, and where the household lives; Esc comes back to the code.
            await pilot.press("o")
            opened = await on_screen(pilot, RequestScreen)
            assert opened.request_id == request_id
            await until(pilot, lambda: opened.view is not None)
            assert "居民户 李* · 1号楼 · 139****1111" in text_of(pilot, "#request-details")
            assert (detail.contact_name, detail.contact_phone) == ("李*", "139****1111")
            # Seeing the contact (why is asked, the showing recorded) shows it all.
            before = system.app.last_position()
            await pilot.press("o")
            await on_screen(pilot, RevealRequesterScreen)
            await pilot.press(*"回电", "ctrl+s")
            await on_screen(pilot, RequestScreen)
            await until(pilot, lambda: "13900001111" in text_of(pilot, "#request-details"))
            shown_text = "李四 · 1号楼 · 1单元 · 101 · 13900001111"
            assert shown_text in text_of(pilot, "#request-details")
            (shown,) = system.privacy.disclosures(
                actor=admin, subject_id=household, min_position=before + 1
            ).items
            assert (shown["viewer"], shown["reason"]) == ("admin", "回电")
            await pilot.press("escape")
            await on_screen(pilot, IntakeScreen)
            assert text_of(pilot, "#receipt-code").replace(" ", "") == code

            # N: the next request starts on an empty form.
            await pilot.press("n")
            await until(pilot, lambda: intake.placed is None)
            assert app.focused is intake.query_one("#channel")
            assert intake.query_one("#category", Select).value is Select.NULL
            assert intake.query_one("#description", Input).value == ""
            assert intake.household is None

    run(story)


def test_a_refused_field_then_an_anonymous_request_in_english(station: Station) -> None:
    system, org, admin = station.system, station.org, station.admin

    async def story() -> None:
        app = YimaiApp(system, lang="en")
        async with app.run_test(size=(100, 30)) as pilot:
            await log_in(pilot, "admin", ADMIN_PASSWORD, section="intake")
            intake = await on_screen(pilot, IntakeScreen)
            await until(pilot, lambda: intake.categories and intake.units)

            # No category: refused next to it, nothing stored.
            intake.query_one("#location", Select).value = f"c:{org.community}"
            intake.query_one("#description", Input).value = "Noise at night"
            before = system.app.last_position()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#category-error"))
            assert text_of(pilot, "#category-error") == "Category: is required"
            assert app.focused is intake.query_one("#category")
            assert system.app.last_position() == before
            # Choosing one takes the error away at once.
            intake.query_one("#category", Select).value = "dispute"
            await until(pilot, lambda: not text_of(pilot, "#category-error"))

            # A resident's request without a phone: refused by the phone field.
            intake.query_one("#requester_kind", Select).value = "resident"
            await pilot.pause()
            intake.query_one("#contact_name", Input).value = "Wang Wu"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: text_of(pilot, "#contact_phone-error"))
            assert text_of(pilot, "#contact_phone-error") == (
                "Phone: a resident's request needs a phone"
            )
            assert text_of(pilot, "#category-error") == ""
            assert system.app.last_position() == before

            # F3: anonymous, one key away; the name typed before is not sent.
            await pilot.press("f3")
            assert intake.query_one("#requester_kind", Select).value == "anonymous"
            assert not intake.query_one("#contact_name-field").display
            assert "no requester" in text_of(pilot, "#anonymous-note")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: intake.placed is not None)
            assert intake.placed is not None
            assert text_of(pilot, "#receipt-code").replace(" ", "") == intake.placed.receipt_code
            assert "Neighbour disputes" in text_of(pilot, "#receipt-detail")
            detail = system.app.get_request(intake.placed.id, actor=admin)
            assert detail.requester_kind == "anonymous" and detail.requester_id is None
            assert detail.contact_name is None and detail.contact_phone is None
            assert (detail.community_id, detail.branch_id) == (org.community, None)
            assert footer_descriptions(app)["intake.next"] == "Next request"
            assert "intake.place" not in footer_descriptions(app)
            assert isinstance(detail.id, UUID)

    run(story)
