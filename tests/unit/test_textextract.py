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


# -- real-world-shaped HTML -------------------------------------------------------

def _flagged(raw, kind="html"):
    """Findings, each checked to point at its exact span, line and column of `raw`."""
    found = check_document(raw, kind, checker())
    for f in found:
        assert raw[f.start:f.end] == f.text
        assert f.line == raw.count("\n", 0, f.start) + 1
        assert f.column == f.start - (raw.rfind("\n", 0, f.start) + 1) + 1
    return found


PAGE_WITHOUT_HEAD_END = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Glow Clinic: guaranteed results</title>
<link rel="stylesheet" href="site.css">
<body>
<div class="hero"><h1>Exosome facial</h1>
<p>Guaranteed results after one visit.
<p>Zero downtime!
</div>
</body>
</html>
"""


def test_a_head_left_unclosed_does_not_hide_the_page():
    found = _flagged(PAGE_WITHOUT_HEAD_END)
    assert [(f.text, f.line, f.column) for f in found] == [
        ("Guaranteed results", 9, 4), ("Zero downtime", 10, 4)]
    text, _ = extract(PAGE_WITHOUT_HEAD_END, "html")
    assert "Glow Clinic" not in text  # the <title> is still head, not page text


@pytest.mark.parametrize("page", [
    "<html><head><title>T</title><p>Guaranteed results</p>",          # a body-only tag, no <body>
    "<head><meta charset=utf-8>\n<div><span>Guaranteed results</span></div>",
    "<head><title>T</title>\nGuaranteed results",                      # text after the title
    "<HTML><HEAD><TITLE>T</TITLE><BODY><P>Guaranteed results",         # upper case
])
def test_the_body_ends_an_unclosed_head(page):
    assert [f.text for f in _flagged(page)] == ["Guaranteed results"]


def test_head_content_stays_hidden_when_the_head_is_closed():
    raw = "<head><title>Guaranteed results</title><noscript><p>Zero downtime</p></noscript></head><p>Hello</p>"
    assert _flagged(raw) == []
    assert extract(raw, "html")[0].strip() == "Hello"


def test_script_with_closing_tags_inside_comments_cdata_and_unclosed_p():
    raw = ("<body>\n<script>\n  if (a < b) { el.innerHTML = '</div><p>guaranteed results</p>'; }\n</script>\n"
           "<!-- <p>no side effects</p> -->\n<![CDATA[ miracle cure ]]>\n"
           "<p>Results vary\n<p class=\"x\" data-note='a > b'>No downtime at all\n"
           "<style>p::after { content: \"guaranteed results\" }</style></body>")
    found = _flagged(raw)
    assert [(f.text, f.line) for f in found] == [("No downtime", 8)]
    assert found[0].column == raw.splitlines()[7].index("No downtime") + 1
    text, _ = extract(raw, "html")
    assert "miracle" not in text and "side effects" not in text and "innerHTML" not in text


def test_entities_map_to_their_raw_spans():
    raw = "<P>Zero&nbsp;downtime &amp; 100&#37; safe, &#x52;isk-free &copy; AT&T & R&D &nosuch; done</P>"
    text, omap = extract(raw, "html")
    assert text == "\nZero downtime & 100% safe, Risk-free \u00a9 AT&T & R&D &nosuch; done\n"
    for phrase, raw_phrase in [("Zero downtime", "Zero&nbsp;downtime"), ("100%", "100&#37;"),
                               ("Risk-free", "&#x52;isk-free"), ("AT&T & R&D", "AT&T & R&D"),
                               ("\u00a9", "&copy;"), ("&nosuch;", "&nosuch;")]:
        i = text.index(phrase)
        s, e = omap.to_raw(i, i + len(phrase))
        assert raw[s:e] == raw_phrase
    # "100% safe, Risk-free": one claim of one category, so one finding
    assert [f.text for f in _flagged(raw)] == ["Zero&nbsp;downtime", "100&#37; safe, &#x52;isk-free"]


def test_every_character_maps_back_exactly():
    raw = PAGE_WITHOUT_HEAD_END + "<p>caf\u00e9 &amp; <b>bold</b>\r\n\t more <img src=x alt='y'>end</p>"
    text, omap = extract(raw, "html")
    for i, ch in enumerate(text):
        s, e = omap.to_raw(i, i + 1)
        assert 0 <= s < e <= len(raw)
        if e - s == 1 and ch not in "\n ":
            assert raw[s] == ch      # copied text is the page's own character
    assert "caf\u00e9 & bold more  end" in text   # the <img> stands for a space


@pytest.mark.parametrize("raw, text", [
    ("<p>a<br/>b<img src=x>c<input>d</p>", "\na\nb c d\n"),
    ("<svg><title>t</title></svg>after<svg/>more", "aftermore"),
    ("<template><p>hidden</template>shown", "shown"),
    ("<![if !IE]>x<![endif]><![ odd", "x"),
    ("3 < 4 and 5 > 2 <", "3 < 4 and 5 > 2 <"),
    ("<p>kept<!-- a comment never closed <p>guaranteed results", "\nkept"),
    ("<p>kept<a href='never closed", "\nkept"),
])
def test_html_edge_cases(raw, text):
    assert extract(raw, "html")[0] == text


# -- linear time on adversarial input -----------------------------------------------
# Each input is 200 KB (Markdown: a 60 KB line). A quadratic scan of these (as the
# previous regex tokenizer or html.parser's close() do on some of them) takes minutes;
# a linear one well under a second. No clock is read: a slow run shows as a hung test.

@pytest.mark.parametrize("unit", ["<", "<a ", "<!--x>", "</", "&", "&amp", "<a href='", "<!", "<?",
                                  "<a x='>' ", "<![CDATA[x>", "<![x>", "<p>x", "<script>", "<head>", "<a <b>"])
def test_html_extraction_is_linear_on_adversarial_input(unit):
    raw = unit * (200_000 // len(unit))
    text, omap = extract(raw + "\n<p>guaranteed results</p>", "html")
    assert len(text) <= len(raw) + 30
    if unit not in ("<!--x>", "<a href='", "<![CDATA[x>", "<script>", "<head>", "<a ", "<a x='>' "):
        # markup that closes: the sentence after it is page text, at its own offset
        i = text.rindex("guaranteed results")
        s, e = omap.to_raw(i, i + 18)
        assert s == len(raw) + 4 and e == s + 18


@pytest.mark.parametrize("unit", ["[", "![", "[x](", "<a ", "<http:", " ", "<a x='>' ", "*", "_", "](", "<" + "a" * 1000])
def test_markdown_extraction_is_linear_on_a_long_line(unit):
    raw = unit * (60_000 // len(unit)) + " guaranteed results"
    text, omap = extract(raw, "markdown")
    i = text.rindex("guaranteed results")
    assert raw[slice(*omap.to_raw(i, i + 18))] == "guaranteed results"


@pytest.mark.parametrize("raw, text", [
    ("# The *miracle* facial ##\n\nSee [our offer](https://x.example/g) now: **100% safe**.\n",
     "\nThe miracle facial\n\nSee our offer now: 100% safe.\n"),
    ("## Title ##  \nfoo #\nbar ##x\n#\n# #\n", "\nTitle\nfoo\nbar ##x\n\n\n\n#\n"),
    ("![alt text](img.png) and [ref][1] and <b class=\"a>b\">bold</b> <http://x.y>", "alt text and ref and bold "),
    ("a &amp; b \\* c _d_ e__f ~~g~~ `code` [link ##](u) Price 5 ##", "a & b * c d ef g code link Price 5"),
])
def test_markdown_inline_markup_is_read_as_before(raw, text):
    assert extract(raw, "markdown")[0] == text
