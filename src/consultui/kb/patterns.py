"""The rule pattern language of the red-flag claims checker. No Textual, no I/O.

A pattern is a short phrase made of whole words, matched case-insensitively, with a
few operators. It compiles to a Python regular expression that cannot backtrack
catastrophically: there is no nesting, every repetition is bounded, and the
separator between words and the words skipped by a gap are disjoint character
classes, so each position of the text is consumed in at most a bounded number of
ways. See PATTERN_SYNTAX_DOC for the syntax as users read it.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from consultui.kb.regexcache import compile_regex

__all__ = [
    "PatternError", "CompiledPattern", "compile_pattern", "PATTERN_SYNTAX_DOC",
    "NUMBER_WORDS", "MAX_PATTERN_LENGTH", "MAX_ITEMS", "MAX_GAPS", "MAX_GAP_WORDS",
    "SUFFIX_LETTERS", "MAX_LEXICON_TERMS", "Lexicons", "check_lexicons", "inflections",
]

MAX_PATTERN_LENGTH = 500
MAX_ITEMS = 16          # words, numbers and groups in one pattern
MAX_GAPS = 3            # `...` gaps in one pattern
MAX_GAP_WORDS = 8       # the N of `...N`
DEFAULT_GAP_WORDS = 3
SUFFIX_LETTERS = 6      # how many letters `word*` may add
MAX_WAYS = 100          # bound on the ways a pattern can match at one place (see _ways)
MAX_ALTERNATIVES = 40
MAX_LEXICON_TERMS = 300   # terms of one lexicon, and alternatives a {name} may expand to
MAX_LEXICON_DEPTH = 4     # a lexicon's terms may name other lexicons, this deep at most

# A knowledge base's named word lists: ((id, (term, ...)), ...), hashable so that a
# compiled pattern can be cached by (source, lexicons).
Lexicons = tuple[tuple[str, tuple[str, ...]], ...]

NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
    "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million",
    "millions", "billion", "billions", "dozen", "dozens", "single", "double", "triple",
)

PATTERN_SYNTAX_DOC = """\
# Claim patterns: how to write them
# ---------------------------------
# A pattern is a phrase of whole words, matched without regard to case. Words
# only match whole words: "cure" does not match "secure" or "curettage".
#   guaranteed results   the two words, separated by spaces, hyphens or dashes
#                        (also across a line break), or a comma and a space
#   guarantee*           the word and up to 6 more letters: guarantees, guaranteed
#   (no|zero) downtime   one of the alternatives; an alternative may have several
#                        words: (alternative to|replacement for) surgery.
#                        Groups cannot be nested.
#   the? best            a ? after a word or group makes it optional
#   cures ... hair loss  a gap: up to 3 words in between; ...5 allows up to 5
#                        (at most 8). A gap never crosses . ! ? ; : or |
#                        A negation skipped by a gap ("results are not
#                        guaranteed") makes the hit a non-claim.
#   # times more         # is a number: 50, 1,000, 2.5, fifty, twenty-five
#   #x  #%  #-fold       a number joined to a word or sign (100x, 90 %, 10-fold)
#   FDA-approved         a hyphen matches a hyphen, a space or nothing:
#                        FDA-approved, FDA approved, FDAapproved
#   can't                an apostrophe matches ' and its typographic form
#   reverse~             the word and its regular forms (at most 5 more letters):
#                        reverse~ = reverse, reverses, reversed, reversing,
#                        reversal; repair~ = repairs, repaired, repairing;
#                        study~ = studies, studied, studying
#   {surgery}            any term of the [[lexicon]] with id "surgery"; a term
#                        may have several words and its last word also matches
#                        with s or es added (facelift -> facelifts). Adding a
#                        term to a lexicon reaches every pattern that names it.
#                        Inside a group a lexicon is a whole alternative:
#                        (surgery|{surgery}). A term may name another lexicon
#                        (at most 4 deep, never in a cycle).
#   100%  24/7  £99      other signs are taken literally; write \\# \\* \\? \\( \\) \\|
#                        \\. or \\\\ for the sign itself
# A pattern may not start or end with an optional item or a gap. Limits: 500
# characters, 16 items, 3 gaps, and at most 100 ways to match at one place
# (a gap ...N counts N+1, an optional item 2, alternatives that start with the
# same word count together, a lexicon's terms count like alternatives, and a
# lexicon gives at most 300 of them), so no pattern can make a check slow. Start a
# pattern with a word or a number where you can: a pattern that starts with a
# sign is checked by a slower full scan.
#
# exceptions: patterns searched in the sentence of each hit; a hit is dropped
# when an exception matches a span of that sentence that overlaps the hit
# (write the exception as the longer, harmless phrase: "forever grateful").
# Negated, hedged, questioned-and-denied and quoted-as-a-warning uses are
# dropped by the checker itself; exceptions are for what that logic gets wrong.
"""


class PatternError(ValueError):
    """An invalid pattern. `column` is the 1-based position in the pattern, or None."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} (at column {column})")


