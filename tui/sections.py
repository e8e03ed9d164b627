"""The app's sections: each a Textual mode with its own screen stack, reached by a digit.

A section keeps its place (filters, cursor, an open detail) while the user works in
another one. Which sections a user sees follows the rights of their roles; the
Application still checks every command.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen

from domain.access import Permission, Principal


@dataclass(frozen=True)
class Section:
    #: The mode's name; its title is the text `section.<name>`.
    name: str
    #: The digit that opens it from anywhere (but a text field).
    key: str
    #: "module:Class" of the section's base screen (imported when first opened).
    screen: str
    #: The right a user needs to see the section.
    permission: Permission

    def load(self) -> type[Screen[Any]]:
        module, _, name = self.screen.partition(":")
        screen: type[Screen[Any]] = getattr(importlib.import_module(module), name)
        return screen


SECTIONS: tuple[Section, ...] = (
    Section("dashboard", "1", "tui.screens.dashboard:DashboardScreen", Permission.REQUESTS_READ),
    Section("intake", "2", "tui.screens.intake:IntakeScreen", Permission.REQUESTS_PLACE),
    Section("board", "3", "tui.screens.board:BoardScreen", Permission.REQUESTS_READ),
    Section(
        "supervision", "4", "tui.screens.board:SupervisionScreen", Permission.REQUESTS_SUPERVISE
    ),
    Section("roster", "5", "tui.screens.roster:RosterScreen", Permission.ROSTER_READ),
    Section("points", "6", "tui.screens.points:PointsScreen", Permission.POINTS_READ),
    Section("audit", "7", "tui.screens.audit:AuditScreen", Permission.AUDIT_READ),
    Section("statistics", "8", "tui.screens.statistics:StatisticsScreen", Permission.REQUESTS_READ),
    Section("wishes", "9", "tui.screens.wishes:WishesScreen", Permission.REQUESTS_READ),
)

BY_NAME = {s.name: s for s in SECTIONS}


def available(principal: Principal | None) -> list[Section]:
    """The sections `principal` may open, in key order (the first is their home)."""
    if principal is None:
        return []
    return [s for s in SECTIONS if principal.can(s.permission)]
