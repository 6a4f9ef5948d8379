"""Unit tests for pipeline.ingest: one behaviour per test, files built in tmp_path."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import ingest
from pipeline.ingest import REJECT_REASONS, RawDoc, Reject, iter_inputs

ARTICLE = (
    "Kratom is a tropical tree whose leaves are sold as a supplement. Some users say it helps "
    "them sleep, while others report insomnia at higher doses. Researchers have not settled "
    "the question, and the FDA has warned consumers about contamination."
)


def run(root: Path, **kw) -> list[RawDoc | Reject]:
    items = list(iter_inputs(root, **kw))
    for item in items:
        if isinstance(item, Reject):
            assert item.reason in REJECT_REASONS, item
            assert item.detail, item
        else:
            assert item.text.strip(), item
    return items


def only(root: Path, **kw) -> RawDoc | Reject:
    items = run(root, **kw)
    assert len(items) == 1, items
    return items[0]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- API


def test_reject_reasons_are_stable_strings():
    expected = {
        "empty_file", "binary_content", "undecodable", "unsupported_format", "too_large",
        "unreadable", "symlink_loop", "hidden_file", "special_file", "invalid_json",
        "missing_text", "wrong_type", "no_main_text", "extraction_failed",
        "corrupt_archive", "corrupt_warc", "not_english", "processing_error", "duplicate_source",
    }
    assert REJECT_REASONS == expected
    assert isinstance(REJECT_REASONS, frozenset)


def test_rawdoc_and_reject_are_frozen(tmp_path):
    write(tmp_path / "a.txt", b"hello world")
    doc = only(tmp_path)
    with pytest.raises(AttributeError):
        doc.text = "x"  # type: ignore[misc]


def test_plain_text_document_fields(tmp_path):
    write(tmp_path / "sub" / "a.txt", ARTICLE.encode())
    doc = only(tmp_path)
    assert doc == RawDoc(
        source_path="sub/a.txt", record="", text=ARTICLE, url=None, title=None, published=None,
        format="txt", encoding="utf-8", size_bytes=len(ARTICLE.encode()),
    )


def test_markdown_extensions(tmp_path):
    write(tmp_path / "a.md", b"# Title\n\nBody text.")
    write(tmp_path / "b.MARKDOWN", b"Body text.")
    docs = run(tmp_path)
    assert [(d.source_path, d.format, d.title) for d in docs] == [("a.md", "md", None), ("b.MARKDOWN", "md", None)]
    assert docs[0].text == "# Title\n\nBody text."


def test_root_may_be_a_single_file(tmp_path):
    path = write(tmp_path / "one.txt", b"just one file")
    assert only(path).source_path == "one.txt"


def test_missing_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(iter_inputs(tmp_path / "nope"))


# ---------------------------------------------------------------- walking


def test_walk_is_sorted_and_deterministic(tmp_path):
    for name in ["b/z.txt", "b/a.txt", "a.txt", "c.txt", "B.txt", "a/x.txt"]:
        write(tmp_path / name, name.encode())
    paths = [i.source_path for i in run(tmp_path)]
    # sorted component by component (code-point order), depth first
    assert paths == ["B.txt", "a/x.txt", "a.txt", "b/a.txt", "b/z.txt", "c.txt"]
    assert [i.source_path for i in run(tmp_path)] == paths


def test_odd_file_names(tmp_path):
    names = ["with space.txt", "ünïcödé – dash.txt", "日本語.md", "semi;colon&amp.txt"]
    for name in names:
        write(tmp_path / "dir with space" / name, f"text of {name}".encode())
    docs = run(tmp_path)
    assert sorted(d.source_path for d in docs) == sorted(f"dir with space/{n}" for n in names)
    assert all(isinstance(d, RawDoc) for d in docs)


def test_undecodable_file_name_becomes_escaped_str(tmp_path):
    raw_name = os.fsencode(tmp_path) + b"/bad\xffname.txt"
    try:
        with open(raw_name, "wb") as fh:
            fh.write(b"hello there")
    except OSError:
        pytest.skip("file system refuses non-UTF-8 names")
    doc = only(tmp_path)
    assert doc.source_path == "bad\\xffname.txt"
    doc.source_path.encode("utf-8")  # safe for Parquet


def test_hidden_files_and_dirs_are_rejected_not_dropped(tmp_path):
    write(tmp_path / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(tmp_path / ".git" / "config", b"[core]")
    write(tmp_path / ".git" / "objects" / "ab", b"x" * 10)
    write(tmp_path / "sub" / ".hidden.txt", b"secret")
    write(tmp_path / "visible.txt", b"shown")
    items = run(tmp_path)
    by_path = {i.source_path: i for i in items}
    assert set(by_path) == {".DS_Store", ".git", "sub/.hidden.txt", "visible.txt"}
    assert by_path[".git"].reason == "hidden_file"
    assert "2 files" in by_path[".git"].detail and by_path[".git"].size_bytes == 16
    assert by_path[".DS_Store"].reason == "hidden_file"
    assert by_path["sub/.hidden.txt"].reason == "hidden_file"
    assert isinstance(by_path["visible.txt"], RawDoc)


def test_symlink_loop_is_detected(tmp_path):
    write(tmp_path / "a" / "doc.txt", b"inside a")
    os.symlink("..", tmp_path / "a" / "up")  # a/up -> tmp_path, an ancestor
    os.symlink("self", tmp_path / "self")  # self -> self: ELOOP
    items = run(tmp_path)
    by_path = {i.source_path: i for i in items}
    assert by_path["a/up"].reason == "symlink_loop"
    assert by_path["self"].reason == "symlink_loop"
    assert isinstance(by_path["a/doc.txt"], RawDoc)
    assert len(items) == 3


def test_symlinked_file_and_dir_are_followed(tmp_path):
    write(tmp_path / "real" / "doc.txt", b"shared text")
    os.symlink("real", tmp_path / "alias")
    os.symlink("real/doc.txt", tmp_path / "link.txt")
    paths = [i.source_path for i in run(tmp_path) if isinstance(i, RawDoc)]
    assert paths == ["alias/doc.txt", "link.txt", "real/doc.txt"]


def test_broken_symlink_is_unreadable(tmp_path):
    os.symlink("missing.txt", tmp_path / "dangling.txt")
    rej = only(tmp_path)
    assert rej.reason == "unreadable" and "broken symlink" in rej.detail


def test_fifo_and_socket_are_never_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s.txt"))
    except OSError:
        pass
    items = run(tmp_path)  # would hang if the FIFO were opened
    assert {i.reason for i in items} == {"special_file"}
    sock.close()


def test_names_that_display_the_same_are_read_once(tmp_path):
    """b'bad\\xffname.txt' is shown as 'bad\\\\xffname.txt', the name of another file; the same for
    directories. The listing (global, before batching) reads the first and rejects the other."""
    root = os.fsencode(tmp_path)
    try:
        write(Path(os.fsdecode(root + b"/bad\xffname.txt")), b"Valerian may help sleep.")
        write(Path(os.fsdecode(root + b"/dir\xfe/a.txt")), b"Kratom may cause insomnia.")
    except OSError:
        pytest.skip("file system refuses non-UTF-8 names")
    write(tmp_path / "bad\\xffname.txt", b"Magnesium reduces cramps.")
    write(tmp_path / "dir\\xfe" / "a.txt", b"Magnesium improves sleep.")
    items = run(tmp_path)
    assert [(type(i).__name__, i.source_path, getattr(i, "reason", "")) for i in items] == [
        ("RawDoc", "bad\\xffname.txt", ""), ("Reject", "bad\\xffname.txt", "duplicate_source"),
        ("RawDoc", "dir\\xfe/a.txt", ""), ("Reject", "dir\\xfe/a.txt", "duplicate_source"),
    ]
    assert items[0].text == "Magnesium reduces cramps."   # the literal backslash sorts first
    assert "b'bad\\xffname.txt'" in items[1].detail and items[1].size_bytes == len(b"Valerian may help sleep.")
    listed = list(ingest.list_inputs(tmp_path))
    assert [type(i).__name__ for i in listed] == ["InputFile", "Reject", "InputFile", "Reject"]


# ---------------------------------------------------------------- formats


def test_unsupported_formats(tmp_path):
    write(tmp_path / "a.pdf", b"%PDF-1.4")
    write(tmp_path / "README", b"no extension")
    write(tmp_path / "b.csv.gz", gzip.compress(b"a,b"))
    items = {i.source_path: i for i in run(tmp_path)}
    assert {k: v.reason for k, v in items.items()} == dict.fromkeys(["README", "a.pdf", "b.csv.gz"], "unsupported_format")
    assert "'.pdf'" in items["a.pdf"].detail
    assert items["a.pdf"].size_bytes == 8


def test_empty_and_whitespace_only(tmp_path):
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "blank.md", b" \n\t\r\n  ")
    write(tmp_path / "blank.html", b"\n\n")
    write(tmp_path / "bom_only.txt", b"\xef\xbb\xbf")
    write(tmp_path / "empty.txt.gz", gzip.compress(b""))
    items = {i.source_path: i for i in run(tmp_path)}
    assert {k: v.reason for k, v in items.items()} == dict.fromkeys(items, "empty_file")
    assert items["empty.txt"].detail == "0 bytes"


def test_binary_with_nuls(tmp_path):
    rng = random.Random(0)
    write(tmp_path / "noise.txt", bytes(rng.randrange(256) for _ in range(4000)) + b"\x00" * 50)
    rej = only(tmp_path)
    assert rej.reason == "binary_content" and "NUL" in rej.detail and "%" in rej.detail


def test_binary_by_control_share_without_nuls(tmp_path):
    write(tmp_path / "ctl.txt", b"abc\x01\x02\x03\x04\x05\x06" * 100)
    assert only(tmp_path).reason == "binary_content"


def test_binary_signature(tmp_path):
    write(tmp_path / "paper.txt", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 20)
    rej = only(tmp_path)
    assert rej.reason == "binary_content" and "PDF" in rej.detail


def test_too_large_is_not_read(tmp_path, monkeypatch):
    write(tmp_path / "big.txt", b"x" * 2000)
    monkeypatch.setattr(ingest, "_open_binary", lambda p: pytest.fail("opened a too-large file"))
    rej = only(tmp_path, max_bytes=1000)
    assert rej.reason == "too_large" and rej.size_bytes == 2000 and "1,000" in rej.detail


def test_gzip_bomb_is_too_large(tmp_path):
    write(tmp_path / "bomb.txt.gz", gzip.compress(b"a" * 100_000))
    rej = only(tmp_path, max_bytes=10_000)
    assert rej.reason == "too_large" and "decompressed" in rej.detail


def test_unreadable_via_monkeypatch(tmp_path, monkeypatch):
    write(tmp_path / "locked.txt", b"private")
    write(tmp_path / "locked.jsonl", b'{"text": "x"}\n')
    write(tmp_path / "ok.txt", b"public")

    def deny(path):
        if "locked" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, "rb")

    monkeypatch.setattr(ingest, "_open_binary", deny)
    items = {i.source_path: i for i in run(tmp_path)}
    for name in ("locked.txt", "locked.jsonl"):
        assert items[name].reason == "unreadable"
        assert items[name].detail == "[Errno 13] Permission denied"
    assert isinstance(items["ok.txt"], RawDoc)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores chmod 000; covered by the monkeypatch test")
def test_unreadable_via_chmod(tmp_path):
    path = write(tmp_path / "locked.txt", b"private")
    path.chmod(0)
    try:
        rej = only(tmp_path)
    finally:
        path.chmod(0o644)
    assert rej.reason == "unreadable" and "Permission denied" in rej.detail


def test_unlistable_subdirectory_is_rejected(tmp_path, monkeypatch):
    write(tmp_path / "sub" / "a.txt", b"text")
    write(tmp_path / "z.txt", b"text")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(ingest.os, "scandir", scandir)
    items = run(tmp_path)
    assert [(i.source_path, getattr(i, "reason", None)) for i in items] == [("sub", "unreadable"), ("z.txt", None)]


# ---------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("plain ascii".encode(), "utf-8"),
        ("café — “quoted”".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "café".encode(), "utf-8-sig"),
        ("café “quoted” text".encode("utf-16"), "utf-16"),  # with BOM
        (b"\xfe\xff" + "café text".encode("utf-16-be"), "utf-16"),
        ("café “quoted” text".encode("utf-32"), "utf-32"),
        ("café “quoted” text, no BOM".encode("utf-16-le"), "utf-16-le"),
        ("café “quoted” text, no BOM".encode("utf-16-be"), "utf-16-be"),
        ("He said “hello” – café".encode("cp1252"), "cp1252"),
        ("naïve café".encode("latin-1"), "latin-1"),  # no 0x80-0x9F bytes
    ],
)
def test_decoding(tmp_path, data, encoding):
    write(tmp_path / "a.txt", data)
    doc = only(tmp_path)
    assert isinstance(doc, RawDoc), doc
    assert doc.encoding == encoding
    assert "\ufeff" not in doc.text
    assert doc.text in {"plain ascii", "café — “quoted”", "café", "café “quoted” text", "café text",
                        "café “quoted” text, no BOM", "He said “hello” – café", "naïve café"}


def test_cp1252_curly_quotes_in_longer_text(tmp_path):
    text = "It\u2019s \u201cnatural\u201d \u2014 so it\u2019s safe\u2026 or is it?\n" * 5
    write(tmp_path / "legacy.md", text.encode("cp1252"))
    doc = only(tmp_path)
    assert (doc.encoding, doc.text) == ("cp1252", text)


def test_broken_utf16_after_bom_is_undecodable(tmp_path):
    write(tmp_path / "a.txt", b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    rej = only(tmp_path)
    assert rej.reason == "undecodable" and "utf-16" in rej.detail


def test_gzipped_text(tmp_path):
    write(tmp_path / "a.txt.gz", gzip.compress("café".encode("utf-16")))
    doc = only(tmp_path)
    assert (doc.format, doc.encoding, doc.text) == ("txt", "utf-16", "café")
    assert doc.size_bytes == (tmp_path / "a.txt.gz").stat().st_size


def test_gz_that_is_not_gzip(tmp_path):
    write(tmp_path / "a.txt.gz", b"this is plain text, not gzip")
    write(tmp_path / "b.jsonl.gz", b"{}\n")
    items = run(tmp_path)
    assert [(i.source_path, i.reason) for i in items] == [("a.txt.gz", "corrupt_archive"), ("b.jsonl.gz", "corrupt_archive")]
    assert "Not a gzipped file" in items[0].detail


def test_truncated_gz(tmp_path):
    data = gzip.compress(ARTICLE.encode() * 50)
    write(tmp_path / "a.md.gz", data[: len(data) // 2])
    rej = only(tmp_path)
    assert rej.reason == "corrupt_archive" and "EOFError" in rej.detail


# ---------------------------------------------------------------- HTML

HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Kratom &amp; Sleep | HealthSite</title>
<meta property="article:published_time" content="2021-03-04T10:00:00Z">
<script>var tracking = "SCRIPT_TEXT_NEVER";</script>
<style>.x { color: red }</style>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us NAV_TEXT</a></li></ul></nav>
<header><div class="logo">HealthSite</div></header>
<article>
<h1>Does kratom help you sleep?</h1>
<p>Kratom is a tropical tree whose leaves are sold as a supplement. Some users say it helps them
sleep &mdash; others report insomnia &amp; restlessness at higher doses.</p>
<p>At lower doses of 1&ndash;3&nbsp;g, kratom is described as stimulating. Caf&eacute; owners sell it
&lt;legally&gt; in some states, and the FDA has warned about contamination with salmonella.</p>
<script>document.write("SCRIPT_TEXT_NEVER2")</script>
</article>
<footer><p>Copyright 2024 HealthSite. All rights reserved. FOOTER_TEXT Privacy policy.</p></footer>
</body></html>
"""


