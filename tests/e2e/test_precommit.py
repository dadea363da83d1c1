"""The pre-commit hook file: pre-commit's own validate-manifest accepts it, and the hook
runs from a local clone of this repository in a test repository (pre-commit try-repo).
The tested hook is the language: system one, which installs nothing: the test needs no
network (the language: python hook would pip-install consultui and its build backend)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is a test extra: pip install -e '.[test]'")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (pre-commit needs it)"),
]

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",   # the consultui under test
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
    })
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_manifest_passes_validate_manifest(tmp_path):
    proc = _run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)], ROOT, _env(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_try_repo_runs_the_hook_from_a_local_clone(tmp_path):
    env = _env(tmp_path)
    clone = tmp_path / "clone"
    assert _run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], tmp_path, env).returncode == 0
    # The hook file as it is in the work tree (it may not be committed yet).
    shutil.copyfile(HOOKS, clone / ".pre-commit-hooks.yaml")
    _run(["git", "add", ".pre-commit-hooks.yaml"], clone, env)
    _run(["git", "commit", "--quiet", "--allow-empty", "-m", "hooks under test"], clone, env)

    site = tmp_path / "site"
    (site / "drafts").mkdir(parents=True)
    (site / "index.md").write_text("# PRP\n\nGuaranteed results after one session.\n", encoding="utf-8")
    (site / "about.html").write_text("<p>Results vary from person to person.</p>\n", encoding="utf-8")
    (site / "drafts" / "old.md").write_text("Risk-free!\n", encoding="utf-8")
    (site / "consultui.toml").write_text('exclude = ["drafts/"]\n', encoding="utf-8")
    assert _run(["git", "init", "--quiet"], site, env).returncode == 0
    _run(["git", "add", "."], site, env)

    proc = _run([sys.executable, "-m", "pre_commit", "try-repo", str(clone), "consultui-check", "--all-files"], site, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "index.md:3:1: high guaranteed-outcome/guaranteed-results" in out
    assert "drafts/old.md" not in out        # excluded by the configuration, although pre-commit named it
    assert "about.html" not in out

    (site / "index.md").write_text("# PRP\n\nResults vary.\n", encoding="utf-8")
    _run(["git", "add", "."], site, env)
    proc = _run([sys.executable, "-m", "pre_commit", "try-repo", str(clone), "consultui-check", "--all-files"], site, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
