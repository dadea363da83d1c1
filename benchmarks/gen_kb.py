"""Generate large, valid knowledge bases for the scale benchmark.

    python benchmarks/gen_kb.py OUTDIR [--sizes 10 100 500] [--seed 0]

For N therapies the file has:
- N therapies (name, short, summary, plain wording),
- 4 comparison tabs x 5 rows = 20 rows, every therapy filled: 20 x N cells,
- 10 x N claim rules (valid patterns: words, alternatives, `word*`, gaps, numbers),
  spread over the 12 fixed categories,
- N screening questions in N/5 groups and 2 x N contraindications,
- max(12, 2 x N) references.
Texts have the length of the bundled file's texts, so bytes grow like a real file.
Writes OUTDIR/therapies-N.toml and prints the paths. No consultui import is needed
to generate; the files are checked with `consultui kb validate`.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import tomli_w

CATEGORY_IDS = (
    "guaranteed-outcome", "permanence", "absolute-efficacy", "surgery-equivalence",
    "universality", "trivialising", "safety-absolute", "regulatory-status",
    "unsupported-superiority", "miracle-cure", "urgency-inducement", "testimonial-proof",
)
GRADES = ("high", "moderate", "low", "very-low", "expert-opinion")
LEVELS = ("absolute", "relative", "caution")
SEVERITIES = ("high", "medium", "low")
REFERENCE_KINDS = ("guideline", "rct", "review", "meta-analysis", "regulation")
TABS = ("overview", "evidence", "safety", "practical")
ROWS_PER_TAB = 5

_WORDS = (
    "skin hair collagen glow serum vial session clinic patient result treatment facial "
    "needle blood plasma platelet growth factor cell donor cream redness swelling scar "
    "acne texture tone wrinkle line volume lift firm smooth bright radiant youthful fresh "
    "renew repair restore boost support calm soothe protect nourish hydrate balance study "
    "trial evidence small sample follow weeks months dose protocol injection topical"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def _text(rng: random.Random, sentences: int, words: tuple[int, int] = (8, 16)) -> str:
    return " ".join(_sentence(rng, rng.randint(*words)) for _ in range(sentences))


def _pattern(i: int, rng: random.Random) -> tuple[list[str], str]:
    """Patterns of rule i and an example text that matches them."""
    a, b, c = f"zq{i}a", rng.choice(_WORDS), f"zq{i}c"
    shape = i % 4
    if shape == 0:
        return [f"{a} {b}"], f"Our {a} {b} works."
    if shape == 1:
        return [f"({a}|{c}) ...2 {b}*"], f"The {c} really {b} today."
    if shape == 2:
        return [f"{a}* {b}? {c}", f"# times {c}"], f"Ten times {c} than before."
    return [f"{a} ...3 ({b}|{c} more)"], f"Every {a} gives {b}."


def generate(n: int, seed: int = 0) -> dict:
    """The document (a dict ready for tomli_w) of a knowledge base with n therapies."""
    if n < 1:
        raise ValueError("at least one therapy")
    rng = random.Random(seed * 1_000_003 + n)
    n_refs = max(12, 2 * n)
    refs = [f"REF-{k:04d}" for k in range(n_refs)]
    therapies = [f"t{k:04d}" for k in range(n)]
    questions = [f"q{k:04d}" for k in range(n)]

    doc: dict = {
        "schema_version": 1,
        "meta": {
            "title": f"Generated knowledge base ({n} therapies)",
            "version": f"gen-{n}-{seed}",
            "reviewed": __import__("datetime").date(2026, 1, 2),
            "disclaimer": "Generated for benchmarks. " + _text(rng, 2),
        },
        "therapy": [
            {
                "id": tid,
                "name": f"Therapy {k} " + rng.choice(_WORDS),
                "short": f"T{k}",
                "summary": _text(rng, 2),
                "plain": _text(rng, 1),
            }
            for k, tid in enumerate(therapies)
        ],
        "tab": [],
        "question": [
            {
                "id": qid,
                "group": f"Group {k // 5}",
                "text": f"Question {k}: " + _sentence(rng, 8)[:-1] + "?",
                "help": _text(rng, 1),
            }
            for k, qid in enumerate(questions)
        ],
        "contraindication": [],
        "category": [
            {"id": cid, "label": cid.replace("-", " ").capitalize(), "description": _text(rng, 1),
             "refs": [refs[k % n_refs]]}
            for k, cid in enumerate(CATEGORY_IDS)
        ],
        "rule": [],
        "reference": [
            {"id": rid, "citation": f"Author {k}. " + _text(rng, 1, (5, 9)) + f" Journal {2000 + k % 26}.",
             "year": 2000 + k % 26, "kind": REFERENCE_KINDS[k % len(REFERENCE_KINDS)],
             "url": f"https://example.org/ref/{k}"}
            for k, rid in enumerate(refs)
        ],
    }
    for tab_id in TABS:
        rows = [{"id": f"{tab_id}-r{r}", "label": f"{tab_id.capitalize()} {r}",
                 "plain_label": f"About {tab_id} {r}?"} for r in range(ROWS_PER_TAB)]
        cells = {
            tid: {
                row["id"]: {
                    "text": _text(rng, 2),
                    "plain": _text(rng, 1),
                    "grade": GRADES[(k + r) % len(GRADES)],
                    "refs": [refs[(k + r) % n_refs], refs[(k * 7 + r + 1) % n_refs]],
                }
                for r, row in enumerate(rows)
            }
            for k, tid in enumerate(therapies)
        }
        doc["tab"].append({"id": tab_id, "title": tab_id.capitalize(), "intro": _text(rng, 1),
                           "rows": rows, "cell": cells})
    for k in range(2 * n):
        involved = sorted({therapies[(k + j * 3) % n] for j in range(1 + k % 3)})
        item = {
            "question": questions[k % n],
            "therapies": involved,
            "level": LEVELS[k % len(LEVELS)],
            "reason": _text(rng, 1),
            "refs": [refs[k % n_refs]],
        }
        if k % 2:
            item["grade"] = GRADES[k % len(GRADES)]
        doc["contraindication"].append(item)
    for i in range(10 * n):
        patterns, example = _pattern(i, rng)
        doc["rule"].append({
            "id": f"gen-{i:05d}",
            "category": CATEGORY_IDS[i % len(CATEGORY_IDS)],
            "severity": SEVERITIES[i % len(SEVERITIES)],
            "patterns": patterns,
            "message": _text(rng, 1),
            "suggestion": _text(rng, 1),
            "refs": [refs[i % n_refs]],
            "examples": [example],
            "near_misses": [f"No {patterns[0].split()[0].strip('(*')} here is promised."],
        })
    return doc


def write_kb(folder: str | Path, n: int, seed: int = 0) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"therapies-{n}.toml"
    header = f"# Generated by benchmarks/gen_kb.py: {n} therapies, seed {seed}.\n"
    path.write_text(header + tomli_w.dumps(generate(n, seed)), "utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for n in args.sizes:
        path = write_kb(args.outdir, n, args.seed)
        print(f"{path}  ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
