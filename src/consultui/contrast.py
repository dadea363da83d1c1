"""WCAG 2 contrast between two colours, and nudging a colour until it reads. No Textual.

Relative luminance and the contrast ratio follow the WCAG 2.1 definitions (success
criterion 1.4.3, "Contrast (Minimum)": 4.5:1 for normal text), written from the
specification at https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio.
"""
from __future__ import annotations

RGB = tuple[int, int, int]

AA_TEXT = 4.5  # WCAG AA for normal-size text
TARGET = 4.6  # what colours are nudged to: a little above AA, so rounding never drops below


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    r, g, b = rgb
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: RGB, b: RGB) -> float:
    """The contrast ratio, from 1 (same) to 21 (black on white)."""
    la, lb = luminance(a), luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def blend(a: RGB, b: RGB, amount: float) -> RGB:
    """a moved `amount` (0..1) of the way to b."""
    return (
        round(a[0] + (b[0] - a[0]) * amount),
        round(a[1] + (b[1] - a[1]) * amount),
        round(a[2] + (b[2] - a[2]) * amount),
    )


def readable_on(colour: RGB, backgrounds: list[RGB], target: float = TARGET) -> RGB:
    """The colour, moved toward black or white (whichever the backgrounds need) just far
    enough to reach `target` against every one of them; the hue is kept as far as it can be."""
    if all(contrast(colour, bg) >= target for bg in backgrounds):
        return colour
    dark_backgrounds = sum(luminance(bg) for bg in backgrounds) / len(backgrounds) < 0.18
    pole: RGB = (255, 255, 255) if dark_backgrounds else (0, 0, 0)
    for step in range(1, 101):
        moved = blend(colour, pole, step / 100)
        if all(contrast(moved, bg) >= target for bg in backgrounds):
            return moved
    return pole


def hex_colour(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)
