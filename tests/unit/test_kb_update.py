"""Corrections that reach edited copies: the base a user copy was made from, the
earlier bundled versions shipped in the package, the three-way merge per entry kind,
and `consultui kb update` on a copy of the previous bundled file with local edits."""
from __future__ import annotations

import copy
import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from consultui import paths
from consultui.cli import main
from consultui.kb import bundled as kbbundled
from consultui.kb import files as kbfiles
from consultui.kb import merge as kbmerge
from consultui.kb.load import Loaded, bundled_kb_path, load_kb, parse_kb
from consultui.kb.migrate import MIGRATED_ACTION
from consultui.kb.schema import build_kb, document

from conftest import KB_FIXTURES

PREVIOUS = KB_FIXTURES / "bundled-2026.11-1.toml"
REPO = Path(__file__).resolve().parents[2]


# -- shipped versions and the recorded base ---------------------------------------------

def test_the_previous_release_is_shipped_byte_for_byte():
    assert "2026.11-1" in kbbundled.shipped_versions()
    assert kbbundled.shipped_bytes("2026.11-1") == PREVIOUS.read_bytes()
    assert kbbundled.shipped_bytes("no-such-version") is None


@pytest.mark.parametrize("version", kbbundled.shipped_versions())
def test_every_shipped_version_is_the_bundled_file_of_that_version(version):
    data = kbbundled.shipped_bytes(version)
    assert data is not None
    result = parse_kb(data, f"shipped {version}")
    assert isinstance(result, Loaded), result.problems[:3]
    assert result.kb.meta.version == version == kbbundled.meta_version(data)
    # ... and one of the bundled file's own versions in the project's history.
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("no git history here to compare with")
    revisions = subprocess.run(["git", "-C", str(REPO), "log", "--format=%H", "--", "data/therapies.toml"],
                               capture_output=True, text=True, check=True).stdout.split()
    contents = {subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:data/therapies.toml"],
                               capture_output=True, check=True).stdout for rev in revisions}
    assert data in contents


def test_shipped_versions_are_compressed_package_data():
    files = sorted(kbbundled.SHIPPED_DIR.glob("*.toml.gz"))
    assert files and all(gzip.decompress(f.read_bytes()).startswith(b"#") for f in files)
    assert kbbundled.SHIPPED_DIR.parent == Path(kbbundled.__file__).parent  # inside the package


def test_kb_init_records_the_bundled_file_as_the_base(capsys):
    assert main(["kb", "init"]) == 0
    base = kbbundled.base_path(paths.user_kb_path())
    assert base.name == "therapies.base.toml"
    assert base.read_bytes() == bundled_kb_path().read_bytes()
    capsys.readouterr()
    assert main(["kb", "update"]) == 0
    assert "Already up to date" in capsys.readouterr().out


def test_the_first_save_of_the_bundled_file_records_the_base():
    from consultui.application.kbstore import KnowledgeBaseStore

    store = KnowledgeBaseStore.open(None)
    assert store.bundled
    text = store.read_for_edit().decode("utf-8")
    result = store.save(text.replace('title = "', 'title = "Mine: ', 1))
    assert result.written
    assert kbbundled.base_path(paths.user_kb_path()).read_bytes() == bundled_kb_path().read_bytes()


def test_an_update_is_due_only_when_the_bundled_file_differs_from_the_base():
    copy_path = paths.user_kb_path()
    copy_path.parent.mkdir(parents=True)
    shutil.copy(PREVIOUS, copy_path)
    due = kbbundled.update_due(copy_path, "2026.11-1")
    assert due is not None and due.base_version == "2026.11-1"
    assert due.bundled_version == kbbundled.meta_version(bundled_kb_path().read_bytes())
    kbbundled.record_base(copy_path, bundled_kb_path().read_bytes())
    assert kbbundled.update_due(copy_path, "2026.11-1") is None
    assert kbbundled.update_due(copy_path.with_name("other.toml"), "made-up") is None  # no base: nothing to say


