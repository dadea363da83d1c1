"""The bundled knowledge base: valid, complete, and with the content the product promises."""
from __future__ import annotations

import pytest

from consultui.kb.load import bundled_kb_path, load_kb
from consultui.kb.model import CATEGORY_IDS, LEVELS


@pytest.fixture(scope="module")
def kb():
    result = load_kb(bundled_kb_path())
    assert result.ok, [str(p) for p in result.problems]
    return result.kb


def test_five_therapies(kb):
    assert [t.id for t in kb.therapies] == ["prp", "exosomes", "msc", "vsel", "microneedling"]
    assert all(t.plain for t in kb.therapies)


def test_tabs_are_complete(kb):
    assert len(kb.tabs) >= 5
    for tab in kb.tabs:
        for row in tab.rows:
            for therapy in kb.therapies:
                cell = tab.cell(therapy.id, row.id)
                assert cell is not None, (tab.id, row.id, therapy.id)
                assert cell.refs and all(kb.reference(r) for r in cell.refs)


def test_screening_questions_and_contraindications(kb):
    assert len(kb.questions) >= 20
    assert {c.level for c in kb.contraindications} == set(LEVELS)
    covered = {t for c in kb.contraindications for t in c.therapies}
    assert covered == {t.id for t in kb.therapies}
    asked = {c.question for c in kb.contraindications}
    assert asked == {q.id for q in kb.questions}  # no question that matters to nothing


def test_claims_rules_cover_every_category(kb):
    assert [c.id for c in kb.categories] == list(CATEGORY_IDS)
    assert len(kb.rules) >= 40
    assert {r.category for r in kb.rules} == set(CATEGORY_IDS)


@pytest.mark.parametrize("ref_id", [
    "IADVL-PREP", "KIELING-2024", "ALAM-2018", "FDA-MN", "FDA-EXO-2019", "RYONCIL-2024",
    "MIYANISHI-2013", "ICMS-PRP", "FTC-2022", "GMC-2016", "ASA-CI", "AHPRA-2025", "NL-S133",
])
def test_brief_references_present(kb, ref_id):
    assert kb.reference(ref_id) is not None


def test_uncertainty_is_stated(kb):
    texts = " ".join(c.text for tab in kb.tabs for by_row in tab.cells.values() for c in by_row.values())
    texts += " ".join(c.reason for c in kb.contraindications)
    for words in ("disagree", "expert opinion", "contested"):
        assert words in texts.lower()
