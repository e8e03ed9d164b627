"""The points forms: award, plan an activity and record its attendance, propose a
deduction or a reversal, approve or reject a proposal, file and settle objections,
close and finalize a year, and the steps of the year's selection.

Each maps its fields to one Application command; who may do what (the two-person
rule, the publicity window, caps) stays in the domain, whose refusals show inline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from rich.text import Text
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from domain.dto import AttendanceReceipt, AwardReceipt, Receipt
from domain.errors import InvalidInputError
from domain.points import HELP_RULE, RuleCategory
from projections.queries import Page
from projections.roster import MemberRow, UnitNode
from tui.errors import describe, reason
from tui.i18n import colon, has, join, label, language, t
from tui.messages import CommandDone, CommandRefused
from tui.org import ordered, walk
from tui.screens.base import FormScreen, YimaiModal, parse_date, text_or_none
from tui.when import local
from tui.widgets.field import Field
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import ChoiceSelect, Tr, TrButton, TrInput

#: Members offered at once by a picker or the attendance list; a search narrows.
PICK_LIMIT = 20
ATTEND_LIMIT = 200
#: Activities the chooser lists (the latest held first).
CHOOSE_LIMIT = 100
#: Seconds of quiet in a search box before the roster is searched.
SEARCH_DELAY = 0.2


# -- facts the workers report ------------------------------------------------------------


class MemberAwarded(CommandDone):
    """Points were awarded to one member."""


class ActivityPlanned(CommandDone):
    """An activity was planned; its attendance comes next."""


class AttendanceRecorded(CommandDone):
    """An activity's attendance was recorded: one award per attendee."""


class AdjustmentProposed(CommandDone):
    """A deduction or reversal was proposed; it waits for a second person."""


class AdjustmentApproved(CommandDone):
    """A second person approved a deduction or reversal: it counts now."""


class AdjustmentRejected(CommandDone):
    """A second person rejected a deduction or reversal."""


class ObjectionFiled(CommandDone):
    """A member's objection was filed in the publicity window."""


class ObjectionUpheld(CommandDone):
    """An objection was upheld and its correction recorded."""


class ObjectionRejected(CommandDone):
    """An objection was rejected, with the reason."""


class PeriodClosed(CommandDone):
    """A year was closed into its publicity window."""


class PeriodFinalized(CommandDone):
    """A year's totals became final."""


class SelectionChanged(CommandDone):
    """The year's selection was proposed, confirmed or published."""


class RulesLoaded(Message):
    """The rule catalogue was read (and, for some forms, the organization tree)."""

    def __init__(self, rules: list[dict[str, Any]], roots: list[UnitNode]) -> None:
        super().__init__()
        self.rules = rules
        self.roots = roots


class PickerAnswered(Message):
    """A member search answered (`ticket` tells stale answers apart)."""

    def __init__(self, rows: list[MemberRow], total: int, ticket: int) -> None:
        super().__init__()
        self.rows = rows
        self.total = total
        self.ticket = ticket


class EntriesLoaded(Message):
    """A member's ledger entries of a year (for choosing one to reverse)."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__()
        self.entries = entries


@dataclass(frozen=True)
class Chosen:
    """A member picked in a form: the id and how to name them."""

    id: UUID
    name: str
    branch: str = ""


@dataclass(frozen=True)
class PlannedActivity(Receipt):
    """An activity's receipt with what its attendance form needs."""

    title: str = ""
    held_on: date | None = None
    unit_id: UUID | None = None
    #: Chosen from those planned before (some members' attendance may be recorded).
    existing: bool = False


def rule_name(rule: dict[str, Any]) -> str:
    """A rule's (or an entry's) name in the current language."""
    zh = rule.get("name_zh") or rule.get("rule_name_zh")
    en = rule.get("name_en") or rule.get("rule_name_en")
    return str((zh if language() == "zh" else en) or rule.get("rule_code") or rule.get("code"))


def rule_choice(rule: dict[str, Any]) -> tuple[str, str]:
    star = " ★" if rule["earns_star"] else ""
    return f"{rule_name(rule)}（{rule['points']:+d}{star}）", str(rule["code"])


def _field(name: str, widget: Widget) -> Field:
    return Field(name, widget, label_key=f"points.field.{name}")


def _input(name: str, placeholder: str = "", **kw: Any) -> Field:
    return _field(name, TrInput(placeholder, id=name, compact=True, **kw))


