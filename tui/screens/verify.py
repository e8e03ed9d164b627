"""Verify the sealed log, as `yimai verify` does: recompute the tree from the stored
events, check it against the seal and every signed checkpoint, and read the report.

The run reports its progress (events read of the log's length); the bar shows it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import ProgressBar, Static

from domain.access import Permission
from projections.seal import VerifyReport
from tui.errors import describe
from tui.i18n import t
from tui.messages import CommandRefused
from tui.screens.audit import when
from tui.screens.base import StaffScreen
from tui.widgets.footer import YimaiFooter
from tui.widgets.localized import Tr
from tui.widgets.section_bar import SectionBar

#: Problems listed on the screen (the count is always complete).
SHOWN_PROBLEMS = 50


class VerifyProgressed(Message):
    """The verification read further into the log."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class LogVerified(Message):
    """The verification ran to its end (intact or not: the report says)."""

    def __init__(self, report: VerifyReport) -> None:
        super().__init__()
        self.report = report


class VerifyScreen(StaffScreen):
    """Run the verification with a progress bar and show its report."""

    DEFAULT_CSS = """
    VerifyScreen #verify-body {
        height: 1fr;
        padding: 0 1;
    }
    VerifyScreen #verify-bar {
        margin: 1 0;
    }
    VerifyScreen #verify-result {
        height: auto;
        text-style: bold;
    }
    VerifyScreen #verify-result.-ok {
        color: $success;
    }
    VerifyScreen #verify-result.-failed {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "run", "Verify again", id="verify.run"),
        Binding("escape", "back", "Back", id="verify.back"),
        Binding("a", "account", "Account", id="staff.account"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.report: VerifyReport | None = None
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        yield SectionBar()
        with VerticalScroll(id="verify-body"):
            yield Tr("audit.verify.intro", classes="dialog-hint")
            yield ProgressBar(id="verify-bar", show_eta=False)
            yield Static("", id="verify-result", markup=False)
            yield Static("", id="verify-report")
        yield YimaiFooter()

    def on_mount(self) -> None:
        self.action_run()

    # -- running --------------------------------------------------------------------------

    def action_run(self) -> None:
        if self.running:
            return
        self.running = True
        self.report = self.error = None
        # Indeterminate until the first batch tells the log's length.
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.show()
        self.refresh_bindings()
        self.verify()

    @work(thread=True, exclusive=True, group="verify")
    def verify(self) -> None:
        def progressed(done: int, total: int) -> None:
            self.post_message(VerifyProgressed(done, total))

        try:
            report = self.system.seal.verify(progressed)
        except Exception as error:  # shown, not fatal: the station keeps working
            self.post_message(CommandRefused(error))
            return
        self.post_message(LogVerified(report))

    def on_verify_progressed(self, message: VerifyProgressed) -> None:
        if self.running:
            self.query_one(ProgressBar).update(total=message.total, progress=message.done)

    def on_log_verified(self, message: LogVerified) -> None:
        self.running = False
        self.report = message.report
        bar = self.query_one(ProgressBar)
        bar.update(total=max(message.report.events, 1), progress=max(message.report.events, 1))
        self.show()
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        self.running = False
        self.error = message.error
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.show()
        self.refresh_bindings()

    # -- showing --------------------------------------------------------------------------

    def show(self) -> None:
        result = self.query_one("#verify-result", Static)
        body = self.query_one("#verify-report", Static)
        result.set_class(False, "-ok")
        result.set_class(False, "-failed")
        report = self.report
        if self.error is not None:
            result.update(t("audit.verify.error", error=describe(self.error)))
            result.add_class("-failed")
            body.update("")
            return
        if report is None:
            result.update(t("audit.verify.running"))
            body.update("")
            return
        if report.ok:
            result.update(t("audit.verify.ok"))
            result.add_class("-ok")
        else:
            result.update(t("audit.verify.failed", n=report.problem_count))
            result.add_class("-failed")
        body.update(self.report_body(report))

    def report_body(self, report: VerifyReport) -> Group:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column()
        facts.add_row(t("audit.verify.events"), f"{report.events:,}")
        facts.add_row(t("audit.verify.sealed"), f"{report.sealed:,}")
        facts.add_row(t("audit.verify.unsealed"), f"{report.unsealed:,}")
        facts.add_row(t("audit.verify.checkpoints"), f"{report.checkpoints:,}")
        cp = report.latest_checkpoint
        facts.add_row(
            t("audit.verify.latest"),
            t(
                "audit.verify.checkpoint",
                size=cp["tree_size"],
                at=when(cp["made_at"]),
            )
            if cp
            else "—",
        )
        facts.add_row(t("audit.verify.key"), report.key_id or "—")
        facts.add_row(t("audit.verify.seconds"), f"{report.seconds:.2f}")
        parts: list[Table | Text] = [facts]
        if report.problems:
            problems = Table.grid(padding=(0, 1))
            problems.add_column(no_wrap=True, style="bold red")
            problems.add_column()
            for problem in report.problems[:SHOWN_PROBLEMS]:
                problems.add_row(t(f"audit.problem.{problem.kind}"), problem.message)
            parts += [Text(""), Text(t("audit.verify.problems"), style="bold"), problems]
            hidden = report.problem_count - min(len(report.problems), SHOWN_PROBLEMS)
            if hidden > 0:
                parts.append(Text(t("audit.verify.more", n=hidden), style="dim"))
        if report.unsealed:
            parts += [Text(""), Text(t("audit.verify.unsealed_hint"), style="dim")]
        return Group(*parts)

    def relabel(self) -> None:
        self.show()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            principal = self.yimai.principal
            if principal is None or not principal.can(Permission.AUDIT_READ):
                return False
            return None if self.running else True
        return True

    def action_back(self) -> None:
        self.app.pop_screen()
