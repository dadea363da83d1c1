"""Scale: how consultui copes with big knowledge bases.

    python benchmarks/scale.py [--sizes 10 100 500] [--runs 5] [--profile]

Generates knowledge bases of N therapies (benchmarks/gen_kb.py: 10 x N rules,
20 x N cells) into a temporary folder and measures, for each and for the bundled file:
- load + validate: in-process parse and validation of the file's bytes (never the
  cache of validated files, kbcache), median of --runs, warm (claim patterns already
  parsed by an earlier run: an lru_cache) and cold (those caches cleared);
- start-up: process start to Textual's Ready event in a real pseudo-terminal
  (benchmarks/startup.py), median of --runs, as a user starts it (a large unchanged file
  comes from the cache of validated files) and on a first run (that cache emptied before
  each run); and to the first frame after the Compare table is filled;
- claims: a fresh Checker over the file's rules, and one check of a 100 KB text
  (benchmarks/claims.py make_document), medians of --runs;
- peak resident memory of the running app: the child reads VmHWM from
  /proc/self/status on Ready (Linux only).
Targets: 500 therapies load + validate < 1 s; start-up within 2x the bundled file's;
roughly linear growth; peak RSS < 120 MB (bundled) and < 400 MB (500 therapies).
With --profile (or when a target is missed) the slow steps are profiled with cProfile
and the top functions are printed (file:function).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from claims import make_document  # noqa: E402
from gen_kb import write_kb  # noqa: E402
from startup import CONSULTUI, time_once  # noqa: E402

from consultui.claims.checker import Checker  # noqa: E402
from consultui import paths  # noqa: E402
from consultui.kb.load import bundled_kb_path, load_kb, parse_kb, read_bytes  # noqa: E402
from consultui.kb.patterns import _compile, _parse_checked  # noqa: E402

# The start-up program of startup.py, reporting its peak memory before the Ready marker.
MEMORY = r"""
import os, sys
from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app

def peak_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return line.split()[1]
    return "-1"

class Bench(ConsultApp):
    def on_ready(self):
        with open(os.environ["BENCH_MEMORY_FILE"], "w") as f:
            f.write(peak_kb())
        os.write(int(os.environ["BENCH_READY_FD"]), b"@@READY@@")
        self.exit()

Bench(load_for_app(sys.argv[1] if len(sys.argv) > 1 else None)).run()
"""

# Ready comes before the Compare table is filled for the terminal's width (the table is
# built on the first resize). This one waits for the visible table and the frame after it.
FILLED = r"""
import os, sys
from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app
from consultui.ui.compare import ComparePane

class Bench(ConsultApp):
    _signalled = False

    def on_ready(self):
        self.set_interval(0.005, self._check)

    def _check(self):
        # The visible tab's table; the others are filled when first shown.
        table = self.query_one(ComparePane).active_table()
        if not self._signalled and table is not None and table.row_count and len(table.columns) > 1:
            self._signalled = True
            self.call_after_refresh(self._done)

    def _done(self):
        os.write(int(os.environ["BENCH_READY_FD"]), b"@@READY@@")
        self.exit()

