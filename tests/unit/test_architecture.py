"""The layers stay apart, and no module imports another in a circle.

    ui/           Textual: the app, its sections and dialogs
    cli/          the command line (imports ui/ only to launch the app)
    application/  state and use cases shared by both front ends
    kb/ screening/ claims/ and the top-level modules: the domain, plain Python
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "consultui"
FRONT_ENDS = ("consultui.ui", "consultui.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> str:
    if name == "consultui.__main__":  # `python -m consultui`: the command line
        return "cli"
    for front in FRONT_ENDS:
        if name == front or name.startswith(front + "."):
            return front.split(".")[1]
    if name.startswith("consultui.application"):
        return "application"
    return "domain"


def imports(path: Path, module_level_only: bool = False) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file; relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:  # imports under `if TYPE_CHECKING:` are not run
        nodes = [n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom))]
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path).split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names if f"{base}.{alias.name}" in MODULES]
    return found


def _violations(name: str, path: Path) -> list[str]:
    own = layer(name)
    bad = []
    for target, line in imports(path):
        where = f"{path.name}:{line} imports {target}"
        if own in ("domain", "application"):
            if target.split(".")[0] == "textual" or layer(target) in ("ui", "cli"):
                bad.append(where)
            if own == "domain" and layer(target) == "application":
                bad.append(where)
        elif own == "cli" and layer(target) == "ui" and name != "consultui.cli.entry":
            bad.append(where)
    return bad


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_only_its_own_layer_and_below(name):
    assert _violations(name, MODULES[name]) == []


def test_the_layer_check_catches_a_domain_module_importing_textual_or_ui(tmp_path):
    original = PACKAGE / "kb" / "model.py"
    copy = tmp_path / "model.py"
    copy.write_text(original.read_text(encoding="utf-8")
                    + "\nfrom textual.widgets import Static\nfrom consultui.ui import app\n", encoding="utf-8")
    bad = _violations("consultui.kb.model", copy)
    assert any("textual.widgets" in v for v in bad) and any("consultui.ui" in v for v in bad)
    assert _violations("consultui.kb.model", original) == []


def test_no_import_circles():
    graph = {name: {t for t, _ in imports(path, module_level_only=True) if t in MODULES and t != name}
             for name, path in MODULES.items()}
    # A package's __init__ importing its own submodule is not a circle of modules.
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = 2
        stack.pop()
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_domain_and_application_import_without_textual_at_run_time():
    names = sorted(n for n in MODULES if layer(n) in ("domain", "application") and n != "consultui.__main__")
    code = (
        "import sys\n"
        f"for name in {names!r}:\n"
        "    __import__(name)\n"
        "    assert 'textual' not in sys.modules, name\n"
        "print('clean', len(sys.modules) > 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean True"
