"""Claims whose subject or trigger lies outside their sentence. No Textual, no I/O.

A claim can be split over a question and its answer ("Does it hurt? Not at all."),
lean on the sentence before it ("... FDA scientists. It is cleared for use."; "Ageing
thins the skin. It can reverse this process."), or be laid out as a table ("| Downtime
| 1-2 days | None |"). For each such place this module writes a short *virtual
statement* that says the claim in one sentence ("it does not hurt", "It is cleared
by FDA", "can reverse ageing", "Downtime - None"); the checker runs the rules over
these statements and maps every finding back to the words of the page it stands for,
with a note that says which context was used.

Bounded and linear: each kind of context is found by one regular-expression pass over
the text, looks at most one sentence back, and writes a statement no longer than the
sentences it comes from (tables: a row's cells, at most MAX_TABLE_CELLS per row).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from consultui.claims.alternation import factored, spans
from consultui.kb.regexcache import compile_regex

__all__ = ["Virtual", "virtual_statements", "MAX_TABLE_CELLS"]

MAX_TABLE_CELLS = 8       # cells of a table row read (a wider row is data, not copy)
_MAX_QUESTION = 200       # characters of a question read
_LOOK_BACK = 400          # characters of the previous sentence read


@dataclass(frozen=True)
class Virtual:
    """A statement to check in place of a page's words: `origin[i]` is the offset in the
    checked text that character i stands for; `why` is said in the finding's message."""

    text: str
    origin: tuple[int, ...]
    why: str
    span: tuple[int, int] | None = None  # set: a finding anywhere in it marks this span



class _Writer:
    """Builds one statement from pieces of the text (mapped char by char) and added words
    (mapped to one offset)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.origin: list[int] = []

    def copy(self, text: str, start: int, end: int) -> None:
        self.parts.append(text[start:end])
        self.origin.extend(range(start, end))

    def add(self, words: str, at: int) -> None:
        self.parts.append(words)
        self.origin.extend([at] * len(words))

    def build(self, why: str, span: tuple[int, int] | None = None) -> Virtual:
        return Virtual("".join(self.parts), tuple(self.origin), why, span)


# -- a question and its answer --------------------------------------------------

_QUESTION = compile_regex(
    r"(?:^|(?<=[.!?\n]))[ \t]*(?:q\s*[:.)-]\s*)?(?P<q>(?P<aux>does|do|did|will|would|can|could|is|are|was|were|should|am)\s+"
    r"(?P<subj>it|this|they|that|there|i|you|we|the \w+(?: \w+)?|exosomes?|prp|stem cells?|\w+ therapy|\w+ treatment)\s+"
    r"(?P<rest>[^?\n.!]{1,160})|who(?:\s+(?:is|are|can|should)|['\u2019]s)\s+[^?\n.!]{1,80}|"
    r"how\s+(?:long|much)\s+(?:is|are|will)\s+(?:the\s+|my\s+|your\s+)?(?P<what>[^?\n.!]{1,60})|"
    r"(?P<noun>recovery time|recovery|downtime|down time|pain|side[ -]effects?|risks?|complications?|scarring))\?[ \t\"'\u201d]*(?:\n[ \t]*)?",
    re.IGNORECASE)
# "Honestly? Anyone.": a word that only announces the answer
_LEAD = r"(?:a\s*[:.)-]\s*|answer\s*[:.-]\s*|(?:honestly|truthfully|in short|short answer|the short answer|simply put)[?:!.,]?\s+)?"
_ANSWER_NO = compile_regex(
    _LEAD + r"(?P<a>(?:no|nope|not at all|not really|absolutely not|none|none at all|"
    r"(?:absolutely|practically|virtually|almost|basically) (?:none|zero|nil|nothing)|none whatsoever|"
    r"nothing|never|zero|not one bit|not a bit|not in the (?:slightest|least)|not even (?:a little|slightly)|"
    r"hardly at all|barely at all|barely|hardly)\b[^.!?\n]{0,60})", re.IGNORECASE)
_ANSWER_YES = compile_regex(
    _LEAD + r"(?P<a>(?:yes,?\s+)?(?P<adv>absolutely|completely|totally|entirely|"
    r"100%|definitely|always|of course|almost certainly|most likely|certainly|without a doubt|undoubtedly|for sure)(?!\w)"
    r"[^.!?\n]{0,60})", re.IGNORECASE)
_ANSWER_ALL = compile_regex(
    _LEAD + r"(?P<a>(?:almost |nearly |virtually |practically |just about )?"
    r"(?:everyone|everybody|anyone|anybody|all adults|all ages|all skin types|any adult|every adult)\b[^.!?\n]{0,60})",
    re.IGNORECASE)


# A plain "Yes." (or "Yes -" / "Yes," going on without a qualification) says the question
# in the affirmative: "Can it spare me a knee replacement? Yes."
_ANSWER_PLAIN_YES = compile_regex(_LEAD + r"(?P<a>yes)\b(?:[.!]|\s*[\u2014\u2013-]|,)(?P<more>[^.!?\n]{0,60})", re.IGNORECASE)
_QUALIFIED = compile_regex(r"\b(?:but|however|although|though|only|some|sometimes|depends|partly|partially|not|in theory|"
                        r"in some|may|might|can be|usually|often)\b", re.IGNORECASE)
_WHO_SHOULD_NOT = compile_regex(r"\b(?:not|avoid|think twice|steer clear|careful|reconsider|wary|skip|wait)\b", re.IGNORECASE)
_CERTAINTY = frozenset({"without a doubt", "undoubtedly", "for sure", "definitely", "certainly", "of course",
                        "almost certainly", "most likely"})


def _words_end(text: str, a: re.Match[str]) -> int:
    """End of the answer's first clause ("Not at all", not the sentence after it)."""
    m = re.compile(r"[,;:(\u2013\u2014]").search(text, a.start("a"), a.end("a"))
    return (m.start() if m else a.end("a")) if text[a.start("a"):a.end("a")].strip() else a.end("a")


