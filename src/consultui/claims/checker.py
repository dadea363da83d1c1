"""The red-flag advertising-claims checker. A plain module: no Textual, no printing.

    checker = Checker(kb.rules)          # compile once
    findings = checker.check(text)       # plain text
    findings = check_document(raw, kind, checker)   # HTML/Markdown/text, offsets into raw

How a text is checked
1. One pass finds the candidate positions: the distinct words of the text are looked
   up in an index of the patterns' first words (exact words, `word*` prefixes,
   numbers); patterns whose mandatory words are absent from the text are set aside;
   at each candidate position the next token is read and only the patterns filed
   under both tokens are tried, with an anchored regex match (compiled on first use).
   Time grows with the text and the number of hits, not with the rule count.
2. Context decides which hits are claims. A hit is dropped when, in its clause, a
   negation comes before it within 10 words ("not", "no", "never", "cannot",
   "no treatment can", "neither", any "n't"; but not "not only", "no wonder",
   "don't miss"), or speculation or an open question comes before it ("hope",
   "one day", "whether", "trials are needed to show"), or a denial follows it
   ("... is not", "... are a myth", "... is still far off"); when the sentence is a
   question answered "No"; when the sentence reports or warns about such wording
   before it ("be wary of", "avoid", "red flag", "clinics that claim", "touted as",
   "advertisements", "claimed"), or calls it a sign of exaggeration after it; when
   the hit is in quotes and the paragraph around it warns ("misleading", "beware",
   "banned") or the quote is attributed as a claim ("..." claims one review); when
   one or two words are set in scare quotes ("a 'cure' for ageing").
   Words inside the hit never count as context, so "no side effects" and
   "risk-free" stay flagged; quoted testimonials stay flagged too.
   A hedge within 4 words before a hit ("may", "might", "could", "possibly") does
   not drop it: regulators (FTC 2022) do not accept a hedge as a defence. The
   finding is reported one severity lower, with a message that says so.
3. A rule's `exceptions` are searched in the hit's sentence; an exception match that
   overlaps the hit drops it.
4. Overlapping hits give one finding: the longest span wins, then the higher
   severity, then the rule listed first. Hits of the same category in one sentence
   separated by at most 4 words (no sentence end between) are merged into one.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

from consultui.claims.alternation import factored, lower_view, plain, required_words
from consultui.claims.context import virtual_statements
from consultui.claims.extract import extract
from consultui.kb import model, patterncache, regexcache
from consultui.kb.regexcache import compile_regex
from consultui.kb.model import Rule
from consultui.kb.patterns import NUMBER_RE, NUMBER_WORDS, Anchor, CompiledPattern, PatternError, compile_pattern
from consultui.fileread import FileReadError, read_limited
from consultui.textdecode import DecodeError, decode_utf8

NUMBER_WORDS_SET = frozenset(NUMBER_WORDS)

__all__ = [
    "SEVERITIES", "SEVERITY_ORDER", "Finding", "Checker", "RuleError", "TextFileError",
    "check_document", "read_text_file", "decode_text", "CheckWork", "MAX_TEXT_BYTES",
]

# Both derived from the one order of severities, kb.model.SEVERITIES (highest first):
# lowest first here (the order of the CLI choices), and the rank (low 1 ... high 3) that
# severities are compared by.
SEVERITIES = tuple(reversed(model.SEVERITIES))
SEVERITY_ORDER = {level: rank for rank, level in enumerate(SEVERITIES, 1)}


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    severity: str
    start: int        # 0-based character offsets into the checked text (end exclusive)
    end: int
    line: int         # 1-based
    column: int       # 1-based, in characters
    text: str         # the checked text[start:end]
    message: str
    suggestion: str
    refs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "category": self.category, "severity": self.severity,
            "start": self.start, "end": self.end, "line": self.line, "column": self.column,
            "text": self.text, "message": self.message, "suggestion": self.suggestion,
            "refs": list(self.refs),
        }


@dataclass(frozen=True)
class CheckWork:
    """What one check did, counted (tests assert on it instead of on seconds): `words` in
    the text, candidate word `positions` where patterns were tried, anchored pattern `attempts` (one regex
    match each, bounded by the pattern's ways), `scans` of a whole text by patterns that
    start with a sign, and pattern regexes `compiled` so far by this checker."""

    words: int = 0
    positions: int = 0
    attempts: int = 0
    scans: int = 0
    compiled: int = 0
    work: int = 0  # attempts weighted by each pattern's ways: the bound on regex steps
    stopped_at: int | None = None  # where the check gave up (over its work budget), else None

    @property
    def stopped_early(self) -> bool:
        return self.stopped_at is not None


# The work budget of one check, so that no rule set (a user may write 1,000 rules) can make
# a check run for minutes: at any point of the text, the work so far may not exceed
# WORK_BASE + WORK_PER_CHAR x the characters read. The bundled rules do about 1 unit per
# character on claim-dense copy; the hostile rule sets of issue 11 do 20 to 300.
WORK_BASE = 50_000
WORK_PER_CHAR = 8


class RuleError(ValueError):
    """A rule whose pattern cannot be compiled (names the rule and the pattern)."""

    def __init__(self, rule_id: str, pattern: str, error: PatternError) -> None:
        super().__init__(f"rule {rule_id!r}: invalid pattern {pattern!r}: {error}")
        self.rule_id = rule_id
        self.pattern = pattern
        self.error = error


class TextFileError(ValueError):
    """A file that cannot be checked: unreadable, or not UTF-8 text. Names the file."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


# The largest text checked: a long web page is well under 1 MB; far more is a wrong file
# (and a check's cost grows with it). Files and standard input alike.
MAX_TEXT_BYTES = 10 * 1024 * 1024


def read_text_file(path: str | Path) -> str:
    """The file's text. A leading UTF-8 byte-order mark is removed: offsets, lines and
    columns reported for the file count characters after it (as editors show them).
    Raises TextFileError naming the file when it cannot be read (a named pipe, a device,
    over MAX_TEXT_BYTES) or is not UTF-8."""
    name = str(path)
    try:
        data = read_limited(path, MAX_TEXT_BYTES, "a text file")
    except FileReadError as exc:
        raise TextFileError(name, exc.message) from None
    return decode_text(data, name)


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (BOM removed) or raise TextFileError with the line and column."""
    try:
        return decode_utf8(data, name)
    except DecodeError as exc:
        raise TextFileError(
            name,
            f"not UTF-8 text (byte 0x{exc.byte:02x} at line {exc.line}, column {exc.column}); "
            "save it as UTF-8 and check it again",
        ) from None


# -- context ------------------------------------------------------------------

_WORD = compile_regex(r"\w+")
# A clause end that no match of an in-clause pattern contains (see CompiledPattern.in_clause):
# a number's dot is followed by a digit.
# Patterns that cost at least this much an attempt are pre-checked for their later words in
# the clause (cheaper ones: the regex fails about as fast as the pre-check would).
CLAUSE_CHECK_COST = 24
# a dot ends a clause unless a digit follows (2.5); written to start with a character set,
# which the regex engine skips to quickly
_CLAUSE_END = compile_regex(r"[.!?;:|](?:(?<!\.)|(?!\d))")
# The token after a word or number, as pattern separators allow: after spaces, hyphens,
# dashes or a comma, a word or one sign.
_NEXT_TOKEN = compile_regex(r"[\s,\-\u2010-\u2014]{0,12}(\w+|[^\w\s])")
# The same token, captured (group 1) by a look-ahead of the scan that finds a candidate
# word, so that the scan itself says which token follows (None: no token).
_TOKEN_AHEAD = r"(?:(?=" + _NEXT_TOKEN.pattern + "))?"
_WORD_AND_TOKEN = compile_regex(r"\w+" + _TOKEN_AHEAD)
# Sentence ends: . ! ? (with closing quotes), a blank line, or a line break that is
# not followed by a lower-case continuation of the sentence. Written as one leading
# character class, then which one it was (look-behind): the engine then skips every
# other character in C (2.5x faster over a page) with the same matches as
# `[.!?\u2026]+[quotes]*(?=\s|$)|\n[ \t]*\n|\n(?=[ \t]*[^\sa-z])`.
_SENT_END = compile_regex(r"[.!?\u2026\n](?:(?<=[.!?\u2026])[.!?\u2026]*[\"'\u201d\u2019)\]]*(?=\s|$)|"
                       r"(?<=\n)[ \t]*\n|(?<=\n)(?=[ \t]*[^\sa-z]))")
# A comma before "or"/"nor" continues a negated list ("did not claim it was a cure, or a
# permanent fix"), so it does not end the clause a negation reaches over.
_CLAUSE_BREAK = compile_regex(
    r",(?!\s*(?:or|nor)\b)|[;:()\[\]\u2013\u2014|]|\s-\s|\b(?:but|and|so|yet|however|although|though|while|whereas|"
    r"unlike|which|whereas|because|since|instead)\b(?<!not yet)", re.IGNORECASE)
_NEG_FALSE = compile_regex(
    r"\b(?:not only|not just|no wonder|no more|nothing but|never before|no doubt|nothing short of|nothing less than|"
    r"no exaggeration|not surprisingly|no surprise|no question|one of (?:the |very |only a )?few|"
    r"no need to wait|don['\u2019]?t (?:miss|wait|delay|hesitate|forget|let)|do not (?:miss|wait|delay|hesitate))\b",
    re.IGNORECASE)
_NEGATION = factored(
    r"\b(?:not|no|never|neither|nor|none|nothing|nobody|cannot|can['\u2019]?t|won['\u2019]?t|"
    r"\w+n['\u2019]t|unlikely|impossible|without evidence|no one|lacks?|lacking|fail(?:s|ed)? to|failure to|unable to|"
    r"very few|hardly any|insufficient|inadequate|scant|only a (?:handful|few|small number|tiny number))\b",
    re.IGNORECASE)
# Right before a hit, a contrast says the text offers the opposite ("results build gradually
# rather than an immediate plump"); only there: "rather than PRP, choose ..." may still claim.
_CONTRASTED = compile_regex(r"\b(?:rather than|instead of|as opposed to|in place of)\s+(?:(?:an?|the|any|some|so-called)\s+)?$")
_HEDGE = factored(r"\b(?:may|might|could|possibly|potentially|perhaps|maybe)\b", re.IGNORECASE)
# Speculation and open questions: the claim is not asserted ("scientists hope it could
# one day reverse ageing", "whether exosomes are safe and effective").
_SPECULATION = factored(
    r"\b(?:hopes?|hoped|hoping|dreams? of|one day|some ?day|in (?:the )?future|in theory|theoretically|"
    r"whether|if and when|(?:suggested|proposed|hypothesi[sz]ed|speculated|theori[sz]ed|conjectured) that|(?:needed|required|necessary|designed|aims?|trying) to (?:show|prove|confirm|establish|"
    r"demonstrate|test|find out|determine|see)|to (?:show|prove|test|find out|determine|see) (?:if|whether))\b",
    re.IGNORECASE)
# Wording after a hit that calls it exaggeration: "firm guarantees ... are often a sign
# of exaggerated advertising".
_WARNING_AFTER = compile_regex(
    r"\b(?:(?:is|are|was|were)\s+(?:often|usually|always|typically|generally|a)?\s*(?:a\s+)?(?:sign|signs|red flags?|"
    r"warning signs?|marketing|hype|exaggerat\w*|misleading|unsubstantiated|unproven|not supported)|"
    r"(?:is|are|remains?|remained)\s+(?:still\s+)?(?:far off|a long way off|years away|decades away|a distant prospect|"
    r"distant|elusive|a dream|science fiction|unproven)|"
    r"(?:is|are|was|were) (?:not|no) (?:evidence|proof)|(?:isn|aren|wasn|weren)['\u2019]?t (?:evidence|proof)|"
    r"(?:should|must|ought to|would|will) (?:make|leave) (?:\w+ ){0,2}(?:wary|suspicious|sceptical|skeptical|cautious)|"
    r"(?:were|was|are|remain|remained) (?:unconvinced|sceptical|skeptical|unimpressed|doubtful)|"
    r"would be (?:premature|misleading|wrong|an exaggeration|a stretch|irresponsible)|"
    r"(?:can never|cannot|can['\u2019]t|do not|don['\u2019]t|never) (?:guarantee|promise)|"
    r"(?:a|the) (?:pressure|sales|marketing) (?:line|tactic|pitch)|is cheating|"
    r"(?:does|do|did) not (?:mean|imply|indicate|show|prove)|(?:doesn|don|didn)['\u2019]?t (?:mean|imply|indicate|show|prove)|"
    r"(?:come|comes|came) (?:mostly |only |largely )?from (?:small|tiny|uncontrolled|a few|a handful|single|case|anecdot\w*|unpublished)|"
    r"evidence (?:is|remains) (?:still )?(?:thin|weak|limited|lacking|scant|sparse|poor|patchy|inconclusive)|"
    r"which (?:is|was) (?:not true|untrue|false|wrong|misleading))\b",
    re.IGNORECASE)
# A quoted claim attributed as somebody's claim: '"They're magic!" claims one review'.
_ATTRIBUTED = compile_regex(
    r"[\s\"'\u201d\u2019,.!?]*(?:\u2014|-|,)?\s*(?:claims?|claimed|boasts?|boasted|touts?|touted|promises?|promised|"
    r"insists?|insisted|proclaims?|exhorts?|declares?|gushes|gushed)\b", re.IGNORECASE)
# Reported speech of an outsider after the hit: "..., says one health-law scholar". A
# clinic quoting its own doctor ("says our dermatologist") is still the clinic's claim.
_OUTSIDER_NOUNS = (
    r"(?:scholars?|professors?|researchers?|experts?|critics?|scientists?|ethicists?|bioethicists?|lawyers?|regulators?|"
    r"journalists?|academics?|analysts?|reviewers?|investigators?|watchdogs?|sceptics?|skeptics?|reviews?|videos?|"
    r"commissioners?|officials?|spokes(?:person|man|woman)|agency|inspectors?|"
    # the seller's own documents, quoted by someone else ("..., the supplier's catalogue says")
    r"catalogues?|catalogs?|brochures?|leaflets?|flyers?|labels?|adverts?|advertisements?|websites?)")
_OUTSIDER_SAYS = compile_regex(
    r"[^.!?\n]{0,160}?,[\"'\u201d\u2019]?\s*(?:"
    r"(?:says|said|argues|argued|warns|warned|notes|noted|writes|wrote|gushes|gushed|according to)\s+"
    r"(?:one|a|an|the|another|several|many)\s+(?:[\w'\u2019-]+\s+){0,3}?" + _OUTSIDER_NOUNS + r"\b|"
    r"(?:one|a|an|the|another|several|many)\s+(?:[\w'\u2019-]+\s+){0,3}?" + _OUTSIDER_NOUNS +
    r"\s+(?:says|said|argues|argued|warns|warned|notes|noted|writes|wrote|added|explained)\b|"
    # a writer reporting how it looked to someone ("..., almost miraculously, it seemed to her")
    r"it\s+(?:seemed|appeared)\s+to\b)", re.IGNORECASE)
# Only whether a text has one matters (the alternatives grouped by first letter: faster).
_RULING = factored(
    r"\b(?:complainants?|challenged whether|not upheld|upheld|adjudication|ad description|"
    r"the ads? (?:said|stated|claimed|must not appear)|infringement notices?|warning letters?|"
    r"CAP Code|BCAP Code|Clearcast|ASA (?:ruled|ruling|noted|considered|concluded|challenged|agreed)|"
    r"complained|watchdog bans?|bans? (?:\w+[ -]){0,3}ad|(?:the |consent |court )order (?:bars|prohibits|requires))\b",
    re.IGNORECASE)
# In a ruling, a sentence that reports what the ad said or did ("On screen it said ...",
# "implied the treatment stopped hair loss") describes the ad under judgement.
_REPORTED_AD = compile_regex(
    r"\b(?:said|stated|claimed|offered|showed|featured|included|implied|suggested|described|promised|carried|"
    r"noted|found|considered|concluded|understood|argued|believed|challenged)\b",
    re.IGNORECASE)
# A denial right after the hit, or after a short phrase that completes it ("A permanent
# answer to thinning hair does not exist yet", "Guarantees of thicker hair are not allowed").
_DENIAL_AFTER = compile_regex(
    r"[\s\"'\u201d\u2019]*(?:(?:(?:to|for|of|against)\s+)?(?:(?!(?:and|but|or|so|you|we|they|he|she|it|i|this|these|those|there|which|that|who|because|our|your|its|their)\b)[\w'\u2019-]+\s+){0,3}?)?(?:,?\s*but\s+(?:it|they|this|that|these|those)\s+(?:is|are|was|were|does|do)\s*(?:not|n['\u2019]t)\b|(?:is|are|was|were|do|does|did|will|would|can|has|have)\s+(?:not|never)\b|"
    r"(?:isn|aren|wasn|weren|doesn|don|didn|won|can|hasn|haven)['\u2019]?t\b"
    r"(?!\s+(?:be wrong|go wrong|regret|be disappointed|believe|wait|get enough|stop|recommend))|"
    r"(?:is|are)\s+(?:a\s+myth|myths|a\s+legend|legends|a\s+fairy\s+tale|(?:a\s+)?fantasy|fiction|nonsense|unrealistic|impossible|misleading|false|unproven|untrue)\b|"
    r"(?:do|does)\s+not\s+exist)", re.IGNORECASE)
_WARNING = factored(
    r"\b(?:wary|beware|careful|caution|cautious|avoid\w*|red[ -]flags?|warning signs?|sceptic\w*|skeptic\w*|"
    r"suspicious|watch out|be alert|steer clear|misleading|mislead\w*|too good to be true|"
    r"don['\u2019]?t (?:believe|trust|fall for)|distrust|so-called|"
    r"(?:claims?|promises?|phrases?|words?|terms?|wording|buzzwords?|language|expressions?|copy|slogans?|taglines?|"
    r"statements?) (?:like|such as)|(?:the )?kind of (?:line|lines|claim|claims|copy|promise|promises|thing)|"
    r"all over (?:tiktok|instagram|social media|the internet)|alleges?|alleged|allegations?|"
    r"if (?:a|any|the|your|an)\s+(?:clinic|provider|practitioner|website|ad|advert|salon|doctor|company|seller|injector|spa)\s+"
    r"(?:promises?|claims?|offers?|says?|tells?|guarantees?)|"
    r"(?:that|who|which) (?:claim|claims|promise|promises|advertise|advertises|tout|touts|boast|boasts|market|markets|say|says)|"
    r"(?:marketed|advertised|sold|billed|touted|promoted|labell?ed|described|pitched|hailed|heralded|branded|hyped) as|"
    r"shorthand for|sales pitch|critics?|sceptics?|skeptics?|watchdogs?|warn|warns|warned|unapproved|unlicensed|"
    r"(?:by|from) (?:saying|claiming|promising|suggesting|implying|stating|advertising|representing)|(?:was|were|been) told|recalled|sounds? (?:like|almost)|"
    r"(?:they|he|she) (?:said|promised|assured (?:me|us|him|her|them)|told (?:me|us|him|her|them))|"
    r"told (?:the audience|audiences|attendees|him|her|them|reporters|investigators|"
    r"(?:a|an|the|one|our) (?:undercover |secret )?(?:researcher|reporter|journalist|investigator|mystery shopper|shopper))|"
    r"(?:advertise|advertises|advertising|advertised|marketed|promoted|sold|pitched|hailed|heralded|branded) (?:[\w-]+\s+){0,5}as|"
    r"marketing (?:\w+\s+){0,3}(?:suggests?|implies|claims?|says?|promises?|material|copy|language)|"
    r"(?:companies|clinics|firms|sellers|providers|businesses|operators|spas|medspas|salons) (?:[\w-]+\s+){0,2}(?:market|sell|peddle|tout|advertise|promote|pitch)|"
    r"(?:ads|adverts|advertisements|clinics|websites|providers|marketers|sellers|companies) (?:promising|claiming|touting|offering|boasting)|"
    r"describ(?:e|es|ed|ing)\s+(?:\w+\s+){0,3}as|allegedly|reportedly|purportedly|supposedly|"
    r"(?:some|many|other|certain)\s+(?:clinics|providers|sellers|companies|ads|adverts|advertisers|marketers|websites|brands|salons)|"
    r"claiming|claims? to|touting|insist(?:s|ed)?(?! on)|swore|banned|ban|prohibit\w*|not allowed|unlawful|illegal|ruled|breach\w*|regulators?|"
    r"claims|claimed|advertisements?|adverts?|advertising|headlines|hype\w*|buzzwords?|unsubstantiated|"
    r"(?:advocates|proponents|sellers|marketers|advertisers|manufacturers|suppliers|vendors|clinics|companies|brands|providers|presenters|websites|ads)"
    r"(?:\s+(?!and\b|but\b)[\w'-]+){0,4}\s+(?:claim|say|said|claimed|promise|promised|tout|touted|boast|suggest|insist|"
    r"advertised|marketed|promoted|pitched)|"
    r"(?:the|an|one|a|another)\s+(?:influencer|video|post|brochure|leaflet|flyer|ad|advert|website|seller|salesman|"
    r"saleswoman|rep|representative|promoter)\s+(?:says|said|claims|claimed|promised|promises|called|calls|describes|"
    r"described|boasts|boasted)|"
    r"(?:promises|claims|talk) of|(?:marketed|advertised|promoted|touted|billed|pitched) (?:to|for)|"
    r"(?:anyone|those|people|patients|clients|someone) (?:expecting|who expects?|hoping for)|"
    r"(?:ad|advert|advertisement|brochure|leaflet|flyer|website|site|video)['\u2019]?s? (?:[\w'-]+\s+){0,4}(?:said|says|claimed|promised|stated|announced|proclaimed|declared|boasted|touted)|"
    r"(?:re)?packaged as|(?:are|is) (?:treated|seen) as (?:a|an)|(?:has|have) been (?:called|dubbed|hailed as|labell?ed)|(?:are|is|get|gets|got) told|barred|"
    r"(?:that|who|which) (?:sell|sells|sold) (?:a|the)|"
    r"(?:a|the|one|another) (?:clinic|company|founder|review|reviewer|video|seller) (?:[\w-]+\s+){0,3}(?:urges|urged|gushes|gushed|boasts|boasted)|"
    r"(?:the )?pitch is|the (?:promise|selling point|marketing line|sales line) is|"
    r"(?:same|these|such|familiar|usual) (?:lines|phrases|slogans|promises)|"
    r"(?:spoken|talked|written|discussed) (?:about |of )?in|rulings|"
    r"heard (?:people|someone|others|friends|influencers|patients|clients) (?:claim|say|rave|swear)|"
    r"(?:scroll|search|browse)\s+(?:through\s+)?(?:tiktok|instagram|social media|youtube|the internet|online|facebook)|"
    r"(?<!patients )(?<!clients )(?<!customers )(?:tell|tells|telling|told) (?:us|you|people|consumers|customers|patients|readers)|"
    r"(?:market|markets|marketing|sell|sells|selling|pitch|pitches|pitching|bill|bills|hype|hypes|promote|promotes) "
    r"(?:[\w,-]+\s+){0,6}as)\b",
    re.IGNORECASE)
_ANSWER_NO = compile_regex(
    r"^[\s\"'\u201c\u201d]*(?:a\s*[:.)-]\s*|answer\s*[:.-]\s*)?(?:no|nope|none|not\b|never|sadly,? no|unfortunately,? not|"
    r"unfortunately,? no|"
    # an uncertain answer does not make the question a claim either
    r"(?:we|i) (?:don['\u2019]?t|do not|can['\u2019]?t|cannot) (?:know|say|tell)|(?:nobody|no one|no-one) (?:knows|can say|can tell)|"
    r"it depends|unknown|unclear|possibly not|probably not|maybe not|not necessarily|not always|not for everyone|"
    r"only in (?:a|some) (?:narrow|limited|few) (?:sense|way|cases)|not really|partly|partially|"
    r"there (?:is|are) (?:no|not enough|little|limited|too little) (?:good |reliable |published )?(?:research|evidence|data|studies|trials))\b",
    re.IGNORECASE)
_ANSWER_YES = compile_regex(
    r"^[\s\"'\u201c\u201d]*(?:a\s*[:.)-]\s*|answer\s*[:.-]\s*)?(?:yes|yep|absolutely|definitely|of course|certainly)\b",
    re.IGNORECASE)
_PARA_BREAK = compile_regex(r"\n[ \t]*\n")
_QUESTION_CLOSERS = "\"'\u201d\u2019)"
_CLOSE_QUOTE = compile_regex(r"[\"\u201d\u2019\u00bb]")
_CONTEXT = 600      # characters looked at on each side of a hit
_SCAN_FROM = 20_000  # texts this long are always scanned for their candidate words by one regex
_NEG_WORDS = 10
_QUIET_FROM = 3000  # hits from which the sentence cues' words pay for their ~30 ms (built once)
_HEDGE_WORDS = 4
_MERGE_WORDS = 4


class _Sentences:
    """Sentence bounds of one text: found once per check by one regex pass when hits are
    many, or around each hit (at most _CONTEXT characters each way) when they are few."""

    def __init__(self, text: str, local: bool = False, many: bool = False) -> None:
        self.text = text
        self.local = local
        # The context cues are searched in a lower-cased copy without IGNORECASE when
        # that gives the same matches (alternation.lower_view): about twice as fast.
        view = lower_view(text)
        self.low, self.cues = (text, _CUES) if view is None else (view, _PLAIN_CUES)
        # with many hits: the words the sentence cues are made of (built once, ~30 ms)
        self.quiet = _quiet_words() if many and view is not None else None
        self.ends: list[int] = [] if local else [m.end() for m in _SENT_END.finditer(text)]
        self.paragraphs: list[int] = [] if local else [m.end() for m in _PARA_BREAK.finditer(text)]
        # A regulator's ruling or notice quotes the ads it judges: a quoted claim there is
        # the regulator's evidence, not the page's own claim.
        self.ruling = (_RULING if view is None else plain(_RULING)).search(self.low) is not None
        self._caseless = view is not None
        self._words: dict[tuple[int, int], tuple[set[str], str]] = {}

    def words(self, s0: int, s1: int) -> tuple[set[str], str] | None:
        """The lower-cased words (\\w+) of text[s0:s1], once per sentence: as a set, and
        joined with a space before each (a word starts with p when " " + p is in it).
        None when the text has a cased letter outside ASCII (lower() and
        case-insensitive matching may then disagree, so no pre-check on words is exact)."""
        if not self._caseless:
            return None
        found = self._words.get((s0, s1))
        if found is None:
            tokens = _WORD.findall(self.text[s0:s1].lower())
            found = self._words[(s0, s1)] = (set(tokens), " " + " ".join(tokens))
        return found

    def paragraph_start(self, start: int) -> int:
        """Start of the paragraph around `start`, at most 400 characters back."""
        if self.local:
            last = None
            for m in _PARA_BREAK.finditer(self.text, max(0, start - 400), start):
                last = m
            return last.end() if last else max(0, start - 400)
        i = bisect.bisect_right(self.paragraphs, start)
        return max(self.paragraphs[i - 1] if i else 0, start - 400)

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """(s0, s1): the sentence around text[start:end], at most _CONTEXT characters each side."""
        if self.local:
            text = self.text
            s0 = max(0, start - _CONTEXT)
            for m in _SENT_END.finditer(text, s0, min(len(text), start + 1)):
                if m.end() <= start:
                    s0 = max(s0, m.end())
            nxt = _SENT_END.search(text, end, min(len(text), end + _CONTEXT + 8))
            s1 = nxt.end() if nxt else len(text)
            return s0, min(s1, end + _CONTEXT)
        ends = self.ends
        i = bisect.bisect_right(ends, start)
        s0 = ends[i - 1] if i else 0
        s0 = max(s0, start - _CONTEXT)
        j = bisect.bisect_right(ends, end)
        # a sentence end inside the hit (e.g. "results!!") does not count
        s1 = ends[j] if j < len(ends) else len(self.text)
        return s0, min(s1, end + _CONTEXT)


def _last_words(fragment: str, n: int) -> str:
    words = fragment.rsplit(None, n)  # splits only the end of a long sentence
    if len(words) <= n:
        return fragment
    return " ".join(words[1:])


# The last clause break of a text, in one (C-level) match: greedy .* then a break.
_LAST_BREAK = compile_regex(r"(?s).*(?:" + _CLAUSE_BREAK.pattern + ")", re.IGNORECASE)


def _clause_before(text: str, s0: int, start: int, last_break: re.Pattern[str] = _LAST_BREAK) -> str:
    before = text[s0:start]
    last = last_break.match(before)
    return before[last.end():] if last else before


def _in_quotes(text: str, para0: int, start: int) -> bool:
    before = text[para0:start]
    if before.count('"') % 2 == 1:
        return True
    for open_q, close_q in (("\u201c", "\u201d"), ("\u00ab", "\u00bb"), ("\u2018", "\u2019")):
        i = before.rfind(open_q)
        if i >= 0 and before.rfind(close_q) < i:
            if open_q == "\u2018":  # a typographic apostrophe closes nothing: require a word start
                if i + 1 < len(before) and not before[i + 1].isalnum():
                    continue
            return True
    return False




@dataclass
class _Hit:
    start: int
    end: int
    rule: int
    pattern: int = -1
    s0: int = 0
    s1: int = 0
    question: bool = False
    answer: int = -1    # 1 = answered yes, 0 = answered no
    hedged: bool = False  # a hedge ("may", "could") before it: reported one severity lower


class _Group:
    """The patterns that can start at one anchor (a word, a prefix or any number). Those
    whose next token is known are filed under it, so a position is tried only against
    patterns whose first two tokens are both there."""

    __slots__ = ("free", "next_exact", "next_prefix", "next_number", "next_lengths", "filtered")

    def __init__(self) -> None:
        self.free: list[int] = []
        self.next_exact: dict[str, list[int]] = {}
        self.next_prefix: dict[str, list[int]] = {}
        self.next_number: list[int] = []
        self.next_lengths: tuple[int, ...] = ()
        self.filtered = False

    def add(self, pid: int, second: tuple[Anchor, ...] | None) -> None:
        # Pattern ids arrive in increasing order, so a repeat can only be the last one.
        if not second:
            if not self.free or self.free[-1] != pid:
                self.free.append(pid)
            return
        for anchor in second:
            if anchor.number:
                self.next_number.append(pid)
            else:
                table = self.next_prefix if anchor.prefix else self.next_exact
                table.setdefault(anchor.word, []).append(pid)
                if anchor.prefix and len(anchor.word) not in self.next_lengths:
                    self.next_lengths = tuple(sorted((*self.next_lengths, len(anchor.word))))
        self.filtered = True

    @property
    def empty(self) -> bool:
        return not (self.free or self.filtered)

    def all_pids(self) -> list[int]:
        out = list(self.free) + list(self.next_number)
        for table in (self.next_exact, self.next_prefix):
            for pids in table.values():
                out.extend(pids)
        return out

    def candidates(self, token: str) -> list[int]:
        """Pattern ids worth trying when the next token (lower case) is `token`."""
        out = list(self.free)
        hit = self.next_exact.get(token)
        if hit:
            out.extend(hit)
        for length in self.next_lengths:
            if length > len(token):
                break
            hit = self.next_prefix.get(token[:length])
            if hit:
                out.extend(hit)
        if self.next_number and token and (token[0].isdigit() or token in NUMBER_WORDS_SET):
            out.extend(self.next_number)
        if len(out) > 1:
            out = list(dict.fromkeys(out))
        return out


def _parsed_patterns(rules: tuple[Rule, ...]) -> list[CompiledPattern]:
    """Every rule's patterns then exceptions, in order, parsed: from the on-disk store
    (kb/patterncache.py) when it holds this rule set, else parsed here (and stored)."""
    keys: list[tuple[str, tuple]] = []
    owners: list[Rule] = []
    for rule in rules:
        for source in (*rule.patterns, *rule.exceptions):
            # {name} takes its terms from the rule's lexicons (attached by the knowledge base)
            keys.append((source, getattr(rule, "lexicons", ()) if "{" in source else ()))
            owners.append(rule)
    digest = patterncache.rule_set_hash(keys)
    if digest is not None:
        stored = _recent.get(digest) or patterncache.lookup(digest, keys)
        if stored is not None:
            _remember(digest, stored)
            return stored
    out: list[CompiledPattern] = []
    seen: dict[tuple, CompiledPattern] = {}
    for rule, key in zip(owners, keys, strict=True):
        cp = seen.get(key)
        if cp is None:
            try:
                cp = seen[key] = compile_pattern(*key)
            except PatternError as exc:
                raise RuleError(rule.id, key[0], exc) from None
        out.append(cp)
    if digest is not None:
        patterncache.store(digest, out)
        _remember(digest, out)
    return out


# The rule sets parsed in this process (the app rebuilds its checker after each edit and
# reload; tests build many): their patterns, shared like compile_pattern's own cache.
_recent: dict[str, list[CompiledPattern]] = {}


def _remember(digest: str, patterns: list[CompiledPattern]) -> None:
    _recent.pop(digest, None)
    _recent[digest] = patterns
    while len(_recent) > 4:
        del _recent[next(iter(_recent))]


class Checker:
    """All rules parsed and indexed once; `check(text)` is then one pass over the text.

    Patterns are parsed (and so validated) at construction; their regexes are compiled
    on first use, per anchor word, so building a checker for thousands of rules is fast
    and a check compiles only what the text can reach."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._patterns: list[tuple[int, CompiledPattern]] = []
        self._exact: dict[str, _Group] = {}
        self._prefix: dict[str, _Group] = {}
        self._number = _Group()
        self._scan: list[int] = []
        self._exceptions: list[tuple[CompiledPattern, ...]] = []
        parsed = iter(_parsed_patterns(self.rules))
        for ri, rule in enumerate(self.rules):
            for _source in rule.patterns:
                cp = next(parsed)
                pid = len(self._patterns)
                self._patterns.append((ri, cp))
                for anchor, second in cp.entries:
                    if anchor.scan:
                        if not self._scan or self._scan[-1] != pid:
                            self._scan.append(pid)
                    elif anchor.number:
                        self._number.add(pid, second)
                    elif anchor.prefix:
                        self._prefix.setdefault(anchor.word, _Group()).add(pid, second)
                    else:
                        self._exact.setdefault(anchor.word, _Group()).add(pid, second)
            self._exceptions.append(tuple(next(parsed) for _ in rule.exceptions))
        self._matchers: list = [None] * len(self._patterns)   # regex .match, compiled on first use
        self._ways = [cp.cost for _ri, cp in self._patterns]  # work per attempt (ways x breadth)
        self._scanned: set[int] = set()                         # scan patterns used (so compiled)
        self._required = [(pid, cp.required) for pid, (_, cp) in enumerate(self._patterns) if cp.required]
        # the same words, looked for in the clause where an attempt would start
        self._clause_required = [cp.required if cp.required and cp.in_clause and cp.cost >= CLAUSE_CHECK_COST else None
                                 for _ri, cp in self._patterns]
        self._no_clause_required: list = [None] * len(self._patterns)
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        self._number_words = frozenset(NUMBER_WORDS)
        self._word_cache: dict[str, tuple[tuple[_Group, ...], frozenset[int]]] = {}
        self._last_scan: tuple[frozenset[str], re.Pattern[str]] | None = None  # (words, scan regex)
        self.last_work = CheckWork()   # the work of the last check
        self._rule_by_id = {r.id: r for r in self.rules}
        self._regulator = _regulator_regex(self.rules)

    @property
    def compiled(self) -> int:
        """How many pattern regexes this checker has compiled (they compile on first use)."""
        return sum(m is not None for m in self._matchers) + len(self._scanned)

    # -- candidates --------------------------------------------------------------

    def _groups_for(self, word: str) -> tuple[_Group, ...]:
        lw = word.lower()
        groups: list[_Group] = []
        exact = self._exact.get(lw)
        if exact is not None:
            groups.append(exact)
        if self._prefix:
            n = len(lw)
            for length in self._prefix_lengths:
                if length > n:
                    break
                hit = self._prefix.get(lw[:length])
                if hit is not None:
                    groups.append(hit)
        if not self._number.empty and (lw[0].isdigit() or lw in self._number_words):
            groups.append(self._number)
        return tuple(groups)

    @staticmethod
    def _word_scan(words: Iterable[str]) -> re.Pattern[str]:
        """A regex that finds the given words of a text (whole words, case as given), and
        captures the token after each (group 1). Alternatives are grouped by first
        character, so the engine tries one branch per position. Small (a few KB for a
        page's candidate words), so cheap to compile; the follow-token filter is a dict
        look-up per position instead (a look-ahead for each word's possible next tokens
        made a 45 KB regex that took longer to compile, ~90 ms a process, than it saved)."""
        by_first: dict[str, list[str]] = {}
        for word in sorted(words, key=len, reverse=True):
            by_first.setdefault(re.escape(word[0]), []).append(re.escape(word[1:]))
        alternatives = "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in by_first.items())
        return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)" + _TOKEN_AHEAD)

    def _raw_hits(self, text: str, should_stop: Callable[[], bool] | None = None) -> list[tuple[int, int, int]]:
        cache = self._word_cache
        if len(cache) > 200_000:
            cache.clear()
        all_words = _WORD.findall(text)
        vocab = set(all_words)
        positions = attempts = work = 0
        stopped_at: int | None = None
        ways = self._ways
        inactive: set[int] = set()
        if self._required:
            # patterns with a mandatory word that the text lacks cannot match anywhere
            lower_vocab = {w.lower() for w in vocab}
            inactive = {pid for pid, req in self._required if not all(not r.isdisjoint(lower_vocab) for r in req)}
        wanted: dict[str, tuple[_Group, ...]] = {}
        for word in vocab:
            entry = cache.get(word)
            if entry is None:
                groups = self._groups_for(word)
                pids = frozenset(p for g in groups for p in g.all_pids())
                entry = cache[word] = (groups, pids)
            if entry[0] and not (inactive and entry[1] <= inactive):
                wanted[word] = entry[0]
        hits: list[tuple[int, int, int]] = []
        if wanted:
            # per word, once: its groups, and whether the next token after the word (or
            # after the number it starts) is needed to choose among their patterns
            info = {word: (groups, any(g.filtered and g is not self._number for g in groups),
                           self._number in groups and self._number.filtered)
                    for word, groups in wanted.items()}
            get = info.get
            patterns = self._patterns
            matchers = self._matchers
            number = self._number
            if len(text) >= _SCAN_FROM or len(wanted) <= 200:
                # only the candidate words, found by one C-level scan
                words = frozenset(wanted)
                last = self._last_scan
                if last is None or last[0] != words:  # a re-check of an edited text: usually the same words
                    last = self._last_scan = (words, self._word_scan(words))
                scan = last[1].finditer(text)
            else:
                scan = _WORD_AND_TOKEN.finditer(text)
            next_token = _NEXT_TOKEN.match

            def to_try(word: str, tok: str | None, tok_num: str) -> list[int]:
                groups, need_word, _need_number = info[word]
                tok_word = tok.lower() if need_word and tok else ""
                tried: list[int] = []
                for group in groups:
                    if group.filtered:
                        tried.extend(group.candidates(tok_num if group is number else tok_word))
                    else:
                        tried.extend(group.free)
                return [p for p in dict.fromkeys(tried) if p not in inactive]

            # (word, next token as written) -> the patterns worth trying there (usually
            # none), or by_number for a word that starts a number whose patterns need the
            # token after the whole number (looked up in by_num_memo)
            by_number: list[int] = [-1]
            # the clause pre-check's text (a letter that lower-cases to two letters would
            # move every position after it: no pre-check then) and clause ends (on first need)
            lower = text.lower()
            clause_required = self._clause_required if len(lower) == len(text) else self._no_clause_required
            bounds: list[int] | None = None
            clause_seen: dict[int, dict[frozenset[str], bool]] = {}
            clause = ""
            memo: dict[tuple[str, ...], list[int]] = {}
            by_num_memo: dict[tuple[str, ...], list[int]] = {}
            for m in scan:
                key = m.group(0, 1)
                tried = memo.get(key)
                if tried is None:
                    found = get(key[0])
                    if found is None:
                        tried = []
                    elif found[2]:
                        tried = by_number
                    else:
                        tried = to_try(key[0], key[1], "")
                    memo[key] = tried
                if tried is by_number:
                    nm = NUMBER_RE.match(text, m.start())
                    t = next_token(text, nm.end() if nm else m.end())
                    tok_num = t.group(1).lower() if t else ""
                    tried = by_num_memo.get((*key, tok_num))
                    if tried is None:
                        tried = by_num_memo[(*key, tok_num)] = to_try(key[0], key[1], tok_num)
                if not tried:
                    continue
                pos = m.start()
                limit = WORK_BASE + WORK_PER_CHAR * pos
                if work > limit or (should_stop is not None and positions % 512 == 511 and should_stop()):
                    stopped_at = pos
                    break
                positions += 1
                here: dict[frozenset[str], bool] | None = None
                for pid in tried:
                    req = clause_required[pid]
                    if req is not None:
                        # a pattern whose later words are missing from this clause cannot
                        # match here: a few substring tests instead of the regex (work 1,
                        # not its ways); a word found inside a longer one only costs a try
                        if here is None:
                            if bounds is None:
                                bounds = [b.start() for b in _CLAUSE_END.finditer(text)]
                            k = bisect.bisect_left(bounds, pos)
                            here = clause_seen.get(k)
                            if here is None:
                                here = clause_seen[k] = {}
                            clause = lower[bounds[k - 1] + 1 if k else 0:bounds[k] if k < len(bounds) else len(text)]
                        missing = False
                        for r in req:
                            seen = here.get(r)
                            if seen is None:
                                seen = False
                                for w in r:
                                    if w in clause:
                                        seen = True
                                        break
                                here[r] = seen
                            if not seen:
                                missing = True
                                break
                        if missing:
                            work += 1
                            continue
                    work += ways[pid]
                    if work > limit:  # one position may try many patterns: stop inside it too
                        stopped_at = pos
                        break
                    attempts += 1
                    match = matchers[pid]
                    if match is None:
                        match = matchers[pid] = patterns[pid][1].regex.match
                    mm = match(text, pos)
                    if mm is not None and mm.end() > pos:
                        hits.append((pos, mm.end(), pid))
                if stopped_at is not None:
                    break
        for pid in self._scan:
            cp = self._patterns[pid][1]
            self._scanned.add(pid)
            for mm in cp.regex.finditer(text):
                if mm.end() > mm.start():
                    hits.append((mm.start(), mm.end(), pid))
        self.last_work = CheckWork(len(all_words), positions, attempts, len(self._scan), self.compiled, work, stopped_at)
        return hits

    # -- context -----------------------------------------------------------------

    def _keep(self, text: str, hit: _Hit, sentences: _Sentences) -> bool:
        # `low` is the text as the cues are searched in (lower-cased when that is exact),
        # `cue` the cue regexes for it; offsets are the same in both.
        low, cue = sentences.low, sentences.cues
        start, end = hit.start, hit.end
        span = low[start:end]
        # Most hits hold no negation word at all: one search rules it out. (Blanking the
        # false negations, " " for a whole-word phrase, never makes a negation appear.)
        if cue.negation.search(span):
            own_words = self._patterns[hit.pattern][1].words
            for m in cue.negation.finditer(cue.neg_false.sub(" ", span)):
                if not own_words.issuperset(w.lower() for w in _WORD.findall(m.group())):
                    return False  # a negation skipped by a gap: "results are not guaranteed"
        s0, s1 = sentences.bounds(start, end)
        hit.s0, hit.s1 = s0, s1
        if _CONTRASTED.search(low, max(s0, start - 40), start):
            return False  # "gradual change rather than an immediate plump": the claim is what it is not
        quiet = sentences.quiet
        # A sentence with none of the words the cues below are made of cannot trip them
        # (most sentences of claim copy): two searches instead of ten.
        if quiet is None or quiet.search(low[s0:start]) or quiet.search(low[end:s1]):
            clause = _clause_before(low, s0, start, cue.last_break)
            cleaned = cue.neg_false.sub(" ", clause)
            if cue.negation.search(_last_words(cleaned, _NEG_WORDS)):
                return False
            if cue.speculation.search(_last_words(low[s0:start], 15)) or cue.speculation.search(low, end, s1):
                return False
            if cue.hedge.search(_last_words(cleaned, _HEDGE_WORDS)):
                hit.hedged = True
            if cue.denial_after.match(low, end, min(s1, end + 80)):
                return False
            if _warned(low, s0, start, cue) or cue.warning_after.search(low, end, s1) or cue.outsider.match(low, end, s1):
                return False
        if _scare_quoted(text, start, end) and (sentences.ruling or _MENTION.search(low, s0, start)
                                                 or not (_PROMOTING.search(low, s0, s1) or _PROMOTING_START.match(low, s0))):
            return False
        para0 = sentences.paragraph_start(start)
        if _in_quotes(text, para0, start):
            if cue.attributed.match(low, end, min(s1 + 40, len(text))) or cue.attributed.match(
                    low, _quote_end(text, end, s1), min(s1 + 40, len(text))):
                return False
            if sentences.ruling:
                return False
            window_end = min(len(text), s1 + 200)
            brk = _PARA_BREAK.search(text, s1, window_end)
            if cue.warning.search(low, para0, brk.start() if brk else s1):
                return False
        if sentences.ruling and _REPORTED_AD.search(text, s0, start):
            return False
        # "..., promising to reverse the signs of ageing. But before we jump on the
        # bandwagon, look at the science behind these claims.": the next sentence calls
        # this one a claim.
        doubted = _CALLED_A_CLAIM_NEXT.match(text, s1, min(len(text), s1 + 240))
        if doubted and _DOUBT.search(text, s1, min(len(text), s1 + 240)):
            return False
        # questions: "Is it permanent? No."
        tail = text[start:s1].rstrip()
        if tail.rstrip(_QUESTION_CLOSERS).endswith("?"):  # "?" then only closing quotes or brackets
            hit.question = True
            if _OR_ELSE.search(text, end, s1):
                return False  # "a cure for every ill or a Pandora's box?": a question, not a claim
            nxt = low[s1:s1 + 80]
            if cue.answer_no.match(nxt):
                return False
            if cue.answer_yes.match(nxt):
                hit.answer = 1
            elif _DOUBTING_QUESTION.search(text, s0, start):
                return False  # "Can it really cure hair loss?", "Is it just another 'miracle cure'?"
        exceptions = self._exceptions[hit.rule]
        if exceptions:
            # an exception whose words the sentence lacks cannot match there (most of them)
            words = sentences.words(s0, s1)
            for cp in exceptions:
                if words is not None and not _may_match(cp.needs, words):
                    continue
                for mm in cp.regex.finditer(text, s0, s1):
                    if mm.start() >= end:
                        break  # later matches start later still: none overlaps the hit
                    if start < mm.end():
                        return False
        return True

    # -- public --------------------------------------------------------------------

    def check(self, text: str, should_stop: Callable[[], bool] | None = None) -> list[Finding]:
        """Findings in `text`, sorted by start; offsets and line/column into `text`.

        `should_stop` is asked now and then during the scan (a newer edit in the app
        cancels an older check); a stop, like a check over its work budget, leaves
        `last_work.stopped_at` set and the findings found before it.

        Claims split over a question and its answer, over two sentences or over the
        cells of a table row are found through claims/context.py's statements; their
        message says which context was used."""
        findings = self._check_text(text, should_stop)
        work = self.last_work
        if text and self._patterns and work.stopped_at is None:
            extra = self._context_findings(text, findings, should_stop)
            if extra:
                findings = sorted(findings + extra, key=lambda f: (f.start, f.end))
            self.last_work = work
        regexcache.save()  # the regexes this check compiled, for the next process
        return findings

    def _context_findings(self, text: str, findings: list[Finding],
                          should_stop: Callable[[], bool] | None) -> list[Finding]:
        virtuals = virtual_statements(text, self._regulator)
        if not virtuals:
            return []
        # one document of all statements, a blank line apart (a sentence end for the rules)
        pieces: list[str] = []
        origin: list[int] = []
        starts: list[int] = []
        for v in virtuals:
            starts.append(len(origin))
            pieces.append(v.text + "\n\n")
            origin.extend(v.origin)
            origin.extend((-1, -1))
        doc = "".join(pieces)
        taken = sorted((f.start, f.end) for f in findings)
        spans: list[tuple[int, int, Rule]] = []
        for f in self._check_text(doc, should_stop):
            mapped = [o for o in origin[f.start:f.end] if o >= 0]
            if not mapped:
                continue
            v = virtuals[bisect.bisect_right(starts, f.start) - 1]
            s0, s1 = v.span or (min(mapped), max(mapped) + 1)
            i = bisect.bisect_left(taken, (s0, s1))
            if any(a < s1 and s0 < b for a, b in taken[max(0, i - 2):i + 2]) or any(
                    a < s1 and s0 < b for a, b, _ in spans):
                continue  # the sentence itself was flagged there already
            rule = self._rule_by_id[f.rule]
            if any(g.category == rule.category and abs(g.start - s0) < 300
                   and not _SENT_END.search(text, min(s1, g.end), max(s0, g.start)) for g in findings):
                continue  # the same sentence says it in its own words ("None, you can go straight back to work")
            spans.append((s0, s1, replace(rule, severity=f.severity,
                                          message=f"Context: {v.why}. {f.message}")))
            taken.insert(bisect.bisect_left(taken, (s0, s1)), (s0, s1))
        spans.sort(key=lambda t: t[0])
        return _findings(text, spans)

    def _check_text(self, text: str, should_stop: Callable[[], bool] | None = None) -> list[Finding]:
        if not text or not self._patterns:
            self.last_work = CheckWork(compiled=self.compiled)
            return []
        raw = self._raw_hits(text, should_stop)
        if not raw:
            return []
        raw = sorted(set(raw))
        patterns = self._patterns
        sentences = _Sentences(text, local=len(raw) * 1500 < len(text), many=len(raw) >= _QUIET_FROM)
        rules = self.rules
        # Rank: the longest first, then the higher severity, the rule listed first, the
        # earlier start (a stable sort of the (start, end, pattern) order for the rest).
        rule_of = [ri for ri, _cp in patterns]
        severity = [-SEVERITY_ORDER.get(r.severity, 0) for r in rules]
        hits = [_Hit(s, e, rule_of[p], p) for s, e, p in
                sorted(raw, key=lambda t: (t[0] - t[1], severity[rule_of[t[2]]], rule_of[t[2]], t[0]))]
        # Best first; a hit overlapping one already chosen is dropped without a look at
        # its context (it would lose anyway).
        chosen = _non_overlapping(hits, lambda h: self._keep(text, h, sentences), len(text))
        # A question (a heading "Is it better than PRP?", or one answered "yes") whose next
        # sentences make a claim of its category, or a short heading ("Permanent results")
        # whose next sentences repeat its rule's claim: the later sentence is the claim; keep
        # it alone. (A heading followed by another claim of the category is a claim too.)
        if any(h.question or _short(text, h) for h in chosen):
            drop = set()
            for i, h in enumerate(chosen):
                if h.question or _short(text, h):
                    cat = rules[h.rule].category
                    if any(o.start >= h.s1 and o.start < h.s1 + 400 and rules[o.rule].category == cat
                           and (h.question or o.rule == h.rule)
                           for o in chosen[i + 1:i + 6]):
                        drop.add(i)
            chosen = [h for i, h in enumerate(chosen) if i not in drop]
        merged: list[list] = []  # [start, end, best_hit]
        for h in chosen:
            if merged:
                last = merged[-1]
                best = last[2]
                if (rules[best.rule].category == rules[h.rule].category and h.s0 == best.s0
                        and self._near(text, last[1], h.start)):
                    last[1] = max(last[1], h.end)
                    if SEVERITY_ORDER.get(rules[h.rule].severity, 0) > SEVERITY_ORDER.get(rules[best.rule].severity, 0):
                        last[2] = h
                    continue
            merged.append([h.start, h.end, h])
        return _findings(text, [(s, e, _hedged(rules[h.rule]) if h.hedged else rules[h.rule])
                                for s, e, h in merged])

    @staticmethod
    def _near(text: str, a: int, b: int) -> bool:
        gap = text[a:b]
        if len(gap) > 60 or _SENT_END.search(gap):
            return False
        return len(gap.split()) <= _MERGE_WORDS


