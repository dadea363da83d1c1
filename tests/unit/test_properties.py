"""Property-based tests: the loader and the claims checker never crash, and what they
report is always consistent with their input.

- parse_kb on arbitrary bytes and arbitrary TOML documents (random ones, and mutations
  of a valid knowledge base) returns a LoadResult and never raises; every problem
  names the file and has a line that exists in the file.
- Checker / check_document on arbitrary text (unicode, Rich/Textual markup, HTML-ish
  fragments mixed with real red-flag phrases) return findings whose offsets are in
  range and whose text is exactly the checked text at those offsets.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import tomllib
from functools import cache

import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from consultui.claims.checker import Checker, check_document
from consultui.kb import schema
from consultui.kb.load import LoadResult, bundled_kb_path, load_kb, parse_kb

from conftest import KB_FIXTURES

NAME = "x.toml"
# CONSULTUI_PROPERTY_EXAMPLES=5000 for a longer hunt; 150 keeps each test to a few seconds.
PROPERTY = settings(max_examples=int(os.environ.get("CONSULTUI_PROPERTY_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _line_count(data: bytes) -> int:
    # tomllib and the key-position scanner both count "\n" only.
    return data.count(b"\n") + 1


def assert_sane(result: LoadResult, data: bytes) -> None:
    assert isinstance(result, LoadResult)
    assert (result.kb is not None) != bool(result.problems), "either a knowledge base or problems"
    lines = _line_count(data)
    for problem in result.problems:
        assert problem.file == NAME
        assert problem.message
        assert problem.line is None or 1 <= problem.line <= lines, (problem, lines)
        assert problem.column is None or problem.column >= 1, problem
        str(problem)  # formatting never fails


# --------------------------------------------------------------------------- bytes

@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    assert_sane(parse_kb(data, NAME), data)


TOML_BITS = [b"[", b"]", b"[[", b"]]", b"=", b'"', b"'", b'"""', b"\n", b"#", b"{", b"}", b",",
             b"therapy", b"rule", b"meta", b"id", b"schema_version = 1\n", b"\xef\xbb\xbf", b"\r\n",
             b"\xff", b"\xc3", b"2026-01-02", b"1e400", b"\\u00e9", b"\\", b"\t"]


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(TOML_BITS), st.binary(max_size=8)), max_size=80))
def test_toml_like_bytes_never_raise(parts):
    data = b"".join(parts)
    assert_sane(parse_kb(data, NAME), data)


# --------------------------------------------------------------------------- TOML documents

keys = st.one_of(
    st.sampled_from(["id", "name", "text", "rows", "cell", "refs", "therapy", "rule", "tab", "meta",
                     "schema_version", "patterns", "title", "grade", "level", "question", "therapies"]),
    st.text(min_size=1, max_size=12),
)
scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, max_size=8)


def _dump(doc: dict) -> bytes | None:
    try:
        return tomli_w.dumps(doc).encode("utf-8")
    except (TypeError, ValueError):  # e.g. a lone surrogate in a string
        return None


@PROPERTY
@given(documents)
def test_arbitrary_toml_documents_never_raise(doc):
    data = _dump(doc)
    assume(data is not None)
    assert_sane(parse_kb(data, NAME), data)


@cache
def _base_doc() -> dict:
    return tomllib.loads((KB_FIXTURES / "minimal.toml").read_text("utf-8"))


