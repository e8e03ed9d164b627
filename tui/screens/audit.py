"""The audit section: any record's history and any account's trail, and the ways back in
time (a replay step by step, the roster and the board as of a day, verifying the seal).

Reviewers (who read everything and change nothing) and supervisors work here; every
question goes to the review functions, which seal personal fields themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from domain.access import Permission, Principal
from domain.dto import HistoryEntry
from domain.errors import InvalidInputError
from domain.personal import ERASED
from domain.review import SEALED, plain
from projections.queries import Page
from projections.system import System
from tui.errors import describe
from tui.i18n import colon, has, join, language, t
from tui.messages import CommandRefused
from tui.org import walk
from tui.screens.base import StaffScreen, parse_date
from tui.when import stamp as local_stamp
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr, TrInput
from tui.widgets.section_bar import SectionBar

#: Events of a trail shown at once; `[` and `]` turn the page.
TRAIL_LIMIT = 50
#: Records a name or code search offers at most.
CANDIDATE_LIMIT = 20
#: Fields of an event that its own columns show (or that say nothing on a line).
_QUIET_FIELDS = frozenset({"reason", "personal"})


# -- how the audit reads (shared by the section's screens) -----------------------------


#: Where the events are named already, besides the audit's own `audit.event.*`.
_EVENT_KEYS = ("event.", "request.event.", "household.event.", "dashboard.event.", "audit.event.")
#: The areas whose forms label a kind of record's fields (`<area>.field.<name>`).
_FIELD_AREAS: dict[str, str] = {
    "Request": "request",
    "ReceiptCode": "request",
    "Category": "request",
    "Wish": "request",
    "Need": "request",
    "Household": "household",
    "HouseholdLink": "household",
    "Ledger": "points",
    "Activity": "points",
    "Adjustment": "points",
    "Objection": "points",
    "Period": "points",
    "Selection": "points",
    "Rule": "points",
}
#: The label kinds (`<kind>.<value>`) of the fields that hold codes, by kind of record
#: ("" for any record).
_VALUE_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Member", "kind"): ("member_kind",),
    ("ResidentUnit", "kind"): ("resident_unit_kind",),
    ("OrgUnit", "kind"): ("branch_kind", "group_kind"),
    ("Adjustment", "kind"): ("points_adjustment",),
    ("Adjustment", "state"): ("audit.adjustment_state",),
    ("Objection", "state"): ("points_objection",),
    ("Period", "state"): ("points_period",),
    ("Selection", "state"): ("points_selection",),
    ("Request", "state"): ("request_state",),
    ("Wish", "state"): ("audit.wish_state",),
    ("Need", "state"): ("audit.wish_state",),
    ("Household", "status"): ("household.status",),
    ("Request", "channel"): ("request_channel",),
    ("HouseholdLink", "channel"): ("channel",),
    ("Rule", "category"): ("points_category",),
    ("", "status"): ("status",),
    ("", "level"): ("level",),
    ("", "gender"): ("gender",),
    ("", "cause"): ("cause",),
    ("", "roles"): ("role",),
    ("", "role"): ("appointment",),
    ("", "urgency"): ("urgency",),
    ("", "requester_kind"): ("requester_kind",),
    ("", "satisfaction"): ("request.satisfaction",),
    ("", "evidence_kind"): ("audit.evidence_kind",),
    ("", "subject_kind"): ("audit.subject_kind",),
}
#: What a sealed or erased personal field reads in a state (domain.review).
_HIDDEN = {SEALED: "audit.value.sealed", ERASED: "audit.value.erased"}
#: A time a record holds (ISO, with a time of day).
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
#: Fields that list other fields by name (what a disclosure showed, a correction changed).
_FIELD_LISTS = frozenset({"fields"})


def event_label(name: str | None) -> str:
    """An event's name in the current language (`Member.Transferred`: 组织关系转接)."""
    if not name:
        return ""
    for prefix in _EVENT_KEYS:
        if has(prefix + name):
            return t(prefix + name)
    return name


def is_empty(value: Any) -> bool:
    """No value: a replay shows none of these as a change from another."""
    return value is None or value == "" or value == [] or value == {}


