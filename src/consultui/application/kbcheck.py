"""Checking the editor's text in a separate process, so typing never waits for it. No Textual.

At 500 therapies the file is 6.6 MB and parsing plus validating it takes about 2 s. In a
thread, the compiled TOML parser holds the interpreter lock for long stretches, so every
key typed meanwhile waited (echo of 1.5-5 s). A child process checks instead: the editor
stays responsive, and a newer edit stops the check in progress by ending the child (a
parse cannot be interrupted any other way); the next check starts a fresh one. The child
is a plain subprocess with its own pipes: multiprocessing's spawn fails inside a Textual
app, whose stderr has no file descriptor.

Small texts are checked in the calling thread: a child would cost more than the check.
"""
from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from consultui.problems import Problem

IN_PROCESS_CHARS = 400_000  # below this (about 30 therapies) a check takes well under 0.1 s
POLL_SECONDS = 0.05
_HEADER = struct.Struct("!Q")


def _problems(text: str, name: str) -> list[Problem]:
    from consultui.kb.load import parse_kb

    return list(parse_kb(text.encode("utf-8"), name).problems)


def _write(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)  # not header + data: a second copy of a 6.6 MB text
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own child process, over our own pipe


CHUNK_CHARS = 1 << 20


def _write_text(stream: IO[bytes], text: str, name: str) -> None:
    """A request: (name, byte count) pickled, then the text as UTF-8. Plain ASCII (the
    usual knowledge base) goes in pieces, so no whole encoded copy is ever held (6.6 MB
    at 500 therapies, on every check)."""
    if text.isascii():
        _write(stream, (name, len(text)))
        for start in range(0, len(text), CHUNK_CHARS):
            stream.write(text[start:start + CHUNK_CHARS].encode("ascii"))
    else:
        data = text.encode("utf-8", errors="surrogatepass")
        _write(stream, (name, len(data)))
        stream.write(data)
    stream.flush()


def _read_text(stream: IO[bytes]) -> tuple[str, str]:
    name, size = _read(stream)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data.decode("utf-8", errors="surrogatepass"), name


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child: check each (text, name) received and send back its problems."""
    while True:
        try:
            text, name = _read_text(requests)
        except EOFError:
            return
        try:
            _write(answers, ("ok", _problems(text, name)))
        except Exception as exc:  # noqa: BLE001 - reported to the editor, never a crash of the child
            _write(answers, ("error", f"{type(exc).__name__}: {exc}"))


class Cancelled(Exception):
    """A newer edit asked for a newer check."""


class _Child:
    """A checking process (python -m consultui.application.kbcheck) and a thread that
    reads its answers into a queue (portable: no select() on pipes)."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        # Its own pipes for stdin/stdout; never the app's terminal (stderr discarded).
        self.process = subprocess.Popen(
            [sys.executable, "-m", "consultui.application.kbcheck"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )
        self.answers: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=self._read_answers, name="consultui-kb-check-answers", daemon=True).start()

    def _read_answers(self) -> None:
        assert self.process.stdout is not None
        while True:
            try:
                self.answers.put(_read(self.process.stdout))
            except (EOFError, OSError, ValueError):
                self.answers.put(None)  # the child ended
                return

    def send(self, text: str, name: str) -> None:
        assert self.process.stdin is not None
        _write_text(self.process.stdin, text, name)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        try:
            self.process.kill()
        except OSError:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass


class TextChecker:
    """Checks knowledge-base text, big texts in a child process that a cancel ends."""

    def __init__(self, in_process_chars: int = IN_PROCESS_CHARS) -> None:
        self.in_process_chars = in_process_chars
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self.children_started = 0  # for tests: a cancel ends a child, the next check starts one

    def check(self, text: str, name: str, cancelled: Callable[[], bool] = lambda: False) -> list[Problem]:
        """The problems of `text`; raises Cancelled when `cancelled()` turns true first."""
        if len(text) < self.in_process_chars:
            return _problems(text, name)
        with self._lock:  # one check at a time per child; a newer one waits for the cancel
            child = self._running_child()
            try:
                child.send(text, name)
            except OSError as exc:
                self._stop()
                raise RuntimeError(f"the checking process cannot be reached: {exc}") from None
            while True:
                if cancelled():
                    self._stop()  # the only way to stop a parse in progress
                    raise Cancelled
                try:
                    answer = child.answers.get(timeout=POLL_SECONDS)
                    break
                except queue.Empty:
                    continue
        if answer is None:
            self._stop()
            raise RuntimeError("the checking process ended unexpectedly")
        status, payload = answer
        if status != "ok":
            raise RuntimeError(payload)
        return payload

    def _running_child(self) -> _Child:
        if self._child is None or not self._child.alive():
            if self._child is not None:
                self._child.stop()
            self._child = _Child()
            self.children_started += 1
        return self._child

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.stop()

    def close(self) -> None:
        """End the child (the app is closing). Without the lock: a check in progress sees
        its child gone and ends (its result is no longer wanted)."""
        child = self._child
        if child is not None:
            try:
                child.process.kill()
            except OSError:
                pass


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