# -- the merge, per entry kind -------------------------------------------------------------

MINIMAL = KB_FIXTURES / "minimal-v2.toml"

# kind -> (entry id, how to reach its table in the document, a text field to change)
KINDS = {
    "meta": ("meta:title", lambda d: d["meta"], "title"),
    "therapy": ("therapy:alpha", lambda d: d["therapy"][0], "summary"),
    "tab": ("tab:overview", lambda d: d["tab"][0], "title"),
    "row": ("row:overview.cost", lambda d: d["tab"][0]["rows"][1], "label"),
    "cell": ("cell:overview.alpha.nature", lambda d: d["tab"][0]["cell"]["alpha"]["nature"], "text"),
    "question": ("question:bleeding", lambda d: d["question"][0], "text"),
    "contraindication": ("contraindication:bleeding/alpha", lambda d: d["contraindication"][0], "reason"),
    "component": ("component:needling", lambda d: d["component"][1], "label"),
    "plan": ("plan:alpha-needling", lambda d: d["plan"][0], "label"),
    "category": ("category:guaranteed-outcome", lambda d: d["category"][0], "label"),
    "rule": ("rule:guaranteed-results", lambda d: d["rule"][0], "message"),
    "reference": ("reference:REF-A", lambda d: d["reference"][0], "citation"),
}


@pytest.fixture(scope="module")
def base_doc():
    result = load_kb(MINIMAL)
    assert result.ok
    return document(result.kb)


def _edited(doc, kind, text):
    out = copy.deepcopy(doc)
    _eid, reach, name = KINDS[kind]
    reach(out)[name] = text
    return build_kb(out)


def _value(kb, eid):
    entry = kbmerge.entries(kb).get(eid)
    return None if entry is None else entry.value


@pytest.mark.parametrize("kind", KINDS)
def test_a_bundled_change_is_taken_where_mine_is_unedited(base_doc, kind):
    eid = KINDS[kind][0]
    base = build_kb(base_doc)
    bundled = _edited(base_doc, kind, "Corrected.")
    m = kbmerge.merge(base, bundled, base)
    merged, changes = m.result()
    assert not m.conflicts
    assert _value(merged, eid) == _value(bundled, eid) != _value(base, eid)
    assert [(c.entry, c.action, c.source) for c in changes] == [(eid, "changed", "bundled")]


@pytest.mark.parametrize("kind", KINDS)
def test_my_edit_is_kept_where_the_bundled_file_did_not_change(base_doc, kind):
    eid = KINDS[kind][0]
    base = build_kb(base_doc)
    mine = _edited(base_doc, kind, "Mine.")
    m = kbmerge.merge(base, base, mine)
    merged, changes = m.result()
    assert not m.conflicts and not changes
    assert _value(merged, eid) == _value(mine, eid)
    assert [c.entry for c in m.edits_kept()] == [eid]


@pytest.mark.parametrize("kind", KINDS)
def test_both_changed_differently_is_a_conflict_settled_either_way(base_doc, kind):
    eid = KINDS[kind][0]
    base = build_kb(base_doc)
    bundled, mine = _edited(base_doc, kind, "Corrected."), _edited(base_doc, kind, "Mine.")
    m = kbmerge.merge(base, bundled, mine)
    assert m.conflict_ids == [eid]
    assert m.unresolved({}) and not m.unresolved({eid: "bundled"})
    assert _value(m.result({eid: "bundled"})[0], eid) == _value(bundled, eid)
    assert _value(m.result({eid: "mine"})[0], eid) == _value(mine, eid)
    assert _value(m.result(take="bundled")[0], eid) == _value(bundled, eid)
    text = "\n".join(m.conflicts[0].describe())
    assert "Corrected." in text and "Mine." in text and "changed it" in text
    # the same change on both sides is no conflict
    assert not kbmerge.merge(base, bundled, _edited(base_doc, kind, "Corrected.")).conflicts


