"""The member forms: register, transfer, correct, deregister; and asking to see a
person's contact details (with the reason, recorded).

Each maps its fields to one Application command; the rules (and their messages)
stay in the domain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from textual import on, work
from textual.widget import Widget
from textual.widgets import Select

from domain.dto import MemberCorrection, MemberDetail, MemberDraft, Receipt
from domain.errors import InvalidInputError, RuleViolationError
from domain.roster import DeregistrationCause, Gender, MemberKind
from projections.roster import UnitNode
from tui.errors import describe, field_label, reason
from tui.i18n import colon, has, language, t
from tui.messages import (
    CommandDone,
    CommandRefused,
    ContactShown,
    MemberCorrected,
    MemberDeregistered,
    MemberLoaded,
    MemberRegistered,
    MemberTransferred,
    OrganizationLoaded,
)
from tui.org import branch_choices, by_id, group_choices
from tui.screens.base import FormScreen, parse_date, text_or_none
from tui.widgets.field import Field
from tui.widgets.localized import ChoiceSelect, EnumSelect, Tr, TrInput


def _input(field: str, placeholder: str = "", **kw: Any) -> Field:
    return Field(field, TrInput(placeholder, id=field, compact=True, **kw))


#: Reasons the household, link and contact commands give, by catalogue key.
_HOUSEHOLD_REASONS = {
    "must be a whole number of at least 1": "household.reason.positive",
    "is before the member was linked to the household": "household.reason.before_link",
}
_AT_MOST = re.compile(r"^must be at most (?P<n>\d+)$")


def describe_roster(error: BaseException, *, user: str = "") -> str:
    """An error of the household, link and contact commands, as staff should read it.

    Their fields and rules read `household.field.*` and `household.rule.*` first (names
    like `channel` or `note` mean other things in other areas); the rest as elsewhere.
    """
    if isinstance(error, InvalidInputError):
        key = f"household.field.{error.field}"
        name = t(key) if has(key) else field_label(error.field)
        text = error.reason
        if language() != "en":
            mapped = _HOUSEHOLD_REASONS.get(text)
            match = _AT_MOST.match(text)
            if mapped:
                text = t(mapped)
            elif match:
                text = t("household.reason.at_most", n=match["n"])
            else:
                text = reason(text)
        return f"{name}{colon()}{text}"
    if isinstance(error, RuleViolationError) and has(f"household.rule.{error.rule}"):
        return t(f"household.rule.{error.rule}")
    return describe(error, user=user)


class RosterForm(FormScreen):
    """A form of the household, link and contact commands: their own field labels and
    error texts (describe_roster)."""

    def describe_error(self, error: BaseException, *, user: str, label: str | None = None) -> str:
        return describe_roster(error, user=user)


class PlacementForm(FormScreen):
    """A form that places a member in a branch and group (loads the tree)."""

    def __init__(self) -> None:
        super().__init__()
        self.units: dict[UUID, UnitNode] = {}
        self.resident_units: list[dict[str, Any]] = []
        self.want_branch: str | None = None
        self.want_group: str | None = None

    def placement_fields(self) -> Iterator[Widget]:
        yield Field("branch_id", ChoiceSelect(id="branch_id"))
        yield Field("group_id", ChoiceSelect(prompt_key="select.no_group", id="group_id"))

    def on_mount(self) -> None:
        self.load_organization()

    @work(thread=True, exclusive=True, group="load")
    def load_organization(self) -> None:
        try:
            roster = self.system.roster
            roots = roster.tree(actor=self.principal)
            units = roster.list_resident_units(actor=self.principal)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(OrganizationLoaded(roots, units))

    def on_organization_loaded(self, message: OrganizationLoaded) -> None:
        self.units = by_id(message.roots)
        self.resident_units = [u for u in message.resident_units if u["status"] == "open"]
        branch = self.query_one("#branch_id", ChoiceSelect)
        branch.set_choices(branch_choices(message.roots), value=self.want_branch)
        self.branch_changed()

    @on(Select.Changed, "#branch_id")
    def branch_changed(self) -> None:
        branch = self.choice("branch_id")
        group = self.query_one("#group_id", ChoiceSelect)
        want = self.want_group if self.want_group else None
        group.set_choices(group_choices(self.units, branch), value=want)
        self.want_group = None
        self.place_resident_units()

    def community_of_branch(self) -> UUID | None:
        branch = self.choice("branch_id")
        node = self.units.get(UUID(branch)) if branch else None
        return node.parent_id if node else None

    def place_resident_units(self) -> None:
        """Hook: forms that pick a resident unit refresh their choices."""


class RegisterMemberScreen(PlacementForm):
    """Register a member: personal details, placement and kind."""

    TITLE_KEY = "form.register.title"

    def __init__(self, branch_id: UUID | None = None, group_id: UUID | None = None) -> None:
        super().__init__()
        self.want_branch = str(branch_id) if branch_id else None
        self.want_group = str(group_id) if group_id else None
        self.member_name = ""

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("name")
        yield Field("gender", EnumSelect("gender", Gender, id="gender"))
        yield _input("birth_date", "placeholder.date")
        yield _input("phone")
        yield _input("id_number", "placeholder.id_number")
        yield _input("address")
        yield _input("joined_party_on", "placeholder.date")
        yield from self.placement_fields()
        yield Field(
            "kind",
            EnumSelect("member_kind", MemberKind, value="resident", allow_blank=False, id="kind"),
        )
        yield Field("resident_unit_id", ChoiceSelect(id="resident_unit_id"))

    def on_mount(self) -> None:  # (the base's on_mount runs too: Textual calls each)
        self.kind_changed()
        self.query_one("#name").focus()

    @on(Select.Changed, "#kind")
    def kind_changed(self) -> None:
        in_service = self.choice("kind") == MemberKind.IN_SERVICE
        self.query_one("#resident_unit_id-field").display = in_service

    def place_resident_units(self) -> None:
        community = self.community_of_branch()
        choices = [
            (u["name"], str(u["id"])) for u in self.resident_units if u["community_id"] == community
        ]
        self.query_one("#resident_unit_id", ChoiceSelect).set_choices(choices)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        kind = self.choice("kind") or MemberKind.RESIDENT.value
        draft = MemberDraft(
            name=self.value("name"),
            gender=self.choice("gender") or "",
            birth_date=parse_date("birth_date", self.value("birth_date")),
            phone=self.value("phone"),
            address=self.value("address"),
            joined_party_on=parse_date("joined_party_on", self.value("joined_party_on")),
            branch_id=self.choice("branch_id"),
            group_id=self.choice("group_id"),
            kind=kind,
            resident_unit_id=(
                self.choice("resident_unit_id") if kind == MemberKind.IN_SERVICE else None
            ),
            id_number=text_or_none(self.value("id_number")),
        )
        self.member_name = draft.name.strip()
        app, actor = self.system.app, self.principal
        return (lambda: app.register_member(draft, actor=actor)), MemberRegistered

    def on_member_registered(self, message: MemberRegistered) -> None:
        self.finish(message.receipt, "done.registered", name=self.member_name)


class TransferMemberScreen(PlacementForm):
    """Move a member to another branch or group, with the reason."""

    TITLE_KEY = "form.transfer.title"

    def __init__(
        self,
        member_id: UUID,
        name: str,
        place: str,
        branch_id: UUID | None = None,
        group_id: UUID | None = None,
    ) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_name = name
        self.place = place
        self.want_branch = str(branch_id) if branch_id else None
        self.want_group = str(group_id) if group_id else None

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("form.member_at", name=self.member_name, place=self.place, classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.placement_fields()
        yield _input("reason", "placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#branch_id").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        branch, group = self.choice("branch_id"), self.choice("group_id")
        reason, member = self.value("reason"), self.member_id
        app, actor = self.system.app, self.principal
        if branch is None:
            raise InvalidInputError("branch_id", "is required")

        def call() -> Receipt:
            return app.transfer_member(member, branch, reason, group_id=group, actor=actor)

        return call, MemberTransferred

    def on_member_transferred(self, message: MemberTransferred) -> None:
        self.finish(message.receipt, "done.transferred", name=self.member_name)


class CorrectMemberScreen(FormScreen):
    """Correct a member's details; only what was changed is sent, with the reason."""

    TITLE_KEY = "form.correct.title"

    def __init__(self, member_id: UUID, name: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_name = name
        self.detail: MemberDetail | None = None
        self.resident_units: list[dict[str, Any]] = []

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("form.member", name=self.member_name, classes="dialog-hint")
        yield Tr("form.correct.hint", classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("name")
        yield Field("gender", EnumSelect("gender", Gender, id="gender"))
        yield _input("birth_date", "placeholder.date")
        yield _input("phone")
        yield _input("id_number", "placeholder.id_number")
        yield _input("address")
        yield _input("joined_party_on", "placeholder.date")
        yield Field(
            "kind",
            EnumSelect("member_kind", MemberKind, allow_blank=False, id="kind"),
        )
        yield Field("resident_unit_id", ChoiceSelect(id="resident_unit_id"))
        yield _input("reason", "placeholder.reason")

    def on_mount(self) -> None:
        self.set_busy(True)
        self.load_member()

    @work(thread=True, exclusive=True, group="load")
    def load_member(self) -> None:
        try:
            detail = self.system.app.get_member(self.member_id, actor=self.principal)
            units = self.system.roster.list_resident_units(
                actor=self.principal, community_id=detail.community_id
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(MemberLoaded({"detail": detail, "resident_units": units}))

    def on_member_loaded(self, message: MemberLoaded) -> None:
        d: MemberDetail = message.view["detail"]
        self.detail = d
        self.resident_units = [
            u
            for u in message.view["resident_units"]
            if u["status"] == "open" or u["id"] == d.resident_unit_id
        ]
        for field, value in (
            ("name", d.name),
            ("birth_date", d.birth_date or ""),
            ("joined_party_on", d.joined_party_on.isoformat()),
        ):
            self.query_one(f"#{field}", TrInput).value = value
        # Contact details are not shown here (masked, or withheld): typed, they replace.
        if d.phone:
            self.query_one("#phone", TrInput).set_placeholder("placeholder.keep", current=d.phone)
        self.query_one("#address", TrInput).set_placeholder("placeholder.keep_hidden")
        if d.id_number_masked:
            self.query_one("#id_number", TrInput).set_placeholder(
                "placeholder.keep", current=d.id_number_masked
            )
        if d.gender:
            self.query_one("#gender", EnumSelect).value = d.gender
        self.query_one("#kind", EnumSelect).value = d.kind
        self.query_one("#resident_unit_id", ChoiceSelect).set_choices(
            [(u["name"], str(u["id"])) for u in self.resident_units],
            value=str(d.resident_unit_id) if d.resident_unit_id else None,
        )
        self.kind_changed()
        self.set_busy(False)
        self.query_one("#name").focus()

    @on(Select.Changed, "#kind")
    def kind_changed(self) -> None:
        in_service = self.choice("kind") == MemberKind.IN_SERVICE
        self.query_one("#resident_unit_id-field").display = in_service

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        d = self.detail
        if d is None:
            raise InvalidInputError("id", "is required")
        c = MemberCorrection()
        name = self.value("name").strip()
        if name != d.name:
            c.name = name
        gender = self.choice("gender")
        if gender != d.gender:
            c.gender = gender or ""
        for field in ("birth_date", "joined_party_on"):
            typed = parse_date(field, self.value(field))
            if typed is None:
                raise InvalidInputError(field, "is required")
            current = d.birth_date if field == "birth_date" else d.joined_party_on.isoformat()
            if typed.isoformat() != current:
                setattr(c, field, typed)
        for field in ("phone", "address"):
            typed_text = self.value(field).strip()
            if typed_text:  # blank keeps what is there
                setattr(c, field, typed_text)
        c.id_number = text_or_none(self.value("id_number"))
        kind = self.choice("kind") or d.kind
        if kind != d.kind:
            c.kind = kind
        current_unit = str(d.resident_unit_id) if d.resident_unit_id else None
        if kind == MemberKind.IN_SERVICE:
            unit = self.choice("resident_unit_id")
            if unit != current_unit:
                c.resident_unit_id = unit or ""
        elif current_unit:
            c.resident_unit_id = ""  # leaving in-service: the resident unit goes too
        reason, member = self.value("reason"), self.member_id
        app, actor = self.system.app, self.principal
        if c.name:
            self.member_name = c.name

        def call() -> Receipt:
            return app.correct_member(member, c, reason, actor=actor)

        return call, MemberCorrected

    def on_member_corrected(self, message: MemberCorrected) -> None:
        self.finish(message.receipt, "done.corrected", name=self.member_name)


class DeregisterMemberScreen(FormScreen):
    """Deregister a member: the cause, the date and the reason."""

    TITLE_KEY = "form.deregister.title"

    def __init__(self, member_id: UUID, name: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_name = name

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("form.member", name=self.member_name, classes="dialog-hint")
        yield Tr("form.deregister.hint", classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield Field("cause", EnumSelect("cause", DeregistrationCause, id="cause"))
        yield _input("on", "placeholder.today")
        yield _input("reason", "placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#cause").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        cause = self.choice("cause") or ""
        when = parse_date("on", self.value("on"))
        reason, member = self.value("reason"), self.member_id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.deregister_member(member, cause, reason, on=when, actor=actor)

        return call, MemberDeregistered

    def on_member_deregistered(self, message: MemberDeregistered) -> None:
        self.finish(message.receipt, "done.deregistered", name=self.member_name)


class RevealContactScreen(RosterForm):
    """Ask to see a person's contact details: the reason is required, and the showing is
    recorded (who looked, at whom, why). Closes with the details in its receipt.

    `subject_key` names whose they are ("form.member" for a member, else a household's)."""

    TITLE_KEY = "form.contact.title"

    def __init__(self, subject_id: UUID, name: str, subject_key: str = "form.member") -> None:
        super().__init__()
        self.subject_id = subject_id
        self.subject_name = name
        self.subject_key = subject_key

    def compose_header(self) -> Iterator[Widget]:
        yield Tr(self.subject_key, name=self.subject_name, classes="dialog-hint")
        yield Tr("form.contact.hint", classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "placeholder.contact_reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        reason, subject = self.value("reason"), self.subject_id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.reveal_contact(subject, reason, actor=actor)

        return call, ContactShown

    def on_contact_shown(self, message: ContactShown) -> None:
        self.finish(message.receipt, "done.contact", name=self.subject_name)
