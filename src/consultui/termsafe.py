"""Text that is safe to put on a terminal: one sanitiser for every sink.

Rich `Text` and Textual `Content` strip only BEL, BS, VT, FF and CR, so an escape
sequence in a file, a knowledge base, a file name or a settings value (a clipboard
write `ESC ] 52 ; ... ESC \\`, a clear-screen `ESC [ 2 J`, the one-byte C1 CSI U+009B)
would reach the terminal whole. Everything from outside goes through one of:

- `visible(text)`: for the CLI and read-only views. Every C0 control character other
  than newline and tab, a carriage return that is not part of "\\r\\n", DEL, every C1
  control (U+0080-U+009F) and the bidirectional overrides and isolates (U+202A-U+202E,
  U+2066-U+2069, which can make text read backwards) are shown as a Python-style
  escape: `\\x1b`, `\\x9b`, `\\u202e`. With keep_newlines=False, newlines and carriage
  returns are shown as `\\n` and `\\r` too (file names, one-line messages).
- `pictures(text)`: for editors, where one character must stay one character (cursor
  columns and highlight spans are counted in characters): C0 controls become their
  Unicode control pictures (ESC -> U+241B "␛", NUL -> "␀"), DEL becomes "␡", and C1
  controls and bidi controls become U+FFFD "�". Newlines and tabs are kept.
- `fit(text, encoding)`: text the output encoding can show: known symbols become ASCII
  words or marks ("✖" -> "[X]", "●●●○" -> "3/4", "…" -> "..."), anything else "?".
  Never raises.

No Textual or Rich here: the domain, the CLI and the app all use it.
"""
from __future__ import annotations

import codecs
import re

_BIDI = "\u202a-\u202e\u2066-\u2069"
# C0 except tab (\t) and newline (\n); CR only when not followed by \n; DEL; C1; bidi.
_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]|\r(?!\n)")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_EDITOR = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _escape_match(match: re.Match[str]) -> str:
    return _escape(match.group())


def visible(text: str, keep_newlines: bool = True) -> str:
    """text with every control character that could steer a terminal shown as an escape."""
    pattern = _UNSAFE if keep_newlines else _UNSAFE_ONE_LINE
    if pattern.search(text) is None:  # the usual case: nothing to replace
        return text
    return pattern.sub(_escape_match, text)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def first_control(text: str) -> str | None:
    """The first C0/C1 control character (or DEL) other than newline, tab and "\\r\\n"
    in text, or None: what the knowledge-base validator rejects."""
    found = _CONTROL.search(text)
    return None if found is None else found.group()


def describe(char: str) -> str:
    """A control character named safely: '\\x1b (U+001B)'."""
    return f"{_escape(char)} (U+{ord(char):04X})"


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def pictures(text: str) -> str:
    """text with every control character (but newline and tab) replaced by one visible character.

    Same length as text, so columns and spans counted in characters stay right."""
    if _UNSAFE_EDITOR.search(text) is None:
        return text
    return _UNSAFE_EDITOR.sub(_picture, text)


# Multi-character symbols first (the evidence-grade dots), then single characters.
ASCII_FALLBACK: dict[str, str] = {
    "●●●●": "4/4",
    "●●●○": "3/4",
    "●●○○": "2/4",
    "●○○○": "1/4",
    "○○○○": "0/4",
    "✖": "[X]",
    "✗": "[x]",
    "⚠": "[!]",
    "✔": "[ok]",
    "✓": "[ok]",
    "✎": "(note)",
    "●": "*",
    "○": "o",
    "◇": "<>",
    "◆": "<>",
    "▲": "^",
    "•": "*",
    "·": "-",
    "→": "->",
    "←": "<-",
    "—": "-",
    "–": "-",
    "…": "...",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "£": "GBP",
    "€": "EUR",
    "\u00a0": " ",
}
_FALLBACK_KEYS = re.compile("|".join(re.escape(k) for k in sorted(ASCII_FALLBACK, key=len, reverse=True)))


def can_encode(text: str, encoding: str | None) -> bool:
    if not encoding:
        return True
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:  # an encoding Python does not know: assume it shows everything
        return True
    return True


def fit(text: str, encoding: str | None) -> str:
    """text that `encoding` can encode: unencodable symbols become ASCII, the rest '?'."""
    if can_encode(text, encoding):
        return text
    assert encoding is not None
    encoding = codecs.lookup(encoding).name

    def swap(match: re.Match[str]) -> str:
        found = match.group()
        return found if can_encode(found, encoding) else ASCII_FALLBACK[found]

    text = _FALLBACK_KEYS.sub(swap, text)
    return text.encode(encoding, errors="replace").decode(encoding)


def for_terminal(text: str, encoding: str | None, keep_newlines: bool = True) -> str:
    """visible(), then fit() to the encoding: what the CLI prints."""
    return fit(visible(text, keep_newlines), encoding)
