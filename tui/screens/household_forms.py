"""The household forms: register, correct, close (moved out); and the 3+N link forms:
link a member to a household, unlink, log a contact.

Each maps its fields to one Application command; the rules (and their messages) stay
in the domain. Closing and unlinking ask a reason: saving the reason is the confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from textual import on, work
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

from domain.dto import HouseholdCorrection, HouseholdDetail, HouseholdDraft, Receipt
from domain.errors import InvalidInputError
from domain.roster import ContactChannel
from tui.messages import CommandDone, CommandRefused
from tui.screens.base import parse_date, text_or_none
from tui.screens.forms import PlacementForm, RosterForm
from tui.widgets.field import Field
from tui.widgets.localized import ChoiceSelect, EnumSelect, Tr, TrInput

#: Households offered at once in the link form; typing narrows.
CHOICE_LIMIT = 50
#: Seconds of quiet in the link form's search before the households are read.
FIND_DELAY = 0.3


class HouseholdRegistered(CommandDone):
    """A household was registered."""


class HouseholdCorrected(CommandDone):
    """A household's details were corrected."""


class HouseholdClosed(CommandDone):
    """A household moved out."""


class HouseholdLinked(CommandDone):
    """A member was linked to a household (3+N)."""


class HouseholdUnlinked(CommandDone):
    """A member's link to a household ended."""


class ContactLogged(CommandDone):
    """A contact was written in a link's contact log."""


class HouseholdRead(Message):
    """One household was read (for a form that shows or changes it)."""

    def __init__(self, detail: HouseholdDetail) -> None:
        super().__init__()
        self.detail = detail


class HouseholdChoicesFound(Message):
    """The households a member may be linked to, for a search (`ticket` orders answers)."""

    def __init__(self, rows: list[dict[str, Any]], total: int, ticket: int) -> None:
        super().__init__()
        self.rows = rows
        self.total = total
        self.ticket = ticket


def household_name(row: dict[str, Any] | HouseholdDetail) -> str:
    """ "1号楼 李四": how a household is named at the station (unit and room withheld)."""
    if isinstance(row, HouseholdDetail):
        building, head = row.building, row.head_name
    else:
        building, head = row.get("building") or "", row.get("head_name") or ""
    return f"{building} {head}".strip()


def _field(field: str, placeholder: str = "", **kw: Any) -> Field:
    """An input labelled `household.field.<field>` (or the shared label when there is
    none: the reason)."""
    label = f"household.field.{field}" if field != "reason" else None
    return Field(field, TrInput(placeholder, id=field, compact=True, **kw), label_key=label)


def _size(text: str) -> int:
    text = text.strip()
    if not text:
        raise InvalidInputError("size", "is required")
    if not text.isdigit():
        raise InvalidInputError("size", "must be a whole number of at least 1")
    return int(text)


class RegisterHouseholdScreen(PlacementForm, RosterForm):
    """Register a household in a branch's area (and a building's group, if any)."""

    TITLE_KEY = "household.register.title"
    HINT_KEY = "household.register.hint"

    def __init__(self, branch_id: UUID | None = None, group_id: UUID | None = None) -> None:
        super().__init__()
        self.want_branch = str(branch_id) if branch_id else None
        self.want_group = str(group_id) if group_id else None
        self.household_name = ""

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.placement_fields()
        yield _field("building")
        yield _field("unit")
        yield _field("room")
        yield _field("head_name")
        yield _field("head_phone", "placeholder.optional")
        yield _field("size", "household.ph.size")

    def on_mount(self) -> None:  # (the placement form's on_mount runs too)
        self.query_one("#building").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        draft = HouseholdDraft(
            branch_id=self.choice("branch_id"),
            group_id=self.choice("group_id"),
            building=self.value("building"),
            unit=self.value("unit"),
            room=self.value("room"),
            head_name=self.value("head_name"),
            head_phone=text_or_none(self.value("head_phone")),
            size=_size(self.value("size")),
        )
        self.household_name = household_name(
            {"building": draft.building.strip(), "head_name": draft.head_name.strip()}
        )
        app, actor = self.system.app, self.principal
        return (lambda: app.register_household(draft, actor=actor)), HouseholdRegistered

    def on_household_registered(self, message: HouseholdRegistered) -> None:
        self.finish(message.receipt, "household.done.registered", name=self.household_name)


