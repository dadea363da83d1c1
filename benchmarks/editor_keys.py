"""Key echo in the Knowledge base editor, and its first visit, at 500 therapies.

    python benchmarks/editor_keys.py [--therapies 500] [--keys 40]

Generates a knowledge base (benchmarks/gen_kb.py), runs the app headless (Textual's
run_test, 120x40) on it, opens the Knowledge base section (F5) and measures:
- first visit: F5 until the editor holds the file, and until its first check is shown;
- echo: for each typed key, from posting the key to the editor having it in its text
  and its line rendered, typed at about 8 keys a second with pauses that let validation
  start (so keys land while a check runs);
- the longest time the event loop was kept from running while typing (no frame can be
  drawn meanwhile);
- peak resident memory of the process (ru_maxrss).
Target (issue 16): every key under 100 ms; memory under 150 MB at 500 therapies.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from stallmeter import StallMeter  # noqa: E402


async def measure(path: Path, keys: int) -> dict[str, float | list[float]]:
    from textual import events

    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp

    app = ConsultApp(load_for_app(path))
    out: dict[str, float | list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        section = app.section("knowledge")
        start = time.perf_counter()
        await pilot.press("f5")
        while not section.opened or section.editor.document.line_count < 10:
            await asyncio.sleep(0.005)
        out["first visit: text in the editor (s)"] = time.perf_counter() - start
        while section.validated_text is None:
            await asyncio.sleep(0.01)
        out["first visit: first check shown (s)"] = time.perf_counter() - start
        editor = section.editor
        editor.focus()
        editor.move_cursor((3, 0))
        await pilot.pause()
        echoes: list[float] = []
        meter = StallMeter()
        meter.start()
        for n in range(keys):
            row, column = editor.cursor_location
            before = editor.document.get_line(row)
            sent = time.perf_counter()
            editor.post_message(events.Key("x", "x"))
            while editor.document.get_line(row) == before:
                await asyncio.sleep(0.0005)
            # handled; then drawn: the screen's next refresh renders the changed line
            editor.render_line(editor.cursor_location[0] - int(editor.scroll_y))
            echoes.append(time.perf_counter() - sent)
            # about 8 keys a second, with a pause every 8 keys: the check starts meanwhile
            await asyncio.sleep(0.6 if n % 8 == 7 else 0.12)
        longest_stall = await meter.stop()
        out["echo (s)"] = echoes
        out["longest event-loop stall while typing (s)"] = longest_stall
    out["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapies", type=int, default=500)
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="consultui-bench-")
    os.environ["CONSULTUI_HOME"] = str(Path(folder) / "home")  # never the real user folders
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    # Generated in a child process, so its memory is not counted as the app's.
    subprocess.run([sys.executable, str(HERE / "gen_kb.py"), folder, "--sizes", str(args.therapies)],
                   check=True, stdout=subprocess.DEVNULL)
    path = Path(folder) / f"therapies-{args.therapies}.toml"
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    result = asyncio.run(measure(path, args.keys))
    echoes = result.pop("echo (s)")
    assert isinstance(echoes, list)
    for name, value in result.items():
        print(f"{name}: {value:.2f}")
    print(f"echo over {len(echoes)} keys: median {statistics.median(echoes) * 1000:.0f} ms, "
          f"max {max(echoes) * 1000:.0f} ms, over 100 ms: {sum(e > 0.1 for e in echoes)}")


if __name__ == "__main__":
    main()
