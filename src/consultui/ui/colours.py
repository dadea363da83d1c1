"""The colours of verdicts and claim severities, readable (WCAG AA, 4.5:1) in every theme.

The app adds these as CSS variables ($verdict-contraindicated, $severity-high, ...), so
the stylesheet and Content styles use them like any theme colour. Colour is never the
only signal: every verdict and severity is also a word and a symbol.

Truecolor themes (textual-dark, textual-light, ...): each colour starts from the theme's
own ($error, $warning, $success) and is moved toward white or black just far enough to
reach 4.6:1 against the theme's background, surface and panel.

ANSI themes (ansi-dark, ansi-light): the terminal's palette decides the real colours and
a program cannot read it. "Actual colours" here means the palettes Textual itself uses
for ANSI colours when it renders them as RGB (App.ansi_theme_dark, Monokai, and
App.ansi_theme_light, Alabaster). A colour is kept as an ANSI colour (so a terminal's
own high-contrast palette still carries through) only when it passes there; otherwise
the terminal's default text colour is used, whose contrast the user chose.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.color import Color

from consultui.contrast import RGB, TARGET, blend, contrast, hex_colour, readable_on

if TYPE_CHECKING:
    from textual.app import App

BACKGROUND_VARIABLES = ("background", "surface", "panel")

# Our variable -> (the theme colour it starts from, how much of it over the background,
# ANSI colours to try in order for ANSI themes).
TEXT_COLOURS: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "verdict-contraindicated": ("error", 1.0, ("ansi_red", "ansi_bright_red")),
    "verdict-defer": ("error", 0.8, ("ansi_magenta", "ansi_bright_magenta", "ansi_red")),
    "verdict-caution": ("warning", 1.0, ("ansi_yellow", "ansi_bright_yellow")),
    "verdict-clear": ("success", 1.0, ("ansi_green", "ansi_bright_green")),
    "severity-high": ("error", 1.0, ("ansi_red", "ansi_bright_red")),
    "severity-medium": ("warning", 1.0, ("ansi_yellow", "ansi_bright_yellow")),
    "severity-low": ("foreground", 0.75, ()),
}
# Claims highlights: the severity's colour as a tint behind the theme's text.
HIGHLIGHT_TINTS = {"high": ("error", 0.45), "medium": ("warning", 0.45), "low": ("foreground", 0.25)}
ANSI_DEFAULT = "ansi_default"


def reference_palette(app: App) -> TerminalTheme:
    """The ANSI palette Textual uses for the current theme when it converts ANSI colours."""
    return app.ansi_theme_dark if app.current_theme.dark else app.ansi_theme_light


def _triplet(value) -> RGB:
    return (value[0], value[1], value[2])


def resolve(value: str, variables: dict[str, str], palette: TerminalTheme, role: str = "fg",
            under: RGB | None = None) -> RGB:
    """The RGB a CSS colour value stands for: variables followed, ANSI colours looked up in
    the reference palette, "ansi_default" as the palette's text or background colour,
    and a colour with alpha blended over `under` (default: the theme's background)."""
    words = value.split()
    if not words or words[0] in ("transparent", "auto"):
        return resolve(variables["background"], variables, palette, "bg") if role == "bg" or not words else _default(palette, role)
    head = words[0]
    if head.startswith("$"):
        base_rgb = resolve(variables[head[1:]], variables, palette, role, under)
        colour = Color(*base_rgb)
    elif head == ANSI_DEFAULT:
        colour = Color(*_default(palette, role))
    else:
        colour = Color.parse(head)
        if colour.ansi is not None and colour.ansi >= 0:
            colour = Color(*_triplet(palette.ansi_colors[colour.ansi]))
    alpha = colour.a
    if len(words) > 1 and words[1].endswith("%"):
        alpha *= float(words[1][:-1]) / 100
    rgb = (colour.r, colour.g, colour.b)
    if alpha < 1:
        ground = under if under is not None else resolve(variables["background"], variables, palette, "bg")
        rgb = blend(ground, rgb, alpha)
    return rgb


def _default(palette: TerminalTheme, role: str) -> RGB:
    return _triplet(palette.background_color if role == "bg" else palette.foreground_color)


def backgrounds(variables: dict[str, str], palette: TerminalTheme) -> list[RGB]:
    return [resolve(variables[name], variables, palette, "bg") for name in BACKGROUND_VARIABLES]


def is_ansi_theme(variables: dict[str, str]) -> bool:
    return variables.get("background", "").startswith("ansi_")


def state_variables(variables: dict[str, str], palette: TerminalTheme) -> dict[str, str]:
    """Our colour variables for a theme, given its CSS variables."""
    grounds = backgrounds(variables, palette)
    out: dict[str, str] = {}
    for name, (base, amount, ansi_choices) in TEXT_COLOURS.items():
        if is_ansi_theme(variables):
            out[name] = next((choice for choice in ansi_choices
                              if all(contrast(resolve(choice, variables, palette), bg) >= TARGET for bg in grounds)),
                             ANSI_DEFAULT)
            continue
        colour = resolve(variables[base], variables, palette)
        if amount < 1:
            colour = blend(grounds[0], colour, amount)
        out[name] = hex_colour(readable_on(colour, grounds))
    return out


@dataclass(frozen=True)
class Highlight:
    """A claims highlight: text colour on a tint (None: the editor's own colours)."""

    foreground: str | None
    background: str | None
    reverse: bool = False


def highlight_colours(variables: dict[str, str], palette: TerminalTheme, editor_background: RGB) -> dict[str, Highlight]:
    """The claim highlights for a theme: a severity tint with text that stays readable on it.
    ANSI themes use reverse video for high (the terminal's own pair, swapped) and no tint
    for medium and low: a tint there would meet text colours nobody can predict."""
    if is_ansi_theme(variables):
        return {"high": Highlight(None, None, reverse=True), "medium": Highlight(None, None), "low": Highlight(None, None)}
    text = resolve(variables["foreground"], variables, palette)
    out: dict[str, Highlight] = {}
    for severity, (base, amount) in HIGHLIGHT_TINTS.items():
        tint = blend(editor_background, resolve(variables[base], variables, palette), amount)
        out[severity] = Highlight(hex_colour(readable_on(text, [tint])), hex_colour(tint))
    return out


def rich_colour(app: App, variable: str):
    """A colour variable of the current theme as a Rich colour (for Rich Text styles)."""
    return Color.parse(app.theme_variables[variable]).rich_color


def editor_background(app: App) -> RGB:
    variables = app.theme_variables
    return resolve(variables["surface"], variables, reference_palette(app), "bg")


_HIGHLIGHT_CACHE: dict[tuple[str, str], dict[str, Style]] = {}


def severity_highlights(app: App) -> dict[str, Style]:
    """Rich styles for the claims editor's highlights in the current theme. Underline
    (and bold for high and medium) marks a finding even without colour (NO_COLOR)."""
    key = (app.current_theme.name, repr(reference_palette(app).background_color))
    styles = _HIGHLIGHT_CACHE.get(key)
    if styles is None:
        colours = highlight_colours(app.theme_variables, reference_palette(app), editor_background(app))
        styles = {
            severity: Style(underline=True, bold=severity != "low", color=h.foreground, bgcolor=h.background,
                            reverse=h.reverse or None)
            for severity, h in colours.items()
        }
        _HIGHLIGHT_CACHE[key] = styles
    return styles
