"""Knowledge base section (F5): the file in use in an editor, validated as you type,
saved only when valid, and applied to every section at once."""
from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from consultui import paths
from consultui.kb import files as kbfiles
from consultui.kb.load import KBReadError, LoadResult, parse_kb
from consultui.application.kbcheck import Cancelled, TextChecker
from consultui.application.kbstore import KnowledgeBaseStore, SaveConflict
from consultui.kb.model import KnowledgeBase
from consultui.problems import Problem
from consultui.termsafe import visible
from consultui.ui.debounce import Debouncer
from consultui.ui.bigtext import LargeTextArea
from consultui.ui.safe import safe
from consultui.ui.section import PaletteCommand, Section

DEBOUNCE_SECONDS = 0.4
# Textual's TOML highlighting re-counts the bytes of every line above an edit, on every
# key: at 500 therapies (6.6 MB) that alone took seconds. Larger files are shown plain.
HIGHLIGHT_MAX_CHARS = 400_000


class KBEditor(LargeTextArea):
    """The knowledge-base editor. Whatever changes its height (the problems list appearing,
    the find bar, a resized terminal), the line with the cursor stays in view."""

    preferred_language: str | None = None  # TOML when the grammar is installed

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.scroll_cursor_visible)

    def show_plain_if_large(self, size: int) -> None:
        language = None if size > HIGHLIGHT_MAX_CHARS else self.preferred_language
        if self.language != language:
            self.language = language


def make_editor(text: str = "") -> KBEditor:
    """A code editor with line numbers; TOML highlighting when the grammar is installed."""
    language: str | None = None
    try:
        if "toml" in TextArea(language=None).available_languages:
            language = "toml"
    except Exception:  # tree-sitter missing or broken: plain text it is
        language = None
    editor: KBEditor | None = None
    if language is not None:
        try:
            editor = cast(KBEditor, KBEditor.code_editor(text, language=language, soft_wrap=False, tab_behavior="focus",
                                                         show_line_numbers=True, id="kb-editor"))
        except Exception:  # LanguageDoesNotExist and friends
            language = None
    if editor is None:
        editor = cast(KBEditor, KBEditor.code_editor(text, language=None, soft_wrap=False, tab_behavior="focus",
                                                     show_line_numbers=True, id="kb-editor"))
    editor.preferred_language = language
    return editor


def _match_start(line: str, needle: str, lo: int, hi: int, backwards: bool) -> int:
    """Where a match of needle starts in line[lo:hi) (the last one when backwards), or -1."""
    if hi <= lo:
        return -1
    if backwards:
        return line.rfind(needle, lo, hi - 1 + len(needle))
    found = line.find(needle, lo)
    return found if found < hi else -1


def problem_prompt(problem: Problem) -> Content:
    where = f"line {problem.line}" if problem.line is not None else "file"
    text = f"{problem.key}: {problem.message}" if problem.key else problem.message
    if problem.hint:
        text += f" ({problem.hint})"
    return Content.assemble((f"{where}: ", "bold"), visible(text))


