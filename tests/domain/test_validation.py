"""Input checks: each refusal is an InvalidInputError naming its field."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import pytest

from domain import validation as v
from domain.errors import InvalidInputError
from domain.roster import UnitLevel

TODAY = date(2026, 11, 26)


def refused(call, *args, **kwargs) -> InvalidInputError:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- ID numbers (GB 11643) --


@pytest.mark.parametrize(
    "value",
    ["11010519491231002X", "11010519491231002x", " 371202197001020012 ", "371202199001010040"],
)
def test_a_resident_id_number_with_the_right_check_digit_is_accepted(value: str) -> None:
    assert v.id_number("id_number", value) == value.strip().upper()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "wrong check digit"),  # X expected
        ("371202197001020013", "wrong check digit"),
        ("37120219700102001", "18 characters"),
        ("3712021970010200121", "18 characters"),
        ("37120219700102001Y", "18 characters"),
        ("3712021970010X0012", "18 characters"),
    ],
)
def test_a_malformed_id_number_is_refused_naming_the_field(value: str, reason: str) -> None:
    error = refused(v.id_number, "id_number", value)
    assert error.field == "id_number"
    assert reason in error.reason


def test_the_id_number_is_optional() -> None:
    assert v.id_number("id_number", None) is None
    assert v.id_number("id_number", "  ") is None


# -- phones --


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("19912345678", "19912345678"),
        ("0531-87654321", "0531-87654321"),
        ("053187654321", "053187654321"),
        ("010-1234567", "010-1234567"),
    ],
)
def test_mobile_and_landline_numbers_are_accepted(value: str, stored: str) -> None:
    assert v.phone("phone", value) == stored


@pytest.mark.parametrize(
    "value", ["12812345678", "1381234567", "138123456789", "+8613812345678", "0531-123", "abc"]
)
def test_other_phone_numbers_are_refused(value: str) -> None:
    error = refused(v.phone, "head_phone", value)
    assert error.field == "head_phone"


def test_a_phone_is_required_unless_it_is_optional() -> None:
    assert refused(v.phone, "phone", "").reason == "is required"
    assert v.phone("head_phone", " ", required=False) is None


# -- dates --


def test_a_past_date_is_accepted_up_to_today() -> None:
    assert v.past_date("on", TODAY, today=TODAY) == TODAY
    assert v.past_date("on", date(1900, 1, 1), today=TODAY) == date(1900, 1, 1)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "is required"),
        (date(2026, 11, 27), "cannot be in the future"),
        (date(1899, 12, 31), "cannot be before 1900-01-01"),
        ("2020-01-01", "must be a date"),
        (datetime(2020, 1, 1, 12, 0), "must be a date"),
    ],
)
def test_missing_future_ancient_or_non_dates_are_refused(value: object, reason: str) -> None:
    error = refused(v.past_date, "joined_party_on", value, today=TODAY)
    assert error.field == "joined_party_on"
    assert reason in error.reason


# -- text, choices, numbers, ids --


def test_text_is_trimmed_required_bounded_and_free_of_control_characters() -> None:
    assert v.text("name", "  张三 ") == "张三"
    assert refused(v.text, "name", "   ").reason == "is required"
    assert refused(v.text, "name", "x" * 41, max_len=40).reason == "is longer than 40 characters"
    assert refused(v.text, "name", "张\x00三").reason == "contains control characters"
    assert v.optional_text("note", "  ") is None


def test_a_choice_must_be_one_of_the_enum_values() -> None:
    assert v.choice("level", "branch", UnitLevel) is UnitLevel.BRANCH
    error = refused(v.choice, "level", "village", UnitLevel)
    assert error.field == "level"
    assert "subdistrict, community, branch, group" in error.reason
    assert refused(v.choice, "level", None, UnitLevel).field == "level"


@pytest.mark.parametrize("value", [0, -1, 31, True, "3", 2.5, None])
def test_a_household_size_is_a_whole_number_from_1_to_the_maximum(value: object) -> None:
    assert refused(v.positive_int, "size", value, maximum=30).field == "size"


def test_a_size_within_bounds_is_accepted() -> None:
    assert v.positive_int("size", 1, maximum=30) == 1
    assert v.positive_int("size", 30, maximum=30) == 30


def test_ids_are_parsed_and_malformed_ones_refused() -> None:
    ident = uuid4()
    assert v.uuid("member_id", ident) is ident
    assert v.uuid("member_id", str(ident)) == ident
    assert refused(v.uuid, "member_id", "not-an-id").reason == "is not a valid id"
    assert refused(v.uuid, "member_id", "").reason == "is required"
