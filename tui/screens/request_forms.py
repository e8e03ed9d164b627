"""The forms of a request's workflow: classify, claim for a member, give, note progress,
resolve, the return visit, publish, merge, and the moves that ask a reason (release,
send back, press, escalate, pause, withdraw, reject) or a confirmation (accept, close).

Each maps its fields to one Application command; the rules and their messages stay in
the domain. Messages are named as the facts the workers report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from uuid import UUID

from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from domain.access import Principal
from domain.dto import DisclosedContact, Receipt
from domain.errors import InvalidInputError, RuleViolationError
from domain.requests import Satisfaction
from projections.system import System
from tui import i18n
from tui.errors import describe, reason
from tui.i18n import colon, has, t
from tui.messages import CommandDone, CommandRefused
from tui.org import by_id, ordered
from tui.screens.base import FormScreen, text_or_none
from tui.widgets.field import Field
from tui.widgets.localized import ChoiceSelect, EnumSelect, Tr, TrInput

# -- facts ---------------------------------------------------------------------------------


class RequestLoaded(Message):
    """A request's detail and timeline were read."""

    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view


class RequestClassified(CommandDone):
    """The committee confirmed the category and named the responsible branch."""


class RequestClaimed(CommandDone):
    """A member claimed the request (themself, or recorded by a clerk)."""


class RequestReleased(CommandDone):
    """The claimant gave the request back to be claimed."""


class RequestGiven(CommandDone):
    """A supervisor gave the request to another member."""


class ProgressNoted(CommandDone):
    """The claimant noted progress."""


class RequestResolved(CommandDone):
    """The claimant said how the request was solved."""


class ClockPaused(CommandDone):
    """The request's clock was paused, with the reason."""


class ClockResumed(CommandDone):
    """The request's clock runs again."""


class ResolutionAccepted(CommandDone):
    """A supervisor accepted the resolution."""


class ResolutionSentBack(CommandDone):
    """A supervisor sent the resolution back to the claimant."""


class RequestPressed(CommandDone):
    """A supervisor pressed the request."""


class RequestEscalated(CommandDone):
    """A supervisor escalated the request to the subdistrict."""


class VisitRecorded(CommandDone):
    """The resident's word on the resolution was recorded."""


class RequestPublished(CommandDone):
    """The public summary was approved and published."""


class RequestClosed(CommandDone):
    """The request was closed."""


class RequestWithdrawn(CommandDone):
    """The request was withdrawn on the resident's word."""


class RequestRejected(CommandDone):
    """The request was rejected as out of the community's scope."""


class RequestMerged(CommandDone):
    """The request was merged into the one it repeats."""


class RequestContactShown(CommandDone):
    """The requester's contact details were shown; the showing is recorded."""


class ChoicesLoaded(Message):
    """A form's choices (categories, branches, members) were read."""

    def __init__(self, name: str, choices: list[tuple[str, str]], total: int = 0) -> None:
        super().__init__()
        self.name = name
        self.choices = choices
        self.total = total


# -- errors --------------------------------------------------------------------------------


def describe_request(error: BaseException, *, user: str = "") -> str:
    """An error as the request screens say it: their own field, rule and reason texts
    first (`request.…`), then the shared ones (tui.errors.describe)."""
    if isinstance(error, InvalidInputError):
        key = f"request.field.{error.field}"
        if has(key):
            return f"{t(key)}{colon()}{reason(error.reason)}"
    if isinstance(error, RuleViolationError):
        key = f"request.rule.{error.rule}"
        if has(key):
            return t(key)
    return describe(error, user=user)


def kind(name: str) -> str:
    """The label kind of a request's enum: its labels are `request.<name>.<value>`."""
    return f"request.{name}"


def _input(field: str, placeholder: str = "", **kw: Any) -> Field:
    return Field(
        field,
        TrInput(placeholder, id=field, compact=True, **kw),
        label_key=_label_key(field),
    )


def _select(field: str, widget: Widget) -> Field:
    return Field(field, widget, label_key=_label_key(field))


def _label_key(field: str) -> str:
    """The request forms' own label of a field, else the shared one (field.*)."""
    key = f"request.field.{field}"
    return key if has(key) else f"field.{field}"


# -- the frame -----------------------------------------------------------------------------


