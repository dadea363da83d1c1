"""Claims section: paste copy, see red flags highlighted and explained."""
from __future__ import annotations

import bisect
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.css.query import NoMatches
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Edit, EditResult
from textual.worker import get_current_worker

from consultui.claims.checker import Checker, Finding, check_document
from consultui.claims.report import SEVERITY_MARKS, category_label, plain_report, summary_line
from consultui.claims.rulepack import (ALL, cited, file_level_finding, is_file_level, missing_disclosures, pack_label,
                                       rule_pack)
from consultui.clipboard import clipboard_doubt
from consultui.kb.model import KnowledgeBase
from consultui.claims.extract import detect_kind
from consultui.termsafe import visible
from consultui.ui.debounce import Debouncer
from consultui.ui.findinglist import LazyList
from consultui.ui.colours import rich_colour, severity_highlights
from consultui.ui.bigtext import LargeTextArea
from consultui.ui.safe import safe
from consultui.ui.section import PaletteCommand, Section

DEBOUNCE_SECONDS = 0.25
PASTE_CHARS = 200  # an edit inserting this much at once is a paste (or a file), not typing
EMPTY_HINT = "Paste or type advertising copy. ctrl+o opens a file."
FILE_LEVEL_LABEL = "Required text absent"


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def spans_by_line(text: str, findings: list[Finding]) -> dict[int, list[tuple[int, int, str]]]:
    """Per 0-based line: (start column, end column, severity), splitting multi-line findings."""
    starts = _line_starts(text)
    marks: dict[int, list[tuple[int, int, str]]] = {}
    for f in findings:
        first = bisect.bisect_right(starts, f.start) - 1
        last = bisect.bisect_right(starts, max(f.end - 1, f.start)) - 1
        for line in range(first, last + 1):
            line_start = starts[line]
            line_end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
            a = max(f.start, line_start) - line_start
            b = min(f.end, line_end) - line_start
            if b > a:
                marks.setdefault(line, []).append((a, b, f.severity))
    return marks


class ClaimsEditor(LargeTextArea):
    """A TextArea that draws the findings of the last check over the text."""

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=True, tab_behavior="focus", **kwargs)
        self.marks: dict[int, list[tuple[int, int, str]]] = {}
        self.pasted = False  # the last edit put a whole block of text in (a paste, a file)

    def edit(self, edit: Edit) -> EditResult:
        self.pasted = len(edit.text) >= PASTE_CHARS
        return super().edit(edit)

    def set_marks(self, marks: dict[int, list[tuple[int, int, str]]]) -> None:
        self.marks = marks
        # TextArea caches rendered lines by text, cursor and theme, not by our marks:
        # notify_style_update() is its public hook for "cached rendering is stale".
        self.notify_style_update()
        self.refresh()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        marks = self.marks.get(line_index)
        if marks:
            # Underline (and bold) survive NO_COLOR; the theme's colours add the severity,
            # in pairs that keep 4.5:1 contrast (ui/colours.py).
            styles = severity_highlights(self.app)
            for start, end, severity in marks:
                line.stylize(styles[severity], start, end)
        return line


class FindingsList(LazyList[Finding]):
    """The findings, two lines each, drawn only when on screen."""


