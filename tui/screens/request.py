"""One request: its detail, its full timeline (who, when, what, why) and the moves the
user's role allows now.

The requester's contact shows masked until the user asks to see it, saying why; the
Application records each showing. Every move is one Application command in a worker
(or a form's); after it the detail and the timeline are read again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from domain.access import Permission
from domain.dto import DisclosedContact, HistoryEntry, HouseholdDetail, Receipt, RequestDetail
from domain.requests import WORKING, Request, RequesterKind
from projections.roster import UnitNode
from tui import i18n
from tui.i18n import colon, join, label, t
from tui.messages import CommandDone, CommandRefused
from tui.org import by_id
from tui.screens.base import FormScreen, StaffScreen
from tui.screens.request_forms import (
    AcceptResolutionScreen,
    ClaimForScreen,
    ClassifyScreen,
    ClockResumed,
    CloseRequestScreen,
    EscalateRequestScreen,
    GiveScreen,
    MergeScreen,
    NoteProgressScreen,
    PauseClockScreen,
    PressRequestScreen,
    PublishScreen,
    RejectRequestScreen,
    ReleaseRequestScreen,
    RequestClaimed,
    RequestLoaded,
    ResolveRequestScreen,
    RevealRequesterScreen,
    SendBackScreen,
    VisitScreen,
    WithdrawRequestScreen,
    describe_request,
    kind,
)
from tui.when import local
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr
from tui.widgets.section_bar import SectionBar

#: Each move of the screen: the step the request must allow now (RequestDetail.possible)
#: and the Application command that takes it (whose rights `Yimai.may` knows).
MOVES: dict[str, tuple[str, str]] = {
    "classify": ("classify", "classify_request"),
    "claim": ("claim", "claim_request"),
    "release": ("release", "release_request"),
    "give": ("give", "give_request"),
    "note": ("note_progress", "note_progress"),
    "resolve": ("resolve", "resolve_request"),
    "pause": ("pause_clock", "pause_clock"),
    "resume": ("resume_clock", "resume_clock"),
    "accept": ("accept", "accept_resolution"),
    "send_back": ("send_back", "send_back_resolution"),
    "press": ("press", "press_request"),
    "escalate": ("escalate", "escalate_request"),
    "visit": ("record_visit", "record_visit"),
    "publish": ("publish", "publish_request"),
    "close": ("close", "close_request"),
    "withdraw": ("withdraw", "withdraw_request"),
    "reject": ("reject", "reject_request"),
    "merge": ("merge", "merge_request"),
}


@dataclass
class RequestView:
    """Everything the request screen shows, read in one go."""

    detail: RequestDetail
    history: list[HistoryEntry]
    units: dict[UUID, UnitNode]
    #: category code: (中文, English)
    categories: dict[str, tuple[str, str]]
    #: Members named in the request and its history, by id.
    members: dict[UUID, str] = field(default_factory=dict)
    #: Other requests' receipt codes (merged into, duplicates), by id.
    codes: dict[UUID, str] = field(default_factory=dict)
    #: The requesting household of the roster (for a user who reads the roster).
    household: HouseholdDetail | None = None

    @classmethod
    def of(
        cls,
        detail: RequestDetail,
        history: list[HistoryEntry],
        units: dict[UUID, UnitNode],
        categories: dict[str, tuple[str, str]],
        household: HouseholdDetail | None = None,
    ) -> RequestView:
        """The names and codes come with the detail: every member and request the
        history names is the claimant, one its moves name, or a merge's other side."""
        codes = dict(zip(detail.duplicates, detail.duplicate_codes, strict=False))
        if detail.merged_into is not None and detail.merged_into_code:
            codes[detail.merged_into] = detail.merged_into_code
        names = dict(detail.member_names)
        return cls(detail, history, units, categories, names, codes, household)


class Items:
    """Items in a line with a separator, wrapped between items, never inside one (a
    deadline stays whole: "限办 2026-12-01 10:00")."""

    def __init__(self, items: list[Text], separator: str = " · ") -> None:
        self.items = [i for i in items if i.plain]
        self.separator = separator

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width, gap = options.max_width, Text(self.separator)
        line = Text()
        for item in self.items:
            if line and line.cell_len + gap.cell_len + item.cell_len > width:
                yield line
                line = Text()
            line = line + gap + item if line else item.copy()
        if line:
            yield line

    @property
    def plain(self) -> str:
        return self.separator.join(i.plain for i in self.items)