_BULLETS = frozenset("-*+\u2022\u2023\u2043\u2013\u2014\u25aa\u25ab\u25cf\u25cb\u25e6\u25ba\u25a0\u2714\u2713\u2705\u00b7")


def _short(text: str, h: _Hit) -> bool:
    """A hit in a heading: at most six words, on a line of its own without a full stop,
    or in title case ("Advantages Over Traditional Therapies."). A short sentence of
    copy ("Clinically proven.") is not a heading."""
    sentence = text[h.s0:h.s1].strip()
    words = sentence.split()
    if not words or len(words) > 6 or sentence[-1] == "!":  # "Voted #1 Med Spa in Boise!" is a claim
        return False
    line = text[text.rfind("\n", 0, h.start) + 1:h.start].lstrip()
    if line[:1] in _BULLETS:
        return False  # a list item ("- Non-immunogenic (no rejection risk)") is a claim of its own
    if sentence[-1] not in ".!?:" and "\n" in text[h.s1 - 1:h.s1 + 2]:
        return True
    long_words = [w for w in words if len(w) >= 4]
    return len(long_words) >= 2 and all(w[0].isupper() for w in long_words)


_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
# A question that doubts what it asks about (unless it is answered "yes").
_DOUBTING_QUESTION = compile_regex(r"\b(?:really|actually|truly|just another|just a|merely|simply another|too good to be true)\b",
                                re.IGNORECASE)