REMOVABLE = {
    "therapy": ("therapy:beta", lambda d: d["therapy"], 1),
    "tab": ("tab:safety", lambda d: d["tab"], 1),
    "row": ("row:overview.cost", lambda d: d["tab"][0]["rows"], 1),
    "question": ("question:bleeding", lambda d: d["question"], 0),
    "contraindication": ("contraindication:bleeding/alpha", lambda d: d["contraindication"], 0),
    "component": ("component:injection", lambda d: d["component"], 2),
    "plan": ("plan:beta-injection", lambda d: d["plan"], 1),
    "rule": ("rule:guaranteed-results", lambda d: d["rule"], 0),
    "reference": ("reference:REF-B", lambda d: d["reference"], 1),
}


def _without(doc, kind):
    out = copy.deepcopy(doc)
    _eid, reach, index = REMOVABLE[kind]
    del reach(out)[index]
    if kind == "row":  # its cells go with it, as in a valid file
        for by_row in out["tab"][0]["cell"].values():
            by_row.pop("cost", None)
    return out


def _with_copy(doc, kind, new_id):
    out = copy.deepcopy(doc)
    _eid, reach, index = REMOVABLE[kind]
    item = copy.deepcopy(reach(out)[index])
    if "id" in item:
        item["id"] = new_id
    else:
        item["therapies"] = ["beta"]  # a contraindication's key is its question and targets
    reach(out).append(item)
    return out


@pytest.mark.parametrize("kind", REMOVABLE)
@pytest.mark.parametrize("side", ["bundled", "mine"])
def test_removals_and_additions_on_either_side(base_doc, kind, side):
    eid = REMOVABLE[kind][0]
    base = build_kb(base_doc)
    removed = build_kb(_without(base_doc, kind))
    m = kbmerge.merge(base, removed, base) if side == "bundled" else kbmerge.merge(base, base, removed)
    merged = m.result()[0]
    assert not m.conflicts
    # removed, unless a kept entry still names it (a reference a cell cites stays)
    named_elsewhere = kind in ("therapy", "tab", "question", "component", "reference")
    if not named_elsewhere:
        assert _value(merged, eid) is None

    added_doc = _with_copy(base_doc, kind, "added-x")
    added = build_kb(added_doc)
    new_ids = set(kbmerge.entries(added)) - set(kbmerge.entries(base))
    assert new_ids
    m = kbmerge.merge(base, added, base) if side == "bundled" else kbmerge.merge(base, base, added)
    merged = m.result()[0]
    assert not m.conflicts and new_ids <= set(kbmerge.entries(merged))


def test_one_side_removes_what_the_other_edited_is_a_conflict(base_doc):
    base = build_kb(base_doc)
    removed = build_kb(_without(base_doc, "plan"))
    edited = copy.deepcopy(base_doc)
    edited["plan"][1]["label"] = "Beta, my way"
    m = kbmerge.merge(base, removed, build_kb(edited))
    assert m.conflict_ids == ["plan:beta-injection"]
    assert "The bundled file removed it; you changed it differently." in m.conflicts[0].describe()[0]


def test_an_entry_still_cited_is_kept_when_the_bundled_file_removes_it(base_doc):
    base = build_kb(base_doc)
    bundled_doc = copy.deepcopy(base_doc)
    for by_row in bundled_doc["tab"][0]["cell"].values():  # the bundled file stops citing REF-B ...
        for cell in by_row.values():
            cell["refs"] = ["REF-A"]
    for tab in bundled_doc["tab"]:
        for by_row in tab["cell"].values():
            for cell in by_row.values():
                cell["refs"] = ["REF-A"]
    del bundled_doc["reference"][1]  # ... and removes it
    mine_doc = copy.deepcopy(base_doc)
    mine_doc["tab"][0]["cell"]["beta"]["nature"]["text"] = "My beta, still citing REF-B."
    m = kbmerge.merge(base, build_kb(bundled_doc), build_kb(mine_doc))
    merged, changes = m.result()
    assert "reference:REF-B" in kbmerge.entries(merged)
    assert ("reference:REF-B", "needed") not in [(c.entry, c.source) for c in changes]  # it was in mine already
    text = kbmerge.render_toml(merged, MINIMAL.read_text("utf-8"), 2)
    assert parse_kb(text.encode(), "merged").ok


