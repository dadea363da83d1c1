"""Turn HTML and Markdown into checkable text, keeping a map back to the original.

`extract(raw, kind)` returns `(text, offset_map)`. Every character of `text` comes
from a span of `raw` (one character for copied text, the whole `&amp;` for a
decoded entity, the tag for a line break put in place of a block tag), so a
finding on `text[s:e]` maps back to `raw[offset_map.to_raw(s, e)]`. Plain text is
returned unchanged with an identity map. No Textual, no I/O.

HTML is tokenized by the standard library's html.parser; Markdown by a line-by-line
scan. Both take time linear in the input, whatever the input.
"""
from __future__ import annotations

import bisect
import html
import re
from html.parser import HTMLParser
from pathlib import PurePath

__all__ = ["KINDS", "OffsetMap", "extract", "detect_kind"]

KINDS = ("text", "markdown", "html")

_HTML_EXT = {".html", ".htm", ".xhtml", ".shtml"}
_MD_EXT = {".md", ".markdown", ".mdown", ".mkd", ".mdx"}
_TEXT_EXT = {".txt", ".text"}


class OffsetMap:
    """Maps positions in the extracted text to spans of the raw input.

    Segments are (out_start, out_end, raw_start, raw_end, identity). In an identity
    segment character i comes from raw[raw_start + i - out_start]; otherwise every
    character of the segment stands for the whole raw span.
    """

    def __init__(self, segments: list[tuple[int, int, int, int, bool]] | None = None) -> None:
        self.identity = segments is None
        self._segments = segments or []
        self._starts = [seg[0] for seg in self._segments]

    def _char(self, i: int) -> tuple[int, int]:
        k = bisect.bisect_right(self._starts, i) - 1
        if k < 0:
            return 0, 0
        out_start, out_end, raw_start, raw_end, identity = self._segments[k]
        if identity:
            pos = raw_start + (i - out_start)
            return pos, pos + 1
        return raw_start, raw_end

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The raw span for text[start:end] (end > start)."""
        if self.identity:
            return start, end
        raw_start = self._char(start)[0]
        raw_end = self._char(max(start, end - 1))[1]
        return raw_start, max(raw_start, raw_end)


class _Builder:
    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.parts: list[str] = []
        self.segments: list[tuple[int, int, int, int, bool]] = []
        self.length = 0

    def copy(self, start: int, end: int) -> None:
        if end <= start:
            return
        n = end - start
        if self.segments:
            o0, o1, r0, r1, ident = self.segments[-1]
            if ident and o1 == self.length and r1 == start:
                self.segments[-1] = (o0, o1 + n, r0, r1 + n, True)
                self.parts.append(self.raw[start:end])
                self.length += n
                return
        self.segments.append((self.length, self.length + n, start, end, True))
        self.parts.append(self.raw[start:end])
        self.length += n

    def emit(self, text: str, raw_start: int, raw_end: int) -> None:
        if not text:
            return
        self.segments.append((self.length, self.length + len(text), raw_start, raw_end, False))
        self.parts.append(text)
        self.length += len(text)

    def result(self) -> tuple[str, OffsetMap]:
        return "".join(self.parts), OffsetMap(self.segments)


# -- HTML ------------------------------------------------------------------------

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul", "title", "option", "caption", "body", "html", "head", "button", "label",
}
_CELL_TAGS = {"td", "th"}
# Elements whose content is never page text. script and style are raw text to the
# parser (a "</div>" inside a script is script); the others hide the elements in them.
_SKIP_TAGS = {"script", "style", "template", "noscript", "svg", "head"}
# What may stand in a <head>: any other start tag, or text outside <title>, means the
# body has begun, so a <head> left unclosed does not hide the page (as in browsers).
_HEAD_TAGS = {
    "base", "basefont", "bgsound", "link", "meta", "title", "noscript", "noframes", "style",
    "script", "template", "head", "html",
}
_TEXT_TOKEN = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?"
    r"|\s+"
)
# What the parser reads instead of the page: the same length and the same line breaks, so
# its positions are positions in the page. "&" becomes "_" (entities are decoded here, from
# the page, and the parser's own "&#" handling can turn the rest of a page into text), and
# "<![" other than "<![CDATA[" becomes "<!_" (a bogus comment, as browsers read it; the
# parser's marked-section code raises on unknown keywords).
_SHADOW = re.compile(r"&|<!\[(?!CDATA\[)", re.IGNORECASE)
_MARKUP_START = re.compile(r"<[A-Za-z/!?]")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)")


def _shadow(raw: str) -> str:
    return _SHADOW.sub(lambda m: "_" if m.group() == "&" else "<!_", raw)


class _HTMLText(HTMLParser):
    """html.parser.HTMLParser driven over the shadow of a page; every event is mapped back
    to its span of the page by getpos(), and text is copied from the page itself."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.b = _Builder(raw)
        self.line_starts = [0]
        find = raw.find
        i = find("\n")
        while i >= 0:
            self.line_starts.append(i + 1)
            i = find("\n", i + 1)
        self.hidden: list[str] = []   # open elements whose content is not page text
        self.in_title = False         # inside <title> in the <head>

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    # -- text ----------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        start = self.position()
        end = start + len(data)
        hidden = self.hidden
        if hidden and hidden[-1] in ("script", "style"):
            return  # raw text of a script or style, "</div>" and all
        if data[0] == "<" and _MARKUP_START.match(data):
            # a start tag the parser could not make sense of: markup all the same
            m = _TAG_NAME.match(data)
            self.tag(m.group(1).lower() if m else "", start, end, closing=data[1] == "/")
            return
        if hidden:
            if hidden != ["head"] or self.in_title or data.isspace():
                return
            hidden.clear()  # text in the head: the body has begun
        self.text(start, end)

    def text(self, start: int, end: int) -> None:
        """Copy raw[start:end]: entities decoded, runs of white space shown as one space."""
        b, raw = self.b, self.raw
        pos = start
        for m in _TEXT_TOKEN.finditer(raw, start, end):
            b.copy(pos, m.start())
            pos = m.end()
            tok = m.group()
            if tok[0] == "&":
                decoded = html.unescape(tok)
                if decoded == tok:  # not an entity after all
                    b.copy(m.start(), m.end())
                else:
                    b.emit(re.sub(r"\s", " ", decoded) if decoded.isspace() else decoded, m.start(), m.end())
            elif tok == " ":
                b.copy(m.start(), m.end())
            else:
                b.emit(" ", m.start(), m.end())
        b.copy(pos, end)

    # -- tags ----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs) -> None:
        start = self.position()
        self.tag(tag, start, start + len(self.get_starttag_text() or ""), closing=False)

    def handle_startendtag(self, tag: str, attrs) -> None:
        start = self.position()
        self.tag(tag, start, start + len(self.get_starttag_text() or ""), closing=False, empty=True)

    def handle_endtag(self, tag: str) -> None:
        start = self.position()
        end = self.raw.find(">", start) + 1 or len(self.raw)
        self.tag(tag, start, end, closing=True)

    def tag(self, name: str, start: int, end: int, closing: bool, empty: bool = False) -> None:
        hidden = self.hidden
        if hidden:
            if hidden == ["head"] and not closing and name not in _HEAD_TAGS:
                hidden.clear()  # <body>, <p>, ... in a <head> never closed: the body has begun
            elif closing:
                if name in hidden:
                    del hidden[len(hidden) - 1 - hidden[::-1].index(name):]
                if name == "title":
                    self.in_title = False
                return
            else:
                if name in _SKIP_TAGS and not empty:
                    hidden.append(name)
                elif name == "title" and hidden == ["head"] and not empty:
                    self.in_title = True
                return
        if closing:
            if name in _BLOCK_TAGS and name not in _CELL_TAGS:
                self.b.emit("\n", start, end)
            return
        if name in _SKIP_TAGS and not empty:
            hidden.append(name)
        if name in _CELL_TAGS:
            # a table row reads as one line, "| Downtime | None", as in Markdown (claims/context.py)
            self.b.emit(" | ", start, end)
        elif name in _BLOCK_TAGS:
            self.b.emit("\n", start, end)
        elif name in ("img", "input"):
            self.b.emit(" ", start, end)

    # Comments, <![CDATA[...]]>, <!DOCTYPE ...> and <?...?> are not page text.
    def handle_comment(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass


def _extract_html(raw: str) -> tuple[str, OffsetMap]:
    parser = _HTMLText(raw)
    try:
        # One feed of the whole page and no close(): the parser stops at markup left open
        # at the end (an unclosed comment, tag, <script>, ...), which, as in browsers,
        # runs to the end of the page. Its close() would instead re-scan the rest of the
        # page from every "<" after that point, which is quadratic.
        parser.feed(_shadow(raw))
    except AssertionError:  # the parser's own consistency checks on very broken markup
        pass
    stop = parser.position()
    if stop < len(raw) and not parser.hidden and not _MARKUP_START.match(raw, stop):
        parser.text(stop, len(raw))   # a lone "<" at the very end
    return parser.b.result()


# -- Markdown ----------------------------------------------------------------------

_MD_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_MD_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?:"
    r"(?P<heading>\#{1,6})(?:[ \t]+|$)"
    r"|(?P<quote>(?:>[ \t]?)+)"
    r"|(?P<bullet>[-*+\u2022]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?"
    r")"
)
_MD_RULE = re.compile(r"^[ \t]{0,3}(?:[-=*_][ \t]*){3,}$")
_MD_REFDEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$")
# Inline Markdown, scanned in one linear pass: no construct can run over the "[" or "<"
# where another attempt would start (link text, link targets and quoted attribute values
# of inline tags stop there), so a long line of "[" or "<a " is read once, not once per
# bracket.
_MD_INLINE = re.compile(
    r"(?P<image>!\[(?P<alt>[^\[\]\n]*)\]\([^)\[\n]*\))"
    r"|(?P<link>\[(?P<ltext>[^\[\]\n]*)\](?:\([^)\[\n]*\)|\[[^\[\]\n]*\]))"
    r"|(?P<auto><(?:https?|mailto|ftp):[^<>\s]*>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9-]*+(?:[^<>\"'\n]|\"[^<\"\n]*\"|'[^<'\n]*')*+>)"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<marker>\*{1,3}|~~|`+|(?<![A-Za-z0-9])_{1,3}|_{1,3}(?![A-Za-z0-9]))"
)


def _heading_close(raw: str, start: int, end: int) -> int:
    """Where closing #s ("## Title ##") begin in raw[start:end], or `end`: white space,
    #s and optional white space at the very end."""
    i = end
    while i > start and raw[i - 1] in " \t":
        i -= 1
    j = i
    while j > start and raw[j - 1] == "#":
        j -= 1
    if j == i or j == start or raw[j - 1] not in " \t":
        return end
    while j > start and raw[j - 1] in " \t":
        j -= 1
    return j


def _md_inline(b: _Builder, raw: str, start: int, end: int) -> None:
    end = _heading_close(raw, start, end)   # closing #s: dropped
    pos = start
    for m in _MD_INLINE.finditer(raw, start, end):
        b.copy(pos, m.start())
        pos = m.end()
        if m.group("image") is not None:
            b.copy(m.start("alt"), m.end("alt"))
        elif m.group("link") is not None:
            _md_inline(b, raw, m.start("ltext"), m.end("ltext"))
        elif m.group("entity") is not None:
            b.emit(html.unescape(m.group("entity")), m.start(), m.end())
        elif m.group("escape") is not None:
            b.copy(m.start() + 1, m.end())
        # auto links, inline tags, emphasis markers: dropped
    b.copy(pos, end)


def _extract_markdown(raw: str) -> tuple[str, OffsetMap]:
    b = _Builder(raw)
    fence: str | None = None
    pos = 0
    n = len(raw)
    while pos < n:
        nl = raw.find("\n", pos)
        line_end = n if nl < 0 else nl
        next_pos = n if nl < 0 else nl + 1
        line = raw[pos:line_end]
        fm = _MD_FENCE.match(line)
        if fence is not None:
            if fm and fm.group(1)[0] == fence[0] and len(fm.group(1)) >= len(fence):
                fence = None
            b.copy(line_end, next_pos)
        elif fm:
            fence = fm.group(1)
            b.copy(line_end, next_pos)
        elif _MD_RULE.match(line) or _MD_REFDEF.match(line):
            b.copy(line_end, next_pos)
        else:
            start = pos
            m = _MD_BLOCK.match(line)
            if m and (m.group("heading") or m.group("quote") or m.group("bullet")):
                if m.group("heading") or m.group("bullet"):
                    # a heading or list item is its own sentence: a synthetic break
                    group = m.lastgroup or 0
                    b.emit("\n", pos + m.start(group), pos + m.end(group))
                start = pos + m.end()
                if m.group("quote"):
                    m2 = _MD_BLOCK.match(raw, start, line_end)
                    if m2 and (m2.group("heading") or m2.group("bullet")):
                        b.emit("\n", start, start + m2.end() - m2.start())
                        start = m2.end()
            _md_inline(b, raw, start, line_end)
            b.copy(line_end, next_pos)
        pos = next_pos
    return b.result()


def extract(raw: str, kind: str) -> tuple[str, OffsetMap]:
    """Checkable text and the map back to `raw`, for kind "text", "markdown" or "html"."""
    if kind == "html":
        return _extract_html(raw)
    if kind == "markdown":
        return _extract_markdown(raw)
    if kind == "text":
        return raw, OffsetMap()
    raise ValueError(f"unknown document kind {kind!r} (expected one of {', '.join(KINDS)})")


_HTML_SNIFF = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<(p|div|span|h[1-6]|ul|li|br|a|strong|em|b|i)(\s[^>]*)?>.*?</\1>|<br\s*/?>", re.IGNORECASE | re.DOTALL)
_MD_SNIFF = re.compile(r"^#{1,6}[ \t]+\S|\]\([^)\s]+\)|^\s*[-*+][ \t]+\S.*\n\s*[-*+][ \t]+\S|\*\*\S[^*\n]*\*\*|^```", re.MULTILINE)


def detect_kind(path: str | None, raw: str) -> str:
    """"html", "markdown" or "text": by file extension, else by a look at the content."""
    if path and path != "-":
        ext = PurePath(path).suffix.lower()
        if ext in _HTML_EXT:
            return "html"
        if ext in _MD_EXT:
            return "markdown"
        if ext in _TEXT_EXT:
            return "text"
    head = raw[:8192]
    if _HTML_SNIFF.search(head):
        return "html"
    if _MD_SNIFF.search(head):
        return "markdown"
    return "text"