class CorrectHouseholdScreen(RosterForm):
    """Correct a household's details; only what was changed is sent, with the reason.

    Unit, room and the phone are withheld from staff: typed, they replace; blank keeps."""

    TITLE_KEY = "household.correct.title"

    def __init__(self, household_id: UUID, name: str) -> None:
        super().__init__()
        self.household_id = household_id
        self.household_name = name
        self.detail: HouseholdDetail | None = None

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("household.form.household", name=self.household_name, classes="dialog-hint")
        yield Tr("household.correct.hint", classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield _field("building")
        yield _field("unit", "household.ph.keep")
        yield _field("room", "household.ph.keep")
        yield _field("head_name")
        yield _field("head_phone", "household.ph.keep")
        yield _field("size", "household.ph.size")
        yield _field("reason", "placeholder.reason")

    def on_mount(self) -> None:
        self.set_busy(True)
        self.load_household()

    @work(thread=True, exclusive=True, group="load")
    def load_household(self) -> None:
        try:
            detail = self.system.app.get_household(self.household_id, actor=self.principal)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(HouseholdRead(detail))

    def on_household_read(self, message: HouseholdRead) -> None:
        d = self.detail = message.detail
        self.query_one("#building", TrInput).value = d.building
        self.query_one("#head_name", TrInput).value = d.head_name
        self.query_one("#size", TrInput).value = str(d.size)
        if d.head_phone:
            self.query_one("#head_phone", TrInput).set_placeholder(
                "placeholder.keep", current=d.head_phone
            )
        self.set_busy(False)
        self.query_one("#building").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        d = self.detail
        if d is None:
            raise InvalidInputError("id", "is required")
        c = HouseholdCorrection()
        building = self.value("building").strip()
        if building != d.building:
            c.building = building
        head_name = self.value("head_name").strip()
        if head_name != d.head_name:
            c.head_name = head_name
        for field in ("unit", "room", "head_phone"):
            typed = self.value(field).strip()
            if typed:  # blank keeps what is there
                setattr(c, field, typed)
        size = _size(self.value("size"))
        if size != d.size:
            c.size = size
        reason, household = self.value("reason"), self.household_id
        app, actor = self.system.app, self.principal
        if c.building is not None or c.head_name is not None:
            self.household_name = household_name(
                {"building": c.building or d.building, "head_name": c.head_name or d.head_name}
            )

        def call() -> Receipt:
            return app.correct_household(household, c, reason, actor=actor)

        return call, HouseholdCorrected

    def on_household_corrected(self, message: HouseholdCorrected) -> None:
        self.finish(message.receipt, "household.done.corrected", name=self.household_name)


class CloseHouseholdScreen(RosterForm):
    """A household moved out: the reason is asked for, and saving it confirms."""

    TITLE_KEY = "household.close.title"

    def __init__(self, household_id: UUID, name: str) -> None:
        super().__init__()
        self.household_id = household_id
        self.household_name = name

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("household.form.household", name=self.household_name, classes="dialog-hint")
        yield Tr("household.close.hint", classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield _field("reason", "placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        reason, household = self.value("reason"), self.household_id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.close_household(household, reason, actor=actor)

        return call, HouseholdClosed

    def on_household_closed(self, message: HouseholdClosed) -> None:
        self.finish(message.receipt, "household.done.closed", name=self.household_name)


class LinkHouseholdScreen(RosterForm):
    """Link a member to a household of their community (3+N): find it, pick it, since when."""

    TITLE_KEY = "household.link.title"
    HINT_KEY = "household.link.hint"

    def __init__(
        self,
        member_id: UUID,
        member_name: str,
        community_id: UUID,
        linked: frozenset[UUID] = frozenset(),
    ) -> None:
        """`linked`: the households the member is linked to now (not offered again)."""
        super().__init__()
        self.member_id = member_id
        self.member_name = member_name
        self.community_id = community_id
        self.linked = linked
        self.rows: dict[str, dict[str, Any]] = {}
        self.ticket = 0
        self.find_timer: Timer | None = None
        self.household_name = ""

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("form.member", name=self.member_name, classes="dialog-hint")
        yield from super().compose_header()

    def compose_fields(self) -> Iterator[Widget]:
        yield _field("q", "household.ph.find")
        yield Field(
            "household_id",
            ChoiceSelect(id="household_id"),
            label_key="household.field.household_id",
        )
        yield Tr("household.choices", total=0, id="choices-count", classes="dialog-hint")
        yield _field("since", "placeholder.today")

    def on_mount(self) -> None:
        self.query_one("#q").focus()
        self.find_now()

    def find_now(self) -> None:
        if self.find_timer is not None:
            self.find_timer.stop()
            self.find_timer = None
        self.ticket += 1
        self.find(self.value("q"), self.ticket)

    @on(Input.Changed, "#q")
    def query_changed(self) -> None:
        if self.find_timer is not None:
            self.find_timer.stop()
        self.find_timer = self.set_timer(FIND_DELAY, self.find_now)

    @work(thread=True, exclusive=True, group="find")
    def find(self, query: str, ticket: int) -> None:
        try:
            page = self.system.roster.list_households(
                actor=self.principal, unit_id=self.community_id, query=query, limit=CHOICE_LIMIT
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(HouseholdChoicesFound(page.items, page.total, ticket))

    def on_household_choices_found(self, message: HouseholdChoicesFound) -> None:
        if message.ticket != self.ticket:
            return
        rows = [r for r in message.rows if r["id"] not in self.linked]
        self.rows = {str(r["id"]): r for r in rows}
        choices = [(self.choice_label(r), str(r["id"])) for r in rows]
        select = self.query_one("#household_id", ChoiceSelect)
        select.set_choices(choices, value=choices[0][1] if len(choices) == 1 else None)
        # The households linked already are not offered, nor counted.
        total = message.total - (len(message.rows) - len(rows))
        count = self.query_one("#choices-count", Tr)
        if not total:
            count.show("household.choices_none")
        elif len(rows) < total:
            count.show("household.choices_more", total=total, shown=len(rows))
        else:
            count.show("household.choices", total=total)

    @staticmethod
    def choice_label(row: dict[str, Any]) -> str:
        parts = [household_name(row), row.get("head_phone") or ""]
        return " · ".join(p for p in parts if p)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        household = self.choice("household_id")
        if household is None:
            raise InvalidInputError("household_id", "is required")
        since = parse_date("since", self.value("since"))
        self.household_name = household_name(self.rows.get(household, {}))
        member = self.member_id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.link_household(member, household, since=since, actor=actor)

        return call, HouseholdLinked

    def on_household_linked(self, message: HouseholdLinked) -> None:
        self.finish(message.receipt, "household.done.linked", name=self.household_name)


class _LinkForm(RosterForm):
    """A form on one member's link to one household."""

    def __init__(
        self, member_id: UUID, member_name: str, household_id: UUID, household: str
    ) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_name = member_name
        self.household_id = household_id
        self.household_name = household

    def compose_header(self) -> Iterator[Widget]:
        yield Tr(
            "household.form.link",
            member=self.member_name,
            household=self.household_name,
            classes="dialog-hint",
        )
        yield from super().compose_header()


class UnlinkHouseholdScreen(_LinkForm):
    """End a member's link to a household: the reason is asked for, and saving confirms."""

    TITLE_KEY = "household.unlink.title"
    HINT_KEY = "household.unlink.hint"

    def compose_fields(self) -> Iterator[Widget]:
        yield _field("reason", "placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        reason, member, household = self.value("reason"), self.member_id, self.household_id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.unlink_household(member, household, reason, actor=actor)

        return call, HouseholdUnlinked

    def on_household_unlinked(self, message: HouseholdUnlinked) -> None:
        self.finish(message.receipt, "household.done.unlinked", name=self.household_name)


class LogContactScreen(_LinkForm):
    """Write a contact in a link's contact log: the channel, the day, a note."""

    TITLE_KEY = "household.log.title"

    def compose_fields(self) -> Iterator[Widget]:
        yield Field(
            "channel",
            EnumSelect("channel", ContactChannel, value="visit", allow_blank=False, id="channel"),
            label_key="household.field.channel",
        )
        yield _field("on", "placeholder.today")
        yield _field("note", "household.ph.note")

    def on_mount(self) -> None:
        self.query_one("#channel").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        channel = self.choice("channel") or ""
        when = parse_date("on", self.value("on"))
        note = text_or_none(self.value("note"))
        member, household = self.member_id, self.household_id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.log_contact(member, household, channel, on=when, note=note, actor=actor)

        return call, ContactLogged

    def on_contact_logged(self, message: ContactLogged) -> None:
        self.finish(message.receipt, "household.done.logged", name=self.household_name)
