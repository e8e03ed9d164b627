"""Personal data is sealed per subject, opened with that subject's key, erased with it."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.personal import ERASED, MemoryKeyStore, PersonalData, mask_name, mask_phone

FIELDS: dict[str, str | None] = {
    "name": "张三丰",
    "phone": "13812345678",
    "address": "凤城街道1号楼1单元101",
    "id_number": "371202197001020012",
    "note": None,
}


@pytest.fixture
def personal() -> PersonalData:
    return PersonalData(MemoryKeyStore())


def test_sealed_fields_open_again_with_the_subjects_key(personal: PersonalData) -> None:
    subject = uuid4()
    blob = personal.seal(subject, FIELDS)
    assert blob.startswith("v1:")
    assert personal.open(subject, blob) == FIELDS


def test_a_sealed_blob_shows_none_of_the_values(personal: PersonalData) -> None:
    blob = personal.seal(uuid4(), FIELDS)
    for value in ("张三丰", "13812345678", "371202197001020012", "1号楼"):
        assert value not in blob
        assert value.encode() not in blob.encode()


def test_sealing_the_same_fields_twice_gives_different_blobs(personal: PersonalData) -> None:
    subject = uuid4()
    assert personal.seal(subject, FIELDS) != personal.seal(subject, FIELDS)


def test_a_blob_cannot_be_opened_as_another_subject(personal: PersonalData) -> None:
    """The subject id is bound to the ciphertext: a blob moved to another record won't open."""
    keys = MemoryKeyStore()
    personal = PersonalData(keys)
    a, b = uuid4(), uuid4()
    blob = personal.seal(a, FIELDS)
    keys._keys[b] = keys.get_or_create_key(a)  # same key, different subject
    assert personal.open(b, blob) is None


def test_destroying_the_key_erases_the_subject_and_only_that_subject() -> None:
    keys = MemoryKeyStore()
    personal = PersonalData(keys)
    erased, kept = uuid4(), uuid4()
    erased_blob = personal.seal(erased, FIELDS)
    kept_blob = personal.seal(kept, FIELDS)
    keys.destroy_key(erased)
    assert personal.open(erased, erased_blob) is None
    assert personal.open(kept, kept_blob) == FIELDS
    keys.destroy_key(erased)  # destroying twice is harmless


def test_a_tampered_blob_does_not_open(personal: PersonalData) -> None:
    subject = uuid4()
    blob = personal.seal(subject, FIELDS)
    tampered = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    assert personal.open(subject, tampered) is None


def test_identity_keys_ignore_case_and_surrounding_space(personal: PersonalData) -> None:
    a = personal.identity_key("id", "11010519491231002X")
    assert a == personal.identity_key("id", " 11010519491231002x ")
    assert len(a) == 64
    assert "11010519491231002X" not in a


def test_identity_keys_depend_on_every_part_and_on_the_pepper(personal: PersonalData) -> None:
    key = personal.identity_key("nbp", "张三", "1970-01-02", "13812345678")
    assert key != personal.identity_key("nbp", "张三", "1970-01-03", "13812345678")
    assert key != personal.identity_key("nbp", "张三1970-01-02", "", "13812345678")
    other_pepper = PersonalData(MemoryKeyStore())
    assert key != other_pepper.identity_key("nbp", "张三", "1970-01-02", "13812345678")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("李四", "李*"),
        ("欧阳娜娜", "欧**娜"),
        ("王", "王*"),
        ("", ERASED),
        (None, ERASED),
    ],
)
def test_names_are_masked_keeping_the_first_and_last_character(
    name: str | None, masked: str
) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0531-87654321", "053******4321"),
        ("1234567", "*******"),
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_phones_are_masked_and_never_shown_whole(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked
    if phone:
        assert mask_phone(phone) != phone