def _paths(node, prefix=()):
    """Every key path in a document: (("tab", 0, "rows", 1, "id"), ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,)
            yield from _paths(value, prefix + (index,))


def _parent(doc, path):
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node


ids = st.one_of(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True),
    st.sampled_from(["alpha", "beta", "REF-A", "REF-B", "nature", "cost", "risks", "bleeding",
                     "guaranteed-outcome", "permanence", "", " ", "a b", "-x", "überall"]),
    st.text(max_size=10),
)


@st.composite
def mutated_documents(draw):
    doc = copy.deepcopy(_base_doc())
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        key = path[-1]
        action = draw(st.sampled_from(["drop", "retype", "id", "duplicate", "empty"]))
        if action == "drop":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(values)
        elif action == "id":
            parent[key] = draw(ids)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action == "empty":
            old = parent[key]
            parent[key] = type(old)() if isinstance(old, (str, list, dict)) else old
    return doc


@PROPERTY
@given(mutated_documents())
def test_mutated_knowledge_bases_never_raise(doc):
    data = _dump(doc)
    assume(data is not None)
    assert_sane(parse_kb(data, NAME), data)


def test_base_document_is_valid():
    data = _dump(_base_doc())
    result = parse_kb(data, NAME)
    assert result.ok, [str(p) for p in result.problems]


# --------------------------------------------------------------------------- claims

@cache
def bundled_checker() -> Checker:
    return Checker(load_kb(bundled_kb_path()).kb.rules)


@cache
def _claim_phrases() -> tuple[str, ...]:
    rules = bundled_checker().rules
    return tuple(example for rule in rules for example in (rule.examples + rule.near_misses))


MARKUP = ["[b]", "[/]", "[/b]", "[@click=app.quit]x[/]", "[link=file:///etc/passwd]x[/link]",
          "[50% off]", "$var", "[red on blue]", "\\[", "[[", "]]", "[i]guaranteed results[/i]"]
HTMLISH = ["<b>", "</b>", "<p>", "</p>", "<br>", "<script>alert(1)</script>", "<!-- c -->", "&amp;",
           "&nbsp;", "&#8217;", "&#x1F600;", "&bogus;", "<a href=\"x\">", "</a>", "<style>x{}</style>",
           "<div class='a'>", "<", ">", "&", "<![CDATA[x]]>", "<h1>", "</h1>"]
MARKDOWN = ["**", "*", "_", "`", "```\n", "# ", "## ", "> ", "- ", "1. ", "[x](http://e.org)",
            "![img](a.png)", "\\*", "---\n", "    code\n"]
SEPARATORS = [" ", "\n", "\n\n", ". ", "! ", "? ", ", ", "\t", "\u00a0", "\u2028", "\r\n", "\u200b"]


@st.composite
def claim_texts(draw):
    fragment = st.one_of(
        st.sampled_from(_claim_phrases()),
        st.sampled_from(MARKUP),
        st.sampled_from(HTMLISH),
        st.sampled_from(MARKDOWN),
        st.sampled_from(SEPARATORS),
        st.text(max_size=15),
    )
    return "".join(draw(st.lists(fragment, max_size=25)))


def assert_findings_consistent(source: str, findings) -> None:
    previous_start = -1
    for f in findings:
        assert 0 <= f.start < f.end <= len(source), (f, len(source))
        assert source[f.start:f.end] == f.text
        assert f.line == source.count("\n", 0, f.start) + 1
        assert f.column == f.start - (source.rfind("\n", 0, f.start) + 1) + 1
        assert f.start >= previous_start, "findings are sorted by start"
        previous_start = f.start


@PROPERTY
@given(claim_texts())
def test_checker_offsets_point_at_the_finding_text(text):
    assert_findings_consistent(text, bundled_checker().check(text))


@PROPERTY
@given(st.text(max_size=400))
def test_checker_on_arbitrary_unicode(text):
    assert_findings_consistent(text, bundled_checker().check(text))


@PROPERTY
@given(claim_texts(), st.sampled_from(["text", "markdown", "html"]))
def test_check_document_offsets_point_into_raw(raw, kind):
    assert_findings_consistent(raw, check_document(raw, kind, bundled_checker()))


def test_generated_texts_do_produce_findings():
    """The claim strategy is not vacuous: its phrases are flagged on their own."""
    checker = bundled_checker()
    flagged = sum(1 for phrase in _claim_phrases() if checker.check(phrase))
    assert flagged >= 20
    raw = "<p>[b]Guaranteed results after one session.[/b] &amp; <b>no</b> downtime</p>"
    findings = check_document(raw, "html", checker)
    assert findings
    assert_findings_consistent(raw, findings)



TEXT_KEYS = {"name", "summary", "plain", "text", "title", "label", "plain_label", "reason", "citation",
             "message", "suggestion", "description", "help", "group", "intro", "disclaimer", "version", "url"}
OPTIONAL_KEYS = {"plain", "intro", "help", "url", "plain_label", "exceptions"}


@st.composite
def valid_variants(draw):
    """The base document with text changed and optional keys dropped: still valid."""
    doc = copy.deepcopy(_base_doc())
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        path = draw(st.sampled_from([p for p in _paths(doc) if isinstance(p[-1], str)]))
        parent, key = _parent(doc, path), path[-1]
        if key in OPTIONAL_KEYS and draw(st.booleans()):
            del parent[key]
        elif key in TEXT_KEYS and isinstance(parent[key], str):
            # Valid text has no control characters but newline and tab (the validator refuses them).
            alphabet = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t")
            parent[key] = draw(st.text(alphabet, min_size=1, max_size=30).filter(str.strip))
        elif key == "year":
            parent[key] = draw(st.integers(min_value=1800, max_value=2200))
        elif key == "reviewed":
            parent[key] = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)))
    return doc


@PROPERTY
@given(valid_variants())
def test_every_valid_knowledge_base_survives_the_cache_round_trip(doc):
    """What the cache stores (the export as JSON) rebuilds exactly the validated knowledge base."""
    data = _dump(doc)
    assume(data is not None)
    result = parse_kb(data, NAME)
    assert result.ok, [str(p) for p in result.problems]
    stored = json.dumps(schema.document(result.kb), default=schema.json_default)
    assert schema.build_kb(json.loads(stored)) == dataclasses.replace(result.kb, path="", sha256="")
