"""Domain modules stay free of Textual: fast to import, testable without a terminal."""
from __future__ import annotations

import subprocess
import sys

DOMAIN_MODULES = [
    "consultui.model",
    "consultui.kbload",
    "consultui.kbschema",
    "consultui.tomlpos",
    "consultui.problems",
    "consultui.paths",
    "consultui.atomic",
    "consultui.comparison",
    "consultui.patterns",
    "consultui.claims",
    "consultui.textextract",
    "consultui.screening",
    "consultui.records",
    "consultui.settings",
    "consultui.kbcache",
    "consultui.kbfiles",
    "consultui.claims_report",
    "consultui.cli_kb",
    "consultui.cli",
    "consultui.cli_compare",
    "consultui.cli_check",
    "consultui.cli_screen",
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