# -- regex building blocks --------------------------------------------------

# Between two items: spaces, line breaks, hyphens or dashes.
_SEP_CHARS = r"\s\-\u2010\u2011\u2012\u2013\u2014"
_SEP = f",?[{_SEP_CHARS}]{{1,12}}"
# Characters that end a clause: no separator or gap word holds one, and a number holds
# only a dot followed by a digit (the checker's clause pre-check relies on both).
CLAUSE_END_CHARS = frozenset(".!?;:|")
# A word skipped by a gap: anything that is neither a separator nor a sentence end.
_GAP_WORD = rf"[^{_SEP_CHARS},.!?;:|]{{1,40}}"  # never a table cell border either
# A hyphen inside a word: hyphen/dash with optional spaces, a space, or nothing.
_JOIN = r"(?:[ \t]{0,3}[\-\u2010\u2011\u2012\u2013\u2014][ \t]{0,3}|[ \t]{1,3})?"
_APOS = "['\u2019\u02bc]"

_NUMWORD = "(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_NUMBER = (
    r"(?:(?<![\w.,])\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,6})?(?![\d,])"
    r"|(?<![\w.,])\d{1,12}(?:\.\d{1,6})?(?!\d)"
    rf"|(?<!\w){_NUMWORD}(?:[ \-]{_NUMWORD}){{0,3}}(?!\w))"
)
_NUMBER_WORD_SET = frozenset(NUMBER_WORDS)
NUMBER_RE = re.compile(_NUMBER, re.IGNORECASE)  # a number as `#` matches it
_SPECIAL = set("()|?*#\\")


@dataclass(frozen=True)
class Anchor:
    """Where a match can start: a text word equal to `word` (or starting with it when
    `prefix`), any number (`number`), or anywhere (`scan`)."""
    word: str = ""
    prefix: bool = False
    number: bool = False
    scan: bool = False


class CompiledPattern:
    """A parsed pattern. `regex_source` is the regular expression (IGNORECASE); `regex`
    compiles it on first use, so validating thousands of patterns stays fast."""

    __slots__ = ("source", "regex_source", "entries", "words", "required", "ways", "cost", "_regex",
                 "_lexicons", "_needs", "in_clause")

    def __init__(self, source: str, regex_source: str,
                 entries: tuple[tuple[Anchor, tuple[Anchor, ...] | None], ...], words: frozenset[str],
                 required: tuple[frozenset[str], ...] = (), ways: int = 1) -> None:
        # For each later mandatory item whose first word is one of a few plain words:
        # those words. A text lacking all of them cannot match (a cheap pre-check).
        self.required = required
        self.source = source
        self.regex_source = regex_source
        # Where a match can start, each with the anchors of the token that must follow
        # (None: not known cheaply). Used by the checker's index.
        self.entries = entries
        self.words = words              # the pattern's own words, lower case
        # At most this many ways to match at one place (<= MAX_WAYS): what one anchored
        # match attempt can cost, whatever the text.
        self.ways = ways
        # What one anchored attempt may cost, for a check's work budget: the ways, times
        # how many alternatives (lexicon terms included) the regex may have to try.
        self.cost = ways
        # No literal of the pattern holds a clause end (CLAUSE_END_CHARS), so a match lies
        # within one clause: separators and gap words never cross one either.
        self.in_clause = False
        self._regex: re.Pattern[str] | None = None
        self._lexicons: Lexicons = ()
        self._needs: tuple[tuple[frozenset[str], tuple[str, ...]], ...] | None = None

    @property
    def needs(self) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
        """For each mandatory item, first one included: the words (exact) and word starts
        (prefixes) one of which a text token must be for a match (see _needs). Found on
        first use (~80 us a pattern: too much for every pattern of a checker)."""
        if self._needs is None:
            self._needs = _needs(list(_parse_checked(self.source, self._lexicons)))
        return self._needs

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            # from the on-disk store of compiled regexes when it has it (see regexcache.py)
            self._regex = compile_regex(self.regex_source, re.IGNORECASE)
        return self._regex

    def __repr__(self) -> str:
        return f"CompiledPattern({self.source!r})"


