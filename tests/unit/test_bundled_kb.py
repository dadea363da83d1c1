"""The bundled knowledge base: valid, complete, and with the content the product promises."""
from __future__ import annotations

import re

import pytest

from consultui.kb import model, schema
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
    assert kb.schema_version == schema.SCHEMA_VERSION == 2
    assert len(kb.questions) >= 20
    assert {c.level for c in kb.contraindications} == set(LEVELS)
    assert {p.therapy for p in kb.plans} == {t.id for t in kb.therapies}
    asked = {c.question for c in kb.contraindications}
    assert asked == {q.id for q in kb.questions}  # no question that matters to nothing
    assert all(c.action for c in kb.contraindications)


def test_every_plan_is_screened_on_the_elective_procedure_items(kb):
    from consultui.screening.verdicts import plan_questions

    for plan in kb.plans:
        asked = set(plan_questions(kb, plan))
        assert {"septicaemia", "haemodynamic-instability", "unlicensed-setting", "lacks-capacity"} <= asked, plan.id
        assert len(asked) >= 10, plan.id


def test_microneedling_items_do_not_reach_a_plain_scalp_injection(kb):
    from consultui.screening.verdicts import plan_questions

    plans = {p.id: p for p in kb.plans}
    scalp = set(plan_questions(kb, plans["prp-scalp-injection"]))
    assert not scalp & {"active-acne", "herpes", "keloid", "darker-skin", "isotretinoin"}
    needled = set(plan_questions(kb, plans["prp-with-microneedling"]))
    assert {"active-acne", "herpes", "keloid", "darker-skin", "isotretinoin"} <= needled


def test_nsaid_item_never_prompts_stopping_prescribed_aspirin(kb):
    nsaids = next(q for q in kb.questions if q.id == "nsaids")
    assert "aspirin" not in nsaids.text.lower()
    for c in kb.contraindications:
        if c.question in ("nsaids", "anticoagulants"):
            assert "do not stop" in (c.action or "").lower(), c


# The missing questions of the clinical review (REVIEW-2026-11.md section 3.3), each
# reaching at least one plan through a contraindication with an action.
REVIEW_3_3_QUESTIONS = [
    "psychological-vulnerability", "lacks-capacity", "under-18", "previous-reaction", "anaesthetic-allergy",
    "declines-risks", "low-fibrinogen", "liver-disease", "uncontrolled-metabolic", "radiotherapy-site",
    "tube-additive-allergy", "fainting", "hair-loss-undiagnosed", "vascular-danger-zone", "non-sterile-product",
    "human-derived-unaccepted", "unfit-for-surgery", "vte-history", "tobacco", "bmi-high", "outside-trial",
    "active-dermatosis", "koebnerising-disease", "recent-sunburn", "filler-threads", "poor-healing",
    "implanted-device", "metal-implant-site", "suspicious-lesion", "cancer-history",
]


@pytest.mark.parametrize("question", REVIEW_3_3_QUESTIONS)
def test_review_questions_are_asked_and_reach_a_plan(kb, question):
    from consultui.screening.verdicts import plan_questions

    assert any(q.id == question for q in kb.questions)
    reaching = [c for c in kb.contraindications if c.question == question]
    assert reaching and all(c.action and c.refs for c in reaching)
    assert any(question in plan_questions(kb, plan) for plan in kb.plans)


def test_review_components_exist_and_every_component_is_used(kb):
    used = {cid for plan in kb.plans for cid in plan.all_components}
    assert {c.id for c in kb.components} == used
    assert {"rf-microneedling", "topical-intact-skin", "human-derived-product"} <= used
    plans = {p.id: p for p in kb.plans}
    assert "rf-microneedling" in plans["prp-with-rf-microneedling"].components
    assert "topical-intact-skin" in plans["exosomes-topical-intact-skin"].components


def test_only_the_under_18_item_asks_for_a_cooling_off_period(kb):
    waits = {c.question: c.cooling_off_days for c in kb.contraindications if c.cooling_off_days}
    assert waits == {"under-18": 7}
    (under_18,) = [c for c in kb.contraindications if c.question == "under-18"]
    assert "AHPRA-NSCP-2025" in under_18.refs and "7 days" in under_18.reason


