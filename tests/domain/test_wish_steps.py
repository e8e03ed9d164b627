"""Which steps a micro-wish or an alliance need allows in each state: `possible_steps`
says exactly what the step itself would let through."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from domain.base import acting_as
from domain.wishes import STEPS, Need, Wish, WishError, WishState

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _wish() -> Wish:
    return Wish(  # type: ignore[call-arg]
        id=uuid4(),
        community_id=uuid4(),
        branch_id=None,
        title="想要一副老花镜",
        household_id=None,
        personal="v1:sealed",
        posted_at=T0,
    )


def _need() -> Need:
    return Need(  # type: ignore[call-arg]
        id=uuid4(),
        community_id=uuid4(),
        branch_id=None,
        title="健身器材维修",
        description="三处器材需要更换护垫",
        alliance="物业服务联盟",
        listed_at=T0,
    )


#: How to bring an item to each state from open.
PATHS: dict[WishState, list[str]] = {
    WishState.OPEN: [],
    WishState.CLAIMED: ["claim"],
    WishState.FULFILLED: ["claim", "fulfil"],
    WishState.CONFIRMED: ["claim", "fulfil", "confirm"],
    WishState.PUBLISHED: ["claim", "fulfil", "confirm", "publish"],
    WishState.WITHDRAWN: ["withdraw"],
}


def _take(item: Any, step: str) -> None:
    """Take `step` with valid input (a claimant, a reason, a note, a summary)."""
    calls: dict[str, Callable[[], None]] = {
        "claim": lambda: item.claim(uuid4(), T0),
        "release": lambda: item.release("临时出差"),
        "fulfil": lambda: item.fulfil("v1:note", T0),
        "confirm": lambda: item.confirm(),
        "send_back": lambda: item.send_back("没有收到"),
        "publish": lambda: item.publish("为老人送去老花镜", T0),
        "withdraw": lambda: item.withdraw("居民已自行解决"),
    }
    calls[step]()


@pytest.mark.parametrize("make", [_wish, _need], ids=["wish", "need"])
@pytest.mark.parametrize("state", list(WishState), ids=[s.value for s in WishState])
def test_every_step_in_every_state_agrees_with_possible_steps(
    make: Callable[[], Any], state: WishState
) -> None:
    for step in STEPS:
        with acting_as("clerk"):
            item = make()
            for earlier in PATHS[state]:
                _take(item, earlier)
        assert item.state == state
        possible = item.possible_steps()
        version = item.version
        with acting_as("clerk"):
            try:
                _take(item, step)
            except WishError:
                assert step not in possible, f"{step} refused in {state} but called possible"
                assert item.version == version
                continue
        assert step in possible, f"{step} taken in {state} but not called possible"


def test_the_possible_steps_of_each_state() -> None:
    expected = {
        WishState.OPEN: {"claim", "withdraw"},
        WishState.CLAIMED: {"release", "fulfil", "withdraw"},
        WishState.FULFILLED: {"confirm", "send_back"},
        WishState.CONFIRMED: {"publish"},
        WishState.PUBLISHED: set(),
        WishState.WITHDRAWN: set(),
    }
    for state, steps in expected.items():
        with acting_as("clerk"):
            item = _wish()
            for step in PATHS[state]:
                _take(item, step)
        assert item.possible_steps() == steps, state
