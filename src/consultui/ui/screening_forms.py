"""Forms of the Screening section: the plan picker, the decision and the practitioner.

Every one is keyboard-driven and fits 80x24 (one line per field). Knowledge-base
and user text is shown through Content(...), never parsed as markup.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from consultui.screening.decision import NO_TREATMENT, REFERRED, TREAT, CoolingOff, Decision
from consultui.settings import Practitioner
from consultui.termsafe import visible
from consultui.ui.safe import safe


@dataclass(frozen=True)
class PlanChoice:
    id: str
    therapy: str  # the therapy's name, for the heading
    label: str
    status: str | None = None
    uses_product: bool = False
    short: str = ""  # the therapy's short name


# --------------------------------------------------------------------------- plan picker

class PlanOptions(OptionList):
    """Space (or a click) ticks a plan; Enter applies the choice."""

    BINDINGS = [
        Binding("space", "select", "Tick / untick", show=False),
        Binding("enter", "screen.apply", "Apply", show=False),
    ]


class PlanPicker(ModalScreen[tuple[str, ...] | None]):
    """Choose the plans being considered. Dismisses with the chosen ids (in the given
    order), or None when cancelled. At least one plan stays chosen."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("a", "all", "All / none"),
        Binding("t", "therapy", "Whole therapy"),
    ]

    def __init__(self, plans: Sequence[PlanChoice], chosen: Sequence[str]) -> None:
        super().__init__()
        self.plans = list(plans)
        self.chosen = set(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="plan-picker-dialog"):
            yield Static(Content.styled("Plans being considered", "bold"), classes="dialog-title")
            yield PlanOptions(id="plan-picker-list")
            yield Static(id="plan-picker-status")
            yield Static(id="plan-picker-count")
            yield Static(Content.styled(
                "space tick · a all/none · t whole therapy · Enter apply · Esc cancel", "italic"),
                id="plan-picker-keys")

    def on_mount(self) -> None:
        options: list[Option] = []
        therapy = None
        for n, plan in enumerate(self.plans):
            if plan.therapy != therapy:
                therapy = plan.therapy
                options.append(Option(Content.styled(visible(therapy), "bold"), id=f"therapy:{n}", disabled=True))
            options.append(Option(self._prompt(plan), id=f"plan:{plan.id}"))
        plan_list = self.query_one(PlanOptions)
        plan_list.set_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        plan_list.highlighted = first
        plan_list.focus()
        self._show_count()

    def _prompt(self, plan: PlanChoice) -> Content:
        # The state in words, not only a glyph's colour.
        mark = "[x]" if plan.id in self.chosen else "[ ]"
        parts: list[Content | str | tuple[str, str]] = [(mark, "bold" if plan.id in self.chosen else "dim"), " ",
                                                        safe(plan.label)]
        if plan.status:
            parts.append((" ⚑", "bold"))  # its status is shown below the list when highlighted
        return Content.assemble(*parts)

    @on(OptionList.OptionHighlighted, "#plan-picker-list")
    def _show_status(self, _event: OptionList.OptionHighlighted) -> None:
        plan = self._highlighted_plan()
        widget = self.query_one("#plan-picker-status", Static)
        if plan is not None and plan.status:
            widget.update(Content.assemble(("⚑ Status: ", "bold"), safe(plan.status)))
        else:
            widget.update(Content(""))

    def _refresh_prompts(self) -> None:
        plan_list = self.query_one(PlanOptions)
        for plan in self.plans:
            plan_list.replace_option_prompt(f"plan:{plan.id}", self._prompt(plan))
        self._show_count()

    def _show_count(self) -> None:
        text = f"{len(self.chosen)} of {len(self.plans)} plans chosen"
        if not self.chosen:
            text += ": choose at least one"
        self.query_one("#plan-picker-count", Static).update(Content(text))

    def _highlighted_plan(self) -> PlanChoice | None:
        option = self.query_one(PlanOptions).highlighted_option
        if option is None or not option.id or not option.id.startswith("plan:"):
            return None
        pid = option.id[len("plan:"):]
        return next((p for p in self.plans if p.id == pid), None)

    @on(OptionList.OptionSelected, "#plan-picker-list")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        plan = self._highlighted_plan()
        if plan is None:
            return
        self.chosen ^= {plan.id}
        self._refresh_prompts()

    def action_all(self) -> None:
        everything = {p.id for p in self.plans}
        self.chosen = set() if self.chosen == everything else everything
        self._refresh_prompts()

    def action_therapy(self) -> None:
        plan = self._highlighted_plan()
        if plan is None:
            return
        same = {p.id for p in self.plans if p.therapy == plan.therapy}
        self.chosen = self.chosen - same if same <= self.chosen else self.chosen | same
        self._refresh_prompts()

    def action_apply(self) -> None:
        if not self.chosen:
            self.app.bell()
            return
        self.dismiss(tuple(p.id for p in self.plans if p.id in self.chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- decision

@dataclass(frozen=True)
class DecisionContext:
    """What the decision form needs to know, from the session."""

    plans: Sequence[PlanChoice]  # the plans considered
    today: _dt.date
    cooling_off: Callable[[str], CoolingOff | None]
    problems: Callable[[Decision], list[str]]


_NOT_RECORDED = "__not-recorded__"


def _outcome_value(decision: Decision) -> str:
    if decision.outcome == TREAT:
        return f"{TREAT}:{decision.plan}"
    return decision.outcome or _NOT_RECORDED


class DecisionDialog(ModalScreen[Decision | None]):
    """Record the decision. ctrl+s saves once nothing required is missing; Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, decision: Decision, context: DecisionContext) -> None:
        super().__init__()
        self.decision = decision
        self.context = context

    def compose(self) -> ComposeResult:
        d, ctx = self.decision, self.context
        choices: list[tuple[Content, str]] = [(Content("Not recorded yet"), _NOT_RECORDED)]
        # The plan first: the closed list shows one line, cut at the right.
        choices += [(Content.assemble("Treat: ", safe(p.label), *((" (", safe(p.short), ")") if p.short != p.label else ())),
                     f"{TREAT}:{p.id}") for p in ctx.plans]
        choices += [(Content("No treatment"), NO_TREATMENT), (Content("Referred elsewhere"), REFERRED)]
        known = {value for _label, value in choices}
        value = _outcome_value(d) if _outcome_value(d) in known else _NOT_RECORDED
        with Vertical(classes="dialog", id="decision-dialog"):
            yield Static(Content.styled("Decision", "bold"), classes="dialog-title")
            with Grid(id="decision-grid", classes="form-grid"):
                yield Static("Outcome", classes="form-label")
                yield Select(choices, value=value, allow_blank=False, id="decision-outcome", compact=True)
                yield Static("Treatment area", classes="form-label decision-treat")
                yield Input(d.area, placeholder="e.g. scalp, crown", id="decision-area", compact=True,
                            classes="decision-treat", max_length=200)
                yield Static("Product name", classes="form-label decision-product")
                yield Input(d.product, placeholder="as on the label", id="decision-product", compact=True,
                            classes="decision-product", max_length=200)
                yield Static("Lot / batch", classes="form-label decision-product")
                yield Input(d.lot, placeholder="as on the label", id="decision-lot", compact=True,
                            classes="decision-product", max_length=100)
                yield Static("Cooling-off until", classes="form-label decision-cooling")
                yield Input(d.cooling_off_until.isoformat() if d.cooling_off_until else "", placeholder="YYYY-MM-DD",
                            id="decision-cooling", compact=True, classes="decision-cooling", max_length=10)
                yield Static("Referred to", classes="form-label decision-referred")
                yield Input(d.referred_to, placeholder="e.g. GP, dermatologist", id="decision-referred",
                            compact=True, classes="decision-referred", max_length=200)
                yield Static("Discussed", classes="form-label")
                yield Checkbox(self._risks_label(d.risks_discussed), d.risks_discussed, id="decision-risks",
                               compact=True)
            yield Static(id="decision-cooling-hint")
            yield Static(id="decision-problems")
            yield Static(Content.styled("ctrl+s saves · Escape cancels · Tab moves between fields", "italic"),
                         id="decision-keys")

    @staticmethod
    def _risks_label(on_: bool) -> Content:
        # The state in words too: a checkbox's glyph differs only by colour.
        return Content(f"Risks and alternatives discussed: {'yes' if on_ else 'no'}")

    def on_mount(self) -> None:
        self._update()
        self.query_one("#decision-outcome", Select).focus()

    def _plan(self) -> PlanChoice | None:
        value = self.query_one("#decision-outcome", Select).value
        if isinstance(value, str) and value.startswith(f"{TREAT}:"):
            pid = value[len(TREAT) + 1:]
            return next((p for p in self.context.plans if p.id == pid), None)
        return None

    def current(self) -> tuple[Decision, str | None]:
        """The decision as the form shows it, and a problem with the date as typed."""
        value = self.query_one("#decision-outcome", Select).value
        plan = self._plan()
        outcome = TREAT if plan else (value if value in (NO_TREATMENT, REFERRED) else "")
        raw_date = self.query_one("#decision-cooling", Input).value.strip()
        until, date_problem = None, None
        if raw_date:
            try:
                until = _dt.date.fromisoformat(raw_date)
            except ValueError:
                date_problem = f"Cooling-off date \"{raw_date}\": write it as YYYY-MM-DD."
        decision = Decision(
            outcome=outcome, plan=plan.id if plan else "",
            area=self.query_one("#decision-area", Input).value,
            product=self.query_one("#decision-product", Input).value,
            lot=self.query_one("#decision-lot", Input).value,
            risks_discussed=self.query_one("#decision-risks", Checkbox).value,
            cooling_off_until=until,
            referred_to=self.query_one("#decision-referred", Input).value,
        )
        return decision, date_problem

    def _update(self) -> None:
        plan = self._plan()
        value = self.query_one("#decision-outcome", Select).value
        wait = self.context.cooling_off(plan.id) if plan else None
        for cls, shown in (("decision-treat", plan is not None),
                           ("decision-product", plan is not None and plan.uses_product),
                           ("decision-cooling", wait is not None),
                           ("decision-referred", value == REFERRED)):
            for widget in self.query(f".{cls}"):
                widget.display = shown
        hint = self.query_one("#decision-cooling-hint", Static)
        cooling = self.query_one("#decision-cooling", Input)
        if wait is not None:
            proposed = wait.proposed(self.context.today)
            if not cooling.value.strip():
                cooling.value = proposed.isoformat()  # proposed: today + the knowledge base's days
            hint.update(Content(f"A Yes answer asks for a cooling-off period of {wait.days} days "
                                f"(earliest {proposed.isoformat()})."))
        else:
            hint.update(Content(""))
        hint.display = wait is not None
        self._show_problems()

    def _problems(self) -> list[str]:
        decision, date_problem = self.current()
        if not decision.outcome:
            return []  # "Not recorded yet" clears the decision: nothing is required
        problems = self.context.problems(decision)
        return ([date_problem] if date_problem else []) + problems

    def _show_problems(self) -> None:
        problems = self._problems()
        widget = self.query_one("#decision-problems", Static)
        if problems:
            text = Content("\n").join(safe(f"• {p}") for p in problems)
        elif self.current()[0].outcome:
            text = Content("Complete: ctrl+s saves.")
        else:
            text = Content("No decision recorded yet: Enter on Outcome opens the choices.")
        widget.update(text)
        widget.set_class(bool(problems), "-problems")

    @on(Select.Changed, "#decision-outcome")
    def _outcome_changed(self, _event: Select.Changed) -> None:
        self._update()

    @on(Input.Changed)
    def _input_changed(self, _event: Input.Changed) -> None:
        self._show_problems()

    @on(Checkbox.Changed, "#decision-risks")
    def _risks_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = self._risks_label(event.value)
        self._show_problems()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        if self._problems():
            self.app.bell()
            self._show_problems()
            return
        decision, _ = self.current()
        self.dismiss(decision if decision.outcome else Decision())

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- practitioner

class PractitionerDialog(ModalScreen[Practitioner | None]):
    """Name, registration number and clinic, set once and kept in the settings file."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, practitioner: Practitioner) -> None:
        super().__init__()
        self.practitioner = practitioner

    def compose(self) -> ComposeResult:
        p = self.practitioner
        with Vertical(classes="dialog", id="practitioner-dialog"):
            yield Static(Content.styled("Practitioner (goes into every record)", "bold"), classes="dialog-title")
            with Grid(classes="form-grid"):
                yield Static("Name", classes="form-label")
                yield Input(p.name, placeholder="e.g. Dr A. Example", id="practitioner-name", compact=True,
                            max_length=200)
                yield Static("Registration no.", classes="form-label")
                yield Input(p.registration, placeholder="e.g. MED0001234", id="practitioner-registration",
                            compact=True, max_length=200)
                yield Static("Clinic", classes="form-label")
                yield Input(p.clinic, placeholder="e.g. Example Clinic", id="practitioner-clinic", compact=True,
                            max_length=200)
            yield Static(Content.styled("Saved in the settings file, next to the theme. "
                                        "Enter or ctrl+s saves · Escape cancels", "italic"), id="practitioner-keys")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Save (ctrl+s)"), id="practitioner-save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#practitioner-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        self.dismiss(Practitioner(*(self.query_one(f"#practitioner-{key}", Input).value
                                    for key in ("name", "registration", "clinic"))))

    def action_cancel(self) -> None:
        self.dismiss(None)