def test_html_main_text_only(tmp_path):
    write(tmp_path / "page.html", HTML_PAGE.encode())
    doc = only(tmp_path)
    assert (doc.format, doc.encoding, doc.url) == ("html", "utf-8", None)
    assert doc.title == "Kratom & Sleep | HealthSite"
    assert doc.published == "2021-03-04T10:00:00Z"
    assert "helps them sleep — others report insomnia & restlessness" in " ".join(doc.text.split())
    assert "1–3 g" in doc.text  # trafilatura turns &nbsp; into a space
    assert "Café owners sell it <legally>" in doc.text
    for junk in ("SCRIPT_TEXT_NEVER", "NAV_TEXT", "FOOTER_TEXT", "color: red", "&amp;", "&mdash;"):
        assert junk not in doc.text


def test_html_meta_charset_is_used_for_legacy_bytes(tmp_path):
    page = HTML_PAGE.replace('charset="utf-8"', 'charset="windows-1251"').replace("Kratom is", "Кратом is")
    write(tmp_path / "ru.htm", page.encode("cp1251"))
    doc = only(tmp_path)
    assert doc.encoding == "cp1251" and "Кратом is" in doc.text


def test_html_without_extractable_article_falls_back_to_body_text(tmp_path):
    page = ("<html><head><script>var s='SCRIPT_TEXT_NEVER'</script></head><body>"
            "<nav>Home NAV_TEXT</nav><table><tr><td>Valerian may help sleep.</td></tr></table>"
            "<footer>FOOTER_TEXT</footer></body></html>")
    write(tmp_path / "t.html", page.encode())
    doc = only(tmp_path)
    assert doc.text == "Valerian may help sleep."