class RequestForm(FormScreen):
    """A form about one request: names it on top, says its errors in the request texts,
    and closes with a note once the command is recorded and the read models have it."""

    DONE_KEY = ""

    def __init__(self, request_id: UUID, code: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.code = code

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("request.form.request", code=self.code, classes="dialog-hint")
        yield from super().compose_header()

    def on_mount(self) -> None:
        fields = [f.widget for f in self.query(Field) if f.widget.focusable]
        if fields:
            fields[0].focus()

    def describe_error(self, error: BaseException, *, user: str, label: str | None = None) -> str:
        return describe_request(error, user=user)

    @on(CommandDone)
    def command_done(self, message: CommandDone) -> None:
        message.stop()
        self.finish(message.receipt, self.DONE_KEY, code=self.code)

    def command(
        self, act: Callable[[System, UUID, Principal], Receipt], fact: type[CommandDone]
    ) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        """The call this form makes, bound to the system, the request and the user now."""
        system, request_id, actor = self.system, self.request_id, self.principal
        return (lambda: act(system, request_id, actor)), fact


# -- the moves that ask a reason (and so a confirmation) -----------------------------------


class ReasonForm(RequestForm):
    """A move that needs only the reason: the form is its confirmation too."""

    FACT: ClassVar[type[CommandDone]] = CommandDone

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "request.placeholder.reason")

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        raise NotImplementedError

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        reason = self.value("reason")
        return self.command(lambda s, r, a: self.act(s, r, reason, a), self.FACT)


class ReleaseRequestScreen(ReasonForm):
    TITLE_KEY = "request.form.release"
    HINT_KEY = "request.form.release.hint"
    DONE_KEY = "request.done.released"
    FACT = RequestReleased

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.release_request(request_id, reason, actor=actor)


class SendBackScreen(ReasonForm):
    TITLE_KEY = "request.form.send_back"
    HINT_KEY = "request.form.send_back.hint"
    DONE_KEY = "request.done.sent_back"
    FACT = ResolutionSentBack

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.send_back_resolution(request_id, reason, actor=actor)


class PressRequestScreen(ReasonForm):
    TITLE_KEY = "request.form.press"
    HINT_KEY = "request.form.press.hint"
    DONE_KEY = "request.done.pressed"
    FACT = RequestPressed

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.press_request(request_id, reason, actor=actor)


class EscalateRequestScreen(ReasonForm):
    TITLE_KEY = "request.form.escalate"
    HINT_KEY = "request.form.escalate.hint"
    DONE_KEY = "request.done.escalated"
    FACT = RequestEscalated

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.escalate_request(request_id, reason, actor=actor)


class PauseClockScreen(ReasonForm):
    TITLE_KEY = "request.form.pause"
    HINT_KEY = "request.form.pause.hint"
    DONE_KEY = "request.done.paused"
    FACT = ClockPaused

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.pause_clock(request_id, reason, actor=actor)


class WithdrawRequestScreen(ReasonForm):
    TITLE_KEY = "request.form.withdraw"
    HINT_KEY = "request.form.withdraw.hint"
    DONE_KEY = "request.done.withdrawn"
    FACT = RequestWithdrawn

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.withdraw_request(request_id, reason, actor=actor)


class RejectRequestScreen(ReasonForm):
    TITLE_KEY = "request.form.reject"
    HINT_KEY = "request.form.reject.hint"
    DONE_KEY = "request.done.rejected"
    FACT = RequestRejected

    def act(self, system: System, request_id: UUID, reason: str, actor: Principal) -> Receipt:
        return system.app.reject_request(request_id, reason, actor=actor)


class CloseRequestScreen(RequestForm):
    """Closing takes no reason in the domain: this form only asks to confirm."""

    TITLE_KEY = "request.form.close"
    HINT_KEY = "request.form.close.hint"
    DONE_KEY = "request.done.closed"

    def on_mount(self) -> None:
        self.query_one("#save").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        return self.command(
            lambda s, r, a: s.app.close_request(r, actor=a),
            RequestClosed,
        )


class AcceptResolutionScreen(RequestForm):
    """Accepting gives the claimant a star and cannot be undone: the form only asks to
    confirm (the domain takes no reason)."""

    TITLE_KEY = "request.form.accept"
    HINT_KEY = "request.form.accept.hint"
    DONE_KEY = "request.done.accepted"

    def on_mount(self) -> None:
        self.query_one("#save").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        return self.command(
            lambda s, r, a: s.app.accept_resolution(r, actor=a),
            ResolutionAccepted,
        )


# -- the work ------------------------------------------------------------------------------


class NoteProgressScreen(RequestForm):
    TITLE_KEY = "request.form.note"
    DONE_KEY = "request.done.noted"

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("note")

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        note = self.value("note")
        return self.command(lambda s, r, a: s.app.note_progress(r, note, actor=a), ProgressNoted)