class PointsForm(FormScreen):
    """A points form: its fields are labelled from the points texts, errors too."""

    #: Which rules the form's `#rule_code` select offers: "award", "deduct" or none.
    RULES = ""

    def describe_error(self, error: BaseException, *, user: str, label: str | None = None) -> str:
        if isinstance(error, InvalidInputError) and has(f"points.field.{error.field}"):
            return f"{t(f'points.field.{error.field}')}{colon()}{reason(error.reason)}"
        return describe(error, user=user)

    def focus_field(self, field: Field) -> None:
        if isinstance(field.widget, MemberPicker):
            field.widget.query_one("#member_q", Input).focus()
        else:
            super().focus_field(field)

    # -- loading the rules (and the tree) for the selects -------------------------------

    def load_rules(self, with_tree: bool = False) -> None:
        self._load_rules(with_tree)

    @work(thread=True, exclusive=True, group="rules")
    def _load_rules(self, with_tree: bool) -> None:
        try:
            rules = self.system.points.rules()
            roots = self.system.roster.tree(actor=self.principal) if with_tree else []
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(RulesLoaded(rules, roots))

    def on_rules_loaded(self, message: RulesLoaded) -> None:
        keep = {"award": _awards, "deduct": _deducts}.get(self.RULES)
        if keep is not None and self.query("#rule_code"):
            choices = [rule_choice(r) for r in message.rules if keep(r)]
            self.query_one("#rule_code", ChoiceSelect).set_choices(choices)


def _awards(rule: dict[str, Any]) -> bool:
    """Rules a person awards by hand (the helping star comes with a resolution)."""
    return bool(rule["category"] != RuleCategory.BOTTOM_LINE and rule["code"] != HELP_RULE)


def _deducts(rule: dict[str, Any]) -> bool:
    return bool(rule["category"] == RuleCategory.BOTTOM_LINE)


# -- picking a member ------------------------------------------------------------------------