def test_html_with_no_text(tmp_path):
    write(tmp_path / "nothing.html", b"<html><head><script>var x = 'SCRIPT_TEXT_NEVER';</script></head><body><nav>Home</nav></body></html>")
    write(tmp_path / "comment.html", b"<!-- only a comment -->")
    items = run(tmp_path)
    assert [i.reason for i in items] == ["no_main_text", "no_main_text"]


def test_html_external_entities_are_never_resolved(tmp_path):
    secret = write(tmp_path / "secret" / "passwd.dat", b"TOP_SECRET_CONTENT")
    page = (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<html xmlns="http://www.w3.org/1999/xhtml"><body><article><p>Hello &xxe; world. '
            + ARTICLE + "</p></article></body></html>")
    write(tmp_path / "x.xhtml.html", page.encode())
    doc = next(i for i in run(tmp_path) if i.source_path == "x.xhtml.html")
    assert "TOP_SECRET_CONTENT" not in doc.text
    assert "Kratom is a tropical tree" in doc.text and "]>" not in doc.text


def test_html_extractor_crash_becomes_reject(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(ingest.trafilatura, "extract", boom)
    write(tmp_path / "a.html", HTML_PAGE.encode())
    rej = only(tmp_path)
    assert rej.reason == "extraction_failed" and "RecursionError" in rej.detail


def test_html_entities_are_decoded_once(tmp_path):
    """trafilatura unescapes its text output again, after the parser decoded the entities:
    '&amp;lt;' came out as '<' instead of '&lt;'."""
    page = ("<html><body><article><p>Write &amp;lt;b&amp;gt; for bold; AT&amp;amp;T and R&amp;D; 5 &gt; 3 "
            "&amp; &#38;amp; &lt;i&gt;. " + ARTICLE + "</p></article></body></html>")
    write(tmp_path / "e.html", page.encode())
    doc = only(tmp_path)
    assert "Write &lt;b&gt; for bold; AT&amp;T and R&D; 5 > 3 & &amp; <i>." in doc.text


def test_html_entities_are_decoded_once_in_the_fallback_and_with_control_characters(tmp_path):
    write(tmp_path / "t.html", b"<html><body><table><tr><td>Use &amp;lt;br&amp;gt;&#1; here.</td></tr></table></body></html>")
    write(tmp_path / "u.html", b"<html><body><article><p>Valerian &amp;amp; hops&#1; &amp; sleep. "
          + ARTICLE.encode() + b"</p></article></body></html>")
    # found by the atheris target: a form feed (not among _CONTROL_CHARS_RE) next to an "&"
    write(tmp_path / "v.html", b"<html><body><article><p>\x0cValerian&#xFFFF; &amp;amp; hops\x0c &amp; sleep. "
          + ARTICLE.encode() + b"</p></article></body></html>")
    t, u, v = run(tmp_path)
    assert t.text == "Use &lt;br&gt; here."
    assert "Valerian &amp; hops & sleep." in " ".join(u.text.split())
    assert "Valerian &amp; hops & sleep." in " ".join(v.text.split())


def test_html_escaping_leaves_the_parsed_tree_as_it_was():
    tree = ingest.lxml.html.document_fromstring("<p>a &amp;lt; b<br>c &amp; d</p><script>x && y</script>")
    before = ingest.lxml.html.tostring(tree)
    ingest._restore(ingest._escape_ampersands(tree))
    assert ingest.lxml.html.tostring(tree) == before


def _deep_page(depth: int) -> str:
    return ("<html><head><title>Deep</title></head><body><article><p>" + ARTICLE + "</p>"
            + "<div>" * depth + "<p>Inner text.</p>" + "</div>" * depth
            + "<p>Closing section. " + ARTICLE + "</p></article></body></html>")


@pytest.mark.parametrize("depth", [3000, 50_000])
def test_html_nested_deeper_than_libxml2_allows_keeps_its_text(tmp_path, depth):
    write(tmp_path / "deep.html", _deep_page(depth).encode())
    doc = only(tmp_path)
    assert "Closing section." in doc.text and doc.title == "Deep"


def test_flatten_deep_html_drops_only_the_tags_below_the_depth():
    flat = ingest._flatten_deep_html("<div><section><p>a</p><div>b<br><img src=x/><hr/>c</div></section></div>d", 2)
    assert flat == "<div><section> a  b<br><img src=x/><hr/>c </section></div>d"
    # raw text and comments are not markup; an end tag of no open element is ignored
    html = "<div><script>'<div><div><div>'</script><!-- <div><div> --></span><div>x</div></div>"
    assert ingest._flatten_deep_html(html, 2) == html
    assert ingest._flatten_deep_html(html, 1) == html.replace("<div>x</div>", " x ")


def test_flatten_deep_html_bounds_the_depth_libxml2_sees():
    tree, too_deep = ingest._parse_html(_deep_page(5000))
    assert too_deep and "Closing section." not in tree.text_content()   # the libxml2 limit, as it was
    tree, too_deep = ingest._parse_html(ingest._flatten_deep_html(_deep_page(5000), ingest._MAX_HTML_DEPTH))
    assert not too_deep and "Closing section." in tree.text_content() and "Inner text." in tree.text_content()
    depth = max(len(list(el.iterancestors())) for el in tree.iter())
    assert depth <= ingest._MAX_HTML_DEPTH + 1


def test_flatten_deep_html_is_linear():
    import time
    for unit in ("<div>", "<a", "</b><i>", "<script>", "<!--", "<div/>"):
        text = unit * (1_000_000 // len(unit))   # ~1-2 s each (quadratic would be hours)
        start = time.perf_counter()
        ingest._flatten_deep_html(text, ingest._MAX_HTML_DEPTH)
        assert time.perf_counter() - start < 10, unit


def test_html_still_too_deep_after_flattening_is_a_specific_reject(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "_MAX_HTML_DEPTH", 100_000)   # as if the scan had under-counted
    write(tmp_path / "deep.html", _deep_page(5000).encode())
    rej = only(tmp_path)
    assert rej.reason == "extraction_failed" and "nested deeper than 2048" in rej.detail


_OLD_DOCTYPE_RE = re.compile(r"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<!DOCTYPE", "<!doctype", " html", "[", "]", ">", " ", "\n", "x", "<", "] >",
                                 "]]>", "<!ENTITY a 'b'>"]), max_size=14).map("".join))