def test_the_merged_file_keeps_the_bundled_layout_and_round_trips():
    text = bundled_kb_path().read_text("utf-8")
    kb = parse_kb(text.encode(), "bundled").kb
    merged = kbmerge.merge(kb, kb, kb).result()[0]
    out = kbmerge.render_toml(merged, text, kb.schema_version)
    header = text[: text.index("schema_version")]
    assert out.startswith(header)  # the bundled header comment, as it is
    again = parse_kb(out.encode(), "merged")
    assert again.ok and document(again.kb) == document(kb)


def test_toml_strings_escape_control_characters():
    weird = 'a "quote" \\ back\x00\x1b\x7f\ttab\nline'
    import tomllib

    assert tomllib.loads(f"k = {kbmerge.toml_string(weird)}")["k"] == weird
    assert kbmerge.toml_key("a.b") == '"a.b"' and kbmerge.toml_key("nature") == "nature"


# -- consultui kb update on an edited copy of the previous release -------------------------

MY_TEXT = "My clinic's own wording of this cell, edited locally."
MY_EXOSOME_USES = "My clinic's description of exosome uses (edited locally)."
CONFLICT = "cell:overview.exosomes.uses"


def _unchanged_cell() -> tuple[str, str, str, str]:
    """A cell the bundled file has kept exactly as the previous release had it, so a local
    edit of it is one the bundled file did not touch (chosen, not named: corrections may
    reach any named entry). Returns (tab id, therapy id, row id, its text)."""
    previous, bundled = load_kb(PREVIOUS).kb, load_kb(bundled_kb_path()).kb
    before, now = kbmerge.entries(previous), kbmerge.entries(bundled)
    source = PREVIOUS.read_text("utf-8")
    for tab in previous.tabs:
        for therapy_id, row_cells in tab.cells.items():
            for row_id, cell in row_cells.items():
                entry = f"cell:{tab.id}.{therapy_id}.{row_id}"
                if now.get(entry) == before[entry] and source.count(f"text = {kbmerge.toml_string(cell.text)}") == 1:
                    return tab.id, therapy_id, row_id, cell.text
    raise AssertionError("no cell is unchanged since the previous release")


MY_TAB, MY_THERAPY, MY_ROW, _OLD_TEXT = _unchanged_cell()
MY_CELL = f"cell:{MY_TAB}.{MY_THERAPY}.{MY_ROW}"


def _my_cell_text(kb) -> str:
    (tab,) = [t for t in kb.tabs if t.id == MY_TAB]
    return tab.cell(MY_THERAPY, MY_ROW).text


EDITED = {MY_CELL, CONFLICT, "question:my-question", "contraindication:my-question/prp", "reference:MY-REF"}


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture
def edited_copy():
    """The previous bundled file (2026.11-1, schema 1) as a user copy with local edits:
    a cell the bundled file did not change, the exosome uses cell (the
    bundled file corrected it: a conflict), and a new question, contraindication and reference."""
    text = PREVIOUS.read_text("utf-8")
    text = _replace_once(text, f"text = {kbmerge.toml_string(_OLD_TEXT)}", f"text = {kbmerge.toml_string(MY_TEXT)}")
    text = _replace_once(
        text, 'text = "Applied after fractional laser or microneedling for acne scars and skin rejuvenation; hair loss '
        'studied in one single-arm study. Injection into the skin is not an approved route and has caused complications."',
        f'text = "{MY_EXOSOME_USES}"')
    text = _replace_once(text, '[[question]]\nid = "unrealistic-expectations"', (
        '[[question]]\nid = "my-question"\ngroup = "Expectations"\ntext = "Has the patient had this treatment elsewhere?"\n\n'
        '[[contraindication]]\nquestion = "my-question"\ntherapies = ["prp"]\nlevel = "caution"\n'
        'reason = "Ask what was used and when."\nrefs = ["MY-REF"]\n\n'
        '[[question]]\nid = "unrealistic-expectations"'))
    text = text.rstrip("\n") + '\n\n[[reference]]\nid = "MY-REF"\ncitation = "My clinic protocol, 2026."\nyear = 2026\nkind = "other"\n'
    path = paths.user_kb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    assert load_kb(path).ok
    return path


