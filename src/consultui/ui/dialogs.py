"""Modal dialogs: help, knowledge-base problems, therapy chooser."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui.kb.model import Therapy
from consultui.problems import Problem
from consultui.termsafe import visible
from consultui.ui.safe import safe


class _Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss_dialog", "Close")]

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)


class HelpScreen(_Dialog):
    """Every key, grouped by where it works."""

    # F1 itself is the app's priority key (it closes the help too).
    BINDINGS = [Binding("escape,q", "dismiss_dialog", "Close")]
    CLOSING = "Escape, F1 or q closes this help."

    def __init__(self, groups: Sequence[tuple[str, Iterable[tuple[str, str]]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        lines: list[Content] = []
        width = min(max((len(key) for _, keys in self.groups for key, _ in keys), default=12) + 2, 20)
        for title, keys in self.groups:
            lines.append(Content.styled(title, "bold underline"))
            for key, description in keys:
                lines.append(Content.assemble((f"  {key:<{width}}", "bold"), description))
            lines.append(Content(""))
        lines.append(Content.styled(self.CLOSING, "italic"))
        with Vertical(classes="dialog", id="help-dialog"):
            yield Static(Content.styled("Keys", "bold"), classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(Content("\n").join(lines), id="help-text")
            yield Static(Content("↑ ↓ PgUp PgDn Home End scroll · Escape closes"), id="help-hint")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()  # the scroll keys work at once


class ProblemsScreen(_Dialog):
    """Why the user's knowledge base was not used; stays reachable from the banner."""

    def __init__(self, failed_path: str, problems: Sequence[Problem], using: str) -> None:
        super().__init__()
        self.failed_path = failed_path
        self.problems = problems
        self.using = using

    def compose(self) -> ComposeResult:
        intro = safe(
            f"{self.failed_path} could not be used, so consultui is running on {self.using}. "
            f"Fix these {len(self.problems)} problem(s) in the Knowledge base section (F5) or in your own editor: "
            "consultui picks the file up again as soon as it is saved and valid."
        )
        lines = [intro, Content("")]
        lines += [safe(f"• {problem}") for problem in self.problems]
        with Vertical(classes="dialog", id="problems-dialog"):
            yield Static(Content.styled("Knowledge-base problems", "bold"), classes="dialog-title")
            with VerticalScroll(can_focus=True, id="problems-scroll"):
                yield Static(Content("\n").join(lines), id="problems-text")
            yield Static(Content.styled("Escape closes.", "italic"))


class TherapyChooser(_Dialog):
    """Pick the columns of the comparison. Enter or space toggles; d applies."""

    BINDINGS = [
        Binding("escape", "dismiss_dialog", "Cancel"),
        Binding("d,ctrl+s", "apply", "Apply"),
        Binding("space", "toggle", "Show/hide", show=False),
    ]

    def __init__(self, therapies: Sequence[Therapy], shown: Sequence[str]) -> None:
        super().__init__()
        self.therapies = list(therapies)
        self.shown = {tid for tid in shown}

    def _prompt(self, therapy: Therapy) -> Content:
        on = therapy.id in self.shown
        mark = "[✔ shown ]" if on else "[  hidden]"
        return Content.assemble((mark, "bold" if on else "dim"), " ", visible(therapy.name))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="chooser-dialog"):
            yield Static(Content.styled("Therapies to compare", "bold"), classes="dialog-title")
            yield OptionList(*[Option(self._prompt(t), id=t.id) for t in self.therapies], id="chooser-list")
            yield Static(Content("Enter or space: show/hide · d: apply · Escape: cancel"), id="chooser-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._toggle(event.option_index)

    def action_toggle(self) -> None:  # type: ignore[override]  # the chooser's own toggle, not DOMNode's class toggle
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._toggle(options.highlighted)

    def _toggle(self, index: int) -> None:
        therapy = self.therapies[index]
        if therapy.id in self.shown:
            if len(self.shown) == 1:
                self.notify("At least one therapy stays shown.", title="Therapies", markup=False)
                return
            self.shown.discard(therapy.id)
        else:
            self.shown.add(therapy.id)
        self.query_one(OptionList).replace_option_prompt_at_index(index, self._prompt(therapy))

    def action_apply(self) -> None:
        self.dismiss([t.id for t in self.therapies if t.id in self.shown])


class OpenFileDialog(_Dialog):
    """Ask for a file path; the caller reads it and reports problems."""

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        with Vertical(classes="dialog", id="open-dialog"):
            yield Static(Content.styled("Open a text, Markdown or HTML file", "bold"), classes="dialog-title")
            yield Input(placeholder="path/to/page.html", id="open-path")
            yield Static(Content("Enter opens · Escape cancels"), id="open-hint")

    def on_input_submitted(self, event) -> None:
        from pathlib import Path

        value = event.value.strip()
        hint = self.query_one("#open-hint", Static)
        if not value:
            hint.update(Content("Type a file path first."))
            return
        path = Path(value).expanduser()
        if not path.is_file():
            hint.update(safe(f"{visible(str(path), keep_newlines=False)}: no such file (or it is a folder). Escape cancels."))
            return
        self.dismiss(str(path))


class SaveConflictDialog(ModalScreen[str | None]):
    """The knowledge-base file changed on disk since the editor read it (another window or
    program saved it). Dismisses with "overwrite", "reload", "save-as", or None (keep editing)."""

    BINDINGS = [
        Binding("escape", "choose(None)", "Keep editing"),
        Binding("o", "choose('overwrite')", "Overwrite"),
        Binding("r", "choose('reload')", "Reload"),
        Binding("a", "choose('save-as')", "Save as"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, path: str, deleted: bool = False) -> None:
        super().__init__()
        self.path = path
        self.deleted = deleted

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal
        from textual.widgets import Button

        what = "was deleted" if self.deleted else "was changed by another window or program"
        message = Content(
            f"{visible(self.path)} {what} since you opened it. Nothing was written.\n\n"
            "Overwrite: replace it with your text (its current version is kept as a backup).\n"
            "Reload: throw away your changes and show the file as it is now.\n"
            "Save as: write your text to a new file and use that one.\n"
            "Escape: keep editing."
        )
        with Vertical(classes="dialog", id="conflict-dialog"):
            yield Static(Content.styled("The file changed on disk", "bold"), classes="dialog-title")
            yield Static(message, id="conflict-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Overwrite (o)"), id="conflict-overwrite", variant="warning")
                yield Button(Content("Reload (r)"), id="conflict-reload", variant="warning")
                yield Button(Content("Save as (a)"), id="conflict-save-as", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#conflict-save-as").focus()  # the choice that loses nothing

    def on_button_pressed(self, event) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("conflict-"))

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