def test_doctype_span_matches_what_the_old_regex_matched(text):
    m = _OLD_DOCTYPE_RE.search(text)
    assert ingest._doctype_span(text) == ((m.start(), m.end()) if m else None)


def test_doctype_flood_is_linear():
    import time
    text = "<p>x</p>" + "<!DOCTYPE [" * 200_000   # 2.2 MB; the regex took ~16 s on 110 KB
    start = time.perf_counter()
    assert ingest._doctype_span(text) is None
    assert time.perf_counter() - start < 2
    assert ingest._doctype_span(text + "<!DOCTYPE html>") == (len(text), len(text) + 15)
    assert ingest._doctype_span(text + "]>") == (8, len(text) + 2)


# ---------------------------------------------------------------- JSONL


def test_jsonl_good_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"text": "First article.", "url": "https://e.com/1", "title": "One", "published": "2020-01-02"}),
        "",  # blank: ignored but counted
        '{"text": "broken" "url": 1}',
        json.dumps({"url": "https://e.com/4"}),
        json.dumps({"text": 42}),
        json.dumps(["text", "in a list"]),
        json.dumps({"text": "   "}),
        json.dumps({"text": "Second article.", "title": None}),
        json.dumps({"text": "Bad date.", "published": 20200102}),
        json.dumps({"text": None}),
    ]
    write(tmp_path / "docs.jsonl", ("\n".join(lines) + "\n").encode())
    items = run(tmp_path)
    got = [(i.record, getattr(i, "reason", "doc")) for i in items]
    assert got == [
        ("line:1", "doc"),
        ("line:3", "invalid_json"),
        ("line:4", "missing_text"),
        ("line:5", "wrong_type"),
        ("line:6", "wrong_type"),
        ("line:7", "missing_text"),
        ("line:8", "doc"),
        ("line:9", "wrong_type"),
        ("line:10", "missing_text"),
    ]
    first, bad_json = items[0], items[1]
    assert (first.url, first.title, first.published, first.format, first.encoding) == (
        "https://e.com/1", "One", "2020-01-02", "jsonl", "utf-8")
    assert first.size_bytes == len(lines[0].encode())
    assert bad_json.detail == "line 3: Expecting ',' delimiter (column 19)"
    assert items[3].detail == "line 5: 'text' is number, expected string"
    assert items[4].detail == "line 6: expected a JSON object, got array"
    assert items[6].title is None


