"""A small knowledge base for the screening tests, built with the model constructors.

Therapies: alpha, beta, gamma share questions; delta has none.
Every level occurs; "shared" matters for three therapies at three levels.
"""
from __future__ import annotations

import datetime as dt

from consultui.kb.model import Contraindication, KnowledgeBase, Meta, Question, Reference, Therapy

THERAPY_IDS = ("alpha", "beta", "gamma", "delta")


def make_kb(questions, contraindications, therapies=None, **meta) -> KnowledgeBase:
    therapies = therapies or tuple(Therapy(t, t.title(), t, f"{t} summary") for t in THERAPY_IDS)
    return KnowledgeBase(
        meta=Meta(title=meta.get("title", "Fixture KB"), version=meta.get("version", "0.1"),
                  reviewed=dt.date(2025, 1, 1),
                  disclaimer=meta.get("disclaimer", "Not medical advice. Use clinical judgement.")),
        therapies=tuple(therapies),
        tabs=(),
        questions=tuple(questions),
        contraindications=tuple(contraindications),
        categories=(),
        rules=(),
        references=(Reference("REF-A", "Author A. Journal 2020.", 2020, "review"),
                    Reference("REF-B", "Author B. Guideline 2021.", 2021, "guideline")),
        path="/fixture/therapies.toml",
        sha256="ab" * 32,
    )


def fixture_kb(**meta) -> KnowledgeBase:
    questions = [
        Question("bleeding", "Blood", "Do you have a bleeding disorder?"),
        Question("nsaids", "Blood", "Have you taken NSAIDs in the past 48 hours?"),
        Question("infection", "Skin", "Is there an infection at the treatment site?"),
        Question("keloid", "Skin", "Do you form keloid scars?"),
        Question("shared", "General", "Are you pregnant or breastfeeding?"),
        Question("allergy", "General", "Are you allergic to the product's source?"),
    ]
    c = Contraindication
    contraindications = [
        c("bleeding", ("alpha",), "absolute", "Platelet dysfunction.", ("REF-A",)),
        c("nsaids", ("alpha",), "relative", "Impairs platelet function.", ("REF-B",)),
        c("infection", ("alpha", "gamma"), "absolute", "Risk of spreading infection.", ("REF-A",)),
        c("keloid", ("gamma",), "caution", "Scarring risk.", (), "expert-opinion"),
        c("shared", ("alpha",), "caution", "No safety data.", ("REF-A",)),
        c("shared", ("beta",), "relative", "Trial exclusion criterion.", ("REF-B",)),
        c("shared", ("gamma",), "caution", "No safety data.", ()),
        c("allergy", ("beta",), "absolute", "Allergic reaction.", ("REF-A", "REF-B")),
    ]
    return make_kb(questions, contraindications, **meta)
