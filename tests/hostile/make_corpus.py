"""Generate the hostile input corpus into a folder, with the expected outcome of every file.

Nothing here is committed as data: ``build_corpus(root)`` writes every file at
test time (a 50 MB single-line file included, in well under a second) and
returns a :class:`Corpus` whose ``expected`` maps each input's relative path
(as the pipeline reports it in ``source_path``) to an :class:`Expect`: the
outcome of each record (``""`` for whole-file formats, ``line:N`` for JSONL,
``record:N`` for WARC) -- ``"document"`` or the specific reject reason.

The expectations are written from the file formats and the documented reject
reasons (pipeline.ingest.REJECT_REASONS), not read back from the code under test.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import random
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

DOC = "document"

# ---------------------------------------------------------------- English texts (written for these tests)

ARTICLE_VALERIAN = (
    "Valerian root is one of the oldest herbal sleep aids. Many users say valerian helps them fall "
    "asleep faster and improves sleep quality. At low doses of 300 to 600 mg it is described as calming. "
    "However, some people report that valerian causes vivid dreams and headaches, and at higher doses "
    "it can cause morning grogginess. Valerian may interact with alcohol and sedatives, so talk to "
    "your doctor before you combine them. It is not addictive, according to the manufacturer."
)
ARTICLE_KRATOM = (
    "Kratom is a tropical tree whose leaves are sold as a supplement. Some users say it helps them "
    "sleep, while others report insomnia at higher doses. At lower doses of 1 to 3 grams, kratom is "
    "described as stimulating. Kratom can cause nausea and constipation, and regular use may lead to "
    "dependence. Researchers have not settled the question, and the FDA has warned consumers about "
    "contamination with salmonella."
)
ARTICLE_MAGNESIUM = (
    "Magnesium is a mineral that supports hundreds of enzymes in the body. Magnesium reduces muscle "
    "cramps in many adults, and it may improve sleep quality when taken in the evening. High doses "
    "of magnesium can cause diarrhea. People with kidney disease should avoid magnesium supplements "
    "unless their doctor recommends them."
)
# Typographic characters a legacy encoding or a mis-decoding mangles.
ARTICLE_TYPOGRAPHIC = (
    "It\u2019s the \u201cnatural\u201d sleep aid everyone talks about \u2014 but does chamomile "
    "really work? Chamomile tea helps you relax before bed, and it doesn\u2019t cause the grogginess "
    "of sleeping pills. Caf\u00e9 owners sell it as a calming drink. Some users report that chamomile "
    "reduces anxiety; others say it does nothing at all. It\u2019s generally safe, although people "
    "with a ragweed allergy may react to it."
)
SPANISH = (
    "La melatonina es uno de los suplementos para dormir m\u00e1s vendidos del mundo, y no es "
    "dif\u00edcil entender por qu\u00e9. Tomada antes de acostarse, la melatonina ayuda a conciliar "
    "el sue\u00f1o con mayor rapidez y reduce los despertares nocturnos. La mayor\u00eda de los "
    "adultos solo necesita una dosis baja, y las dosis altas pueden causar dolor de cabeza y "
    "somnolencia durante el d\u00eda. Consulte a su m\u00e9dico si est\u00e1 embarazada."
)
GERMAN = (
    "Baldrian ist eines der \u00e4ltesten pflanzlichen Schlafmittel. Viele Menschen berichten, dass "
    "Baldrian ihnen hilft, schneller einzuschlafen, und dass er die Qualit\u00e4t des Schlafes "
    "verbessert. In hohen Dosen kann Baldrian jedoch Kopfschmerzen und M\u00fcdigkeit am Morgen "
    "verursachen. Sprechen Sie mit Ihrem Arzt, bevor Sie Baldrian mit Alkohol oder anderen "
    "Beruhigungsmitteln kombinieren, denn die Wirkung kann sich verst\u00e4rken."
)
CHINESE = (
    "\u7f2c\u8349\u6839\u662f\u6700\u53e4\u8001\u7684\u8349\u672c\u52a9\u7720\u5242\u4e4b\u4e00\u3002"
    "\u8bb8\u591a\u4eba\u8bf4\u7f2c\u8349\u53ef\u4ee5\u5e2e\u52a9\u4ed6\u4eec\u66f4\u5feb\u5165\u7761\uff0c"
    "\u5e76\u6539\u5584\u7761\u7720\u8d28\u91cf\u3002\u4f46\u662f\u9ad8\u5242\u91cf\u7684\u7f2c\u8349"
    "\u53ef\u80fd\u5bfc\u81f4\u5934\u75db\u548c\u65e9\u6668\u56f0\u5026\u3002\u5728\u4e0e\u9152\u7cbe"
    "\u6216\u5176\u4ed6\u9547\u9759\u5242\u4e00\u8d77\u4f7f\u7528\u4e4b\u524d\uff0c\u8bf7\u54a8\u8be2"
    "\u60a8\u7684\u533b\u751f\u3002\u8fd9\u79cd\u690d\u7269\u5728\u6b27\u6d32\u5df2\u7ecf\u4f7f\u7528"
    "\u4e86\u51e0\u767e\u5e74\uff0c\u73b0\u5728\u4ecd\u7136\u662f\u6700\u7545\u9500\u7684\u52a9\u7720"
    "\u4ea7\u54c1\u4e4b\u4e00\u3002"
)
SECRET_TEXT = "TOP_SECRET_CANARY_7f3a"


@dataclass
class Expect:
    """What the pipeline must make of one input path."""

    outcomes: dict[str, str | tuple[str, ...]]  # record -> "document" | reject reason | tuple of accepted
    contains: tuple[str, ...] = ()  # the (normalized) document text must contain these
    excludes: tuple[str, ...] = ()  # ... and none of these
    mojibake_fixed: bool | None = None
    note: str = ""
    # "prefix_then": only a prefix of the records is reported: line:1..k-1 with the outcomes listed,
    # then line:k (the last) is a reject with this reason (a stream that breaks part-way)
    prefix_then: str | None = None


@dataclass
class Corpus:
    root: Path
    expected: dict[str, Expect] = field(default_factory=dict)
    secret: Path | None = None
    unreadable: tuple[str, ...] = ()  # relative paths the caller must make unreadable (make_unreadable)

    def add(self, rel: str, data: bytes | None, outcomes: str | tuple | dict, **kw) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
        self.expected[rel] = Expect(outcomes if isinstance(outcomes, dict) else {"": outcomes}, **kw)
        return path

    @property
    def n_files(self) -> int:
        return len(self.expected)

    def expected_rows(self) -> dict[tuple[str, str], str]:
        """(source_path, record) -> outcome, over the whole corpus."""
        return {(rel, rec): out for rel, exp in self.expected.items() for rec, out in exp.outcomes.items()}


# ---------------------------------------------------------------- builders of valid-then-broken containers


def warc_bytes(pages: list[tuple[str, bytes]], gz: bool, ctype: str = "text/html; charset=utf-8") -> bytes:
    """A WARC holding only ``response`` records (record:N is the N-th page)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for url, body in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                        warc_headers_dict={"WARC-Date": "2024-05-06T07:08:09Z"})
        writer.write_record(rec)
    return buf.getvalue()