def field_name(kind: str, name: str) -> str:
    """A field of a kind of record (`Request`, `claim_hours`) in the current language:
    the record kind's own label first, as a field's name means different things on
    different records (a resident unit's `kind` is no member's kind)."""
    area = _FIELD_AREAS.get(kind)
    for key in (
        f"audit.field.{kind}.{name}",
        f"{area}.field.{name}" if area else "",
        f"field.{name}",
        f"audit.field.{name}",
    ):
        if key and has(key):
            return t(key)
    return name


@dataclass(frozen=True)
class Vocabulary:
    """What turns a record's ids and codes into words: the units' names (by id, as text)
    and the request categories' names (by code)."""

    units: dict[str, str] = field(default_factory=dict)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, system: System, actor: Principal) -> Vocabulary:
        """Read in a worker: the units when the actor reads the roster, the categories."""
        units: dict[str, str] = {}
        if actor.can(Permission.ROSTER_READ):
            tree = system.roster.tree(actor=actor, include_closed=True)
            units = {str(u.id): u.name for u in walk(tree)}
        categories = {
            str(c["code"]): (str(c["name_zh"]), str(c["name_en"]))
            for c in system.requests.categories(include_retired=True)
        }
        return cls(units, categories)

    def value(self, kind: str, name: str, value: Any, width: int = 60) -> str:
        """A field's value as read: a code's label, a unit's name for its id."""
        value = plain(value)  # as a state holds it: ids, codes and times as text
        if is_empty(value):
            return "—"
        if isinstance(value, list) and all(isinstance(x, str) for x in value):
            return short(join(self.word(kind, name, x) for x in value), width)
        if isinstance(value, str):
            return short(self.word(kind, name, value), width)
        return short(value, width)

    def word(self, kind: str, name: str, value: str) -> str:
        if name in _FIELD_LISTS:
            named = field_name(kind, value)
            key = f"household.field.{value}"  # a household's fields shown
            return t(key) if named == value and has(key) else named
        if value in _HIDDEN:
            return t(_HIDDEN[value])
        if _TIME.match(value):
            return when(value)
        if value in self.units:
            return self.units[value]
        if name == "category" and kind == "Request" and value in self.categories:
            zh, en = self.categories[value]
            return zh if language() == "zh" else en
        for label_kind in _VALUE_KINDS.get((kind, name)) or _VALUE_KINDS.get(("", name), ()):
            key = f"{label_kind}.{value}"
            if has(key):
                return t(key)
        return value


def kind_label(name: str) -> str:
    """A kind of record (`Member`, `Request` …) in the current language when known."""
    key = f"audit.kind.{name}"
    return t(key) if has(key) else name