# Kinds of part of an atom: ("lit", text), ("num",), ("inf", word) for `word~`, and
# ("pl", word) for the last word of a lexicon term (also matched with s or es added).
_WORDLIKE = ("lit", "inf", "pl")


def _part_text(part) -> str:
    """The literal text a part starts with (an inflected word: its stem)."""
    if part[0] == "inf":
        return inflections(part[1])[0]
    return part[1] if part[0] != "num" else ""


def inflections(word: str) -> tuple[str, tuple[str, ...]]:
    """(stem, endings) of `word~`: the regular English forms, a fixed handful, so the
    match stays one bounded step. reverse -> revers + e/es/ed/ing/al/...; study ->
    stud + y/ies/ied/ying; repair -> repair + (nothing)/s/es/ed/ing."""
    w = word.lower()
    if len(w) > 3 and w.endswith("e"):
        return w[:-1], ("e", "es", "ed", "ing", "al", "als", "ion", "ions")
    if len(w) > 3 and w.endswith("y") and w[-2] not in "aeiou":
        return w[:-1], ("y", "ies", "ied", "ying")
    return w, ("", "s", "es", "ed", "ing")


def _inflected(word: str) -> str:
    stem, endings = inflections(word)
    return _literal(stem) + "(?:" + "|".join(sorted(endings, key=len, reverse=True)) + ")"


@dataclass
class _Atom:
    parts: list  # see _WORDLIKE; consecutive parts joined (hyphen -> _JOIN)
    joins: list  # join kind before part i (i >= 1): "hyphen" | "tight"
    star: bool = False
    optional: bool = False
    column: int = 1

    def regex(self, lead: bool = True, trail: bool = True) -> str:
        """The atom's regex; `lead` False after a separator and `trail` False before one
        (a word start or end is certain there: separators are not word characters)."""
        out = []
        for i, part in enumerate(self.parts):
            if i:
                out.append(_JOIN if self.joins[i] == "hyphen" else r"[ \t]?")
            if part[0] == "num":
                out.append(_NUMBER)
            elif part[0] == "inf":
                out.append(_inflected(part[1]))
            elif part[0] == "pl":
                out.append(_literal(part[1]) + "(?:e?s)?")
            else:
                out.append(_literal(part[1]))
        body = "".join(out)
        first, last = self.parts[0], self.parts[-1]
        if lead and first[0] in _WORDLIKE and _is_word_char(first[1][0]):
            body = r"(?<!\w)" + body
        if self.star:
            body += rf"\w{{0,{SUFFIX_LETTERS}}}"
        if trail and (self.star or (last[0] in _WORDLIKE and _is_word_char(last[1][-1]))):
            body += r"(?!\w)"
        return body

    def entries(self, following: tuple[Anchor, ...] | None) -> list[tuple[Anchor, tuple[Anchor, ...] | None]]:
        """(where a match can start, the next token's anchors or None) for this atom
        as the first item; `following` are the anchors of the item after it."""
        first = self.parts[0]
        rest = _part_anchor(self.parts[1]) if len(self.parts) > 1 else None
        nxt = (rest,) if rest is not None else (following if len(self.parts) == 1 else None)
        if first[0] == "num":
            return [(Anchor(number=True), nxt)]
        lit = _part_text(first)
        m = re.match(r"\w+", lit)
        if not m:
            return [(Anchor(scan=True), None)]
        word = m.group().lower()
        if m.end() < len(lit):           # can't, 24/7, no.1: the sign is the next token
            sign = lit[m.end()]
            if sign in "'\u2019\u02bc":
                return [(Anchor(word=word), tuple(Anchor(word=a) for a in "'\u2019\u02bc"))]
            if sign.isspace() or sign in ",-\u2010\u2011\u2012\u2013\u2014":
                return [(Anchor(word=word), None)]
            return [(Anchor(word=word), (Anchor(word=sign),))]
        grows = first[0] != "lit"        # word~ and a lexicon term's plural add letters
        if len(self.parts) == 1:
            return [(Anchor(word=word, prefix=self.star or grows), following)]
        out = [(Anchor(word=word, prefix=grows), nxt)]
        if self.parts[1][0] in _WORDLIKE:    # FDA-approved also matches "FDAapproved"
            lead = re.match(r"\w*", _part_text(self.parts[1])).group().lower()  # type: ignore[union-attr]  # \w* always matches
            out.append((Anchor(word=word + lead, prefix=True), None))
        return out


