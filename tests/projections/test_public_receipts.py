"""回执查询's query: a receipt code, typed any way a resident types it, gives the request's
public status (state, category, place, the days of its milestones, its due days while
open, its outcome once published) and nothing personal; its proof is the sealer's
inclusion proof under the latest checkpoint, once that covers the request, and asking for
it never makes the sealer seal or sign anything."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.dto import PlacedReceipt, RequestDraft
from domain.errors import InvalidInputError, NotFoundError
from domain.requests import ReceiptCode
from projections.public_receipts import RECEIPT_FIELDS, PublicReceipts, normalize_code
from projections.system import System
from tests.conftest import Org, Staff, member_draft
from verifier.yimai_verify import verify_document

#: 2026-04-01 04:00 at the station (Asia/Shanghai), still 31 March in UTC.
T0 = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)
DESCRIPTION = "MARKER-DESC 三号楼路灯不亮"
CONTACT = "MARKER欧阳娜娜"
PHONE = "13912345678"
BUILDING = "MARKER-3号楼"
MARKERS = ("MARKER", "欧阳", PHONE)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    system: System
    staff: Staff
    org: Org
    clock: Clock
    member: UUID

    @property
    def app(self) -> Any:
        return self.system.app

    def receipts(self) -> PublicReceipts:
        self.system.runner.catch_up()
        return PublicReceipts(self.system)

    def place(self, hours: float, *, kind: str = "resident") -> PlacedReceipt:
        self.clock.now = at(hours)
        resident = kind == "resident"
        receipt: PlacedReceipt = self.app.place_request(
            RequestDraft(
                channel="walk_in",
                category="environment",
                description=DESCRIPTION,
                community_id=self.org.community,
                requester_kind=kind,
                building=BUILDING,
                contact_name=CONTACT if resident else None,
                contact_phone=PHONE if resident else None,
            ),
            actor=self.staff.clerk,
        )
        return receipt

    def step(self, hours: float, command: str, *args: Any, by: str = "clerk", **kw: Any) -> None:
        self.clock.now = at(hours)
        getattr(self.app, command)(*args, actor=getattr(self.staff, by), **kw)

    def claim(self, rid: UUID, hours: float) -> None:
        self.step(hours, "classify_request", rid, branch_id=self.org.branch)
        self.step(hours, "claim_request", rid, member_id=self.member)

    def resolve(self, rid: UUID, hours: float) -> None:
        self.step(hours, "resolve_request", rid, "MARKER-SOLUTION 换了灯泡")


@pytest.fixture
def world(system: System, staff: Staff, org: Org) -> World:
    clock = Clock()
    system.app.clock = clock
    member = system.app.register_member(member_draft(org.branch), actor=staff.clerk).id
    return World(system, staff, org, clock, member)


def assert_public(item: dict[str, Any]) -> None:
    assert tuple(item) == RECEIPT_FIELDS
    text = repr(item)
    for marker in (*MARKERS, "张三"):
        assert marker not in text


# -- the code as typed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["K7Q-4MZ2", "k7q-4mz2", " K7Q-4MZ2 ", "K7Q4MZ2", "k7q 4mz2", "k 7 q - 4 m z 2"]
)
def test_a_code_is_read_in_any_case_with_spaces_and_without_its_dash(typed: str) -> None:
    assert normalize_code(typed) == "K7Q-4MZ2"


@pytest.mark.parametrize(
    "typed",
    [None, "", "   ", "K7Q-4MZ0", "K1Q-4MZ2", "KIQ-4MZ2", "K7Q-4MZ", "K7Q4MZ22", "K7QQ-MZ2",
     "K7Q--4MZ2", "K7Q_4MZ2", "请输入回执", "K7Q-4MZ2" + " " * 40, "x" * 1000],
)  # fmt: skip
def test_what_cannot_be_a_code_is_refused_naming_the_field(typed: str | None) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalize_code(typed)
    assert refused.value.field == "code"


def test_the_site_reads_a_code_as_the_station_does(world: World) -> None:
    """Whatever the station's own lookup (`request_for_receipt`) accepts, the site does,
    and it finds the same request."""
    placed = world.place(0)
    code = placed.receipt_code
    receipts = world.receipts()
    # Full width, as a Chinese keyboard types it: ９ＪＦ－３ＢＷＥ.
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    variants = [code, code.lower(), code.replace("-", ""), " ".join(code), code[:-1] + "0", wide]
    for typed in [*variants, "", "K7Q-4MZ", "K7Q4MZ22", "ABCDEFGHI"]:
        try:
            found = world.app.request_for_receipt(typed, actor=world.staff.clerk)
        except InvalidInputError:
            with pytest.raises(InvalidInputError):
                normalize_code(typed)
            continue
        except NotFoundError:
            with pytest.raises(NotFoundError):
                receipts.lookup(typed)
            continue
        assert found == placed.id
        assert receipts.lookup(typed)["receipt_code"] == code
    assert world.app.request_for_receipt(wide.lower(), actor=world.staff.clerk) == placed.id


def test_an_unknown_code_is_not_found(world: World) -> None:
    world.place(0)
    with pytest.raises(NotFoundError):
        world.receipts().lookup("ZZZ-ZZZZ")
    with pytest.raises(NotFoundError):
        world.receipts().proof("ZZZ-ZZZZ")


# -- the status -------------------------------------------------------------------------------


def test_a_request_is_followed_from_placement_to_publication(world: World) -> None:
    placed = world.place(0)
    code, rid = placed.receipt_code, placed.id
    item = world.receipts().lookup(code.lower(), now=at(1))
    assert_public(item)
    assert item["receipt_code"] == code and item["state"] == "placed"
    assert item["category"] == "environment"
    assert (item["category_name_zh"], item["category_name_en"]) == (
        "环境卫生",
        "Environment and sanitation",
    )
    assert item["community_name"] == "鹏泉社区" and item["branch_name"] is None
    # Days at the station: 20:00 UTC on 31 March is 1 April in Shanghai.
    assert item["placed_on"] == date(2026, 4, 1)
    assert [item[f"{m}_on"] for m in ("classified", "claimed", "resolved")] == [None] * 3
    assert [item[f"{m}_on"] for m in ("visited", "published")] == [None] * 2
    # Environment: 24 hours to claim, 72 to resolve, from placement.
    assert item["open"] is True
    assert (item["claim_due_on"], item["resolve_due_on"]) == (date(2026, 4, 2), date(2026, 4, 4))
    assert (item["paused"], item["overdue"], item["outcome_id"]) == (False, False, None)
    assert world.receipts().lookup(code, now=at(25))["overdue"] is True  # not claimed in time

    world.claim(rid, 30)  # 2 April 10:00 at the station
    item = world.receipts().lookup(code, now=at(31))
    assert item["state"] == "claimed" and item["branch_name"] == "第一网格党支部"
    assert item["classified_on"] == item["claimed_on"] == date(2026, 4, 2)
    assert item["claim_due_on"] is None and item["resolve_due_on"] == date(2026, 4, 4)
    # Once claimed, only the time to resolve counts (as on the station's board).
    assert item["overdue"] is False
    assert world.receipts().lookup(code, now=at(73))["overdue"] is True

    world.step(32, "pause_clock", rid, "waiting for the part")
    paused = world.receipts().lookup(code, now=at(32 + 72))
    # A paused clock stands still: the due day moves on with the pause.
    assert paused["paused"] is True and paused["resolve_due_on"] == date(2026, 4, 7)
    world.step(40, "resume_clock", rid)
    world.resolve(rid, 50)
    item = world.receipts().lookup(code, now=at(51))
    assert item["state"] == "resolved" and item["resolved_on"] == date(2026, 4, 3)
    assert (item["open"], item["claim_due_on"], item["resolve_due_on"]) == (False, None, None)
    assert item["overdue"] is False

    world.step(60, "accept_resolution", rid, by="supervisor")
    world.step(80, "record_visit", rid, "satisfied", comment="MARKER-COMMENT 很好")
    world.step(100, "publish_request", rid, "更换了楼道灯", by="supervisor")
    item = world.receipts().lookup(code)
    assert_public(item)
    assert item["state"] == "published"
    assert (item["visited_on"], item["published_on"]) == (date(2026, 4, 4), date(2026, 4, 5))
    assert item["outcome_id"] == rid
    # The same days the outcome's public page shows.
    outcome = world.system.requests.public_outcome(rid)
    assert (item["placed_on"], item["resolved_on"], item["published_on"]) == (
        outcome["placed_on"],
        outcome["resolved_on"],
        outcome["published_on"],
    )
    world.step(101, "close_request", rid, by="supervisor")
    closed = world.receipts().lookup(code)
    assert closed["state"] == "closed" and closed["outcome_id"] == rid


def test_a_milestone_undone_is_no_longer_shown(world: World) -> None:
    placed = world.place(0)
    code, rid = placed.receipt_code, placed.id
    world.claim(rid, 1)
    world.step(2, "release_request", rid, "busy")
    item = world.receipts().lookup(code)
    assert item["state"] == "classified" and item["claimed_on"] is None
    world.step(3, "claim_request", rid, member_id=world.member)
    world.resolve(rid, 4)
    world.step(5, "send_back_resolution", rid, "no photo", by="supervisor")
    item = world.receipts().lookup(code)
    assert item["state"] == "claimed" and item["resolved_on"] is None and item["open"]
    world.resolve(rid, 30)
    world.step(31, "accept_resolution", rid, by="supervisor")
    world.step(32, "record_visit", rid, "dissatisfied", reason="still dark")
    item = world.receipts().lookup(code)
    # Reopened: being handled again, neither resolved nor followed up any more.
    assert item["state"] == "claimed"
    assert (item["resolved_on"], item["visited_on"]) == (None, None)
    assert item["claimed_on"] == date(2026, 4, 1) and item["resolve_due_on"] is not None
    world.step(33, "withdraw_request", rid, "the resident fixed it")
    item = world.receipts().lookup(code)
    assert item["state"] == "withdrawn" and not item["open"]
    assert (item["claim_due_on"], item["resolve_due_on"], item["overdue"]) == (None, None, False)


def test_an_anonymous_request_is_published_without_a_follow_up(world: World) -> None:
    placed = world.place(0, kind="anonymous")
    world.claim(placed.id, 1)
    world.resolve(placed.id, 2)
    world.step(3, "accept_resolution", placed.id, by="supervisor")
    world.step(4, "publish_request", placed.id, "修好了", by="supervisor")
    item = world.receipts().lookup(placed.receipt_code)
    assert item["state"] == "published" and item["visited_on"] is None
    assert item["published_on"] == date(2026, 4, 1) and item["outcome_id"] == placed.id


# -- the proof --------------------------------------------------------------------------------


def test_the_proof_waits_for_a_checkpoint_and_never_makes_one(world: World) -> None:
    seal = world.system.seal
    seal.ensure_key()
    first = world.place(0)
    receipts = world.receipts()
    status = receipts.proof_status(first.receipt_code)
    assert (status.ready, status.checkpoint_size) == (False, None)
    assert status.every_minutes == world.system.settings.checkpoint_minutes
    assert receipts.proof(first.receipt_code) is None
    # Asking sealed nothing and signed nothing.
    assert seal.checkpoints() == [] and seal.sealed_count() == 0

    signed = seal.checkpoint()
    status = receipts.proof_status(first.receipt_code)
    assert status.ready and status.checkpoint_size == signed["tree_size"]
    assert status.checkpoint_made_at == signed["made_at"]
    proof = receipts.proof(first.receipt_code)
    assert proof is not None and proof["checkpoint"] == signed
    ok, lines = verify_document(proof, seal.public_key_pem())
    assert ok, lines
    receipt = ReceiptCode.id_for(first.receipt_code)
    assert proof["leaf"]["id"] == str(receipt) and proof["leaf"]["version"] == 1
    assert proof["leaf"]["topic"].endswith("ReceiptCode.Issued")

    # A request placed after it waits for the next checkpoint; the first one's proof
    # stands on the latest checkpoint there is.
    second = world.place(1)
    receipts = world.receipts()
    assert receipts.proof(second.receipt_code) is None
    assert not receipts.proof_status(second.receipt_code).ready
    assert len(seal.checkpoints()) == 1
    later = seal.checkpoint()
    assert later["tree_size"] > signed["tree_size"]
    for placed in (first, second):
        proof = receipts.proof(placed.receipt_code)
        assert proof is not None and proof["tree_size"] == later["tree_size"]
        assert verify_document(proof, seal.public_key_pem())[0]


def test_the_proofs_event_holds_nothing_of_the_request(world: World) -> None:
    """The leaf is the receipt's own `ReceiptCode.Issued`: the code, the request's id,
    when and by whom. Not the request's `Placed`, which would also give whoever holds the
    code the building and the requester's id."""
    world.system.seal.ensure_key()
    placed = world.place(0)
    world.system.seal.checkpoint()
    proof = world.receipts().proof(placed.receipt_code)
    assert proof is not None
    state = json.loads(base64.b64decode(proof["leaf"]["state"]))
    assert state["code"] == placed.receipt_code
    assert state["request_id"] == {"_type_": "uuid_hex", "_data_": placed.id.hex}
    assert not {"requester_id", "building", "personal", "channel"} & set(state)
    for marker in (DESCRIPTION, CONTACT, PHONE, "MARKER-DESC", "欧阳"):
        assert marker not in json.dumps(state, ensure_ascii=False)
