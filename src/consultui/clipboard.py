"""Whether the terminal is likely to accept a clipboard write (OSC 52). No Textual.

The app copies by sending OSC 52 to the terminal, and a terminal that ignores it gives
no error: the practitioner would paste an old clipboard. There is no way to ask the
terminal, so known terminals are recognised from their environment variables; anything
else gets one warning.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

# Environment variables set by terminals that accept OSC 52 clipboard writes by default.
_SUPPORTING_VARIABLES = ("KITTY_WINDOW_ID", "WEZTERM_PANE", "WT_SESSION", "ALACRITTY_WINDOW_ID", "GHOSTTY_RESOURCES_DIR")
_SUPPORTING_PROGRAMS = {"iTerm.app", "WezTerm", "ghostty", "vscode", "kitty"}


def clipboard_doubt(env: Mapping[str, str] | None = None) -> str | None:
    """A sentence saying why the copy may not have arrived, or None when it likely did."""
    env = os.environ if env is None else env
    program = env.get("TERM_PROGRAM", "")
    if program == "Apple_Terminal":
        return "macOS Terminal does not accept clipboard writes from programs (OSC 52), so nothing may have been copied."
    if env.get("TMUX"):
        return "Inside tmux, copying reaches your clipboard only when tmux has set-clipboard on."
    if env.get("STY"):
        return "GNU screen does not pass clipboard writes (OSC 52) on, so nothing may have been copied."
    if program in _SUPPORTING_PROGRAMS or any(env.get(name) for name in _SUPPORTING_VARIABLES):
        return None
    if env.get("TERM", "") in ("linux", "dumb", ""):
        return "This terminal cannot receive clipboard writes (OSC 52), so nothing was copied."
    return "Your terminal may ignore clipboard writes from programs (OSC 52); check that the report arrived."
