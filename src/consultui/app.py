"""The Textual app: a shell of four sections over the plain domain modules."""
from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from .kbload import StartupKB
from .model import KnowledgeBase
from .ui.compare import ComparePane
from .ui.dialogs import HelpScreen, ProblemsScreen
from .ui.screening import ScreeningSection
from .ui.section import PlaceholderSection, Section


def _screening(kb: KnowledgeBase) -> Section:
    return ScreeningSection(kb)


def _claims(kb: KnowledgeBase) -> Section:
    from .ui.claims import ClaimsSection

    return ClaimsSection(kb)


def _knowledge(kb: KnowledgeBase) -> Section:
    return PlaceholderSection(kb, "Knowledge base will show the file in use in an editor, validated as you type and applied live.")


# id -> (tab title, key, factory). Each section is a Section: its BINDINGS show in
# the footer when it has focus and, with HELP_EXTRA, in the F1 help.
SECTIONS = {
    "compare": ("Compare", "f2", ComparePane),
    "screening": ("Screening", "f3", _screening),
    "claims": ("Claims", "f4", _claims),
    "knowledge": ("Knowledge base", "f5", _knowledge),
}


def _key_name(display: str) -> str:
    """f1 -> F1, as printed on the keyboard."""
    return display.upper() if display[:1] == "f" and display[1:].isdigit() else display


class ConsultApp(App):
    CSS_PATH = Path(__file__).with_name("consultui.tcss")
    TITLE = "consultui"

    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("f2", "section('compare')", "Compare", id="app.compare"),
        Binding("f3", "section('screening')", "Screening", id="app.screening"),
        Binding("f4", "section('claims')", "Claims", id="app.claims"),
        Binding("f5", "section('knowledge')", "Knowledge base", id="app.knowledge"),
        Binding("f6", "show_problems", "KB problems", id="app.problems", show=False),
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
            for section, (title, _key, factory) in SECTIONS.items():
                with TabPane(title, id=section):
                    widget = factory(self.kb)
                    widget.id = f"{section}-section"
                    yield widget
        yield Footer()

    def _problem_banner(self) -> Content:
        count = len(self.startup.problems)
        return Content(
            f"⚠ {self.startup.failed_path} has {count} problem(s); using the bundled knowledge base. "
            "Press F6 to see them."
        )

    def on_mount(self) -> None:
        self._show_kb_identity()
        self.call_after_refresh(self._focus_active_section)
        if self.startup.problems:
            self.notify(
                f"{self.startup.failed_path}: {len(self.startup.problems)} problem(s). F6 shows them.",
                title="Knowledge base not used", severity="warning", markup=False, timeout=8,
            )

    def _show_kb_identity(self) -> None:
        self.title = self.kb.meta.title
        self.sub_title = f"version {self.kb.meta.version}"

    # -- actions ---------------------------------------------------------
    def _focus_active_section(self) -> None:
        # Focusing a widget in a hidden pane would switch back to that pane.
        self.section(self.query_one("#sections", TabbedContent).active).on_shown_section()

    def section(self, section_id: str) -> Section:
        return self.query_one(f"#{section_id}-section", Section)

    def action_section(self, section: str) -> None:
        self.query_one("#sections", TabbedContent).active = section
        self.section(section).on_shown_section()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id == "sections" and event.pane.id in SECTIONS:
            self.section(event.pane.id).on_shown_section()

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
            return [(_key_name(self.get_key_display(b)), b.description) for b in bindings if b.description]

        groups = [("Everywhere", keys(self.BINDINGS) + [("ctrl+p", "Command palette")])]
        for section_id, (title, key, _factory) in SECTIONS.items():
            section = self.section(section_id)
            entries = keys(section.BINDINGS) + list(section.HELP_EXTRA)
            if entries:
                groups.append((f"{title} ({key.upper()})", entries))
        return groups

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for section, (title, key, _factory) in SECTIONS.items():
            yield SystemCommand(f"Go to {title}", f"Switch to the {title} section ({key.upper()})", lambda s=section: self.action_section(s))
        yield SystemCommand("Help: list every key", "Open the help screen (F1)", self.action_help)
        for section_id in SECTIONS:
            for title, help_text, callback in self.section(section_id).palette_commands():
                yield SystemCommand(title, help_text, callback)
        if self.startup.problems:
            yield SystemCommand("Show knowledge-base problems", "Why your knowledge base was not used (F6)", self.action_show_problems)


def run_app(kb_path: str | Path | None = None) -> int:
    from .kbload import load_for_app

    app = ConsultApp(load_for_app(kb_path))
    app.run()
    return app.return_code or 0
