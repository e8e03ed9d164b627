"""What a request says is possible now is what its steps accept: for a request in every
situation, each step is tried, and it is refused exactly when it is not possible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.base import acting_as
from domain.requests import STEPS, Request, RequestError, new_receipt_code

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
CADRE, OTHER, BRANCH = uuid4(), uuid4(), uuid4()

Step = Callable[[Request], object]

#: Each step with input that is good, so that only the request's state can refuse it.
TRIES: dict[str, Step] = {
    "classify": lambda r: r.classify("environment", 24, 72, BRANCH),
    "claim": lambda r: r.claim(CADRE, T0),
    "release": lambda r: r.release("忙不过来"),
    "give": lambda r: r.give(OTHER, "换人跟进", T0),
    "note_progress": lambda r: r.note_progress("v1:sealed-note"),
    "resolve": lambda r: r.resolve("v1:sealed-solution", ["photo:1"], T0),
    "pause_clock": lambda r: r.pause("等待居民回来", T0),
    "resume_clock": lambda r: r.resume(T0),
    "accept": lambda r: r.accept(),
    "send_back": lambda r: r.send_back("没修好"),
    "press": lambda r: r.press("已超时"),
    "escalate": lambda r: r.escalate("需街道协调"),
    "record_visit": lambda r: r.record_visit("satisfied", None, None),
    "publish": lambda r: r.publish("楼道灯已更换", T0),
    "close": lambda r: r.close(),
    "withdraw": lambda r: r.withdraw("居民自行解决"),
    "reject": lambda r: r.reject("不属社区事务"),
    "merge": lambda r: r.merge_into(uuid4(), "同一楼道灯"),
}


def placed(requester_kind: str = "resident") -> Request:
    return Request(  # type: ignore[call-arg]
        id=uuid4(),
        receipt_code=new_receipt_code(),
        channel="walk_in",
        category="environment",
        claim_hours=24,
        resolve_hours=72,
        urgency="normal",
        community_id=uuid4(),
        branch_id=None,
        building="3号楼",
        requester_kind=requester_kind,
        requester_id=None,
        personal="v1:sealed",
        placed_at=T0,
    )


#: The ordinary way, step by step.
WAY = ("classify", "claim", "resolve", "accept", "record_visit", "publish", "close")


def along(*steps: str, requester_kind: str = "resident") -> Callable[[], Request]:
    def build() -> Request:
        with acting_as("clerk"):
            request = placed(requester_kind)
            for step in steps:
                TRIES[step](request)
        return request

    return build


SITUATIONS: dict[str, Callable[[], Request]] = {
    "placed": along(),
    "placed, paused": along("pause_clock"),
    "classified": along(*WAY[:1]),
    "claimed": along(*WAY[:2]),
    "claimed, paused": along(*WAY[:2], "pause_clock"),
    "claimed, escalated": along(*WAY[:2], "escalate"),
    "released": along(*WAY[:2], "release"),
    "resolved": along(*WAY[:3]),
    "resolved, escalated": along(*WAY[:3], "escalate"),
    "sent back": along(*WAY[:3], "send_back"),
    "accepted": along(*WAY[:4]),
    "accepted, anonymous": along(*WAY[:4], requester_kind="anonymous"),
    "visited": along(*WAY[:5]),
    "published": along(*WAY[:6]),
    "published, anonymous": along(*WAY[:4], "publish", requester_kind="anonymous"),
    "closed": along(*WAY),
    "withdrawn": along("withdraw"),
    "withdrawn while paused": along("pause_clock", "withdraw"),
    "rejected": along("classify", "reject"),
    "merged": along("merge"),
}


def test_every_step_is_tried() -> None:
    assert set(TRIES) == set(STEPS)


@pytest.mark.parametrize("situation", SITUATIONS)
def test_a_step_is_refused_exactly_when_it_is_not_possible(situation: str) -> None:
    possible = SITUATIONS[situation]().possible_steps()
    accepted = set()
    for step, attempt in TRIES.items():
        request = SITUATIONS[situation]()
        version = request.version
        try:
            with acting_as("clerk"):
                attempt(request)
        except RequestError:
            assert request.version == version  # refused: nothing recorded
            continue
        accepted.add(step)
    assert possible == accepted, situation


def test_each_step_is_possible_somewhere_and_not_everywhere() -> None:
    seen = [build().possible_steps() for build in SITUATIONS.values()]
    for step in STEPS:
        assert any(step in steps for steps in seen), step
        assert not all(step in steps for steps in seen), step


def test_the_ordinary_way_opens_its_next_step() -> None:
    request = along()()
    with acting_as("clerk"):
        for step in WAY:
            assert step in request.possible_steps()
            TRIES[step](request)
    assert request.possible_steps() == frozenset()  # closed: nothing more
