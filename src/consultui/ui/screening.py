"""Screening section: the contraindication checklist, a live verdict per therapy,
notes, and the consultation record (save, copy, autosave, resume).

All knowledge-base and user text is data: it is always wrapped in Content(...).
"""
from __future__ import annotations

import datetime as _dt

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui import clock
from consultui.screening import records
from consultui.kb.model import KnowledgeBase, Question
from consultui.screening.verdicts import (
    NO_QUESTIONS_TEXT,
    Answer,
    Consultation,
    TherapyVerdict,
    Verdict,
    evaluate,
    questions_by_group,
    relevant_questions,
)
from consultui.ui.section import PaletteCommand, Section

# What the question list shows in front of each question: words, not colour alone.
ANSWER_MARKERS = {
    Answer.YES: ("[Yes]", "bold"),
    Answer.NO: ("[No ]", ""),
    Answer.NOT_ASKED: ("[ ? ]", "dim"),
}

VERDICT_STYLES = {
    Verdict.CONTRAINDICATED: "bold $error",
    Verdict.CAUTION: "bold $warning",
    Verdict.INCOMPLETE: "",
    Verdict.CLEAR: "$success",
}

_Q_PREFIX = "q:"
_NEXT_ANSWER = {Answer.NOT_ASKED: Answer.YES, Answer.YES: Answer.NO, Answer.NO: Answer.NOT_ASKED}


class QuestionList(OptionList):
    """The checklist: group headings (disabled) and one option per question."""


class VerdictList(OptionList):
    """One line per therapy: symbol, verdict word, therapy."""