_OR_ELSE = compile_regex(r",? or (?:a|an|just|simply|merely|another|is it|are they|hype|marketing|snake oil)\b", re.IGNORECASE)
_CALLED_A_CLAIM_NEXT = compile_regex(
    r"\s*(?:but|however|yet)\b[^.!?\n]{0,160}\b(?:these|such|those|the|their|its) (?:claims|promises|hype|marketing claims)\b",
    re.IGNORECASE)
_DOUBT = compile_regex(
    r"\b(?:closer look|science behind|lacking|lack of|unproven|no proof|little proof|overstated|scrutiny|sceptic\w*|"
    r"skeptic\w*|bandwagon|caution|careful|wary|questionable|dubious|hold up|too good|thin evidence|little evidence|"
    r"no evidence|not supported|unsupported|not guarantees|marketing|spin|exaggerat\w*|overblown|a stretch|"
    r"cosmetic readings?|(?:does|do|can|will) (?:the )?(?:science|evidence|research|data|studies) (?:support|back|bear out|justify)|"
    r"is there (?:any |enough |good )?evidence)\b", re.IGNORECASE)
# A reporting word of the page's own voice ("our claims", "our advertising promise") does
# not make the sentence a report of somebody else's claim.
_OWN_VOICE = compile_regex(r"(?:\b(?:our|my|we|us|we're|we['\u2019]re)\s+)$", re.IGNORECASE)


