"""Guards found by an independent review of the four orders: what may not be published,
who may take work off the board, and where the catalogue answers 404, 409 or 422."""

from __future__ import annotations

import pytest

from domain.dto import HouseholdDraft, WishDraft
from domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from domain.orders import check_public_text
from projections.system import System
from tests.application.support import People, refused, request_draft, request_in, wish_in
from tests.conftest import Org, Staff


@pytest.mark.parametrize(
    "text",
    [
        "于2026-11-20至2026-11-22完成维修",
        "2026/3/5 更换了楼道灯",
        "三号楼的路灯已修复，用时两天",
    ],
)
def test_a_summary_may_say_when(text: str) -> None:
    assert check_public_text("summary", text, ["王五", "13912345678"]) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("联系电话139.1234.5678", "phone"),
        ("联系电话 139 1234 5678", "phone"),
        ("身份证37030319800101123X", "phone"),
        ("胡先生家的问题已解决，16号楼2单元402室", "room"),
        ("3号楼2单元402已修好", "room"),
        ("3-2-402 的漏水已处理", "phone"),
        ("王 五家的问题已解决", "name"),
        ("王五家的问题已解决", "name"),
    ],
)
def test_a_summary_holding_personal_data_is_refused(text: str, why: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_public_text("summary", text, ["王五", "13912345678"])
    assert caught.value.field == "summary"


def test_a_wish_title_never_names_the_household_head(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    household = app.register_household(
        HouseholdDraft(
            branch_id=org.branch,
            building="10号楼",
            unit="1单元",
            room="1303",
            head_name="徐亮",
            head_phone="13800001111",
            size=2,
        ),
        actor=staff.clerk,
    ).id
    for title in ("徐亮想要一台收音机", "想要一台收音机 10号楼1单元1303"):
        with refused(system, InvalidInputError, field="title", case=title):
            app.post_wish(
                WishDraft(
                    community_id=org.community,
                    title=title,
                    wish="老人想听戏",
                    household_id=household,
                ),
                actor=staff.clerk,
            )


def test_once_claimed_only_the_committee_withdraws_a_request_or_wish(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app = system.app
    claimed = request_in(system, staff.supervisor, org, "claimed", claimant=people.helper)
    with refused(system, PermissionDeniedError):
        app.withdraw_request(claimed, "居民说不用了", actor=staff.cadre)
    app.withdraw_request(claimed, "居民说不用了", actor=staff.clerk)
    # Before anyone claims it, whoever took the request withdraws it on the resident's word.
    placed = request_in(system, staff.supervisor, org, "placed")
    app.withdraw_request(placed, "居民自行解决", actor=staff.cadre)
    wish = wish_in(system, staff.supervisor, org, "claimed", claimant=people.helper)
    with refused(system, PermissionDeniedError):
        app.withdraw_wish(wish, "居民搬走了", actor=staff.cadre)


def test_a_duplicate_is_merged_only_within_its_community(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    here = request_in(system, staff.supervisor, org, "placed")
    there = app.place_request(
        request_draft(org, community_id=org.other_community, branch_id=org.other_branch),
        actor=staff.clerk,
    ).id
    with refused(system, RuleViolationError, rule="other_community"):
        app.merge_request(here, there, "重复反映", actor=staff.clerk)


def test_the_catalogue_answers_not_found_retired_and_bad_limits_apart(
    system: System, staff: Staff
) -> None:
    app, admin = system.app, staff.admin
    with refused(system, NotFoundError):
        app.retire_category("nowhere", "x", actor=admin)
    with refused(system, InvalidInputError, field="resolve_hours"):
        app.change_category_limits("environment", 30, 24, "x", actor=admin)
    app.retire_category("other", "并入其他类别", actor=admin)
    with refused(system, RuleViolationError, rule="category_retired"):
        app.retire_category("other", "again", actor=admin)


def test_a_receipt_code_read_out_without_its_dash_still_finds_the_request(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    receipt = app.place_request(request_draft(org), actor=staff.clerk)
    spoken = receipt.receipt_code.replace("-", "").lower()
    assert app.request_for_receipt(spoken, actor=staff.clerk) == receipt.id
    assert app.request_for_receipt(f" {spoken[:3]} {spoken[3:]} ", actor=staff.clerk) == receipt.id
