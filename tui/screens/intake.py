"""The counter's intake (下单): one fast keyboard form that ends with the receipt code.

The first field has focus when the section opens; Enter moves on (down or space opens
a choice); the requester is a household found by part of the head's name, phone or
building, a resident not in the roster (name and phone), or anonymous (F3). Ctrl+S
places the request; the receipt code then shows large, to read out, with a key for
the next request and one to open the new request. The rules stay in the domain: the
screen maps the fields to one `place_request` and shows its refusals by the field.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from domain.access import Permission
from domain.dto import PlacedReceipt, RequestDraft
from domain.errors import InvalidInputError
from domain.requests import Channel, RequesterKind, Urgency
from projections.roster import UnitNode
from tui import i18n
from tui.errors import describe, reason
from tui.i18n import colon, t
from tui.messages import CommandDone, CommandRefused
from tui.org import by_id, ordered, walk
from tui.screens.base import StaffScreen, text_or_none
from tui.widgets.field import Field
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import ChoiceSelect, EnumSelect, Tr, TrInput
from tui.widgets.section_bar import SectionBar

#: Households listed under the lookup at once; typing more narrows them.
MATCH_LIMIT = 6
#: Seconds of quiet in the lookup before the roster is searched.
LOOKUP_DELAY = 0.25
#: The option under the matches that takes the request as a resident's.
AS_RESIDENT = "__resident__"

#: Fields the domain names that are shown in another field's place.
_FIELD_ALIASES = {"community_id": "branch_id"}


class FieldDone(Message):
    """Enter was pressed on a choice: the form moves on."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget


_SELECT_KEYS: list[BindingType] = [
    Binding("down,space,up", "show_overlay", "Show menu", show=False),
    Binding("enter", "done", "Next", show=False),
]


class FormEnumSelect(EnumSelect, inherit_bindings=False):
    """An enum choice where Enter moves on and down or space opens the options."""

    BINDINGS: ClassVar[list[BindingType]] = _SELECT_KEYS

    def action_done(self) -> None:
        self.post_message(FieldDone(self))


class FormChoiceSelect(ChoiceSelect, inherit_bindings=False):
    """A loaded choice where Enter moves on and down or space opens the options."""

    BINDINGS: ClassVar[list[BindingType]] = _SELECT_KEYS

    def action_done(self) -> None:
        self.post_message(FieldDone(self))


class IntakeReady(Message):
    """The category catalogue and the organization were read."""

    def __init__(self, categories: list[dict[str, Any]], roots: list[UnitNode]) -> None:
        super().__init__()
        self.categories = categories
        self.roots = roots


class HouseholdsFound(Message):
    """The lookup answered (`ticket` tells stale answers apart)."""

    def __init__(self, items: list[dict[str, Any]], total: int, ticket: int) -> None:
        super().__init__()
        self.items = items
        self.total = total
        self.ticket = ticket


class RequestPlaced(CommandDone):
    """A resident's request was placed; the read models show it."""

    def __init__(self, receipt: PlacedReceipt) -> None:
        super().__init__(receipt)
        self.placed = receipt


def category_name(category: dict[str, Any]) -> str:
    return str(category["name_zh"] if i18n.language() == "zh" else category["name_en"])


def location_choices(roots: list[UnitNode]) -> list[tuple[str, str]]:
    """Each open community ("c:<id>") followed by its open grid branches ("b:<id>")."""
    communities = [n for n in walk(roots) if n.level == "community" and n.status == "open"]
    several = len(communities) > 1
    choices = []
    for community in communities:
        choices.append((t("intake.location.community", name=community.name), f"c:{community.id}"))
        for branch in ordered(c for c in community.children if c.level == "branch"):
            if branch.status == "open":
                name = f"{community.name} › {branch.name}" if several else branch.name
                choices.append((name, f"b:{branch.id}"))
    return choices


def household_text(household: dict[str, Any]) -> str:
    return t(
        "intake.household",
        name=household.get("head_name") or "",
        building=household.get("building") or "",
        phone=household.get("head_phone") or "",
    )


