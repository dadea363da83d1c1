"""Hostile inputs: what validating a file made to be expensive costs (issue 11, item 8).

    python benchmarks/hostile.py [--src PATH] [--keys 1000000] [--string-mb 15]

Each case runs in a fresh Python process (so its peak resident memory is its own) on
the sources in --src (default: this checkout's src/; point it at an older checkout's
src/ to compare before and after), and prints seconds and peak MB:
- unknown-keys: a copy of tests/fixtures/kb/minimal.toml with --keys unknown keys in
  [meta] (1,000,000 keys: about 17 MB): parse_kb, i.e. parse, validate, place problems;
- huge-string: the same fixture with a --string-mb MB string under an unknown key:
  parse_kb (the key-position scan walks the string);
- positions: the key-position scan alone on that file.
Not a test: figures depend on the machine. Linux (peak from ru_maxrss).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "tests" / "fixtures" / "kb" / "minimal.toml"

CHILD = r"""
import json, resource, sys, time
case, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
start = time.perf_counter()
if case == "positions":
    from consultui.kb.positions import key_positions
    count = len(key_positions(data.decode("utf-8")))
    detail = f"{count} positions"
else:
    from consultui.kb.load import parse_kb
    result = parse_kb(data, path)
    detail = f"{len(result.problems)} problems listed"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "detail": detail}))
"""


def make_unknown_keys(folder: Path, keys: int) -> Path:
    text = FIXTURE.read_text(encoding="utf-8")
    extra = "".join(f"unknown{n} = 1\n" for n in range(keys))
    path = folder / "unknown-keys.toml"
    path.write_text(text.replace("[meta]\n", "[meta]\n" + extra, 1), encoding="utf-8")
    return path


def make_huge_string(folder: Path, megabytes: int) -> Path:
    text = FIXTURE.read_text(encoding="utf-8")
    path = folder / "huge-string.toml"
    value = "a" * (megabytes * 1024 * 1024)
    path.write_text(text.replace("[meta]\n", f'[meta]\nnote = "{value}"\n', 1), encoding="utf-8")
    return path


def run(case: str, path: Path, src: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, "-c", CHILD, case, str(path)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src")
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--string-mb", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keys = make_unknown_keys(folder, args.keys)
        string = make_huge_string(folder, args.string_mb)
        cases = [("unknown-keys", "parse", keys), ("huge-string", "parse", string), ("positions", "positions", string)]
        print(f"sources: {args.src}")
        for name, case, path in cases:
            size = path.stat().st_size / 1_048_576
            figures = run(case, path, args.src)
            if "error" in figures:
                print(f"{name:14} {size:6.1f} MB  error: {figures['error']}")
            else:
                print(f"{name:14} {size:6.1f} MB  {figures['seconds']:8.2f} s  peak {figures['peak_mb']:7.0f} MB  "
                      f"({figures['detail']})")


if __name__ == "__main__":
    main()
