"""The roster and the request board as they stood at the end of a day.

The day becomes a moment (the last commit by then: a log position and a time), and the
read models answer for that position with the same queries as for today
(`system.review.at`). `[` and `]` move one day back and forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from domain.access import Permission, Principal
from domain.errors import InvalidInputError
from projections.queries import Page
from projections.review import Moment
from projections.roster import UnitNode
from tui.errors import describe
from tui.i18n import label, t
from tui.messages import CommandRefused
from tui.screens.audit import short, when
from tui.screens.base import StaffScreen, parse_date
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrInput
from tui.widgets.org_tree import OrgTree
from tui.widgets.section_bar import SectionBar

#: Requests of the board shown at once (the total is always given).
BOARD_LIMIT = 100


def _state(value: str) -> str:
    """A request's state in the current language."""
    return label("request_state", value)


@dataclass
class AsOf:
    """What a read model showed at the end of `day`."""

    day: date
    moment: Moment
    data: Any


class AsOfRead(Message):
    """A read model was read as of a day."""

    def __init__(self, found: AsOf) -> None:
        super().__init__()
        self.found = found


class AsOfScreen(StaffScreen):
    """A read model as of the end of a day; the subclasses say which and how it shows."""

    DEFAULT_CSS = """
    AsOfScreen #asof-form {
        height: 1;
        padding: 0 1;
    }
    AsOfScreen #asof-form .asof-label {
        width: auto;
        padding-right: 1;
        color: $text-muted;
    }
    AsOfScreen #asof-day {
        width: 28;
    }
    AsOfScreen #asof-moment {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    AsOfScreen #asof-error {
        height: auto;
        padding: 0 1;
        color: $error;
    }
    AsOfScreen #asof-view {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket", "day(-1)", "Day before", key_display="[", id="asof.day-before"
        ),
        Binding(
            "right_square_bracket", "day(1)", "Day after", key_display="]", id="asof.day-after"
        ),
        Binding("d", "focus_day", "Date", id="asof.date"),
        Binding("escape", "back", "Back", id="asof.back"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    TITLE_KEY = ""
    #: The right the read model needs besides the audit's.
    NEEDS = Permission.AUDIT_READ

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.day = day
        self.found: AsOf | None = None
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Horizontal(id="asof-form"):
            yield Tr(self.TITLE_KEY, classes="asof-label")
            yield TrInput("audit.asof.placeholder", id="asof-day", compact=True)
        yield Static("", id="asof-moment", markup=False)
        yield Static("", id="asof-error", markup=False)
        yield self.compose_view()
        yield YimaiFooter()

    def compose_view(self) -> Widget:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.day = self.day or self.system.app.today()
        self.query_one("#asof-day", Input).value = self.day.isoformat()
        self.query_one("#asof-view").focus()
        self.load(self.day)

    def read_models_advanced(self) -> None:
        """Only today's end moves as others work; a past day stays as it was."""
        if self.day is not None and self.day >= self.system.app.today():
            self.load(self.day)

    # -- reading --------------------------------------------------------------------------

    @on(Input.Submitted, "#asof-day")
    def day_submitted(self) -> None:
        try:
            day = parse_date("on", self.query_one("#asof-day", Input).value)
            if day is None:
                raise InvalidInputError("on", "is required")
        except InvalidInputError as error:
            self.show_error(error)
            return
        self.day = day
        self.query_one("#asof-view").focus()
        self.load(day)

    @work(thread=True, exclusive=True, group="asof")
    def load(self, day: date) -> None:
        review = self.system.review
        try:
            actor = self.principal
            today = self.system.app.today()
            if day > today:
                raise InvalidInputError("on", "cannot be in the future")
            # Today is as of now: its end has not come, and nothing is late before its time.
            moment = review.moment(self.system.app.now() if day == today else day, "on")
            data = self.fetch(moment, actor)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(AsOfRead(AsOf(day, moment, data)))

    def fetch(self, moment: Moment, actor: Principal) -> Any:
        """The read model's answer as of `moment` (in the worker)."""
        raise NotImplementedError

    def on_as_of_read(self, message: AsOfRead) -> None:
        self.error = None
        self.found = message.found
        self.show()

    def on_command_refused(self, message: CommandRefused) -> None:
        self.show_error(message.error)

    def show_error(self, error: BaseException) -> None:
        self.error = error
        self.show()

    # -- showing --------------------------------------------------------------------------

    def show(self) -> None:
        error = self.query_one("#asof-error", Static)
        error.update(describe(self.error, user=self._username()) if self.error else "")
        found = self.found
        if found is None:
            return
        self.query_one("#asof-day", Input).value = found.day.isoformat()
        moment = self.query_one("#asof-moment", Static)
        text = Text(t("audit.asof.day", day=found.day.isoformat()), style="bold")
        if found.moment.position:
            text.append(
                " · "
                + t(
                    "audit.asof.moment",
                    position=found.moment.position,
                    at=when(found.moment.at),
                ),
                style="dim",
            )
        else:
            text.append(" · " + t("audit.asof.empty"), style="dim")
        summary = self.summary(found)
        if summary:
            text.append(" · " + summary)
        moment.update(text)
        self.show_data(found)

    def show_data(self, found: AsOf) -> None:
        raise NotImplementedError

    def summary(self, found: AsOf) -> str:
        """The totals shown after the moment."""
        return ""

    def relabel(self) -> None:
        self.show()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if action in ("day", "focus_day"):
            return principal is not None and principal.can(self.NEEDS)
        return True

    def action_day(self, delta: int) -> None:
        day = self.found.day if self.found is not None else self.day
        if day is None:
            return
        self.day = day + timedelta(days=delta)
        self.query_one("#asof-day", Input).value = self.day.isoformat()
        self.load(self.day)

    def action_focus_day(self) -> None:
        self.query_one("#asof-day", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()


class RosterAsOfScreen(AsOfScreen):
    """The organization tree with its counts at the end of a day."""

    TITLE_KEY = "audit.asof.roster"
    NEEDS = Permission.ROSTER_READ

    def compose_view(self) -> Widget:
        return OrgTree(id="asof-view")

    def fetch(self, moment: Moment, actor: Principal) -> Any:
        roster = self.system.review.at(self.system.roster, moment.position, actor=actor)
        return roster.tree(actor=actor)

    def show_data(self, found: AsOf) -> None:
        roots: list[UnitNode] = found.data
        self.query_one(OrgTree).show_units(roots)

    def summary(self, found: AsOf) -> str:
        return t("roster.members", n=sum(r.counts.get("members", 0) for r in found.data))


class BoardAsOfScreen(AsOfScreen):
    """The request board at the end of a day, each clock as it stood then."""

    TITLE_KEY = "audit.asof.board"
    NEEDS = Permission.REQUESTS_READ

    def compose_view(self) -> Widget:
        return DataTable(id="asof-view", cursor_type="row", zebra_stripes=True)

    def fetch(self, moment: Moment, actor: Principal) -> Any:
        board = self.system.review.at(self.system.requests, moment.position, actor=actor)
        return board.board(actor=actor, now=moment.at, limit=BOARD_LIMIT)

    def show_data(self, found: AsOf) -> None:
        page: Page = found.data
        table: DataTable[Text] = self.query_one("#asof-view", DataTable)
        table.clear(columns=True)
        for key in (
            "audit.col.code",
            "audit.col.state",
            "audit.col.placed",
            "audit.col.claimant",
            "audit.col.overdue",
            "audit.col.excerpt",
        ):
            table.add_column(t(key))
        for item in page.items:
            table.add_row(
                Text(item["receipt_code"]),
                Text(_state(item["state"])),
                Text(when(item["placed_at"])[:16]),
                Text(item.get("claimant_name") or "—"),
                Text(t("audit.overdue") if item.get("overdue") else "", style="bold red"),
                Text(short(item.get("excerpt") or "", 40)),
            )

    def summary(self, found: AsOf) -> str:
        page: Page = found.data
        if len(page.items) >= page.total:
            return t("audit.asof.requests", total=page.total)
        return t("audit.asof.requests_shown", total=page.total, shown=len(page.items))