class IntakeScreen(StaffScreen):
    """Take a resident's request at the counter and give them its receipt code."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "place", "Place", id="intake.place"),
        Binding("f3", "anonymous", "Anonymous", id="intake.anonymous"),
        Binding("n", "next_request", "Next request", id="intake.next"),
        Binding("o", "open_request", "Open request", id="intake.open"),
        Binding("c", "copy_code", "Copy code", id="intake.copy"),
        Binding("down", "to_matches", "Matches", show=False, id="intake.to-matches"),
    ]

    DEFAULT_CSS = """
    IntakeScreen #intake-form {
        padding: 0 1;
        height: 1fr;
    }
    IntakeScreen.-wide #intake-form, IntakeScreen.-normal #intake-form {
        padding: 0 4;
    }
    IntakeScreen .intake-title {
        text-style: bold;
        color: $accent;
    }
    IntakeScreen .intake-hint, IntakeScreen #picked, IntakeScreen #anonymous-note {
        color: $text-muted;
    }
    IntakeScreen #picked, IntakeScreen #anonymous-note {
        padding-left: 18;
    }
    IntakeScreen #matches {
        height: auto;
        max-height: 8;
        margin-left: 18;
        border: none;
        background: $boost;
    }
    IntakeScreen #intake-done {
        display: none;
        height: 1fr;
        align: center middle;
    }
    IntakeScreen.-placed #intake-done {
        display: block;
    }
    IntakeScreen.-placed #intake-form {
        display: none;
    }
    IntakeScreen #receipt-code {
        width: auto;
        min-width: 30;
        height: 5;
        border: double $success;
        content-align: center middle;
        text-style: bold;
        color: $success;
        padding: 1 4;
    }
    IntakeScreen #intake-done > * {
        width: auto;
        margin: 1 0 0 0;
    }
    IntakeScreen .done-keys {
        color: $text-muted;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.categories: list[dict[str, Any]] = []
        self.units: dict[UUID, UnitNode] = {}
        self.roots: list[UnitNode] = []
        self.household: dict[str, Any] | None = None
        self.matches: list[dict[str, Any]] = []
        self.total_matches = 0
        self.ticket = 0
        self.lookup_timer: Timer | None = None
        self.busy = False
        self.placed: PlacedReceipt | None = None
        self.placed_detail = ""

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="intake-form"):
            yield Tr("intake.title", classes="intake-title")
            yield Tr("intake.hint", classes="intake-hint")
            yield self._field(
                "channel",
                FormEnumSelect(
                    "request_channel", Channel, value="walk_in", allow_blank=False, id="channel"
                ),
            )
            yield self._field("category", FormChoiceSelect(id="category"))
            yield self._field("branch_id", FormChoiceSelect(id="location"), "location")
            yield self._field(
                "building", TrInput("intake.placeholder.building", id="building", compact=True)
            )
            yield self._field(
                "requester_kind",
                FormEnumSelect(
                    "requester_kind",
                    RequesterKind,
                    value="household",
                    allow_blank=False,
                    id="requester_kind",
                ),
            )
            yield self._field(
                "household_id",
                TrInput("intake.placeholder.household", id="household", compact=True),
                "household",
            )
            yield OptionList(id="matches", compact=True)
            yield Static(t("intake.none_picked"), id="picked", markup=False)
            yield self._field("contact_name", TrInput(id="contact_name", compact=True))
            yield self._field("contact_phone", TrInput(id="contact_phone", compact=True))
            yield Tr("intake.anonymous_note", id="anonymous-note")
            yield self._field(
                "description",
                TrInput("intake.placeholder.description", id="description", compact=True),
            )
            yield self._field(
                "urgency",
                FormEnumSelect("urgency", Urgency, value="normal", allow_blank=False, id="urgency"),
            )
            yield Static("", id="form-error", classes="form-error", markup=False)
        with Vertical(id="intake-done"):
            yield Tr("intake.done.title", classes="intake-title")
            yield Static("", id="receipt-code", markup=False)
            yield Static("", id="receipt-detail", markup=False)
            yield Tr("intake.done.keys", classes="done-keys")
        yield YimaiFooter()

    @staticmethod
    def _field(name: str, widget: Widget, label: str | None = None) -> Field:
        # The domain's field names read the shared labels (field.*); a field shown
        # differently here (a search, a combined choice) has its own.
        return Field(name, widget, label_key=f"intake.field.{label}" if label else f"field.{name}")

    def on_mount(self) -> None:
        self.query_one("#matches").display = False
        self.requester_changed()
        self.query_one("#channel").focus()
        self.load()

    # -- reading --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="intake-load")
    def load(self) -> None:
        try:
            categories = self.system.requests.categories()
            roots = self.system.roster.tree(actor=self.principal)
        except Exception as error:  # shown, not fatal: the counter keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(IntakeReady(categories, roots))

    def on_intake_ready(self, message: IntakeReady) -> None:
        self.categories = message.categories
        self.roots = message.roots
        self.units = by_id(message.roots)
        self.show_choices()

    def show_choices(self) -> None:
        self.query_one("#category", ChoiceSelect).set_choices(
            [(category_name(c), str(c["code"])) for c in self.categories]
        )
        self.query_one("#location", ChoiceSelect).set_choices(location_choices(self.roots))

    def read_models_advanced(self) -> None:
        self.load()

    def relabel(self) -> None:
        self.show_choices()
        self.show_picked()
        self.show_matches()
        if self.placed is not None:
            self.show_placed()

    # -- the requester --------------------------------------------------------------------

    @on(Select.Changed, "#requester_kind")
    def requester_changed(self) -> None:
        kind = self.choice("requester_kind")
        household = kind == RequesterKind.HOUSEHOLD
        self.query_one("#household_id-field").display = household
        self.query_one("#picked").display = household
        self.query_one("#matches").display = household and bool(self.lookup_text())
        for name in ("contact_name", "contact_phone"):
            self.query_one(f"#{name}-field").display = kind == RequesterKind.RESIDENT
        self.query_one("#anonymous-note").display = kind == RequesterKind.ANONYMOUS

    def lookup_text(self) -> str:
        return self.query_one("#household", Input).value.strip()

    @on(Input.Changed, "#household")
    def lookup_changed(self) -> None:
        if self.household is not None:
            self.household = None
            self.show_picked()
        if self.lookup_timer is not None:
            self.lookup_timer.stop()
        self.lookup_timer = self.set_timer(LOOKUP_DELAY, self.look_up_now)

    def look_up_now(self) -> None:
        self.lookup_timer = None
        self.ticket += 1
        text = self.lookup_text()
        if not text:
            self.matches = []
            self.query_one("#matches").display = False
            return
        self.find_households(text, self.ticket)

    @work(thread=True, exclusive=True, group="intake-lookup")
    def find_households(self, text: str, ticket: int) -> None:
        try:
            page = self.system.roster.list_households(
                actor=self.principal, query=text[:40], limit=MATCH_LIMIT
            )
        except Exception as error:
            self.post_message(CommandRefused(error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(HouseholdsFound(page.items, page.total, ticket))

    def on_households_found(self, message: HouseholdsFound) -> None:
        if message.ticket != self.ticket:
            return
        self.matches = message.items
        self.total_matches = message.total
        self.show_matches()

    def show_matches(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if not self.lookup_text() or self.household is not None:
            matches.display = False
            return
        options: list[Option | None] = [
            Option(household_text(h), id=str(h["id"])) for h in self.matches
        ]
        total = self.total_matches
        if not self.matches:
            options.append(Option(Text(t("intake.no_match"), style="dim"), disabled=True))
        elif total > len(self.matches):
            more = t("intake.more", n=total - len(self.matches))
            options.append(Option(Text(more, style="dim"), disabled=True))
        options.append(Option(Text(t("intake.as_resident"), style="italic"), id=AS_RESIDENT))
        matches.set_options(options)
        matches.display = self.choice("requester_kind") == RequesterKind.HOUSEHOLD

    def pick_household(self, household: dict[str, Any]) -> None:
        self.household = household
        self.query_one("#matches").display = False
        self.clear_error("household_id")
        location = self.query_one("#location", ChoiceSelect)
        if location.selected is None and household.get("branch_id"):
            location.set_choices(location.choices, value=f"b:{household['branch_id']}")
        self.show_picked()
        self.query_one("#description").focus()

    def take_as_resident(self) -> None:
        """Not in the roster: what was typed becomes the name or the phone."""
        typed = self.lookup_text()
        self.query_one("#requester_kind", Select).value = RequesterKind.RESIDENT.value
        digits = typed.replace(" ", "").replace("-", "")
        target = "contact_phone" if digits.isdigit() else "contact_name"
        self.query_one(f"#{target}", Input).value = typed
        self.query_one("#contact_name" if target == "contact_phone" else "#contact_phone").focus()

    def show_picked(self) -> None:
        text = (
            t("intake.picked", household=household_text(self.household))
            if self.household is not None
            else t("intake.none_picked")
        )
        self.query_one("#picked", Static).update(text)

    @on(OptionList.OptionSelected, "#matches")
    def match_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == AS_RESIDENT:
            self.take_as_resident()
            return
        for household in self.matches:
            if str(household["id"]) == event.option.id:
                self.pick_household(household)
                return

    # -- moving on --------------------------------------------------------------------

    def on_field_done(self, message: FieldDone) -> None:
        self.advance(message.widget)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "household":
            if self.lookup_timer is not None:  # Enter before the lookup ran: run it now
                self.lookup_timer.stop()
                self.look_up_now()
                return
            if len(self.matches) == 1 and self.household is None:
                self.pick_household(self.matches[0])
                return
        self.advance(event.input)

    def advance(self, widget: Widget) -> None:
        """The next field; Enter on the last one places the request."""
        if widget.id == "urgency":
            self.action_place()
        else:
            self.focus_next()

    # -- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        placed = self.placed is not None
        if action in ("place", "anonymous"):
            if not placed and not self.yimai_can(Permission.REQUESTS_PLACE):
                return False
            return not placed
        if action in ("next_request", "copy_code"):
            return placed
        if action == "open_request":
            return placed and self.yimai_can(Permission.REQUESTS_READ)
        if action == "to_matches":
            lookup, matches = self.query("#household"), self.query("#matches")
            return bool(lookup and matches and lookup.first().has_focus and matches.first().display)
        return True

    def yimai_can(self, permission: Permission) -> bool:
        principal = self.yimai.principal
        return principal is not None and principal.can(permission)

    def action_to_matches(self) -> None:
        matches = self.query_one("#matches", OptionList)
        matches.focus()
        if matches.highlighted is None and matches.option_count:
            matches.highlighted = 0

    def action_anonymous(self) -> None:
        """Anonymous is one key away (and the same key goes back to a household)."""
        select = self.query_one("#requester_kind", Select)
        anonymous = self.choice("requester_kind") == RequesterKind.ANONYMOUS
        select.value = (RequesterKind.HOUSEHOLD if anonymous else RequesterKind.ANONYMOUS).value
        self.clear_error("requester_kind")
        self.query_one("#description").focus()

    def choice(self, widget_id: str) -> str | None:
        value = self.query_one(f"#{widget_id}", Select).value
        return None if value is Select.NULL else str(value)

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def draft(self) -> RequestDraft:
        """The form as the domain's draft (it checks every field itself)."""
        community: str | None = None
        branch: str | None = None
        location = self.choice("location")
        if location and location.startswith("c:"):
            community = location[2:]
        elif location and location.startswith("b:"):
            branch = location[2:]
            node = self.units.get(UUID(branch))
            community = str(node.parent_id) if node and node.parent_id else None
        kind = self.choice("requester_kind") or ""
        resident = kind == RequesterKind.RESIDENT
        household = self.household if kind == RequesterKind.HOUSEHOLD else None
        return RequestDraft(
            channel=self.choice("channel") or "",
            category=self.choice("category") or "",
            description=self.value("description"),
            community_id=community,
            requester_kind=kind,
            branch_id=branch,
            building=text_or_none(self.value("building")),
            urgency=self.choice("urgency") or "",
            household_id=str(household["id"]) if household else None,
            contact_name=text_or_none(self.value("contact_name")) if resident else None,
            contact_phone=text_or_none(self.value("contact_phone")) if resident else None,
        )

    def action_place(self) -> None:
        if self.busy or self.placed is not None:
            return
        self.clear_errors()
        self.busy = True
        self.notify(t("intake.placing"), timeout=1)
        self.place(self.draft())

    @work(thread=True, exclusive=True, group="intake-place")
    def place(self, draft: RequestDraft) -> None:
        try:
            receipt = self.system.app.place_request(draft, actor=self.principal)
            self.system.runner.wait_for(receipt.position)
        except Exception as error:  # a refusal, or a fault: shown in the form either way
            self.post_message(CommandRefused(error))
            return
        self.post_message(RequestPlaced(receipt))

    def on_command_refused(self, message: CommandRefused) -> None:
        self.busy = False
        self.show_error(message.error)

    def on_request_placed(self, message: RequestPlaced) -> None:
        self.busy = False
        self.placed = message.placed
        category = next((c for c in self.categories if c["code"] == self.choice("category")), None)
        location = self.query_one("#location", ChoiceSelect)
        place = next((n for n, v in location.choices if v == location.selected), "")
        building = self.value("building").strip()
        self.placed_detail = " · ".join(
            p for p in (category_name(category) if category else "", place, building) if p
        )
        self.show_placed()
        self.add_class("-placed")
        self.set_focus(None)
        self.refresh_bindings()

    def show_placed(self) -> None:
        if self.placed is None:
            return
        code = self.placed.receipt_code
        self.query_one("#receipt-code", Static).update(Text(" ".join(code), style="bold"))
        self.query_one("#receipt-detail", Static).update(self.placed_detail)

    def action_next_request(self) -> None:
        """A new, empty form (the code stays in the request's history, not here)."""
        self.placed = None
        self.remove_class("-placed")
        self.clear_errors()
        for name in ("building", "household", "contact_name", "contact_phone", "description"):
            with self.query_one(f"#{name}", Input).prevent(Input.Changed):
                self.query_one(f"#{name}", Input).value = ""
        self.household = None
        self.matches = []
        for select_id in ("category", "location"):
            self.query_one(f"#{select_id}", Select).clear()
        self.query_one("#channel", Select).value = Channel.WALK_IN.value
        self.query_one("#urgency", Select).value = Urgency.NORMAL.value
        self.query_one("#requester_kind", Select).value = RequesterKind.HOUSEHOLD.value
        self.requester_changed()
        self.show_picked()
        self.query_one("#intake-form", VerticalScroll).scroll_home(animate=False)
        self.query_one("#channel").focus()
        self.refresh_bindings()

    def action_open_request(self) -> None:
        if self.placed is None:
            return
        from tui.screens.request import RequestScreen  # type: ignore[import-not-found,unused-ignore]

        self.app.push_screen(RequestScreen(self.placed.id))

    def action_copy_code(self) -> None:
        if self.placed is None:
            return
        self.app.copy_to_clipboard(self.placed.receipt_code)
        self.notify(t("intake.copied", code=self.placed.receipt_code))

    # -- errors -------------------------------------------------------------------------

    def clear_error(self, name: str) -> None:
        fields = self.query(f"#{name}-field")
        if fields:
            fields.first(Field).clear_error()

    @on(Input.Changed)
    @on(Select.Changed)
    def field_edited(self, event: Input.Changed | Select.Changed) -> None:
        """An error shown next to a field goes once the field is edited."""
        for node in event.control.ancestors:
            if isinstance(node, Field):
                node.edited()
                break

    def clear_errors(self) -> None:
        for field in self.query(Field):
            field.clear_error()
        error = self.query_one("#form-error", Static)
        error.update("")
        error.display = False

    def show_error(self, error: BaseException) -> None:
        """Next to the field it names (with that field's label), else under the form."""
        name = getattr(error, "field", None)
        name = _FIELD_ALIASES.get(name or "", name)
        fields = self.query(f"#{name}-field") if name else None
        if isinstance(error, InvalidInputError) and fields:
            field = fields.first(Field)
            field.show_error(f"{t(field.label_key)}{colon()}{reason(error.reason)}")
            if field.display and field.widget.focusable:
                field.widget.focus()
            return
        box = self.query_one("#form-error", Static)
        box.update(describe(error, user=self._username()))
        box.display = True