def _questions(text: str):
    """The questions of the text, found from each "?" (a question sentence ends there)."""
    seen = -1
    for qm in re.finditer(r"\?", text):
        k = qm.start()
        for m in _QUESTION.finditer(text, max(0, k - _MAX_QUESTION), min(len(text), k + 40)):
            if m.end("q") == k and m.start() > seen:
                seen = m.start()
                yield m
                break


def _qa(text: str) -> list[Virtual]:
    out = []
    for m in _questions(text):
        after = m.end()
        q = m.group("q")
        if q.lower().startswith("who"):
            if _WHO_SHOULD_NOT.search(q):
                continue  # "Who should think twice? Anyone expecting guaranteed results."
            a = _ANSWER_ALL.match(text, after)
            if a:
                w = _Writer()
                w.add("suitable for ", a.start("a"))
                w.copy(text, a.start("a"), a.end("a"))
                out.append(w.build(f"read as the answer to \"{q.strip()}?\"", (a.start("a"), _words_end(text, a))))
            continue
        no = _ANSWER_NO.match(text, after)
        yes = None if no else _ANSWER_YES.match(text, after)
        plain = None
        if not (no or yes):
            plain = _ANSWER_PLAIN_YES.match(text, after)
            if plain is not None and _QUALIFIED.search(plain.group("more")):
                plain = None  # "Yes, but only for ..." is not a yes
        a = no or yes or plain
        if a is None:
            continue
        span = (a.start("a"), a.end("a"))
        at = span[0]
        w = _Writer()
        if m.group("what") or m.group("noun"):   # "How long is the downtime?" / "Recovery time?" "None." -> "no downtime"
            if not no:
                continue
            w.add(f"no {m.group('what') or m.group('noun')}", at)
        else:
            aux, subj, rest = m.group("aux").lower(), m.group("subj"), m.group("rest")
            w.add(subj + " ", at)
            if no:
                any_word = re.search(r"\bany\b", rest, re.IGNORECASE)
                if any_word:  # "Is there any downtime?" "No." -> "there is no downtime"
                    w.add(f"{aux} {rest[:any_word.start()]}no{rest[any_word.end():]}", at)
                elif subj.lower() == "there":  # "Are there side effects?" "None."
                    w.add(f"{aux} no {rest}", at)
                else:         # "Does it hurt?" "Not at all." -> "it does not hurt"
                    w.add(f"{aux} not {rest}", at)
            elif plain is not None:  # "Can it spare me surgery?" "Yes." -> "it can spare me surgery"
                w.add(f"{aux} {rest}", at)
            elif aux == "am" and re.search(r"\bcandidate\b", rest, re.IGNORECASE):
                # "Am I a candidate?" "Almost certainly." says nearly every reader is
                w.add("almost everyone is a candidate", at)
            else:             # "Is it safe?" "Completely." -> "it is completely safe"
                adv = yes.group("adv")  # type: ignore[union-attr]  # yes is set here
                if adv.lower() in _CERTAINTY:  # "Yes, without a doubt." says "absolutely"
                    adv = "absolutely"
                w.add(f"{aux} {adv} {rest}", at)
        # the statement stands for the answer's words: a finding marks the answer
        out.append(w.build(f"read as the answer to \"{q.strip()}?\"", (span[0], _words_end(text, a))))
    return out


