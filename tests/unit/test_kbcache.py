"""The cache of validated large knowledge bases: faster, never wrong."""
from __future__ import annotations

import json
import os
import pickle
from dataclasses import replace

import pytest

from consultui import paths
from consultui.kb import cache as kbcache
from consultui.kb import schema
from consultui.kb.load import bundled_kb_path, load_kb, parse_kb


def big_copy(minimal_kb_path, tmp_path, name="big.toml", tweak=""):
    padding = "# padding to make the file large\n" * (kbcache.MIN_BYTES // 30)
    path = tmp_path / name
    path.write_text(padding + minimal_kb_path.read_text().replace('title = "Test KB"', f'title = "Test KB{tweak}"'))
    return path


def test_a_large_valid_file_is_cached_and_reused(minimal_kb_path, tmp_path, isolated_home, monkeypatch):
    path = big_copy(minimal_kb_path, tmp_path)
    first = load_kb(path)
    assert first.ok
    caches = list(paths.user_cache_dir().glob("kb-*.json"))
    assert len(caches) == 1 and str(caches[0]).startswith(str(isolated_home))

    # The second load does not parse at all.
    import consultui.kb.load as kbload

    monkeypatch.setattr(kbload, "parse_kb", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
    second = load_kb(path)
    assert second.kb == first.kb and second.kb.path == str(path)


def test_the_bundled_file_is_validated_once_then_read_from_the_cache(monkeypatch):
    # its ~600 claim patterns took a third of the start-up budget to check (issue 16)
    first = load_kb(bundled_kb_path())
    assert first.ok
    import consultui.kb.load as kbload

    monkeypatch.setattr(kbload, "parse_kb", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
    assert load_kb(bundled_kb_path()).kb == first.kb


def test_a_changed_file_is_validated_again(minimal_kb_path, tmp_path):
    path = big_copy(minimal_kb_path, tmp_path)
    assert load_kb(path).kb.meta.title == "Test KB"
    path.write_text(path.read_text().replace('grade = "moderate"', 'grade = "moderat"'))
    result = load_kb(path)
    assert not result.ok and any('did you mean "moderate"' in str(p) for p in result.problems)


def test_a_corrupt_cache_file_means_a_normal_load(minimal_kb_path, tmp_path):
    path = big_copy(minimal_kb_path, tmp_path)
    load_kb(path)
    for cache in paths.user_cache_dir().glob("kb-*.json"):
        cache.write_bytes(b"not json {")
    result = load_kb(path)
    assert result.ok and result.kb.meta.title == "Test KB"


def test_only_a_few_cache_files_are_kept(minimal_kb_path, tmp_path):
    for n in range(kbcache.KEEP + 2):
        assert load_kb(big_copy(minimal_kb_path, tmp_path, f"big{n}.toml", tweak=str(n))).ok
    assert len(list(paths.user_cache_dir().glob("kb-*.json"))) == kbcache.KEEP


def test_small_files_and_invalid_files_are_not_cached(minimal_kb_path, tmp_path):
    assert load_kb(minimal_kb_path).ok
    broken = big_copy(minimal_kb_path, tmp_path)
    broken.write_text(broken.read_text().replace("schema_version = 1", "schema_version = 2"))
    assert not load_kb(broken).ok
    assert not list(paths.user_cache_dir().glob("kb-*.json"))
    assert parse_kb(minimal_kb_path.read_bytes(), "x").ok


# -- entries are data, bound to the file and to the validator ----------------------


def only_entry():
    (entry,) = paths.user_cache_dir().glob("kb-*.json")
    return entry


def test_an_entry_is_json_of_the_export_never_a_pickle(minimal_kb_path, tmp_path):
    first = load_kb(big_copy(minimal_kb_path, tmp_path))
    entry = json.loads(only_entry().read_text("utf-8"))
    assert entry["sha256"] == first.kb.sha256
    assert entry["fingerprint"] == kbcache.validator_fingerprint()
    assert entry["document"]["schema_version"] == first.kb.schema_version == 1  # minimal.toml is schema 1
    assert entry["document"]["therapy"][0]["id"] == "alpha"


class Boom:
    def __reduce__(self):
        return (os.system, ("touch planted-code-ran",))


def test_a_planted_pickle_is_never_loaded(minimal_kb_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = big_copy(minimal_kb_path, tmp_path)
    first = load_kb(path)
    entry = only_entry()
    entry.write_bytes(pickle.dumps(Boom()))
    entry.with_suffix(".pickle").write_bytes(pickle.dumps(Boom()))
    result = load_kb(path)
    assert result.ok and result.kb == first.kb
    assert not (tmp_path / "planted-code-ran").exists()
    assert not list(paths.user_cache_dir().glob("kb-*.pickle"))  # old-format entries are removed


def test_an_entry_for_other_bytes_is_not_trusted(minimal_kb_path, tmp_path, monkeypatch):
    """An entry whose inside names another file is ignored: the file is validated."""
    path = big_copy(minimal_kb_path, tmp_path)
    load_kb(path)
    entry = only_entry()
    data = json.loads(entry.read_text("utf-8"))
    data["sha256"] = "0" * 64
    data["document"]["contraindication"] = []
    entry.write_text(json.dumps(data), "utf-8")
    import consultui.kb.load as kbload

    calls = []
    real = kbload.parse_kb
    monkeypatch.setattr(kbload, "parse_kb", lambda *a: calls.append(a) or real(*a))
    result = load_kb(path)
    assert calls and result.ok and result.kb.contraindications


def test_a_changed_validator_does_not_trust_old_entries(minimal_kb_path, tmp_path, monkeypatch):
    path = big_copy(minimal_kb_path, tmp_path)
    load_kb(path)
    old = only_entry()
    monkeypatch.setattr(kbcache, "validator_fingerprint", lambda: "f" * 64)
    import consultui.kb.load as kbload

    calls = []
    real = kbload.parse_kb
    monkeypatch.setattr(kbload, "parse_kb", lambda *a: calls.append(a) or real(*a))
    assert load_kb(path).ok
    assert calls, "validated again under the new fingerprint"
    assert old.exists() and len(list(paths.user_cache_dir().glob("kb-*.json"))) == 2


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_entry_others_can_write_is_not_trusted(minimal_kb_path, tmp_path, monkeypatch):
    first = load_kb(big_copy(minimal_kb_path, tmp_path))
    assert only_entry().stat().st_mode & 0o777 == 0o600
    assert kbcache.lookup(first.kb.sha256) == replace(first.kb, path="")
    only_entry().chmod(0o666)
    assert kbcache.lookup(first.kb.sha256) is None


def test_the_fingerprint_changes_with_the_validator_source(monkeypatch, tmp_path):
    from consultui.kb import patterns

    assert kbcache.patterns_source().samefile(patterns.__file__)
    before = kbcache.validator_fingerprint()
    assert before is not None and len(before) == 64
    changed = tmp_path / "patterns.py"
    changed.write_bytes(open(patterns.__file__, "rb").read() + b"\n# stricter\n")
    monkeypatch.setattr(kbcache, "patterns_source", lambda: changed)
    kbcache.validator_fingerprint.cache_clear()
    try:
        assert kbcache.validator_fingerprint() not in (None, before)
        monkeypatch.setattr(kbcache, "patterns_source", lambda: tmp_path / "missing.py")
        kbcache.validator_fingerprint.cache_clear()
        assert kbcache.validator_fingerprint() is None  # unreadable sources: no caching at all
    finally:
        monkeypatch.undo()
        kbcache.validator_fingerprint.cache_clear()
    assert kbcache.validator_fingerprint() == before


def test_the_export_rebuilds_the_same_knowledge_base(minimal_kb):
    bundled = load_kb(bundled_kb_path()).kb
    for kb in (minimal_kb, bundled):
        doc = json.loads(json.dumps(schema.document(kb), default=str))
        assert schema.build_kb(doc) == replace(kb, path="", sha256="")


def test_a_version_the_running_app_reloaded_starts_the_next_run_from_the_cache(minimal_kb_path, tmp_path, monkeypatch):
    # Edited while the app runs (its editor or another one): the reload validates it once,
    # and the next start does not validate it again.
    import consultui.kb.load as kbload
    from consultui.application.kbstore import KnowledgeBaseStore
    from consultui.kb.load import file_signature, load_for_app

    path = big_copy(minimal_kb_path, tmp_path)
    store = KnowledgeBaseStore(load_for_app(path))
    path.write_text(path.read_text().replace('title = "Test KB"', 'title = "Test KB, edited"'))
    disk = store.read_disk(path, file_signature(path))
    assert disk.result is not None and disk.result.ok and disk.result.kb.meta.title == "Test KB, edited"
    assert len(list(paths.user_cache_dir().glob("kb-*.json"))) == 2
    with monkeypatch.context() as patched:
        patched.setattr(kbload, "parse_kb", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
        again = load_for_app(path)
    assert again.kb == disk.result.kb and not again.problems
    # A version with problems is never cached: it is reported the same way every time.
    path.write_text(path.read_text().replace('title = "Test KB, edited"', 'titel = "Test KB"'))
    broken = store.read_disk(path, file_signature(path))
    assert broken.problems and len(list(paths.user_cache_dir().glob("kb-*.json"))) == 2
    assert [str(p) for p in store.read_disk(path, file_signature(path)).problems] == [str(p) for p in broken.problems]


def test_a_saved_version_is_validated_once(minimal_kb_path, tmp_path, monkeypatch):
    # The editor's save validates the text; the reload that follows and the next start
    # find those bytes in the cache.
    import consultui.kb.load as kbload
    from consultui.kb.files import save_kb_text
    from consultui.kb.load import load_for_app

    path = big_copy(minimal_kb_path, tmp_path)
    text = path.read_text().replace('title = "Test KB"', 'title = "Test KB, saved"')
    saved = save_kb_text(path, text)
    assert saved.ok and saved.written
    with monkeypatch.context() as patched:
        patched.setattr(kbload, "parse_kb", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
        again = load_for_app(path)
    assert again.kb.meta.title == "Test KB, saved" and again.kb == replace(saved.result.kb, path=str(path))