def test_update_carries_every_correction_keeps_the_edits_and_reports_the_conflict(edited_copy, capsys):
    before = edited_copy.read_bytes()
    assert main(["kb", "update"]) == 1  # the conflict is not settled: nothing written
    out = capsys.readouterr().out
    assert edited_copy.read_bytes() == before and not kbfiles.list_backups()
    assert CONFLICT in out and MY_EXOSOME_USES in out and "not settled" in out
    assert "--resolve cell:overview.exosomes.uses=bundled" in out
    bundled_kb = load_kb(bundled_kb_path()).kb
    assert bundled_kb.tabs[0].cell("exosomes", "uses").text in out  # both versions, side by side

    assert main(["kb", "update", "--resolve", f"{CONFLICT}=mine"]) == 0
    out = capsys.readouterr().out
    assert "Updated" in out
    merged = load_kb(edited_copy)
    assert merged.ok and merged.kb.schema_version == bundled_kb.schema_version
    assert merged.kb.meta.version == bundled_kb.meta.version
    assert _my_cell_text(merged.kb) == MY_TEXT
    assert merged.kb.tabs[0].cell("exosomes", "uses").text == MY_EXOSOME_USES
    (mine_contra,) = [c for c in merged.kb.contraindications if c.question == "my-question"]
    assert mine_contra.action == MIGRATED_ACTION and mine_contra.refs == ("MY-REF",)
    # every other entry is exactly the bundled one: every correction arrived
    got, want = kbmerge.entries(merged.kb), kbmerge.entries(bundled_kb)
    kept_for_citations = {eid for eid in got if eid not in want and eid not in EDITED}
    assert all(eid.startswith("reference:") for eid in kept_for_citations)  # cited by my kept cell
    for eid, entry in want.items():
        if eid not in EDITED:
            assert got.get(eid) == entry, eid
    # the copy as it was is backed up, and the base is now the bundled file
    (backup,) = kbfiles.list_backups()
    assert backup.read_bytes() == before
    assert kbbundled.base_path(edited_copy).read_bytes() == bundled_kb_path().read_bytes()
    assert main(["kb", "update"]) == 0
    assert "Already up to date" in capsys.readouterr().out


def test_taking_the_bundled_version_of_every_conflict(edited_copy, capsys):
    assert main(["kb", "update", "--take", "bundled"]) == 0
    kb = load_kb(edited_copy).kb
    assert kb.tabs[0].cell("exosomes", "uses") == load_kb(bundled_kb_path()).kb.tabs[0].cell("exosomes", "uses")
    assert _my_cell_text(kb) == MY_TEXT  # the edit without a conflict is kept regardless


