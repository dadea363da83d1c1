"""Start-up time: process start to the first screen (Textual's Ready event).

consultui against a minimal Textual app with the same kinds of widgets (header,
tabs, a wrapped data table, a detail panel, footer), both in a real pseudo-terminal,
median of several runs. Target: consultui within 1.5 times the minimal app.

    python benchmarks/startup.py [--runs 9] [--kb PATH] [--cold] [--paint]

--cold: every consultui start has an empty user cache folder, so the knowledge base is
validated again (its claim patterns checked) as on the first start after an install or
after the file was edited; the default measures the usual start, from the cache.
--paint: also the time until the table's text reaches the terminal (a therapy's short
name for consultui, a cell for the minimal app): Ready can come before a widget has
drawn what it fills on its first resize. The apps then exit half a second after Ready.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

MARKER = b"@@READY@@"

CONSULTUI = r"""
import os, sys
from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app

class Bench(ConsultApp):
    def on_ready(self):
        os.write(int(os.environ["BENCH_READY_FD"]), b"@@READY@@")
        self.exit()

Bench(load_for_app(sys.argv[1] if len(sys.argv) > 1 else None)).run()
"""

MINIMAL = r"""
import os
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

class Minimal(App):
    def compose(self):
        yield Header()
        with TabbedContent():
            with TabPane("Compare"):
                table = DataTable()
                for n in range(5):
                    table.add_column(f"T{n}", width=14)
                for r in range(15):
                    table.add_row(*[f"cell {r} {c} with some words that wrap" for c in range(5)], height=None)
                yield table
                with VerticalScroll():
                    yield Static("detail")
            for name in ("Screening", "Claims", "Knowledge base"):
                with TabPane(name):
                    yield Static(name)
        yield Footer()

    def on_ready(self):
        os.write(int(os.environ["BENCH_READY_FD"]), b"@@READY@@")
        self.exit()

Minimal().run()
"""


PAINT_EXIT = "self.set_timer(0.5, self.exit)"  # --paint: time for the next frames to arrive


def time_once(code: str, args: list[str], size=(100, 30), needle: bytes | None = None) -> float:
    """Seconds from spawning the process to its Ready marker, or with `needle` to the
    first appearance of that text in what the app writes to the terminal."""
    if needle is not None:
        code = code.replace("self.exit()", PAINT_EXIT)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    ready_r, ready_w = os.pipe()
    env = dict(os.environ, TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", BENCH_READY_FD=str(ready_w))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdin=slave, stdout=slave, stderr=slave,
        pass_fds=(ready_w,), env=env, start_new_session=True,
    )
    os.close(slave)
    os.close(ready_w)
    got = b""
    screen = b""
    elapsed = None
    deadline = start + 60
    while time.perf_counter() < deadline:
        readable, _, _ = select.select([ready_r, master], [], [], 0.5)
        if ready_r in readable and needle is None:
            got += os.read(ready_r, 64)
            if MARKER in got:
                elapsed = time.perf_counter() - start
                break
        if master in readable:
            try:
                data = os.read(master, 65536)  # drain the screen output like a terminal would
            except OSError:
                break
            if needle is not None:
                screen += data
                if needle in screen:
                    elapsed = time.perf_counter() - start
                    break
    # keep draining until the process exits so it never blocks on a full pty
    while proc.poll() is None:
        readable, _, _ = select.select([master], [], [], 0.2)
        if master in readable:
            try:
                os.read(master, 65536)
            except OSError:
                break
    proc.wait(timeout=30)
    os.close(master)
    os.close(ready_r)
    if elapsed is None:
        raise RuntimeError("the app never reached its first screen" if needle is None
                           else f"{needle!r} never reached the terminal")
    return elapsed


def therapy_name(kb: str | None) -> bytes:
    """A therapy's short name as the Compare table's header shows it (the second one:
    the first may also be a word elsewhere on screen)."""
    from consultui.kb.load import load_for_app

    shorts = [t.short for t in load_for_app(kb).kb.therapies]
    return (shorts[1] if len(shorts) > 1 else shorts[0]).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--kb", help="knowledge base for consultui (default: the usual resolution)")
    parser.add_argument("--cold", action="store_true",
                        help="an empty cache for every start: the knowledge base is validated each time")
    parser.add_argument("--paint", action="store_true",
                        help="also time until the table's text is in the terminal, not only Ready")
    args = parser.parse_args()
    # Never the real user folders: a clean, private home for every run.
    os.environ["CONSULTUI_HOME"] = tempfile.mkdtemp(prefix="consultui-bench-")
    kb_args = [args.kb] if args.kb else []
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set, so consultui's modules are compiled from source at every "
              "start (an installed consultui has them compiled)")
    time_once(MINIMAL, [])  # warm the file cache
    time_once(CONSULTUI, kb_args)
    app_times, minimal_times = [], []
    for _ in range(args.runs):
        minimal_times.append(time_once(MINIMAL, []))
        if args.cold:
            os.environ["CONSULTUI_HOME"] = tempfile.mkdtemp(prefix="consultui-bench-")
        app_times.append(time_once(CONSULTUI, kb_args))
    if args.paint:
        name = therapy_name(args.kb)
        app_paint, minimal_paint = [], []
        for _ in range(args.runs):
            minimal_paint.append(time_once(MINIMAL, [], needle=b"cell 0 0"))
            if args.cold:
                os.environ["CONSULTUI_HOME"] = tempfile.mkdtemp(prefix="consultui-bench-")
            app_paint.append(time_once(CONSULTUI, kb_args, needle=name))
    app_median = statistics.median(app_times)
    minimal_median = statistics.median(minimal_times)
    ratio = app_median / minimal_median
    print(f"minimal Textual app: median {minimal_median * 1000:.0f} ms over {args.runs} runs")
    print(f"consultui:           median {app_median * 1000:.0f} ms over {args.runs} runs"
          + (" (cold: validated at every start)" if args.cold else ""))
    print(f"ratio: {ratio:.2f} (target <= 1.5) {'OK' if ratio <= 1.5 else 'OVER TARGET'}")
    if args.paint:
        paint_ratio = statistics.median(app_paint) / statistics.median(minimal_paint)
        print(f"table text in the terminal: minimal {statistics.median(minimal_paint) * 1000:.0f} ms, consultui "
              f"{statistics.median(app_paint) * 1000:.0f} ms ({name.decode()}), ratio {paint_ratio:.2f} "
              f"{'OK' if paint_ratio <= 1.5 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
