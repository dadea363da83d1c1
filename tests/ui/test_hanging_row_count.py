"""A HangingRow counts its lines as Rich wraps them, without rendering: the fast count
for plain ASCII must agree with Rich's own wrapping everywhere."""
from __future__ import annotations

import random

from rich.console import Console
from rich.text import Text

from consultui.ui.hanging_row import HangingRow, _line_count
from rich._wrap import divide_line

PIECES = ["a", "bb", "pregnancy", "anticoagulant", "averyveryverylongwordindeed", "", " ", "é", "日本", "x\ty"]


def test_fast_count_matches_rich_on_random_lines():
    rng = random.Random(7)
    for _ in range(5000):
        line = " ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25)))
        line = " " * rng.randint(0, 2) + line + " " * rng.randint(0, 2)
        width = rng.randint(1, 50)
        assert _line_count(line, width) == len(divide_line(line, width, fold=True)) + 1, (line, width)


def test_height_matches_the_rendered_row():
    console = Console(width=60, record=True, file=None)
    body = Text("Pregnancy or breastfeeding, planned in the next months; anticoagulants such as warfarin")
    row = HangingRow([(Text("[ ? ]"), 5)], body)
    for width in (12, 20, 33, 60):
        rendered = console.render_lines(row, console.options.update_width(width), pad=False)
        assert row.height(width) == len(rendered)
