"""Domain modules stay free of Textual: fast to import, testable without a terminal."""
from __future__ import annotations

import subprocess
import sys

DOMAIN_MODULES = [
    "consultui.kb.model",
    "consultui.kb.load",
    "consultui.kb.schema",
    "consultui.kb.positions",
    "consultui.problems",
    "consultui.paths",
    "consultui.atomic",
    "consultui.kb.comparison",
    "consultui.kb.patterns",
    "consultui.claims.checker",
    "consultui.claims.extract",
    "consultui.screening.verdicts",
    "consultui.screening.records",
    "consultui.settings",
    "consultui.kb.cache",
    "consultui.kb.files",
    "consultui.claims.report",
    "consultui.cli.kb",
    "consultui.cli.entry",
    "consultui.cli.compare",
    "consultui.cli.check",
    "consultui.cli.screen",
]


def test_domain_modules_never_import_textual():
    code = (
        "import sys\n"
        f"for name in {DOMAIN_MODULES!r}:\n"
        "    __import__(name)\n"
        "    assert 'textual' not in sys.modules, name\n"
        "print('clean')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean"