class ClaimsSection(Section):
    BINDINGS = [
        Binding("ctrl+o", "open_file", "Open file", id="claims.open"),
        Binding("ctrl+l", "clear", "Clear", id="claims.clear"),
        Binding("ctrl+r", "copy_report", "Copy report", id="claims.report"),
        Binding("ctrl+s", "save_report", "Save report", id="claims.save", priority=True),
        Binding("ctrl+n", "next_finding", "Next flag", id="claims.next"),
        Binding("ctrl+t", "choose_jurisdictions", "Rule pack", id="claims.jurisdictions"),
    ]
    HELP_EXTRA = [
        ("type / paste", "The text is checked as you type; red flags are underlined and listed"),
        ("tab", "Move to the list of findings; Enter on one moves the cursor to it"),
        ("ctrl+z / ctrl+y", "Undo / redo, also after ctrl+l (clear) and ctrl+o (open)"),
    ]

    def __init__(self, kb: KnowledgeBase, **kwargs) -> None:
        super().__init__(kb, **kwargs)
        self._checker: Checker | None = None  # built on the first check, off the UI thread
        self._checker_key: tuple[KnowledgeBase, tuple[str, ...]] | None = None
        # The rule pack (uk/au/us/eu, or all), as `consultui check --jurisdiction`; read
        # from the settings when the section is composed.
        self.jurisdictions: tuple[str, ...] = ALL
        self.checked_jurisdictions: tuple[str, ...] | None = None  # the pack the findings on screen used
        self.findings: list[Finding] = []
        self.source = "pasted text"
        self._checks = Debouncer(self, DEBOUNCE_SECONDS, self._start_check)
        self.checked_text: str | None = None  # the text the findings on screen belong to
        self.file_text: str | None = None  # the text as read from self.source (a file), if any
        self._warned_clipboard = False

    def compose(self) -> ComposeResult:
        self.jurisdictions = self._saved_jurisdictions()
        with Horizontal(id="claims-header"):
            yield Static(Content(EMPTY_HINT), id="claims-summary")
            yield Static(self._pack_content(), id="claims-pack")
        with Horizontal(id="claims-body"):
            yield ClaimsEditor(id="claims-text")
            with Vertical(id="claims-side"):
                yield FindingsList(self._finding_lines, id="claims-findings")
                yield Static(id="claims-detail")

    @property
    def unsaved_text(self) -> bool:
        """Typed or pasted text that exists nowhere else (quitting asks first)."""
        if not self.is_mounted:
            return False
        try:
            text = self.query_one(ClaimsEditor).text
        except NoMatches:
            return False
        return bool(text.strip()) and text != self.file_text

    def focus_target(self):
        return self.query_one(ClaimsEditor)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Claims: open a file", "Load a text, Markdown or HTML file into the checker (ctrl+o)", self.action_open_file),
            ("Claims: clear the text", "Empty the box (ctrl+l)", self.action_clear),
            ("Claims: copy report", "Copy a plain-text report of the findings (ctrl+r)", self.action_copy_report),
            ("Claims: save report to a file", "Text, Markdown (.md) or JSON (.json) by the file's ending (ctrl+s)",
             self.action_save_report),
            ("Claims: rule pack (jurisdictions)", "Check for the UK, Australia, the US, the EU or all; findings cite "
             "that regulator (ctrl+t)", self.action_choose_jurisdictions),
        ]

    def set_kb(self, kb: KnowledgeBase) -> None:
        super().set_kb(kb)
        self.schedule_check(immediate=True)

    # -- checking --------------------------------------------------------
    @on(TextArea.Changed, "#claims-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        # The pause waits for typing to stop; a paste is complete at once: checked at once.
        editor = event.text_area
        self.schedule_check(immediate=isinstance(editor, ClaimsEditor) and editor.pasted)

    def schedule_check(self, immediate: bool = False) -> None:
        self._checks.schedule(immediate)

    def _start_check(self, generation: int) -> None:
        text = self.query_one(ClaimsEditor).text
        self._check(text, generation, self.kb, self.jurisdictions)

    def checker_for(self, kb: KnowledgeBase, jurisdictions: tuple[str, ...] = ALL) -> Checker:
        key = (kb, jurisdictions)
        if self._checker is None or self._checker_key is None or self._checker_key[0] is not kb \
                or self._checker_key[1] != jurisdictions:
            # The same selection as `consultui check --jurisdiction` (claims/rulepack.py).
            self._checker, self._checker_key = Checker(rule_pack(kb, jurisdictions).rules), key
        return self._checker

    # A description of its own: Textual would make one from repr() of every argument
    # (the text, and the whole knowledge base) on every check.
    @work(thread=True, exclusive=True, group="claims-check", description="check the claims text")
    def _check(self, text: str, generation: int, kb: KnowledgeBase, jurisdictions: tuple[str, ...] = ALL) -> None:
        worker = get_current_worker()
        checker = self.checker_for(kb, jurisdictions)
        kind = detect_kind(None, text)
        # A newer edit starts a newer check (exclusive group), which cancels this one:
        # the scan notices and stops instead of finishing work nobody will see.
        findings = check_document(text, kind, checker, should_stop=lambda: worker.is_cancelled)
        if text.strip() and not worker.is_cancelled:
            # Statements the pack requires, absent from the whole text: listed first.
            absent = missing_disclosures(text, kind, rule_pack(kb, jurisdictions).disclosures)
            findings = [file_level_finding(d) for d in absent] + findings
        if not worker.is_cancelled:
            stopped = checker.last_work.stopped_at
            self.app.call_from_thread(self._apply, text, generation, findings, stopped, jurisdictions)

    def _apply(self, text: str, generation: int, findings: list[Finding], stopped: int | None = None,
               jurisdictions: tuple[str, ...] = ALL) -> None:
        if not self._checks.is_current(generation) or not self.is_attached:
            return  # the text changed again (a newer check is on its way), or closing
        try:
            self._show_findings(text, findings, stopped)
        except NoMatches:  # the app closed while the check ran
            return
        self.checked_jurisdictions = jurisdictions

    def is_settled(self) -> bool:
        """True when the findings shown are those of the text in the box, under the
        rule pack now chosen."""
        return (self.checked_text == self.query_one(ClaimsEditor).text
                and self.checked_jurisdictions in (None, self.jurisdictions))

    def _show_findings(self, text: str, findings: list[Finding], stopped: int | None = None) -> None:
        self.findings = findings
        self.checked_text = text
        editor = self.query_one(ClaimsEditor)
        editor.set_marks(spans_by_line(text, findings))
        # Only the rows on screen are drawn: 10,000 findings list at once (findinglist.py).
        self.query_one(FindingsList).set_items(findings)
        summary = summary_line(findings) if text.strip() else EMPTY_HINT
        if stopped is not None:
            line = text.count("\n", 0, stopped) + 1
            summary = (f"⚠ Check stopped early at line {line}: the rules did more work than a check is "
                       f"allowed; nothing after that line was checked. {summary}")
        self.query_one("#claims-summary", Static).update(safe(summary))
        self._show_detail(0 if findings else None)

    def _finding_lines(self, f: Finding, width: int, highlighted: bool = False) -> list[Text]:
        quote = visible(f.text.replace("\n", " "), keep_newlines=False)
        # The severity's colour is readable on the list's background; the highlighted row
        # sits on the cursor's colour, so it keeps the cursor's text colour.
        colour = None if highlighted else rich_colour(self.app, f"severity-{f.severity}")
        mark = (SEVERITY_MARKS[f.severity], Style(bold=True, color=colour))
        if is_file_level(f):
            return [Text.assemble(mark, " · ", FILE_LEVEL_LABEL),
                    Text.assemble(("whole text", "italic"), "  ", visible(f.rule, keep_newlines=False))]
        return [
            Text.assemble(mark, " · ", visible(category_label(self.kb, f.category), keep_newlines=False)),
            Text.assemble((f"“{quote}”", "italic"), f"  line {f.line}"),
        ]

    def finding_prompt(self, index: int) -> str:
        """The two lines the list shows for a finding, as plain text (tests read it)."""
        return "\n".join(line.plain for line in self._finding_lines(self.findings[index], 200))

    def _show_detail(self, index: int | None) -> None:
        detail = self.query_one("#claims-detail", Static)
        if index is None or index >= len(self.findings):
            detail.update(Content(""))
            return
        f = self.findings[index]
        file_level = is_file_level(f)
        label = FILE_LEVEL_LABEL if file_level else category_label(self.kb, f.category)
        parts = [
            Content.assemble((SEVERITY_MARKS[f.severity], f"bold $severity-{f.severity}"), " · ",
                             visible(label), visible(f" ({f.rule})")),
            Content.assemble(("Where: ", "bold"), "the whole text (checked once, not at a line)") if file_level
            else Content.assemble(("Phrase: ", "bold"), f"“{visible(f.text)}”"),
            Content.assemble(("Why: ", "bold"), visible(f.message)),
            Content.assemble(("Honest wording: " if not file_level else "Add: ", "bold"), visible(f.suggestion)),
        ]
        # Cited as `consultui check --jurisdiction` cites: the chosen jurisdictions' references.
        parts += [safe(f"• {ref}") for ref in cited(self.kb, f.refs, self.jurisdictions)]
        detail.update(Content("\n").join(parts))

    @on(FindingsList.Highlighted, "#claims-findings")
    def _highlighted(self, event: FindingsList.Highlighted) -> None:
        if not isinstance(event, FindingsList.Selected):
            self._show_detail(event.index)

    @on(FindingsList.Selected, "#claims-findings")
    def _selected(self, event: FindingsList.Selected) -> None:
        self.go_to_finding(event.index)

    def go_to_finding(self, index: int) -> None:
        if not 0 <= index < len(self.findings):
            return
        f = self.findings[index]
        if is_file_level(f):  # about the whole text: nowhere to move the cursor to
            self._show_detail(index)
            return
        editor = self.query_one(ClaimsEditor)
        starts = _line_starts(editor.text)
        end_line = bisect.bisect_right(starts, f.end) - 1
        editor.selection = editor.selection.__class__((f.line - 1, f.column - 1), (end_line, f.end - starts[end_line]))
        editor.scroll_cursor_visible(center=True)
        editor.focus()
        self._show_detail(index)

    # -- rule pack ---------------------------------------------------------
    def _saved_jurisdictions(self) -> tuple[str, ...]:
        settings = getattr(self.app, "settings", None)
        return tuple(getattr(settings, "jurisdictions", ALL)) or ALL

    def _pack_content(self) -> Content:
        # The key is part of the label: at 80 columns the footer has no room left for it.
        return Content.assemble(("^t", "bold"), " Rule pack: ", pack_label(self.jurisdictions))

    def action_choose_jurisdictions(self) -> None:
        from consultui.ui.jurisdiction_dialog import JurisdictionPicker

        def done(chosen: tuple[str, ...] | None) -> None:
            if chosen is not None and not self.closing:
                self.set_jurisdictions(chosen)

        self.app.push_screen(JurisdictionPicker(self.jurisdictions), done)

    def set_jurisdictions(self, chosen: tuple[str, ...]) -> None:
        """Use this rule pack, check again and keep it in the settings (theme and
        practitioner kept: the app's settings are the starting point)."""
        from consultui.settings import load_settings, save_settings, with_jurisdictions

        chosen = tuple(chosen) or ALL
        if chosen == self.jurisdictions:
            return
        self.jurisdictions = chosen
        self.query_one("#claims-pack", Static).update(self._pack_content())
        self.schedule_check(immediate=True)
        current = getattr(self.app, "settings", None) or load_settings()[0]
        updated = with_jurisdictions(current, chosen)
        if hasattr(self.app, "settings"):
            self.app.settings = updated
        try:
            save_settings(updated)
        except OSError as exc:
            self.app.notify(f"The rule pack is used now but could not be saved in the settings: {exc}",
                            title="Claims", severity="warning", markup=False, timeout=8)
            return
        self.app.notify(f"Rule pack: {pack_label(chosen)}. Kept in the settings.", title="Claims", markup=False,
                        timeout=4)

    # -- actions ---------------------------------------------------------
    def action_next_finding(self) -> None:
        if not self.findings:
            self.app.notify("No red flags in the text.", title="Claims", markup=False)
            return
        editor = self.query_one(ClaimsEditor)
        row, column = editor.cursor_location
        starts = _line_starts(editor.text)
        offset = starts[min(row, len(starts) - 1)] + column
        in_text = [n for n, f in enumerate(self.findings) if not is_file_level(f)]
        if not in_text:
            self.app.notify("No red flags at a line; the list names what the whole text lacks.", title="Claims",
                            markup=False)
            return
        later = [n for n in in_text if self.findings[n].start > offset]
        self.go_to_finding(later[0] if later else in_text[0])

    def _replace_all(self, text: str) -> None:
        """Replace the whole text as one edit, so ctrl+z brings the old text back
        (load_text would forget the undo history)."""
        editor = self.query_one(ClaimsEditor)
        editor.replace(text, (0, 0), editor.document.end)
        editor.move_cursor((0, 0))

    def action_clear(self) -> None:
        editor = self.query_one(ClaimsEditor)
        had_text = bool(editor.text)
        self._replace_all("")
        self.source = "pasted text"
        self.file_text = None
        self.schedule_check(immediate=True)
        if had_text:
            self.app.notify("Text cleared. ctrl+z brings it back.", title="Claims", markup=False, timeout=4)

    def action_copy_report(self) -> None:
        report = plain_report(self.findings, self.kb, self.source, jurisdictions=self.checked_jurisdictions or self.jurisdictions)
        self.app.copy_to_clipboard(report)
        message = f"Report of {len(self.findings)} finding(s) copied to the clipboard."
        doubt = None if self._warned_clipboard else clipboard_doubt()
        if doubt is not None:
            # Once per session: OSC 52 fails silently where the terminal ignores it.
            self._warned_clipboard = True
            self.app.notify(f"{message} {doubt} ctrl+s saves the report to a file instead.",
                            title="Claims: check the clipboard", severity="warning", markup=False, timeout=10)
            return
        self.app.notify(message, title="Claims", markup=False)

    def action_save_report(self) -> None:
        from consultui.claims.reportfile import default_report_name
        from consultui.ui.screening_dialogs import TextPrompt

        def answered(value: str | None) -> None:
            if value and value.strip():
                self.save_report(Path(value.strip()).expanduser())

        self.app.push_screen(TextPrompt(
            "Save the claims report", "The ending chooses the format: .txt (text), .md (Markdown) or .json.",
            str(Path.cwd() / default_report_name()),
        ), answered)

    def save_report(self, path: Path, overwrite: bool = False) -> None:
        """Write the report atomically; an existing file is replaced only after asking."""
        from consultui.atomic import write_text_atomic
        from consultui.claims.reportfile import report_for_path

        if path.exists() and not overwrite:
            from consultui.ui.screening_dialogs import ConfirmDialog

            def answered(yes: bool | None) -> None:
                if yes:
                    self.save_report(path, overwrite=True)

            self.app.push_screen(ConfirmDialog(
                "Replace the file?", f"{path} already exists. Replace it with this report?", yes="Replace", no="Cancel",
            ), answered)
            return
        text = report_for_path(path, self.findings, self.kb, self.source,
                               jurisdictions=self.checked_jurisdictions or self.jurisdictions)
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            self.app.notify(f"Could not write {path}: {exc.strerror or exc}", title="Report not saved",
                            severity="error", markup=False, timeout=10)
            return
        self.app.notify(f"Report of {len(self.findings)} finding(s) saved to {path}.", title="Claims", markup=False)

    def action_open_file(self) -> None:
        from consultui.ui.dialogs import OpenFileDialog

        self.app.push_screen(OpenFileDialog(), self.load_file)

    def load_file(self, path: str | None) -> None:
        if not path:
            return
        from consultui.claims.checker import TextFileError, read_text_file

        try:
            text = read_text_file(Path(path).expanduser())
        except (TextFileError, OSError) as exc:
            self.app.notify(str(exc), title="Cannot open file", severity="error", markup=False)
            return
        had_text = bool(self.query_one(ClaimsEditor).text)
        self.source = str(path)
        self.file_text = text
        self._replace_all(text)
        self.schedule_check(immediate=True)
        self.query_one(ClaimsEditor).focus()
        if had_text:
            self.app.notify(f"Opened {path}; the text it replaced comes back with ctrl+z.", title="Claims",
                            markup=False, timeout=5)
