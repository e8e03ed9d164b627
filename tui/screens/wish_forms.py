"""The forms of micro-wishes and alliance needs: post a wish for a resident, list a need,
claim (a member for a wish, a resident unit for a need), and the moves that ask a reason
(release, send back, withdraw), a note (fulfil), a summary (publish) or a confirmation.

A wish and a need take the same steps, so each move's form serves both: it calls the
Application's `<step>_wish` or `<step>_need`. The rules and their messages stay in the
domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, cast
from uuid import UUID

from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from domain.dto import NeedDraft, Receipt, WishDraft
from domain.errors import InvalidInputError, RuleViolationError
from projections.system import System
from tui.errors import describe, reason
from tui.i18n import colon, has, t
from tui.messages import CommandDone, CommandRefused
from tui.screens.base import FormScreen, text_or_none
from tui.widgets.field import Field
from tui.widgets.localized import ChoiceSelect, Tr, TrInput

# -- facts ---------------------------------------------------------------------------------


class WishPosted(CommandDone):
    """A micro-wish was posted for a resident."""


class NeedListed(CommandDone):
    """The committee listed an alliance need."""


class ItemClaimed(CommandDone):
    """A member claimed the wish, or a resident unit the need."""


class ClaimReleased(CommandDone):
    """The claim was given back, with the reason."""


class ItemFulfilled(CommandDone):
    """The claimant said it was done."""


class FulfilmentConfirmed(CommandDone):
    """The resident (or the committee) confirmed it was done."""


class FulfilmentSentBack(CommandDone):
    """The fulfilment was sent back to the claimant, with the reason."""


class OutcomePublished(CommandDone):
    """The public summary was approved and published."""


class ItemWithdrawn(CommandDone):
    """The wish or need was withdrawn, with the reason."""


class ChoicesFound(Message):
    """A form's choices (households, members, units, communities) were read."""

    def __init__(
        self,
        name: str,
        choices: list[tuple[str, str]],
        total: int = 0,
        communities: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.choices = choices
        self.total = total
        #: Each choice's community (households), by the choice's value.
        self.communities = communities or {}


# -- errors and fields ---------------------------------------------------------------------


def describe_wish(error: BaseException, *, user: str = "", label: str | None = None) -> str:
    """An error as the wish screens say it: their own field and rule texts (`wish.…`)
    first, then the shared ones."""
    if isinstance(error, InvalidInputError):
        key = f"wish.field.{error.field}"
        if has(key):
            return f"{label or t(key)}{colon()}{reason(error.reason)}"
    if isinstance(error, RuleViolationError) and has(f"wish.rule.{error.rule}"):
        return t(f"wish.rule.{error.rule}")
    return describe(error, user=user, label=label)


def label_key(field: str) -> str:
    key = f"wish.field.{field}"
    return key if has(key) else f"field.{field}"


def _input(field: str, placeholder: str = "", **kw: Any) -> Field:
    return Field(
        field, TrInput(placeholder, id=field, compact=True, **kw), label_key=label_key(field)
    )


def _select(field: str, prompt_key: str = "select.choose") -> Field:
    return Field(field, ChoiceSelect(prompt_key=prompt_key, id=field), label_key=label_key(field))


class WishFormBase(FormScreen):
    """A wish form: errors in the wish texts, closing with a note once recorded."""

    DONE_KEY = ""
    #: The field focused first (None: the first field, or Save when there is none).
    FOCUS: str | None = None
    #: The note's {title}.
    title_text = ""

    def on_mount(self) -> None:
        # Textual runs each class's on_mount in turn: no super() call in subclasses.
        fields = [f.widget for f in self.query(Field) if f.widget.focusable]
        if self.FOCUS:
            self.query_one(f"#{self.FOCUS}").focus()
        elif fields:
            fields[0].focus()
        else:
            self.query_one("#save").focus()

    def describe_error(self, error: BaseException, *, user: str, label: str | None = None) -> str:
        return describe_wish(error, user=user, label=label)

    @on(CommandDone)
    def command_done(self, message: CommandDone) -> None:
        message.stop()
        self.finish(message.receipt, self.DONE_KEY, title=self.title_text)

    def selected(self, field: str) -> str | None:
        return self.query_one(f"#{field}", ChoiceSelect).selected

    def on_choices_found(self, message: ChoicesFound) -> None:
        self.show_choices(message)

    def show_choices(self, message: ChoicesFound) -> None:
        select = self.query_one(f"#{message.name}", ChoiceSelect)
        select.set_choices(message.choices, select.selected or self.first_choice(message))
        counts = self.query(f"#{message.name}-count")
        if counts:
            counts.first(Static).update(t("wish.form.found", total=message.total))

    def first_choice(self, message: ChoicesFound) -> str | None:
        """The choice taken when none is made (typing narrows to someone)."""
        return None


# -- one item's moves ----------------------------------------------------------------------


class ItemForm(WishFormBase):
    """A move on one wish or need: names it on top; calls `<STEP>_<kind>`."""

    STEP = ""
    FACT: ClassVar[type[CommandDone]] = CommandDone
    #: The field whose text the command takes after the id (None: none).
    TEXT_FIELD: str | None = None

    def __init__(self, kind: str, item_id: UUID, title: str) -> None:
        super().__init__()
        self.kind = kind
        self.item_id = item_id
        self.title_text = title

    def compose_header(self) -> Iterator[Widget]:
        yield Tr(
            "wish.form.item",
            kind=t(f"wish.kind.{self.kind}"),
            title=self.title_text,
            classes="dialog-hint",
        )
        yield from super().compose_header()

    def compose_fields(self) -> Iterator[Widget]:
        if self.TEXT_FIELD == "reason":
            yield _input("reason", "wish.placeholder.reason")
        elif self.TEXT_FIELD is not None:
            yield _input(self.TEXT_FIELD)

    def arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The command's arguments after the id, and its keywords."""
        if self.TEXT_FIELD is None:
            return (), {}
        return (self.value(self.TEXT_FIELD),), {}

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        args, kw = self.arguments()
        act = run_on(self.system, self.kind, self.STEP)
        item_id, actor = self.item_id, self.principal
        return (lambda: act(item_id, *args, actor=actor, **kw)), self.FACT


class ReleaseScreen(ItemForm):
    TITLE_KEY = "wish.form.release"
    HINT_KEY = "wish.form.release.hint"
    DONE_KEY = "wish.done.released"
    STEP, FACT, TEXT_FIELD = "release", ClaimReleased, "reason"


class SendBackScreen(ItemForm):
    TITLE_KEY = "wish.form.send_back"
    HINT_KEY = "wish.form.send_back.hint"
    DONE_KEY = "wish.done.sent_back"
    STEP, FACT, TEXT_FIELD = "send_back", FulfilmentSentBack, "reason"


class WithdrawScreen(ItemForm):
    TITLE_KEY = "wish.form.withdraw"
    HINT_KEY = "wish.form.withdraw.hint"
    DONE_KEY = "wish.done.withdrawn"
    STEP, FACT, TEXT_FIELD = "withdraw", ItemWithdrawn, "reason"


class FulfilScreen(ItemForm):
    TITLE_KEY = "wish.form.fulfil"
    DONE_KEY = "wish.done.fulfilled"
    STEP, FACT, TEXT_FIELD = "fulfil", ItemFulfilled, "note"


class ConfirmScreen(ItemForm):
    """Confirming takes no reason and cannot be undone: the form only asks to confirm."""

    TITLE_KEY = "wish.form.confirm"
    HINT_KEY = "wish.form.confirm.hint"
    DONE_KEY = "wish.done.confirmed"
    STEP, FACT = "confirm", FulfilmentConfirmed


class PublishScreen(ItemForm):
    """The public summary, prefilled from the public title (nothing personal)."""

    TITLE_KEY = "wish.form.publish"
    HINT_KEY = "wish.form.publish.hint"
    DONE_KEY = "wish.done.published"
    STEP, FACT, TEXT_FIELD = "publish", OutcomePublished, "summary"

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("summary", value=t("wish.form.publish.prefill", title=self.title_text))


class ClaimWishScreen(ItemForm):
    """Record a member's claim on a wish, picked by a name or phone fragment; with no
    member chosen (for a user who may claim), the user claims for themself."""

    TITLE_KEY = "wish.form.claim"
    DONE_KEY = "wish.done.claimed"
    STEP, FACT = "claim", ItemClaimed

    def __init__(self, item_id: UUID, title: str, community_id: UUID, *, myself: bool) -> None:
        super().__init__("wish", item_id, title)
        self.community_id = community_id
        self.myself = myself
        if myself:
            self.HINT_KEY = "wish.form.claim.hint"

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("q", "wish.placeholder.search")
        prompt = "wish.select.myself" if self.myself else "select.choose"
        yield _select("member_id", prompt)
        yield Static("", id="member_id-count", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.search("")

    @on(Input.Changed, "#q")
    def query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str) -> None:
        try:
            page = self.system.roster.search_members(
                query.strip(), actor=self.principal, unit_id=self.community_id, limit=20
            )
        except Exception as error:
            self.post_message(CommandRefused(error))
            return
        choices = [
            (" · ".join(x for x in (m.name, m.branch_name, m.phone or "") if x), str(m.id))
            for m in page.items
        ]
        self.post_message(ChoicesFound("member_id", choices, page.total))

    def first_choice(self, message: ChoicesFound) -> str | None:
        return message.choices[0][1] if self.value("q").strip() and message.choices else None

    def arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        member = self.selected("member_id")
        if member is None and not self.myself:
            raise InvalidInputError("member_id", "is required")
        return (), {"member_id": member}


class ClaimNeedScreen(ItemForm):
    """A resident unit of the need's community claims it."""

    TITLE_KEY = "wish.form.claim"
    HINT_KEY = "wish.form.claim_need.hint"
    DONE_KEY = "wish.done.claimed"
    STEP, FACT = "claim", ItemClaimed

    def __init__(self, item_id: UUID, title: str, community_id: UUID) -> None:
        super().__init__("need", item_id, title)
        self.community_id = community_id

    def compose_fields(self) -> Iterator[Widget]:
        yield _select("resident_unit_id")

    def on_mount(self) -> None:
        self.load_units()

    @work(thread=True, exclusive=True, group="load")
    def load_units(self) -> None:
        try:
            units = self.system.roster.list_resident_units(
                actor=self.principal, community_id=self.community_id
            )
        except Exception as error:
            self.post_message(CommandRefused(error))
            return
        choices = [(str(u["name"]), str(u["id"])) for u in units if u.get("status") != "closed"]
        self.post_message(ChoicesFound("resident_unit_id", choices, len(choices)))

    def first_choice(self, message: ChoicesFound) -> str | None:
        return message.choices[0][1] if len(message.choices) == 1 else None

    def arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        unit = self.selected("resident_unit_id")
        if unit is None:
            raise InvalidInputError("resident_unit_id", "is required")
        return (unit,), {}


# -- new items -----------------------------------------------------------------------------


class _CommunityForm(WishFormBase):
    """A form that names the community (prefilled with the list's)."""

    def __init__(self, communities: list[tuple[str, str]], community_id: UUID | None) -> None:
        super().__init__()
        self.communities = communities
        self.community_id = community_id

    def on_mount(self) -> None:
        want = str(self.community_id) if self.community_id else None
        if want is None and len(self.communities) == 1:
            want = self.communities[0][1]
        self.query_one("#community_id", ChoiceSelect).set_choices(self.communities, want)


class PostWishScreen(_CommunityForm):
    """Post a micro-wish for a household of the roster (found by part of the head's name,
    phone or building) or a resident not in it (name and phone)."""

    TITLE_KEY = "wish.form.post"
    HINT_KEY = "wish.form.post.hint"
    DONE_KEY = "wish.done.posted"
    FOCUS = "q"

    def __init__(self, communities: list[tuple[str, str]], community_id: UUID | None) -> None:
        super().__init__(communities, community_id)
        self.household_communities: dict[str, str] = {}

    def compose_fields(self) -> Iterator[Widget]:
        yield _select("community_id")
        yield _input("q", "wish.placeholder.search")
        yield _select("household_id", "wish.select.none_household")
        yield Static("", id="household_id-count", classes="dialog-hint", markup=False)
        yield _input("resident_name", "wish.placeholder.optional")
        yield _input("contact_phone", "wish.placeholder.optional")
        yield _input("title", "wish.placeholder.title")
        yield _input("wish")

    @on(Input.Changed, "#q")
    def query_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text:
            self.find_households(text)
        else:
            self.query_one("#household_id", ChoiceSelect).set_choices([])

    @work(thread=True, exclusive=True, group="search")
    def find_households(self, text: str) -> None:
        try:
            page = self.system.roster.list_households(
                actor=self.principal, unit_id=self.community_id, query=text[:40], limit=20
            )
        except Exception as error:
            self.post_message(CommandRefused(error))
            return
        choices = [
            (
                " · ".join(
                    str(h.get(k) or "") for k in ("head_name", "building", "head_phone") if h.get(k)
                ),
                str(h["id"]),
            )
            for h in page.items
        ]
        communities = {str(h["id"]): str(h["community_id"]) for h in page.items}
        self.post_message(ChoicesFound("household_id", choices, page.total, communities))

    def show_choices(self, message: ChoicesFound) -> None:
        # A new search: the choice is the first match, not an earlier one.
        select = self.query_one(f"#{message.name}", ChoiceSelect)
        first = message.choices[0][1] if message.choices else None
        self.household_communities = message.communities
        select.set_choices(message.choices, first)
        self.household_chosen()
        self.query_one("#household_id-count", Static).update(
            t("wish.form.found", total=message.total)
        )

    @on(Select.Changed, "#household_id")
    def household_chosen(self) -> None:
        """The household's community is the wish's."""
        chosen = self.selected("household_id")
        community = self.household_communities.get(chosen) if chosen else None
        if community:
            select = self.query_one("#community_id", ChoiceSelect)
            select.set_choices(select.choices, community)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        self.title_text = self.value("title").strip()
        draft = WishDraft(
            community_id=self.selected("community_id"),
            title=self.value("title"),
            wish=self.value("wish"),
            household_id=self.selected("household_id"),
            resident_name=text_or_none(self.value("resident_name")),
            contact_phone=text_or_none(self.value("contact_phone")),
        )
        system, actor = self.system, self.principal
        return (lambda: system.app.post_wish(draft, actor=actor)), WishPosted


class ListNeedScreen(_CommunityForm):
    """The committee lists an alliance need for the community's resident units."""

    TITLE_KEY = "wish.form.list"
    DONE_KEY = "wish.done.listed"
    FOCUS = "title"

    def compose_fields(self) -> Iterator[Widget]:
        yield _select("community_id")
        yield _input("title", "wish.placeholder.title")
        yield _input("description")
        yield _input("alliance")

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        self.title_text = self.value("title").strip()
        draft = NeedDraft(
            community_id=self.selected("community_id"),
            title=self.value("title"),
            description=self.value("description"),
            alliance=self.value("alliance"),
        )
        system, actor = self.system, self.principal
        return (lambda: system.app.list_need(draft, actor=actor)), NeedListed


def run_on(system: System, kind: str, step: str) -> Callable[..., Receipt]:
    """The Application command of `step` for a `kind` ("wish" or "need")."""
    return cast("Callable[..., Receipt]", getattr(system.app, f"{step}_{kind}"))