class ResolveRequestScreen(RequestForm):
    TITLE_KEY = "request.form.resolve"
    HINT_KEY = "request.form.resolve.hint"
    DONE_KEY = "request.done.resolved"

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("solution")
        yield _input("evidence", "request.placeholder.evidence")

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        solution = self.value("solution")
        typed = self.value("evidence").replace("；", ";")
        evidence = [ref.strip() for ref in typed.split(";") if ref.strip()]

        def act(s: System, r: UUID, a: Principal) -> Receipt:
            return s.app.resolve_request(r, solution, evidence=evidence, actor=a)

        return self.command(act, RequestResolved)


class VisitScreen(RequestForm):
    """The resident's word: satisfied, basically, or not (which reopens it, with why)."""

    TITLE_KEY = "request.form.visit"
    HINT_KEY = "request.form.visit.hint"
    DONE_KEY = "request.done.visited"

    def compose_fields(self) -> Iterator[Widget]:
        yield _select(
            "satisfaction",
            EnumSelect(kind("satisfaction"), Satisfaction, id="satisfaction"),
        )
        yield _input("comment", "request.placeholder.optional")
        yield _input("reason", "request.placeholder.dissatisfied")

    def on_mount(self) -> None:
        self.satisfaction_changed()

    @on(Select.Changed, "#satisfaction")
    def satisfaction_changed(self) -> None:
        """The reason is asked only of a dissatisfied resident (it reopens the request)."""
        dissatisfied = self.choice("satisfaction") == Satisfaction.DISSATISFIED
        self.query_one("#reason-field").display = dissatisfied

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        satisfaction = self.choice("satisfaction") or ""
        comment = text_or_none(self.value("comment"))
        shown = self.query_one("#reason-field").display
        why = text_or_none(self.value("reason")) if shown else None

        def act(s: System, r: UUID, a: Principal) -> Receipt:
            return s.app.record_visit(r, satisfaction, comment=comment, reason=why, actor=a)

        return self.command(act, VisitRecorded)


class PublishScreen(RequestForm):
    """The public summary, prefilled with nothing personal (the category only)."""

    TITLE_KEY = "request.form.publish"
    HINT_KEY = "request.form.publish.hint"
    DONE_KEY = "request.done.published"

    def __init__(self, request_id: UUID, code: str, category: str) -> None:
        super().__init__(request_id, code)
        self.category = category

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("summary", value=t("request.form.publish.prefill", category=self.category))

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        summary = self.value("summary")
        return self.command(
            lambda s, r, a: s.app.publish_request(r, summary, actor=a), RequestPublished
        )


class MergeScreen(RequestForm):
    """This request is a duplicate: it joins the request whose receipt code is given."""

    TITLE_KEY = "request.form.merge"
    HINT_KEY = "request.form.merge.hint"
    DONE_KEY = "request.done.merged"

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("receipt_code", "request.placeholder.receipt_code")
        yield _input("reason", "request.placeholder.reason")

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        code, why = self.value("receipt_code"), self.value("reason")

        def act(s: System, r: UUID, a: Principal) -> Receipt:
            original = s.app.request_for_receipt(code, actor=a)
            return s.app.merge_request(r, original, why, actor=a)

        return self.command(act, RequestMerged)


# -- forms with loaded choices -------------------------------------------------------------


class ClassifyScreen(RequestForm):
    """The committee confirms (or changes) the category and names the grid branch."""

    TITLE_KEY = "request.form.classify"
    DONE_KEY = "request.done.classified"

    def __init__(
        self,
        request_id: UUID,
        code: str,
        community_id: UUID,
        category: str,
        branch_id: UUID | None,
    ) -> None:
        super().__init__(request_id, code)
        self.community_id = community_id
        self.want_category = category
        self.want_branch = str(branch_id) if branch_id else None

    def compose_fields(self) -> Iterator[Widget]:
        yield _select("category", ChoiceSelect(id="category"))
        yield _select("branch_id", ChoiceSelect(id="branch_id"))

    def on_mount(self) -> None:
        self.query_one("#category").focus()
        self.load_choices()

    @work(thread=True, exclusive=True, group="load")
    def load_choices(self) -> None:
        try:
            actor = self.principal
            zh = i18n.language() == "zh"
            categories = [
                (c["name_zh"] if zh else c["name_en"], c["code"])
                for c in self.system.requests.categories()
            ]
            units = by_id(self.system.roster.tree(actor=actor))
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        community = units.get(self.community_id)
        branches = [
            (b.name, str(b.id))
            for b in ordered(community.children if community else [])
            if b.level == "branch" and b.status == "open"
        ]
        self.post_message(ChoicesLoaded("category", categories))
        self.post_message(ChoicesLoaded("branch_id", branches))

    def on_choices_loaded(self, message: ChoicesLoaded) -> None:
        want = self.want_category if message.name == "category" else self.want_branch
        self.query_one(f"#{message.name}", ChoiceSelect).set_choices(message.choices, want)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        category, branch = self.choice("category"), self.choice("branch_id")

        def act(s: System, r: UUID, a: Principal) -> Receipt:
            return s.app.classify_request(r, category=category, branch_id=branch, actor=a)

        return self.command(act, RequestClassified)


