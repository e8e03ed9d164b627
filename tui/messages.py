"""Messages that thread workers post back to the UI, named as the facts they report."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from domain.access import Principal
from domain.dto import Receipt


class ReadModelsAdvanced(Message):
    """The read models applied new events (from this station or any other)."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count


class DatabaseChecked(Message):
    """The App learned whether the database has its first account yet."""

    def __init__(self, initialized: bool) -> None:
        super().__init__()
        self.initialized = initialized


class CommandRefused(Message):
    """The Application refused a command (or a read failed); nothing was changed."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class CommandDone(Message):
    """A command was recorded and the read models have caught up with it."""

    def __init__(self, receipt: Receipt) -> None:
        super().__init__()
        self.receipt = receipt


class MemberRegistered(CommandDone):
    """A member was registered."""


class MemberTransferred(CommandDone):
    """A member moved to another branch or group."""


class MemberCorrected(CommandDone):
    """A member's details were corrected."""


class MemberDeregistered(CommandDone):
    """A member was deregistered."""


class ContactShown(CommandDone):
    """A person's contact details were shown; the showing is recorded."""


class PasswordChanged(CommandDone):
    """The account's own password was changed."""


class AdminCreated(CommandDone):
    """The first admin account was opened."""


class DemoProgressed(Message):
    """The demo loader got further."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class DemoLoaded(Message):
    """The demo community is in the database and the read models caught up."""

    def __init__(self, accounts: dict[str, str]) -> None:
        super().__init__()
        self.accounts = accounts


class DemoFailed(Message):
    """The demo stopped part-way; `initialized` says whether accounts exist now."""

    def __init__(self, error: BaseException, initialized: bool) -> None:
        super().__init__()
        self.error = error
        self.initialized = initialized


class LoggedIn(Message):
    """A user name and password were accepted."""

    def __init__(self, principal: Principal) -> None:
        super().__init__()
        self.principal = principal


class LoginRefused(Message):
    """A login failed (wrong password, disabled, throttled)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class OrganizationLoaded(Message):
    """The organization tree (and the resident units) were read."""

    def __init__(
        self, roots: list[Any], resident_units: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__()
        self.roots = roots
        self.resident_units = resident_units or []


class MembersFound(Message):
    """A search of the roster answered (`ticket` tells stale answers apart)."""

    def __init__(self, rows: list[Any], total: int, posts: list[dict[str, Any]], ticket: int):
        super().__init__()
        self.rows = rows
        self.total = total
        self.posts = posts
        self.ticket = ticket


class MemberLoaded(Message):
    """One member's details, households and history were read."""

    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view
