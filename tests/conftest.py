"""Shared fixtures: keep the user's real folders and the network out of every test."""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
KB_FIXTURES = FIXTURES / "kb"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """User data and config go to a temporary folder, never the real one."""
    home = tmp_path / "consultui-home"
    monkeypatch.setenv("CONSULTUI_HOME", str(home))
    monkeypatch.delenv("CONSULTUI_KB", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return home


class NetworkAccessError(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to reach another machine fails the test."""

    def refuse(self, address, *args, **kwargs):
        if isinstance(address, (str, bytes)):  # AF_UNIX socket paths are local
            return original_connect(self, address, *args, **kwargs)
        raise NetworkAccessError(f"network access attempted: {address!r}")

    def refuse_sendto(self, data, *args):  # sendto(data, address) / sendto(data, flags, address)
        address = args[-1] if args else None
        if isinstance(address, (str, bytes)):
            return original_sendto(self, data, *args)
        raise NetworkAccessError(f"network access attempted: {address!r}")

    def refuse_sendmsg(self, buffers, *args):  # an address as 4th argument: an unconnected send
        if len(args) >= 3 and not isinstance(args[2], (str, bytes)):
            raise NetworkAccessError(f"network access attempted: {args[2]!r}")
        return original_sendmsg(self, buffers, *args)

    def refuse_lookup(host, *args, **kwargs):  # a name lookup may itself go to the network
        if host in (None, "localhost", "127.0.0.1", "::1", b"localhost"):
            return original_getaddrinfo(host, *args, **kwargs)
        raise NetworkAccessError(f"name lookup attempted: {host!r}")

    original_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    original_connect = socket.socket.connect
    original_sendto = socket.socket.sendto
    original_sendmsg = socket.socket.sendmsg
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse_sendto)
    monkeypatch.setattr(socket.socket, "sendmsg", refuse_sendmsg)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a[0] if a else k.get("address")))


@pytest.fixture
def minimal_kb_path() -> Path:
    return KB_FIXTURES / "minimal.toml"


@pytest.fixture
def kb_file(tmp_path, minimal_kb_path):
    """A copy of the minimal fixture that the app uses (as with --kb) and may change.
    (tests/unit/test_two_windows.py and test_snapshots_views.py keep their own.)"""
    path = tmp_path / "kb" / "therapies.toml"
    path.parent.mkdir()
    shutil.copy(minimal_kb_path, path)
    return path


@pytest.fixture
def minimal_kb(minimal_kb_path):
    from consultui.kb.load import load_kb

    result = load_kb(minimal_kb_path)
    assert result.ok, [str(p) for p in result.problems]
    return result.kb


def pytest_collection_modifyitems(config, items):
    """Mark tests by folder, so `-m "not e2e"` or `-m "not ui"` selects a quick loop."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)
        elif "ui" in parts:
            item.add_marker(pytest.mark.ui)
