"""The Textual app: a shell of four sections over the plain domain modules."""
from __future__ import annotations

import gc
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Header, Static, TabbedContent, TabPane

from consultui.application.kbstore import KnowledgeBaseStore, Signature, StoreEvent
from consultui.kb.load import StartupKB
from consultui.kb.schema import V1_WARNING
from consultui.problems import Problem
from consultui.termsafe import visible
from consultui.kb.model import KnowledgeBase
from consultui.ui.compare import ComparePane
from consultui.ui.section import Section
from consultui.ui.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from consultui.ui.knowledge import KnowledgeSection


def _knowledge_search():
    from consultui.ui.palette import KnowledgeSearch

    return KnowledgeSearch


def _compare(store: KnowledgeBaseStore) -> Section:
    return ComparePane(store.kb)


def _screening(store: KnowledgeBaseStore) -> Section:
    from consultui.ui.screening import ScreeningSection

    return ScreeningSection(store.kb)


def _claims(store: KnowledgeBaseStore) -> Section:
    from consultui.ui.claims import ClaimsSection

    return ClaimsSection(store.kb)


def _knowledge(store: KnowledgeBaseStore) -> Section:
    from consultui.ui.knowledge import KnowledgeSection

    return KnowledgeSection(store.kb, store=store)


# id -> (tab title, key, factory). Each section is a Section: its BINDINGS show in
# the footer when it has focus and, with HELP_EXTRA, in the F1 help.
SECTIONS: dict[str, tuple[str, str, Callable[[KnowledgeBaseStore], Section]]] = {
    "compare": ("Compare", "f2", _compare),
    "screening": ("Screening", "f3", _screening),
    "claims": ("Claims", "f4", _claims),
    "knowledge": ("Knowledge base", "f5", _knowledge),
}


LAY_OUT_WAITS = 25  # frames to wait for a hidden section's unseen layout
RELOAD_POLL_SECONDS = 0.5  # the file in use is reloaded within about a second of a change


def settings_file() -> Path:
    from consultui.settings import settings_path

    return settings_path()


def _key_name(display: str) -> str:
    """f1 -> F1, as printed on the keyboard; ^q -> ctrl+q, as the rest of the app writes it."""
    if display[:1] == "f" and display[1:].isdigit():
        return display.upper()
    if display.startswith("^") and len(display) > 1:
        return "ctrl+" + display[1:]
    return display


