"""Screening section: the plans being considered (p), the checklist of their
questions with follow-ups under their parent, a live verdict per plan, notes, the
decision (d), the practitioner (P), and the consultation record (save, copy,
autosave, resume).

All knowledge-base and user text is data: it is always wrapped in Content(...).
"""
from __future__ import annotations


from typing import cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.styles import RulesMap
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui.kb.model import KnowledgeBase, Question
from consultui.application.session import ConsultationSession, ResumeOffer
from consultui.screening.checklist import ChecklistGroup, shown_ids
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.decision import Decision, uses_product
from consultui.screening.records import plan_name
from consultui.screening.verdictview import headline_text, REASONS_HEADING, REFERENCES_HEADING, verdict_view
from consultui.screening.verdicts import (
    Answer,
    PlanVerdict,
    TherapyVerdict,
    Verdict,
    all_plans,
)
from consultui.termsafe import visible
from consultui.ui.hanging_row import HangingRow
from consultui.ui.prompt_updates import PromptUpdatingList
from consultui.ui.safe import safe
from consultui.ui.section import PaletteCommand, Section

# What the question list shows in front of each question: words, not colour alone.
ANSWER_MARKERS = {
    Answer.YES: ("[Yes]", "bold"),
    Answer.NO: ("[No ]", ""),
    Answer.NOT_ASKED: ("[ ? ]", "dim"),
}

# Colours readable (4.5:1) in every theme: the app defines them (ui/colours.py).
VERDICT_STYLES = {
    Verdict.CONTRAINDICATED: "bold $verdict-contraindicated",
    Verdict.DEFER: "bold $verdict-defer",
    Verdict.CAUTION: "bold $verdict-caution",
    Verdict.INCOMPLETE: "",
    Verdict.CLEAR: "$verdict-clear",
}

_Q_PREFIX = "q:"
_NEXT_ANSWER = {Answer.NOT_ASKED: Answer.YES, Answer.YES: Answer.NO, Answer.NO: Answer.NOT_ASKED}


def _update(widget: Static, content: Content) -> None:
    """Static.update, without a layout pass (which redraws the whole screen) when the
    text is unchanged or takes as many lines as before: most keys change a panel's
    words, not its height."""
    if widget.content == content:
        return
    width = widget.content_region.width
    if width <= 0 or not isinstance(widget.content, Content):
        widget.update(content)
        return
    rules = cast(RulesMap, widget.styles)
    widget.update(content, layout=widget.content.get_height(rules, width) != content.get_height(rules, width))


class QuestionList(PromptUpdatingList):
    """The checklist: group headings (disabled) and one option per question."""


class VerdictList(PromptUpdatingList):
    """One line per plan considered (symbol, verdict word, coverage, plan), under its therapy."""