@pytest.mark.parametrize("ref_id,words", [
    ("ALSTER-2018", "doi:10.1097/DSS.0000000000001248"),
    ("BHOLE-2012", "doi:10.1093/bja/aes162"),
    ("ASA-PS", "last amended 13 Dec 2020"),
])
def test_references_written_from_memory_were_checked(kb, ref_id, words):
    ref = kb.reference(ref_id)
    assert ref is not None and words in ref.citation and ref.url


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


# -- the header comment promises what the validator checks -----------------------------


HEADER_TABLES = {
    "[meta]": model.Meta, "[[therapy]]": model.Therapy, "[[tab]]": model.Tab, "row": model.Row,
    "cell": model.Cell, "[[question]]": model.Question, "[[contraindication]]": model.Contraindication,
    "[[reference]]": model.Reference, "[[category]]": model.Category, "[[rule]]": model.Rule,
    "[[component]]": model.Component, "[[plan]]": model.Plan, "[[disclosure]]": model.Disclosure,
    "[[lexicon]]": model.Lexicon,
}


def header_entries() -> dict[str, str]:
    """The "Tables and keys" list of the header: entry name -> its text, lines joined."""
    header = []
    for line in bundled_kb_path().read_text("utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:])
    start = next(n for n, line in enumerate(header) if line.startswith("   schema_version = "))
    entries: dict[str, str] = {}
    name = None
    for line in header[start:]:
        if not line.startswith("   "):
            break
        if not line.startswith("    "):  # a new entry
            name, _, line = line.strip().partition(" ")
        entries[name] = (entries.get(name, "") + " " + line.strip()).strip()
    return entries


def _keys(text: str) -> dict[str, str]:
    """key -> what the header says about it ("R ..." or "O ..."), parentheses included."""
    found = {}
    for match in re.finditer(r"([a-z_]+) ([RO])\b((?: \([^()]*\))?)", text):
        found[match.group(1)] = match.group(2) + match.group(3)
    return found


def test_header_names_every_table_and_no_other():
    entries = header_entries()
    assert entries["schema_version"].startswith(f"= {schema.SCHEMA_VERSION} ")
    top = {"schema_version"} | {name for name in entries if name.startswith("[")}
    expected = {"schema_version"} | {
        f"[{key}]" if shape == "a table" else f"[[{key}]]" for key, shape in schema.TOP_LEVEL.items() if key != "schema_version"
    }
    assert top == expected
    assert set(entries) == {"schema_version"} | set(HEADER_TABLES)


@pytest.mark.parametrize("name", list(HEADER_TABLES))
def test_header_keys_match_the_schema(name):
    said = _keys(re.sub(r"\{[^}]*\}", "", header_entries()[name]))
    fields = schema.field_table(HEADER_TABLES[name])
    assert {key: flag[0] for key, flag in said.items()} == {
        key: "R" if spec.required else "O" for key, spec in fields.items()
    }
    for key, spec in fields.items():
        assert ("lowercase-kebab" in said[key]) == (spec.kind == "kebab"), key
        if spec.max_len is not None:
            assert f"at most {spec.max_len} characters" in said[key]


def test_header_allowed_values_match_the_model():
    header = bundled_kb_path().read_text("utf-8").split("\nschema_version")[0]
    allowed = re.search(r"# Allowed values:\n(.*?)\n#\n", header, re.S).group(1)
    lists: dict[str, list[str]] = {}
    name = None
    for line in allowed.splitlines():
        text = line.lstrip("# ")
        if re.match(r"^#   [a-z]+:", line):
            name, _, text = text.partition(":")
        lists[name] = lists.get(name, []) + [text]
    def values(parts):
        return [v.strip() for v in re.sub(r"\([^()]*\)", "", " ".join(parts)).split(",") if v.strip()]
    assert values(lists["grade"]) == list(model.GRADES)
    assert values(lists["level"]) == list(model.LEVELS)
    assert values(lists["kind"]) == list(model.REFERENCE_KINDS)
    severities = ", ".join(model.SEVERITIES[:-1]) + " or " + model.SEVERITIES[-1]
    assert f"severity R ({severities})" in " ".join(header_entries()["[[rule]]"].split())
