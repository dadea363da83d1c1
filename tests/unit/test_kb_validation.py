"""The knowledge-base loader: every kind of mistake points at its line."""
from __future__ import annotations

import pytest

from consultui.kb.load import KBReadError, bundled_kb_path, load_kb, parse_kb
from consultui.kb.positions import format_path, key_positions

from conftest import KB_FIXTURES

BROKEN = KB_FIXTURES / "broken"

# file, line, column or None, key path, words the message must contain
CASES = [
    ("syntax-error", 5, 17, "", "a text value is missing its closing quote: title = \"Test KB"),
    ("missing-key", 17, 1, "therapy[1]", 'missing required key "name"'),
    ("wrong-type", 186, 1, "reference[1].year", "expected a year"),
    ("unknown-key", 54, 1, "tab[1].titel", 'did you mean "title"'),
    ("bad-grade", 44, 1, "tab[0].cell.beta.nature.grade", 'did you mean "moderate"'),
    ("duplicate-id", 18, 1, "therapy[1].id", 'duplicate id "alpha"'),
    ("unknown-ref", 45, 9, "tab[0].cell.beta.nature.refs[0]", 'unknown reference id "REF-C" (did you mean "REF-B"?)'),
    ("unknown-therapy", 87, 23, "contraindication[1].therapies[1]", 'did you mean "beta"'),
    ("unknown-question", 86, 1, "contraindication[1].question", 'did you mean "pregnant"'),
    ("unknown-category", 167, 1, "rule[0].category", 'did you mean "guaranteed-outcome"'),
    ("missing-category", 100, 1, "category[1].id", 'did you mean "permanence"'),
    ("schema-version", 2, 1, "schema_version", "expected 2, got 3"),
    ("bad-date", 7, 1, "meta.reviewed", "expected a TOML date"),
    ("cell-unknown-therapy", 62, 1, "tab[1].cell.gamma", 'unknown therapy id "gamma"'),
    ("cell-unknown-row", 37, 1, "tab[0].cell.alpha.costs", 'did you mean "cost"'),
    ("unknown-top-level", 4, 1, "schema", 'did you mean "schema_version"'),
    ("empty-refs", 83, 1, "contraindication[0].refs", "non-empty list"),
    ("bad-pattern", 169, 13, "rule[0].patterns[0]", "invalid pattern"),
    ("not-utf8", 21, 20, "", "not UTF-8"),
    ("empty", 1, None, "", "the file is empty"),
    ("therapy-id-not-kebab", 18, 1, "therapy[1].id", 'got "Beta_Two" (did you mean "beta-two"?)'),
    ("tab-id-not-kebab", 53, 1, "tab[1].id", 'got "Safety Data" (did you mean "safety-data"?)'),
    ("question-id-not-kebab", 74, 1, "question[1].id", 'did you mean "is-pregnant"?'),
    ("short-too-long", 20, 1, "therapy[1].short", 'expected at most 14 characters, got 21: "Beta (the second one)"'),
    ("control-character", 19, 1, "therapy[1].name", "contains the control character \\x1b (U+001B); only newlines and tabs are allowed"),
    # schema 2: components, plans, follow-ups, actions
    ("v2-unknown-component", 86, 15, "plan[0].components[0]", 'unknown component id "needle" (did you mean "needling"?)'),
    ("v2-plan-no-components", 93, 1, "plan[1].components", "expected a non-empty list"),
    ("v2-plan-only-elective", 93, 1, "plan[1].components", 'at least one component besides the implicit "elective-procedure"'),
    ("v2-unknown-plan-therapy", 91, 1, "plan[1].therapy", 'unknown therapy id "betta" (did you mean "beta"?)'),
    ("v2-ask-if-unknown", 111, 12, "question[2].ask_if.question", 'unknown question id "pregnancy" (did you mean "pregnant"?)'),
    ("v2-ask-if-cycle", 106, 12, "question[1].ask_if.question", "ask_if forms a cycle: pregnant -> trimester -> pregnant"),
    ("v2-ask-if-bad-answer", 111, 35, "question[2].ask_if.answer", 'expected one of yes, no; got "maybe"'),
    ("v2-unused-component", 78, 1, "component[2].id", 'component "injection" is used by no plan'),
    ("v2-reaches-nothing", 130, 1, "contraindication[2]", "this contraindication reaches nothing"),
    ("v2-unknown-ci-component", 132, 37, "contraindication[2].components[1]", 'unknown component id "needing" (did you mean "needling"?)'),
    ("v2-therapy-without-plan", 18, 1, "therapy[1].id", 'therapy "beta" has no [[plan]]'),
    ("v2-missing-action", 121, 1, "contraindication[1]", 'missing required key "action"'),
    ("v2-no-elective-procedure", 67, 1, "component", 'missing [[component]] with id "elective-procedure"'),
]


@pytest.mark.parametrize("name,line,column,key,words", CASES, ids=[c[0] for c in CASES])
def test_broken_fixture_points_at_its_line(name, line, column, key, words):
    result = load_kb(BROKEN / f"{name}.toml")
    assert not result.ok and result.kb is None
    matching = [p for p in result.problems if words in str(p)]
    assert matching, [str(p) for p in result.problems]
    problem = matching[0]
    assert (problem.line, problem.column, problem.key) == (line, column, key)
    assert problem.file.endswith(f"{name}.toml")


def test_every_broken_fixture_is_covered():
    assert {p.stem for p in BROKEN.glob("*.toml")} == {c[0] for c in CASES}