class SectionTabs(TabbedContent):
    """The four sections. Only the app switches them (F2-F5, a tab click, the palette).

    TabbedContent also switches to a pane when a widget in it takes focus, through a
    message that can arrive late: F2-F5 are priority keys and run at once, so a focus
    message from just before (the first frame's focus) switched the tab straight back."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.prevent_default()  # TabbedContent's own handler would switch
        event.stop()


class ConsultApp(App):
    CSS_PATH = Path(__file__).with_name("consultui.tcss")
    TITLE = "consultui"
    # The palette also finds knowledge-base content (cells, questions, rules) and jumps there.
    COMMANDS = App.COMMANDS | {_knowledge_search}

    # Priority: no widget may take an app-wide key. TextArea binds F6 (select line) and
    # F7 (select all) itself, so without priority the next typed key replaced the text.
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", priority=True),
        Binding("f2", "section('compare')", "Compare", id="app.compare", priority=True),
        Binding("f3", "section('screening')", "Screening", id="app.screening", priority=True),
        Binding("f4", "section('claims')", "Claims", id="app.claims", priority=True),
        Binding("f5", "section('knowledge')", "Knowledge base", id="app.knowledge", priority=True),
        Binding("f6", "show_problems", "KB problems", id="app.problems", show=False, priority=True),
        Binding("f7", "next_theme", "Theme", id="app.theme", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, startup: StartupKB) -> None:
        super().__init__()
        # The one source of the knowledge base in use; the app subscribes and passes
        # every new one down to the sections.
        self.store = KnowledgeBaseStore(startup)
        self.store.subscribe(self._store_changed)
        self._asking_quit = False
        self._sections: dict[str, Section] = {}
        self._gc_frozen = False
        self._refreeze_due = False
        self._settings_message = self._apply_saved_theme()

    @property
    def kb(self) -> KnowledgeBase:
        return self.store.kb

    @property
    def startup(self) -> StartupKB:
        return self.store.startup

    @property
    def kb_file(self) -> Path:
        return self.store.path

    @property
    def reload_problems(self) -> list[Problem]:
        return self.store.reload_problems

    # -- layout ----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        if self.startup.problems:
            yield Static(self._problem_banner(), id="kb-banner")
        elif self.kb.schema_version == 1:
            yield Static(self._version_banner(), id="kb-version-banner")
        with SectionTabs(id="sections"):
            for section, (title, _key, _factory) in SECTIONS.items():
                with TabPane(title, id=section):
                    # Only Compare is built for the first frame; the hidden sections (their
                    # modules too) are built and mounted just after it: a faster start.
                    if section == "compare":
                        yield self.section(section)
        yield SteadyFooter()  # rebuilt only when its keys change (Compare's ] was mostly footer)

    # -- theme -----------------------------------------------------------
    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables plus the verdict and severity colours, made readable
        (4.5:1) against this theme's backgrounds (ui/colours.py)."""
        from consultui.ui.colours import reference_palette, state_variables

        variables = super().get_css_variables()
        variables.update(state_variables(variables, reference_palette(self)))
        self.theme_variables = variables
        return variables

    def refresh_css(self, animate: bool = True) -> None:
        """Before the first screen exists nothing is styled yet: the saved theme (set in
        __init__, applied by Textual at Load) needs only its variables, which the first
        parse then uses. Textual's full reparse there parsed consultui.tcss twice
        (about 12 ms of start-up)."""
        if not self.screen_stack:
            self.stylesheet.set_variables(self.get_css_variables())  # also empties the parse cache
            return
        super().refresh_css(animate)

    def _apply_saved_theme(self) -> str | None:
        from consultui.settings import load_settings

        self.settings, message = load_settings()
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        elif message is None:
            message = f'unknown theme "{self.settings.theme}" in {settings_file()}; using the default'
        return message

    def action_next_theme(self) -> None:
        from consultui.settings import next_theme

        self.theme = next_theme(self.theme)
        self.notify(f"Theme: {self.theme}", title="Theme", markup=False, timeout=2)

    def _theme_changed(self, theme) -> None:
        """Remember the theme however it was chosen (F7 or the command palette)."""
        from consultui.settings import save_settings, with_theme

        if theme.name == self.settings.theme:
            return
        self.settings = with_theme(self.settings, theme.name)
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.notify(f"The theme could not be saved: {exc}", title="Error", severity="error", markup=False)

    def save_practitioner(self, practitioner) -> str | None:
        """The one place the practitioner enters the settings (the theme and the rest of
        the file are kept): returns why it could not be saved, or None. The app keeps
        the new value either way, so this session's records carry it."""
        from consultui.settings import save_settings, with_practitioner

        self.settings = with_practitioner(self.settings, practitioner)
        try:
            save_settings(self.settings)
        except OSError as exc:
            return str(exc)
        return None

    def notify(self, message: str, *, title: str = "", **options: Any) -> None:
        """Every notification (file names, settings values, knowledge-base text) with its
        control characters shown visibly: nothing from outside steers the terminal."""
        super().notify(visible(message), title=visible(title, keep_newlines=False), **options)

    def _version_banner(self) -> Content:
        """An old file still works (one plan per therapy), but screens less precisely."""
        return Content(f"⚠ {visible(str(self.store.path), keep_newlines=False)}: {V1_WARNING} (screened per therapy).")

    def _problem_banner(self) -> Content:
        count = len(self.startup.problems)
        return Content(
            f"⚠ {visible(str(self.startup.failed_path), keep_newlines=False)} has {count} problem(s); using the bundled knowledge base. "
            "Press F6 to see them."
        )

    def on_mount(self) -> None:
        from consultui.atomic import clean_stale_temp_files

        # Leftovers of saves killed in earlier runs (consultui's folders only), after the first frame.
        self.call_after_refresh(clean_stale_temp_files)
        self._show_kb_identity()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._settings_message:
            self.notify(self._settings_message, title="Settings", severity="warning", markup=False)
        self.set_interval(RELOAD_POLL_SECONDS, self._watch_kb_file, name="kb-watch")
        self.call_after_refresh(self._mount_hidden_sections)
        self.call_after_refresh(self._focus_active_section)
        self.call_after_refresh(self._check_kb_update)
        if self.startup.problems:
            self.notify(
                f"{self.startup.failed_path}: {len(self.startup.problems)} problem(s). F6 shows them.",
                title="Knowledge base not used", severity="warning", markup=False, timeout=8,
            )

    def _show_kb_identity(self) -> None:
        self.title = visible(self.kb.meta.title, keep_newlines=False)
        self.sub_title = visible(f"version {self.kb.meta.version}", keep_newlines=False)

    # -- a new knowledge base while running ---------------------------------
    def _store_changed(self, event: StoreEvent) -> None:
        """The store has a new knowledge base in use, or found a change on disk."""
        if event.kind == "applied":
            self._unfreeze_objects()  # the old knowledge base and its widgets can go
            self._refreeze_due = True  # by the next file poll, once rebuilt (this may run in a thread)
            for section in self._sections.values():
                if section.is_mounted:
                    section.set_kb(event.kb)
                else:  # still waiting to be mounted: it will compose with the new one
                    section.kb = event.kb
            self._show_kb_identity()
            self._clear_reload_banner()
            for banner in self._main_query("#kb-version-banner"):
                if event.kb.schema_version != 1:
                    banner.remove()
            for banner in self._main_query("#kb-banner"):
                banner.remove()
            if event.disk is not None:
                self.notify(f"{event.path} changed on disk and was reloaded.", title="Knowledge base reloaded", markup=False)
        elif event.kind == "update-due":
            self._show_update_banner(event.update)
        elif event.kind == "update-done":
            for banner in self._main_query("#kb-update-banner"):
                banner.remove()
        elif event.kind == "disk-same":
            self._clear_reload_banner()
        elif event.kind == "disk-invalid":
            self._show_reload_banner(event.path)
            self.notify(
                f"{event.path} changed on disk and has {len(event.problems)} problem(s). Still using the last valid version; "
                "F5 shows the problems with their lines.",
                title="Knowledge base not reloaded", severity="warning", markup=False, timeout=10,
            )
        if event.disk is not None and event.disk.text is not None:
            knowledge = self._knowledge_section()
            if knowledge.is_mounted:
                knowledge.disk_changed(event.disk.path, event.disk.text, event.disk.result)

    def _watch_kb_file(self) -> None:
        """Poll the file in use (there is no portable file-watching API); read changes off the UI thread."""
        if self._refreeze_due:
            self._refreeze_due = False
            self._freeze_settled_objects()
        signature = self.store.disk_changed()
        if signature is not None:
            self._reload_kb_file(self.store.path, signature)

    @work(thread=True, exclusive=True, group="kb-reload", description="reload the knowledge base")
    def _reload_kb_file(self, path: Path, signature: Signature) -> None:
        disk = self.store.read_disk(path, signature)
        self.call_from_thread(self.store.accept_disk, disk)

    def _show_reload_banner(self, path: Path) -> None:
        message = Content(
            f"⚠ {visible(str(path), keep_newlines=False)} changed on disk and has {len(self.reload_problems)} problem(s); "
            "still using the last valid version. F5 shows them with their lines, F6 lists them."
        )
        banners = self._main_query("#kb-reload-banner")
        if banners:
            banners[0].update(message)
        else:
            tabs = self._tabs()
            if tabs is not None:
                self.screen_stack[0].mount(Static(message, id="kb-reload-banner"), before=tabs)

    @work(thread=True, exclusive=True, group="kb-update-check")
    def _check_kb_update(self) -> None:
        """After the first frame: is the bundled file newer than the base of the copy in use?"""
        due = self.store.update_due()
        if due is not None:
            self.call_from_thread(self.store.announce_update, due)

    def _show_update_banner(self, due: Any) -> None:
        message = Content(visible(
            f"ℹ The bundled knowledge base has changed (version {due.bundled_version}) since your copy was made from "
            f"version {due.base_version}. F5 then ctrl+o, or consultui kb update, brings its corrections in and keeps your edits.",
            keep_newlines=False))
        tabs = self._tabs()
        if tabs is not None and not self._main_query("#kb-update-banner"):
            self.screen_stack[0].mount(Static(message, id="kb-update-banner"), before=tabs)

    def _clear_reload_banner(self) -> None:
        for banner in self._main_query("#kb-reload-banner"):
            banner.remove()

    async def action_quit(self) -> None:
        """Quit; with unsaved changes in the knowledge-base editor, or typed claims copy
        that exists nowhere else, ask first."""
        knowledge = self._sections.get("knowledge")  # not built yet: nothing to lose
        unsaved: list[str] = []
        if knowledge is not None and knowledge.is_mounted and getattr(knowledge, "dirty", False):
            unsaved.append(f"The knowledge-base editor has unsaved changes to {getattr(knowledge, 'path', '')}.")
        claims = self._sections.get("claims")
        if claims is not None and getattr(claims, "unsaved_text", False):
            unsaved.append("The Claims section has text that is not saved anywhere.")
        if not unsaved:
            self.exit()
            return
        if self._asking_quit:
            return
        from consultui.ui.screening_dialogs import ConfirmDialog

        def answered(quit_anyway: bool | None) -> None:
            self._asking_quit = False
            if quit_anyway:
                self.exit()

        self._asking_quit = True
        self.push_screen(
            ConfirmDialog(
                "Quit without saving?",
                " ".join(unsaved) + " Quit and lose it?",
                yes="Quit", no="Keep editing",
            ),
            answered,
        )

    # -- actions ---------------------------------------------------------
    async def _mount_hidden_sections(self) -> None:
        for section_id in SECTIONS:
            widget = self.section(section_id)
            if widget.is_mounted:
                continue
            try:
                main = self._main_screen()
                if main is None:
                    return
                # The main screen's pane, not the front screen's (the palette may be open).
                await main.query_one(f"#{section_id}", TabPane).mount(widget)
            except (MountError, NoMatches):  # the app is closing before its first frame settled
                return
        self.call_after_refresh(self._lay_out_unseen, "screening")
        self.call_after_refresh(self._freeze_settled_objects)

    def _lay_out_unseen(self, section_id: str) -> None:
        """Lay a hidden section out once, invisibly, while the app is idle: its first
        showing then finds its lists measured at their width (at 500 therapies, Screening's
        thousand list rows took most of its first F3)."""
        main = self._main_screen()
        tabs = self._tabs()
        if main is None or tabs is None or tabs.active == section_id:
            return
        try:
            pane = main.query_one(f"#{section_id}", TabPane)
        except NoMatches:
            return
        # Laid out beside the screen (nothing of it is drawn), taking no room from the
        # section shown. Textual gives an invisible (visibility: hidden) list no size.
        # Absolute alone still counted its height against the shown section's 1fr (Compare
        # shrank to one line and was filled twice more); overlay takes it out of that sum.
        shown = main.query_one(f"#{tabs.active}", TabPane)
        pane.styles.position = "absolute"
        pane.styles.overlay = "screen"
        pane.styles.offset = (self.size.width + 10, 0)
        pane.styles.height = shown.size.height or None  # the size it will be shown at
        pane.display = True
        self.call_after_refresh(self._end_lay_out_unseen, section_id, pane)

    def _end_lay_out_unseen(self, section_id: str, pane: TabPane, waited: int = 0) -> None:
        section = self._sections.get(section_id)
        tabs = self._tabs()
        if (section is not None and section.is_mounted and not section.closing and tabs is not None
                and tabs.active != section_id and waited < LAY_OUT_WAITS
                and not (section.size and section.prepare_first_showing())):
            # Not laid out yet, or its lists' scroll bars came with the measuring (a
            # narrower list): measure again after the next layout.
            self.set_timer(0.02, lambda: self._end_lay_out_unseen(section_id, pane, waited + 1))
            return
        tabs = self._tabs()
        if tabs is not None and tabs.active != section_id:
            pane.display = False
        for rule in ("offset", "position", "overlay", "height"):
            pane.styles.clear_rule(rule)

    def _freeze_settled_objects(self) -> None:
        """Everything built so far (the knowledge base, the sections) lives as long as the
        app: keep it out of the garbage collector's full passes, which at 500 therapies
        took 60-150 ms each and made random keys slow. Undone before a knowledge base
        is replaced (the old one must be collectable) and when the app ends."""
        if self.is_running:
            gc.freeze()
            self._gc_frozen = True

    def _unfreeze_objects(self) -> None:
        if self._gc_frozen:
            gc.unfreeze()
            self._gc_frozen = False

    def on_unmount(self) -> None:
        self._unfreeze_objects()

    def _main_screen(self) -> Screen | None:
        """The screen the sections live on, whatever is in front (the command palette, a
        dialog); None once the app is closing: no lookups after that."""
        if not self.is_running or not self.screen_stack:
            return None
        return self.screen_stack[0]

    def _tabs(self) -> TabbedContent | None:
        """The section tabs on the main screen; None once the app is closing."""
        main = self._main_screen()
        if main is None:
            return None
        try:
            return main.query_one("#sections", TabbedContent)
        except NoMatches:
            return None

    def _main_query(self, selector: str) -> list:
        main = self._main_screen()
        return list(main.query(selector)) if main is not None else []

    def _focus_active_section(self) -> None:
        """Start-up: the cursor into the section shown. Compare is filled for the first
        frame, so a key may already have moved the cursor inside it (/ opens the find
        bar): that is left where the user put it."""
        tabs = self._tabs()
        if tabs is None:
            return
        section = self._sections.get(tabs.active)
        focused = self.focused
        if (section is not None and focused is not None and section in focused.ancestors
                and focused is not section.focus_target()):
            return
        self._focus_section(tabs.active)

    def _focus_section(self, section_id: str) -> None:
        # Only the visible section: focusing a widget in a hidden pane switches to it.
        tabs = self._tabs()
        if tabs is None or tabs.active != section_id:
            return
        section = self.section(section_id)
        if section.is_mounted:
            section.on_shown_section()
        else:  # a hidden section mounts just after the first frame
            self.call_after_refresh(self._focus_section, section_id)

    def _knowledge_section(self) -> KnowledgeSection:
        from consultui.ui.knowledge import KnowledgeSection

        section = self.section("knowledge")
        assert isinstance(section, KnowledgeSection)
        return section

    def section(self, section_id: str) -> Section:
        """The section widget, built when first asked for (it may not be mounted yet in the
        first moments); it is built with the knowledge base in use at that time."""
        widget = self._sections.get(section_id)
        if widget is None:
            _title, _key, factory = SECTIONS[section_id]
            widget = factory(self.store)
            widget.id = f"{section_id}-section"
            self._sections[section_id] = widget
        return widget

    def action_section(self, section: str) -> None:
        tabs = self._tabs()
        if tabs is None:
            return  # closing
        tabs.active = section
        self._focus_section(section)

    def on_section_show_me(self, message: Section.ShowMe) -> None:
        for section_id, section in self._sections.items():
            if section is message.section:
                self.action_section(section_id)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id == "sections" and event.pane.id in SECTIONS:
            self._focus_section(event.pane.id)

    def action_records(self) -> None:
        """The saved consultation records (R in Screening)."""
        from consultui.ui.records import RecordsScreen

        if not isinstance(self.screen, RecordsScreen):
            self.push_screen(RecordsScreen())

    def action_backups(self) -> None:
        """The knowledge-base backups, with a diff and a restore (ctrl+b in Knowledge base)."""
        from consultui.ui.backups import BackupsScreen

        if not isinstance(self.screen, BackupsScreen):
            self.push_screen(BackupsScreen())

    def action_help(self) -> None:
        from consultui.ui.dialogs import HelpScreen  # the dialogs' module is not needed for the first screen

        if isinstance(self.screen, HelpScreen):  # F1 is a priority key: it also closes the help
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.key_groups()))

    def action_show_problems(self) -> None:
        from consultui.ui.dialogs import ProblemsScreen

        if self.reload_problems:
            self.push_screen(ProblemsScreen(str(self.kb_file), self.reload_problems, "the last valid version"))
        elif self.startup.problems:
            self.push_screen(ProblemsScreen(str(self.startup.failed_path), self.startup.problems, "the bundled knowledge base"))
        else:
            self.notify("The knowledge base in use has no problems.", title="Knowledge base", markup=False)

    def key_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        def shown(binding: Binding) -> str:
            # A binding may hold several keys ("slash,ctrl+f"): each as the keyboard names it.
            names = [_key_name(self.get_key_display(Binding(key.strip(), binding.action)))
                     for key in binding.key.split(",")]
            return " or ".join(names)

        def keys(bindings) -> list[tuple[str, str]]:
            return [(shown(b), b.description) for b in bindings if b.description]

        palette = Binding(self.COMMAND_PALETTE_BINDING, "command_palette")
        groups = [("Everywhere", keys(self.BINDINGS) + [(shown(palette), "Command palette")])]
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
        yield SystemCommand("Records: saved consultations", "List, read and print saved consultation records (R in Screening)", self.action_records)
        yield SystemCommand("Knowledge base: backups", "List the backups, see what differs, restore one (ctrl+b in Knowledge base)", self.action_backups)
        for section_id in SECTIONS:
            for title, help_text, callback in self.section(section_id).palette_commands():
                yield SystemCommand(title, help_text, callback)
        if self.startup.problems or self.reload_problems:
            yield SystemCommand("Show knowledge-base problems", "Why your knowledge base was not used (F6)", self.action_show_problems)


def run_app(kb_path: str | Path | None = None) -> int:
    from consultui.kb.load import load_for_app

    app = ConsultApp(load_for_app(kb_path))
    app.run()
    return app.return_code or 0
