"""TOML syntax errors in plain words with the line and a likely fix (kb/tomlerrors.py),
through the real parser, for the mistakes people make when editing by hand."""
from __future__ import annotations

import pytest

from consultui.kb.load import parse_kb, toml_parser
from consultui.kb.tomlerrors import explain

HEAD = 'schema_version = 2\n\n[meta]\ntitle = "Test"\n'

# the line written wrongly, the plain words expected, the likely fix expected (or None)
MISTAKES = [
    ('name = PRP', "a text value must be in quotes", 'name = "PRP"'),
    ('name = Platelet rich plasma  # the usual name', "a text value must be in quotes",
     'name = "Platelet rich plasma"  # the usual name'),
    ('name = “PRP”', "curly quotes", 'name = "PRP"'),
    ('name = "PRP', "missing its closing quote", 'name = "PRP"'),
    ('name "PRP"', "needs an = between it and its value", 'name = "PRP"'),
    ('name: "PRP"', "joined by =, not :", 'name = "PRP"'),
    ('short name = "PRP"', "a key cannot contain spaces", 'short-name = "PRP"'),
    ('name =', "name has no value after the =", 'name = ""'),
    ('name == "PRP"', "a single =", 'name = "PRP"'),
    ('active = True', "written true or false", "active = true"),
    ('refs = ["A" "B"]', "no comma between them", 'refs = ["A", "B"]'),
    ('name = "PRP" (platelet-rich)', "the whole text goes inside the quotes", 'name = "PRP (platelet-rich)"'),
    ("note = 'it's fine'", "cannot contain a single quote", 'note = "it\'s fine"'),
    ('path = "C:\\new\\dir"', "a backslash inside double quotes", "path = 'C:\\new\\dir'"),
    ('reviewed = 2026-13-01', "a date is written YYYY-MM-DD", None),
    ('[[therapy]', "must end with ]]", "[[therapy]]"),
    ('[meta2', "must end with ]", "[meta2]"),
]


def _error(text: str) -> str:
    with pytest.raises(toml_parser.TOMLDecodeError) as info:
        toml_parser.loads(text)
    return str(info.value)


@pytest.mark.parametrize("line, words, fix", MISTAKES)
def test_common_mistakes_are_restated_with_the_line_and_a_fix(line, words, fix):
    text = HEAD + line + "\nnext = 1\n"
    syntax = explain(_error(text), text)
    assert syntax.line == 5
    assert words in syntax.plain
    assert syntax.source == line
    assert syntax.message() == f"{syntax.plain}: {line}"
    if fix is not None:
        assert syntax.fix == fix
        assert f"likely fix: {fix}" in syntax.hint()
    assert "TOML parser: " in syntax.hint() and syntax.detail in syntax.hint()  # the parser's words stay


def test_a_key_set_twice_and_a_section_declared_twice():
    text = HEAD + 'title = "Again"\n'
    syntax = explain(_error(text), text)
    assert syntax.line == 5 and "title is set twice" in syntax.plain and "[[...]] header" in syntax.fix
    text = HEAD + '\n[meta]\nversion = "1"\n'
    syntax = explain(_error(text), text)
    assert "the section [meta] appears twice" in syntax.plain


def test_an_unclosed_list_points_at_the_line_that_opens_it():
    text = HEAD + 'refs = ["A", "B"\nnext = 1\n'
    syntax = explain(_error(text), text)
    assert syntax.line == 5 and syntax.source == 'refs = ["A", "B"' and syntax.fix == 'refs = ["A", "B"]'


def test_an_unclosed_multiline_text_points_at_the_end():
    text = HEAD + 'notes = """first line\nsecond line\n'
    syntax = explain(_error(text), text)
    assert 'never closed' in syntax.plain and syntax.detail


def test_an_unknown_parser_message_keeps_its_words():
    syntax = explain("Something new went wrong (at line 2, column 3)", "a = 1\nb = ?\n")
    assert (syntax.line, syntax.column) == (2, 3)
    assert syntax.plain == "the file is not valid TOML here"
    assert syntax.hint() == "TOML parser: Something new went wrong"
    assert syntax.message() == "the file is not valid TOML here: b = ?"


def test_a_very_long_line_is_cut_when_shown():
    text = HEAD + "name = " + "x" * 5000 + "\n"
    syntax = explain(_error(text), text)
    assert len(syntax.source) <= 121 and syntax.source.endswith("…")


def test_the_loader_reports_the_plain_words_with_line_and_column():
    text = HEAD + "version = t-1\n"
    result = parse_kb(text.encode(), "kb.toml")
    problem = result.problems[0]
    assert (problem.line, problem.column) == (5, 11)
    assert problem.message == "a text value must be in quotes: version = t-1"
    assert str(problem) == ('kb.toml:5:11: a text value must be in quotes: version = t-1 '
                            '(likely fix: version = "t-1"; TOML parser: Invalid value)')
