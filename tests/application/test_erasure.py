"""A person asks to be forgotten: an admin erases them, with a reason. The erasure is an
event; then their key is destroyed. Their events stay where they are, and everything
that showed their fields shows "[erased]" instead - details, histories, read models, a
rebuild - while `yimai verify` still passes."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from cli.main import main
from domain.dto import (
    ErasureReceipt,
    HouseholdCorrection,
    MemberCorrection,
    RequestDraft,
    WishDraft,
)
from domain.errors import (
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.personal import ERASED
from domain.privacy import ErasedError, PrivacyError
from domain.roster import HouseholdLink, RosterError
from projections.requests import board
from projections.roster import contacts, households, members
from projections.runner import rows
from projections.system import System
from tests.application.support import (
    ADDRESS,
    HEAD,
    HEAD_PHONE,
    ID_NUMBER,
    NAME,
    NOTE,
    PHONE,
    REQUESTER,
    REQUESTER_PHONE,
    events_after,
    names,
    refused,
    request_draft,
)
from tests.conftest import Org, Staff, household_draft, member_draft


def register(system: System, staff: Staff, org: Org) -> UUID:
    """欧阳秀英, with her ID number, phone and address; corrected once."""
    app = system.app
    member = app.register_member(
        member_draft(org.branch, name=NAME, phone=PHONE, address=ADDRESS, id_number=ID_NUMBER),
        actor=staff.clerk,
    ).id
    app.correct_member(member, MemberCorrection(gender="female"), "核对", actor=staff.clerk)
    return member


def of_household(org: Org, household: UUID) -> RequestDraft:
    """A request a household places (its contact is the household's own)."""
    return request_draft(
        org,
        requester_kind="household",
        household_id=household,
        contact_name=None,
        contact_phone=None,
    )


def table(system: System, t: sa.Table) -> list[tuple[Any, ...]]:
    with system.db.read.connect() as conn:
        return rows(conn, t, t.c.id)


def test_only_an_admin_erases_and_only_with_a_reason(
    system: System, staff: Staff, org: Org
) -> None:
    member = register(system, staff, org)
    for someone in (staff.clerk, staff.cadre, staff.supervisor, staff.reviewer):
        with refused(system, PermissionDeniedError, case=someone.username):
            system.app.erase_person(member, "本人申请", actor=someone)
    for reason in ("", "   "):
        with refused(system, InvalidInputError, field="reason", case=reason):
            system.app.erase_person(member, reason, actor=staff.admin)
    with refused(system, NotFoundError):
        system.app.erase_person(uuid4(), "本人申请", actor=staff.admin)
    with refused(system, NotFoundError):  # a branch is nobody
        system.app.erase_person(org.branch, "本人申请", actor=staff.admin)
    with refused(system, InvalidInputError, field="subject_id"):
        system.app.erase_person("not-an-id", "本人申请", actor=staff.admin)
    assert not system.app.get_member(member, actor=staff.clerk).erased


def test_an_erased_member_reads_erased_everywhere_and_stays_erased_after_a_rebuild(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = register(system, staff, org)
    start = app.last_position()

    receipt = app.erase_person(member, "本人申请删除个人信息", actor=staff.admin)

    assert isinstance(receipt, ErasureReceipt)
    assert (receipt.subject_id, receipt.subject_kind, receipt.erased) == (
        member,
        "member",
        [member],
    )
    assert receipt.purged and not receipt.completed
    stored = events_after(system, start)
    # The identity index lets go of her (she may be registered again), then the record.
    assert names(stored) == ["PersonIndex.Released", "Erasure.Recorded"]
    erasure = stored[-1]
    assert (erasure.subject_id, erasure.subject_kind, erasure.subjects) == (
        member,
        "member",
        [member],
    )
    assert (erasure.reason, erasure.actor) == ("本人申请删除个人信息", "admin")
    assert receipt.position == app.last_position()

    detail = app.get_member(member, actor=staff.reviewer)
    assert detail.erased and detail.name == ERASED
    assert (detail.phone, detail.address, detail.gender, detail.id_number_masked) == (
        None,
        None,
        None,
        None,
    )
    history = app.get_history(member, actor=staff.reviewer)
    assert [h.event for h in history] == ["Member.Registered", "Member.Corrected"]
    assert history[0].fields["personal"] == ERASED
    assert "personal" not in history[1].fields or history[1].fields["personal"] == ERASED
    assert history[1].fields["fields"] == ["gender"]  # what changed is no secret

    # The roster blanks her as it applies the erasure: no name, phone or gender left.
    page = system.roster.search_members(
        "", actor=staff.clerk, unit_id=org.branch, min_position=receipt.position
    )
    (row,) = [r for r in page.items if r.id == member]
    assert (row.name, row.phone, row.gender) == (ERASED, None, None)
    assert system.roster.search_members(PHONE, actor=staff.clerk).total == 0
    assert system.roster.search_members(NAME, actor=staff.clerk).total == 0
    # A rebuild, which can no longer open her fields, leaves exactly the same rows.
    before = table(system, members)
    system.runner.rebuild(["roster"])
    assert table(system, members) == before

    # Nothing can be opened under her, nor sealed anew.
    with refused(system, RosterError, rule="erased"):
        app.correct_member(member, MemberCorrection(phone="13500001111"), "x", actor=staff.clerk)
    with refused(system, PrivacyError, rule="already_erased"):
        app.erase_person(member, "again", actor=staff.admin)
    # The same person may be registered again: a new member, with a key of their own.
    again = app.register_member(
        member_draft(org.branch, name=NAME, phone=PHONE, address=ADDRESS, id_number=ID_NUMBER),
        actor=staff.clerk,
    ).id
    assert app.get_member(again, actor=staff.clerk).name == NAME


def test_erasing_a_household_erases_its_requests_wishes_and_contact_notes(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = app.register_member(member_draft(org.branch), actor=staff.clerk).id
    home = app.register_household(
        household_draft(org.branch, head_name=HEAD, head_phone=HEAD_PHONE), actor=staff.clerk
    ).id
    app.link_household(member, home, actor=staff.clerk)
    app.log_contact(member, home, "visit", note=NOTE, actor=staff.clerk)
    theirs = app.place_request(
        request_draft(
            org,
            requester_kind="household",
            household_id=home,
            contact_name=None,
            contact_phone=None,
        ),
        actor=staff.clerk,
    ).id
    app.classify_request(theirs, branch_id=org.branch, actor=staff.clerk)
    app.claim_request(theirs, member_id=member, actor=staff.clerk)
    app.note_progress(theirs, "联系了户主", actor=staff.clerk)
    wish = app.post_wish(
        WishDraft(
            community_id=org.community, title="一副老花镜", wish="看报纸看不清", household_id=home
        ),
        actor=staff.clerk,
    ).id
    other = app.place_request(request_draft(org), actor=staff.clerk).id
    start = app.last_position()

    receipt = app.erase_person(home, "户主去世，家属申请", actor=staff.admin)

    assert receipt.subject_kind == "household"
    assert receipt.erased[0] == home and set(receipt.erased) == {home, theirs, wish}
    (erasure,) = events_after(system, start)
    assert set(erasure.subjects) == {home, theirs, wish}
    household = app.get_household(home, actor=staff.clerk)
    assert household.erased and household.head_name == ERASED and household.head_phone is None
    request = app.get_request(theirs, actor=staff.clerk)
    assert request.erased and request.description == ERASED
    assert app.get_wish(wish, actor=staff.clerk).erased
    assert not app.get_request(other, actor=staff.clerk).erased  # somebody else's
    progress = [h for h in app.get_history(theirs, actor=staff.reviewer) if h.fields.get("note")]
    assert progress[0].fields["note"] == ERASED
    placed = app.get_history(theirs, actor=staff.reviewer)[0]
    assert placed.fields["personal"] == ERASED
    link = app.get_history(HouseholdLink.id_for(member, home), actor=staff.reviewer)
    logged = [h for h in link if h.event == "HouseholdLink.ContactLogged"]
    assert logged[0].fields["note"] == ERASED

    # The read models blank what they had opened; a rebuild leaves the same rows.
    system.runner.wait_for(receipt.position)
    (contact,) = system.roster.contact_log(actor=staff.clerk, household_id=home)
    assert app.open_note(home, contact["note_sealed"]) == ERASED
    with system.db.read.connect() as conn:
        excerpts = dict(conn.execute(sa.select(board.c.id, board.c.excerpt)).tuples().all())
        head = conn.execute(
            sa.select(households.c.head_name, households.c.unit, households.c.head_phone).where(
                households.c.id == home
            )
        ).one()
    assert excerpts[theirs] == ERASED and excerpts[other] != ERASED
    assert tuple(head) == (ERASED, None, None)
    before = (table(system, households), table(system, board), table(system, contacts))
    system.runner.rebuild(["roster", "requests"])
    assert (table(system, households), table(system, board), table(system, contacts)) == before

    # Nothing new is sealed under them, nor taken for the erased household.
    with refused(system, ErasedError, rule="erased"):
        app.log_contact(member, home, "phone", note="又打了电话", actor=staff.clerk)
    with refused(system, ErasedError, rule="erased"):
        app.note_progress(theirs, "再次联系", actor=staff.clerk)
    with refused(system, ErasedError, rule="erased"):
        app.place_request(of_household(org, home), actor=staff.clerk)
    with refused(system, RosterError, rule="erased"):
        app.correct_household(home, HouseholdCorrection(room="102"), "x", actor=staff.clerk)
    # Its request was erased with it.
    with refused(system, PrivacyError, rule="already_erased"):
        app.erase_person(theirs, "again", actor=staff.admin)
    # Work that seals nothing goes on: the request can be withdrawn.
    app.withdraw_request(theirs, "居民已搬离", actor=staff.clerk)


def test_a_resident_who_placed_a_request_is_erased_by_the_request(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    request = app.place_request(request_draft(org), actor=staff.clerk).id
    app.classify_request(request, branch_id=org.branch, actor=staff.clerk)
    receipt = app.erase_person(request, "居民申请", actor=staff.admin)
    assert (receipt.subject_kind, receipt.erased) == ("request", [request])
    detail = app.get_request(request, actor=staff.clerk)
    assert detail.erased and detail.description == ERASED
    assert (detail.contact_name, detail.contact_phone) == (None, None)
    assert detail.state == "classified"  # the work itself is no secret
    # A micro-wish posted for a resident without a household: the same.
    wish = app.post_wish(
        WishDraft(
            community_id=org.community,
            title="一台收音机",
            wish="想听戏",
            resident_name=REQUESTER,
            contact_phone=REQUESTER_PHONE,
        ),
        actor=staff.clerk,
    ).id
    assert app.erase_person(wish, "居民申请", actor=staff.admin).subject_kind == "wish"
    assert app.get_wish(wish, actor=staff.clerk).details.get("resident_name") is None


def test_an_erasure_cut_short_before_the_keys_went_is_finished_by_running_it_again(
    system: System, staff: Staff, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = system.app
    member = register(system, staff, org)

    def power_cut(subjects: list[UUID]) -> bool:
        raise OSError("the machine went down")

    with monkeypatch.context() as patch:
        patch.setattr(app, "_destroy_keys", power_cut)
        with pytest.raises(OSError):
            app.erase_person(member, "本人申请", actor=staff.admin)
    # The record is there, the key still too: half done.
    assert names(events_after(system, app.last_position() - 1)) == ["Erasure.Recorded"]
    assert not app.get_member(member, actor=staff.clerk).erased

    head = app.last_position()
    receipt = app.erase_person(member, "再次执行", actor=staff.admin)
    assert receipt.completed and receipt.erased == [member]
    assert app.last_position() == head  # finished, not recorded twice
    assert app.get_member(member, actor=staff.clerk).erased
    with refused(system, PrivacyError, rule="already_erased"):
        app.erase_person(member, "第三次", actor=staff.admin)


def test_two_admins_erasing_one_person_at_once_record_one_erasure(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    member = register(system, staff, org)
    start = app.last_position()
    barrier = threading.Barrier(2)
    answers: list[object] = []

    def erase() -> None:
        barrier.wait()
        try:
            answers.append(app.erase_person(member, "本人申请", actor=staff.admin))
        except DomainError as error:
            answers.append(error)

    threads = [threading.Thread(target=erase) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert names(events_after(system, start)).count("Erasure.Recorded") == 1
    # One recorded it; the other, retried, found the record: it finished the job if the
    # keys were still there, or said the person is already erased.
    receipts = [a for a in answers if isinstance(a, ErasureReceipt)]
    assert sum(not r.completed for r in receipts) == 1
    for other in answers:
        if not isinstance(other, ErasureReceipt):
            assert isinstance(other, PrivacyError) and other.rule == "already_erased", other
        else:
            assert other.erased == [member]
    assert app.get_member(member, actor=staff.clerk).erased


def test_yimai_verify_still_passes_after_an_erasure(
    system: System, staff: Staff, org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    member = register(system, staff, org)
    system.seal.ensure_key()
    system.seal.catch_up()
    system.seal.checkpoint()
    system.app.erase_person(member, "本人申请", actor=staff.admin)
    system.seal.catch_up()
    system.seal.checkpoint()
    capsys.readouterr()
    url = system.settings.database_url
    assert main(["--database", url, "verify"]) == 0
    assert "OK" in capsys.readouterr().out
