"""The cache of validated large knowledge bases: faster, never wrong."""
from __future__ import annotations

from consultui import paths
from consultui.kb import cache as kbcache
from consultui.kb.load import load_kb, parse_kb


def big_copy(minimal_kb_path, tmp_path, name="big.toml", tweak=""):
    padding = "# padding to make the file large\n" * (kbcache.MIN_BYTES // 30)
    path = tmp_path / name
    path.write_text(padding + minimal_kb_path.read_text().replace('title = "Test KB"', f'title = "Test KB{tweak}"'))
    return path


def test_a_large_valid_file_is_cached_and_reused(minimal_kb_path, tmp_path, isolated_home, monkeypatch):
    path = big_copy(minimal_kb_path, tmp_path)
    first = load_kb(path)
    assert first.ok
    caches = list(paths.user_cache_dir().glob("kb-*.pickle"))
    assert len(caches) == 1 and str(caches[0]).startswith(str(isolated_home))

    # The second load does not parse at all.
    import consultui.kb.load as kbload

    monkeypatch.setattr(kbload, "parse_kb", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
    second = load_kb(path)
    assert second.kb == first.kb and second.kb.path == str(path)


def test_a_changed_file_is_validated_again(minimal_kb_path, tmp_path):
    path = big_copy(minimal_kb_path, tmp_path)
    assert load_kb(path).kb.meta.title == "Test KB"
    path.write_text(path.read_text().replace('grade = "moderate"', 'grade = "moderat"'))
    result = load_kb(path)
    assert not result.ok and any('did you mean "moderate"' in str(p) for p in result.problems)


def test_a_corrupt_cache_file_means_a_normal_load(minimal_kb_path, tmp_path):
    path = big_copy(minimal_kb_path, tmp_path)
    load_kb(path)
    for cache in paths.user_cache_dir().glob("kb-*.pickle"):
        cache.write_bytes(b"not a pickle")
    result = load_kb(path)
    assert result.ok and result.kb.meta.title == "Test KB"


def test_only_a_few_cache_files_are_kept(minimal_kb_path, tmp_path):
    for n in range(kbcache.KEEP + 2):
        assert load_kb(big_copy(minimal_kb_path, tmp_path, f"big{n}.toml", tweak=str(n))).ok
    assert len(list(paths.user_cache_dir().glob("kb-*.pickle"))) == kbcache.KEEP


def test_small_files_and_invalid_files_are_not_cached(minimal_kb_path, tmp_path):
    assert load_kb(minimal_kb_path).ok
    broken = big_copy(minimal_kb_path, tmp_path)
    broken.write_text(broken.read_text().replace("schema_version = 1", "schema_version = 2"))
    assert not load_kb(broken).ok
    assert not list(paths.user_cache_dir().glob("kb-*.pickle"))
    assert parse_kb(minimal_kb_path.read_bytes(), "x").ok
