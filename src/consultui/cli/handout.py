"""`consultui handout`: the one-page patient handout, without the app."""
from __future__ import annotations

import argparse
from pathlib import Path

from consultui import clock
from consultui.cli.output import CommandError, say, write_out
from consultui.kb.handout import FORMATS, MAX_OPTIONS, REGIONS, HandoutError, build, render
from consultui.kb.model import KnowledgeBase


def register(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "handout",
        help="write a one-page patient handout of chosen therapies",
        description=(
            "Write a one-page, plain-language handout comparing up to "
            f"{MAX_OPTIONS} options (therapies, or plans: how a therapy is delivered): the questions "
            "patients ask as rows, the knowledge base's patient wording, how sure the evidence is, "
            "the sources, the knowledge base's version and review date. The patient's name is "
            "written only when --patient gives it."
        ),
    )
    parser.add_argument("therapies", nargs="*", metavar="THERAPY_ID",
                        help=f"therapies to compare, in this order (default: the first {MAX_OPTIONS}, unless --plan is given)")
    parser.add_argument("--plan", action="append", default=[], metavar="PLAN_ID",
                        help="a plan as a column (repeatable), e.g. prp-scalp-injection")
    parser.add_argument("--format", choices=FORMATS, default="html",
                        help="html (self-contained, prints on one A4 or US Letter page) or markdown (for email)")
    parser.add_argument("--region", choices=tuple(REGIONS), default="us", help="whose regulatory status to show (default: us)")
    parser.add_argument("--practitioner", default="", metavar="NAME", help="printed on the practitioner line (default: left blank)")
    parser.add_argument("--patient", default="", metavar="NAME", help="printed on the 'For' line (default: left blank)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    return parser


def run(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    try:
        handout = build(kb, args.therapies or None, args.plan or None, region=args.region,
                        patient=args.patient, practitioner=args.practitioner, made_on=clock.now().date())
    except HandoutError as exc:
        raise CommandError(str(exc)) from None
    text = render(handout, args.format)
    if not args.output:
        write_out(text)
        return 0
    from consultui.atomic import write_text_atomic

    target = Path(args.output)
    try:
        written = write_text_atomic(target, text)
    except OSError as exc:
        raise CommandError(f"could not write the handout to {target}: {exc.strerror or exc}") from None
    say(f"Handout of {len(handout.options)} option(s) written to {written}")
    return 0
