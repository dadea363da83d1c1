"""HTML and Markdown to checkable text, with offsets back into the original."""
from __future__ import annotations

import pytest

from claims_helpers import FIXTURES, checker
from consultui.claims.checker import check_document, read_text_file
from consultui.claims.extract import detect_kind, extract


def test_plain_text_is_unchanged():
    text, omap = extract("abc\ndef", "text")
    assert text == "abc\ndef" and omap.to_raw(1, 3) == (1, 3)


def test_html_tags_scripts_styles_skipped_entities_decoded():
    raw = ("<html><head><style>.x{}</style><script>var a = '<p>guaranteed results</p>';</script></head>"
           "<body><p>Zero&nbsp;downtime &amp; <b>no</b> side effects</p><!-- miracle --></body></html>")
    text, omap = extract(raw, "html")
    assert "guaranteed" not in text and "miracle" not in text and "var a" not in text
    assert "Zero downtime & no side effects" in text  # &nbsp; becomes a plain space
    i = text.index("no side")
    s, e = omap.to_raw(i, i + len("no side effects"))
    assert raw[s:e] == "no</b> side effects"
    j = text.index("&")
    assert raw[slice(*omap.to_raw(j, j + 1))] == "&amp;"


def test_html_block_tags_separate_sentences():
    text, _ = extract("<p>No needles</p><p>guaranteed results</p>", "html")
    assert "No needles\n" in text
    assert [f.text for f in check_document("<p>No needles</p><p>guaranteed results</p>", "html", checker())] \
        == ["guaranteed results"]


def test_html_fixture_offsets_point_into_the_file():
    raw = read_text_file(FIXTURES / "ad.html")
    found = check_document(raw, "html", checker())
    assert [f.rule for f in found] == ["guaranteed-results", "no-downtime"]
    for f in found:
        assert raw[f.start:f.end] == f.text
        line_start = raw.rfind("\n", 0, f.start) + 1
        assert f.line == raw.count("\n", 0, f.start) + 1 and f.column == f.start - line_start + 1
    assert found[1].text == "zero&nbsp;downtime"
    assert found[0].line == 9


def test_markdown_markers_and_link_urls():
    raw = "# The *miracle* facial\n\nSee [our offer](https://x.example/guaranteed-results) now: **100% safe**.\n"
    text, omap = extract(raw, "markdown")
    assert "The miracle facial" in text
    assert "https" not in text and "our offer" in text
    assert "100% safe" in text and "**" not in text
    i = text.index("100% safe")
    assert raw[slice(*omap.to_raw(i, i + 9))] == "100% safe"


def test_markdown_fixture():
    raw = read_text_file(FIXTURES / "ad.md")
    found = check_document(raw, "markdown", checker())
    texts = [f.text for f in found]
    assert "miracle" in texts and "100% safe" in texts and "No downtime" in texts
    assert not any("code block" in raw[f.start:f.end + 30] for f in found)   # fenced code skipped
    assert not any(f.line == 13 for f in found)  # the quoted warning
    for f in found:
        assert raw[f.start:f.end] == f.text


def test_markdown_list_items_are_separate_sentences():
    raw = "- no needles\n- guaranteed results\n"
    assert [f.text for f in check_document(raw, "markdown", checker())] == ["guaranteed results"]


@pytest.mark.parametrize("path, raw, kind", [
    ("a.html", "", "html"), ("a.HTM", "", "html"), ("a.md", "", "markdown"), ("a.txt", "<p>x</p>", "text"),
    (None, "<!DOCTYPE html><p>x</p>", "html"), (None, "<p>Hello</p>", "html"),
    ("-", "# Title\n\ntext", "markdown"), (None, "**bold** claim", "markdown"),
    (None, "Just plain words. 3 < 4.", "text"), ("notes", "plain", "text"),
])
def test_detect_kind(path, raw, kind):
    assert detect_kind(path, raw) == kind


@pytest.mark.parametrize("raw", ["<", "<p", "<script>", "&", "&#99999999;", "<!--", "<a href='", "&amp",
                                 "[x](", "**", "```\nno side effects", "> - # x"])
@pytest.mark.parametrize("kind", ["html", "markdown"])
def test_broken_markup_never_crashes(raw, kind):
    text, omap = extract(raw * 3, kind)
    for f in check_document(raw * 3 + " guaranteed results", kind, checker()):
        assert 0 <= f.start < f.end <= len(raw * 3) + 19
