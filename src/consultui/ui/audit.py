"""The audit of the knowledge base (kb/audit.py) as a dialog of the Knowledge base
section: one line per finding; Enter closes it with the finding's line, which the
section then shows in the editor."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui.kb.audit import CHECKS, AuditFinding, AuditReport
from consultui.termsafe import visible


def finding_prompt(finding: AuditFinding) -> Content:
    where = f"line {finding.line}" if finding.line is not None else "file"
    return Content.assemble(
        (f"{where}: ", "bold"), (finding.check, "italic"), " · ",
        visible(f"{finding.kind} {finding.entry}: {finding.message}"),
    )


def summary(report: AuditReport) -> str:
    if report.clean:
        return "✓ Audit clean: nothing for a reviewer to look at."
    counts = ", ".join(f"{n} {CHECKS[check]}" for check, n in report.counts.items())
    return f"⚑ {len(report.findings)} finding(s) for review: {counts}"


class AuditScreen(ModalScreen[int | None]):
    """Dismissed with the line of the chosen finding, or None (escape)."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, report: AuditReport, name: str) -> None:
        super().__init__()
        self.report = report
        self.file_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="audit-dialog"):
            yield Static(Content.styled("Knowledge-base audit", "bold"), classes="dialog-title")
            yield Static(Content(visible(f"{self.file_name} · version {self.report.version}\n{summary(self.report)}")),
                         id="audit-summary")
            yield OptionList(*[Option(finding_prompt(f), id=str(n)) for n, f in enumerate(self.report.findings)],
                             id="audit-findings")
            yield Static(Content.styled("Enter: go to the line in the editor · Escape closes", "italic"))

    def on_mount(self) -> None:
        findings = self.query_one("#audit-findings", OptionList)
        findings.display = not self.report.clean
        if not self.report.clean:
            findings.highlighted = 0
            findings.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.report.findings[event.option_index].line)

    def action_close(self) -> None:
        self.dismiss(None)