class KnowledgeSection(Section):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="knowledge.save", priority=True),
        Binding("ctrl+n", "next_problem", "Next problem", id="knowledge.next", priority=True),
        Binding("ctrl+t", "revalidate", "Check now", id="knowledge.check", priority=True),
        Binding("ctrl+r", "discard", "Discard changes", id="knowledge.discard", priority=True),
        Binding("ctrl+f", "find", "Find", id="knowledge.find", priority=True),
        Binding("ctrl+l", "go_to_line", "Go to line", id="knowledge.line", priority=True),
        Binding("alt+z", "toggle_wrap", "Wrap", id="knowledge.wrap", priority=True),
        Binding("ctrl+b", "app.backups", "Backups", id="knowledge.backups", priority=True),
        Binding("ctrl+o", "update", "Update", id="knowledge.update", priority=True),
        Binding("ctrl+g", "audit", "Audit", id="knowledge.audit", priority=True),
    ]
    HELP_EXTRA = [
        ("type", "Edit the file; it is checked as you type and problems are listed with their lines"),
        ("tab", "Move to the list of problems; Enter on one moves the cursor to its line"),
        ("ctrl+z / ctrl+y", "Undo / redo in the editor"),
        ("enter / ↓ / ↑", "In the find bar: next / next / previous match (escape closes it)"),
    ]

    def __init__(self, kb: KnowledgeBase, *, store: KnowledgeBaseStore, **kwargs: Any) -> None:
        super().__init__(kb, **kwargs)
        self.store = store
        self.path: Path = store.path
        self.saved_text = ""  # the text as it is on disk (or was when loaded)
        self.opened = False
        self.problems: list[Problem] = []
        self.validated_text: str | None = None
        self.disk_note = ""  # a word about the file on disk (invalid, changed, not UTF-8)
        self._checks = Debouncer(self, DEBOUNCE_SECONDS, self._start_validation)
        self._checker = TextChecker()  # big files are checked in a child process
        self._validated_generation = -1  # the edit generation the problems shown belong to
        self._maybe_dirty = False  # set on every edit; made exact when a check comes back
        self._loads_pending = 0
        self.audit_report: Any = None  # the last audit shown (kb.audit.AuditReport)

    # -- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="kb-status")
        with Horizontal(id="kb-find-bar"):
            yield Static(Content("Find:"), id="kb-find-label")
            yield Input(placeholder="text to find (not case-sensitive)", id="kb-find-input")
            yield Static(id="kb-find-status")
        yield make_editor()
        yield Static(id="kb-summary")
        yield OptionList(id="kb-problems")

    def on_unmount(self) -> None:
        self._checker.close()

    def on_mount(self) -> None:
        # The file is read into the editor when the section is first shown: a large
        # file would otherwise slow every start for a section that may not be used.
        self.opened = False

    def _open_first_time(self) -> None:
        self.opened = True
        self.open_file(self.store.path)
        if self.store.using_fallback and not self.disk_note:
            self.disk_note = "Not in use: the app runs on the bundled file until this one is valid and saved."
            self.show_status()

    def on_shown_section(self) -> None:
        if not self.opened:
            self._open_first_time()
        super().on_shown_section()

    def focus_target(self):
        return self.query_one("#kb-editor", TextArea)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Knowledge base: save", "Save the edited file when it is valid, and apply it everywhere (ctrl+s)", self.action_save),
            ("Knowledge base: next problem", "Move the cursor to the next problem (ctrl+n)", self.action_next_problem),
            ("Knowledge base: check now", "Validate the editor text now (ctrl+t)", self.action_revalidate),
            ("Knowledge base: discard changes", "Reload the file from disk, after asking (ctrl+r)", self.action_discard),
            ("Knowledge base: update from the bundled file", "Bring a newer bundled file's corrections into your copy, "
             "choosing for entries both changed (ctrl+o)", self.action_update),
            ("Knowledge base: audit", "What a clinical reviewer should look at: review dates, drafts, references, "
             "grades, wording (ctrl+g)", self.action_audit),
        ]

    # -- state ---------------------------------------------------------------
    @property
    def editor(self) -> KBEditor:
        return self.query_one("#kb-editor", KBEditor)

    @property
    def dirty(self) -> bool:
        return self.opened and self.editor.text != self.saved_text

    @property
    def bundled(self) -> bool:
        return self.store.bundled

    def save_target(self) -> Path:
        return self.store.save_target()

    def open_file(self, path: Path) -> None:
        """Load the file into the editor (replacing the editor text)."""
        self.path = path
        try:
            data = self.store.read_for_edit(path)  # the version a save expects to replace
        except KBReadError as exc:
            self.disk_note = f"Cannot read it: {exc.message}"
            data = b""
        else:
            self.disk_note = ""
            try:
                data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.disk_note = "The file is not UTF-8: undecodable bytes are shown as �; the original is kept as a backup when you save."
        self._load_text(kbfiles.decode_text(data))

    def _load_text(self, text: str) -> None:
        editor = self.editor
        cursor = editor.cursor_location
        self.saved_text = text
        self._maybe_dirty = False
        editor.show_plain_if_large(len(text))  # before loading: no highlighting pass over a big file
        self._loads_pending += 1  # load_text posts a Changed: not an edit of the user's
        editor.load_text(text)
        row = min(cursor[0], editor.document.line_count - 1)
        editor.cursor_location = (row, 0)
        self.show_status()
        self.schedule_validation(immediate=True)

    # -- status ----------------------------------------------------------------
    def show_status(self) -> None:
        parts = [f"File: {self.path}"]
        if self.bundled:
            parts.append(f"bundled (read-only): first save writes your copy at {paths.user_kb_path()}")
        parts.append("● unsaved changes" if self._maybe_dirty else "saved")
        self.query_one("#kb-status", Static).update(safe(" · ".join(parts)))
        self._show_summary()

    def _show_summary(self) -> None:
        # Nothing here joins the editor's text: at 6.6 MB that took 30 ms, on every key.
        if self.validated_text is None or self._validated_generation != self._checks.generation:
            verdict = "Checking…"
        elif self.problems:
            verdict = f"✗ {len(self.problems)} problem(s): fix them to save. Enter on one goes to its line."
        else:
            verdict = "✓ Valid. ctrl+s saves and applies it everywhere." if self._maybe_dirty else "✓ Valid."
        text = verdict if not self.disk_note else f"{self.disk_note}\n{verdict}"
        self.query_one("#kb-summary", Static).update(safe(text))

    # -- validation ------------------------------------------------------------------
    @on(TextArea.Changed, "#kb-editor")
    def _text_changed(self) -> None:
        if self._loads_pending:
            self._loads_pending -= 1  # the text just loaded (already being checked)
            return
        self._maybe_dirty = True
        self.schedule_validation()
        self.show_status()

    def schedule_validation(self, immediate: bool = False) -> None:
        self._checks.schedule(immediate)

    def _start_validation(self, generation: int) -> None:
        self._validate(self.editor.text, str(self.save_target()), generation)

    # A description of its own: Textual would make one from repr() of every argument,
    # a second copy of the whole text (6.6 MB at 500 therapies) on every check.
    @work(thread=True, exclusive=True, group="kb-validate", description="check the editor text")
    def _validate(self, text: str, name: str, generation: int) -> None:
        # A newer edit starts a newer check (exclusive group) and cancels this one; a big
        # file's check runs in a child process, which the cancel ends (application/kbcheck.py).
        worker = get_current_worker()
        try:
            problems = self._checker.check(text, name, lambda: worker.is_cancelled)
        except Cancelled:
            return
        except (RuntimeError, OSError) as exc:
            if worker.is_cancelled:
                return
            problems = [Problem(name, None, None, "", f"the check could not run ({exc})", "ctrl+t tries again")]
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_validation, text, generation, problems)

    def _show_validation(self, text: str, generation: int, problems: list[Problem]) -> None:
        if not self._checks.is_current(generation) or not self.is_attached:
            return  # typed again since (a newer check is on its way), or closing
        try:
            self._maybe_dirty = self.opened and text != self.saved_text  # exact, once per check
            self.show_problems(text, problems)
        except NoMatches:  # the app closed while the check ran
            return

    def show_problems(self, text: str, problems: list[Problem]) -> None:
        self.validated_text = text
        self._validated_generation = self._checks.generation
        self.problems = list(problems)
        options = self.query_one("#kb-problems", OptionList)
        options.clear_options()
        options.add_options([Option(problem_prompt(p), id=str(n)) for n, p in enumerate(self.problems)])
        options.display = bool(self.problems)
        self.show_status()

    @on(OptionList.OptionSelected, "#kb-problems")
    def _problem_selected(self, event: OptionList.OptionSelected) -> None:
        self.go_to_problem(event.option_index)

    def go_to_problem(self, index: int) -> None:
        if not 0 <= index < len(self.problems):
            return
        problem = self.problems[index]
        editor = self.editor
        if problem.line is not None:
            row = min(max(problem.line - 1, 0), editor.document.line_count - 1)
            column = max((problem.column or 1) - 1, 0)
            editor.cursor_location = (row, min(column, len(editor.document.get_line(row))))
            editor.scroll_cursor_visible(center=True)
        editor.focus()

    def action_next_problem(self) -> None:
        if not self.problems:
            self.app.notify("No problems in the editor text.", title="Knowledge base", markup=False)
            return
        row = self.editor.cursor_location[0] + 1
        index = next((n for n, p in enumerate(self.problems) if p.line is not None and p.line > row), 0)
        self.query_one("#kb-problems", OptionList).highlighted = index
        self.go_to_problem(index)

    def action_revalidate(self) -> None:
        self.validated_text = None
        self.show_status()
        self.schedule_validation(immediate=True)

    # -- find, go to line, wrap ---------------------------------------------------------
    def action_find(self) -> None:
        """Open the find bar; pressed again while it is open, go to the next match."""
        bar = self.query_one("#kb-find-bar")
        field = self.query_one("#kb-find-input", Input)
        if bar.has_class("-open") and field.has_focus and field.value:
            self.find_next()
            return
        bar.add_class("-open")
        field.focus()

    @on(Input.Submitted, "#kb-find-input")
    def _find_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.find_next()

    def on_key(self, event: events.Key) -> None:
        """In the find bar: up / down go to the previous / next match, escape closes it."""
        field = self.query("#kb-find-input")
        if not field or not field.first().has_focus:
            return
        if event.key in ("down", "up"):
            event.stop()
            self.find_next(backwards=event.key == "up")
        elif event.key == "escape":
            event.stop()
            self.close_find()

    def close_find(self) -> None:
        self.query_one("#kb-find-bar").remove_class("-open")
        self.query_one("#kb-find-status", Static).update(Content(""))
        self.editor.focus()

    def find_next(self, backwards: bool = False) -> bool:
        """Select the next (or previous) match of the find text after (before) the cursor,
        wrapping around the end; not case-sensitive, within one line. True when found."""
        needle = self.query_one("#kb-find-input", Input).value.casefold()
        status = self.query_one("#kb-find-status", Static)
        if not needle:
            status.update(Content("Type the text to find."))
            return False
        editor = self.editor
        document = editor.document
        count = document.line_count
        row, column = editor.selection.start if backwards else editor.selection.end
        # Line by line from the cursor (no join of the whole text: 6.6 MB at 500 therapies);
        # the last step comes back to the cursor's line for the part not yet searched.
        for step in range(count + 1):
            index = (row - step if backwards else row + step) % count
            line = document.get_line(index).casefold()
            if step == 0:
                lo, hi = (0, column) if backwards else (column, len(line) + 1)
            elif step == count:
                lo, hi = (column + 1, len(line) + 1) if backwards else (0, column)
            else:
                lo, hi = 0, len(line) + 1
            found = _match_start(line, needle, lo, hi, backwards)
            if found != -1:
                from textual.widgets.text_area import Selection

                editor.selection = Selection((index, found), (index, found + len(needle)))
                editor.scroll_cursor_visible(center=True)
                wrapped = index > row if backwards else index < row or (step == count)
                where = f"line {index + 1}"
                if wrapped:
                    where += " (from the end)" if backwards else " (from the top)"
                status.update(Content(where))
                return True
        status.update(Content("Not found."))
        return False

    def action_go_to_line(self) -> None:
        from consultui.ui.screening_dialogs import TextPrompt

        count = self.editor.document.line_count

        def answered(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                line = int(value.strip())
            except ValueError:
                self.app.notify(f"{value.strip()!r} is not a line number (1 to {count}).", title="Go to line",
                                severity="warning", markup=False)
                return
            self.go_to_line(line)

        self.app.push_screen(TextPrompt("Go to line", f"A line number from 1 to {count}.",
                                        str(self.editor.cursor_location[0] + 1)), answered)

    def go_to_line(self, line: int) -> None:
        editor = self.editor
        row = min(max(line - 1, 0), editor.document.line_count - 1)
        editor.cursor_location = (row, 0)
        editor.scroll_cursor_visible(center=True)
        editor.focus()

    def action_toggle_wrap(self) -> None:
        editor = self.editor
        editor.soft_wrap = not editor.soft_wrap
        self.call_after_refresh(editor.scroll_cursor_visible)
        state = "on: long lines wrap" if editor.soft_wrap else "off: long lines scroll sideways"
        self.app.notify(f"Soft wrap {state}.", title="Knowledge base", markup=False, timeout=2)

    # -- audit (kb/audit.py) ----------------------------------------------------------
    def action_audit(self) -> None:
        """Audit the editor text (saved or not) in a thread; the findings open in a dialog."""
        if not self.opened:
            self._open_first_time()
        self.app.notify("Auditing the editor text…", title="Audit", markup=False, timeout=2)
        self._audit(self.editor.text, str(self.save_target()))

    @work(thread=True, exclusive=True, group="kb-audit", description="audit the editor text")
    def _audit(self, text: str, name: str) -> None:
        from consultui.kb.audit import audit

        result = parse_kb(text.encode("utf-8"), name)
        report = audit(result.kb, text) if result.kb is not None else None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_audit, name, report, len(result.problems))

    def _show_audit(self, name: str, report: Any, problems: int) -> None:
        if self.closing or not self.is_attached:
            return
        if report is None:
            self.app.notify(f"The editor text has {problems} problem(s): fix them first (ctrl+n goes to the next).",
                            title="Audit needs a valid file", severity="warning", markup=False)
            return
        from consultui.ui.audit import AuditScreen

        self.audit_report = report
        self.app.push_screen(AuditScreen(report, Path(name).name), self._go_to_line)

    def _go_to_line(self, line: int | None) -> None:
        if line is None:
            return
        editor = self.editor
        row = min(max(line - 1, 0), editor.document.line_count - 1)
        editor.cursor_location = (row, 0)
        editor.scroll_cursor_visible(center=True)
        editor.focus()

    # -- saving -----------------------------------------------------------------------
    def action_save(self, overwrite: bool = False) -> None:
        text = self.editor.text
        target = self.save_target()
        first_copy = self.bundled
        try:
            # When valid, the store puts it in use everywhere. It refuses (SaveConflict) when
            # another window or program changed the file since the editor read it.
            result = self.store.save(text, overwrite=overwrite)
        except SaveConflict as conflict:
            self._ask_about_conflict(conflict)
            return
        except OSError as exc:
            self._not_written(target, exc)
            return
        self._finish_save(result, text, target, first_copy)

    def _not_written(self, target: Path, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        self.app.notify(
            f"Could not write {target}: {reason}. The file on disk is unchanged and your text stays in the editor.",
            title="Not saved", severity="error", markup=False, timeout=12,
        )
        self.disk_note = f"Not saved: {reason} ({target})."
        self.show_status()

    def _finish_save(self, result: kbfiles.SaveResult, text: str, target: Path, first_copy: bool) -> None:
        if not result.written:
            self.show_problems(text, result.problems)
            first = result.problems[0]
            self.app.notify(
                f"{len(result.problems)} problem(s); nothing was written. First: {first.location()}: {first.message}",
                title="Not saved: the file is not valid", severity="error", markup=False, timeout=10,
            )
            return
        self.path = target
        self.saved_text = text
        self._maybe_dirty = False
        self.disk_note = ""
        message = f"Saved {target}"
        if first_copy:
            message = f"The bundled file is read-only: your own copy is now at {target}"
        if result.backup is not None:
            message += f" (previous version kept at {result.backup})"
        self.app.notify(message + ". Applied everywhere.", title="Knowledge base saved", markup=False, timeout=8)
        if result.backup_error:
            self.app.notify(result.backup_error, title="Saved without a backup", severity="warning",
                            markup=False, timeout=12)
        self.show_problems(text, [])

    def _ask_about_conflict(self, conflict: SaveConflict) -> None:
        from consultui.ui.dialogs import SaveConflictDialog

        def answered(choice: str | None) -> None:
            if choice == "overwrite":
                self.action_save(overwrite=True)
            elif choice == "reload":
                self.open_file(self.path)
                self.app.notify(f"Your changes were discarded; {self.path} reloaded.", title="Knowledge base", markup=False)
            elif choice == "save-as":
                self._ask_save_as()

        self.disk_note = f"Not saved: {conflict}."
        self.show_status()
        self.app.push_screen(SaveConflictDialog(str(conflict.path), conflict.deleted), answered)

    def _ask_save_as(self) -> None:
        from consultui.ui.screening_dialogs import TextPrompt

        target = self.save_target()
        suggestion = target.with_name(f"{target.stem}-mine{target.suffix or '.toml'}")

        def answered(value: str | None) -> None:
            if value is None or not value.strip():
                return
            path = Path(value.strip()).expanduser()
            text = self.editor.text
            try:
                result = self.store.save_as(text, path)
            except OSError as exc:
                self._not_written(path, exc)  # an existing file is never replaced
                return
            self._finish_save(result, text, path, first_copy=False)

        self.app.push_screen(TextPrompt(
            "Save as a new file", "Your text goes to this new file, which this window then uses.",
            str(suggestion),
        ), answered)

    def action_discard(self) -> None:
        if not self.dirty:
            self.app.notify("No unsaved changes.", title="Knowledge base", markup=False)
            return
        from consultui.ui.screening_dialogs import ConfirmDialog

        def answered(discard: bool | None) -> None:
            if discard:
                self.open_file(self.path)
                self.app.notify(f"Changes discarded; {self.path} reloaded.", title="Knowledge base", markup=False)

        self.app.push_screen(
            ConfirmDialog("Discard changes?", f"Throw away the unsaved changes and reload {self.path} from disk?", yes="Discard", no="Keep editing"),
            answered,
        )

    # -- update from a newer bundled file (kb/update.py, through the store) ------------
    def action_update(self) -> None:
        if not self.opened:
            self._open_first_time()
        if self.bundled:
            self.app.notify("You are using the bundled file itself: there is no copy of yours to update.",
                            title="Update", markup=False)
            return
        if self.dirty:
            self.app.notify("Save or discard your changes first: the update merges the file on disk.",
                            title="Update", severity="warning", markup=False)
            return
        self._plan_update()

    @work(thread=True, exclusive=True, group="kb-update")
    def _plan_update(self) -> None:
        from consultui.kb.update import UpdateError

        try:
            plan = self.store.plan_update()
        except UpdateError as exc:
            self.app.call_from_thread(self._update_failed, str(exc))
            return
        self.app.call_from_thread(self._offer_update, plan)

    def _update_failed(self, message: str) -> None:
        self.app.notify(f"{message}; nothing was written.", title="Not updated", severity="error", markup=False, timeout=10)

    def _offer_update(self, plan: Any) -> None:
        if plan.up_to_date:
            self.app.notify(f"Already up to date with bundled version {plan.bundled_version}.", title="Update", markup=False)
            return
        from consultui.ui.update_dialog import UpdateDialog

        def answered(resolutions: dict[str, str] | None) -> None:
            if resolutions is not None:
                self._write_update(plan, resolutions)

        self.app.push_screen(UpdateDialog(plan), answered)

    @work(thread=True, exclusive=True, group="kb-update", description="write the update")
    def _write_update(self, plan: Any, resolutions: dict[str, str]) -> None:
        from consultui.kb.update import UpdateError

        try:
            written = self.store.write_update(plan, resolutions)
        except UpdateError as exc:
            self.app.call_from_thread(self._update_failed, str(exc))
            return
        self.app.call_from_thread(self._updated, plan, written)

    def _updated(self, plan: Any, written: Any) -> None:
        self.store.finish_update(written)
        self.open_file(self.store.path)
        kept = f" Your copy as it was is kept at {written.backup}." if written.backup else ""
        self.app.notify(f"Updated to bundled version {plan.bundled_version}.{kept}", title="Knowledge base updated",
                        markup=False, timeout=8)

    # -- the file changed on disk (the app's watcher) -------------------------------
    def disk_changed(self, path: Path, text: str, result: LoadResult | None) -> None:
        """Another program changed the file. Unsaved edits are never replaced."""
        if not self.opened or path != self.path:
            return  # not read yet: it is read fresh when the section is first shown
        if text == self.editor.text:
            self.saved_text = text
            self._maybe_dirty = False
            self.store.adopt_disk(text)
            self.show_status()
            return
        if not self.dirty:
            self.disk_note = ""
            self.store.adopt_disk(text)
            self._load_text(text)
            if result is not None and not result.ok:
                self.disk_note = "The file on disk has problems (below); the app keeps using the last valid version."
            self.show_status()
            return
        self.disk_note = "The file changed on disk; your unsaved changes are kept (saving asks: overwrite, reload or save as)."
        self.show_status()