# -- a pronoun or "this process" whose referent is in the previous sentence ---------

_APPROVAL_PRONOUN = compile_regex(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))[ \t]*(?P<claim>(?:it|this|they|these|this product|the product|our product|"
    r"this serum|this treatment|the treatment)\s+(?:is|are|has been|have been|was|were)\s+(?:\w+ly\s+)?"
    r"(?:approved|cleared|registered|licensed|licenced|certified|authori[sz]ed|endorsed|sanctioned))\b",
    re.IGNORECASE)
# Both kinds of trigger in one pass: an approval verb, or "this process".
_TRIGGER = factored(r"\b(?:approved|cleared|registered|licensed|licenced|certified|authorised|authorized|"
                    r"endorsed|sanctioned|this\s+(?:process|decline|condition|problem)|"
                    r"that\s+(?:process|decline|condition|problem)|the same\s+(?:process|decline|condition|problem))\b",
                    re.IGNORECASE)
_AGEING = compile_regex(r"\b(?:ageing|aging|age-related|getting older|signs of age)\b", re.IGNORECASE)
_HAIR_LOSS = compile_regex(r"\b(?:hair loss|hair-loss|balding|baldness|alopecia|thinning hair|hair thinning)\b",
                        re.IGNORECASE)
_SENTENCE_BACK = compile_regex(r"[.!?][\"'\u201d\u2019)]*\s")


def _previous_sentence(text: str, start: int, back: int = 1) -> tuple[int, int]:
    """The `back` sentences before the one starting at or before `start` (bounded
    look-back of _LOOK_BACK characters per sentence)."""
    lo = max(0, start - _LOOK_BACK * back)
    ends = [m.end() for m in _SENTENCE_BACK.finditer(text, lo, start)]
    # the current sentence begins after the last end; the previous ones after the ends before
    if not ends:
        return lo, start
    cur = ends[-1]
    prev = ends[-1 - back] if len(ends) > back else lo
    return prev, cur


def _referents(text: str, regulator: re.Pattern[str] | None) -> list[Virtual]:
    out = []
    triggers = [(a, b, text[a:b]) for a, b in spans(_TRIGGER, text)]
    verbs = [t for t in triggers if " " not in t[2] and "\t" not in t[2] and "\n" not in t[2]]
    if regulator is not None:
        for v_start, v_end, _ in verbs:
            m = _APPROVAL_PRONOUN.search(text, max(0, v_start - 80), v_end)
            if m is None or m.end("claim") != v_end:
                continue
            p0, p1 = _previous_sentence(text, m.start("claim"))
            reg = regulator.search(text, p0, p1)
            if reg is None:
                continue
            w = _Writer()
            w.copy(text, m.start("claim"), m.end("claim"))
            w.add(f" by {reg.group()}", m.end("claim") - 1)
            out.append(w.build(f"\"{m.group('claim').split()[0]}\" refers to the previous sentence, "
                               f"which names {reg.group()}", (m.start("claim"), m.end("claim"))))
    for t_start, t_end, said in (t for t in triggers if len(t[2].split()) > 1):
        # "this process" may point back past one sentence of elaboration ("Ageing is ...
        # Our programme tops them up. It can reverse this process."): the nearer
        # sentence first, then the one before it.
        p0, p1 = _previous_sentence(text, t_start)
        s0 = p1 if p1 <= t_start else t_start
        ref = _AGEING.search(text, p0, p1) or _HAIR_LOSS.search(text, p0, p1)
        if ref is None:
            q0, _ = _previous_sentence(text, t_start, back=2)
            if q0 < p0:
                ref = _AGEING.search(text, q0, p0) or _HAIR_LOSS.search(text, q0, p0)
        if ref is None:
            continue
        end = text.find(".", t_end, t_end + 200)
        end = end if end >= 0 else min(len(text), t_end + 200)
        w = _Writer()
        w.copy(text, s0, t_start)
        w.add(ref.group().lower(), t_start)
        w.origin[-1] = t_end - 1
        w.copy(text, t_end, end)
        where = "the previous sentence" if ref.start() >= p0 else "an earlier sentence"
        out.append(w.build(f"\"{said}\" refers to {ref.group().lower()} in {where}"))
    return out


# -- comparisons laid out as tables -------------------------------------------------

_TABLE_ROW = compile_regex(r"(?m)^[ \t]*\|?(?P<body>[^|\n]*\|[^\n]*?)\|?[ \t]*$")
_SEPARATOR = compile_regex(r"^[\s|:\-]+$")


def _tables(text: str) -> list[Virtual]:
    out = []
    for m in _TABLE_ROW.finditer(text):
        if _SEPARATOR.match(m.group()):
            continue
        cells = []  # (start, end) of each cell's words
        pos = m.start("body")
        for piece in m.group("body").split("|")[:MAX_TABLE_CELLS + 1]:
            lead = len(piece) - len(piece.lstrip())
            cells.append((pos + lead, pos + len(piece.rstrip())))
            pos += len(piece) + 1
        label, values = cells[0], [c for c in cells[1:] if c[1] > c[0]]
        if label[1] <= label[0] or not values:  # a header row ("| | PRP | Exosomes |")
            continue
        why = f"read from the table row \"{text[label[0]:label[1]]}\""
        for v in values:           # "Downtime - None"
            w = _Writer()
            w.copy(text, *label)
            w.add(" - ", v[0])
            w.copy(text, *v)
            out.append(w.build(why))
        if len(values) >= 2:       # "Sessions needed - 3-4 vs 1"
            w = _Writer()
            w.copy(text, *label)
            w.add(" - ", values[0][0])
            for i, v in enumerate(values):
                if i:
                    w.add(" vs ", v[0])
                w.copy(text, *v)
            out.append(w.build(why))
    return out


def virtual_statements(text: str, regulator: re.Pattern[str] | None = None) -> list[Virtual]:
    """The statements to check for claims split over sentences or table cells.
    `regulator` finds a regulator's name (from the knowledge base's lexicon)."""
    out: list[Virtual] = []
    if "?" in text:
        out.extend(_qa(text))
    out.extend(_referents(text, regulator))
    if "|" in text:
        out.extend(_tables(text))
    return out
