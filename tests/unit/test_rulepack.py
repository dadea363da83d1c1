"""claims/rulepack.py: the selection `consultui check --jurisdiction` and the Claims
section share, the disclosure page text, file-level findings and the pack's label."""
from __future__ import annotations

from pathlib import Path

from consultui.claims.rulepack import (cited, file_level_finding, is_file_level, missing_disclosures, pack_label,
                                       rule_pack)
from consultui.kb.load import load_kb

KB = Path(__file__).resolve().parents[1] / "fixtures" / "check" / "kb.toml"


def kb():
    result = load_kb(KB)
    assert result.ok
    return result.kb


def test_packs_select_rules_and_disclosures():
    base = kb()
    everything = rule_pack(base)
    assert [r.id for r in everything.rules] == ["guaranteed-results", "no-downtime", "book-now"]
    assert everything.disclosures == ()     # a country's required text only when that country is chosen
    au = rule_pack(base, ("au",))
    assert [r.id for r in au.rules] == ["guaranteed-results", "no-downtime"] and [d.id for d in au.disclosures] == ["au-title"]
    assert [r.id for r in rule_pack(base, ("uk", "au")).rules] == ["guaranteed-results", "no-downtime", "book-now"]
    assert rule_pack(base, ()).jurisdictions == ("all",)


def test_disclosures_are_looked_for_in_the_page_words_not_the_markup():
    d = rule_pack(kb(), ("au",)).disclosures
    assert [x.id for x in missing_disclosures("Exosome facials here.", "text", d)] == ["au-title"]
    assert missing_disclosures("Exosome facials by Ann Lee, registered nurse.", "text", d) == []
    html = '<p>Exosome facials</p><p title="registered nurse">by Ann Lee</p>'
    assert [x.id for x in missing_disclosures(html, "html", d)] == ["au-title"]   # an attribute is not the page
    assert missing_disclosures("Opening hours.", "markdown", d) == []


def test_file_level_finding_and_citations():
    base = kb()
    finding = file_level_finding(rule_pack(base, ("au",)).disclosures[0])
    assert is_file_level(finding) and finding.category == "required-disclosure" and finding.text == ""
    assert cited(base, ("ASA-X", "AHPRA-X", "STUDY-X"), ("au",)) == [
        "AHPRA-X: Health practitioner regulator Y. Advertising guidelines. (2025)", "STUDY-X: Author Z. A trial. Journal 2021. (2021)"]
    assert [c.split(":")[0] for c in cited(base, ("ASA-X", "AHPRA-X"), ("all",))] == ["ASA-X", "AHPRA-X"]


def test_pack_label():
    assert pack_label(("all",)) == "all jurisdictions"
    assert pack_label(("au",)) == "AU (Australia)"
    assert pack_label(("uk", "eu")) == "UK, EU"
