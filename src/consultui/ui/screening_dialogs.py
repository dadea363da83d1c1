"""Dialogs of the Screening section: text entry, yes/no confirmation, resume offer.

Every text shown here (knowledge-base or user text) goes through Content(...),
never through markup.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from consultui.termsafe import visible
from consultui.ui.safe import VisibleTextArea, safe


class TextPrompt(ModalScreen[str | None]):
    """Edit one piece of text. Dismisses with the new text, or None when cancelled.

    One line (Input, Enter saves) or several (TextArea, ctrl+s saves).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, hint: str, value: str = "", *, multiline: bool = False,
                 placeholder: str = "", max_length: int = 0) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.multiline = multiline
        self.placeholder = placeholder
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        keys = "ctrl+s saves · Escape cancels" if self.multiline else "Enter saves · Escape cancels"
        with Vertical(classes="dialog", id="text-prompt-dialog"):
            yield Static(Content.styled(visible(self.title_text), "bold"), classes="dialog-title")
            if self.hint:
                yield Static(safe(self.hint), id="text-prompt-hint")
            if self.multiline:
                yield VisibleTextArea(self.value, id="text-prompt-area", soft_wrap=True, show_line_numbers=False)
            else:
                yield Input(self.value, placeholder=self.placeholder, id="text-prompt-input",
                            max_length=self.max_length)
            yield Static(Content.styled(keys, "italic"), id="text-prompt-keys")

    def on_mount(self) -> None:
        widget = self.query_one("#text-prompt-area" if self.multiline else "#text-prompt-input")
        widget.focus()
        if self.multiline:
            area = self.query_one(TextArea)
            area.move_cursor(area.document.end)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_save(self) -> None:
        if self.multiline:
            self.dismiss(self.query_one(TextArea).text)
        else:
            self.dismiss(self.query_one(Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question. y / Enter on the focused button / n / Escape."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, title: str, message: str, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(Content.styled(visible(self.title_text), "bold"), classes="dialog-title")
            yield Static(safe(self.message), id="confirm-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(f"{self.yes} (y)"), id="confirm-yes", variant="warning")
                yield Button(Content(f"{self.no} (n)"), id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe choice is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ResumeDialog(ModalScreen[bool]):
    """Offer to resume the consultation found in the autosave. True = resume.

    Escape resumes too: it is the choice that loses nothing.
    """

    BINDINGS = [
        Binding("escape,r", "answer(True)", "Resume"),
        Binding("d", "answer(False)", "Discard"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, summary: str, dropped: list[str],
                 saved: str = "It was never saved as a record.") -> None:
        super().__init__()
        self.summary = summary
        self.dropped = dropped
        self.saved = saved  # whether it was saved as a record before, truthfully

    def compose(self) -> ComposeResult:
        lines = [
            Content("A consultation was still open when consultui last stopped."),
            Content(""),
            safe(self.summary),
        ]
        if self.dropped:
            lines += [Content(""), safe(
                "The knowledge base no longer has these questions; their answers and notes "
                f"will be dropped: {', '.join(self.dropped)}"
            )]
        lines += [Content(""), safe(self.saved), Content("Discarding deletes the autosave.")]
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Static(Content.styled("Resume the last consultation?", "bold"), classes="dialog-title")
            yield Static(Content("\n").join(lines), id="resume-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Resume (r)"), id="resume-yes", variant="primary")
                yield Button(Content("Discard, start new (d)"), id="resume-no", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#resume-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "resume-yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
