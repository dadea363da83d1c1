"""Which knowledge-base file is used: --kb, $CONSULTUI_KB, user copy, bundled."""
from __future__ import annotations

from consultui import paths
from consultui.kb.load import bundled_kb_path, resolve_kb_path


def test_bundled_when_nothing_else(isolated_home):
    path, why = resolve_kb_path(None)
    assert path == bundled_kb_path()
    assert "bundled" in why


def test_user_copy_beats_bundled(isolated_home):
    user = paths.user_kb_path()
    assert str(user).startswith(str(isolated_home))  # never the real user folder
    user.parent.mkdir(parents=True)
    user.write_text("schema_version = 1\n")
    assert resolve_kb_path(None) == (user, "your own copy in the user data folder")


def test_environment_beats_user_copy(isolated_home, monkeypatch, tmp_path):
    user = paths.user_kb_path()
    user.parent.mkdir(parents=True)
    user.write_text("")
    monkeypatch.setenv("CONSULTUI_KB", str(tmp_path / "env.toml"))
    path, why = resolve_kb_path(None)
    assert path == tmp_path / "env.toml" and "CONSULTUI_KB" in why


def test_option_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONSULTUI_KB", str(tmp_path / "env.toml"))
    path, why = resolve_kb_path(str(tmp_path / "opt.toml"))
    assert path == tmp_path / "opt.toml" and "--kb" in why