def test_all_problems_reported_at_once():
    text = (KB_FIXTURES / "minimal.toml").read_text()
    text = text.replace('grade = "moderate"', 'grade = "okay"').replace('year = 2022', 'year = "x"')
    text = text.replace('short = "Beta"', 'shortname = "Beta"')
    result = parse_kb(text.encode(), "many.toml")
    keys = {p.key for p in result.problems}
    assert {"tab[0].cell.beta.nature.grade", "reference[1].year", "therapy[1].shortname", "therapy[1]"} <= keys


def test_missing_category_also_reported_without_an_id_line():
    result = load_kb(BROKEN / "missing-category.toml")
    missing = [p for p in result.problems if 'missing [[category]] with id "permanence"' in p.message]
    assert missing and missing[0].line == 93  # the first [[category]] table


def test_bom_and_crlf_are_accepted(minimal_kb):
    result = load_kb(KB_FIXTURES / "bom-crlf.toml")
    assert result.ok
    assert result.kb.therapies == minimal_kb.therapies
    assert result.kb.tabs[0].cell("alpha", "nature").text == "Alpha is a thing."


def test_valid_fixture_builds_the_model(minimal_kb):
    assert [t.id for t in minimal_kb.therapies] == ["alpha", "beta"]
    assert minimal_kb.tabs[0].cell("alpha", "cost").refs == ("REF-A", "REF-B")
    assert minimal_kb.contraindications[1].therapies == ("alpha", "beta")
    assert len(minimal_kb.sha256) == 64 and minimal_kb.path.endswith("minimal.toml")


@pytest.mark.parametrize("setup", ["missing", "folder", "too-big"])
def test_unreadable_files_raise_a_read_error(tmp_path, setup, monkeypatch):
    target = tmp_path / "kb.toml"
    if setup == "folder":
        target.mkdir()
    elif setup == "too-big":
        import consultui.kb.load as kbload

        target.write_text("x = 1\n" * 10)
        monkeypatch.setattr(kbload, "MAX_BYTES", 10)
    with pytest.raises(KBReadError) as info:
        load_kb(target)
    assert str(target) in str(info.value)
    assert {"missing": "no such file", "folder": "is a folder", "too-big": "too large"}[setup] in info.value.message


def test_symlink_loop_is_a_read_error(tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(tmp_path / "loop.toml")
    with pytest.raises(KBReadError):
        load_kb(loop)


def test_key_positions_follow_arrays_of_tables_and_inline_tables():
    text = '[[a]]\nx = 1\n[[a]]\nx = 2\nrows = [\n  { id = "r" },\n]\n[a.sub.k]\n"quoted key" = """\nmulti\n"""\ny = 3\n'
    positions = {format_path(k): v for k, v in key_positions(text).items()}
    assert positions["a[1].x"] == (4, 1)
    assert positions["a[1].rows[0].id"] == (6, 5)
    assert positions["a[1].sub.k.quoted key"] == (9, 1)
    assert positions["a[1].sub.k.y"] == (12, 1)


def test_bundled_file_is_found():
    assert bundled_kb_path().is_file()


# -- the load result is either/or ---------------------------------------------------

def test_a_valid_load_is_loaded_and_an_invalid_one_is_invalid(minimal_kb_path):
    from consultui.kb.load import Invalid, Loaded, LoadResult

    good = load_kb(minimal_kb_path)
    bad = load_kb(BROKEN / "bad-grade.toml")
    assert isinstance(good, Loaded) and isinstance(bad, Invalid)
    assert isinstance(good, LoadResult) and isinstance(bad, LoadResult)
    assert (good.ok, good.problems, good.kb is not None) == (True, [], True)
    assert (bad.ok, bad.kb, bool(bad.problems)) == (False, None, True)
    with pytest.raises(TypeError):
        Loaded(minimal_kb_path, good.kb, ok=False)  # ok follows from the type, never passed


def test_not_utf8_keeps_its_wording_with_the_shared_decoder():
    result = parse_kb("ok = \"é\"\nbad = \"caf".encode() + b"\xe9\"\n", "x.toml")
    (problem,) = result.problems
    assert (problem.line, problem.column) == (2, 11)
    assert problem.message == "the file is not UTF-8 text (byte 0xe9 cannot be decoded)"
    assert problem.hint == "save it as UTF-8 in your editor"


def _v2_with_cooling_off(value: str) -> bytes:
    """minimal-v2.toml with `cooling_off_days = value` on its first contraindication."""
    text = (KB_FIXTURES / "minimal-v2.toml").read_text(encoding="utf-8")
    anchor = 'action = "Do not treat."\n'
    assert text.count(anchor) == 1
    return text.replace(anchor, anchor + f"cooling_off_days = {value}\n").encode()


def test_cooling_off_days_is_read_as_a_whole_number_of_days():
    result = parse_kb(_v2_with_cooling_off("14"), "x.toml")
    assert result.ok, [str(p) for p in result.problems]
    first, *others = result.kb.contraindications
    assert first.cooling_off_days == 14
    assert all(ci.cooling_off_days is None for ci in others)


@pytest.mark.parametrize("value,got", [
    ("0", "got an integer 0"), ("366", "got an integer 366"), ('"14"', 'got a string "14"'),
    ("14.5", "got a number 14.5"), ("true", "got a boolean"),
])
def test_cooling_off_days_out_of_range_or_not_whole_points_at_its_line(value, got):
    result = parse_kb(_v2_with_cooling_off(value), "x.toml")
    assert not result.ok
    (problem,) = result.problems
    assert problem.key == "contraindication[0].cooling_off_days"
    assert problem.line == 119
    assert "expected a whole number of days from 1 to 365, such as 14 (no quotes)" in problem.message
    assert got in problem.message
