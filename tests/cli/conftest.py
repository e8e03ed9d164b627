"""One full demo, loaded once for the tests that read it (none of them writes)."""

from __future__ import annotations

import pytest

from projections.system import System


@pytest.fixture(scope="session")
def demo(demo_system: System) -> System:
    return demo_system
