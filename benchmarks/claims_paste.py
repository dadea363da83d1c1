"""Pasting a large, claim-dense text into the Claims section.

    python benchmarks/claims_paste.py [--mb 1.0] [--share 0.6]

Runs the app headless (Textual's run_test, 120x40) with the bundled knowledge base,
puts a generated document (benchmarks/claims.py make_document; --share of its sentences
carry a red-flag claim) into the Claims editor as one paste, and measures:
- the check's own time (the same text through check_document, outside the app);
- paste to the findings listed (the list holds every finding and draws its first rows);
- the longest time the event loop was kept from running meanwhile (no frame drawn).
Target (issue 16): listed within the check's own time + 0.3 s; no stall over 100 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from claims import make_document  # noqa: E402
from stallmeter import StallMeter  # noqa: E402


def check_time(text: str) -> tuple[float, int]:
    from consultui.claims.checker import Checker, check_document
    from consultui.claims.extract import detect_kind
    from consultui.kb.load import bundled_kb_path, load_kb

    kb = load_kb(bundled_kb_path()).kb
    start = time.perf_counter()
    findings = check_document(text, detect_kind(None, text), Checker(kb.rules))
    return time.perf_counter() - start, len(findings)


async def paste(text: str) -> dict[str, float]:
    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp
    from consultui.ui.claims import ClaimsEditor, ClaimsSection, FindingsList

    app = ConsultApp(load_for_app(None))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        section = app.query_one(ClaimsSection)
        editor = app.query_one(ClaimsEditor)
        listing = app.query_one(FindingsList)
        meter = StallMeter()
        meter.start()
        start = time.perf_counter()
        editor.insert(text)  # one paste
        while not (section.checked_text == text and listing.item_count):
            await asyncio.sleep(0.005)
        listing.render_line(0)
        listed = time.perf_counter() - start
        await asyncio.sleep(0.3)
        longest_stall = await meter.stop()
        return {"paste to findings listed (s)": listed, "longest event-loop stall (s)": longest_stall,
                "findings listed": listing.item_count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--share", type=float, default=0.6)
    args = parser.parse_args()
    os.environ["CONSULTUI_HOME"] = tempfile.mkdtemp(prefix="consultui-bench-")  # never the real folders
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    text = make_document(int(args.mb * 1_000_000), claim_share=args.share)
    own, count = check_time(text)
    print(f"{len(text) / 1e6:.2f} MB, {count} findings; the check alone: {own:.2f} s")
    for name, value in asyncio.run(paste(text)).items():
        print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