Bench(load_for_app(sys.argv[1] if len(sys.argv) > 1 else None)).run()
"""

# FILLED under cProfile, writing the statistics to BENCH_PROFILE_FILE.
PROFILED = "import cProfile\nprofile = cProfile.Profile()\nprofile.enable()\n" + FILLED.replace(
    "    def _done(self):\n",
    "    def _done(self):\n        profile.disable()\n        profile.dump_stats(os.environ['BENCH_PROFILE_FILE'])\n",
)
assert "dump_stats" in PROFILED


CLAIMS_TEXT_BYTES = 100_000
TARGET_LOAD_500 = 1.0
TARGET_STARTUP_RATIO = 2.0
TARGET_RSS_BUNDLED_MB = 120
TARGET_RSS_500_MB = 400


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_rss_mb(path: Path, workdir: Path) -> float:
    out = workdir / "vmhwm.txt"
    os.environ["BENCH_MEMORY_FILE"] = str(out)
    time_once(MEMORY, [str(path)])
    return int(out.read_text().strip()) / 1024


def measure(label: str, path: Path, runs: int, document: str, workdir: Path) -> dict:
    result = load_kb(path)
    if not result.ok:
        raise SystemExit(f"{path} is not valid: {result.problems[0]}")
    kb = result.kb
    row = {
        "label": label,
        "path": path,
        "therapies": len(kb.therapies),
        "rules": len(kb.rules),
        "cells": sum(len(by_row) for tab in kb.tabs for by_row in tab.cells.values()),
        "kb_kb": path.stat().st_size / 1024,
    }
    row["load"] = median_time(lambda: parse_kb(read_bytes(path), str(path)), runs)
    # Cold: as in a new process, with the claim-pattern caches empty.
    row["load_cold"] = median_time(
        lambda: (_compile.cache_clear(), _parse_checked.cache_clear(), parse_kb(read_bytes(path), str(path))), runs)
    row["checker"] = median_time(lambda: Checker(kb.rules), runs)
    checker = Checker(kb.rules)
    checker.check(document)  # compile the regexes the text reaches once
    row["check"] = median_time(lambda: checker.check(document), runs)
    row["check_fresh"] = median_time(lambda: Checker(kb.rules).check(document), runs)
    time_once(CONSULTUI, [str(path)])  # warm the file cache
    row["startup"] = statistics.median(time_once(CONSULTUI, [str(path)]) for _ in range(runs))
    row["startup_first"] = statistics.median(
        (shutil.rmtree(paths.user_cache_dir(), ignore_errors=True), time_once(CONSULTUI, [str(path)]))[1] for _ in range(runs))
    row["filled"] = statistics.median(time_once(FILLED, [str(path)]) for _ in range(runs))
    row["rss"] = peak_rss_mb(path, workdir) if Path("/proc/self/status").exists() else float("nan")
    return row


def print_table(rows: list[dict]) -> None:
    header = (f"{'knowledge base':<16} {'therap.':>7} {'rules':>6} {'cells':>6} {'size KB':>8} "
              f"{'load+val ms':>11} {'cold ms':>8} {'start-up ms':>11} {'+table ms':>9} {'checker ms':>10} {'check 100KB ms':>14} "
              f"{'fresh+check ms':>14} {'peak RSS MB':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['label']:<16} {r['therapies']:>7} {r['rules']:>6} {r['cells']:>6} {r['kb_kb']:>8.0f} "
              f"{r['load'] * 1000:>11.1f} {r['load_cold'] * 1000:>8.1f} {r['startup'] * 1000:>11.0f} {r['filled'] * 1000:>9.0f} {r['checker'] * 1000:>10.1f} "
              f"{r['check'] * 1000:>14.1f} {r['check_fresh'] * 1000:>14.1f} {r['rss']:>11.1f}")


def check_targets(rows: list[dict]) -> list[str]:
    """Print each target with OK / MISSED; return the missed ones."""
    bundled = next(r for r in rows if r["label"] == "bundled")
    by_n = {r["therapies"]: r for r in rows if r["label"] != "bundled"}
    missed = []

    def report(ok: bool, text: str) -> None:
        print(f"  [{'OK' if ok else 'MISSED'}] {text}")
        if not ok:
            missed.append(text)

    print("\nTargets")
    if 500 in by_n:
        r = by_n[500]
        report(r["load"] < TARGET_LOAD_500, f"500 therapies load + validate < {TARGET_LOAD_500:.0f} s (warm, median): {r['load'] * 1000:.0f} ms")
        report(r["load_cold"] < TARGET_LOAD_500, f"500 therapies load + validate < {TARGET_LOAD_500:.0f} s (cold pattern cache, as at start-up): {r['load_cold'] * 1000:.0f} ms")
        report(r["rss"] < TARGET_RSS_500_MB, f"peak RSS with 500 therapies < {TARGET_RSS_500_MB} MB: {r['rss']:.0f} MB")
    for n, r in sorted(by_n.items()):
        ratio = r["startup"] / bundled["startup"]
        report(ratio <= TARGET_STARTUP_RATIO,
               f"start-up (to Ready) with {n} therapies within {TARGET_STARTUP_RATIO:.0f}x the bundled file's: {ratio:.2f}x")
        ratio = r["startup_first"] / bundled["startup"]
        print(f"  [info] first start after the file changed (nothing cached) with {n} therapies: "
              f"{r['startup_first'] * 1000:.0f} ms, {ratio:.2f}x the bundled file's")
        ratio = r["filled"] / bundled["filled"]
        report(ratio <= TARGET_STARTUP_RATIO,
               f"start-up (to the filled Compare table) with {n} therapies within {TARGET_STARTUP_RATIO:.0f}x the bundled file's: {ratio:.2f}x")
    report(bundled["rss"] < TARGET_RSS_BUNDLED_MB, f"peak RSS with the bundled file < {TARGET_RSS_BUNDLED_MB} MB: {bundled['rss']:.0f} MB")
    sizes = sorted(by_n)
    print("\nGrowth (x = how much the measure grows when the therapies grow by the factor shown)")
    for a, b in zip(sizes, sizes[1:], strict=False):
        factor = b / a
        ra, rb = by_n[a], by_n[b]
        parts = []
        for key, name in (("load", "load"), ("startup", "start-up"), ("filled", "to filled table"), ("checker", "checker build"),
                          ("check", "check"), ("rss", "RSS")):
            if ra[key] > 0:
                parts.append(f"{name} x{rb[key] / ra[key]:.1f}")
        # Linear: at most the size factor (plus noise); start-up and RSS have a fixed base.
        linear = rb["load"] / ra["load"] <= factor * 1.5
        report(linear, f"{a} -> {b} therapies (x{factor:.0f}): " + ", ".join(parts))
    return missed


def profile_load(path: Path, top: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    load_kb(path)
    profile.disable()
    print(f"\ncProfile: load_kb({path.name}), top {top} by cumulative time")
    print_stats(pstats.Stats(profile), top)


def profile_startup(path: Path, workdir: Path, top: int) -> None:
    out = workdir / "startup.prof"
    os.environ["BENCH_PROFILE_FILE"] = str(out)
    time_once(PROFILED, [str(path)])
    print(f"\ncProfile: app start-up to the filled Compare table with {path.name}, top {top} by own time (tottime)")
    print_stats(pstats.Stats(str(out)), top, sort="tottime")
    print(f"\ncProfile: app start-up to the filled Compare table with {path.name}, top {top} consultui functions by cumulative time")
    print_stats(pstats.Stats(str(out)), top, sort="cumulative", only="/consultui/")


def print_stats(stats: pstats.Stats, top: int, sort: str = "cumulative", only: str | None = None) -> None:
    """The top lines of a profile, paths shortened to package/file.py:line(function)."""
    buffer = io.StringIO()
    stats.stream = buffer
    stats.sort_stats(sort)
    if only:
        stats.print_stats(only, top)
    else:
        stats.print_stats(top)
    lines = buffer.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    prefixes = sorted({p for p in sys.path if p}, key=len, reverse=True)
    for line in lines[start:start + top + 1]:
        for prefix in prefixes:
            line = line.replace(prefix.rstrip("/") + "/", "")
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="always profile the largest file")
    parser.add_argument("--top", type=int, default=15, help="functions shown per profile")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="consultui-scale-") as tmp:
        workdir = Path(tmp)
        # Keep the children away from the user's data folder (autosave, own copy).
        os.environ["CONSULTUI_HOME"] = str(workdir / "home")
        os.environ.pop("CONSULTUI_KB", None)
        # The children import this checkout's consultui, installed or not.
        src = str(HERE.parent / "src")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
        document = make_document(CLAIMS_TEXT_BYTES)
        rows = [measure("bundled", bundled_kb_path(), args.runs, document, workdir)]
        for n in args.sizes:
            path = write_kb(workdir / "kbs", n)
            rows.append(measure(f"generated-{n}", path, args.runs, document, workdir))
        print(f"\n{args.runs} runs each (medians); claims text {len(document) / 1000:.0f} KB; Python {sys.version.split()[0]}\n")
        print_table(rows)
        missed = check_targets(rows)
        if missed or args.profile:
            largest = rows[-1]["path"]
            profile_load(largest, args.top)
            profile_startup(largest, workdir, args.top)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
