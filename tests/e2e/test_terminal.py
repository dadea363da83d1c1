"""consultui in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from waiting import poll_until

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it; apt-get install tmux)")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kb" / "minimal.toml"


class Terminal:
    """One consultui process in a private tmux server."""

    def __init__(self, tmp_path: Path, *args: str, size=(100, 30)) -> None:
        self.socket = f"consultui-e2e-{uuid.uuid4().hex[:8]}"
        self.name = "e2e"
        env = {
            "CONSULTUI_HOME": str(tmp_path / "home"),
            "TERM": "xterm-256color",
            "TEXTUAL_ANIMATIONS": "none",
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "PATH": os.environ.get("PATH", ""),
        }
        command = "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " "
        command += shlex.join([sys.executable, "-m", "consultui", *args])
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(size[0]), "-y", str(size[1]), command)
        self.tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull, *args], capture_output=True, text=True, timeout=20)
        return proc.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, *texts: str, timeout: float = 15.0) -> str:
        """The screen, once every one of texts is on it."""
        last = [""]

        def shown() -> str | None:
            last[0] = self.screen()
            return last[0] if all(t in last[0] for t in texts) else None

        return poll_until(shown, timeout, what=f"{texts!r} on screen", describe=lambda: last[0])

    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path):
    opened: list[Terminal] = []

    def start(*args: str, size=(100, 30)) -> Terminal:
        term = Terminal(tmp_path, *args, size=size)
        opened.append(term)
        return term

    yield start
    for term in opened:
        term.close()


def test_startup_shows_the_comparison_and_quits_cleanly(terminal):
    term = terminal()
    screen = term.wait_for("Compare", "PRP", "Exosomes", "What it is", "Practitioner wording")
    assert "Traceback" not in screen
    term.keys("p")
    term.wait_for("Patient wording")
    term.keys("C-q")
    poll_until(term.dead, what="the app to exit", describe=term.screen)
    assert "Traceback" not in term.screen()


def test_screening_by_keys_gives_a_verdict(terminal):
    term = terminal("--kb", str(FIXTURE))
    term.wait_for("Alpha")
    term.keys("F3")
    term.wait_for("Bleeding disorder?", "Not yet screened")
    term.keys("y")
    screen = term.wait_for("Contraindicated")
    assert "[Yes]" in screen


def test_pasted_claims_text_shows_findings(terminal):
    term = terminal()
    term.wait_for("PRP")
    term.keys("F4")
    term.wait_for("Paste or type")
    term.keys("Our facial gives guaranteed results with zero downtime.", literal=True)
    screen = term.wait_for("2 red flags", "Guaranteed outcome")
    assert "“zero downtime”" in screen


def test_knowledge_base_edit_and_save(terminal, tmp_path):
    kb = tmp_path / "kb.toml"
    kb.write_text(FIXTURE.read_text())
    term = terminal("--kb", str(kb))
    term.wait_for("Alpha")
    term.keys("F5")
    term.wait_for("schema_version")
    term.keys("# edited in tmux", literal=True)
    term.keys("Enter")
    term.wait_for("unsaved")
    term.keys("C-s")
    poll_until(lambda: kb.read_text().startswith("# edited in tmux"), what="the saved file", describe=term.screen)
    assert kb.read_text().startswith("# edited in tmux\n")
    assert "Traceback" not in term.screen()
