"""The copyable and saved claims reports: a finding about the whole text (a required
disclosure that is absent) is worded as such, and the sources follow the chosen rule pack."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from consultui.claims.checker import Checker
from consultui.claims.report import WHOLE_TEXT, plain_report, references_text
from consultui.claims.reportfile import json_report, markdown_report
from consultui.claims.rulepack import file_level_finding, missing_disclosures, rule_pack
from consultui.kb.load import bundled_kb_path, load_kb

NOW = dt.datetime(2026, 11, 22, 9, 30)
PAGE = "Exosome facials with guaranteed results after one session."


@pytest.fixture(scope="module")
def kb():
    return load_kb(bundled_kb_path()).kb


def _findings(kb, jurisdictions):
    pack = rule_pack(kb, jurisdictions)
    absent = missing_disclosures(PAGE, "text", pack.disclosures)
    return [file_level_finding(d) for d in absent] + list(Checker(pack.rules).check(PAGE))


def test_a_whole_text_finding_has_no_line_zero_in_any_format(kb):
    findings = _findings(kb, ("au",))
    assert any(f.line == 0 for f in findings) and any(f.line > 0 for f in findings)
    plain = plain_report(findings, kb, now=NOW, jurisdictions=("au",))
    assert "Line 0" not in plain and WHOLE_TEXT in plain and re.search(r"Line 1, column \d+: \"", plain)
    assert "Rule pack: AU" in plain
    md = markdown_report(findings, kb, now=NOW, jurisdictions=("au",))
    assert "line 0" not in md and WHOLE_TEXT.lower() in md and "> \n" not in md
    data = json.loads(json_report(findings, kb, now=NOW, jurisdictions=("au",)))
    assert data["jurisdictions"] == ["au"]
    assert [f["whole_text"] for f in data["findings"]] == [f.line == 0 for f in findings]


def test_sources_follow_the_rule_pack(kb):
    finding = next(f for f in _findings(kb, ("au",)) if f.line > 0)
    everything = references_text(kb, finding.refs)
    australian = references_text(kb, finding.refs, ("au",))
    assert australian and set(australian) != set(everything)
    assert all(kb.reference(line.split(":")[0]) is not None for line in australian)
    plain = plain_report([finding], kb, now=NOW, jurisdictions=("au",))
    assert all(f"Source: {line}" in plain for line in australian)