def when(stamp: datetime | str | None) -> str:
    """A time in the stations' time zone (tui.when), to the second; text that is not a
    time as it is."""
    if isinstance(stamp, str):
        try:
            return local_stamp(datetime.fromisoformat(stamp), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return stamp
    return local_stamp(stamp, "%Y-%m-%d %H:%M:%S")


def short(value: object, width: int = 60) -> str:
    """A value on one line, cut to `width` cells."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    text = str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Candidate:
    """A record a history search found (a member by name, a request by receipt code)."""

    id: UUID
    kind: str
    label: str


def find_records(system: System, actor: Principal, text: str) -> list[Candidate]:
    """The requests (by receipt code or words) and the members (by name) `text` finds.

    Run in a worker: it reads the read models."""
    found: list[Candidate] = []
    if actor.can(Permission.REQUESTS_READ):
        page = system.requests.board(
            actor=actor, now=system.app.now(), q=text, limit=CANDIDATE_LIMIT
        )
        for item in page.items:
            excerpt = short(item.get("excerpt") or "", 40)
            found.append(Candidate(item["id"], "Request", f"{item['receipt_code']} {excerpt}"))
    if actor.can(Permission.ROSTER_READ) and len(text) <= 40:
        members = system.roster.search_members(
            text, actor=actor, status=None, limit=CANDIDATE_LIMIT
        )
        for row in members.items:
            place = " / ".join(n for n in (row.branch_name, row.group_name) if n)
            found.append(Candidate(row.id, "Member", f"{row.name} · {place}"))
    return found


# -- messages --------------------------------------------------------------------------


class CandidatesFound(Message):
    """A history search found no record or several: the user picks one."""

    def __init__(self, query: str, candidates: list[Candidate]) -> None:
        super().__init__()
        self.query = query
        self.candidates = candidates


class HistoryRead(Message):
    """One record's history was read."""

    def __init__(
        self, record_id: UUID, title: str, entries: list[HistoryEntry], words: Vocabulary
    ) -> None:
        super().__init__()
        self.record_id = record_id
        self.title = title
        self.entries = entries
        self.words = words


class TrailRead(Message):
    """A page of one account's trail was read."""

    def __init__(self, username: str, page: Page) -> None:
        super().__init__()
        self.username = username
        self.page = page


@dataclass(frozen=True)
class TrailQuery:
    username: str
    since: date | None
    until: date | None


class AuditScreen(StaffScreen):
    """Look up a record's history or an account's trail; open the other audit screens."""

    DEFAULT_CSS = """
    AuditScreen #audit-body {
        height: 1fr;
        padding: 0 1;
    }
    AuditScreen .audit-row {
        height: 1;
        margin-bottom: 1;
    }
    AuditScreen .audit-row .audit-label {
        width: 12;
        color: $text-muted;
    }
    AuditScreen #history-q {
        width: 1fr;
    }
    AuditScreen #trail-user {
        width: 1fr;
    }
    AuditScreen #trail-since, AuditScreen #trail-until {
        width: 16;
        margin-left: 1;
    }
    AuditScreen #audit-heading {
        text-style: bold;
        color: $accent;
    }
    AuditScreen #audit-table {
        height: 1fr;
    }
    AuditScreen #audit-status {
        height: auto;
        color: $text-muted;
    }
    AuditScreen.-wide #trail-since, AuditScreen.-wide #trail-until {
        width: 24;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "history", "History", id="audit.history"),
        Binding("t", "trail", "Trail", id="audit.trail"),
        Binding("r", "replay", "Replay", id="audit.replay"),
        Binding("o", "roster_as_of", "Roster as of", id="audit.roster-as-of"),
        Binding("b", "board_as_of", "Board as of", id="audit.board-as-of"),
        Binding("v", "verify", "Verify", id="audit.verify"),
        Binding("left_square_bracket", "page(-1)", "Newer", key_display="[", id="audit.page-back"),
        Binding("right_square_bracket", "page(1)", "Older", key_display="]", id="audit.page-on"),
        Binding("escape", "leave_input", "To the list", show=False, id="audit.leave-input"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: What the table shows: "history", "trail", "candidates" or "" (nothing yet).
        self.shown = ""
        self.history: HistoryRead | None = None
        self.trail: TrailRead | None = None
        self.trail_query: TrailQuery | None = None
        self.candidates: CandidatesFound | None = None
        #: Names for the ids and codes of a history (read once, by the first look-up).
        self.words: Vocabulary | None = None
        self.error: BaseException | None = None
        #: The user asked for what comes next: the list takes the focus when it lands
        #: (not when a trail is re-read as others work, nor on a language switch).
        self.asked = False

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Vertical(id="audit-body"):
            with Horizontal(classes="audit-row"):
                yield Tr("audit.history.label", classes="audit-label")
                yield TrInput("audit.history.placeholder", id="history-q", compact=True)
            with Horizontal(classes="audit-row"):
                yield Tr("audit.trail.label", classes="audit-label")
                yield TrInput("audit.trail.placeholder", id="trail-user", compact=True)
                yield TrInput("audit.since.placeholder", id="trail-since", compact=True)
                yield TrInput("audit.until.placeholder", id="trail-until", compact=True)
            yield Static("", id="audit-heading", markup=False)
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            yield Static(t("audit.intro"), id="audit-status", markup=False)
        yield YimaiFooter()

    def on_mount(self) -> None:
        # The look-up holds the focus, so a typed receipt code or name goes into it (not
        # to the section keys); esc leaves it for the list, where the letters open things.
        self.query_one("#history-q", Input).focus()

    def read_models_advanced(self) -> None:
        """A trail grows as others work; a history shown stays as read (it is the past)."""
        if self.shown == "trail" and self.trail_query is not None and self.trail is not None:
            self.read_trail(self.trail_query, self.trail.page.offset)

    # -- reading ------------------------------------------------------------------------

    @on(Input.Submitted, "#history-q")
    def history_submitted(self) -> None:
        text = self.query_one("#history-q", Input).value.strip()
        if text:
            self.asked = True
            self.look_up(text)

    @work(thread=True, exclusive=True, group="audit")
    def look_up(self, text: str) -> None:
        """A record by id, else the members and requests the text finds."""
        try:
            actor = self.principal
            ident, title = as_uuid(text), text
            if ident is None:
                candidates = find_records(self.system, actor, text)
                if len(candidates) != 1:
                    self.post_message(CandidatesFound(text, candidates))
                    return
                ident, title = candidates[0].id, candidates[0].label
            entries = self.system.app.get_history(ident, actor=actor)
            if self.words is None:
                self.words = Vocabulary.read(self.system, actor)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(HistoryRead(ident, title, entries, self.words))

    @on(Input.Submitted, "#trail-user, #trail-since, #trail-until")
    def trail_submitted(self) -> None:
        self.error = None
        try:
            query = TrailQuery(
                self.query_one("#trail-user", Input).value.strip(),
                parse_date("since", self.query_one("#trail-since", Input).value),
                parse_date("until", self.query_one("#trail-until", Input).value),
            )
            if not query.username:
                raise InvalidInputError("username", "is required")
        except InvalidInputError as error:
            self.show_error(error)
            return
        self.trail_query = query
        self.asked = True
        self.read_trail(query, 0)

    @work(thread=True, exclusive=True, group="audit")
    def read_trail(self, query: TrailQuery, offset: int) -> None:
        review = self.system.review
        try:
            page = review.trail(
                query.username,
                actor=self.principal,
                since=review.moment(query.since, "since", start=True) if query.since else None,
                until=review.moment(query.until, "until") if query.until else None,
                offset=offset,
                limit=TRAIL_LIMIT,
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(TrailRead(query.username, page))

    def on_candidates_found(self, message: CandidatesFound) -> None:
        self.error = None
        self.candidates = message
        self.show("candidates")

    def on_history_read(self, message: HistoryRead) -> None:
        self.error = None
        self.history = message
        self.show("history")

    def on_trail_read(self, message: TrailRead) -> None:
        self.error = None
        self.trail = message
        self.show("trail")

    def on_command_refused(self, message: CommandRefused) -> None:
        self.show_error(message.error)

    # -- showing ------------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        self.error = error
        self.asked = False
        self.show_status()

    def show(self, shown: str) -> None:
        self.shown = shown
        table: DataTable[Text] = self.query_one("#audit-table", DataTable)
        table.clear(columns=True)
        if shown == "history" and self.history is not None:
            self.fill_history(table, self.history)
        elif shown == "trail" and self.trail is not None:
            self.fill_trail(table, self.trail)
        elif shown == "candidates" and self.candidates is not None:
            self.fill_candidates(table, self.candidates)
        self.show_status()
        self.refresh_bindings()
        if self.asked and table.row_count:
            table.focus()
        self.asked = False

    def fill_history(self, table: DataTable[Text], history: HistoryRead) -> None:
        record = history.entries[0].event.split(".")[0] if history.entries else ""
        self.heading(t("audit.history.title", record=history.title, kind=kind_label(record)))
        for key in ("col.when", "col.who", "col.what", "col.why", "audit.col.details"):
            table.add_column(t(key))
        words = history.words
        for entry in reversed(history.entries):
            details = "; ".join(
                colon_pair(field_name(record, k), words.value(record, k, v, 24))
                for k, v in entry.fields.items()
                if k not in _QUIET_FIELDS and v not in (None, "", [], {})
            )
            table.add_row(
                Text(when(entry.timestamp)),
                Text(entry.actor),
                Text(event_label(entry.event)),
                Text(short(entry.fields.get("reason") or "", 30)),
                Text(short(details, 80), style="dim"),
                key=str(entry.version),
            )

    def fill_trail(self, table: DataTable[Text], trail: TrailRead) -> None:
        self.heading(t("audit.trail.title", user=trail.username))
        for key in ("col.when", "col.what", "audit.col.record", "audit.col.version"):
            table.add_column(t(key))
        for i, row in enumerate(trail.page.items):
            table.add_row(
                Text(when(row["stamped_at"])),
                Text(event_label(row["event"])),
                Text(f"{kind_label(row['event'].split('.')[0])} {str(row['originator_id'])[:8]}"),
                Text(str(row["originator_version"]), justify="right"),
                key=str(i),
            )

    def fill_candidates(self, table: DataTable[Text], found: CandidatesFound) -> None:
        self.heading(t("audit.candidates.title", q=found.query))
        table.add_column(t("audit.col.kind"))
        table.add_column(t("audit.col.record"))
        for i, c in enumerate(found.candidates):
            table.add_row(Text(kind_label(c.kind)), Text(c.label), key=str(i))

    def heading(self, text: str) -> None:
        self.query_one("#audit-heading", Static).update(text)

    def show_status(self) -> None:
        status = self.query_one("#audit-status", Static)
        if self.error is not None:
            text = describe(self.error, user=self._username())
            status.update(Text(text, style="bold red"))
            return
        if self.shown == "history" and self.history is not None:
            status.update(t("audit.history.count", n=len(self.history.entries)))
        elif self.shown == "trail" and self.trail is not None:
            page = self.trail.page
            if page.total == 0:
                status.update(t("audit.trail.none"))
            else:
                status.update(
                    t(
                        "audit.trail.count",
                        first=page.offset + 1,
                        last=page.offset + len(page.items),
                        total=page.total,
                    )
                )
        elif self.shown == "candidates" and self.candidates is not None:
            n = len(self.candidates.candidates)
            status.update(t("audit.candidates.count", n=n) if n else t("audit.candidates.none"))
        else:
            status.update(t("audit.intro"))

    def relabel(self) -> None:
        self.show(self.shown)

    # -- choosing a row -----------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        if self.shown == "candidates" and self.candidates is not None:
            chosen = self.candidates.candidates[int(key)]
            self.query_one("#history-q", Input).value = chosen.label
            self.asked = True
            self.look_up(str(chosen.id))
        elif self.shown == "history" and self.history is not None:
            self.open_replay(self.history.record_id, int(key) - 1)
        elif self.shown == "trail" and self.trail is not None:
            row = self.trail.page.items[int(key)]
            self.open_replay(row["originator_id"], int(row["originator_version"]) - 1)

    def open_replay(self, entity: UUID | None = None, step: int = 0) -> None:
        from tui.screens.replay import ReplayScreen

        self.app.push_screen(ReplayScreen(entity=entity, step=step))

    # -- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if principal is None or not principal.can(Permission.AUDIT_READ):
            return action == "account"
        if action == "roster_as_of":
            return principal.can(Permission.ROSTER_READ)
        if action == "board_as_of":
            return principal.can(Permission.REQUESTS_READ)
        if action == "page":
            page = self.trail.page if self.trail is not None else None
            if self.shown != "trail" or page is None:
                return None
            step = int(str(parameters[0])) if parameters else 1
            if step < 0:
                return True if page.offset > 0 else None
            return True if page.offset + len(page.items) < page.total else None
        if action == "leave_input":
            return isinstance(self.focused, Input)
        return True

    def action_history(self) -> None:
        self.query_one("#history-q", Input).focus()

    def action_trail(self) -> None:
        self.query_one("#trail-user", Input).focus()

    def action_leave_input(self) -> None:
        self.query_one("#audit-table", DataTable).focus()

    def action_page(self, step: int) -> None:
        if self.trail is None or self.trail_query is None:
            return
        offset = max(0, self.trail.page.offset + step * TRAIL_LIMIT)
        self.read_trail(self.trail_query, offset)

    def action_replay(self) -> None:
        self.open_replay()

    def action_roster_as_of(self) -> None:
        from tui.screens.asof import RosterAsOfScreen

        self.app.push_screen(RosterAsOfScreen())

    def action_board_as_of(self) -> None:
        from tui.screens.asof import BoardAsOfScreen

        self.app.push_screen(BoardAsOfScreen())

    def action_verify(self) -> None:
        from tui.screens.verify import VerifyScreen

        self.app.push_screen(VerifyScreen())


def colon_pair(name: str, value: str) -> str:
    return f"{name}{colon()}{value}"
