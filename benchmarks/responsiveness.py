"""Responsiveness: key to screen in Compare and Screening, with the bundled file and
with 500 therapies (benchmarks/gen_kb.py), and the peak memory of each run.

    python benchmarks/responsiveness.py [--sizes 500] [--rounds 5]

Each size runs in a fresh process (so peak memory is its own): the app runs headless
(App.run_test) at 120x40, and each key is timed from the press until the app is idle
again with the screen refreshed (Pilot.press waits for that), median and worst of
--rounds presses. Keys: Compare right / down (the detail panel follows), ] (next tab,
filled on first show), p (re-wrap every cell in the other wording), / then "hair"
(the find filter, per typed key); Screening y / n (an answer: every verdict again).
Target: every key under 100 ms, peak memory under 150 MB at 500 therapies. The CPU
column (time.process_time during the press) is less disturbed by other processes than
the wall-clock figures when the machine is busy.
A headless run has no terminal to write to, so a real terminal adds its own drawing
time; this measures the app's share.
"""
from __future__ import annotations

import argparse
import asyncio
import json
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

TARGET_MS = 100.0
TARGET_MB = 150.0


async def _measure(kb_path: str | None, rounds: int) -> dict:
    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp

    app = ConsultApp(load_for_app(kb_path))
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    async with app.run_test(size=(120, 40)) as pilot:
        async def press(label: str, *keys: str) -> None:
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press(*keys)
            times.setdefault(label, []).append((time.perf_counter() - start) * 1000 / len(keys))
            cpu.setdefault(label, []).append((time.process_time() - start_cpu) * 1000 / len(keys))

        for _ in range(20):  # the hidden sections mount after the first frame
            await pilot.pause()
        for _ in range(rounds):
            await press("baseline (unbound key)", "f12")
        for _ in range(rounds):
            await press("compare right", "right")
            await press("compare down", "down")
        for _ in range(rounds):
            await press("compare ] (next tab)", "right_square_bracket")
        for _ in range(rounds):
            await press("compare p (wording)", "p")
        await press("compare / (open find)", "slash")
        for _ in range(max(rounds // 5, 1)):
            await press("compare find, per key", "h", "a", "i", "r")
            await press("compare find, per key", *["backspace"] * 4)
        await pilot.press("escape")
        await press("screening F3 (first visit)", "f3")
        for _ in range(20):
            await pilot.pause()
        for n in range(rounds):
            await press("screening answer", "y" if n % 2 else "n")
            await pilot.press("down")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {"times": times, "cpu": cpu, "peak_mb": peak}


def child(kb_path: str | None, rounds: int) -> None:
    result = asyncio.run(_measure(kb_path, rounds))
    print(json.dumps(result))


def run(kb_path: str | None, rounds: int, home: str) -> dict:
    env = dict(os.environ, CONSULTUI_HOME=home, TEXTUAL_ANIMATIONS="none")
    out = subprocess.run([sys.executable, __file__, "--child", kb_path or "", "--rounds", str(rounds)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child or None, args.rounds)
        return 0
    from gen_kb import write_kb

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, str | None]] = [("bundled", None)]
        cases += [(f"{n} therapies", str(write_kb(tmp, n))) for n in args.sizes]
        for label, path in cases:
            result = run(path, args.rounds, os.path.join(tmp, f"home-{label.split()[0]}"))
            print(f"\n{label}: peak memory {result['peak_mb']:.0f} MB")
            ok &= result["peak_mb"] < TARGET_MB or label == "bundled"
            base = statistics.median(result["times"].get("baseline (unbound key)", [0.0]))
            print(f"  (an unbound key takes {base:.0f} ms here: Pilot's own waiting; 'net' subtracts it;"
                  " cpu is the process's own CPU time, steadier on a busy machine)")
            for key, values in result["times"].items():
                worst = max(values) - (0.0 if key.startswith("baseline") else base)
                ok &= worst < TARGET_MS
                flag = "" if worst < TARGET_MS else "  OVER"
                cpu = statistics.median(result["cpu"][key])
                print(f"  {key:<28} median {statistics.median(values):6.1f} ms   worst {max(values):6.1f} ms"
                      f"   net worst {worst:6.1f} ms   cpu median {cpu:6.1f} ms{flag}")
    print("\nall keys under 100 ms and memory under 150 MB" if ok else "\nsome targets missed (marked OVER)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