class _MemberPickForm(RequestForm):
    """A form that picks a member of the request's community by a name or phone fragment."""

    #: The prompt of the member choice (what choosing none means).
    NONE_KEY = "select.choose"

    def __init__(self, request_id: UUID, code: str, community_id: UUID) -> None:
        super().__init__(request_id, code)
        self.community_id = community_id

    def member_fields(self) -> Iterator[Widget]:
        yield _input("q", "request.placeholder.search")
        yield _select("member_id", ChoiceSelect(prompt_key=self.NONE_KEY, id="member_id"))
        yield Static("", id="member-count", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#q").focus()
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
        except Exception as error:  # a too long query, say: shown under the form
            self.post_message(CommandRefused(error))
            return
        choices = [
            (" · ".join(x for x in (m.name, m.branch_name, m.phone or "") if x), str(m.id))
            for m in page.items
        ]
        self.post_message(ChoicesLoaded("member_id", choices, page.total))

    def on_choices_loaded(self, message: ChoicesLoaded) -> None:
        select = self.query_one("#member_id", ChoiceSelect)
        query = self.value("q").strip()
        # Typing narrows to someone: the first match is taken unless one is chosen.
        first = message.choices[0][1] if query and message.choices else None
        select.set_choices(message.choices, select.selected or first)
        self.query_one("#member-count", Static).update(t("request.form.found", total=message.total))


class ClaimForScreen(_MemberPickForm):
    """Record a member's claim (a clerk for a member without an account); no member
    chosen: the user claims for themself."""

    TITLE_KEY = "request.form.claim"
    DONE_KEY = "request.done.claimed"

    def __init__(self, request_id: UUID, code: str, community_id: UUID, *, myself: bool) -> None:
        """`myself`: the user may claim for themself too (choosing no member)."""
        super().__init__(request_id, code, community_id)
        if myself:
            self.HINT_KEY = "request.form.claim.hint"
            self.NONE_KEY = "request.select.myself"

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.member_fields()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        member = self.choice("member_id")

        def act(s: System, r: UUID, a: Principal) -> Receipt:
            return s.app.claim_request(r, member_id=member, actor=a)

        return self.command(act, RequestClaimed)


class GiveScreen(_MemberPickForm):
    """A supervisor gives the request to another member, with the reason."""

    TITLE_KEY = "request.form.give"
    DONE_KEY = "request.done.given"

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.member_fields()
        yield _input("reason", "request.placeholder.reason")

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        member, why = self.choice("member_id"), self.value("reason")
        if member is None:
            raise InvalidInputError("member_id", "is required")

        def act(s: System, r: UUID, a: Principal) -> Receipt:
            return s.app.give_request(r, member, why, actor=a)

        return self.command(act, RequestGiven)


# -- the requester's contact ---------------------------------------------------------------


class RevealRequesterScreen(RequestForm):
    """Ask to see the requester's contact details: the reason is required and the showing
    is recorded (who looked, at whom, why). Closes with the details in its receipt."""

    TITLE_KEY = "form.contact.title"
    HINT_KEY = "form.contact.hint"
    DONE_KEY = "request.done.contact"

    def __init__(self, request_id: UUID, code: str, name: str) -> None:
        super().__init__(request_id, code)
        self.requester = name

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("request.form.request", code=self.code, classes="dialog-hint")
        if self.requester:
            yield Tr("request.form.contact", name=self.requester, classes="dialog-hint")
        yield Tr(self.HINT_KEY, classes="dialog-hint")

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "placeholder.contact_reason")

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        why = self.value("reason")

        def act(s: System, r: UUID, a: Principal) -> DisclosedContact:
            return s.app.reveal_contact(r, why, actor=a)

        return self.command(act, RequestContactShown)
