"""Every visible string has a Chinese and an English text; every enum value a label."""

from __future__ import annotations

import re
import string
from enum import StrEnum
from pathlib import Path

import pytest

from domain.access import Role
from domain.errors import (
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
    RuleViolationError,
    ThrottledError,
)
from domain.requests import Channel, RequesterKind, RequestState, Urgency
from domain.roster import (
    AppointmentRole,
    BranchKind,
    ContactChannel,
    DeregistrationCause,
    Gender,
    GroupKind,
    MemberKind,
    ResidentUnitKind,
    UnitLevel,
)
from tui import i18n
from tui.errors import describe

#: Why a request is in the supervision queue (the reasons projections.requests gives).
QueueReason = StrEnum(
    "QueueReason",
    ["awaiting_acceptance", "overdue", "awaiting_publication", "pressed", "escalated"],
)

TUI = Path(__file__).resolve().parents[2] / "tui"
NAMESPACES = [
    "app",
    "account",
    "bind",
    "col",
    "done",
    "error",
    "event",
    "field",
    "form",
    "help",
    "history",
    "list",
    "login",
    "member",
    "palette",
    "placeholder",
    "post",
    "reason",
    "roster",
    "rule",
    "select",
    "setup",
]
# Every namespace an area's texts use (tui/text/*.py) is checked too.
NAMESPACES = sorted(set(NAMESPACES) | {k.split(".", 1)[0] for k in i18n.CATALOGUE})
KEY = re.compile(r"""["']((?:""" + "|".join(NAMESPACES) + r""")\.[A-Za-z0-9_.\-]+)["']""")
BINDING_ID = re.compile(r"""id=["']([a-z]+\.[a-z0-9\-]+)["']""")


def _sources() -> str:
    return "\n".join(p.read_text() for p in TUI.rglob("*.py"))


@pytest.fixture(autouse=True)
def _chinese_after() -> object:
    yield None
    i18n.set_language("zh")


def test_every_key_the_screens_use_is_in_the_catalogue() -> None:
    # Binding lines name ids and actions, not texts (the next test checks those).
    lines = _sources().splitlines()
    text = "\n".join(x for x in lines if "Binding(" not in x and "_ACTIONS" not in x)
    # A key ending in "." is the fixed part of one built in an f-string.
    used = {k for k in KEY.findall(BINDING_ID.sub("", text)) if not k.endswith(".")}
    assert used, "the pattern found no keys at all"
    # A label kind ("board.channel" for EnumSelect) names the keys under it.
    kinds = {k.rsplit(".", 1)[0] for k in i18n.CATALOGUE}
    missing = sorted(k for k in used if k not in i18n.CATALOGUE and k not in kinds)
    assert not missing


def test_every_binding_id_has_a_description_in_both_languages() -> None:
    ids = set(BINDING_ID.findall(_sources())) - {"form-error", "log-in"}
    ids = {i for i in ids if "." in i}
    assert {"roster.register", "roster.transfer", "app.help", "form.save"} <= ids
    missing = sorted(i for i in ids if f"bind.{i}" not in i18n.CATALOGUE)
    assert not missing


def test_both_languages_say_everything_with_the_same_placeholders() -> None:
    fields = string.Formatter()
    for key, (zh, en) in i18n.CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        names_zh = {f for _, f, _, _ in fields.parse(zh) if f}
        names_en = {f for _, f, _, _ in fields.parse(en) if f}
        assert names_zh == names_en, key


@pytest.mark.parametrize(
    ("kind", "enum"),
    [
        ("level", UnitLevel),
        ("branch_kind", BranchKind),
        ("group_kind", GroupKind),
        ("member_kind", MemberKind),
        ("gender", Gender),
        ("cause", DeregistrationCause),
        ("channel", ContactChannel),
        ("role", Role),
        ("appointment", AppointmentRole),
        ("resident_unit_kind", ResidentUnitKind),
        ("request_state", RequestState),
        ("request_channel", Channel),
        ("urgency", Urgency),
        ("requester_kind", RequesterKind),
        ("queue_reason", QueueReason),
    ],
)
def test_every_enum_value_has_a_label_in_both_languages(kind: str, enum: type[StrEnum]) -> None:
    for value in enum:
        assert f"{kind}.{value.value}" in i18n.CATALOGUE
        i18n.set_language("zh")
        zh = i18n.label(kind, value)
        i18n.set_language("en")
        en = i18n.label(kind, value)
        assert zh != value.value or en != value.value


def test_switching_the_language_switches_every_text() -> None:
    i18n.set_language("zh")
    assert i18n.t("roster.register") == "roster.register"  # unknown keys show themselves
    assert i18n.t("bind.roster.register") == "登记"
    assert i18n.label("branch_kind", "direct") == "直管型"
    i18n.set_language("en")
    assert i18n.t("bind.roster.register") == "Register"
    assert i18n.label("branch_kind", "direct") == "Direct"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_domain_errors_read_in_the_station_language() -> None:
    phone = InvalidInputError(
        "phone", "must be an 11-digit mobile number or an area code and landline"
    )
    posts = RuleViolationError(
        "member_holds_posts",
        "end the member's appointments first: secretary of 第一网格党支部, liaison of 1号楼党小组",
    )
    i18n.set_language("zh")
    assert describe(phone) == "手机号码：须为11位手机号，或区号加座机号"
    assert describe(InvalidInputError("name", "is longer than 40 characters")).endswith("40 个字")
    assert describe(ThrottledError("slow down", 42)) == "登录失败次数过多，请 42 秒后再试"
    assert "用户名或密码错误" in describe(AuthenticationError("wrong"))
    assert "demo-reviewer" in describe(PermissionDeniedError("no"), user="demo-reviewer")
    assert describe(posts) == "请先结束该党员的任职：第一网格党支部书记、1号楼党小组联络员"
    i18n.set_language("en")
    assert describe(phone) == (
        "Phone: must be an 11-digit mobile number or an area code and landline"
    )
    assert describe(posts).endswith("Secretary of 第一网格党支部, Liaison of 1号楼党小组")
