"""Claims whose trigger lies outside their sentence (issue 14, items 2 and 3): a
question and its answer, a pronoun after a sentence naming a regulator, "this
process" after a sentence about ageing, and comparisons laid out as tables. Each
finding marks the page's own words and says which context it used."""
from __future__ import annotations

import pytest

from claims_helpers import checker
from consultui.claims.checker import check_document
from consultui.claims.context import virtual_statements


def found(text: str, kind: str = "text") -> list[tuple[str, str, str]]:
    return [(f.rule, f.category, f.text) for f in check_document(text, kind, checker())]


@pytest.mark.parametrize("text, rule, marked", [
    ("Does it hurt?\nNot at all. Most clients feel warmth.", "painless", "Not at all"),
    ("Q: Does it hurt? A: Not in the slightest.", "painless", "Not in the slightest"),
    ("Is there any downtime? None at all.", "no-downtime", "None at all"),
    ("Are there side effects? None.", "no-side-effects", "None"),
    ("How long is the recovery? None, you can carry on with your day.", "no-downtime", "None"),
    ("Is it safe? Completely.", "completely-safe", "Completely"),
    ("Who is the ideal candidate?\nAnyone.", "works-for-everyone", "Anyone"),
    ("Who is it for? Everyone!", "works-for-everyone", "Everyone"),
])
def test_a_question_and_its_answer_make_one_claim(text, rule, marked):
    findings = check_document(text, "text", checker())
    assert [(f.rule, f.text) for f in findings] == [(rule, marked)]
    assert findings[0].message.startswith("Context: read as the answer to")


def test_a_plain_yes_says_the_question_in_the_affirmative():
    findings = check_document("Can regenerative treatment spare me a knee replacement?\nYes. Read our guide.",
                              "text", checker())
    answer = [f for f in findings if f.text == "Yes"]
    assert [f.rule for f in answer] == ["alternative-to-surgery"]
    assert answer[0].message.startswith("Context: read as the answer to")
    # a qualified yes is not one; a doubting question is not a claim unless answered yes
    assert not [f for f in check_document("Can regenerative treatment spare me a knee replacement?\n"
                                          "Yes, but only for some people with mild wear.", "text", checker())
                if f.text == "Yes"]
    assert found("Does it really work? Yes, and it cures baldness.") == [("cures", "miracle-cure", "cures")]


def test_a_word_that_only_announces_the_answer_is_skipped():
    assert found("Who's a good candidate for a vampire facial?\nHonestly? Anyone.") == [
        ("works-for-everyone", "universality", "Anyone")]


def test_an_answer_that_says_the_claim_in_its_own_words_is_flagged_once():
    # the answer's own words are the claim; the question adds nothing to report twice
    assert found("How long is the recovery? None, you can go straight back to work.") == [
        ("no-downtime", "trivialising", "straight back to work")]


@pytest.mark.parametrize("text", [
    "Does it hurt? A little: most people describe a scratching feeling.",
    "Does PRP cure baldness? No. It can help some people keep the hair they have.",
    "Is it permanent? No, you will need top-up sessions.",
    "Who is it for? Adults with early thinning who accept that results vary.",
    "Is there any downtime? Expect redness for two or three days.",
])
def test_honest_answers_stay_clean(text):
    assert found(text) == []


def test_a_pronoun_after_a_sentence_naming_a_regulator_is_an_approval_claim():
    text = "Our serum was developed with former FDA scientists. It is cleared for use after microneedling."
    findings = check_document(text, "text", checker())
    assert [(f.rule, f.text) for f in findings] == [("regulator-approved", "It is cleared")]
    assert "refers to the previous sentence, which names FDA" in findings[0].message


@pytest.mark.parametrize("text", [
    "The FDA has not approved any exosome product. It is sold as a cosmetic ingredient.",
    "The FDA warns about unapproved clinics. It is not approved for any use.",
    "Our microneedling pen arrived last week. It is cleared for facial acne scars.",  # no regulator named before
])
def test_a_pronoun_without_an_approval_claim_stays_clean(text):
    assert found(text) == []


def test_this_process_takes_the_category_of_its_referent():
    ageing = found("Ageing thins the skin and flattens the cheeks. Our facelift can slow and even reverse this process.")
    hair = found("Hair loss runs in families. Our PRP protocol can reverse this process.")
    assert ageing == [("reverse-ageing", "permanence", "reverse this process")]
    assert hair == [("cures", "miracle-cure", "reverse this process")]
    assert found("The kit is easy to use. It can speed up this process.") == []


