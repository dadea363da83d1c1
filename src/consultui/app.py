"""The Textual app: a shell of four sections over the plain domain modules."""
from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from .kbload import StartupKB
from .ui.compare import ComparePane
from .ui.dialogs import HelpScreen, ProblemsScreen

# Section id -> (title, key, one-line placeholder until its issue lands)
SECTIONS = {
    "compare": ("Compare", "f2"),
    "screening": ("Screening", "f3"),
    "claims": ("Claims", "f4"),
    "knowledge": ("Knowledge base", "f5"),
}
PLACEHOLDERS = {
    "screening": "Screening will hold the contraindication checklist, a live verdict per therapy and the consultation record.",
    "claims": "Claims will check advertising copy for misleading claims, explain why and suggest honest wording.",
    "knowledge": "Knowledge base will show the file in use in an editor, validated as you type and applied live.",
}


class ConsultApp(App):
    CSS_PATH = "consultui.tcss"
    TITLE = "consultui"

    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("f2", "section('compare')", "Compare", id="app.compare"),
        Binding("f3", "section('screening')", "Screening", id="app.screening"),
        Binding("f4", "section('claims')", "Claims", id="app.claims"),
        Binding("f5", "section('knowledge')", "Knowledge base", id="app.knowledge"),
        Binding("ctrl+e", "show_problems", "KB problems", id="app.problems", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, startup: StartupKB) -> None:
        super().__init__()
        self.startup = startup
        self.kb = startup.kb

    # -- layout ----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        if self.startup.problems:
            yield Static(self._problem_banner(), id="kb-banner")
        with TabbedContent(id="sections"):
            with TabPane("Compare", id="compare"):
                yield ComparePane(self.kb, id="compare-pane")
            for section, text in PLACEHOLDERS.items():
                with TabPane(SECTIONS[section][0], id=section):
                    yield Static(Content(text), classes="placeholder")
        yield Footer()

    def _problem_banner(self) -> Content:
        count = len(self.startup.problems)
        return Content(
            f"⚠ {self.startup.failed_path} has {count} problem(s); using the bundled knowledge base. "
            "Press ctrl+e to see them."
        )

    def on_mount(self) -> None:
        self._show_kb_identity()
        self.call_after_refresh(self.query_one(ComparePane).focus_table)
        if self.startup.problems:
            self.notify(
                f"{self.startup.failed_path}: {len(self.startup.problems)} problem(s). ctrl+e shows them.",
                title="Knowledge base not used", severity="warning", markup=False, timeout=8,
            )

    def _show_kb_identity(self) -> None:
        self.title = self.kb.meta.title
        self.sub_title = f"version {self.kb.meta.version}"

    # -- actions ---------------------------------------------------------
    def action_section(self, section: str) -> None:
        self.query_one("#sections", TabbedContent).active = section
        if section == "compare":
            self.query_one(ComparePane).focus_table()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_groups()))

    def action_show_problems(self) -> None:
        if self.startup.problems:
            self.push_screen(ProblemsScreen(str(self.startup.failed_path), self.startup.problems, "the bundled knowledge base"))
        else:
            self.notify("The knowledge base in use has no problems.", title="Knowledge base", markup=False)

    def key_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        def keys(bindings) -> list[tuple[str, str]]:
            return [(self.get_key_display(b), b.description) for b in bindings if b.description]

        return [
            ("Everywhere", keys(self.BINDINGS) + [("ctrl+p", "Command palette")]),
            ("Compare (F2)", keys(ComparePane.BINDINGS) + [("arrows", "Move between cells; the panel below shows the cell's full text and sources"), ("tab", "Focus the detail panel (arrows scroll it)")]),
        ]

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for section, (title, key) in SECTIONS.items():
            yield SystemCommand(f"Go to {title}", f"Switch to the {title} section ({key.upper()})", lambda s=section: self.action_section(s))
        yield SystemCommand("Help: list every key", "Open the help screen (F1)", self.action_help)
        compare = self.query_one(ComparePane)
        yield SystemCommand("Compare: toggle patient wording", "Switch between patient and practitioner wording (p)", compare.action_toggle_plain)
        yield SystemCommand("Compare: choose therapies", "Pick which therapies are shown (t)", compare.action_choose_therapies)
        if self.startup.problems:
            yield SystemCommand("Show knowledge-base problems", "Why your knowledge base was not used (ctrl+e)", self.action_show_problems)


def run_app(kb_path: str | Path | None = None) -> int:
    from .kbload import load_for_app

    app = ConsultApp(load_for_app(kb_path))
    app.run()
    return app.return_code or 0
