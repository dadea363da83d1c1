"""How the checker reads a claim's frame (issue 14, held-out real copy): intensifiers
that look like negations, critics' and regulators' framing, a heading question whose
answer carries the claim, and approval claims for products sold with a device."""
from __future__ import annotations

import pytest

from claims_helpers import checker
from consultui.claims.checker import check_document


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(d["rule"], d["category"], text[d["start"]:d["end"]])
            for d in (f.to_dict() for f in check_document(text, "text", checker()))]


@pytest.mark.parametrize("text, category", [
    ("Simply put, it is nothing short of a miracle.", "miracle-cure"),
    ("No wonder Hollywood is queuing up for the vampire facelift.", "testimonial-proof"),
    ("Our exosome microneedling system is FDA approved.", "regulatory-status"),
    ("So far, not a single complication has been linked to the treatment.", "safety-absolute"),
    ("The march of time is slowed or even reversed.", "permanence"),
    ("It is the fountain of youth, says our lead dermatologist.", "miracle-cure"),
    ("Are there side effects? Absolutely none.", "safety-absolute"),
    ("Is it safe? 100%.", "safety-absolute"),
    ("Stem cells may reverse arthritis.", "miracle-cure"),
    ('Our clients say it is "medically proven to regrow hair".', "unsupported-superiority"),
    ("Exosomes are smaller and more stable than PRP.", "unsupported-superiority"),
    ("This cellular activity is what produces incredible results.", "unsupported-superiority"),
    ("Celebrities swear by it, and that is proof it works.", "testimonial-proof"),
    ("Our clinics in three countries say it helps with autism and lupus.", "miracle-cure"),
    ("Is it safe in pregnancy? We know it is.", "safety-absolute"),
    ('Enjoy "zero downtime" with our signature facial!', "trivialising"),
    ("'Our patients are turning back the clock,' said the medical director.", "permanence"),
    ("Our serum reverses the signs of ageing. But these claims are backed by science!", "permanence"),
    ("Q: Are there any side effects? A: None.", "safety-absolute"),
    ("Am I a candidate for PRP? Almost certainly.", "universality"),
    ("Ask any skincare expert and they will tell you Kim Kardashian made it famous.", "testimonial-proof"),
    ("Any dermatologist will tell you it is the best treatment on the market.", "unsupported-superiority"),
    # patients telling the clinic is a testimonial, not a report of somebody else's claim
    ("Our patients tell us they feel twenty again.", "guaranteed-outcome"),
])
def test_intensifiers_and_device_words_do_not_hide_a_claim(text, category):
    assert category in {c for _, c, _ in _found(text)}, _found(text)


@pytest.mark.parametrize("text", [
    "Clinics advertise exosomes as a miracle cure, but there is little evidence.",
    "Ads promising to reverse ageing should be treated with suspicion.",
    "Critics say the label has become shorthand for a miracle cure.",
    "Any real cure for ageing remains a distant prospect, if it ever comes.",
    "Microneedling devices are cleared by the FDA for improving the appearance of acne scars.",
    "Surgical facelifts have long been the gold standard for treating sagging skin.",
    "It has been suggested that ageing could be reversed by partial reprogramming.",
    "The pitch sounds like the fountain of youth in a lab coat, says one health-law scholar.",
    "Exosome products meant to treat disease require FDA approval, and none has been approved.",
    "Marketers get away with it by saying a product 'brings hair back to life'.",
    'Ad description: the website said the treatment was "medically proven to regrow hair". The complaint was upheld.',
    "It has also been suggested that aging can be reversed by partial reprogramming in vivo.",
    "All products which failed to be registered with the FDA are considered illegal.",
    "That a firm has registered with FDA and listed a product does not mean the product is approved.",
    "The industry sells risky, unproven stem cell procedures as cure-alls.",
    "Clinics in Mexico say their injections help stroke patients recover.",
    "Celebrities swear by all sorts of treatments; that is not evidence.",
    "According to the complaint, the company advertised its stem cell treatments as safe, effective and FDA-compliant.",
    "Marketing often suggests that exosomes are 100% safe, but reports of granulomas have emerged.",
    "Stem cell tourism companies market treatments for arthritis, MS and autism, often at great cost.",
    "'They said it would regenerate the cartilage,' one patient recalled.",
    "Is it safe during pregnancy? Nobody knows yet, so we do not treat pregnant women.",
    "Is PRP safe in pregnancy? There is no research, so we wait until after breastfeeding.",
    "Until the evidence catches up, a 'miracle' in a vial is not something we will inject.",
    "Clinics will tell you it is painless, but most patients need numbing cream.",
    "In the video, the influencer says the facial gave her glass skin in one session; dermatologists were unconvinced.",
    "Stem cell clinics in the US have advertised treatments for Parkinson's, ALS and autism for years.",
    "Promises of instant results should make patients wary.",
    "One brochure called it 'the fountain of youth'.",
    "Scroll TikTok and you'll see glowing skin credited to salmon DNA.",
    "Is stem cell therapy FDA-approved? Only in a narrow sense: for blood disorders.",
    '"These clinics promise a cure with no side effects," one official said.',
    "IV spas offer nutrient drips marketed to boost energy, enhance immunity and even slow ageing.",
    "New serums keep appearing in spas, promising to reverse the signs of ageing. But before we jump on the "
    "bandwagon, it is worth a closer look at the science behind these claims.",
    "Stem cells: a cure for every ill or a Pandora's box?",
    "Who should think twice? Anyone expecting guaranteed results.",
    "Am I a candidate for PRP? No, not if you take blood thinners.",
    'Med spas sell "low-impact" miracles and make it sound like a walk on the beach.',
    "There are currently zero FDA-approved exosome products for any therapeutic use.",
    # sixth session: a doubting question, an outsider's quote, a limiting "only a handful"
    "Can exosome therapy really cure hair fall and reverse ageing?",
    'Is it just another "miracle cure"? Read on.',
    'One doctor told a researcher: "Whatever you want, I can do it, and that is a guarantee."',
    "On Instagram the treatment is discussed in near-miraculous tones.",
    "Reports of dramatic regrowth with no adverse events come from small, uncontrolled studies.",
    "Only a handful of stem cell treatments, mostly blood stem cell transplants, are proven safe and effective.",
    "Several studies show mixed results for PRP in hair loss, and most were small.",
    "Celebrities have popularised the vampire facial, but dermatologists say the evidence is thin.",
    "Enter PRP, promising to regrow hair without surgery or lifelong medication. But does science support these claims?",
    "Advertisers often claim that results like these are typical, but regulators require proof.",
    "The FTC order bars the company from saying its cells never turn into tumours without reliable evidence.",
    "Marketing for the product says dermatologists use it on their own families; the company would not name any.",
    '"Trusted by thousands of physicians," the supplier\'s catalogue says, without saying who they are.',
    "When we called, the receptionist insisted the injections had no side effects at all, which is not true.",
])
def test_critical_regulatory_and_descriptive_frames_stay_clean(text):
    assert _found(text) == []


def test_a_heading_question_gives_way_to_the_answer_that_makes_the_claim():
    text = "IS IT BETTER THAN PRP? Exosomes beat PRP for hair loss in every way."
    found = _found(text)
    assert [c for _, c, _ in found] == ["unsupported-superiority"], found
    assert "PRP?" not in found[0][2]
    # without an answer of the same kind the question is still reported
    assert _found("Is it better than PRP? Book a consultation to find out.") != []