def test_jsonl_all_lines_bad_still_reports_each_line(tmp_path):
    write(tmp_path / "bad.jsonl", b"not json\n{\n\n[1]\n")
    items = run(tmp_path)
    assert [(i.record, i.reason) for i in items] == [("line:1", "invalid_json"), ("line:2", "invalid_json"), ("line:4", "wrong_type")]


def test_jsonl_crlf_bom_and_no_final_newline(tmp_path):
    write(tmp_path / "a.jsonl", b'\xef\xbb\xbf{"text": "one"}\r\n{"text": "two \\u2028 sep"}')
    docs = run(tmp_path)
    assert [(d.record, d.text, d.encoding) for d in docs] == [
        ("line:1", "one", "utf-8-sig"), ("line:2", "two \u2028 sep", "utf-8-sig")]


def test_jsonl_empty_and_blank(tmp_path):
    write(tmp_path / "blank.jsonl", b"\n\n  \n")
    rej = only(tmp_path)
    assert rej.reason == "empty_file"


def test_jsonl_legacy_bytes_and_lone_surrogate(tmp_path):
    write(tmp_path / "a.jsonl", '{"text": "It’s “fine”"}\n'.encode("cp1252") + b'{"text": "bad \\ud800 surrogate"}\n')
    doc, rej = run(tmp_path)
    assert (doc.text, doc.encoding) == ("It’s “fine”", "cp1252")
    assert (rej.record, rej.reason) == ("line:2", "undecodable")


