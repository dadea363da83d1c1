"""Records listing (screening/archive.py): what the Records view shows, from real
records and from broken, foreign and older files."""
from __future__ import annotations

import datetime as dt

from consultui.screening import archive, records
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.verdicts import Answer, evaluate
from screening_fixture import fixture_kb


def _save(folder, ref: str, when: dt.datetime, plans=None):
    kb = fixture_kb()
    c = PlannedConsultation(started_at=when - dt.timedelta(minutes=20), patient_ref=ref)
    c.set_answer("shared", Answer.NO)
    return records.save_record(c, evaluate(kb, c.answers), kb, folder, when)


def test_lists_saved_records_newest_first_with_date_reference_plans_and_decision(tmp_path):
    _save(tmp_path, "AB-12", dt.datetime(2025, 3, 4, 11, 0))
    _save(tmp_path, "Dr [x] *bold* | pipe", dt.datetime(2025, 3, 5, 9, 30))
    entries = archive.list_records(tmp_path)
    assert [e.saved for e in entries] == ["2025-03-05 09:30", "2025-03-04 11:00"]
    # Markdown escapes are taken off: the reference reads as it was typed.
    assert [e.patient_ref for e in entries] == ["Dr [x] *bold* | pipe", "AB-12"]
    assert entries[0].plans and all(isinstance(p, str) and p for p in entries[0].plans)
    assert entries[0].decision == archive.NOT_RECORDED
    assert entries[0].markdown is not None and entries[0].html is not None
    assert entries[0].problem == ""
    assert "# Consultation record" in archive.read_record(entries[0])


def test_broken_foreign_lone_and_missing_files_still_get_a_line(tmp_path):
    (tmp_path / "consultation_2024-01-02_0800.html").write_text("<p>x</p>")
    (tmp_path / "notes.md").write_text("shopping list\n")
    (tmp_path / "consultation_2024-01-03_0900.md").write_bytes(b"# Consultation record\n\xff\xfe bad")
    (tmp_path / ".hidden.md").write_text("# Consultation record\n")
    entries = {e.stem: e for e in archive.list_records(tmp_path)}
    assert set(entries) == {"consultation_2024-01-02_0800", "notes", "consultation_2024-01-03_0900"}
    assert "only the HTML" in entries["consultation_2024-01-02_0800"].problem
    assert entries["consultation_2024-01-02_0800"].saved == "2024-01-02 08:00"
    assert "not a consultation record" in entries["notes"].problem
    assert entries["consultation_2024-01-03_0900"].problem  # not UTF-8
    assert archive.list_records(tmp_path / "absent") == []


def test_an_older_record_without_plans_lists_its_therapies(tmp_path):
    (tmp_path / "consultation_2023-05-06_1010_X.md").write_text(
        "# Consultation record\n\n- Saved: 2023-05-06 10:10\n- Patient reference: X\n\n"
        "## Verdicts\n\n### Alpha therapy\n\ntext\n\n### Beta therapy\n\n## Answers\n\n### Blood\n")
    [entry] = archive.list_records(tmp_path)
    assert entry.plans == ("Alpha therapy", "Beta therapy")
    assert entry.saved == "2023-05-06 10:10" and entry.patient_ref == "X"


def test_default_folder_is_the_user_data_consultations_folder(isolated_home):
    assert archive.records_dir() == isolated_home / "data" / "consultations"