def _warned(text: str, s0: int, start: int, cues: _Cues | None = None) -> bool:
    """A warning or reporting cue before `start` in the sentence, other than one in the
    page's own voice."""
    cue = cues or _CUES
    for m in cue.warning.finditer(text, s0, start):
        if cue.own_voice.search(text, max(s0, m.start() - 12), m.start()):
            continue
        if text[m.start():m.start() + 4].lower() == "tell":
            who = _AUTHORITY_TELLS.search(text, max(s0, m.start() - 60), m.start())
            if who and (who.group(1).lower() != "they" or _AUTHORITY.search(text, s0, who.start())):
                continue  # "any expert will tell you X": an appeal to authority, not a report
        return True
    return False


_AUTHORITY = compile_regex(r"\b(?:experts?|doctors?|dermatologists?|surgeons?|professionals?|specialists?)\b",
                        re.IGNORECASE)
_AUTHORITY_TELLS = compile_regex(
    r"\b(experts?|doctors?|dermatologists?|surgeons?|professionals?|specialists?|anyone|everyone|anybody|"
    r"everybody|they)(?:\s+in\s+\w+)?(?:\s+(?:will|would|can|could)|['\u2019]ll)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class _Cues:
    """The case-insensitive cue regexes of the context checks, as one set."""
    neg_false: re.Pattern[str]
    negation: re.Pattern[str]
    hedge: re.Pattern[str]
    speculation: re.Pattern[str]
    warning_after: re.Pattern[str]
    attributed: re.Pattern[str]
    outsider: re.Pattern[str]
    denial_after: re.Pattern[str]
    warning: re.Pattern[str]
    answer_no: re.Pattern[str]
    answer_yes: re.Pattern[str]
    last_break: re.Pattern[str]
    own_voice: re.Pattern[str]


@functools.cache
def _quiet_words() -> re.Pattern[str] | None:
    """A regex for the words (alternation.required_words) one of which every match of
    the sentence cues of _PLAIN_CUES contains; None when one of them has no such words."""
    triggers: set[tuple[str, bool, bool]] = set()
    for name in ("negation", "speculation", "hedge", "denial_after", "warning", "warning_after", "outsider"):
        found = required_words(getattr(_PLAIN_CUES, name))
        if not found:
            return None
        triggers.update(found)
    groups: dict[tuple[bool, str], list[str]] = {}   # by left boundary and first character
    for word, left, right in sorted(triggers, key=lambda t: (-len(t[0]), t)):
        groups.setdefault((left, word[0]), []).append(re.escape(word[1:]) + (r"\b" if right else ""))

    def alternation(left: bool) -> str:
        return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for (lb, first), rests in groups.items() if lb == left)

    parts = [f"\\b(?:{alternation(True)})", f"(?:{alternation(False)})"]
    return compile_regex("|".join(p for p in parts if not p.endswith("(?:)")))


