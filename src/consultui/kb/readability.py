"""Reading grade of patient wording: Flesch-Kincaid, computed here (no library).

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

(Kincaid, Fishburne, Rogers, Chissom 1975, "Derivation of new readability formulas
for Navy enlisted personnel", Research Branch Report 8-75.) Syllables are not looked
up in a dictionary but estimated with a heuristic, so a grade is approximate (about
one syllable in twenty is miscounted on ordinary English):

- a word is split at hyphens ("split-face" is split + face, one word);
- each run of vowels (a e i o u y) is one syllable, but "ia", "iu" and "ua" are two
  ("tri-al", "pre-mi-um", "ac-tu-al") except after t, c or s ("-tial", "-cial",
  "-sian") and "ua" after q or g ("qua-", "lan-guage");
- a final silent "e" is not ("make"), except in "-le" after a consonant ("ta-ble")
  and in "-ee"/"-ye"; a final "-es"/"-ed" is not a syllable of its own ("makes",
  "used") unless a t/d comes before "-ed" ("wan-ted"), a hissing sound before
  "-es" ("buses", "ages") or the ending is "-ies" ("stu-dies");
- every word has at least one syllable; a number ("2025", "1,500") counts as a word
  of two syllables.

Sentences end at . ! or ? followed by a space and a capital letter or a digit, or at
the end of the text, so "e.g. a" and "U.S. rules" do not end one. The formula is
coarse on a text of one or two sentences: use it to find wording to look at again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’,.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_NUMBER = re.compile(r"^[0-9][0-9,.]*$")
_SENTENCE_END = re.compile(r"[.!?]+[\"'’”)\]]*(?:\s+(?=[A-Z0-9\"'‘“(])|\s*$)")
_VOWEL_RUNS = re.compile(r"[aeiouy]+")
_TWO_VOWELS = re.compile(r"(?<![tcs])i[au]|(?<![qg])ua")
_HISSING_BEFORE_ES = ("ses", "zes", "ces", "ges", "xes", "shes", "ches")


def syllables(word: str) -> int:
    """Estimated syllables of one word (see the module docstring)."""
    if _NUMBER.match(word):
        return 2
    total = 0
    for part in word.lower().split("-"):
        letters = re.sub(r"[^a-z]", "", part)
        if letters:
            total += _part_syllables(letters)
    return max(total, 1)


def _part_syllables(word: str) -> int:
    count = len(_VOWEL_RUNS.findall(word)) + len(_TWO_VOWELS.findall(word))
    if len(word) > 2:
        if word.endswith("e") and not word.endswith(("ee", "ye")):
            if not (word.endswith("le") and word[-3] not in "aeiouy"):
                count -= 1
        elif word.endswith("es") and not word.endswith(_HISSING_BEFORE_ES + ("ies",)):
            count -= 1
        elif word.endswith("ed") and not word.endswith(("ted", "ded")):
            count -= 1
    return max(count, 1)


def _words(text: str) -> list[str]:
    # Inner dots and commas belong to numbers ("1,500", "2.5"); after a word they end it.
    out: list[str] = []
    for token in _WORD.findall(text):
        if not _NUMBER.match(token):
            out.extend(piece for piece in re.split(r"[,.]+", token) if piece)
        else:
            out.append(token)
    return out


def sentence_count(text: str) -> int:
    ends = len(_SENTENCE_END.findall(text.strip()))
    return max(ends, 1)


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """The Flesch-Kincaid grade level (0.0 for a text without words)."""
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59


def readability(text: str) -> Readability:
    words = _words(text)
    return Readability(len(words), sentence_count(text), sum(syllables(w) for w in words))


def flesch_kincaid_grade(text: str) -> float:
    return readability(text).grade