def _part_anchor(part) -> Anchor | None:
    if part[0] == "num":
        return Anchor(number=True)
    text = _part_text(part)
    m = re.match(r"\w+", text)
    if m:
        return Anchor(word=m.group().lower(), prefix=True)
    return Anchor(word=text[0])          # a sign such as % : matched as the next token


@dataclass
class _Group:
    alternatives: list  # list[list[_Atom]]
    optional: bool = False
    column: int = 1

    def regex(self, lead: bool = True, trail: bool = True) -> str:
        alts = [_SEP.join(a.regex(lead and k == 0, trail and k == len(alt) - 1) for k, a in enumerate(alt))
                for alt in self.alternatives]
        return "(?:" + "|".join(alts) + ")"


@dataclass
class _Gap:
    words: int
    column: int = 1
    optional: bool = False


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _literal(text: str) -> str:
    out = []
    for ch in text:
        if ch in "'\u2019\u02bc":
            out.append(_APOS)
        else:
            out.append(re.escape(ch))
    return "".join(out)


# -- parser -------------------------------------------------------------------

_PLAIN_RUN = re.compile(r"[^\s()|?*\\#.\-~{}]+")
_LEXICON_REF = re.compile(r"\{([^{}\s()|]*)\}")


class _Parser:
    def __init__(self, source: str, lexicons: dict[str, tuple[str, ...]] | None = None) -> None:
        self.s = source
        self.i = 0
        self.lexicons = lexicons or {}

    def lexicon(self) -> list[list[_Atom]]:
        """The alternatives of a `{name}` at the current position."""
        start = self.i
        m = _LEXICON_REF.match(self.s, self.i)
        if not m or not m.group(1):
            raise self.error("'{' must be followed by a lexicon id and '}', as in {surgery}")
        self.i = m.end()
        return _expand_lexicon(m.group(1), self.lexicons, start + 1, ())

    def error(self, message: str, pos: int | None = None) -> PatternError:
        return PatternError(message, (self.i if pos is None else pos) + 1)

    def skip_space(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def parse(self) -> list:
        items: list = []
        while True:
            self.skip_space()
            if self.i >= len(self.s):
                break
            ch = self.s[self.i]
            if self.s.startswith("...", self.i):
                items.append(self.parse_gap())
            elif ch == "(":
                items.append(self.parse_group())
            elif ch == "{":
                start = self.i
                items.append(_Group(self.lexicon(), column=start + 1))
            elif ch in ")|":
                raise self.error(f"unexpected '{ch}' outside a group")
            elif ch in "?*":
                raise self.error(f"'{ch}' must follow a word" + (" or a group" if ch == "?" else ""))
            else:
                items.append(self.parse_atom(in_group=False))
            if self.i < len(self.s) and self.s[self.i] == "?":
                item = items[-1]
                if isinstance(item, _Gap):
                    raise self.error("a gap is already optional; '?' cannot follow '...'")
                item.optional = True
                self.i += 1
                if self.i < len(self.s) and self.s[self.i] == "?":
                    raise self.error("'??' is not allowed")
            if self.i < len(self.s) and not self.s[self.i].isspace():
                ch = self.s[self.i]
                if ch == "(":
                    raise self.error("put a space before '('")
                raise self.error(f"unexpected '{ch}'" + (" outside a group" if ch in ")|" else ""))
        return items

    def parse_gap(self) -> _Gap:
        start = self.i
        self.i += 3
        m = re.compile(r"\d+").match(self.s, self.i)
        words = DEFAULT_GAP_WORDS
        if m:
            words = int(m.group())
            if not 1 <= words <= MAX_GAP_WORDS:
                raise self.error(f"a gap allows 1 to {MAX_GAP_WORDS} words, not {words}", self.i)
            self.i = m.end()
        if self.i < len(self.s) and not self.s[self.i].isspace():
            if self.s[self.i] == ".":
                raise self.error("a gap is written '...' (three dots), not more", start)
            raise self.error("put a space after a gap '...'")
        return _Gap(words, start + 1)

    def parse_group(self) -> _Group:
        start = self.i
        self.i += 1
        alternatives: list = [[]]
        spliced = 0  # alternatives a lexicon brought in
        while True:
            self.skip_space()
            if self.i >= len(self.s):
                raise self.error("the group is not closed: ')' is missing", start)
            ch = self.s[self.i]
            if ch == ")":
                self.i += 1
                break
            if ch == "|":
                if not alternatives[-1]:
                    raise self.error("empty alternative in a group")
                alternatives.append([])
                self.i += 1
                continue
            if ch == "(":
                raise self.error("groups cannot be nested")
            if ch == "{":
                if alternatives[-1]:
                    raise self.error("a lexicon inside a group must be a whole alternative: (word|{name})")
                terms = self.lexicon()
                spliced += len(terms) - 1
                if spliced > MAX_LEXICON_TERMS:
                    raise self.error(f"the group expands to more than {MAX_LEXICON_TERMS} alternatives", start)
                alternatives[-1:] = terms
                self.skip_space()
                if self.i < len(self.s) and self.s[self.i] not in "|)":
                    raise self.error("a lexicon inside a group must be a whole alternative: (word|{name})")
                continue
            if self.s.startswith("...", self.i):
                raise self.error("a gap '...' cannot be used inside a group")
            if ch in "?*":
                raise self.error(f"'{ch}' must follow a word")
            atom = self.parse_atom(in_group=True)
            if self.i < len(self.s) and self.s[self.i] == "?":
                raise self.error("'?' cannot be used inside a group; make the whole group optional or add an alternative")
            alternatives[-1].append(atom)
        if not alternatives[-1]:
            raise self.error("empty alternative in a group", self.i - 1)
        if len(alternatives) - spliced > MAX_ALTERNATIVES:
            raise self.error(f"a group may have at most {MAX_ALTERNATIVES} alternatives", start)
        if self.i < len(self.s) and self.s[self.i] not in " \t\n?":
            raise self.error("put a space after ')'")
        return _Group(alternatives, column=start + 1)

    def parse_atom(self, in_group: bool) -> _Atom:
        start = self.i
        parts: list = []
        joins: list = []
        buf: list[str] = []
        pending_join = "tight"
        star = False
        tilde = False

        def flush(next_join: str) -> None:
            nonlocal buf, pending_join
            if buf:
                parts.append(("lit", "".join(buf)))
                joins.append(pending_join)
                buf = []
                pending_join = next_join

        while self.i < len(self.s):
            if not star:
                # A run of ordinary characters in one step (thousands of rules load faster).
                run = _PLAIN_RUN.match(self.s, self.i)
                if run is not None:
                    buf.append(run.group())
                    self.i = run.end()
                    continue
            ch = self.s[self.i]
            if ch.isspace() or ch in "()|?":
                break
            if star or tilde:
                raise self.error(f"'{'*' if star else '~'}' must end a word")
            if ch in "{}":
                raise self.error("put a space before a lexicon {name}" if ch == "{" else "unexpected '}'")
            if ch == "~":
                if not buf or not buf[-1][-1:].isalpha():
                    raise self.error("'~' must follow letters (as in reverse~)")
                tilde = True
                self.i += 1
                continue
            if self.s.startswith("...", self.i):
                raise self.error("put a space before a gap '...'")
            if ch == "\\":
                if self.i + 1 >= len(self.s) or self.s[self.i + 1].isspace():
                    raise self.error("'\\' must be followed by the sign it stands for")
                buf.append(self.s[self.i + 1])
                self.i += 2
                continue
            if ch == "*":
                if not buf or not _is_word_char(buf[-1][-1]):
                    raise self.error("'*' must follow letters (as in guarantee*)")
                star = True
                self.i += 1
                continue
            if ch == "#":
                flush("tight")
                parts.append(("num",))
                joins.append(pending_join)
                pending_join = "tight"
                self.i += 1
                continue
            if ch == "-" and (buf or parts):
                # hyphen joins two parts flexibly
                if self.i + 1 < len(self.s) and not (self.s[self.i + 1].isspace() or self.s[self.i + 1] in "()|?*"):
                    if buf:
                        flush("hyphen")
                    else:
                        pending_join = "hyphen"
                    self.i += 1
                    continue
            buf.append(ch)
            self.i += 1
        flush("tight")
        if not parts:
            raise self.error("empty word", start)
        if star and parts[-1][0] != "lit":
            raise self.error("'*' must follow letters (as in guarantee*)")
        if tilde:
            if parts[-1][0] != "lit" or not parts[-1][1].isalpha():
                raise self.error("'~' must follow a word of letters only (as in reverse~)", start)
            parts[-1] = ("inf", parts[-1][1])
        return _Atom(parts, joins, star=star, column=start + 1)


def _close(name: str, known) -> str:
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f'; did you mean "{near[0]}"?' if near else ""


def _expand_lexicon(name: str, lexicons: dict[str, tuple[str, ...]], column: int,
                    stack: tuple[str, ...]) -> list[list[_Atom]]:
    """The alternatives (one list of atoms per term) of lexicon `name`; a term that is
    itself `{other}` brings in that lexicon's terms. Cycles, depth and size are refused."""
    if name not in lexicons:
        known = " (this knowledge base has no [[lexicon]])" if not lexicons else _close(name, lexicons)
        raise PatternError(f'unknown lexicon "{name}"{known}', column)
    if name in stack:
        raise PatternError("lexicons form a cycle: " + " -> ".join((*stack[stack.index(name):], name)), column)
    if len(stack) >= MAX_LEXICON_DEPTH:
        raise PatternError(f"lexicons nest more than {MAX_LEXICON_DEPTH} deep: " + " -> ".join((*stack, name)), column)
    out: list[list[_Atom]] = []
    for term in lexicons[name]:
        ref = _LEXICON_REF.fullmatch(term.strip())
        if ref:
            out.extend(_expand_lexicon(ref.group(1), lexicons, column, (*stack, name)))
        else:
            out.append(list(_term_atoms(term, name)))
        if len(out) > MAX_LEXICON_TERMS:
            raise PatternError(f'lexicon "{name}" expands to more than {MAX_LEXICON_TERMS} terms', column)
    if not out:
        raise PatternError(f'lexicon "{name}" has no terms', column)
    return out


@functools.lru_cache(maxsize=8192)
def _term_atoms(term: str, name: str) -> tuple[_Atom, ...]:
    """One lexicon term as atoms: words (with * ~ # and hyphens as in patterns), no
    gaps, groups or optional items. Its last plain word also matches with s or es."""
    try:
        if not term.strip():
            raise PatternError("the term is empty")
        items = _Parser(term).parse()
    except PatternError as exc:
        raise PatternError(f'lexicon "{name}", term "{term}": {exc.message}') from None
    if not all(isinstance(it, _Atom) and not it.optional for it in items):
        raise PatternError(f'lexicon "{name}", term "{term}": a term is plain words (no gaps, groups or ?)')
    if len(items) > MAX_ITEMS:
        raise PatternError(f'lexicon "{name}", term "{term}": at most {MAX_ITEMS} words')
    last = items[-1]
    part = last.parts[-1]
    if part[0] == "lit" and not last.star and part[1].isalpha():
        items[-1] = _Atom([*last.parts[:-1], ("pl", part[1])], last.joins, column=last.column)
    return tuple(items)


def check_lexicons(lexicons: Lexicons) -> list[tuple[str, str]]:
    """(lexicon id, problem) for each lexicon whose terms are invalid, too many, or
    that names an unknown lexicon or takes part in a cycle."""
    table = dict(lexicons)
    problems = []
    for name, _terms in lexicons:
        try:
            _expand_lexicon(name, table, 1, ())
        except PatternError as exc:
            problems.append((name, exc.message))
    return problems


def _check_items(items: list, source: str) -> None:
    if not items:
        raise PatternError("the pattern is empty", None)
    if len(items) > MAX_ITEMS:
        raise PatternError(f"the pattern has {len(items)} items; at most {MAX_ITEMS} are allowed", None)
    gaps = [it for it in items if isinstance(it, _Gap)]
    if len(gaps) > MAX_GAPS:
        raise PatternError(f"at most {MAX_GAPS} gaps '...' are allowed in a pattern", gaps[MAX_GAPS].column)
    for end, name in ((items[0], "start"), (items[-1], "end")):
        if isinstance(end, _Gap):
            raise PatternError(f"a pattern cannot {name} with a gap '...'", end.column)
        if end.optional:
            raise PatternError(f"a pattern cannot {name} with an optional item (it would change nothing); leave it out", end.column)
    ways = _ways(items)
    if ways > MAX_WAYS:
        raise PatternError(
            f"the pattern can match in too many ways at one place ({ways}; at most {MAX_WAYS}): "
            "use fewer or shorter gaps, fewer optional items, or alternatives that start with different words")
    for a, b in zip(items, items[1:], strict=False):
        if isinstance(a, _Gap) and isinstance(b, _Gap):
            raise PatternError("two gaps in a row; write one gap with a larger number, e.g. ...6", b.column)
        if isinstance(a, _Gap) and b.optional or isinstance(b, _Gap) and a.optional:
            raise PatternError("an optional item next to a gap is ambiguous; widen the gap instead", b.column)


def _ways(items: list) -> int:
    """An upper bound of the ways the pattern can match at one place: each gap ...N
    counts N+1, each optional item 2, a group the most alternatives that share a first
    word (alternatives that start differently cannot both match)."""
    ways = 1
    for item in items:
        if isinstance(item, _Gap):
            ways *= item.words + 1
            continue
        if item.optional:
            ways *= 2
        if isinstance(item, _Group):
            firsts: dict[str, int] = {}
            for alt in item.alternatives:
                part = alt[0].parts[0]
                key = "#" if part[0] == "num" else (re.match(r"\W*\w*", _part_text(part)).group().lower())  # type: ignore[union-attr]  # always matches
                firsts[key] = firsts.get(key, 0) + 1
            ways *= max(firsts.values())
    return ways


def _to_regex(items: list) -> str:
    out: list[str] = []
    for idx, item in enumerate(items):
        if isinstance(item, _Gap):
            continue
        # every item but the last is followed by a separator (a pattern cannot end with
        # an optional item or a gap)
        body = item.regex(lead=idx == 0, trail=idx == len(items) - 1)
        if idx == 0:
            out.append(body)
            continue
        prev = items[idx - 1]
        lead = _SEP
        if isinstance(prev, _Gap):
            lead = _SEP + f"(?:{_GAP_WORD}{_SEP}){{0,{prev.words}}}"
        if item.optional:
            out.append(f"(?:{lead}{body})?")
        else:
            out.append(lead + body)
    return "".join(out)


def _first_anchors(item) -> tuple[Anchor, ...] | None:
    """Anchors of the first token an item matches (None when it cannot be told cheaply)."""
    atoms = [item] if isinstance(item, _Atom) else [alt[0] for alt in item.alternatives]
    out: list[Anchor] = []
    for atom in atoms:
        for anchor, _ in atom.entries(None):
            if anchor.scan:
                return None
            if anchor not in out:
                out.append(anchor)
    return tuple(out)


def _following(items: list) -> tuple[Anchor, ...] | None:
    """Anchors of the token after the first item: those of the next item, and of the
    one after it while items are optional (None after a gap or when unknown)."""
    found: list[Anchor] = []
    for item in items[1:]:
        if isinstance(item, _Gap):
            return None
        anchors = _first_anchors(item)
        if anchors is None:
            return None
        found.extend(a for a in anchors if a not in found)
        if not item.optional:
            return tuple(found)
    return None


def _entries(items: list) -> tuple[tuple[Anchor, tuple[Anchor, ...] | None], ...]:
    following = _following(items)
    first = items[0]
    out: list[tuple[Anchor, tuple[Anchor, ...] | None]] = []
    if isinstance(first, _Atom):
        out.extend(first.entries(following))
    else:
        for alt in first.alternatives:
            out.extend(alt[0].entries(_first_anchors(alt[1]) if len(alt) > 1 else following))
    seen: list = []
    for entry in out:
        if entry not in seen:
            seen.append(entry)
    return tuple(seen)


def compile_pattern(source: str, lexicons: Lexicons = ()) -> CompiledPattern:
    """Compile one pattern; `{name}` takes its terms from `lexicons`. Raises PatternError
    with a message and a 1-based column."""
    return _compile(source, lexicons if "{" in source else ())


def check_pattern(source: str, lexicons: Lexicons = ()) -> None:
    """Validate one pattern without building its matcher (knowledge-base validation).
    Raises PatternError exactly where compile_pattern would."""
    _parse_checked(source, lexicons if "{" in source else ())


@functools.lru_cache(maxsize=8192)
def _parse_checked(source: str, lexicons: Lexicons = ()) -> tuple:
    if not isinstance(source, str):
        raise PatternError("a pattern must be text")
    if len(source) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is {len(source)} characters long; at most {MAX_PATTERN_LENGTH} are allowed")
    if not source.strip():
        raise PatternError("the pattern is empty")
    items = _Parser(source, dict(lexicons)).parse()
    _check_items(items, source)
    return tuple(items)


# Patterns recur (validation, every checker built after a reload): build each once.
@functools.lru_cache(maxsize=8192)
def _compile(source: str, lexicons: Lexicons = ()) -> CompiledPattern:
    items = list(_parse_checked(source, lexicons))
    cp = CompiledPattern(source, _to_regex(items), _entries(items), _words(items), _required(items), _ways(items))
    alternatives = sum(len(item.alternatives) for item in items if isinstance(item, _Group))
    cp.cost = cp.ways * max(1, alternatives // 32)
    cp.in_clause = not any(set(part[1]) & CLAUSE_END_CHARS for atom in _all_atoms(items)
                           for part in atom.parts if part[0] != "num")
    cp._lexicons = lexicons
    return cp


def _required(items: list) -> tuple[frozenset[str], ...]:
    out = []
    for item in items[1:]:
        if isinstance(item, _Gap) or item.optional:
            continue
        anchors = _first_anchors(item)
        if anchors and all(not (a.prefix or a.number or a.scan) for a in anchors):
            out.append(frozenset(a.word for a in anchors))
    return tuple(out)


def _needs(items: list) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    """Per mandatory item whose first token is a word or a word start (not a number, not
    unknown): (exact words, prefixes) in lower case. Every word item is bounded by a
    separator or a word boundary on both sides, so a match holds, for each item, one
    whole token of the text (\\w+, lower-cased) equal to an exact word or starting
    with a prefix: a text span lacking one cannot match (a pre-check, like `required`)."""
    out = []
    for item in items:
        if isinstance(item, _Gap) or item.optional:
            continue
        anchors = _first_anchors(item)
        if not anchors or any(a.number or a.scan for a in anchors):
            continue
        out.append((frozenset(a.word for a in anchors if not a.prefix),
                    tuple(sorted({a.word for a in anchors if a.prefix}))))
    return tuple(out)


def _all_atoms(items: list) -> list[_Atom]:
    atoms: list[_Atom] = []
    for item in items:
        if isinstance(item, _Atom):
            atoms.append(item)
        elif isinstance(item, _Group):
            atoms.extend(a for alt in item.alternatives for a in alt)
    return atoms


def _words(items: list) -> frozenset[str]:
    words: set[str] = set()
    for atom in _all_atoms(items):
        for part in atom.parts:
            if part[0] in _WORDLIKE:
                words.update(w.lower() for w in re.findall(r"\w+", part[1]))
    return frozenset(words)