_CUES = _Cues(_NEG_FALSE, _NEGATION, _HEDGE, _SPECULATION, _WARNING_AFTER, _ATTRIBUTED, _OUTSIDER_SAYS,
              _DENIAL_AFTER, _WARNING, _ANSWER_NO, _ANSWER_YES, _LAST_BREAK, _OWN_VOICE)
# The same cues for a lower_view() text: without IGNORECASE where that is exact.
_PLAIN_CUES = _Cues(*(plain(getattr(_CUES, f.name)) for f in fields(_Cues)))


def _regulator_regex(rules: tuple[Rule, ...]) -> re.Pattern[str]:
    """Regulators' names, from the knowledge base's "regulator" lexicon when it has one
    (a pronoun after a sentence naming one may stand for its approval)."""
    terms: tuple[str, ...] = ("FDA", "MHRA", "TGA", "EMA", "Health Canada")
    for rule in rules:
        found = dict(getattr(rule, "lexicons", ())).get("regulator")
        if found:
            terms = tuple(t for t in found if "{" not in t)
            break
    words = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    return compile_regex(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


# A word or two in quotes is a mention ("a 'cure' for ageing") unless the sentence is
# selling it ("Enjoy \"zero downtime\"!"); after "called", "dubbed", "the term" it is a
# name, whatever the sentence.
_MENTION = compile_regex(r"\b(?:called|dubbed|nicknamed|known as|so-called|the (?:term|terms|word|words|phrase|label|name|buzzword))\b")
_PROMOTING = compile_regex(r"!|\bour\b")
_PROMOTING_START = compile_regex(r"\W*(?:enjoy|get|try|book|discover|experience|introducing|meet)\b")


def _scare_quoted(text: str, start: int, end: int) -> bool:
    """One or two words set in quotes of their own: a mention, not a use ("a 'cure'
    for ageing"). Longer quotes (testimonials) are claims."""
    if start == 0 or end >= len(text) or text[start - 1] not in _QUOTES:
        return False
    if text[end] not in _QUOTES and not (text[end] in ".,!?" and end + 1 < len(text) and text[end + 1] in _QUOTES):
        return False
    return len(text[start:end].split()) <= 2


def _quote_end(text: str, end: int, s1: int) -> int:
    """Just past the closing quote after `end` (within the sentence), or `end`."""
    m = _CLOSE_QUOTE.search(text, end, min(len(text), s1 + 2))
    return m.end() if m else end


def _hedged(rule: Rule) -> Rule:
    """The rule as reported for a hedged hit: one severity lower, and a message that
    says the hedge does not make the claim acceptable."""
    order = SEVERITIES  # lowest first
    i = order.index(rule.severity) if rule.severity in order else 0
    return replace(
        rule, severity=order[max(0, i - 1)],
        message="Hedged (\"may\", \"could\"), but still a claim: a hedge does not make it acceptable "
                "(FTC 2022 health-claims guidance). " + rule.message)


def _may_match(needs: tuple[tuple[frozenset[str], tuple[str, ...]], ...], words: tuple[set[str], str]) -> bool:
    """False when a text span with these words (_Sentences.words) cannot hold a match of
    the pattern: some mandatory item has none of its words or word starts there."""
    tokens, joined = words
    for exact, prefixes in needs:
        if exact and not exact.isdisjoint(tokens):
            continue
        if prefixes and any(" " + p in joined for p in prefixes):
            continue
        return False
    return True


def _non_overlapping(ranked: list[_Hit], keep, size: int) -> list[_Hit]:
    """Greedy pick, in rank order, of the hits that overlap no hit picked before and that
    `keep` accepts; sorted by start. `size` is the text's length.

    The characters of picked hits are marked in one byte per character of the text, so
    each test costs the hit's own length (a sorted list of picked hits, with an insertion
    per pick, grew quadratically: 1 s on 4 MB of claim-dense copy). Hits are never empty
    (the scan keeps only matches that consume text), so two hits overlap exactly when
    they share a character."""
    taken = bytearray(size)
    picked: list[_Hit] = []
    for h in ranked:
        start, end = h.start, h.end
        if taken.find(1, start, end) >= 0:
            continue
        if not keep(h):
            continue
        taken[start:end] = b"\x01" * (end - start)
        picked.append(h)
    picked.sort(key=lambda h: h.start)
    return picked


def _findings(text: str, spans: list[tuple[int, int, Rule]], source: str | None = None) -> list[Finding]:
    """Findings for spans of `source` (default: text), with 1-based line and column."""
    src = text if source is None else source
    out: list[Finding] = []
    line, line_start, pos = 1, 0, 0
    for start, end, rule in spans:
        if start >= pos:
            line += src.count("\n", pos, start)
        else:  # not sorted; recount
            line = src.count("\n", 0, start) + 1
        nl = src.rfind("\n", 0, start)
        line_start = nl + 1
        pos = start
        out.append(Finding(
            rule=rule.id, category=rule.category, severity=rule.severity,
            start=start, end=end, line=line, column=start - line_start + 1,
            text=src[start:end], message=rule.message, suggestion=rule.suggestion,
            refs=tuple(rule.refs),
        ))
    return out


def check_document(raw: str, kind: str, checker: Checker,
                   should_stop: Callable[[], bool] | None = None) -> list[Finding]:
    """Check HTML, Markdown or plain text; offsets, line, column and text refer to `raw`."""
    if kind == "text":
        return checker.check(raw, should_stop)
    text, omap = extract(raw, kind)
    findings = checker.check(text, should_stop)
    stop = checker.last_work.stopped_at
    if stop is not None:  # where it stopped, as an offset into the raw file too
        stop_raw = omap.to_raw(stop, min(stop + 1, len(text)))[0] if text else 0
        checker.last_work = replace(checker.last_work, stopped_at=stop_raw)
    rules = {r.id: r for r in checker.rules}
    spans = []
    for f in findings:
        rs, re_ = omap.to_raw(f.start, f.end)
        spans.append((rs, re_, f))
    spans.sort(key=lambda t: t[0])
    remapped = _findings(raw, [(s, e, rules[f.rule]) for s, e, f in spans])
    # keep the merged finding's rule/severity exactly as the checker chose them
    return [
        Finding(f.rule, f.category, f.severity, r.start, r.end, r.line, r.column, r.text,
                f.message, f.suggestion, f.refs)
        for (s, e, f), r in zip(spans, remapped, strict=False)
    ]

