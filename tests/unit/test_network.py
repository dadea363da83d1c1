"""consultui never touches the network, and the tests make sure of it.

- The autouse `no_network` fixture in conftest.py really blocks: connect,
  connect_ex, create_connection (so http.client and urllib), and unconnected UDP
  sendto/sendmsg raise its NetworkAccessError before anything is sent. (Name lookups,
  socket.getaddrinfo, are not blocked: they go to the system resolver.)
  (The addresses below are never reached: the fixture refuses before connecting.)
- No module of the package or the benchmarks imports a networking library.
"""
from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

import conftest

ROOT = Path(__file__).resolve().parents[2]
NETWORK_MODULES = {"socket", "urllib", "urllib.request", "urllib3", "http", "http.client",
                   "requests", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib", "ssl",
                   "websockets", "xmlrpc", "socketserver", "asyncio.streams"}


def test_create_connection_is_refused():
    with pytest.raises(conftest.NetworkAccessError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)


def test_raw_socket_connect_is_refused():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(conftest.NetworkAccessError):
            sock.connect(("10.0.0.1", 80))
        with pytest.raises(conftest.NetworkAccessError):
            sock.connect_ex(("10.0.0.1", 80))
    finally:
        sock.close()


def test_ipv6_and_udp_connect_are_refused():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support in this Python")
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        with pytest.raises(conftest.NetworkAccessError):
            sock.connect(("::1", 9))
    finally:
        sock.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(conftest.NetworkAccessError):
            udp.connect(("10.0.0.1", 53))
    finally:
        udp.close()


def test_unconnected_udp_sends_are_refused():
    """sendto/sendmsg with an address reach the network without connect()."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(conftest.NetworkAccessError):
            udp.sendto(b"x", ("10.0.0.1", 9))
        with pytest.raises(conftest.NetworkAccessError):
            udp.sendto(b"x", 0, ("10.0.0.1", 9))
        if hasattr(udp, "sendmsg"):
            with pytest.raises(conftest.NetworkAccessError):
                udp.sendmsg([b"x"], [], 0, ("10.0.0.1", 9))
    finally:
        udp.close()


def test_create_connection_with_keyword_address_is_refused():
    with pytest.raises(conftest.NetworkAccessError):
        socket.create_connection(address=("127.0.0.1", 9))


def test_urllib_is_refused_too():
    """http.client looks socket.create_connection up at call time: the fixture catches it."""
    import urllib.request

    with pytest.raises(conftest.NetworkAccessError):
        urllib.request.urlopen("http://10.0.0.1/", timeout=0.1)


def test_local_unix_sockets_still_work(tmp_path):
    """Unix-domain sockets are local: the fixture lets them through."""
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no AF_UNIX sockets")
    a, b = socket.socketpair()
    try:
        a.sendall(b"ok")
        assert b.recv(2) == b"ok"
    finally:
        a.close()
        b.close()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in (
                "__import__", "import_module") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def _sources() -> list[Path]:
    files = sorted((ROOT / "src" / "consultui").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    assert len(files) > 10
    return files


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_networking_imports(path):
    bad = {name for name in _imports(path)
           if name in NETWORK_MODULES or name.split(".")[0] in {"requests", "httpx", "aiohttp", "urllib3"}}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_import_scan_would_notice(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import socket\nfrom urllib import request\nfrom http.client import HTTPConnection\n"
                      "import requests\n", "utf-8")
    names = _imports(sample)
    assert {"socket", "urllib.request", "http.client", "requests"} <= names


def test_name_lookups_are_refused():
    import socket

    import pytest as _pytest

    from conftest import NetworkAccessError

    with _pytest.raises(NetworkAccessError):
        socket.getaddrinfo("example.org", 443)