class RequestRefused(Message):
    """A move made from the screen itself (no form) was refused; nothing changed."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


def _when(stamp: datetime | None) -> str:
    return local(stamp).strftime("%Y-%m-%d %H:%M") if stamp else ""


def _uuid(value: object) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


class RequestScreen(StaffScreen):
    """A request's detail and timeline, with the moves the user may make now."""

    DEFAULT_CSS = """
    RequestScreen #request-main {
        height: 1fr;
    }
    RequestScreen #request-top {
        height: auto;
        max-height: 50%;
    }
    RequestScreen #request-header {
        padding: 0 1;
        text-style: bold;
    }
    RequestScreen #request-error {
        display: none;
        padding: 0 1;
        color: $error;
    }
    RequestScreen #request-error.-shown {
        display: block;
    }
    RequestScreen #request-details {
        padding: 0 1;
    }
    RequestScreen #request-log {
        height: 1fr;
    }
    RequestScreen #request-timeline-box {
        height: 1fr;
    }
    RequestScreen #request-timeline {
        padding: 0 1;
    }
    RequestScreen #request-moves {
        height: auto;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    /* Wide terminals: the detail on the left, the timeline beside it. */
    RequestScreen.-wide #request-main {
        layout: horizontal;
    }
    RequestScreen.-wide #request-top {
        width: 2fr;
        height: 1fr;
        max-height: 100%;
    }
    RequestScreen.-wide #request-log {
        width: 3fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="request.back"),
        Binding("k", "classify", "Classify", id="request.classify"),
        Binding("c", "claim", "Claim", id="request.claim"),
        Binding("r", "release", "Release", id="request.release"),
        Binding("g", "give", "Give", id="request.give"),
        Binding("n", "note", "Progress", id="request.note"),
        Binding("s", "resolve", "Resolve", id="request.resolve"),
        # Not `a`: that is the account menu on every other screen.
        Binding("y", "accept", "Accept", id="request.accept"),
        Binding("b", "send_back", "Send back", id="request.send-back"),
        Binding("v", "visit", "Visit", id="request.visit"),
        Binding("u", "publish", "Publish", id="request.publish"),
        Binding("x", "close", "Close", id="request.close"),
        Binding("p", "press", "Press", id="request.press"),
        Binding("e", "escalate", "Escalate", id="request.escalate"),
        # One key for the clock: only the move that fits shows.
        Binding("t", "pause", "Pause clock", id="request.pause"),
        Binding("t", "resume", "Resume clock", id="request.resume"),
        Binding("w", "withdraw", "Withdraw", id="request.withdraw"),
        Binding("j", "reject", "Reject", id="request.reject"),
        Binding("m", "merge", "Merge", id="request.merge"),
        Binding("o", "contact", "Show contact", id="request.contact"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    #: The note each fact of a move made without a form gives.
    DONE: ClassVar[dict[type[CommandDone], str]] = {
        RequestClaimed: "request.done.claimed",
        ClockResumed: "request.done.resumed",
    }

    def __init__(self, request_id: UUID) -> None:
        super().__init__()
        self.request_id = request_id
        self.view: RequestView | None = None
        #: The requester's contact in clear, once asked for, while this screen is open.
        self.contact: dict[str, str | None] | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Container(id="request-main"):
            with VerticalScroll(id="request-top"):
                yield Static(t("request.loading"), id="request-header", markup=False)
                yield Static("", id="request-error", markup=False)
                yield Static("", id="request-details")
            with Vertical(id="request-log"):
                yield Tr("request.timeline", classes="section-title")
                with VerticalScroll(id="request-timeline-box"):
                    yield Static("", id="request-timeline")
        yield Static("", id="request-moves")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#request-timeline-box").focus()
        self.load()

    def read_models_advanced(self) -> None:
        self.load()

    # -- reading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="request")
    def load(self) -> None:
        app = self.system.app
        try:
            actor = self.principal
            detail = app.get_request(self.request_id, actor=actor)
            history = app.get_history(self.request_id, actor=actor, kind=Request)
            household = None
            if (
                detail.requester_kind == RequesterKind.HOUSEHOLD
                and detail.requester_id is not None
                and not detail.erased
                and actor.can(Permission.ROSTER_READ)
            ):  # where the household lives (its building is not withheld)
                household = app.get_household(detail.requester_id, actor=actor)
            view = RequestView.of(
                detail,
                history,
                units=by_id(self.system.roster.tree(actor=actor, include_closed=True)),
                categories={
                    c["code"]: (c["name_zh"], c["name_en"])
                    for c in self.system.requests.categories(include_retired=True)
                },
                household=household,
            )
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(RequestLoaded(view))

    def on_request_loaded(self, message: RequestLoaded) -> None:
        self.view = message.view
        self.show()
        self.moves_changed()

    def on_command_refused(self, message: CommandRefused) -> None:
        text = describe_request(message.error, user=self._username())
        self.query_one("#request-header", Static).update(Text(text, style="bold red"))

    # -- showing ------------------------------------------------------------------------

    def category_name(self, code: str) -> str:
        names = self.view.categories.get(code) if self.view else None
        if names is None:
            return code
        return names[0] if i18n.language() == "zh" else names[1]

    def member_name(self, member_id: object) -> str:
        ident = _uuid(member_id)
        if ident is None or self.view is None:
            return ""
        return self.view.members.get(ident) or str(ident)[:8]

    def code_of(self, request_id: object) -> str:
        ident = _uuid(request_id)
        if ident is None or self.view is None:
            return ""
        return self.view.codes.get(ident) or str(ident)[:8]

    def show(self) -> None:
        view = self.view
        if view is None:
            return
        d = view.detail
        self.sub_title = d.receipt_code
        self.query_one("#request-header", Static).update(self.header(d))
        self.query_one("#request-details", Static).update(self.details(view))
        self.query_one("#request-timeline", Static).update(self.timeline(view))
        self.query_one("#request-timeline-box", VerticalScroll).scroll_end(animate=False)

    def header(self, d: RequestDetail) -> Items:
        parts: list[Text] = [
            Text(d.receipt_code, style="bold reverse"),
            Text(label("request_state", d.state), style="bold"),
            Text(self.category_name(d.category)),
            Text(
                label("urgency", d.urgency),
                style="bold red" if d.urgency == "urgent" else "",
            ),
        ]
        if d.state in WORKING:  # the clock runs
            if d.claimant_id is None:
                parts.append(Text(t("request.claim_due", when=_when(d.claim_due_at))))
            parts.append(Text(t("request.due", when=_when(d.due_at))))
        if d.overdue:
            parts.append(Text(t("request.overdue"), style="bold white on red"))
        if d.paused:
            parts.append(Text(t("request.paused"), style="bold yellow"))
        if d.escalated:
            parts.append(Text(t("request.escalated"), style="bold magenta"))
        if d.presses:
            parts.append(Text(t("request.presses", n=d.presses), style="yellow"))
        return Items(parts)

    def details(self, view: RequestView) -> RenderableType:
        d = view.detail
        none = t("request.none")
        community = view.units.get(d.community_id)
        branch = view.units.get(d.branch_id) if d.branch_id else None
        where = " / ".join(n.name for n in (community, branch) if n is not None)
        if d.building:
            where = f"{where} · {d.building}" if where else d.building
        rows: list[tuple[str, str]] = [
            ("placed", f"{_when(d.placed_at)} · {label('request_channel', d.channel)}"),
            ("location", where or none),
            ("requester", self.requester(d)),
            ("description", t("request.erased") if d.erased else d.description),
        ]
        claimant = none
        if d.claimant_id is not None:
            claimant = t(
                "request.claimed_on",
                name=self.member_name(d.claimant_id),
                when=_when(d.claimed_at),
            )
        rows.append(("claimant", claimant))
        resolution = none
        if d.resolved_at is not None and d.solution is not None:
            resolution = t("request.resolved_on", when=_when(d.resolved_at), solution=d.solution)
        rows.append(("resolution", resolution))
        visit = none
        if d.satisfaction:
            visit = label(kind("satisfaction"), d.satisfaction)
            if d.visit_comment:
                visit = f"{visit}{colon()}{d.visit_comment}"
        rows.append(("visit", visit))
        rows.append(("summary", d.summary or none))
        links = []
        if d.merged_into:
            links.append(t("request.merged_into", code=self.code_of(d.merged_into)))
        if d.duplicates:
            links.append(t("request.duplicates", codes=join(self.code_of(x) for x in d.duplicates)))
        if links:
            rows.append(("links", " · ".join(links)))
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        for key, value in rows:
            grid.add_row(Text(t(f"request.label.{key}")), Text(value, overflow="fold"))
        return grid

    def requester(self, d: RequestDetail) -> str:
        if d.requester_kind == RequesterKind.ANONYMOUS:
            return t("request.anonymous")
        if d.erased:
            return t("request.erased")
        if d.requester_kind == RequesterKind.HOUSEHOLD:
            return self.household_requester(d)
        if self.contact is not None:
            shown = [v for v in self.contact.values() if v]
            return " · ".join(shown)
        parts = [p for p in (d.contact_name, d.contact_phone) if p]
        return self.with_hint(parts)

    def household_requester(self, d: RequestDetail) -> str:
        """A roster household: its head (masked) and building; once a showing is recorded,
        the head's name, the building, unit, room and phone in full."""
        household = self.view.household if self.view else None
        building = household.building if household else d.building
        if self.contact is not None:
            name = household.head_name if household else d.contact_name
            shown = [self.contact.get(k) for k in ("unit", "room", "head_phone")]
            return " · ".join(p for p in (name, building, *shown) if p)
        who = " · ".join(p for p in (d.contact_name, building, d.contact_phone) if p)
        return self.with_hint([t("request.household"), who])

    def with_hint(self, parts: list[str]) -> str:
        """The masked requester, and how to see the contact (for whoever may)."""
        parts = [p for p in parts if p]
        principal = self.yimai.principal
        if principal is not None and principal.can(Permission.PERSONAL_REVEAL):
            parts.append(t("request.contact_hidden"))
        return " ".join(parts)

    def timeline(self, view: RequestView) -> Table:
        table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
        table.add_column(t("request.col.when"), no_wrap=True)
        table.add_column(t("request.col.who"), no_wrap=True)
        table.add_column(t("request.col.what"), ratio=3)
        table.add_column(t("request.col.why"), ratio=2)
        for entry in view.history:  # oldest first: the newest is last, nearest the keys
            table.add_row(
                Text(_when(entry.timestamp)),
                Text(entry.actor),
                Text(self.what(entry), overflow="fold"),
                Text(str(entry.fields.get("reason") or ""), overflow="fold"),
            )
        return table

    def what(self, entry: HistoryEntry) -> str:
        f = entry.fields
        title = t(f"request.event.{entry.event}")
        detail = ""
        match entry.event.removeprefix("Request."):
            case "Placed":
                detail = label("request_channel", f.get("channel"))
            case "Classified":
                branch_id = _uuid(f.get("branch_id"))
                branch = self.view.units.get(branch_id) if self.view and branch_id else None
                detail = self.category_name(str(f.get("category")))
                if branch is not None:
                    detail = f"{detail} · {branch.name}"
            case "Claimed":
                detail = self.member_name(f.get("claimant"))
            case "Given":
                detail = f"→ {self.member_name(f.get('to'))}"
            case "StarAwarded":
                detail = self.member_name(f.get("member_id"))
            case "ProgressNoted":
                detail = str(f.get("note") or "")
            case "Resolved":
                detail = str(f.get("solution") or "")
                evidence = f.get("evidence") or []
                if evidence:
                    detail = f"{detail}（{join(str(e) for e in evidence)}）"
            case "Visited":
                detail = label(kind("satisfaction"), f.get("satisfaction"))
                if f.get("comment"):
                    detail = f"{detail}{colon()}{f['comment']}"
            case "Published":
                detail = str(f.get("summary") or "")
            case "Merged":
                return f"{title} {self.code_of(f.get('original_id'))}"
            case "DuplicateAbsorbed":
                detail = self.code_of(f.get("duplicate_id"))
        return f"{title}{colon()}{detail}" if detail else title

    def relabel(self) -> None:
        self.show()
        self.show_moves()

    def moves_changed(self) -> None:
        self.refresh_bindings()
        self.show_moves()

    def show_moves(self) -> None:
        """The moves possible now, in one line over the footer (which narrow terminals
        cut short), in workflow order."""
        moves = Text()
        for binding in self._bindings.key_to_bindings.values():
            for b in binding:
                action = b.action
                if not (b.id or "").startswith("request.") or action == "back":
                    continue
                if self.check_action(action, ()) is not True:
                    continue
                if moves:
                    moves.append("  ")
                moves.append(self.app.get_key_display(b), style="bold")
                moves.append(f" {b.description}")
        line = Text(t("request.moves")) + moves if moves else Text("")
        box = self.query_one("#request-moves", Static)
        box.update(line)
        box.display = bool(moves)

    # -- what may be done now ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        principal = self.yimai.principal
        if action == "contact":
            if principal is None or not principal.can(Permission.PERSONAL_REVEAL):
                return False
            d = self.view.detail if self.view else None
            if d is not None and d.requester_kind == RequesterKind.ANONYMOUS:
                return False
            if self.contact is not None:  # shown already
                return False
            return None if d is None or d.erased or self.busy else True
        move = MOVES.get(action)
        if move is None:
            return True
        step, command = move
        if principal is None or not self.system.app.may(principal, command):
            return False
        d = self.view.detail if self.view else None
        # One key for the clock: the move that fits shows, the other hides.
        if action in ("pause", "resume") and d is not None and d.paused != (action == "resume"):
            return False
        if d is None or self.busy:
            return None
        return True if step in d.possible else None

    # -- moves made here (no form) -------------------------------------------------------

    @work(thread=True, exclusive=True, group="command")
    def run_command(self, call: Callable[[], Receipt], fact: type[CommandDone]) -> None:
        try:
            receipt = call()
            self.system.runner.wait_for(receipt.position)
        except Exception as error:  # a refusal, or a fault: shown on the screen either way
            self.post_message(RequestRefused(error))
            return
        self.post_message(fact(receipt))

    def start(self, act: Callable[..., Receipt], fact: type[CommandDone], **kw: Any) -> None:
        if self.busy or self.view is None:
            return
        self.set_busy(True)
        request_id, actor = self.request_id, self.principal
        self.run_command(lambda: act(request_id, actor=actor, **kw), fact)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        if busy:
            self.show_error("")
        self.moves_changed()

    def show_error(self, text: str) -> None:
        box = self.query_one("#request-error", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")

    def on_request_refused(self, message: RequestRefused) -> None:
        self.set_busy(False)
        self.show_error(describe_request(message.error, user=self._username()))

    @on(CommandDone)
    def command_done(self, message: CommandDone) -> None:
        self.set_busy(False)
        key = self.DONE.get(type(message))
        if key and self.view is not None:
            self.notify(t(key, code=self.view.detail.receipt_code))
        self.load()

    # -- the moves ----------------------------------------------------------------------

    def open_form(self, form: FormScreen) -> None:
        self.show_error("")
        self.app.push_screen(form, self.after_form)

    def after_form(self, receipt: Receipt | None) -> None:
        if isinstance(receipt, DisclosedContact):
            self.contact = dict(receipt.fields)
            self.show()
            self.moves_changed()
        elif receipt is not None:
            self.load()

    def _code(self) -> str:
        return self.view.detail.receipt_code if self.view else ""

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_classify(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.open_form(
                ClassifyScreen(d.id, d.receipt_code, d.community_id, d.category, d.branch_id)
            )

    def action_claim(self) -> None:
        if self.view is None:
            return
        d = self.view.detail
        if self.principal.can(Permission.REQUESTS_RECORD):
            myself = self.principal.can(Permission.REQUESTS_CLAIM)
            self.open_form(ClaimForScreen(d.id, d.receipt_code, d.community_id, myself=myself))
        else:  # a cadre claims for themself: nothing to ask
            self.start(self.system.app.claim_request, RequestClaimed)

    def action_release(self) -> None:
        self.open_form(ReleaseRequestScreen(self.request_id, self._code()))

    def action_give(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.open_form(GiveScreen(d.id, d.receipt_code, d.community_id))

    def action_note(self) -> None:
        self.open_form(NoteProgressScreen(self.request_id, self._code()))

    def action_resolve(self) -> None:
        self.open_form(ResolveRequestScreen(self.request_id, self._code()))

    def action_pause(self) -> None:
        self.open_form(PauseClockScreen(self.request_id, self._code()))

    def action_resume(self) -> None:
        self.start(self.system.app.resume_clock, ClockResumed)

    def action_accept(self) -> None:
        self.open_form(AcceptResolutionScreen(self.request_id, self._code()))

    def action_send_back(self) -> None:
        self.open_form(SendBackScreen(self.request_id, self._code()))

    def action_press(self) -> None:
        self.open_form(PressRequestScreen(self.request_id, self._code()))

    def action_escalate(self) -> None:
        self.open_form(EscalateRequestScreen(self.request_id, self._code()))

    def action_visit(self) -> None:
        self.open_form(VisitScreen(self.request_id, self._code()))

    def action_publish(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.open_form(PublishScreen(d.id, d.receipt_code, self.category_name(d.category)))

    def action_close(self) -> None:
        self.open_form(CloseRequestScreen(self.request_id, self._code()))

    def action_withdraw(self) -> None:
        self.open_form(WithdrawRequestScreen(self.request_id, self._code()))

    def action_reject(self) -> None:
        self.open_form(RejectRequestScreen(self.request_id, self._code()))

    def action_merge(self) -> None:
        self.open_form(MergeScreen(self.request_id, self._code()))

    def action_contact(self) -> None:
        if self.view is not None:
            d = self.view.detail
            self.open_form(RevealRequesterScreen(d.id, d.receipt_code, d.contact_name or ""))
