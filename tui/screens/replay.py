"""Replay: the events of a record, an account or a period, one at a time, with the record
before and after each, and what changed.

The selection is typed at the top (a record's id, a staff account, and/or a period); then
← and → (h and l, Home and End) step back and forth. Each step is read afresh from the
review functions: the states come from the record's own events, sealed fields sealed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from domain.access import Permission
from domain.errors import InvalidInputError
from tui.errors import describe
from tui.i18n import t
from tui.messages import CommandRefused
from tui.screens.audit import (
    Vocabulary,
    as_uuid,
    colon_pair,
    event_label,
    field_name,
    find_records,
    is_empty,
    kind_label,
    short,
    when,
)
from tui.screens.base import StaffScreen, parse_date
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrInput
from tui.widgets.section_bar import SectionBar

#: What a typed record that names nothing, or several records, reads (tui.text.audit).
NO_RECORD = "matches no record"
SEVERAL_RECORDS = "matches several records; choose one in the history (h)"
#: Style of a changed field: the old value, the new one.
OLD_STYLE = "red"
NEW_STYLE = "bold green"


@dataclass(frozen=True)
class Selection:
    """What a replay steps through: a record, an account, a period (or an account's
    or a record's events within a period)."""

    entity: str | None = None
    account: str | None = None
    since: date | None = None
    until: date | None = None


class ReplayStepRead(Message):
    """One step of a replay was read: the event, the states, the changes (and the words
    for the ids and codes a state holds)."""

    def __init__(self, found: dict[str, Any], words: Vocabulary, record: str | None) -> None:
        super().__init__()
        self.found = found
        self.words = words
        #: The record's id the typed selection named (a receipt code, a member's name).
        self.record = record


class _Panels(Horizontal, can_focus=True):
    """The before and after states; holding the focus here, ← and → step."""


class _Panel(VerticalScroll, can_focus=False):
    """A state, scrolled with the mouse (the arrows step through the replay)."""


class ReplayScreen(StaffScreen):
    """Step through events; see each one, the record before and after it, and the diff."""

    DEFAULT_CSS = """
    ReplayScreen #replay-form {
        height: auto;
        padding: 0 1;
    }
    ReplayScreen .replay-row {
        height: 1;
    }
    ReplayScreen .replay-row Input {
        width: 1fr;
        margin-right: 1;
    }
    ReplayScreen .replay-row .replay-label {
        width: 10;
        color: $text-muted;
    }
    ReplayScreen #replay-event {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    ReplayScreen #replay-panels {
        height: 1fr;
    }
    ReplayScreen #replay-panels:focus {
        background-tint: $foreground 3%;
    }
    ReplayScreen _Panel {
        width: 1fr;
        padding: 0 1;
    }
    ReplayScreen .replay-title {
        text-style: bold;
        color: $accent;
    }
    ReplayScreen #replay-diff-box {
        height: 7;
        padding: 0 1;
        border-top: solid $panel;
    }
    ReplayScreen.-wide #replay-diff-box {
        height: 10;
    }
    ReplayScreen #replay-error {
        height: auto;
        color: $error;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "step(-1)", "Back", key_display="←", id="replay.back-step"),
        Binding("right,l", "step(1)", "Forward", key_display="→", id="replay.forward-step"),
        Binding("home", "first", "First", id="replay.first"),
        Binding("end", "last", "Last", id="replay.last"),
        Binding("s", "select", "Selection", id="replay.select"),
        Binding("escape", "back", "Back", id="replay.close"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self, *, entity: UUID | None = None, step: int = 0) -> None:
        super().__init__()
        self.selection: Selection | None = Selection(entity=str(entity)) if entity else None
        self.step = max(step, 0)
        self.total = 0
        self.found: dict[str, Any] | None = None
        self.error: BaseException | None = None
        #: Names for ids and codes, so a state reads "第一网格党支部", not a UUID.
        self.words: Vocabulary | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Vertical(id="replay-form"):
            with Horizontal(classes="replay-row"):
                yield Tr("audit.replay.record", classes="replay-label")
                yield TrInput("audit.replay.record.placeholder", id="entity", compact=True)
                yield TrInput("audit.trail.placeholder", id="account", compact=True)
            with Horizontal(classes="replay-row"):
                yield Tr("audit.replay.period", classes="replay-label")
                yield TrInput("audit.since.placeholder", id="since", compact=True)
                yield TrInput("audit.until.placeholder", id="until", compact=True)
        yield Static("", id="replay-error", markup=False)
        yield Static(t("audit.replay.hint"), id="replay-event", markup=False)
        with _Panels(id="replay-panels"):
            with _Panel(id="replay-before-box"):
                yield Tr("audit.replay.before", classes="replay-title")
                yield Static("", id="replay-before")
            with _Panel(id="replay-after-box"):
                yield Tr("audit.replay.after", classes="replay-title")
                yield Static("", id="replay-after")
        with VerticalScroll(id="replay-diff-box", can_focus=False):
            yield Static("", id="replay-diff-title", classes="replay-title", markup=False)
            yield Static("", id="replay-diff")
        yield YimaiFooter()

    def on_mount(self) -> None:
        if self.selection is not None:
            self.query_one("#entity", Input).value = self.selection.entity or ""
            self.query_one("#replay-panels").focus()
            self.load(self.selection, self.step)
        else:
            self.query_one("#entity", Input).focus()

    def read_models_advanced(self) -> None:
        """A selection of an account or a period may have grown: the total is re-read."""
        if self.selection is not None and self.found is not None:
            self.load(self.selection, self.step)

    # -- the selection --------------------------------------------------------------------

    @on(Input.Submitted)
    def selection_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.error = None
        try:
            selection = Selection(
                entity=self.query_one("#entity", Input).value.strip() or None,
                account=self.query_one("#account", Input).value.strip() or None,
                since=parse_date("since", self.query_one("#since", Input).value),
                until=parse_date("until", self.query_one("#until", Input).value),
            )
        except InvalidInputError as error:
            self.show_error(error)
            return
        self.selection = selection
        self.found = None
        self.query_one("#replay-panels").focus()
        self.load(selection, 0)

    # -- reading --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="replay")
    def load(self, selection: Selection, step: int) -> None:
        review = self.system.review
        try:
            actor = self.principal
            words = self.words or Vocabulary.read(self.system, actor)
            entity = self.record_of(selection.entity)
            found = review.replay(
                step,
                actor=actor,
                entity=entity,
                username=selection.account,
                since=review.moment(selection.since, "since", start=True)
                if selection.since
                else None,
                until=review.moment(selection.until, "until") if selection.until else None,
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        named = entity if entity != selection.entity else None
        self.post_message(ReplayStepRead(found, words, named))

    def record_of(self, text: str | None) -> str | None:
        """A record's id for what was typed: an id as it is, else the one request (by
        receipt code) or member (by name) the history's look-up finds."""
        if not text or as_uuid(text) is not None:
            return text
        found = find_records(self.system, self.principal, text)
        if not found:
            raise InvalidInputError("entity", NO_RECORD)
        if len(found) > 1:
            raise InvalidInputError("entity", SEVERAL_RECORDS)
        return str(found[0].id)

    def on_replay_step_read(self, message: ReplayStepRead) -> None:
        self.error = None
        self.found = message.found
        self.words = message.words
        if message.record is not None and self.selection is not None:
            # Stepping on reads the record found, not the search again.
            self.selection = replace(self.selection, entity=message.record)
        self.step = int(message.found["step"])
        self.total = int(message.found["total"])
        self.show()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        self.show_error(message.error)

    def show_error(self, error: BaseException) -> None:
        self.error = error
        self.show_error_line()
        self.refresh_bindings()

    def show_error_line(self) -> None:
        box = self.query_one("#replay-error", Static)
        if self.error is None:
            box.update("")
            return
        name = getattr(self.error, "field", None)
        label = None
        if name in ("entity", "actor", "since", "until", "step"):
            label = t(f"audit.replay.field.{name}")
        box.update(describe(self.error, user=self._username(), label=label))

    # -- showing --------------------------------------------------------------------------

    def show(self) -> None:
        self.show_error_line()
        found = self.found
        if found is None:
            return
        event = found["event"]
        after = found["after"]
        kind = str(after["kind"])
        # Only what changed: a new record's empty fields are no change.
        changed = {
            k: (old, new)
            for k, (old, new) in found["changed"].items()
            if old != new and not (is_empty(old) and is_empty(new))
        }
        head = Text()
        head.append(t("audit.replay.step", n=found["step"] + 1, total=found["total"]), style="bold")
        head.append(" · " + t("audit.replay.position", n=found["position"]), style="dim")
        head.append("\n" + event_label(event["event"]), style="bold")
        head.append(f" · {kind_label(after['kind'])} {after['id'][:8]} v{event['version']}")
        head.append("\n" + colon_pair(t("col.who"), event["actor"]))
        head.append(" · " + colon_pair(t("col.when"), when(event["timestamp"])))
        reason = (event.get("fields") or {}).get("reason")
        head.append("\n" + colon_pair(t("col.why"), short(reason, 70) if reason else "—"))
        self.query_one("#replay-event", Static).update(head)
        before = found["before"]
        self.query_one("#replay-before", Static).update(
            self.state_table(kind, before["state"], changed, OLD_STYLE)
            if before
            else Text(t("audit.replay.new"), style="dim")
        )
        self.query_one("#replay-after", Static).update(
            self.state_table(kind, after["state"], changed, NEW_STYLE)
        )
        self.query_one("#replay-diff-title", Static).update(
            t("audit.replay.changes", n=len(changed))
        )
        self.query_one("#replay-diff", Static).update(self.diff_table(kind, changed))

    def value(self, kind: str, name: str, value: Any, width: int) -> str:
        """A state's value as read: a code's label, a unit's name for its id."""
        return (self.words or Vocabulary()).value(kind, name, value, width)

    def state_table(
        self, kind: str, state: dict[str, Any], changed: dict[str, Any], style: str
    ) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        for name, value in state.items():
            mark = style if name in changed else ""
            grid.add_row(
                Text(field_name(kind, name), style=mark),
                Text(self.value(kind, name, value, 80), style=mark),
            )
        return grid

    def diff_table(self, kind: str, changed: dict[str, tuple[Any, Any]]) -> Table | Text:
        if not changed:
            return Text(t("audit.replay.no_changes"), style="dim")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="bold")
        grid.add_column()
        grid.add_column(no_wrap=True)
        grid.add_column()
        for name, (old, new) in changed.items():
            grid.add_row(
                Text(field_name(kind, name)),
                Text(self.value(kind, name, old, 50), style=OLD_STYLE),
                Text("→"),
                Text(self.value(kind, name, new, 50), style=NEW_STYLE),
            )
        return grid

    def relabel(self) -> None:
        if self.found is None:
            self.query_one("#replay-event", Static).update(t("audit.replay.hint"))
        self.show()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if action in ("step", "first", "last"):
            if principal is None or not principal.can(Permission.AUDIT_READ):
                return False
            if self.found is None or self.selection is None:
                return None
            forward = action == "last" or (
                action == "step" and int(str(parameters[0] if parameters else 1)) > 0
            )
            if forward:
                return True if self.step + 1 < self.total else None
            return True if self.step > 0 else None
        return True

    def go(self, step: int) -> None:
        if self.selection is None or self.found is None:
            return
        step = min(max(step, 0), max(self.total - 1, 0))
        if step != self.step:
            self.step = step  # a second key before the first answer goes on from here
            self.load(self.selection, step)

    def action_step(self, delta: int) -> None:
        self.go(self.step + delta)

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(self.total - 1)

    def action_select(self) -> None:
        self.query_one("#entity", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