def html_page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<script>var tracking='SCRIPT_TEXT_NEVER';</script></head><body><nav>Home NAV_TEXT</nav>"
            f"<article><h1>{title}</h1><p>{body}</p></article><footer>FOOTER_TEXT</footer></body></html>").encode()


def _write_big_line(path: Path, n_bytes: int, prefix: bytes = b"", suffix: bytes = b"") -> None:
    chunk = b"sleep " * (1 << 17)  # 768 KiB of words, no newline
    with open(path, "wb") as fh:
        fh.write(prefix)
        left = n_bytes - len(prefix) - len(suffix)
        while left > 0:
            piece = chunk[:left]
            fh.write(piece)
            left -= len(piece)
        fh.write(suffix)


def sloppy_cp1252(data: bytes) -> str:
    """Bytes read as Windows-1252, the 5 undefined bytes kept as the same code points
    (how browsers and most Windows tools decode them): UTF-8 read this way is classic mojibake."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def _jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------- the corpus


def build_corpus(root: Path, canary_url: str = "http://127.0.0.1:9/", huge: bool = True,
                 secret_dir: Path | None = None) -> Corpus:
    """Write the hostile corpus under ``root`` (created). ``canary_url`` is where every external
    reference in the HTML points (a loopback listener the test watches); ``secret_dir`` (outside
    ``root``) receives the file an XXE entity tries to read."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    c = Corpus(root)
    rng = random.Random(20240506)
    canary = canary_url.rstrip("/")

    # --- empty and whitespace-only
    c.add("empty/empty.txt", b"", "empty_file")
    c.add("empty/empty.html", b"", "empty_file")
    c.add("empty/empty.jsonl", b"", "empty_file")
    c.add("empty/whitespace.md", b"  \n\n\t \r\n   ", "empty_file")
    c.add("empty/blank_lines.jsonl", b"\n\n  \n\r\n", "empty_file")
    c.add("empty/empty.txt.gz", gzip.compress(b""), "empty_file")

    # --- binary behind text extensions
    c.add("binary/random.txt", bytes(rng.randrange(256) for _ in range(4096)), "binary_content")
    c.add("binary/png_as.md", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(2048)), "binary_content")
    c.add("binary/elf_as.html", b"\x7fELF\x02\x01\x01" + bytes(rng.randrange(256) for _ in range(2048)),
          "binary_content")
    c.add("binary/pdf_as.txt", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + ARTICLE_KRATOM.encode(),
          "binary_content")
    c.add("binary/nul_in_text.txt", ARTICLE_KRATOM.encode() + b"\x00" + ARTICLE_KRATOM.encode(), "binary_content")
    c.add("binary/random.jsonl", b"\x01\x02\x03\x04" * 300, "binary_content")

    # --- encodings (English: must become documents with the text decoded correctly)
    c.add("enc/invalid_utf8.txt", ARTICLE_VALERIAN.encode().replace(b"herbal", b"herb\xc3\x28al\xff"), DOC,
          contains=("Valerian root is one of the oldest",))
    c.add("enc/utf16_bom.txt", ARTICLE_KRATOM.encode("utf-16"), DOC, contains=("Kratom is a tropical tree",))
    c.add("enc/utf16le_nobom.txt", ARTICLE_MAGNESIUM.encode("utf-16-le"), DOC,
          contains=("Magnesium reduces muscle cramps",))
    c.add("enc/utf16be_nobom.md", ARTICLE_VALERIAN.encode("utf-16-be"), DOC,
          contains=("Valerian root is one of the oldest",))
    c.add("enc/utf32_bom.txt", ARTICLE_MAGNESIUM.encode("utf-32"), DOC, contains=("Magnesium is a mineral",))
    c.add("enc/utf8_bom.md", codecs.BOM_UTF8 + ARTICLE_KRATOM.encode(), DOC, contains=("Kratom is",),
          excludes=("\ufeff",))
    c.add("enc/utf16_bad_surrogate.txt", codecs.BOM_UTF16_LE + "Kratom".encode("utf-16-le") + b"\x00\xd8" * 3,
          "undecodable")
    c.add("enc/latin1.txt", ARTICLE_TYPOGRAPHIC.replace("\u2019", "'").replace("\u201c", '"')
          .replace("\u201d", '"').replace("\u2014", "-").encode("latin-1"), DOC,
          contains=("Caf\u00e9 owners sell it",), excludes=("\u00c3",))
    c.add("enc/cp1252.txt", ARTICLE_TYPOGRAPHIC.encode("cp1252"), DOC,
          contains=("It's the \"natural\" sleep aid", "doesn't cause", "Caf\u00e9 owners"),
          excludes=("\u2019", "\u00e2\u20ac"))
    c.add("enc/cp1252.html", (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
        f"<title>Chamomile</title></head><body><article><p>{ARTICLE_TYPOGRAPHIC}</p></article></body></html>"
    ).encode("cp1252"), DOC, contains=("It's the \"natural\" sleep aid", "Caf\u00e9 owners"))
    mojibake = sloppy_cp1252(ARTICLE_TYPOGRAPHIC.encode("utf-8"))  # what a Windows tool shows
    assert "it\u00e2\u20ac\u2122s" in mojibake.lower()  # "itâ€™s"
    c.add("enc/mojibake.txt", mojibake.encode("utf-8"), DOC,
          contains=("It's the \"natural\" sleep aid", "doesn't cause", "Caf\u00e9 owners"),
          excludes=("\u00e2\u20ac", "\u00c3\u00a9"), mojibake_fixed=True)
    c.add("enc/mojibake_line.jsonl", _jsonl([json.dumps({"text": mojibake, "title": "Chamomile"})]),
          {"line:1": DOC}, contains=("It's the \"natural\" sleep aid",), excludes=("\u00e2\u20ac",),
          mojibake_fixed=True)
    c.add("enc/cr_only.txt", ARTICLE_VALERIAN.replace(". ", ".\r").encode(), DOC, excludes=("\r",))
    c.add("enc/zero_width.txt", "\u200b\u202e".join(ARTICLE_KRATOM.split(" ", 10)).encode() + b"\xe2\x80\x8b" * 50,
          DOC, excludes=("\u200b", "\u202e"))

    # --- size limits (default max_bytes is 20,000,000: whole-file formats are checked on the
    # file size before reading; JSONL per line; .gz on the decompressed size)
    if huge:
        (root / "big").mkdir(exist_ok=True)
        _write_big_line(root / "big" / "huge_single_line.txt", 50_000_000)
        c.expected["big/huge_single_line.txt"] = Expect({"": "too_large"}, note="50 MB, one line")
        # a gzip bomb: 21 MB of text in ~20 KB
        c.add("big/bomb.txt.gz", gzip.compress(b"sleep " * 3_500_000, compresslevel=9), "too_large")
        # one 20.5 MB JSONL line between two good ones
        path = root / "big" / "big_line.jsonl"
        with open(path, "wb") as fh:
            fh.write(json.dumps({"text": ARTICLE_KRATOM}).encode() + b"\n")
        with open(path, "ab") as fh:
            fh.write(b'{"text": "')
            fh.write(b"sleep " * 3_420_000)
            fh.write(b'"}\n')
            fh.write(json.dumps({"text": ARTICLE_MAGNESIUM}).encode() + b"\n")
        c.expected["big/big_line.jsonl"] = Expect({"line:1": DOC, "line:2": "too_large", "line:3": DOC})

    # --- HTML
    deep = ("<html><head><title>Deep</title><script>var a = '<div>SCRIPT_TEXT_NEVER</div>';</script></head>"
            + "<div class='x'>" * 5000
            + "<p>" + ARTICLE_VALERIAN.replace("and", "&amp;", 1) + " &copy; &eacute;t&eacute; &#x2014; &#8217; "
            + "&bogus; &#0; &#xD800; &#x110000;</p>"
            + "<script>document.write('SCRIPT_TEXT_NEVER2')</script>"
            + "</div>" * 5000 + "</html>")
    # libxml2 stops at depth 256: the text is lost; a document or a reject are both tolerated here
    # (test_hostile.test_deeply_nested_html_text_is_not_silently_dropped is the strict check)
    c.add("html/deep_5000_divs.html", deep.encode(), (DOC, "no_main_text", "extraction_failed"),
          excludes=("SCRIPT_TEXT_NEVER",), note="5,000 nested <div>s, entities, scripts, no <body>")
    c.add("html/scripts_only.html", b"<html><head><script>var x='SCRIPT_TEXT_NEVER';</script>"
          b"<style>p{color:red}</style></head><body><nav>Home</nav><script>alert(1)</script></body></html>",
          "no_main_text")
    c.add("html/comment_only.htm", b"<!-- nothing but a comment -->", "no_main_text")
    secret_dir = Path(secret_dir) if secret_dir else root.parent / (root.name + "_secret")
    secret_dir.mkdir(parents=True, exist_ok=True)
    secret = secret_dir / "secret.txt"
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    (secret_dir / "evil.dtd").write_text(f'<!ENTITY dtdent "{SECRET_TEXT}_DTD">', encoding="utf-8")
    c.secret = secret
    xxe = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE html SYSTEM "{canary}/evil.dtd" [\n'
        f'  <!ENTITY xxe SYSTEM "file://{secret}">\n'
        f'  <!ENTITY remote SYSTEM "{canary}/entity.txt">\n'
        f'  <!ENTITY % pe SYSTEM "file://{secret_dir}/evil.dtd"> %pe;\n'
        ']>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<head><title>XXE</title><link rel="stylesheet" href="{canary}/style.css"/>'
        f'<script src="{canary}/tracker.js"></script></head><body><article>'
        f'<p>Start &xxe; &remote; &dtdent; end. {ARTICLE_KRATOM}</p>'
        f'<img src="{canary}/pixel.png" srcset="{canary}/a.png 2x"/>'
        f'<iframe src="{canary}/frame.html"></iframe><object data="{canary}/obj.swf"></object>'
        f'<xi:include href="file://{secret}" parse="text"/>'
        f'<svg><image href="{canary}/svg.png"/></svg>'
        '</article></body></html>'
    )
    c.add("html/xxe_external.html", xxe.encode(), DOC, contains=("Kratom is a tropical tree",),
          excludes=(SECRET_TEXT, "]>"), note="DOCTYPE SYSTEM + external entities + remote resources")
    c.add("html/bad_meta_charset.html",
          b"<html><head><meta charset='x-no-such-charset'></head><body><article><p>"
          + ARTICLE_VALERIAN.encode("cp1252") + b" Caf\xe9 \x93quoted\x94.</p></article></body></html>", DOC,
          contains=("Caf\u00e9", '"quoted"'))
    c.add("html/entities.html", html_page("Kratom", ARTICLE_KRATOM + " &#0; &bogus; &#x110000; &amp;amp; &lt;b&gt;"),
          DOC, contains=("Kratom is a tropical tree", "<b>"),
          excludes=("SCRIPT_TEXT_NEVER", "NAV_TEXT", "FOOTER_TEXT"))
    c.add("html/page.html.gz", gzip.compress(html_page("Magnesium", ARTICLE_MAGNESIUM)), DOC,
          contains=("Magnesium reduces muscle cramps",))

    # --- gzip: truncated, corrupt, not gzip at all
    good_gz = gzip.compress(((ARTICLE_KRATOM + "\n") * 40).encode())
    c.add("gz/good.txt.gz", good_gz, DOC, contains=("Kratom is a tropical tree",))
    c.add("gz/truncated.txt.gz", good_gz[: len(good_gz) // 2], "corrupt_archive")
    flipped = bytearray(good_gz)
    for i in range(30, len(flipped) - 20, 7):
        flipped[i] ^= 0x5A
    c.add("gz/corrupt.md.gz", bytes(flipped), "corrupt_archive")
    crc = bytearray(good_gz)
    crc[-8] ^= 0xFF  # CRC32 of the member
    c.add("gz/bad_crc.txt.gz", bytes(crc), "corrupt_archive")
    c.add("gz/not_gzip.html.gz", html_page("Kratom", ARTICLE_KRATOM), "corrupt_archive")
    c.add("gz/header_only.txt.gz", good_gz[:10], "corrupt_archive")
    # > 64 KiB decompress before the cut, so the break is found part-way through the lines; most
    # lines are cheap wrong_type rejects padded with random hex (compresses ~2x), every 40th a document
    jl_lines, jl_expect = [], {}
    for i in range(1, 401):
        pad = "%0400x" % rng.getrandbits(1600)
        if i % 40 == 1:
            jl_lines.append(json.dumps({"text": f"{ARTICLE_MAGNESIUM} Copy {i}.", "pad": pad}))
            jl_expect[f"line:{i}"] = DOC
        else:
            jl_lines.append(json.dumps({"text": i, "pad": pad}))
            jl_expect[f"line:{i}"] = "wrong_type"
    jl_gz = gzip.compress("\n".join(jl_lines).encode())
    c.add("gz/truncated.jsonl.gz", jl_gz[: len(jl_gz) * 3 // 4], jl_expect, prefix_then="corrupt_archive",
          note="the leading lines are read; the line where the stream breaks is a corrupt_archive reject")

    # --- WARC (valid ones written with warcio, then cut or corrupted)
    pages = [(f"{canary}/page{i}", html_page(f"Page {i}", f"{t} Page {i}."))
             for i, t in enumerate([ARTICLE_KRATOM, ARTICLE_VALERIAN, ARTICLE_MAGNESIUM], start=1)]
    c.add("warc/good.warc.gz", warc_bytes(pages, gz=True),
          {"record:1": DOC, "record:2": DOC, "record:3": DOC}, contains=("Page",), excludes=("NAV_TEXT",))
    c.add("warc/good.warc", warc_bytes(pages, gz=False), {"record:1": DOC, "record:2": DOC, "record:3": DOC})
    full = warc_bytes(pages, gz=True)
    c.add("warc/truncated.warc.gz", full[:-200],
          {"record:1": DOC, "record:2": DOC, "record:3": "corrupt_warc"})
    plain = warc_bytes(pages, gz=False)
    c.add("warc/truncated_plain.warc", plain[:-300],
          {"record:1": DOC, "record:2": DOC, "record:3": "corrupt_warc"})
    first_len = len(warc_bytes(pages[:1], gz=True))
    c.add("warc/cut_in_first.warc.gz", full[: first_len // 2], {"record:1": "corrupt_warc"})
    c.add("warc/garbage.warc", b"this is not a WARC file at all\n" * 20, {"record:1": "corrupt_warc"})
    c.add("warc/garbage.warc.gz", b"\x1f\x8b\x08\x00" + bytes(rng.randrange(256) for _ in range(300)),
          {"record:1": "corrupt_warc"})
    c.add("warc/empty.warc.gz", b"", "empty_file")

    # --- JSONL: broken lines, wrong types, missing text (every reject carries line:N)
    lines = [
        json.dumps({"text": ARTICLE_KRATOM, "url": "https://example.org/k", "title": "Kratom",
                    "published": "2021-03-04"}),                                # 1 doc
        '{"text": "broken" "url": 1}',                                          # 2 invalid_json
        json.dumps({"url": "https://example.org/no-text"}),                     # 3 missing_text
        json.dumps({"text": 42}),                                               # 4 wrong_type
        json.dumps(["text", "in a list"]),                                      # 5 wrong_type
        json.dumps({"text": "   "}),                                            # 6 missing_text
        "",                                                                     # 7 blank: not a record
        json.dumps({"text": None}),                                             # 8 missing_text
        json.dumps({"text": ARTICLE_VALERIAN, "published": 20210304}),          # 9 wrong_type
        json.dumps({"text": ARTICLE_VALERIAN, "title": ["a"]}),                 # 10 wrong_type
        '{"text": "lone \\ud800 surrogate in an English sentence about sleep."}',  # 11 undecodable
        "[" * 100_000 + "]" * 100_000,                                          # 12 invalid_json (too deep)
        "null",                                                                 # 13 wrong_type
        '"just a string"',                                                      # 14 wrong_type
        json.dumps({"text": SPANISH}),                                          # 15 not_english
        json.dumps({"text": ARTICLE_MAGNESIUM, "url": None, "title": None}),    # 16 doc
        '{"text": "unterminated',                                               # 17 invalid_json
        json.dumps({"text": ARTICLE_KRATOM + " NaN copy.", "extra": float("nan")}),  # 18 doc (NaN accepted by json)
        json.dumps({"text": {"nested": "object"}}),                             # 19 wrong_type
        json.dumps({"text": ARTICLE_VALERIAN, "url": 3.5}),                     # 20 wrong_type
        json.dumps({"text": ARTICLE_MAGNESIUM + " Year one.", "published": "0001-01-01"}),  # 21 doc
        json.dumps({"text": ARTICLE_MAGNESIUM + " Year 9999.", "published": "9999-12-31T23:59:59Z"}),  # 22 doc
        json.dumps({"text": ARTICLE_MAGNESIUM + " No date.", "published": "2021-02-30 or so"}),  # 23 doc
        json.dumps({"text": "Kratom\u0000 helps\u0007 sleep\u001b[0m, users say. " + ARTICLE_KRATOM}),  # 24 doc
    ]
    data = _jsonl(lines[:-1]).replace(b"\n", b"\r\n", 3) + lines[-1].encode()  # CRLF mix, no final newline
    c.add("jsonl/feed.jsonl", codecs.BOM_UTF8 + data, {
        "line:1": DOC, "line:2": "invalid_json", "line:3": "missing_text", "line:4": "wrong_type",
        "line:5": "wrong_type", "line:6": "missing_text", "line:8": "missing_text", "line:9": "wrong_type",
        "line:10": "wrong_type", "line:11": "undecodable", "line:12": "invalid_json", "line:13": "wrong_type",
        "line:14": "wrong_type", "line:15": "not_english", "line:16": DOC, "line:17": "invalid_json",
        "line:18": DOC, "line:19": "wrong_type", "line:20": "wrong_type", "line:21": DOC, "line:22": DOC,
        "line:23": DOC, "line:24": DOC,
    }, note="line 7 is blank (not a record)")
    c.add("jsonl/legacy_cp1252.jsonl",
          json.dumps({"text": ARTICLE_TYPOGRAPHIC}, ensure_ascii=False).encode("cp1252") + b"\n", {"line:1": DOC},
          contains=("It's the \"natural\" sleep aid",))
    c.add("jsonl/utf16.jsonl",
          ("\n".join(json.dumps({"text": t}) for t in (ARTICLE_KRATOM, ARTICLE_MAGNESIUM)) + "\n").encode("utf-16"),
          {"line:1": DOC, "line:2": DOC})
    c.add("jsonl/all_bad.jsonl", b"not json\n{\n[1]\n", {"line:1": "invalid_json", "line:2": "invalid_json",
                                                          "line:3": "wrong_type"})
    c.add("jsonl/feed.jsonl.gz", gzip.compress(_jsonl([json.dumps({"text": ARTICLE_VALERIAN}), "oops"])),
          {"line:1": DOC, "line:2": "invalid_json"})

    # --- unreadable (simulated for root, see make_unreadable), symlinks, special files
    c.add("perm/unreadable.txt", ARTICLE_KRATOM.encode(), "unreadable")
    c.unreadable = ("perm/unreadable.txt",)
    (root / "links").mkdir(exist_ok=True)
    c.add("links/real.txt", ARTICLE_MAGNESIUM.encode(), DOC)
    os.symlink("..", root / "links" / "up")  # a directory symlink to an ancestor
    c.expected["links/up"] = Expect({"": "symlink_loop"})
    os.symlink("self_loop.txt", root / "links" / "self_loop.txt")  # ELOOP
    c.expected["links/self_loop.txt"] = Expect({"": "symlink_loop"})
    os.symlink("ping.txt", root / "links" / "pong.txt")
    os.symlink("pong.txt", root / "links" / "ping.txt")  # a two-link cycle
    c.expected["links/ping.txt"] = Expect({"": "symlink_loop"})
    c.expected["links/pong.txt"] = Expect({"": "symlink_loop"})
    os.symlink("missing_target.txt", root / "links" / "dangling.txt")
    c.expected["links/dangling.txt"] = Expect({"": "unreadable"})
    os.symlink("real.txt", root / "links" / "alias.txt")  # a good symlink is followed
    c.expected["links/alias.txt"] = Expect({"": DOC})
    os.mkfifo(root / "links" / "fifo.txt")  # must never be opened (it would block)
    c.expected["links/fifo.txt"] = Expect({"": "special_file"})

    # --- hidden and unsupported
    c.add(".DS_Store", b"\x00\x00\x00\x01Bud1" + b"\x00" * 64, "hidden_file")
    c.add(".git/config", b"[core]\n", "hidden_file")
    (root / ".git" / "objects").mkdir()
    (root / ".git" / "objects" / "ab").write_bytes(b"x" * 10)  # inside .git: one reject for the whole dir
    c.expected[".git"] = c.expected.pop(".git/config")
    c.add("misc/.hidden.txt", ARTICLE_KRATOM.encode(), "hidden_file")
    c.add("misc/image.png", b"\x89PNG\r\n\x1a\n", "unsupported_format")
    c.add("misc/data.csv", b"a,b\n1,2\n", "unsupported_format")
    c.add("misc/README", ARTICLE_KRATOM.encode(), "unsupported_format")
    c.add("misc/archive.tar.gz", gzip.compress(b"x" * 100), "unsupported_format")

    # --- file names
    for name in ("with space.txt", "\u00fcn\u00efc\u00f6d\u00e9 \u2013 \u65e5\u672c.md", "new\nline.txt",
                 "quote'single\"double.txt", "back\\slash;semi&amp.txt", "tab\there.txt", " leading space.txt",
                 "emoji \U0001f48a.txt"):
        c.add(f"names/{name}", f"{ARTICLE_MAGNESIUM} File {name!r}.".encode(), DOC)
    try:  # a name that is not valid UTF-8: reported with \xNN escapes
        with open(os.fsencode(root / "names") + b"/bad\xffname.txt", "wb") as fh:
            fh.write(f"{ARTICLE_VALERIAN} Badly named.".encode())
        c.expected["names/bad\\xffname.txt"] = Expect({"": DOC})
    except OSError:
        pass

    # --- non-English articles
    c.add("lang/spanish.txt", SPANISH.encode(), "not_english")
    c.add("lang/german.md", GERMAN.encode(), "not_english")
    c.add("lang/chinese.txt", CHINESE.encode(), "not_english")
    c.add("lang/german_latin1.txt", GERMAN.encode("latin-1"), "not_english")

    # --- ordinary English articles, so later stages have claims to work on
    c.add("ok/valerian.txt", ARTICLE_VALERIAN.encode(), DOC)
    c.add("ok/kratom.md", ("# Kratom and sleep\n\n" + ARTICLE_KRATOM).encode(), DOC)
    c.add("ok/magnesium.html", html_page("Magnesium", ARTICLE_MAGNESIUM), DOC,
          excludes=("SCRIPT_TEXT_NEVER", "NAV_TEXT", "FOOTER_TEXT"))
    return c


def make_unreadable(corpus: Corpus, monkeypatch) -> None:
    """Make ``corpus.unreadable`` fail to open: chmod 000, and -- since root ignores file modes --
    also make pipeline.ingest's single file-opening function raise EACCES for those paths
    (works for run_all and the Prefect flow, whose tasks run in this process)."""
    import errno

    from pipeline import ingest

    targets = set()
    for rel in corpus.unreadable:
        path = corpus.root / rel
        os.chmod(path, 0)
        targets.add(os.path.realpath(path))
    real_open = ingest._open_binary

    def guarded(path):
        if os.path.realpath(path) in targets:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path)

    monkeypatch.setattr(ingest, "_open_binary", guarded)


class Canary:
    """A loopback TCP listener that records every connection (an HTML fetch would show up here)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(1024) or b"<connected>")
                except OSError:
                    self.hits.append(b"<connected>")

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def build_demo_copies(root: Path, n_copies: int, demo: Path, edition: int = 1) -> int:
    """``n_copies`` copies of the demo corpus (``demo``, i.e. data/raw) under ``root``, each text file
    edited per copy (a sentence naming the copy and the edition appended, one number changed) so
    the copies are distinct documents. Returns the number of files written."""
    root = Path(root)
    n = 0
    files = sorted(p for p in Path(demo).rglob("*") if p.is_file())
    for i in range(n_copies):
        for src in files:
            rel = src.relative_to(demo)
            dst = root / f"copy{i:03d}" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()
            if src.suffix in (".txt", ".md") and data and b"\x00" not in data:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
                if text is not None:
                    text = text.replace("300", str(300 + i), 1)
                    text += f"\nThis is copy {i} of the guide, edition {edition}.\n"
                    data = text.encode("utf-8")
            dst.write_bytes(data)
            n += 1
    return n


if __name__ == "__main__":  # python -m tests.hostile.make_corpus OUT_DIR  (for manual runs and fuzz seeds)
    import sys

    out = Path(sys.argv[1])
    corpus = build_corpus(out, huge="--no-huge" not in sys.argv)
    print(f"{corpus.n_files} inputs written under {out}")