def test_dry_run_writes_nothing(edited_copy, capsys):
    before = edited_copy.read_bytes()
    assert main(["kb", "update", "--dry-run", "--take", "mine"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written." in out and "From the bundled file" in out
    assert edited_copy.read_bytes() == before
    assert not kbfiles.list_backups() and not kbbundled.base_path(edited_copy).exists()
    assert main(["kb", "update", "--dry-run"]) == 1  # conflicts unsettled, still nothing written
    assert edited_copy.read_bytes() == before


def test_a_resolution_that_names_no_conflict_is_an_error_with_a_suggestion(edited_copy, capsys):
    assert main(["kb", "update", "--resolve", "cell:overview.exosome.uses=mine"]) == 2
    err = capsys.readouterr().err
    assert 'did you mean "cell:overview.exosomes.uses"' in err
    assert main(["kb", "update", "--resolve", f"{CONFLICT}=theirs"]) == 2
    assert "bundled or mine" in capsys.readouterr().err


@pytest.mark.parametrize("damage, expected", [
    (lambda t: t.replace("\n[meta]\n", "\n[meta\n", 1), "1 problem(s)"),
    (lambda t: t.replace('grade = "low"', 'grade = "lowish"', 1), "lowish"),
])
def test_a_corrupt_or_invalid_copy_exits_2_and_loses_nothing(edited_copy, capsys, damage, expected):
    edited_copy.write_text(damage(edited_copy.read_text("utf-8")), "utf-8")
    before = edited_copy.read_bytes()
    assert main(["kb", "update", "--take", "bundled"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "nothing was written" in err
    assert re.search(re.escape(str(edited_copy)) + r":\d+", err)  # the file and the line of the problem
    assert edited_copy.read_bytes() == before and not kbfiles.list_backups()


def test_a_copy_of_unknown_origin_exits_2_with_advice(edited_copy, capsys):
    edited_copy.write_text(edited_copy.read_text("utf-8").replace('version = "2026.11-1"', 'version = "mine-7"', 1), "utf-8")
    assert main(["kb", "update"]) == 2
    err = capsys.readouterr().err
    assert "cannot tell which bundled version" in err and "mine-7" in err and "2026.11-1" in err


def test_the_bundled_file_itself_is_not_updated(capsys):
    assert main(["kb", "update"]) == 2
    assert "no copy of yours to update" in capsys.readouterr().err


# -- the app: banner, and the update with a choice per conflict (Pilot, 80x24) --------------

@pytest.mark.ui
async def test_the_app_says_an_update_is_due_and_the_knowledge_section_runs_it(edited_copy):
    from textual.widgets import RadioSet, Static

    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp
    from consultui.ui.update_dialog import UpdateDialog
    from waiting import wait_until

    before = edited_copy.read_bytes()
    app = ConsultApp(load_for_app(None))
    async with app.run_test(size=(80, 24)) as pilot:
        banner = await wait_until(pilot, lambda: app.screen.query("#kb-update-banner"), what="the update banner")
        words = str(banner.first(Static).render())
        assert "2026.11-1" in words and "kb update" in words and "ctrl+o" in words
        await pilot.press("f5")
        await pilot.press("ctrl+o")
        dialog = await wait_until(pilot, lambda: app.screen if isinstance(app.screen, UpdateDialog) else None,
                                  what="the update dialog")
        assert edited_copy.read_bytes() == before  # nothing written before the choice
        assert [c.entry for c in dialog.plan.merge.conflicts] == [CONFLICT]
        texts = " ".join(str(w.render()) for w in dialog.query(".update-conflict"))
        assert MY_EXOSOME_USES in texts  # both versions are shown
        radio = dialog.query_one("#update-choice-0", RadioSet)
        assert radio.pressed_index == 0  # the bundled correction is the default
        radio.query("RadioButton").last().value = True  # keep mine
        await pilot.pause()
        assert dialog.choices() == {CONFLICT: "mine"}
        dialog.query_one("#update-apply").press()
        await wait_until(pilot, lambda: not app.screen.query("#kb-update-banner") and app.kb.schema_version == 2,
                         what="the update applied")
        assert app.kb.tabs[0].cell("exosomes", "uses").text == MY_EXOSOME_USES
        assert _my_cell_text(app.kb) == MY_TEXT
        assert app.kb.meta.version == load_kb(bundled_kb_path()).kb.meta.version
        knowledge = app.query_one("#knowledge-section")
        assert knowledge.editor.text == edited_copy.read_text("utf-8") and not knowledge.dirty
        assert kbfiles.list_backups()[0].read_bytes() == before
