from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from consultui.screening import records
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.verdicts import Answer, Consultation, evaluate
from screening_fixture import fixture_kb

SAVED = dt.datetime(2025, 3, 4, 11, 0, tzinfo=dt.UTC)


# conftest.py's autouse `isolated_home` points CONSULTUI_HOME at a temporary folder.


def consultation(**kw):
    c = Consultation(started_at=dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC),
                     patient_ref=kw.get("patient_ref", "AB-12"))
    c.set_answer("shared", Answer.YES)
    c.set_answer("infection", Answer.YES)
    c.set_answer("nsaids", Answer.NO)
    c.set_note("shared", kw.get("note", "Second trimester"))
    c.general_note = kw.get("general_note", "Prefers topical.")
    return c


def render(fn, c=None, kb=None):
    kb = kb or fixture_kb()
    c = c or consultation()
    return fn(c, evaluate(kb, c.answers), kb, SAVED)


def test_markdown_contains_everything_the_record_needs():
    md = render(records.render_markdown)
    for needle in ["2025-03-04 11:00", "2025-03-04 10:30", "AB-12", "Fixture KB", "version 0.1",
                   "ab" * 32, "2025-01-01", "Not medical advice",
                   "✖ Alpha: Contraindicated", "⏸ Beta: Defer",
                   "✔ Delta: No contraindication found",
                   "Risk of spreading infection.", "REF-A", "Author A. Journal 2020.",
                   "Second trimester", "Prefers topical.", "**Not asked**", "**Yes**", "**No**"]:
        assert needle in md, needle


def test_markdown_escapes_markup():
    md = render(records.render_markdown, consultation(note="<script>x</script> *bold*\n# head"))
    assert "<script>" not in md
    assert "\\*bold\\*" in md
    assert "\n# head" not in md


def test_html_is_self_contained_and_complete():
    page = render(records.render_html)
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page
    for forbidden in ("<script", "<link", "src=", "http://", "https://", "@import"):
        assert forbidden not in page.lower()
    for needle in ["AB-12", "Fixture KB", "ab" * 32, "Not medical advice", "Contraindicated",
                   "No contraindication found", "Second trimester", "Prefers topical.",
                   "Author A. Journal 2020."]:
        assert needle in page, needle


def test_html_escapes_every_text():
    evil = '<script>alert("x")</script>'
    kb = fixture_kb(title=f"KB {evil}", disclaimer="[bold]<b>not bold</b>", version="1 & 2")
    c = consultation(patient_ref=f"P{evil}", note=evil, general_note="<img src=x onerror=1>")
    page = render(records.render_html, c, kb)
    assert "<script" not in page.lower()
    assert "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "1 &amp; 2" in page and "[bold]&lt;b&gt;" in page


def test_save_record_writes_both_files_and_never_overwrites(tmp_path):
    kb, c = fixture_kb(), consultation(patient_ref="J.D. / 42")
    verdicts = evaluate(kb, c.answers)
    first = records.save_record(c, verdicts, kb, directory=tmp_path, now=SAVED)
    second = records.save_record(c, verdicts, kb, directory=tmp_path, now=SAVED)
    assert first[0].name == "consultation_2025-03-04_1100_J-D-42.md"
    assert first[1].name == "consultation_2025-03-04_1100_J-D-42.html"
    assert second[0].name == "consultation_2025-03-04_1100_J-D-42-2.md"
    assert all(p.exists() for p in first + second)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in first + second)


def test_save_record_defaults_to_consultations_dir(isolated_home):
    kb, c = fixture_kb(), consultation(patient_ref="")
    md, html_path = records.save_record(c, evaluate(kb, c.answers), kb, now=SAVED)
    assert md.parent == isolated_home / "data" / "consultations"
    assert md.name == "consultation_2025-03-04_1100.md"


def test_failed_write_raises_oserror_keeps_old_file_and_memory(tmp_path, monkeypatch):
    kb, c = fixture_kb(), consultation()
    records.autosave(c)
    before = records.autosave_path().read_text(encoding="utf-8")
    c.general_note = "changed"
    snapshot = c.to_dict()

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        records.autosave(c)
    with pytest.raises(records.SaveError, match="consultation record"):
        records.save_record(c, evaluate(kb, c.answers), kb, directory=tmp_path / "rec", now=SAVED)
    assert records.autosave_path().read_text(encoding="utf-8") == before
    assert c.to_dict() == snapshot  # nothing lost in memory
    # no temporary files and no half record left behind
    path = records.autosave_path()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.with_suffix(".lock").name]
    assert list((tmp_path / "rec").iterdir()) == []


def test_html_failure_removes_markdown(tmp_path, monkeypatch):
    kb, c = fixture_kb(), consultation()
    monkeypatch.setattr(records, "render_html", lambda *a, **k: (_ for _ in ()).throw(
        records.SaveError("disk full")))
    with pytest.raises(records.SaveError):
        records.save_record(c, evaluate(kb, c.answers), kb, directory=tmp_path, now=SAVED)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores chmod")
def test_read_only_directory_raises(tmp_path):
    kb, c = fixture_kb(), consultation()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError):
            records.save_record(c, evaluate(kb, c.answers), kb, directory=tmp_path, now=SAVED)
    finally:
        tmp_path.chmod(0o700)


def test_atomic_writes_leave_no_temp_files(tmp_path):
    kb, c = fixture_kb(), consultation()
    records.save_record(c, evaluate(kb, c.answers), kb, directory=tmp_path, now=SAVED)
    records.autosave(c)
    records.autosave(c)
    leftovers = [p for p in list(tmp_path.iterdir()) + list(records.autosave_path().parent.iterdir())
                 if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def test_autosave_round_trip():
    assert records.load_autosave() is None
    c = consultation()
    path = records.autosave(c)
    assert path == records.autosave_path()
    assert json.loads(path.read_text(encoding="utf-8"))["consultation"] == c.to_dict()
    assert records.load_autosave() == PlannedConsultation.of(c)
    records.clear_autosave()
    assert records.load_autosave() is None
    records.clear_autosave()  # clearing twice is fine


def test_empty_autosave_offers_nothing():
    records.autosave(Consultation())
    assert records.load_autosave() is None


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[]", b'{"format": "other"}',
                                     b'{"format": "consultui-autosave", "consultation": {}}'])
def test_corrupt_autosave_is_set_aside(content):
    path = records.autosave_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert records.load_autosave() is None
    assert not path.exists()
    kept = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    records.autosave(consultation())  # a new autosave works afterwards
    assert records.load_autosave() is not None


def test_the_record_names_the_knowledge_base_by_content_not_by_a_path_of_this_machine(tmp_path):
    from consultui.application.session import ConsultationSession
    from screening_fixture import fixture_kb

    kb = fixture_kb()
    session = ConsultationSession(kb, autosave=False)
    md_path, html_path = session.save_record(tmp_path)
    for text in (md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")):
        assert kb.path not in text and "/fixture/" not in text
        assert kb.sha256 in text and str(kb.meta.reviewed) in text