class ScreeningSection(Section):
    TITLE = "Screening"
    HELP_EXTRA = [
        ("up / down", "Move between questions (y and n move on by themselves)"),
        ("enter / click", "Cycle the answer: Not asked → Yes → No"),
        ("tab", "Focus the verdict list; up / down there picks the therapy shown in detail"),
        ("[ ? ]", "In the list: the question is not asked yet"),
    ]

    BINDINGS = [
        Binding("y", "answer('yes')", "Yes", id="screening.yes"),
        Binding("n", "answer('no')", "No", id="screening.no"),
        Binding("space", "answer('not-asked')", "Not asked", id="screening.not_asked"),
        Binding("u", "next_unanswered", "Next open", id="screening.next_open"),
        Binding("e", "edit_note", "Note", id="screening.note"),
        Binding("s", "save_record", "Save", id="screening.save"),
        Binding("c", "copy_markdown", "Copy", id="screening.copy"),
        Binding("g", "general_note", "General note", id="screening.general_note"),
        Binding("r", "patient_ref", "Patient ref", id="screening.patient_ref"),
        Binding("N", "new_consultation", "New", id="screening.new"),
        Binding("right_square_bracket", "therapy(1)", "Next therapy", id="screening.next_therapy"),
        Binding("left_square_bracket", "therapy(-1)", "Prev therapy", id="screening.prev_therapy"),
    ]

    def __init__(self, kb: KnowledgeBase, **kwargs) -> None:
        super().__init__(kb, **kwargs)
        self.consultation = Consultation()
        self.verdicts: list[TherapyVerdict] = evaluate(kb, {})
        self.therapy_index = 0
        self.autosave_error: str | None = None
        self.save_error: str | None = None
        self.last_record: tuple[str, str] | None = None
        self.last_autosave: _dt.datetime | None = None
        self.changed_since_record = False

    # -- layout ----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="screening-status")
        yield Static(id="screening-error", classes="-hidden")
        with Horizontal(id="screening-body"):
            with Vertical(id="screening-left"):
                yield QuestionList(id="screening-questions")
                yield Static(id="screening-question-detail")
            with Vertical(id="screening-right"):
                yield VerdictList(id="screening-verdicts")
                with VerticalScroll(id="screening-verdict-detail", can_focus=True):
                    yield Static(id="screening-verdict-text")

    def on_mount(self) -> None:
        self.rebuild()
        self.call_after_refresh(self.offer_resume)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    # -- building --------------------------------------------------------
    def _question_prompt(self, question: Question) -> Table:
        """Marker and text side by side, so wrapped lines keep a hanging indent."""
        answer = self.consultation.answer(question.id)
        marker, style = ANSWER_MARKERS[answer]
        text = Text(question.text)  # plain text: never parsed as markup
        if self.consultation.notes.get(question.id, "").strip():
            text.append(" ✎ note", style="italic")
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=len(marker), no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(Text(marker, style=style), text)
        return grid

    def _verdict_prompt(self, tv: TherapyVerdict) -> Content:
        style = VERDICT_STYLES[tv.verdict]
        return Content.assemble(
            (f"{tv.verdict.symbol} {tv.verdict.label}", style),
            ": ",
            Content(tv.therapy.short or tv.therapy.name),
        )

    def rebuild(self) -> None:
        """Refill both lists from the knowledge base and the consultation."""
        questions = self.query_one(QuestionList)
        current = self.highlighted_question_id()
        options: list[Option] = []
        for n, (group, items) in enumerate(questions_by_group(self.kb)):
            options.append(Option(Content.styled(group, "bold underline"), id=f"group:{n}", disabled=True))
            options += [Option(self._question_prompt(q), id=_Q_PREFIX + q.id) for q in items]
        questions.set_options(options)
        if not self.kb.questions:
            questions.add_option(Option(Content("The knowledge base has no screening questions."), disabled=True))
        self.highlight_question(current or (self.kb.questions[0].id if self.kb.questions else None))
        self.verdicts = evaluate(self.kb, self.consultation.answers)
        verdict_list = self.query_one(VerdictList)
        verdict_list.set_options([Option(self._verdict_prompt(tv), id=tv.therapy.id) for tv in self.verdicts])
        self.therapy_index = min(self.therapy_index, max(len(self.verdicts) - 1, 0))
        if self.verdicts:
            verdict_list.highlighted = self.therapy_index
        self.refresh_views()

    def refresh_views(self) -> None:
        """Re-evaluate and update every view of the consultation (not the option lists' shape)."""
        self.verdicts = evaluate(self.kb, self.consultation.answers)
        verdict_list = self.query_one(VerdictList)
        for index, tv in enumerate(self.verdicts):
            if index < verdict_list.option_count:
                verdict_list.replace_option_prompt_at_index(index, self._verdict_prompt(tv))
        self.show_verdict_detail()
        self.show_question_detail()
        self.show_status()

    def _update_question_prompt(self, question_id: str) -> None:
        question = self._question(question_id)
        if question is None:
            return
        self.query_one(QuestionList).replace_option_prompt(_Q_PREFIX + question_id, self._question_prompt(question))

    def _question(self, question_id: str | None) -> Question | None:
        if question_id is None:
            return None
        return next((q for q in self.kb.questions if q.id == question_id), None)

    # -- highlighted question ------------------------------------------
    def highlighted_question_id(self) -> str | None:
        try:
            option = self.query_one(QuestionList).highlighted_option
        except Exception:
            return None
        if option is None or not option.id or not option.id.startswith(_Q_PREFIX):
            return None
        return option.id[len(_Q_PREFIX):]

    def highlight_question(self, question_id: str | None) -> None:
        if question_id is None or self._question(question_id) is None:
            return
        questions = self.query_one(QuestionList)
        questions.highlighted = questions.get_option_index(_Q_PREFIX + question_id)

    @on(OptionList.OptionHighlighted, "#screening-questions")
    def _question_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Keep the group heading in view when moving onto a group's first question.
        questions = event.option_list
        index = event.option_index
        if index > 0 and questions.get_option_at_index(index - 1).disabled:
            questions.call_after_refresh(self._show_heading, questions, index)
        self.show_question_detail()

    @staticmethod
    def _show_heading(questions: OptionList, index: int) -> None:
        lines = questions._index_to_line
        if index - 1 in lines and questions.scroll_y > lines[index - 1]:
            questions.scroll_to(y=lines[index - 1], animate=False, immediate=True)

    @on(OptionList.OptionSelected, "#screening-questions")
    def _question_selected(self, event: OptionList.OptionSelected) -> None:
        # Enter or a click cycles Not asked -> Yes -> No -> Not asked.
        event.stop()
        qid = self.highlighted_question_id()
        if qid is not None:
            self.set_answer(qid, _NEXT_ANSWER[self.consultation.answer(qid)])

    def show_question_detail(self) -> None:
        target = self.query_one("#screening-question-detail", Static)
        question = self._question(self.highlighted_question_id())
        if question is None:
            target.update(Content(""))
            return
        answer = self.consultation.answer(question.id)
        lines = [Content.assemble(("Answer: ", "bold"), answer.label)]
        if question.help:
            lines.append(Content.assemble(("Help: ", "bold"), Content(question.help)))
        note = self.consultation.notes.get(question.id, "")
        if note.strip():
            lines.append(Content.assemble(("Note: ", "bold"), Content(note)))
        else:
            lines.append(Content.styled("No note (e adds one)", "dim"))
        target.update(Content("\n").join(lines))

    # -- verdicts --------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#screening-verdicts")
    def _verdict_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.therapy_index = event.option_index
        self.show_verdict_detail()

    @on(OptionList.OptionSelected, "#screening-verdicts")
    def _verdict_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    def action_therapy(self, step: int) -> None:
        if not self.verdicts:
            return
        self.therapy_index = (self.therapy_index + step) % len(self.verdicts)
        self.query_one(VerdictList).highlighted = self.therapy_index

    def selected_verdict(self) -> TherapyVerdict | None:
        if not self.verdicts:
            return None
        return self.verdicts[min(self.therapy_index, len(self.verdicts) - 1)]

    def verdict_detail(self, tv: TherapyVerdict) -> Content:
        texts = {q.id: q.text for q in self.kb.questions}
        lines = [Content.assemble(
            (f"{tv.verdict.symbol} {tv.verdict.label}", VERDICT_STYLES[tv.verdict]),
            " · ", (tv.therapy.name, "bold"),
        )]
        if not relevant_questions(self.kb, tv.therapy.id):
            lines.append(Content(NO_QUESTIONS_TEXT))
        if tv.reasons:
            lines.append(Content.styled("Reasons", "bold underline"))
            for reason in tv.reasons:
                grade = f" ({reason.grade})" if reason.grade else ""
                refs = f" [{', '.join(reason.refs)}]" if reason.refs else ""
                lines.append(Content.assemble(
                    "• ", (reason.level.upper(), "bold"), grade, ": ",
                    Content(texts.get(reason.question, reason.question)),
                    " — ", Content(reason.reason), (refs, "italic"),
                ))
        elif relevant_questions(self.kb, tv.therapy.id):
            lines.append(Content.styled("No question answered Yes points against it.", "italic"))
        if tv.unanswered:
            lines.append(Content.styled(f"Still open ({len(tv.unanswered)})", "bold underline"))
            lines += [Content.assemble("• ", Content(texts.get(q, q))) for q in tv.unanswered]
        cited = list(dict.fromkeys(ref for r in tv.reasons for ref in r.refs))
        if cited:
            lines.append(Content.styled("References", "bold underline"))
            for ref_id in cited:
                ref = self.kb.reference(ref_id)
                text = f"{ref_id}: {ref.citation}" if ref else f"{ref_id} (not in the reference list)"
                lines.append(Content.assemble("• ", Content(text)))
        return Content("\n").join(lines)

    def show_verdict_detail(self) -> None:
        target = self.query_one("#screening-verdict-text", Static)
        tv = self.selected_verdict()
        target.update(self.verdict_detail(tv) if tv else Content("The knowledge base has no therapies."))

    # -- status ------------------------------------------------------------
    def status_text(self) -> Content:
        c = self.consultation
        total = len(self.kb.questions)
        answered = sum(1 for q in self.kb.questions if c.answer(q.id) != Answer.NOT_ASKED)
        ref = c.patient_ref.strip() or "none (r)"
        parts = [f"Patient ref: {ref}", f"{answered}/{total} answered"]
        if c.general_note.strip():
            parts.append("general note ✎")
        if self.last_record:
            parts.append(f"Saved: {self.last_record[0]} (+ .html)")
        elif self.last_autosave:
            parts.append(f"autosaved {self.last_autosave.strftime('%H:%M:%S')}")
        return Content(" · ".join(parts))

    def show_status(self) -> None:
        self.query_one("#screening-status", Static).update(self.status_text())
        errors = [e for e in (self.save_error, self.autosave_error) if e]
        error_widget = self.query_one("#screening-error", Static)
        error_widget.update(Content("\n").join(Content(f"⚠ {e}") for e in errors) if errors else Content(""))
        error_widget.set_class(not errors, "-hidden")

    def _error(self, message: str) -> None:
        self.app.notify(message, title="Error", severity="error", markup=False, timeout=10)

    # -- changes ---------------------------------------------------------
    def changed(self) -> None:
        """After every change: re-evaluate, update the views and autosave."""
        self.changed_since_record = True
        self.last_record = None
        self.do_autosave()
        self.refresh_views()

    def do_autosave(self) -> None:
        try:
            records.autosave(self.consultation)
        except OSError as exc:  # SaveError is an OSError
            message = f"Autosave failed (your answers are kept here; c copies the record): {exc}"
            if message != self.autosave_error:
                self._error(message)  # once per distinct failure, not on every key
            self.autosave_error = message
        else:
            if self.autosave_error:
                self.app.notify("Autosave works again.", title="Autosave", markup=False)
            self.autosave_error = None
            self.last_autosave = clock.now()

    def set_answer(self, question_id: str, answer: Answer) -> None:
        self.consultation.set_answer(question_id, answer)
        self._update_question_prompt(question_id)
        self.changed()

    # -- actions ---------------------------------------------------------
    def action_answer(self, value: str) -> None:
        qid = self.highlighted_question_id()
        if qid is None:
            return
        answer = Answer(value)
        self.set_answer(qid, answer)
        if answer != Answer.NOT_ASKED:
            self._move_to_next_question(qid)

    def _move_to_next_question(self, qid: str) -> None:
        ids = [q.id for q in self.kb.questions]
        # Follow the list order (grouped), which may differ from file order.
        ordered = [q.id for _g, items in questions_by_group(self.kb) for q in items]
        ids = ordered or ids
        index = ids.index(qid)
        if index + 1 < len(ids):
            self.highlight_question(ids[index + 1])

    def _first_unanswered(self) -> str | None:
        ordered = [q.id for _g, items in questions_by_group(self.kb) for q in items]
        return next((qid for qid in ordered if self.consultation.answer(qid) == Answer.NOT_ASKED), None)

    def action_next_unanswered(self) -> None:
        ordered = [q.id for _g, items in questions_by_group(self.kb) for q in items]
        if not ordered:
            return
        current = self.highlighted_question_id()
        start = ordered.index(current) + 1 if current in ordered else 0
        for qid in ordered[start:] + ordered[:start]:
            if self.consultation.answer(qid) == Answer.NOT_ASKED:
                self.highlight_question(qid)
                self.query_one(QuestionList).focus()
                return
        self.app.notify("Every question has an answer.", title="Screening", markup=False, timeout=3)

    def action_edit_note(self) -> None:
        from consultui.ui.screening_dialogs import TextPrompt

        question = self._question(self.highlighted_question_id())
        if question is None:
            return

        def done(text: str | None) -> None:
            if text is None or text == self.consultation.notes.get(question.id, ""):
                return
            self.consultation.set_note(question.id, text)
            self._update_question_prompt(question.id)
            self.changed()

        self.app.push_screen(TextPrompt(
            "Note on this question", question.text,
            self.consultation.notes.get(question.id, ""),
            placeholder="e.g. stopped aspirin 3 days ago",
        ), done)

    def action_general_note(self) -> None:
        from consultui.ui.screening_dialogs import TextPrompt

        def done(text: str | None) -> None:
            if text is None or text == self.consultation.general_note:
                return
            self.consultation.general_note = text
            self.changed()

        self.app.push_screen(TextPrompt(
            "Note on the whole consultation", "Shown in the record under 'General note'.",
            self.consultation.general_note, multiline=True,
        ), done)

    def action_patient_ref(self) -> None:
        from consultui.ui.screening_dialogs import TextPrompt

        def done(text: str | None) -> None:
            if text is None or text.strip() == self.consultation.patient_ref:
                return
            self.consultation.patient_ref = text.strip()
            self.changed()

        self.app.push_screen(TextPrompt(
            "Patient reference (optional)",
            "Initials or a record number. No name is needed; it also goes into the file name.",
            self.consultation.patient_ref, placeholder="e.g. AB-1042", max_length=40,
        ), done)

    def action_save_record(self) -> None:
        try:
            md_path, html_path = records.save_record(self.consultation, self.verdicts, self.kb)
        except OSError as exc:
            self.save_error = f"Record not saved (nothing is lost; s tries again, c copies it): {exc}"
            self._error(str(exc))
            self.show_status()
            return
        self.save_error = None
        self.last_record = (str(md_path), str(html_path))
        self.changed_since_record = False
        self.app.notify(f"{md_path}\n{html_path}", title="Record saved", markup=False, timeout=8)
        self.show_status()

    def action_copy_markdown(self) -> None:
        text = records.render_markdown(self.consultation, self.verdicts, self.kb, clock.now())
        self.app.copy_to_clipboard(text)
        self.app.notify(
            "The record is on the clipboard as Markdown (terminals without OSC 52 support ignore this; save with s instead).",
            title="Copied", markup=False, timeout=5,
        )

    def action_new_consultation(self) -> None:
        if self.consultation.is_empty():
            self.app.notify("This consultation is already empty.", title="New consultation", markup=False, timeout=3)
            return
        from consultui.ui.screening_dialogs import ConfirmDialog

        unsaved = " It has not been saved as a record." if self.changed_since_record else ""

        def done(yes: bool | None) -> None:
            if yes:
                self.start_new()

        self.app.push_screen(ConfirmDialog(
            "New consultation?",
            f"This clears every answer, note and the patient reference.{unsaved}",
            yes="Clear", no="Keep",
        ), done)

    def start_new(self) -> None:
        self.consultation = Consultation()
        self.changed_since_record = False
        self.last_record = None
        self.save_error = None
        try:
            records.clear_autosave()
        except OSError as exc:
            self.autosave_error = f"Could not remove the autosave: {exc}"
            self._error(self.autosave_error)
        else:
            self.autosave_error = None
        for question in self.kb.questions:
            self._update_question_prompt(question.id)
        self.refresh_views()
        if self.kb.questions:
            self.highlight_question(questions_by_group(self.kb)[0][1][0].id)

    # -- resume ----------------------------------------------------------
    def offer_resume(self) -> None:
        saved = records.load_autosave()
        if saved is None:
            return
        dropped = saved.retain_known(self.kb)
        if saved.is_empty():
            return
        from consultui.ui.screening_dialogs import ResumeDialog

        answered = len(saved.answers)
        summary = (f"Started {saved.started_at.strftime('%Y-%m-%d %H:%M')} · "
                   f"patient ref: {saved.patient_ref.strip() or 'none'} · {answered} answer(s)"
                   f"{' · notes' if saved.notes or saved.general_note.strip() else ''}")

        def done(resume: bool | None) -> None:
            if resume:
                self.resume(saved, dropped)
            else:
                self.start_new()

        self.app.push_screen(ResumeDialog(summary, dropped), done)

    def resume(self, saved: Consultation, dropped: list[str]) -> None:
        self.consultation = saved
        self.changed_since_record = True
        for question in self.kb.questions:
            self._update_question_prompt(question.id)
        self.refresh_views()
        self.highlight_question(self._first_unanswered())
        if dropped:
            self._report_dropped(dropped, "Resumed")
        else:
            self.app.notify("The last consultation is back.", title="Resumed", markup=False, timeout=3)
        switch = getattr(self.app, "action_section", None)
        if switch is not None and self.id == "screening-section":
            switch("screening")

    # -- the shell's protocol ----------------------------------------
    def set_kb(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        dropped = self.consultation.retain_known(kb)
        self.rebuild()
        if dropped:
            self._report_dropped(dropped, "Screening")

    def _report_dropped(self, dropped: list[str], title: str) -> None:
        """Say which answers a changed knowledge base made meaningless, and save without them."""
        self.app.notify(
            "Dropped answers and notes for questions no longer in the knowledge base: " + ", ".join(dropped),
            title=title, severity="warning", markup=False, timeout=10,
        )
        self.do_autosave()
        self.show_status()

    def focus_target(self):
        return self.query_one(QuestionList)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Screening: next unanswered question", "Jump to the next question still Not asked (u)", self.action_next_unanswered),
            ("Screening: note on this question", "Add or edit the highlighted question's note (e)", self.action_edit_note),
            ("Screening: general note", "Add or edit the note on the whole consultation (g)", self.action_general_note),
            ("Screening: patient reference", "Initials or a record number, optional (r)", self.action_patient_ref),
            ("Screening: save the record", "Write Markdown and HTML to the consultations folder (s)", self.action_save_record),
            ("Screening: copy the record as Markdown", "Put the record on the clipboard (c)", self.action_copy_markdown),
            ("Screening: new consultation", "Clear answers and notes, after asking (shift+n)", self.action_new_consultation),
        ]