def test_jsonl_utf16(tmp_path):
    write(tmp_path / "a.jsonl", '{"text": "café"}\n{"text": "two"}\n'.encode("utf-16"))
    docs = run(tmp_path)
    assert [(d.record, d.text, d.encoding) for d in docs] == [("line:1", "café", "utf-16"), ("line:2", "two", "utf-16")]


def test_jsonl_line_too_large_skipped_but_others_kept(tmp_path):
    big = json.dumps({"text": "x" * 5000})
    write(tmp_path / "a.jsonl", f'{{"text": "small"}}\n{big}\n{{"text": "after"}}\n'.encode())
    items = run(tmp_path, max_bytes=1000)
    assert [(i.record, i.reason if isinstance(i, Reject) else i.text) for i in items] == [
        ("line:1", "small"), ("line:2", "too_large"), ("line:3", "after")]
    assert items[1].size_bytes == len(big) + 1


def test_jsonl_gz_and_truncated_gz(tmp_path):
    body = "".join(json.dumps({"text": f"document number {i} " + "pad " * 200}) + "\n" for i in range(300)).encode()
    data = gzip.compress(body)
    write(tmp_path / "full.jsonl.gz", data)
    write(tmp_path / "trunc.jsonl.gz", data[: len(data) // 2])
    items = run(tmp_path)
    full = [i for i in items if i.source_path == "full.jsonl.gz"]
    trunc = [i for i in items if i.source_path == "trunc.jsonl.gz"]
    assert len(full) == 300 and all(isinstance(i, RawDoc) for i in full)
    assert all(isinstance(i, RawDoc) for i in trunc[:-1]) and len(trunc) > 10
    last = trunc[-1]
    assert last.reason == "corrupt_archive"
    n_good = len(trunc) - 1
    assert last.record == f"line:{n_good + 1}" and f"after line {n_good}" in last.detail


def test_jsonl_binary(tmp_path):
    write(tmp_path / "a.jsonl", b'{"text": "x"}\n\x00\x01\x02\x03' * 10)
    assert only(tmp_path).reason == "binary_content"


# ---------------------------------------------------------------- WARC


def _html(i: int) -> bytes:
    return (f"<html><head><title>Page {i}</title><script>var s='SCRIPT_TEXT_NEVER'</script></head>"
            f"<body><nav>NAV_TEXT</nav><article><p>Article {i}. {ARTICLE}</p></article></body></html>").encode()


def build_warc(gz: bool, n_html: int = 3, extra: bool = True) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "pytest"}))

    def response(url, body, ctype="text/html; charset=utf-8", status="200 OK"):
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                        warc_headers_dict={"WARC-Date": "2024-05-06T07:08:09Z"})
        writer.write_record(rec)

    for i in range(n_html):
        req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "e.com")], is_http_request=True)
        writer.write_record(writer.create_warc_record(f"https://e.com/{i}", "request", payload=io.BytesIO(b""), http_headers=req))
        response(f"https://e.com/{i}", _html(i))
    if extra:
        response("https://e.com/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, ctype="image/png")
        response("https://e.com/missing", _html(99), status="404 Not Found")
        response("https://e.com/cp1252", "<html><body><p>It’s “quoted”. </p></body></html>".encode("cp1252"),
                 ctype="text/html; charset=windows-1252")
    return buf.getvalue()


@pytest.mark.parametrize("gz", [False, True])
def test_warc_html_responses(tmp_path, gz):
    name = "crawl.warc.gz" if gz else "crawl.warc"
    write(tmp_path / name, build_warc(gz))
    items = run(tmp_path)
    assert all(isinstance(i, RawDoc) for i in items), items
    # records: 1 warcinfo, then request/response pairs, then png, 404, cp1252
    assert [d.record for d in items] == ["record:3", "record:5", "record:7", "record:10"]
    first = items[0]
    assert (first.source_path, first.url, first.title, first.published, first.format, first.encoding) == (
        name, "https://e.com/0", "Page 0", "2024-05-06T07:08:09Z", "warc", "utf-8")
    assert first.text.startswith("Article 0. Kratom is a tropical tree")
    assert "SCRIPT_TEXT_NEVER" not in first.text and "NAV_TEXT" not in first.text
    assert first.size_bytes > len(_html(0))
    assert (items[-1].encoding, items[-1].text) == ("cp1252", "It’s “quoted”.")


def test_warc_without_html_yields_one_reject(tmp_path):
    write(tmp_path / "a.warc", build_warc(False, n_html=0, extra=False))
    rej = only(tmp_path)
    assert (rej.reason, rej.record) == ("no_main_text", "")
    assert "1 records" in rej.detail and "warcinfo 1" in rej.detail


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_warc_keeps_complete_records(tmp_path, gz):
    data = build_warc(gz, n_html=4, extra=False)
    write(tmp_path / "t.warc.gz", data[: len(data) - 200])
    items = run(tmp_path)
    docs, last = items[:-1], items[-1]
    assert [d.record for d in docs] == ["record:3", "record:5", "record:7"]
    assert last.reason == "corrupt_warc"
    assert last.record == "record:9" and "after 8 complete records" in last.detail


def test_garbage_warc(tmp_path):
    write(tmp_path / "junk.warc", b"this is not a WARC file at all\n" * 20)
    write(tmp_path / "junk2.warc.gz", b"\x1f\x8b\x08\x00" + b"garbage" * 30)
    items = run(tmp_path)
    assert [(i.source_path, i.reason, i.record) for i in items] == [
        ("junk.warc", "corrupt_warc", "record:1"), ("junk2.warc.gz", "corrupt_warc", "record:1")]
    assert "after 0 complete records" in items[0].detail


def test_warc_payload_too_large(tmp_path):
    write(tmp_path / "a.warc", build_warc(False, n_html=2, extra=False))
    items = run(tmp_path, max_bytes=200)
    assert [(i.record, i.reason) for i in items] == [("record:3", "too_large"), ("record:5", "too_large")]


# ---------------------------------------------------------------- accounting


def test_every_file_is_accounted_for(tmp_path):
    rng = random.Random(1)
    files = {
        "a.txt": ARTICLE.encode(),
        "b.md": b"# Head\n\ntext",
        "c.html": HTML_PAGE.encode(),
        "d.htm": b"<html><body></body></html>",
        "e.jsonl": b'{"text": "ok"}\nnot json\n',
        "f.jsonl": b"\n",
        "g.warc.gz": build_warc(True),
        "h.warc": b"junk",
        "i.txt.gz": gzip.compress(b"zipped text"),
        "j.txt.gz": b"not gzip",
        "k.bin": b"\x00\x01",
        "l.txt": bytes(rng.randrange(256) for _ in range(500)),
        "m.txt": b"",
        "n.txt": b"   \n",
        "o.txt": "utf16 text".encode("utf-16"),
        "p.html.gz": gzip.compress(HTML_PAGE.encode()),
        "sub dir/q ü.txt": b"nested",
        ".hidden": b"x",
        "sub dir/.cache/r.txt": b"x",
    }
    for name, data in files.items():
        write(tmp_path / name, data)
    items = run(tmp_path)
    seen = {i.source_path for i in items}
    expected = {n for n in files if "/.cache/" not in n} | {"sub dir/.cache"}
    assert seen == expected
    assert len(items) == len(list(iter_inputs(tmp_path)))
    # the same input gives the same output
    assert items == run(tmp_path)