def test_this_process_looks_back_two_sentences_but_no_further():
    two = ("Ageing is what happens when your stem cells run out. Our programme tops them back up. "
           "It can slow and even reverse this process.")
    three = ("Ageing is what happens when your stem cells run out. Our programme tops them back up. "
             "Drips take an hour. It can slow and even reverse this process.")
    assert found(two) == [("reverse-ageing", "permanence", "reverse this process")]
    assert found(three) == []


MARKDOWN_TABLE = """| | PRP | Exosomes |
|---|---|---|
| Sessions needed | 3-4 | 1 |
| Downtime | 1-2 days | None |
| Blood draw | Yes | No |"""

HONEST_TABLE = """| | PRP | Exosomes |
|---|---|---|
| Source | Your own blood | Donor cell cultures |
| Approved for hair loss | No | No |
| Typical sessions | 3-4, then maintenance | Varies; little trial data |"""


def test_a_comparison_table_is_read_row_by_row():
    assert found(MARKDOWN_TABLE) == [
        ("comparison-claim", "unsupported-superiority", "Sessions needed | 3-4 | 1"),
        ("no-downtime", "trivialising", "Downtime | 1-2 days | None"),
    ]
    assert found(HONEST_TABLE) == []


def test_an_html_table_row_reads_as_one_line():
    html = ("<table><tr><th></th><th>PRP</th><th>Exosomes</th></tr>"
            "<tr><td>Downtime</td><td>1-2 days</td><td>None</td></tr></table>")
    findings = check_document(html, "html", checker())
    assert [(f.rule, f.text) for f in findings] == [("no-downtime", "Downtime</td><td>1-2 days</td><td>None")]
    assert findings[0].message.startswith('Context: read from the table row "Downtime"')


def test_key_value_lines_are_claims_too():
    text = "Exosome scalp treatment\nDowntime: none\nSuitable for: everyone"
    assert [r for r, _c, _t in found(text)] == ["no-downtime", "works-for-everyone"]


def test_context_is_not_used_twice_for_a_sentence_already_flagged():
    text = "Is it painless? Yes, it is completely painless."
    assert len(found(text)) == 1


def test_statements_are_bounded_by_their_sources():
    # a wide table row is read only up to its first cells; a long page gives statements
    # no longer than the sentences they come from
    row = "| Downtime | " + " | ".join(["None"] * 50) + " |"
    statements = virtual_statements(row)
    assert 0 < len(statements) <= 9
    assert all(len(v.text) <= len(row) for v in statements)


def test_a_long_page_with_few_claims_finds_what_each_paragraph_finds():
    # few hits on a long page: sentence bounds are found around each hit, not in one
    # pass over the page; the findings must be those of the paragraphs checked alone
    honest = "PRP is prepared from your own blood. Results vary between patients, and bruising is common. " * 40
    paragraphs = [honest, "Our facial gives guaranteed results with zero downtime.", honest,
                  "Does it hurt? Not at all.", honest, "Loved by Kim Kardashian and other A-listers!"]
    text = "\n\n".join(paragraphs)
    whole = [(f.start, f.rule) for f in checker().check(text)]
    alone, offset = [], 0
    for para in paragraphs:
        alone += [(f.start + offset, f.rule) for f in checker().check(para)]
        offset += len(para) + 2
    assert whole == alone and len(whole) >= 4


def test_an_exclaimed_short_line_is_a_claim_not_a_heading():
    # a heading gives way to the claim below it; "...!" is copy, so both stay
    texts = [f[2] for f in found("Voted #1 Med Spa in Boise! PRP gold standard hair package, $1,200.")]
    assert "#1 Med Spa" in texts and "PRP gold standard" in texts
    assert [f[2] for f in found("Advantages Over Traditional Therapies\nExosomes outperform PRP in every way.")] == [
        "outperform PRP"]


def test_list_items_are_claims_not_headings():
    # two short bullets of one category: each is a claim (a heading would give way to the next)
    found_ = found("Key benefits\n- Non-immunogenic (minimal rejection risk)\n\u2022 Non-allergenic and gentle")
    assert [(f[0], f[2]) for f in found_] == [("no-chance-of-harm", "Non-immunogenic"), ("no-chance-of-harm", "Non-allergenic")]


def test_a_heading_gives_way_only_to_the_same_claim_below_it():
    # "Advantages Over Cell Therapy" is not restated by "revolutionary": both are claims
    texts = [f[2] for f in found("Clinical Advantages Over Cell Therapy\nA revolutionary new hair treatment.")]
    assert texts == ["Advantages Over Cell Therapy", "revolutionary"]
