"""What every screen shares: the App it runs in, localized bindings, the form frame."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar, cast
from uuid import UUID

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from domain.access import Permission, Principal
from domain.dto import Receipt
from domain.errors import InvalidInputError
from projections.system import System
from tui import i18n
from tui.errors import describe
from tui.i18n import t
from tui.messages import CommandDone, CommandRefused
from tui.widgets.field import Field
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrButton, localize_tree, relabel_tree

if TYPE_CHECKING:
    from tui.app import YimaiApp


T = TypeVar("T")


class YimaiScreen(Screen[None]):
    """A full screen of the Yimai app.

    A screen out of view when the language was switched (another section's) relabels
    itself when it comes back.
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown_language = i18n.language()

    def on_mount(self) -> None:
        localize_tree(self)

    def on_screen_resume(self) -> None:
        if self.shown_language != i18n.language():
            self.shown_language = i18n.language()
            relabel_tree(self)
            self.refresh_bindings()

    @property
    def yimai(self) -> YimaiApp:
        return cast("YimaiApp", self.app)

    @property
    def system(self) -> System:
        return self.yimai.system


class StaffScreen(YimaiScreen):
    """A screen for a logged-in member of staff.

    It follows the read models: while in view, `read_models_advanced` runs as other
    stations work; out of view (another section, a screen over it) it runs once the
    screen comes back.
    """

    #: The app's read-model generation this screen last showed.
    seen_generation = 0

    def __init__(self) -> None:
        super().__init__()
        with contextlib.suppress(Exception):  # made outside a running app (a test)
            self.seen_generation = self.yimai.read_models_generation

    def on_screen_resume(self) -> None:
        generation = self.yimai.read_models_generation
        if self.seen_generation < generation and self.yimai.principal is not None:
            self.seen_generation = generation
            self.read_models_advanced()

    @property
    def principal(self) -> Principal:
        principal = self.yimai.principal
        if principal is None:  # logged out while a worker ran: read nothing
            raise RuntimeError("no one is logged in")
        return principal

    @property
    def can_write(self) -> bool:
        principal = self.yimai.principal
        return principal is not None and principal.can(Permission.ROSTER_WRITE)

    def action_account(self) -> None:
        from tui.screens.account import AccountScreen

        self.app.push_screen(AccountScreen())

    def read_models_advanced(self) -> None:
        """The read models moved on; screens that show them reload."""

    def _username(self) -> str:
        principal = self.yimai.principal
        return principal.username if principal else ""

    # -- the member forms, from any staff screen ----------------------------------------

    def after_write(self, receipt: Receipt | None) -> None:
        """A form closed; with a receipt, the change is already in the read models."""

    def open_register(self, branch_id: UUID | None, group_id: UUID | None) -> None:
        from tui.screens.forms import RegisterMemberScreen

        self.app.push_screen(RegisterMemberScreen(branch_id, group_id), self.after_write)

    def open_transfer(
        self,
        member_id: UUID,
        name: str,
        place: str,
        branch_id: UUID | None,
        group_id: UUID | None,
    ) -> None:
        from tui.screens.forms import TransferMemberScreen

        screen = TransferMemberScreen(member_id, name, place, branch_id, group_id)
        self.app.push_screen(screen, self.after_write)

    def open_correct(self, member_id: UUID, name: str) -> None:
        from tui.screens.forms import CorrectMemberScreen

        self.app.push_screen(CorrectMemberScreen(member_id, name), self.after_write)

    def open_deregister(self, member_id: UUID, name: str) -> None:
        from tui.screens.forms import DeregisterMemberScreen

        self.app.push_screen(DeregisterMemberScreen(member_id, name), self.after_write)


class YimaiModal(ModalScreen[T], Generic[T]):
    """A dialog over the current screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "app.help", "Help", show=False, id="modal.help"),
    ]

    def on_mount(self) -> None:
        localize_tree(self)

    @property
    def yimai(self) -> YimaiApp:
        return cast("YimaiApp", self.app)

    @property
    def system(self) -> System:
        return self.yimai.system


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(field: str, text: str) -> date | None:
    """A typed date (1970-01-02, 1970/1/2, 19700102, 1970年1月2日); blank is None."""
    text = text.strip()
    if not text:
        return None
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise InvalidInputError(field, "must be a date (YYYY-MM-DD)")


def text_or_none(value: str) -> str | None:
    value = value.strip()
    return value or None


class FormScreen(YimaiModal[Receipt | None]):
    """A modal form: fields with inline errors; submitting runs one command in a worker.

    On an error the form stays open with the message next to the field it names (or
    under the form); on success it waits until the read models show the change, then
    closes with the receipt.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    TITLE_KEY = ""
    HINT_KEY = ""

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Tr(self.TITLE_KEY, classes="dialog-title")
            yield from self.compose_header()
            with VerticalScroll(classes="form-body"):
                yield from self.compose_fields()
            yield Static("", id="form-error", classes="form-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield TrButton("form.save", id="save", variant="primary", compact=True)
                yield TrButton("form.cancel", id="cancel", compact=True)
        yield YimaiFooter()

    def compose_header(self) -> Iterator[Widget]:
        if self.HINT_KEY:
            yield Tr(self.HINT_KEY, classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield from ()

    # -- helpers for subclasses ------------------------------------------------------

    @property
    def principal(self) -> Principal:
        principal = self.yimai.principal
        if principal is None:
            raise RuntimeError("no one is logged in")
        return principal

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def choice(self, field: str) -> str | None:
        value = self.query_one(f"#{field}", Select).value
        return None if value is Select.NULL else str(value)

    # -- errors -----------------------------------------------------------------------

    def clear_errors(self) -> None:
        for field in self.query(Field):
            field.clear_error()
        error = self.query_one("#form-error", Static)
        error.update("")
        error.remove_class("-shown")

    def show_error(self, error: BaseException) -> None:
        """Show the error next to the field it names, else under the form."""
        principal = self.yimai.principal
        user = principal.username if principal else ""
        name = getattr(error, "field", None)
        fields = self.query(f"#{name}-field") if name else None
        if fields:
            field = fields.first(Field)
            field.show_error(self.describe_error(error, user=user, label=t(field.label_key)))
            self.focus_field(field)
        else:
            box = self.query_one("#form-error", Static)
            box.update(self.describe_error(error, user=user))
            box.add_class("-shown")

    def describe_error(self, error: BaseException, *, user: str, label: str | None = None) -> str:
        """The error's text; `label` is the form's own label of the field it names. An
        area whose texts read differently (its own field names, reasons, rules) overrides
        this, not show_error."""
        return describe(error, user=user, label=label)

    def focus_field(self, field: Field) -> None:
        """Put the focus where the refused value is typed."""
        if field.widget.focusable:
            field.widget.focus()

    @on(Input.Changed)
    @on(Select.Changed)
    def _field_edited(self, event: Input.Changed | Select.Changed) -> None:
        """An error shown next to a field goes once the field is edited."""
        for node in event.control.ancestors:
            if isinstance(node, Field):
                node.edited()
                break

    # -- submitting ------------------------------------------------------------------

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_errors()
        try:
            call, fact = self.build()
        except InvalidInputError as error:
            self.show_error(error)
            return
        self.set_busy(True)
        self.run_command(call, fact)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        """The Application call this form makes, and the fact it reports."""
        raise NotImplementedError

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        save = self.query_one("#save", Button)
        save.disabled = busy
        save.label = t("form.saving") if busy else t("form.save")

    @work(thread=True, exclusive=True, group="command")
    def run_command(self, call: Callable[[], Receipt], fact: type[CommandDone]) -> None:
        try:
            receipt = call()
            self.system.runner.wait_for(receipt.position)
        except Exception as error:  # a refusal, or a fault: shown in the form either way
            self.post_message(CommandRefused(error))
            return
        self.post_message(fact(receipt))

    def on_command_refused(self, message: CommandRefused) -> None:
        self.set_busy(False)
        self.show_error(message.error)

    def finish(self, receipt: Receipt, note_key: str, **values: object) -> None:
        self.notify(t(note_key, **values))
        self.dismiss(receipt)

    # -- keys and buttons -------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            event.stop()
            self.action_submit()
        elif event.button.id == "cancel":
            event.stop()
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last field it saves."""
        event.stop()
        fields = [f.widget for f in self.query(Field) if f.display and f.widget.focusable]
        if fields and event.input is fields[-1]:
            self.action_submit()
        else:
            self.focus_next()