class MemberPicker(Vertical):
    """Search the roster by name or phone and pick one member (Enter on a match)."""

    DEFAULT_CSS = """
    MemberPicker { height: auto; width: 1fr; }
    MemberPicker OptionList { height: auto; max-height: 6; }
    MemberPicker .picker-chosen { color: $accent; }
    """

    def __init__(self, chosen: Chosen | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chosen = chosen
        self.rows: list[MemberRow] = []
        self.ticket = 0
        #: The search whose answer is shown; Enter waits for an answer to the latest.
        self.answered = 0
        self.pick_when_answered = False
        self.timer: Timer | None = None

    def compose(self) -> Iterator[Widget]:
        yield TrInput("points.placeholder.member", id="member_q", compact=True)
        yield OptionList(id="member_options", compact=True)
        yield Static("", classes="picker-chosen", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False
        self.relabel()

    def relabel(self) -> None:
        chosen = self.chosen
        text = (
            t("points.picker.chosen", name=chosen.name, branch=chosen.branch)
            if chosen
            else t("points.picker.none")
        )
        self.query_one(".picker-chosen", Static).update(text)

    @on(Input.Changed, "#member_q")
    def typed(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_timer(SEARCH_DELAY, self.search_now)

    @on(Input.Submitted, "#member_q")
    def submitted(self, event: Input.Submitted) -> None:
        """Enter picks the highlighted match (the first unless ↓/↑ moved it); typed
        faster than the search, it picks the first match once the answer is in. With
        nothing typed it picks nobody: the list opens to choose from."""
        event.stop()
        if not event.value.strip():  # no name typed: show the list, pick nobody
            self.search_now()
            options = self.query_one(OptionList)
            options.display = True
            options.focus()
        elif self.timer is None and self.answered == self.ticket:
            self.pick_highlighted()
        else:
            self.search_now(pick=True)

    def on_key(self, event: events.Key) -> None:
        """↓/↑ in the search box move the highlight through the matches."""
        options = self.query_one(OptionList)
        if event.key not in ("down", "up") or not options.display or not options.option_count:
            return
        if not self.query_one("#member_q", Input).has_focus:
            return
        event.stop()
        event.prevent_default()
        if event.key == "down":
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def search_now(self, *, pick: bool = False) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.ticket += 1
        self.pick_when_answered = pick
        self.search(self.query_one("#member_q", Input).value, self.ticket)

    @work(thread=True, exclusive=True, group="picker")
    def search(self, query: str, ticket: int) -> None:
        app = self.app
        try:
            actor = app.principal  # type: ignore[attr-defined]
            page = app.system.roster.search_members(  # type: ignore[attr-defined]
                query.strip(), actor=actor, limit=PICK_LIMIT
            )
        except Exception as error:  # shown under the form
            self.post_message(CommandRefused(error))
            return
        self.post_message(PickerAnswered(page.items, page.total, ticket))

    def on_picker_answered(self, message: PickerAnswered) -> None:
        message.stop()
        if message.ticket != self.ticket:
            return
        self.rows = message.rows
        options = self.query_one(OptionList)
        options.clear_options()
        if not message.rows:
            options.add_option(Option(t("points.picker.no_match"), disabled=True))
        for row in message.rows:
            text = Text(row.name)
            text.append(f"  {row.branch_name}", style="dim")
            options.add_option(Option(text, id=str(row.id)))
        options.display = True
        if options.option_count:
            options.highlighted = 0
        self.answered = message.ticket
        if self.pick_when_answered:
            self.pick_when_answered = False
            self.pick_highlighted()

    def pick_highlighted(self) -> None:
        options = self.query_one(OptionList)
        at = options.highlighted
        if at is not None and options.display and at < options.option_count:
            self.pick(options.get_option_at_index(at).id)

    @on(OptionList.OptionSelected, "#member_options")
    def picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.pick(event.option.id)

    def pick(self, ident: str | None) -> None:
        row = next((r for r in self.rows if str(r.id) == ident), None)
        if row is None:
            return  # "no member matches": nothing to pick
        self.chosen = Chosen(row.id, row.name, row.branch_name)
        self.relabel()
        for node in self.ancestors:
            if isinstance(node, Field):
                node.clear_error()
                break
        self.query_one(OptionList).display = False
        self.screen.focus_next()


class _MemberForm(PointsForm):
    """A form about one member, picked by search (or given by the screen it came from)."""

    def __init__(self, chosen: Chosen | None = None) -> None:
        super().__init__()
        self.given = chosen

    def member_field(self) -> Field:
        return _field("member_id", MemberPicker(self.given, id="member_id"))

    def member(self) -> Chosen:
        chosen = self.query_one(MemberPicker).chosen
        if chosen is None:
            raise InvalidInputError("member_id", "search for a member and pick one")
        return chosen

    def first_focus(self) -> None:
        if self.given is None:
            self.query_one("#member_q", Input).focus()
        else:
            self.query_one("#rule_code").focus()


# -- award ----------------------------------------------------------------------------------


class AwardPointsScreen(_MemberForm):
    """Award one member points under a rule for a deed on a day."""

    TITLE_KEY = "points.award.title"
    HINT_KEY = "points.award.hint"
    RULES = "award"

    def compose_fields(self) -> Iterator[Widget]:
        yield self.member_field()
        yield _field("rule_code", ChoiceSelect(id="rule_code"))
        yield _input("deed_on", "points.placeholder.today")
        yield _input("note", "points.placeholder.note")

    def on_mount(self) -> None:
        self.load_rules()
        self.first_focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        member = self.member()
        rule = self.choice("rule_code") or ""
        day = parse_date("deed_on", self.value("deed_on")) or self.system.app.today()
        note = self.value("note")
        app, actor = self.system.app, self.principal
        self.awarded = member

        def call() -> Receipt:
            return app.award_points(member.id, rule, day, note=note, actor=actor)

        return call, MemberAwarded

    def on_member_awarded(self, message: MemberAwarded) -> None:
        receipt = message.receipt
        assert isinstance(receipt, AwardReceipt)
        key = "points.done.capped" if receipt.capped else "points.done.awarded"
        name = self.awarded.name
        self.finish(receipt, key, name=name, points=receipt.points, asked=receipt.asked)


# -- attendance -------------------------------------------------------------------------------

#: What the activity chooser answers for "plan a new activity".
PLAN_NEW = "new"


class ActivitiesFound(Message):
    """The year's activities in the chooser's scope were read, with the rule names."""

    def __init__(self, page: Page, rules: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.page = page
        self.rules = rules


class ChooseActivityScreen(YimaiModal[PlannedActivity | str | None]):
    """Step one of attendance: an activity already planned (of the year, where the
    scope's members may attend), or a new one to plan. An activity not held yet, or of
    a closed year, is listed but cannot be chosen (the domain refuses its attendance)."""

    DEFAULT_CSS = """
    ChooseActivityScreen #activities { height: auto; max-height: 14; }
    ChooseActivityScreen.-narrow #activities { max-height: 10; }
    ChooseActivityScreen #activities-more { height: auto; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "plan_new", "Plan new", id="points.plan-new"),
        Binding("escape", "cancel", "Cancel", id="points.choose-cancel"),
    ]

    def __init__(
        self,
        year: int,
        *,
        community_id: UUID | None = None,
        branch_id: UUID | None = None,
        closed: bool = False,
    ) -> None:
        super().__init__()
        self.year = year
        self.community_id = community_id
        self.branch_id = branch_id
        self.closed = closed
        self.found: ActivitiesFound | None = None

    def compose(self) -> Iterator[Widget]:
        with Vertical(classes="dialog form"):
            yield Tr("points.choose.title", classes="dialog-title")
            hint = "points.choose.closed" if self.closed else "points.choose.hint"
            yield Tr(hint, classes="dialog-hint", year=self.year)
            yield OptionList(id="activities", compact=True)
            yield Static("", id="activities-more", markup=False)
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.show()
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="activities")
    def load(self) -> None:
        points, principal = self.system.points, self.yimai.principal
        if principal is None:  # logged out meanwhile: read nothing
            return
        try:
            page = points.activities(
                actor=principal,
                community_id=self.community_id,
                branch_id=self.branch_id,
                year=self.year,
                limit=CHOOSE_LIMIT,
            )
            rules = {r["code"]: r for r in points.rules()}
        except Exception as error:  # shown in the dialog
            self.post_message(CommandRefused(error))
            return
        self.post_message(ActivitiesFound(page, rules))

    def on_activities_found(self, message: ActivitiesFound) -> None:
        self.found = message
        self.show()

    def on_command_refused(self, message: CommandRefused) -> None:
        principal = self.yimai.principal
        text = describe(message.error, user=principal.username if principal else "")
        self.query_one("#activities-more", Static).update(Text(text, style="bold red"))

    def choosable(self, activity: dict[str, Any]) -> bool:
        return not self.closed and activity["held_on"] <= self.system.app.today()

    def show(self) -> None:
        options = self.query_one(OptionList)
        current = options.highlighted
        options.clear_options()
        options.add_option(Option(Text(t("points.choose.new"), style="bold"), id=PLAN_NEW))
        found = self.found
        if found is None:
            options.add_option(Option(t("points.loading"), disabled=True))
        elif not found.page.items:
            options.add_option(Option(Text(t("points.choose.none"), style="dim"), disabled=True))
        for a in found.page.items if found else []:
            rule = found.rules.get(a["rule_code"]) if found else None
            text = Text(a["held_on"].isoformat() + "  ")
            text.append(a["title"], style="bold")
            text.append(
                "  " + t("points.choose.line", rule=rule_name(rule or a), n=a["attendees"]),
                style="dim",
            )
            ok = self.choosable(a)
            if not ok and not self.closed:
                text.append("  " + t("points.choose.ahead"), style="italic")
            options.add_option(Option(text, id=str(a["id"]), disabled=not ok))
        more = ""
        if found is not None and found.page.total > len(found.page.items):
            more = t("points.choose.more", total=found.page.total, shown=len(found.page.items))
        self.query_one("#activities-more", Static).update(more)
        options.highlighted = current if current is not None else 0

    def relabel(self) -> None:
        self.show()

    @on(OptionList.OptionSelected, "#activities")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == PLAN_NEW:
            self.dismiss(PLAN_NEW)
            return
        found = self.found
        activity = next(
            (a for a in (found.page.items if found else []) if str(a["id"]) == event.option.id),
            None,
        )
        if activity is None or not self.choosable(activity):
            return
        self.dismiss(
            PlannedActivity(
                activity["id"],
                0,
                title=activity["title"],
                held_on=activity["held_on"],
                unit_id=activity["branch_id"] or activity["community_id"],
                existing=True,
            )
        )

    def action_plan_new(self) -> None:
        self.dismiss(PLAN_NEW)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PlanActivityScreen(PointsForm):
    """A new activity to record attendance of (title, rule, day, community, branch)."""

    TITLE_KEY = "points.plan.title"
    HINT_KEY = "points.plan.hint"
    RULES = "award"

    def __init__(self, branch_id: UUID | None = None) -> None:
        super().__init__()
        self.want_branch = branch_id
        self.units: dict[UUID, UnitNode] = {}

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("title")
        yield _field("rule_code", ChoiceSelect(id="rule_code"))
        yield _input("held_on", "points.placeholder.today")
        yield _field("community_id", ChoiceSelect(id="community_id"))
        yield _field(
            "branch_id", ChoiceSelect(prompt_key="points.select.whole_community", id="branch_id")
        )

    def on_mount(self) -> None:
        self.load_rules(with_tree=True)
        self.query_one("#title", Input).focus()

    def on_rules_loaded(self, message: RulesLoaded) -> None:
        # PointsForm's handler (called too, by Textual) fills the rule select.
        self.units = {n.id: n for n in walk(message.roots)}
        communities = [n for n in self.units.values() if n.level == "community"]
        community = None
        want = self.units.get(self.want_branch) if self.want_branch else None
        if want is not None:
            community = str(want.parent_id)
        elif len(communities) == 1:
            community = str(communities[0].id)
        select = self.query_one("#community_id", ChoiceSelect)
        select.set_choices([(c.name, str(c.id)) for c in ordered(communities)], value=community)
        self.community_changed()
        if want is not None:
            self.query_one("#branch_id", ChoiceSelect).set_choices(
                self.branches(community), value=str(want.id)
            )

    def branches(self, community: str | None) -> list[tuple[str, str]]:
        node = self.units.get(UUID(community)) if community else None
        if node is None:
            return []
        return [
            (b.name, str(b.id))
            for b in ordered(node.children)
            if b.level == "branch" and b.status == "open"
        ]

    @on(ChoiceSelect.Changed, "#community_id")
    def community_changed(self) -> None:
        branches = self.branches(self.choice("community_id"))
        self.query_one("#branch_id", ChoiceSelect).set_choices(branches)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        title = self.value("title")
        rule = self.choice("rule_code") or ""
        day = parse_date("held_on", self.value("held_on")) or self.system.app.today()
        community = self.choice("community_id") or ""
        branch = self.choice("branch_id")
        app, actor = self.system.app, self.principal
        self.planned = (title.strip(), day, UUID(branch) if branch else None, community)

        def call() -> Receipt:
            return app.plan_activity(title, rule, day, community, branch_id=branch, actor=actor)

        return call, ActivityPlanned

    def on_activity_planned(self, message: ActivityPlanned) -> None:
        title, day, branch, community = self.planned
        unit = branch or UUID(community)
        planned = PlannedActivity(
            message.receipt.id, message.receipt.position, title=title, held_on=day, unit_id=unit
        )
        self.finish(planned, "points.done.planned", title=title)


class AttendeesFound(Message):
    """The members offered for ticking were read (and, for an activity planned before,
    those whose attendance is already recorded)."""

    def __init__(
        self, rows: list[MemberRow], total: int, ticket: int, attended: frozenset[str]
    ) -> None:
        super().__init__()
        self.rows = rows
        self.total = total
        self.ticket = ticket
        self.attended = attended


class RecordAttendanceScreen(PointsForm):
    """Step two: tick who attended (members of the activity's branch or community);
    for an activity planned before, those already recorded show ticked and fixed."""

    TITLE_KEY = "points.attend.title"

    DEFAULT_CSS = """
    RecordAttendanceScreen #member_ids { height: auto; max-height: 12; width: 1fr; }
    RecordAttendanceScreen.-narrow #member_ids { max-height: 8; }
    """

    def __init__(self, planned: PlannedActivity) -> None:
        super().__init__()
        self.planned = planned
        self.ticked: dict[str, str] = {}
        self.names: dict[str, str] = {}
        #: Members whose attendance is recorded already (read once).
        self.attended: frozenset[str] | None = None if planned.existing else frozenset()
        self.ticket = 0
        self.timer: Timer | None = None

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("points.attend.hint", id="attend-hint", classes="dialog-hint", **self._hint())

    def _hint(self) -> dict[str, Any]:
        day = self.planned.held_on.isoformat() if self.planned.held_on else ""
        return {"title": self.planned.title, "day": day, "n": len(self.ticked)}

    def compose_fields(self) -> Iterator[Widget]:
        yield TrInput("points.placeholder.search", id="attend_q", compact=True)
        yield _field("member_ids", SelectionList[str](id="member_ids", compact=True))
        yield Static("", id="attend-more", markup=False)

    def on_mount(self) -> None:
        self.search_now()
        self.query_one("#member_ids").focus()

    @on(Input.Changed, "#attend_q")
    def typed(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_timer(SEARCH_DELAY, self.search_now)

    @on(Input.Submitted, "#attend_q")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search_now()
        self.query_one("#member_ids").focus()

    def search_now(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.ticket += 1
        self.search(self.query_one("#attend_q", Input).value, self.ticket)

    @work(thread=True, exclusive=True, group="attendees")
    def search(self, query: str, ticket: int) -> None:
        attended = self.attended
        try:
            if attended is None:
                found = self.system.points.activity_attendees(self.planned.id, actor=self.principal)
                attended = frozenset(str(m) for m in found)
            page = self.system.roster.search_members(
                query.strip(),
                actor=self.principal,
                unit_id=self.planned.unit_id,
                limit=ATTEND_LIMIT,
            )
        except Exception as error:  # shown under the form
            self.post_message(CommandRefused(error))
            return
        self.post_message(AttendeesFound(page.items, page.total, ticket, attended))

    def on_attendees_found(self, message: AttendeesFound) -> None:
        if message.ticket != self.ticket:
            return
        self.attended = attended = message.attended
        names = self.query_one("#member_ids", SelectionList)
        names.clear_options()
        options: list[Selection[str]] = []
        for r in message.rows:
            ident = str(r.id)
            prompt = f"{r.name}  {r.branch_name}"
            if ident in attended:  # the domain refuses a second attendance
                prompt += f"  （{t('points.attend.already')}）"
                options.append(Selection(prompt, ident, True, disabled=True))
            else:
                options.append(Selection(prompt, ident, ident in self.ticked))
        names.add_options(options)
        self.names = {str(r.id): r.name for r in message.rows}
        if names.option_count:
            names.highlighted = 0
        more = ""
        if message.total > len(message.rows):
            more = t("points.attend.more", total=message.total, shown=len(message.rows))
        self.query_one("#attend-more", Static).update(more)

    @on(SelectionList.SelectionToggled, "#member_ids")
    def toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        ident = str(event.selection.value)
        if ident in self.ticked:
            del self.ticked[ident]
        else:
            self.ticked[ident] = self.names.get(ident, ident)
        self.query_one("#attend-hint", Tr).show("points.attend.hint", **self._hint())

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        ids = list(self.ticked)
        activity = self.planned.id
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.record_attendance(activity, ids, actor=actor)

        return call, AttendanceRecorded

    def on_attendance_recorded(self, message: AttendanceRecorded) -> None:
        receipt = message.receipt
        assert isinstance(receipt, AttendanceReceipt)
        self.finish(receipt, "points.done.attended", n=len(receipt.awards))


class _ConfirmForm(PointsForm):
    """A confirmation: the hint says what happens; Ctrl+S (or the button) confirms."""

    def on_mount(self) -> None:
        self.relabel_save()
        self.query_one("#save").focus()

    def relabel_save(self) -> None:
        button = self.query_one("#save", TrButton)
        button.key = "points.confirm.save"
        button.label = t(button.key)

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if not busy:
            self.relabel_save()


# -- deductions and reversals: proposed by one, decided by another ---------------------------


class ProposeDeductionScreen(_MemberForm):
    """Propose a deduction under a bottom-line rule, with why."""

    TITLE_KEY = "points.deduct.title"
    HINT_KEY = "points.deduct.hint"
    RULES = "deduct"

    def compose_fields(self) -> Iterator[Widget]:
        yield self.member_field()
        yield _field("rule_code", ChoiceSelect(id="rule_code"))
        yield _input("deed_on", "points.placeholder.today")
        yield _input("reason", "points.placeholder.reason")

    def on_mount(self) -> None:
        self.load_rules()
        self.first_focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        member = self.member()
        rule = self.choice("rule_code") or ""
        day = parse_date("deed_on", self.value("deed_on")) or self.system.app.today()
        why = self.value("reason")
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.propose_deduction(member.id, rule, day, why, actor=actor)

        return call, AdjustmentProposed

    def on_adjustment_proposed(self, message: AdjustmentProposed) -> None:
        self.finish(message.receipt, "points.done.proposed")


class ProposeReversalScreen(PointsForm):
    """Propose to reverse one entry of a member's year, with why."""

    TITLE_KEY = "points.reverse.title"

    def __init__(self, member: Chosen, year: int, line: dict[str, Any]) -> None:
        super().__init__()
        self.member = member
        self.year = year
        self.line = line

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("form.member", name=self.member.name, classes="dialog-hint")
        yield Tr(
            "points.reverse.hint",
            classes="dialog-hint",
            rule=rule_name(self.line),
            day=self.line["deed_on"].isoformat(),
            points=self.line["points"],
        )

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "points.placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        why = self.value("reason")
        member, year, entry = self.member.id, self.year, self.line["entry_id"]
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.propose_reversal(member, year, entry, why, actor=actor)

        return call, AdjustmentProposed

    def on_adjustment_proposed(self, message: AdjustmentProposed) -> None:
        self.finish(message.receipt, "points.done.proposed")


def proposal_text(row: dict[str, Any], rules: dict[str, dict[str, Any]]) -> str:
    rule = rules.get(row.get("rule_code") or "")
    day = row.get("deed_on")
    return t(
        "points.proposal",
        kind=label("points_adjustment", row["kind"]),
        name=row.get("name") or "",
        rule=rule_name(rule) if rule else (row.get("rule_code") or ""),
        day=day.isoformat() if day else "",
        proposer=row["proposer"],
        reason=row["reason"],
    )


class ApproveAdjustmentScreen(_ConfirmForm):
    """Confirm approving another person's proposal."""

    TITLE_KEY = "points.approve.title"
    HINT_KEY = "points.approve.hint"

    def __init__(self, row: dict[str, Any], text: str) -> None:
        super().__init__()
        self.row = row
        self.text = text

    def compose_header(self) -> Iterator[Widget]:
        yield Static(self.text, classes="dialog-hint proposal", markup=False)
        yield from super().compose_header()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        ident = self.row["id"]
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.approve_adjustment(ident, actor=actor)

        return call, AdjustmentApproved

    def on_adjustment_approved(self, message: AdjustmentApproved) -> None:
        self.finish(message.receipt, "points.done.approved")


class RejectAdjustmentScreen(PointsForm):
    """Reject another person's proposal, with the reason."""

    TITLE_KEY = "points.reject.title"

    def __init__(self, row: dict[str, Any], text: str) -> None:
        super().__init__()
        self.row = row
        self.text = text

    def compose_header(self) -> Iterator[Widget]:
        yield Static(self.text, classes="dialog-hint proposal", markup=False)

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "points.placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        ident, why = self.row["id"], self.value("reason")
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.reject_adjustment(ident, why, actor=actor)

        return call, AdjustmentRejected

    def on_adjustment_rejected(self, message: AdjustmentRejected) -> None:
        self.finish(message.receipt, "points.done.rejected")


# -- objections ------------------------------------------------------------------------------


class FileObjectionScreen(_MemberForm):
    """Record a member's objection to their totals of a closed year."""

    TITLE_KEY = "points.object.title"
    HINT_KEY = "points.object.hint"

    def __init__(self, chosen: Chosen | None, year: int) -> None:
        super().__init__(chosen)
        self.year = year

    def compose_fields(self) -> Iterator[Widget]:
        yield self.member_field()
        yield _input("year", value=str(self.year))
        yield _input("text", "points.placeholder.text")

    def on_mount(self) -> None:
        if self.given is None:
            self.query_one("#member_q", Input).focus()
        else:
            self.query_one("#text", Input).focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        member = self.member()
        typed = self.value("year").strip()
        if not typed.isdigit():
            raise InvalidInputError("year", "is required")
        year, text = int(typed), self.value("text")
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.file_objection(member.id, year, text, actor=actor)

        return call, ObjectionFiled

    def on_objection_filed(self, message: ObjectionFiled) -> None:
        self.finish(message.receipt, "points.done.filed")


def objection_text(row: dict[str, Any]) -> str:
    filed = local(row["filed_at"]).strftime("%Y-%m-%d %H:%M")
    return t("points.objection", name=row.get("name") or "", year=row["year"], when=filed)


class UpholdObjectionScreen(PointsForm):
    """Uphold an objection with its correction: an award, or a reversal of one entry."""

    TITLE_KEY = "points.uphold.title"
    HINT_KEY = "points.uphold.hint"

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__()
        self.row = row

    def compose_header(self) -> Iterator[Widget]:
        yield Static(objection_text(self.row), classes="dialog-hint", markup=False)
        yield from super().compose_header()

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "points.placeholder.reason")
        yield _field("award_rule", ChoiceSelect(prompt_key="select.none", id="award_rule"))
        yield _input("deed_on", "points.placeholder.today")
        yield _input("note", "placeholder.optional")
        yield _field("reverse_entry", ChoiceSelect(prompt_key="select.none", id="reverse_entry"))

    def on_mount(self) -> None:
        self.load_rules()
        self.load_entries()
        self.query_one("#reason").focus()

    def on_rules_loaded(self, message: RulesLoaded) -> None:
        choices = [rule_choice(r) for r in message.rules if _awards(r)]
        self.query_one("#award_rule", ChoiceSelect).set_choices(choices)

    @work(thread=True, exclusive=True, group="entries")
    def load_entries(self) -> None:
        try:
            page = self.system.points.ledger(
                self.row["member_id"], actor=self.principal, year=self.row["year"], limit=200
            )
        except Exception as error:  # shown under the form
            self.post_message(CommandRefused(error))
            return
        self.post_message(EntriesLoaded(page.items))

    def on_entries_loaded(self, message: EntriesLoaded) -> None:
        choices = [
            (f"{e['deed_on'].isoformat()} {rule_name(e)} {e['points']:+d}", str(e["entry_id"]))
            for e in message.entries
            if not e["reversed"]
        ]
        self.query_one("#reverse_entry", ChoiceSelect).set_choices(choices)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        ident, why = self.row["id"], self.value("reason")
        award = self.choice("award_rule")
        entry = self.choice("reverse_entry")
        day = parse_date("deed_on", self.value("deed_on"))
        if award is not None and day is None:
            day = self.system.app.today()
        note = text_or_none(self.value("note"))
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.uphold_objection(
                ident,
                why,
                award_rule=award,
                deed_on=day if award else None,
                note=note,
                reverse_entry=entry,
                actor=actor,
            )

        return call, ObjectionUpheld

    def on_objection_upheld(self, message: ObjectionUpheld) -> None:
        self.finish(message.receipt, "points.done.upheld")


class RejectObjectionScreen(PointsForm):
    """Reject an objection, saying why."""

    TITLE_KEY = "points.reject_objection.title"

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__()
        self.row = row

    def compose_header(self) -> Iterator[Widget]:
        yield Static(objection_text(self.row), classes="dialog-hint", markup=False)

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "points.placeholder.reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        ident, why = self.row["id"], self.value("reason")
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.reject_objection(ident, why, actor=actor)

        return call, ObjectionRejected

    def on_objection_rejected(self, message: ObjectionRejected) -> None:
        self.finish(message.receipt, "points.done.rejected")


# -- the year: close, finalize; the selection ------------------------------------------------


class ClosePeriodScreen(_ConfirmForm):
    """Close a year that has ended: its totals go into the publicity window."""

    TITLE_KEY = "points.close.title"

    def __init__(self, year: int) -> None:
        super().__init__()
        self.year = year

    def compose_header(self) -> Iterator[Widget]:
        days = self.system.app.publicity_days
        yield Tr("points.close.hint", classes="dialog-hint", year=self.year, days=days)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        year, app, actor = self.year, self.system.app, self.principal

        def call() -> Receipt:
            return app.close_period(year, actor=actor)

        return call, PeriodClosed

    def on_period_closed(self, message: PeriodClosed) -> None:
        self.finish(message.receipt, "points.done.closed", year=self.year)


class FinalizePeriodScreen(_ConfirmForm):
    """Make a year's totals final once its window has ended."""

    TITLE_KEY = "points.finalize.title"

    def __init__(self, year: int) -> None:
        super().__init__()
        self.year = year

    def compose_header(self) -> Iterator[Widget]:
        yield Tr("points.finalize.hint", classes="dialog-hint", year=self.year)

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        year, app, actor = self.year, self.system.app, self.principal

        def call() -> Receipt:
            return app.finalize_period(year, actor=actor)

        return call, PeriodFinalized

    def on_period_finalized(self, message: PeriodFinalized) -> None:
        self.finish(message.receipt, "points.done.finalized", year=self.year)


class ProposeSelectionScreen(_ConfirmForm):
    """List each branch's candidates of a final year."""

    TITLE_KEY = "points.selection.propose.title"
    HINT_KEY = "points.selection.propose.hint"

    def __init__(self, year: int) -> None:
        super().__init__()
        self.year = year

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        year, app, actor = self.year, self.system.app, self.principal

        def call() -> Receipt:
            return app.propose_selection(year, actor=actor)

        return call, SelectionChanged

    def on_selection_changed(self, message: SelectionChanged) -> None:
        self.finish(message.receipt, "points.done.selection")


class ConfirmSelectionScreen(PointsForm):
    """Confirm whom of the candidates the committee selects (an optional reason)."""

    TITLE_KEY = "points.selection.confirm.title"

    def __init__(self, year: int, chosen: dict[str, str]) -> None:
        super().__init__()
        self.year = year
        self.chosen = chosen

    def compose_header(self) -> Iterator[Widget]:
        names = join(self.chosen.values())
        yield Tr("points.selection.confirm.hint", classes="dialog-hint", names=names)

    def compose_fields(self) -> Iterator[Widget]:
        yield _input("reason", "points.placeholder.optional_reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        year, chosen = self.year, list(self.chosen)
        why = text_or_none(self.value("reason"))
        app, actor = self.system.app, self.principal

        def call() -> Receipt:
            return app.confirm_selection(year, chosen, reason=why, actor=actor)

        return call, SelectionChanged

    def on_selection_changed(self, message: SelectionChanged) -> None:
        self.finish(message.receipt, "points.done.selection")


class PublishSelectionScreen(_ConfirmForm):
    """Publish the confirmed selection to residents."""

    TITLE_KEY = "points.selection.publish.title"
    HINT_KEY = "points.selection.publish.hint"

    def __init__(self, year: int) -> None:
        super().__init__()
        self.year = year

    def build(self) -> tuple[Callable[[], Receipt], type[CommandDone]]:
        year, app, actor = self.year, self.system.app, self.principal

        def call() -> Receipt:
            return app.publish_selection(year, actor=actor)

        return call, SelectionChanged

    def on_selection_changed(self, message: SelectionChanged) -> None:
        self.finish(message.receipt, "points.done.selection")
