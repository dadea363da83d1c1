"""Screening section: the contraindication checklist, a live verdict per therapy,
notes, and the consultation record (save, copy, autosave, resume).

All knowledge-base and user text is data: it is always wrapped in Content(...).
"""
from __future__ import annotations


from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui.kb.model import KnowledgeBase, Question
from consultui.application.session import ConsultationSession, ResumeOffer
from consultui.screening.verdictview import headline_text, REASONS_HEADING, REFERENCES_HEADING, verdict_view
from consultui.screening.verdicts import (
    Answer,
    Consultation,
    TherapyVerdict,
    Verdict,
    questions_by_group,
)
from consultui.termsafe import visible
from consultui.ui.safe import safe
from consultui.ui.section import PaletteCommand, Section

# What the question list shows in front of each question: words, not colour alone.
ANSWER_MARKERS = {
    Answer.YES: ("[Yes]", "bold"),
    Answer.NO: ("[No ]", ""),
    Answer.NOT_ASKED: ("[ ? ]", "dim"),
}

VERDICT_STYLES = {
    Verdict.CONTRAINDICATED: "bold $error",
    Verdict.DEFER: "bold $error 80%",
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
        self.session = ConsultationSession(kb)
        self.therapy_index = 0
        self._reported_autosave_error: str | None = None
        self._questions_scroll_y = 0.0

    # The consultation's state lives in the session; these read it for the views.
    @property
    def consultation(self) -> Consultation:
        return self.session.consultation

    @property
    def verdicts(self) -> list[TherapyVerdict]:
        return self.session.verdicts

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
        if self.closing:  # mounted just as the app closes (the hidden sections mount late)
            return
        self.rebuild()
        self.call_after_refresh(self.offer_resume)

    def on_unmount(self) -> None:
        # The window closes: release its autosave lock so a later start can offer what is left.
        self.session.close()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    # -- building --------------------------------------------------------
    def _question_prompt(self, question: Question) -> Table:
        """Marker and text side by side, so wrapped lines keep a hanging indent."""
        answer = self.consultation.answer(question.id)
        marker, style = ANSWER_MARKERS[answer]
        text = Text(visible(question.text))  # plain text: never parsed as markup; controls shown
        if self.consultation.notes.get(question.id, "").strip():
            text.append(" ✎ note", style="italic")
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=len(marker), no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(Text(marker, style=style), text)
        return grid

    def _verdict_prompt(self, tv: TherapyVerdict) -> Content:
        # What is still open shows wherever the verdict shows: "⚠ Caution · 19 of 24 not asked".
        style = VERDICT_STYLES[tv.verdict]
        return Content.assemble(
            (headline_text(tv.verdict, tv.coverage), style),
            ": ",
            safe(tv.therapy.short or tv.therapy.name),
        )

    def rebuild(self) -> None:
        """Refill both lists from the knowledge base and the consultation."""
        questions = self.query_one(QuestionList)
        current = self.highlighted_question_id()
        options: list[Option] = []
        for n, (group, items) in enumerate(questions_by_group(self.kb)):
            options.append(Option(Content.styled(visible(group), "bold underline"), id=f"group:{n}", disabled=True))
            options += [Option(self._question_prompt(q), id=_Q_PREFIX + q.id) for q in items]
        questions.set_options(options)
        if not self.kb.questions:
            questions.add_option(Option(Content("The knowledge base has no screening questions."), disabled=True))
        self.highlight_question(current or (self.kb.questions[0].id if self.kb.questions else None))
        verdict_list = self.query_one(VerdictList)
        verdict_list.set_options([Option(self._verdict_prompt(tv), id=tv.therapy.id) for tv in self.verdicts])
        self.therapy_index = min(self.therapy_index, max(len(self.verdicts) - 1, 0))
        if self.verdicts:
            verdict_list.highlighted = self.therapy_index
        self.refresh_views()

    def refresh_views(self) -> None:
        """Update every view of the consultation (not the option lists' shape)."""
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
        # Keep the group heading in view when moving up onto a group's first question:
        # the list scrolls just far enough to show the question, leaving its heading
        # (one line, the option above) out of view.
        questions = event.option_list
        index = event.option_index
        if index > 0 and questions.get_option_at_index(index - 1).disabled:
            questions.call_after_refresh(self._show_heading, questions, self._questions_scroll_y)
        else:
            self._questions_scroll_y = questions.scroll_y
        self.show_question_detail()

    def _show_heading(self, questions: OptionList, scroll_before: float) -> None:
        if questions.scroll_y < scroll_before:  # it scrolled up to reach the question
            questions.scroll_to(y=max(questions.scroll_y - 1, 0), animate=False, immediate=True)
        self._questions_scroll_y = questions.scroll_y

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
            lines.append(Content.assemble(("Help: ", "bold"), safe(question.help)))
        note = self.consultation.notes.get(question.id, "")
        if note.strip():
            lines.append(Content.assemble(("Note: ", "bold"), safe(note)))
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
        if not self.verdicts or self.closing:
            return
        self.therapy_index = (self.therapy_index + step) % len(self.verdicts)
        self.query_one(VerdictList).highlighted = self.therapy_index

    def selected_verdict(self) -> TherapyVerdict | None:
        if not self.verdicts:
            return None
        return self.verdicts[min(self.therapy_index, len(self.verdicts) - 1)]

    def verdict_detail(self, tv: TherapyVerdict) -> Content:
        view = verdict_view(self.kb, tv)
        lines = [Content.assemble((view.headline, VERDICT_STYLES[view.verdict]), " · ", (visible(view.therapy_name), "bold"))]
        if view.remark:
            lines.append(Content.styled(visible(view.remark), "italic"))
        if view.reasons:
            lines.append(Content.styled(REASONS_HEADING, "bold underline"))
            for reason in view.reasons:
                lines.append(Content.assemble(
                    "• ", (reason.level.upper(), "bold"), reason.grade_text, ": ",
                    safe(reason.question), " — ", safe(reason.reason), (visible(reason.refs_text), "italic"),
                ))
        if view.open_questions:
            lines.append(Content.styled(visible(view.open_heading), "bold underline"))
            lines += [Content.assemble("• ", safe(q)) for q in view.open_questions]
        if view.references:
            lines.append(Content.styled(REFERENCES_HEADING, "bold underline"))
            lines += [Content.assemble("• ", safe(ref.plain())) for ref in view.references]
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
        if self.session.last_record:
            parts.append(f"Saved: {self.session.last_record[0]} (+ .html)")
        elif self.session.last_autosave:
            parts.append(f"autosaved {self.session.last_autosave.strftime('%H:%M:%S')}")
        return safe(" · ".join(parts))

    def show_status(self) -> None:
        self.query_one("#screening-status", Static).update(self.status_text())
        errors = [e for e in (self.session.save_error, self.session.autosave_error) if e]
        error_widget = self.query_one("#screening-error", Static)
        error_widget.update(Content("\n").join(safe(f"⚠ {e}") for e in errors) if errors else Content(""))
        error_widget.set_class(not errors, "-hidden")

    def _error(self, message: str) -> None:
        self.app.notify(message, title="Error", severity="error", markup=False, timeout=10)

    # -- changes ---------------------------------------------------------
    def changed(self) -> None:
        """After every change (the session has re-evaluated and autosaved): update the views."""
        self._report_autosave()
        self.refresh_views()

    def _report_autosave(self) -> None:
        error = self.session.autosave_error
        if error and error != self._reported_autosave_error:
            self._error(error)  # once per distinct failure, not on every key
        elif not error and self._reported_autosave_error:
            self.app.notify("Autosave works again.", title="Autosave", markup=False)
        self._reported_autosave_error = error

    def set_answer(self, question_id: str, answer: Answer) -> None:
        self.session.set_answer(question_id, answer)
        self._update_question_prompt(question_id)
        self.changed()

    # -- actions ---------------------------------------------------------
    def action_answer(self, value: str) -> None:
        if self.closing:  # a key typed just before ctrl+q, handled while the app closes
            return
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
        if not ordered or self.closing:
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
            if text is not None and self.session.set_note(question.id, text):
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
            if text is not None and self.session.set_general_note(text):
                self.changed()

        self.app.push_screen(TextPrompt(
            "Note on the whole consultation", "Shown in the record under 'General note'.",
            self.consultation.general_note, multiline=True,
        ), done)

    def action_patient_ref(self) -> None:
        from consultui.ui.screening_dialogs import TextPrompt

        def done(text: str | None) -> None:
            if text is not None and self.session.set_patient_ref(text):
                self.changed()

        self.app.push_screen(TextPrompt(
            "Patient reference (optional)",
            "Initials or a record number. No name is needed; it also goes into the file name.",
            self.consultation.patient_ref, placeholder="e.g. AB-1042", max_length=40,
        ), done)

    def action_save_record(self) -> None:
        try:
            md_path, html_path = self.session.save_record()
        except OSError as exc:
            self._error(str(exc))
            self.show_status()
            return
        self.app.notify(f"{md_path}\n{html_path}", title="Record saved", markup=False, timeout=8)
        self.show_status()

    def action_copy_markdown(self) -> None:
        self.app.copy_to_clipboard(self.session.markdown())
        self.app.notify(
            "The record is on the clipboard as Markdown (terminals without OSC 52 support ignore this; save with s instead).",
            title="Copied", markup=False, timeout=5,
        )

    def action_new_consultation(self) -> None:
        if self.consultation.is_empty():
            self.app.notify("This consultation is already empty.", title="New consultation", markup=False, timeout=3)
            return
        from consultui.ui.screening_dialogs import ConfirmDialog

        unsaved = " It has not been saved as a record." if self.session.changed_since_record else ""

        def done(yes: bool | None) -> None:
            if yes:
                self.start_new()

        self.app.push_screen(ConfirmDialog(
            "New consultation?",
            f"This clears every answer, note and the patient reference.{unsaved}",
            yes="Clear", no="Keep",
        ), done)

    def start_new(self) -> None:
        error = self.session.start_new()
        if error:
            self._error(error)
        for question in self.kb.questions:
            self._update_question_prompt(question.id)
        self.refresh_views()
        if self.kb.questions:
            self.highlight_question(questions_by_group(self.kb)[0][1][0].id)

    # -- resume ----------------------------------------------------------
    def offer_resume(self) -> None:
        if self.closing:
            return
        offer = self.session.resume_offer()
        if offer is None:
            return
        from consultui.ui.screening_dialogs import ResumeDialog

        def done(resume: bool | None) -> None:
            if resume:
                self.resume(offer)
            else:
                self.start_new()

        self.app.push_screen(ResumeDialog(offer.summary(), offer.dropped), done)

    def resume(self, offer: ResumeOffer) -> None:
        self.session.resume(offer)
        for question in self.kb.questions:
            self._update_question_prompt(question.id)
        self.refresh_views()
        self.highlight_question(self._first_unanswered())
        if offer.dropped:
            self._report_dropped(offer.dropped, "Resumed")
        else:
            self.app.notify("The last consultation is back.", title="Resumed", markup=False, timeout=3)
        self.post_message(Section.ShowMe(self))

    # -- the shell's protocol ----------------------------------------
    def set_kb(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        dropped = self.session.set_kb(kb)
        self.rebuild()
        if dropped:
            self._report_dropped(dropped, "Screening")

    def _report_dropped(self, dropped: list[str], title: str) -> None:
        """Say which answers a changed knowledge base made meaningless, and save without them."""
        self.app.notify(
            "Dropped answers and notes for questions no longer in the knowledge base: " + ", ".join(dropped),
            title=title, severity="warning", markup=False, timeout=10,
        )
        self._report_autosave()
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
