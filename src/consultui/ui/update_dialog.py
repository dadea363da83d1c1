"""The Knowledge base section's update dialog: what `kb update` would bring in from the
bundled file, and, for each conflict, both versions and a choice between them."""
from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, RadioButton, RadioSet, Static

from consultui.termsafe import visible


class UpdateDialog(ModalScreen[dict[str, str] | None]):
    """Dismissed with {conflict entry: "bundled" or "mine"} to update, or None to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, plan: Any) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        merge = plan.merge
        _kb, changes = merge.result(take="mine")
        from_bundled = [c for c in changes if c.source == "bundled"]
        summary = (
            f"Your copy was made from {plan.base.describe()}; the bundled file is now version "
            f"{plan.bundled_version}. Updating brings in {len(from_bundled)} change(s) to entries you did not edit "
            f"and keeps your {len(merge.edits_kept())} own edit(s). Your copy is backed up first; the merged file "
            "has the bundled file's layout (comments you added stay in the backup)."
        )
        with Vertical(classes="dialog", id="update-dialog"):
            yield Static(Content.styled("Update from the bundled knowledge base", "bold"), classes="dialog-title")
            with VerticalScroll(id="update-scroll"):
                yield Static(Content(visible(summary)), id="update-summary")
                if merge.conflicts:
                    yield Static(Content.styled(
                        f"{len(merge.conflicts)} entry(ies) changed by both: choose a version for each.", "bold"))
                for number, conflict in enumerate(merge.conflicts):
                    lines = conflict.describe(f"bundled {plan.bundled_version}", "yours")
                    text = f"{number + 1}. {conflict.entry}\n" + "\n".join(lines)
                    yield Static(Content(visible(text)), classes="update-conflict")
                    with RadioSet(id=f"update-choice-{number}", classes="update-choice"):
                        yield RadioButton("Take the bundled version", value=True)
                        yield RadioButton("Keep mine")
            with Horizontal(id="update-buttons", classes="dialog-buttons"):
                yield Button("Update", variant="primary", id="update-apply")
                yield Button("Cancel", id="update-cancel")

    def on_mount(self) -> None:
        self.query_one("#update-apply", Button).focus()

    def choices(self) -> dict[str, str]:
        out = {}
        for number, conflict in enumerate(self.plan.merge.conflicts):
            radio = self.query_one(f"#update-choice-{number}", RadioSet)
            out[conflict.entry] = "mine" if radio.pressed_index == 1 else "bundled"
        return out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "update-apply":
            self.dismiss(self.choices())
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