class ScreeningSection(Section):
    HELP_EXTRA = [
        ("up / down", "Move between questions (y and n move on by themselves)"),
        ("enter / click", "Cycle the answer: Not asked → Yes → No"),
        ("tab", "Focus the verdict list; up / down there picks the plan shown in detail"),
        ("[ ? ]", "In the list: the question is not asked yet"),
        ("↳", "A follow-up: shown only while the question above has the answer that asks for it"),
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
        Binding("p", "choose_plans", "Plans", id="screening.plans"),
        Binding("d", "decision", "Decision", id="screening.decision"),
        Binding("P", "practitioner", "Practitioner", id="screening.practitioner"),
        Binding("N", "new_consultation", "New", id="screening.new"),
        Binding("R", "app.records", "Records", id="screening.records"),
        Binding("right_square_bracket", "therapy(1)", "Next plan", id="screening.next_therapy"),
        Binding("left_square_bracket", "therapy(-1)", "Prev plan", id="screening.prev_therapy"),
    ]

    def __init__(self, kb: KnowledgeBase, **kwargs) -> None:
        super().__init__(kb, **kwargs)
        self.session = ConsultationSession(kb)
        self.therapy_index = 0  # the plan shown in detail (an index into session.plan_verdicts)
        self._shown: list[str] = []  # question ids in the list, in order
        self._reported_autosave_error: str | None = None
        self._questions_scroll_y = 0.0
        self._depth: dict[str, int] = {}  # question id -> its indent in the list, as last built
        self._verdict_keys: dict[str, tuple[str, str]] = {}  # plan id -> (headline, style) shown

    # The consultation's state lives in the session; these read it for the views.
    @property
    def consultation(self) -> PlannedConsultation:
        return self.session.consultation

    @property
    def verdicts(self) -> list[TherapyVerdict]:
        """Per therapy considered (the most severe of its plans)."""
        return self.session.verdicts

    @property
    def plan_verdicts(self) -> list[PlanVerdict]:
        return self.session.plan_verdicts

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
        self._load_practitioner()
        self.rebuild()
        # The verdict lines carry the theme's colours (Rich styles): redraw them with a new theme.
        self.watch(self.app, "theme", lambda _theme: self.refresh_views(), init=False)
        self.call_after_refresh(self.offer_resume)

    def prepare_first_showing(self) -> bool:
        # Both lists measure every row's lines now, at the width they will be shown at.
        return all([option_list.measure_lines() for option_list in self.query(PromptUpdatingList)])

    def on_unmount(self) -> None:
        # The window closes: release its autosave lock so a later start can offer what is left.
        self.session.close()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    # -- building --------------------------------------------------------
    def _question_prompt(self, question: Question, depth: int = 0) -> HangingRow:
        """Marker and text side by side, so wrapped lines keep a hanging indent; a
        follow-up is indented under its parent and marked ↳."""
        answer = self.consultation.answer(question.id)
        marker, style = ANSWER_MARKERS[answer]
        text = Text(visible(question.text))  # plain text: never parsed as markup; controls shown
        if self.consultation.notes.get(question.id, "").strip():
            text.append(" ✎ note", style="italic")
        cells = [(Text(" " * (2 * depth - 2) + "↳", style="dim"), 2 * depth - 1)] if depth else []
        cells.append((Text(marker, style=style), len(marker)))
        return HangingRow(cells, text)

    def _verdict_prompt(self, pv: PlanVerdict) -> HangingRow:
        # What is still open shows wherever the verdict shows: "⚠ Caution · 19 of 24 not asked".
        # Indented under the therapy, with a hanging indent when it wraps (narrow panel).
        view = verdict_view(self.kb, pv)
        text = Text(headline_text(pv.verdict, pv.coverage), style=self._rich_style(pv.verdict))
        text.append(": ")
        text.append(visible(plan_name(view)))
        return HangingRow([(Text(""), 2)], text, gap=0)

    def _rich_style(self, verdict: Verdict) -> str:
        """VERDICT_STYLES as a Rich style (a Table cell cannot hold $variables): the
        readable colours the app defines for the theme in use."""
        words = VERDICT_STYLES[verdict].split()
        variables = self.app.theme_variables
        return " ".join(variables.get(w[1:], "") if w.startswith("$") else w for w in words).strip()

    def _checklist(self) -> list[ChecklistGroup]:
        return self.session.checklist()

    def rebuild_questions(self) -> None:
        """Refill the checklist: the plans' questions, follow-ups only while asked for."""
        questions = self.query_one(QuestionList)
        current = self.highlighted_question_id()
        groups = self._checklist()
        options: list[Option] = []
        for n, group in enumerate(groups):
            options.append(Option(Content.styled(visible(group.name), "bold underline"), id=f"group:{n}", disabled=True))
            options += [Option(self._question_prompt(item.question, item.depth), id=_Q_PREFIX + item.question.id)
                        for item in group.items]
        if not options:
            text = ("The knowledge base has no screening questions." if not self.kb.questions
                    else "No screening question concerns the plans chosen (p changes them).")
            options.append(Option(Content(text), disabled=True))
        scroll_y = questions.scroll_y
        questions.set_options(options)
        self._shown = shown_ids(groups)
        self._depth = {item.question.id: item.depth for group in groups for item in group.items}
        target = current if current in self._shown else None
        if target is None and current is not None:
            target = self._nearest_shown(current)
        self.highlight_question(target or (self._shown[0] if self._shown else None))
        questions.scroll_to(y=scroll_y, animate=False, immediate=True)
        if target is not None:
            questions.scroll_to_highlight()

    def _nearest_shown(self, question_id: str) -> str | None:
        """A question that left the list (a follow-up whose parent changed): its parent."""
        question = self._question(question_id)
        while question is not None and question.ask_if is not None:
            if question.ask_if.question in self._shown:
                return question.ask_if.question
            question = self._question(question.ask_if.question)
        return None

    def rebuild_verdicts(self) -> None:
        verdict_list = self.query_one(VerdictList)
        options: list[Option] = []
        therapy = None
        per_therapy: dict[str, int] = {}
        for pv in self.plan_verdicts:
            per_therapy[pv.therapy.id] = per_therapy.get(pv.therapy.id, 0) + 1
        for pv in self.plan_verdicts:
            # A heading per therapy, unless its one plan already bears the therapy's name.
            lone = per_therapy[pv.therapy.id] == 1 and plan_name(verdict_view(self.kb, pv)) == pv.therapy.name
            if pv.therapy.id != therapy and not lone:
                therapy = pv.therapy.id
                options.append(Option(Content.styled(visible(pv.therapy.name), "bold"),
                                      id=f"therapy:{therapy}", disabled=True))
            options.append(Option(self._verdict_prompt(pv), id=f"plan:{pv.plan.id}"))
        verdict_list.set_options(options)
        self._verdict_keys = {pv.plan.id: (headline_text(pv.verdict, pv.coverage), self._rich_style(pv.verdict))
                              for pv in self.plan_verdicts}
        self.therapy_index = min(self.therapy_index, max(len(self.plan_verdicts) - 1, 0))
        if self.plan_verdicts:
            verdict_list.highlighted = self._plan_option_index(self.therapy_index)

    def _plan_option_index(self, plan_index: int) -> int:
        return self.query_one(VerdictList).get_option_index(f"plan:{self.plan_verdicts[plan_index].plan.id}")

    def rebuild(self) -> None:
        """Refill both lists from the knowledge base and the consultation."""
        self.rebuild_questions()
        self.rebuild_verdicts()
        self.refresh_views()

    def refresh_views(self) -> None:
        """Update every view of the consultation (not the option lists' shape)."""
        verdict_list = self.query_one(VerdictList)
        # Only the lines whose words or colour changed: at 500 therapies an answer
        # changes a few verdicts (or every coverage count, for a question of every plan).
        changed = {}
        for pv in self.plan_verdicts:
            key = (headline_text(pv.verdict, pv.coverage), self._rich_style(pv.verdict))
            if self._verdict_keys.get(pv.plan.id) != key:
                changed[pv.plan.id] = key
        prompts = {}
        for pv in self.plan_verdicts:
            if pv.plan.id in changed and verdict_list.has_option(f"plan:{pv.plan.id}"):
                prompts[f"plan:{pv.plan.id}"] = self._verdict_prompt(pv)
                self._verdict_keys[pv.plan.id] = changed[pv.plan.id]
        verdict_list.replace_prompts(prompts)
        self.show_verdict_detail()
        self.show_question_detail()
        self.show_status()

    def _update_question_prompt(self, question_id: str) -> None:
        question = self._question(question_id)
        if question is None or question_id not in self._shown:
            return
        depth = self._depth.get(question_id, 0)
        self.query_one(QuestionList).replace_prompts({_Q_PREFIX + question_id: self._question_prompt(question, depth)})

    def _question(self, question_id: str | None) -> Question | None:
        if question_id is None:
            return None
        return self.kb.question_map.get(question_id)

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
        if question_id is None or question_id not in self._shown:
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
            _update(target, Content(""))
            return
        answer = self.consultation.answer(question.id)
        lines = [Content.assemble(("Answer: ", "bold"), answer.label)]
        if question.ask_if is not None:
            parent = self._question(question.ask_if.question)
            lines.append(Content.assemble(
                ("Follow-up ", "bold"), f"(asked because the answer was {question.ask_if.answer.capitalize()} to: ",
                safe(parent.text if parent else question.ask_if.question), ")"))
        if question.help:
            lines.append(Content.assemble(("Help: ", "bold"), safe(question.help)))
        note = self.consultation.notes.get(question.id, "")
        if note.strip():
            lines.append(Content.assemble(("Note: ", "bold"), safe(note)))
        else:
            lines.append(Content.styled("No note (e adds one)", "dim"))
        _update(target, Content("\n").join(lines))

    # -- verdicts --------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#screening-verdicts")
    def _verdict_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        option_id = event.option.id or ""
        ids = [pv.plan.id for pv in self.plan_verdicts]
        if option_id.startswith("plan:") and option_id[5:] in ids:
            self.therapy_index = ids.index(option_id[5:])
        self.show_verdict_detail()

    @on(OptionList.OptionSelected, "#screening-verdicts")
    def _verdict_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    def action_therapy(self, step: int) -> None:
        if not self.plan_verdicts or self.closing:
            return
        self.therapy_index = (self.therapy_index + step) % len(self.plan_verdicts)
        self.query_one(VerdictList).highlighted = self._plan_option_index(self.therapy_index)

    def selected_verdict(self) -> PlanVerdict | None:
        if not self.plan_verdicts:
            return None
        return self.plan_verdicts[min(self.therapy_index, len(self.plan_verdicts) - 1)]

    def verdict_detail(self, pv: PlanVerdict) -> Content:
        view = verdict_view(self.kb, pv)
        name = plan_name(view)
        lines = [Content.assemble((view.headline, VERDICT_STYLES[view.verdict]), " · ", (visible(name), "bold"),
                                  *((" — ", safe(view.therapy_name)) if name != view.therapy_name else ()))]
        coverage = f"Coverage: {view.coverage_text}" + (f"; {view.limited_text}" if view.limited_text else "")
        lines.append(Content(coverage))
        if view.status:
            lines.append(Content.assemble(("Status: ", "bold"), safe(view.status)))
        if view.remark:
            lines.append(Content.styled(visible(view.remark), "italic"))
        if view.reasons:
            lines.append(Content.styled(REASONS_HEADING, "bold underline"))
            for reason in view.reasons:
                lines.append(Content.assemble(
                    "• ", (reason.level.upper(), "bold"), reason.grade_text, ": ",
                    safe(reason.question), " — ", safe(reason.reason), (visible(reason.refs_text), "italic"),
                ))
                if reason.action:
                    lines.append(Content.assemble("  ", ("Action: ", "bold"), safe(reason.action)))
        if view.open_questions:
            lines.append(Content.styled(visible(view.open_heading), "bold underline"))
            lines += [Content.assemble("• ", safe(q)) for q in view.open_questions]
        if view.references:
            lines.append(Content.styled(REFERENCES_HEADING, "bold underline"))
            lines += [Content.assemble("• ", safe(ref.plain())) for ref in view.references]
        return Content("\n").join(lines)

    def show_verdict_detail(self) -> None:
        target = self.query_one("#screening-verdict-text", Static)
        pv = self.selected_verdict()
        _update(target, self.verdict_detail(pv) if pv else Content("The knowledge base has no therapies."))

    # -- status ------------------------------------------------------------
    def status_text(self) -> Content:
        c = self.consultation
        answered, total = self.session.counts()
        ref = c.patient_ref.strip() or "none (r)"
        n_plans = len(self.session.plan_ids)
        plans = f"Plans: all {n_plans}" if self.session.all_plans_chosen else f"Plans: {n_plans} chosen"
        decision = c.decision.label if c.decision.outcome else "not recorded (d)"
        parts = [f"Patient ref: {ref}", f"{plans} (p)", f"{answered}/{total} answered", f"Decision: {decision}"]
        if c.general_note.strip():
            parts.append("general note ✎")
        if self.session.last_record:
            parts.append(f"Saved: {self.session.last_record[0]} (+ .html)")
        elif self.session.last_autosave:
            parts.append(f"autosaved {self.session.last_autosave.strftime('%H:%M:%S')}")
        return safe(" · ".join(parts))

    def show_status(self) -> None:
        _update(self.query_one("#screening-status", Static), self.status_text())
        errors = [e for e in (self.session.save_error, self.session.autosave_error) if e]
        error_widget = self.query_one("#screening-error", Static)
        _update(error_widget, Content("\n").join(safe(f"⚠ {e}") for e in errors) if errors else Content(""))
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
        if shown_ids(self._checklist()) != self._shown:
            self.rebuild_questions()  # a follow-up appears or leaves under its parent
        else:
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
        # Follow the list order (grouped, follow-ups under their parent): a follow-up
        # that has just appeared is the next question.
        ids = self._shown
        if qid in ids and ids.index(qid) + 1 < len(ids):
            self.highlight_question(ids[ids.index(qid) + 1])

    def _first_unanswered(self) -> str | None:
        return next((qid for qid in self._shown if self.consultation.answer(qid) == Answer.NOT_ASKED), None)

    def action_next_unanswered(self) -> None:
        ordered = list(self._shown)
        if not ordered or self.closing:
            return
        current = self.highlighted_question_id()
        start = ordered.index(current) + 1 if current in ordered else 0
        for qid in ordered[start:] + ordered[:start]:
            if self.consultation.answer(qid) == Answer.NOT_ASKED:
                self.highlight_question(qid)
                self.query_one(QuestionList).focus()
                return
        self.app.notify("Every question for the plans chosen has an answer.", title="Screening",
                        markup=False, timeout=3)

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
        record = self.consultation.record
        title = "Record saved" if record is None or record.version == 1 else f"Record saved (version {record.version})"
        self.app.notify(f"{md_path}\n{html_path}", title=title, markup=False, timeout=8)
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
        self.rebuild()
        if self._shown:
            self.highlight_question(self._shown[0])

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

        self.app.push_screen(ResumeDialog(offer.summary(), offer.dropped, offer.saved_text()), done)

    def resume(self, offer: ResumeOffer) -> None:
        self.session.resume(offer)
        self.rebuild()
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

    # -- plans, decision, practitioner --------------------------------------
    def plan_choices(self, plan_ids: list[str] | None = None) -> list:
        from consultui.ui.screening_forms import PlanChoice

        wanted = set(plan_ids) if plan_ids is not None else None
        out = []
        for plan in all_plans(self.kb):
            if wanted is not None and plan.id not in wanted:
                continue
            therapy = self.kb.therapy(plan.therapy)
            name = therapy.name if therapy else plan.therapy
            label = name if plan.label == plan.therapy else plan.label
            short = (therapy.short or therapy.name) if therapy else plan.therapy
            out.append(PlanChoice(plan.id, name, label, plan.status, uses_product(self.kb, plan), short))
        return out

    def action_choose_plans(self) -> None:
        if self.closing:
            return
        from consultui.ui.screening_forms import PlanPicker

        def done(chosen: tuple[str, ...] | None) -> None:
            if chosen is not None:
                self.set_plans(chosen)

        self.app.push_screen(PlanPicker(self.plan_choices(), self.session.plan_ids), done)

    def set_plans(self, plan_ids) -> None:
        """Consider these plans; every answer is kept (hidden ones come back with their plan)."""
        if not self.session.set_plans(plan_ids):
            return
        self._report_autosave()
        self.rebuild()

    def action_decision(self) -> None:
        if self.closing:
            return
        from consultui.ui.screening_forms import DecisionContext, DecisionDialog

        context = DecisionContext(
            plans=self.plan_choices(list(self.session.plan_ids)),
            today=self.session.today(),
            cooling_off=self.session.cooling_off,
            problems=self.session.decision_problems,
        )

        def done(decision: Decision | None) -> None:
            if decision is not None and self.session.set_decision(decision):
                self.changed()

        self.app.push_screen(DecisionDialog(self.consultation.decision, context), done)

    def _load_practitioner(self) -> None:
        settings = getattr(self.app, "settings", None)
        if settings is None:
            from consultui.settings import load_settings

            settings, _message = load_settings()
        self.session.practitioner = settings.practitioner

    def action_practitioner(self) -> None:
        if self.closing:
            return
        from consultui.ui.screening_forms import PractitionerDialog

        def done(practitioner) -> None:
            if practitioner is None:
                return
            # The app owns the settings (it saves the theme from them too).
            error = self.app.save_practitioner(practitioner)  # type: ignore[attr-defined]
            if error:
                self._error(f"The practitioner could not be saved in the settings: {error}")
            else:
                self.app.notify("Saved in the settings: it goes into every record.", title="Practitioner",
                                markup=False, timeout=4)
            self.session.practitioner = practitioner
            self.show_status()

        self.app.push_screen(PractitionerDialog(self.session.practitioner), done)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Screening: next unanswered question", "Jump to the next question still Not asked (u)", self.action_next_unanswered),
            ("Screening: note on this question", "Add or edit the highlighted question's note (e)", self.action_edit_note),
            ("Screening: general note", "Add or edit the note on the whole consultation (g)", self.action_general_note),
            ("Screening: patient reference", "Initials or a record number, optional (r)", self.action_patient_ref),
            ("Screening: save the record", "Write Markdown and HTML to the consultations folder (s)", self.action_save_record),
            ("Screening: copy the record as Markdown", "Put the record on the clipboard (c)", self.action_copy_markdown),
            ("Screening: choose the plans considered", "Narrow the checklist and verdicts to some plans (p)", self.action_choose_plans),
            ("Screening: record the decision", "Plan chosen, area, product and lot, risks discussed (d)", self.action_decision),
            ("Screening: practitioner details", "Name, registration number and clinic for records (shift+p)", self.action_practitioner),
            ("Screening: new consultation", "Clear answers and notes, after asking (shift+n)", self.action_new_consultation),
        ]
