"""One micro-wish or alliance need: its detail, its moves (who, when, what, why) and the
steps the user's role allows now.

What the state allows comes from the domain (ClaimableDetail.possible); whether the role
may take a step, from `Yimai.may`. Every step is one Application command, in a form's
worker or (a cadre claiming for themself) in this screen's; then the item is read again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from domain.access import Permission
from domain.dto import ClaimableDetail, HistoryEntry, Receipt
from domain.wishes import Need, Wish
from tui.i18n import colon, t
from tui.messages import CommandDone
from tui.screens.base import FormScreen, StaffScreen
from tui.screens.wish_forms import (
    ClaimNeedScreen,
    ClaimWishScreen,
    ConfirmScreen,
    FulfilScreen,
    ItemClaimed,
    PublishScreen,
    ReleaseScreen,
    SendBackScreen,
    WithdrawScreen,
    describe_wish,
    run_on,
)
from tui.when import local
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr
from tui.widgets.section_bar import SectionBar

#: The screen's moves, each the domain step of the same name (`<step>_wish`/`_need`).
STEPS = ("claim", "release", "fulfil", "confirm", "send_back", "publish", "withdraw")


@dataclass
class ItemView:
    """Everything the screen shows, read in one go."""

    detail: ClaimableDetail
    history: list[HistoryEntry]
    community: str
    #: Members (a wish) or resident units (a need) its history names, by id.
    names: dict[UUID, str] = field(default_factory=dict)


class ItemLoaded(Message):
    """A wish's or need's detail and history were read."""

    def __init__(self, view: ItemView) -> None:
        super().__init__()
        self.view = view


class ItemRefused(Message):
    """A step taken from the screen itself (no form) was refused, or a read failed."""

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


class WishScreen(StaffScreen):
    """A micro-wish's or an alliance need's detail and moves, with the steps possible."""

    DEFAULT_CSS = """
    WishScreen #wish-main {
        height: 1fr;
    }
    WishScreen #wish-top {
        height: auto;
        max-height: 50%;
    }
    WishScreen #wish-header {
        padding: 0 1;
        text-style: bold;
    }
    WishScreen #wish-error {
        display: none;
        padding: 0 1;
        color: $error;
    }
    WishScreen #wish-error.-shown {
        display: block;
    }
    WishScreen #wish-details, WishScreen #wish-timeline {
        padding: 0 1;
    }
    WishScreen #wish-log {
        height: 1fr;
    }
    WishScreen #wish-timeline-box {
        height: 1fr;
    }
    WishScreen #wish-moves {
        height: auto;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    WishScreen.-wide #wish-main {
        layout: horizontal;
    }
    WishScreen.-wide #wish-top {
        width: 2fr;
        height: 1fr;
        max-height: 100%;
    }
    WishScreen.-wide #wish-log {
        width: 3fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="wish.back"),
        Binding("c", "claim", "Claim", id="wish.claim"),
        Binding("r", "release", "Release", id="wish.release"),
        Binding("f", "fulfil", "Fulfil", id="wish.fulfil"),
        Binding("y", "confirm", "Confirm", id="wish.confirm"),
        Binding("b", "send_back", "Send back", id="wish.send-back"),
        Binding("u", "publish", "Publish", id="wish.publish"),
        Binding("w", "withdraw", "Withdraw", id="wish.withdraw"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self, kind: str, item_id: UUID) -> None:
        """`kind`: "wish" or "need"."""
        super().__init__()
        self.kind = kind
        self.item_id = item_id
        self.view: ItemView | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with Container(id="wish-main"):
            with VerticalScroll(id="wish-top"):
                yield Static(t("wish.loading_item"), id="wish-header", markup=False)
                yield Static("", id="wish-error", markup=False)
                yield Static("", id="wish-details")
            with Vertical(id="wish-log"):
                yield Tr("wish.timeline", classes="section-title")
                with VerticalScroll(id="wish-timeline-box"):
                    yield Static("", id="wish-timeline")
        yield Static("", id="wish-moves")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.query_one("#wish-timeline-box").focus()
        self.load()

    def read_models_advanced(self) -> None:
        self.load()

    # -- reading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="wish")
    def load(self) -> None:
        app = self.system.app
        try:
            actor = self.principal
            if self.kind == "wish":
                detail = app.get_wish(self.item_id, actor=actor)
                history = app.get_history(self.item_id, actor=actor, kind=Wish)
            else:
                detail = app.get_need(self.item_id, actor=actor)
                history = app.get_history(self.item_id, actor=actor, kind=Need)
            community = self.system.roster.unit(detail.community_id, actor=actor)
            view = ItemView(detail, history, str(community.get("name") or ""))
            view.names = self.names(view)
        except Exception as error:
            self.post_message(ItemRefused(error))
            return
        self.post_message(ItemLoaded(view))

    def names(self, view: ItemView) -> dict[UUID, str]:
        """The claimants its history names: members of a wish, resident units of a need."""
        ids = {view.detail.claimant_id} if view.detail.claimant_id else set()
        for entry in view.history:
            for key in ("member_id", "resident_unit_id"):
                found = _uuid(entry.fields.get(key))
                if found is not None:
                    ids.add(found)
        actor, names = self.principal, {}
        if self.kind == "need":
            units = self.system.roster.list_resident_units(
                actor=actor, community_id=view.detail.community_id
            )
            return {u["id"]: str(u["name"]) for u in units if u["id"] in ids}
        if not actor.can(Permission.ROSTER_READ):
            return {}
        for member_id in ids:
            names[member_id] = self.system.app.get_member(member_id, actor=actor).name
        return names

    def on_item_loaded(self, message: ItemLoaded) -> None:
        self.view = message.view
        self.show()
        self.moves_changed()

    def on_item_refused(self, message: ItemRefused) -> None:
        self.set_busy(False)
        self.show_error(describe_wish(message.error, user=self._username()))

    # -- what is shown ------------------------------------------------------------------

    def show(self) -> None:
        if self.view is None:
            return
        d = self.view.detail
        header = Text.assemble(
            (t(f"wish.kind.{self.kind}"), "bold reverse"),
            " ",
            (d.title, "bold"),
            " · ",
            (t(f"wish.state.{d.state}"), "bold"),
        )
        self.query_one("#wish-header", Static).update(header)
        self.query_one("#wish-details", Static).update(self.details(self.view))
        self.query_one("#wish-timeline", Static).update(self.timeline(self.view))

    def name_of(self, ident: object) -> str:
        found = _uuid(ident)
        if found is None or self.view is None:
            return ""
        return self.view.names.get(found, str(found)[:8])

    def details(self, view: ItemView) -> RenderableType:
        d, none = view.detail, t("wish.none_value")
        rows: list[tuple[str, str]] = [("community", view.community or none)]
        if self.kind == "wish":
            if d.erased:
                rows.append(("resident", t("wish.erased")))
            else:
                who = [d.details.get("resident_name"), d.details.get("contact_phone")]
                if d.details.get("household_id"):
                    who.insert(0, t("wish.household"))
                rows.append(("resident", " · ".join(x for x in who if x) or none))
                rows.append(("wish", d.details.get("wish") or none))
        else:
            rows.append(("alliance", d.details.get("alliance") or none))
            rows.append(("description", d.details.get("description") or none))
        claimant = none
        if d.claimant_id is not None:
            claimant = t(
                "wish.claimed_on", name=self.name_of(d.claimant_id), when=_when(d.claimed_at)
            )
        rows.append(("claimant", claimant))
        rows.append(("fulfilled", _when(d.fulfilled_at) or none))
        rows.append(("summary", d.summary or none))
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        for key, value in rows:
            grid.add_row(Text(t(f"wish.label.{key}")), Text(value, overflow="fold"))
        return grid

    def timeline(self, view: ItemView) -> Table:
        table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
        table.add_column(t("wish.col.when"), no_wrap=True)
        table.add_column(t("wish.col.who"), no_wrap=True)
        table.add_column(t("wish.col.what"), ratio=3)
        table.add_column(t("wish.col.why"), ratio=2)
        for entry in view.history:
            table.add_row(
                Text(_when(entry.timestamp)),
                Text(entry.actor),
                Text(self.what(entry), overflow="fold"),
                Text(str(entry.fields.get("reason") or ""), overflow="fold"),
            )
        return table

    def what(self, entry: HistoryEntry) -> str:
        f = entry.fields
        step = entry.event.rpartition(".")[2]
        title = t(f"wish.event.{step}")
        detail = ""
        match step:
            case "Posted" | "Listed":
                detail = str(f.get("title") or "")
            case "Claimed":
                detail = self.name_of(f.get("member_id") or f.get("resident_unit_id"))
            case "Fulfilled":
                detail = str(f.get("note") or "")
            case "Published":
                detail = str(f.get("summary") or "")
        return f"{title}{colon()}{detail}" if detail else title

    def relabel(self) -> None:
        self.show()
        self.show_moves()

    def moves_changed(self) -> None:
        self.refresh_bindings()
        self.show_moves()

    def show_moves(self) -> None:
        """The steps possible now, in one line over the footer (which narrow terminals
        cut short)."""
        moves = Text()
        for bindings in self._bindings.key_to_bindings.values():
            for b in bindings:
                if b.action not in STEPS or self.check_action(b.action, ()) is not True:
                    continue
                if moves:
                    moves.append("  ")
                moves.append(self.app.get_key_display(b), style="bold")
                moves.append(f" {b.description}")
        box = self.query_one("#wish-moves", Static)
        box.update(Text(t("wish.moves")) + moves if moves else Text(""))
        box.display = bool(moves)

    def show_error(self, text: str) -> None:
        box = self.query_one("#wish-error", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")

    # -- what may be done now ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in STEPS:
            return True
        principal = self.yimai.principal
        if principal is None or not self.system.app.may(principal, f"{action}_{self.kind}"):
            return False
        if self.view is None or self.busy:
            return None
        return True if action in self.view.detail.possible else None

    # -- steps taken here (no form) ----------------------------------------------------

    @work(thread=True, exclusive=True, group="command")
    def run_command(self, call: Callable[[], Receipt], fact: type[CommandDone]) -> None:
        try:
            receipt = call()
            self.system.runner.wait_for(receipt.position)
        except Exception as error:  # a refusal, or a fault: shown on the screen either way
            self.post_message(ItemRefused(error))
            return
        self.post_message(fact(receipt))

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        if busy:
            self.show_error("")
        self.moves_changed()

    @on(CommandDone)
    def command_done(self, message: CommandDone) -> None:
        self.set_busy(False)
        if isinstance(message, ItemClaimed) and self.view is not None:
            self.notify(t("wish.done.claimed", title=self.view.detail.title))
        self.load()

    # -- the steps ----------------------------------------------------------------------

    def open_form(self, form: FormScreen) -> None:
        self.show_error("")
        self.app.push_screen(form, self.after_form)

    def after_form(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.load()

    def _title(self) -> str:
        return self.view.detail.title if self.view else ""

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_claim(self) -> None:
        if self.view is None or self.busy:
            return
        d, principal = self.view.detail, self.principal
        if self.kind == "need":
            self.open_form(ClaimNeedScreen(d.id, d.title, d.community_id))
        elif principal.can(Permission.REQUESTS_RECORD):
            myself = principal.can(Permission.REQUESTS_CLAIM)
            self.open_form(ClaimWishScreen(d.id, d.title, d.community_id, myself=myself))
        else:  # a cadre claims for themself: nothing to ask
            self.set_busy(True)
            act: Callable[..., Receipt] = run_on(self.system, "wish", "claim")
            item_id = d.id
            self.run_command(lambda: act(item_id, actor=principal), ItemClaimed)

    def action_release(self) -> None:
        self.open_form(ReleaseScreen(self.kind, self.item_id, self._title()))

    def action_fulfil(self) -> None:
        self.open_form(FulfilScreen(self.kind, self.item_id, self._title()))

    def action_confirm(self) -> None:
        self.open_form(ConfirmScreen(self.kind, self.item_id, self._title()))

    def action_send_back(self) -> None:
        self.open_form(SendBackScreen(self.kind, self.item_id, self._title()))

    def action_publish(self) -> None:
        self.open_form(PublishScreen(self.kind, self.item_id, self._title()))

    def action_withdraw(self) -> None:
        self.open_form(WithdrawScreen(self.kind, self.item_id, self._title()))
