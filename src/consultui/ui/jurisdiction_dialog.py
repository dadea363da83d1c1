"""The Claims section's rule-pack picker: one or several of uk/au/us/eu, or all.

Keyboard-driven like the Screening plan picker: space ticks, Enter applies, a chooses
all, Escape cancels. The state is written in words ("[x]"), not only by colour.
"""
from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui.claims.jurisdictions import REGULATORS
from consultui.claims.rulepack import ALL, pack_label

ALL_OPTION = "all"


class JurisdictionOptions(OptionList):
    """Space (or a click) ticks a jurisdiction; Enter applies the choice."""

    BINDINGS = [
        Binding("space", "select", "Tick / untick", show=False),
        Binding("enter", "screen.apply", "Apply", show=False),
    ]


class JurisdictionPicker(ModalScreen[tuple[str, ...] | None]):
    """Dismisses with the chosen codes in the table's order, ("all",) for every
    jurisdiction, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("a", "all", "All"),
    ]

    def __init__(self, chosen: Sequence[str]) -> None:
        super().__init__()
        self.chosen = {c for c in chosen if c in REGULATORS}  # empty: all

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="jurisdiction-dialog"):
            yield Static(Content.styled("Rule pack: where is the copy published?", "bold"), classes="dialog-title")
            yield JurisdictionOptions(id="jurisdiction-list")
            yield Static(id="jurisdiction-count")
            yield Static(Content.styled(
                "Findings cite the chosen jurisdictions' regulators; their required statements are "
                "checked once per text.", "italic"), id="jurisdiction-note")
            yield Static(Content.styled("space tick · a all · Enter apply · Esc cancel", "italic"),
                         id="jurisdiction-keys")

    def on_mount(self) -> None:
        options = self.query_one(JurisdictionOptions)
        codes = (ALL_OPTION, *REGULATORS)
        options.set_options([Option(self._prompt(code), id=code) for code in codes])
        # The cursor starts on the first ticked line: Escape or Enter straight away changes nothing.
        options.highlighted = next((n for n, code in enumerate(codes) if code in self.chosen), 0)
        options.focus()
        self._show_count()

    def _prompt(self, code: str) -> Content:
        on = (not self.chosen) if code == ALL_OPTION else code in self.chosen
        mark = "[x]" if on else "[ ]"
        if code == ALL_OPTION:
            label = "ALL every rule; no country's required text"
        else:
            regulator = REGULATORS[code]
            label = f"{code.upper():<3} {regulator.country}: {regulator.name}"
        return Content.assemble((mark, "bold" if on else "dim"), " ", label)

    def _refresh(self) -> None:
        options = self.query_one(JurisdictionOptions)
        for code in (ALL_OPTION, *REGULATORS):
            options.replace_option_prompt(code, self._prompt(code))
        self._show_count()

    def _show_count(self) -> None:
        self.query_one("#jurisdiction-count", Static).update(Content(f"Active: {pack_label(self.result())}"))

    def result(self) -> tuple[str, ...]:
        return tuple(code for code in REGULATORS if code in self.chosen) or ALL

    @on(OptionList.OptionSelected, "#jurisdiction-list")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        code = event.option.id
        if code == ALL_OPTION:
            self.chosen = set()
        elif code is not None:
            self.chosen ^= {code}  # unticking the last one means all again
        self._refresh()

    def action_all(self) -> None:
        self.chosen = set()
        self._refresh()

    def action_apply(self) -> None:
        self.dismiss(self.result())

    def action_cancel(self) -> None:
        self.dismiss(None)
