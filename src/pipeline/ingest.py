"""Turn every file under an input folder into raw documents or rejects.

Stage 1 of the pipeline (see DESIGN.md, "Ingest"). ``iter_inputs`` walks the
input root in a deterministic order and yields, for every regular file, at
least one item: a :class:`RawDoc` (decoded text, plus URL/title/date when the
format carries them) or a :class:`Reject` with a stable reason from
:data:`REJECT_REASONS` and a specific human-readable detail. Nothing is
dropped silently: hidden files, OS junk and files of unknown type are rejects
too.

Memory is bounded: whole-file formats (txt, md, html and their ``.gz``) are
refused above ``max_bytes`` without being read; JSONL and WARC are streamed,
so ``max_bytes`` applies to each line / each record instead of the file.

No network access ever happens: HTML is parsed from the bytes read, with an
lxml parser that has ``no_network=True`` (the HTML parser never loads DTDs or
external entities), and trafilatura is handed the parsed tree, never a URL.
"""

from __future__ import annotations

import codecs
import copy
import errno
import gzip
import json
import logging
import os
import re
import stat
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import lxml.etree
import lxml.html
import trafilatura
from warcio.archiveiterator import ArchiveIterator

__all__ = ["RawDoc", "Reject", "REJECT_REASONS", "iter_inputs"]

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawDoc:
    """One document read from the input folder, before normalization."""

    source_path: str  # path relative to the input root, POSIX separators
    record: str  # "" for whole-file formats; "line:<n>" (jsonl); "record:<n>" (WARC), 1-based
    text: str  # decoded raw text (for HTML: the extracted main text)
    url: str | None
    title: str | None
    published: str | None  # ISO-8601 string as given, or None
    format: str  # txt | md | html | jsonl | warc
    encoding: str  # how the bytes were decoded: utf-8, utf-8-sig, utf-16, cp1252, ...
    size_bytes: int  # bytes of this record (file size on disk for whole-file formats)


@dataclass(frozen=True)
class Reject:
    """An input (file, line or record) that could not become a document."""

    source_path: str
    record: str
    reason: str  # one of REJECT_REASONS
    detail: str  # human readable and specific
    size_bytes: int


REJECT_REASONS: frozenset[str] = frozenset(
    {
        "empty_file",  # 0 bytes, or only whitespace after decoding
        "duplicate_source",  # another input already gave a document with the same id (colliding names)
        "binary_content",  # NUL bytes, many control bytes, or a known binary signature
        "undecodable",  # bytes that contradict their BOM; lone surrogates in JSON text
        "unsupported_format",  # extension not among the supported ones
        "too_large",  # above max_bytes (file, decompressed file, JSONL line or WARC payload)
        "unreadable",  # OSError while listing/opening/reading; broken symlink
        "symlink_loop",  # symlinked directory pointing at one of its ancestors, or ELOOP
        "hidden_file",  # name starts with "." (file or whole directory), e.g. .DS_Store, .git
        "special_file",  # FIFO, socket or device node: never opened (a FIFO would block)
        "invalid_json",  # JSONL line that is not valid JSON
        "missing_text",  # JSONL object without a non-blank "text"
        "wrong_type",  # JSONL line not an object, or a field of the wrong type
        "no_main_text",  # HTML with no extractable text; WARC without any HTML document
        "extraction_failed",  # the HTML parser/extractor raised on this input
        "corrupt_archive",  # .gz that is not gzip, truncated or fails its CRC
        "corrupt_warc",  # WARC that is truncated or malformed (records before it are kept)
        "not_english",  # used by the normalize stage (language detection), not here
        "processing_error",  # used by pipeline.stages: a later stage raised on one document
    }
)

# Extension (lower-cased) -> RawDoc.format, for the formats read as text.
_TEXT_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1 << 20

# A text file with more than this share of C0 control bytes (other than
# tab, LF, CR, FF) is treated as binary. Real prose has ~0%; random bytes ~12%;
# ANSI-coloured logs stay below 3%.
_MAX_CONTROL_SHARE = 0.05
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# What lxml refuses in a text it is given (XML 1.0 Char): the controls above, form feed, lone
# surrogates, U+FFFE and U+FFFF -- entities can put all of them into a parsed tree.
_NOT_XML_CHARS_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Signatures of common binary formats that can hide behind a text extension
# (a PDF saved as .txt has few control bytes and might otherwise pass).
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or docx/xlsx/epub)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (doc/xls)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an ELF executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# BOMs, longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# WHATWG Encoding Standard: these labels mean windows-1252 on the web.
_WHATWG_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "windows-1252", "cp1252"}
_C1_BYTES_RE = re.compile(rb"[\x80-\x9f]")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# The first DOCTYPE declaration, with its internal subset if any: what the regex
# <!DOCTYPE[^>\[]*(\[.*?\])?\s*> matches, found by _doctype_span in linear time (the regex
# itself is quadratic on a page of many "<!DOCTYPE [" without "]>": every start scans to the end).
_DOCTYPE_HEAD_RE = re.compile(r"<!DOCTYPE[^>\[]*", re.IGNORECASE)
_DOCTYPE_SUBSET_END_RE = re.compile(r"\]\s*>")

# trafilatura options, chosen for precision: no comments sections, no tables
# (data tables come out as "| a | b |" rows that are not sentences; a page laid
# out entirely in tables yields nothing and falls back to the plain body text).
# Page furniture is pruned before extraction: without it, trafilatura's own
# fallbacks (readability, justext, baseline) return the <nav> text of a page
# that has no article.
_PRUNE_XPATH = [
    "//nav",
    "//footer",
    "//aside",
    "//*[@role='navigation' or @role='contentinfo' or @role='complementary' or @role='banner']",
]
_TRAFILATURA_OPTIONS = dict(
    prune_xpath=_PRUNE_XPATH,
    favor_precision=True,
    include_comments=False,
    include_tables=False,
    include_images=False,
    include_links=False,
    deduplicate=False,
    with_metadata=False,
    output_format="txt",
)
_HTML_PARSER_OPTIONS = dict(
    no_network=True,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
    default_doctype=False,
    recover=True,
    huge_tree=True,  # libxml2 otherwise stops at nesting depth 256 and drops the rest of the page
)
# Even with huge_tree, libxml2 stops at nesting depth 2048 ("Excessive depth in document",
# ignored with recover=True) and drops the rest of the page. A page that hits it is parsed
# again with the elements nested deeper than _MAX_HTML_DEPTH flattened (tags dropped, text
# kept); see _flatten_deep_html.
_LIBXML2_MAX_DEPTH = 2048
_MAX_HTML_DEPTH = 512
_VOID_TAGS = frozenset(
    "area base basefont bgsound br col embed frame hr image img input isindex keygen link meta param "
    "source track wbr".split()
)
_RAW_TEXT_TAGS = frozenset("script style textarea title xmp iframe noembed noframes plaintext".split())
# A comment, or a start/end tag (the attributes stop at the next "<" too, so a scan is linear).
_TAG_RE = re.compile(r"<!--|<(/?)([A-Za-z][^\s/<>]*)([^<>]*)(>?)")
# Dropped from the plain-text fallback: never text, or page furniture.
_FALLBACK_DROP_TAGS = (
    "head", "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas",
    "nav", "header", "footer", "aside", "form", "button", "select",
)
_BLOCK_TAGS = frozenset(
    "address article blockquote br dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6 hr li "
    "main ol p pre section table td th tr ul".split()
)
_PUBLISHED_META = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date", "dc.date.issued",
    "dcterms.date", "dcterms.issued", "dcterms.created", "citation_publication_date", "pubdate",
    "publish-date", "publish_date", "publication_date", "sailthru.date", "parsely-pub-date",
)
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
_HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)")
_LOOKS_LIKE_HTML_RE = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.IGNORECASE)


class _Rejected(Exception):
    """Internal: carries a reject reason out of a helper."""

    def __init__(self, reason: str, detail: str):
        assert reason in REJECT_REASONS, reason
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class InputFile:
    """A file to ingest, found by ``list_inputs`` (picklable: batches travel to workers)."""
    path: str       # absolute path
    rel: str        # path relative to the input root (the documents' source_path)
    size: int


def list_inputs(root: Path) -> Iterator[InputFile | Reject]:
    """Every input under ``root`` in sorted path order, without reading file contents:
    files to ingest, and rejects for what cannot be walked (hidden entries, symlink loops)."""
    root = Path(root)
    st = os.stat(root)
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_dir(root, "", frozenset({(st.st_dev, st.st_ino)}), 0, is_root=True, list_only=True,
                             seen={})
    else:
        yield InputFile(str(root.resolve()), _display_path(root.name), st.st_size)


def read_input(item: InputFile, max_bytes: int = 20_000_000) -> Iterator[RawDoc | Reject]:
    """The documents (or rejects) of one listed file."""
    path = Path(item.path)
    try:
        st = os.stat(path)
    except OSError as exc:
        yield _stat_failure_reject(path, item.rel, exc)
        return
    yield from _ingest_entry(path, item.rel, st, max_bytes)


def iter_inputs(root: Path, max_bytes: int = 20_000_000) -> Iterator[RawDoc | Reject]:
    """Yield a RawDoc or Reject(s) for every file under ``root``, in sorted path order.

    Every regular file yields at least one item; a hidden directory yields one
    ``hidden_file`` reject for all it contains. ``root`` may also be a single
    file. A missing or unlistable root raises OSError (a configuration error,
    not a bad input).
    """
    root = Path(root)
    st = os.stat(root)
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_dir(root, "", frozenset({(st.st_dev, st.st_ino)}), max_bytes, is_root=True, seen={})
    else:
        yield from _ingest_entry(root, _display_path(root.name), st, max_bytes)


# ---------------------------------------------------------------- walking


def _walk_dir(path: Path, rel: str, ancestors: frozenset, max_bytes: int, is_root: bool = False,
              list_only: bool = False, seen: dict[str, bytes] | None = None, raw_rel: bytes = b""):
    """Walk one directory (``rel``: its display path, ``raw_rel``: the same as bytes).

    ``seen`` (display path -> path as bytes, shared by the whole walk) catches distinct names
    that display the same: the undecodable b"bad\\xffname.txt" is shown as "bad\\\\xffname.txt",
    which is also what a file literally named that way is called. Only the first in path order
    is read; the others become ``duplicate_source`` rejects here, in the one global listing, so
    no two documents ever share a source_path (nor a doc_id), whichever batches they fall in."""
    seen = {} if seen is None else seen
    try:
        with os.scandir(path) as it:
            names = sorted(entry.name for entry in it)
    except OSError as exc:
        if is_root:
            raise
        yield Reject(rel, "", "unreadable", f"cannot list directory: {_errno_text(exc)}", 0)
        return
    for name in names:
        child = path / name
        child_rel = _display_path(f"{rel}/{name}" if rel else name)
        child_raw = raw_rel + b"/" + os.fsencode(name) if raw_rel else os.fsencode(name)
        if name.startswith("."):
            yield _hidden_reject(child, child_rel)
            continue
        try:
            st = os.stat(child)  # follows symlinks
        except OSError as exc:
            yield _stat_failure_reject(child, child_rel, exc)
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                target = _readlink(child)
                yield Reject(
                    child_rel, "", "symlink_loop",
                    f"directory symlink -> {target!r} points back to an ancestor; not followed", 0,
                )
                continue
            yield from _walk_dir(child, child_rel, ancestors | {key}, max_bytes, list_only=list_only, seen=seen,
                                 raw_rel=child_raw)
            continue
        first = seen.setdefault(child_rel, child_raw)
        if first != child_raw:
            yield Reject(child_rel, "", "duplicate_source",
                         f"the file name {child_raw!r} displays as the same source_path as {first!r} "
                         f"(undecodable bytes are shown as \\xNN escapes); only the first is read",
                         st.st_size if stat.S_ISREG(st.st_mode) else 0)
        elif list_only:
            yield InputFile(str(child), child_rel, st.st_size)
        else:
            yield from _ingest_entry(child, child_rel, st, max_bytes)


def _display_path(rel: str) -> str:
    """Relative path as a valid str: undecodable bytes in names become \\xNN escapes (with any
    literal backslash of such a name doubled); decodable names are kept as they are."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.replace("\\", "\\\\").encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _errno_text(exc: OSError) -> str:
    # No file name: absolute paths differ between machines and runs.
    if exc.errno is not None and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _stat_failure_reject(path: Path, rel: str, exc: OSError) -> Reject:
    if exc.errno == errno.ELOOP:
        return Reject(rel, "", "symlink_loop", f"symlink -> {_readlink(path)!r}: {_errno_text(exc)}", 0)
    if path.is_symlink() and exc.errno == errno.ENOENT:
        return Reject(rel, "", "unreadable", f"broken symlink -> {_readlink(path)!r}: {_errno_text(exc)}", 0)
    return Reject(rel, "", "unreadable", _errno_text(exc), 0)


def _hidden_reject(path: Path, rel: str) -> Reject:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return Reject(rel, "", "hidden_file", f"hidden entry skipped (cannot stat: {_errno_text(exc)})", 0)
    if not stat.S_ISDIR(st.st_mode):
        kind = "hidden symlink" if stat.S_ISLNK(st.st_mode) else "hidden file"
        return Reject(rel, "", "hidden_file", f"{kind} skipped", st.st_size if stat.S_ISREG(st.st_mode) else 0)
    n_files, n_bytes = 0, 0
    for dirpath, _dirnames, filenames in os.walk(path, followlinks=False):
        for fname in filenames:
            n_files += 1
            try:
                n_bytes += os.lstat(os.path.join(dirpath, fname)).st_size
            except OSError:
                pass
    return Reject(rel, "", "hidden_file", f"hidden directory skipped ({n_files} files inside)", n_bytes)


# ---------------------------------------------------------------- dispatch


def _classify(name: str) -> tuple[str, bool] | str:
    """(format, gzip-compressed) for a supported file name, else a reject detail."""
    lower = name.lower()
    if lower.endswith((".warc", ".warc.gz")):
        return "warc", False
    compressed = lower.endswith(".gz")
    if compressed:
        lower = lower[:-3]
    ext = os.path.splitext(lower)[1]
    fmt = _TEXT_FORMATS.get(ext)
    if fmt is not None:
        return fmt, compressed
    if compressed:
        return f"'.gz' of an unsupported type ({ext or 'no extension'!r})"
    return f"unsupported extension {ext!r}" if ext else "no file extension"


def _ingest_entry(path: Path, rel: str, st: os.stat_result, max_bytes: int) -> Iterator[RawDoc | Reject]:
    if not stat.S_ISREG(st.st_mode):
        kind = ("FIFO" if stat.S_ISFIFO(st.st_mode)
                else "socket" if stat.S_ISSOCK(st.st_mode) else "device or special file")
        yield Reject(rel, "", "special_file", f"{kind}; not opened", 0)
        return
    size = st.st_size
    kind = _classify(path.name)
    if isinstance(kind, str):
        yield Reject(rel, "", "unsupported_format", kind, size)
        return
    fmt, compressed = kind
    if size == 0:
        yield Reject(rel, "", "empty_file", "0 bytes", 0)
        return
    try:
        if fmt == "warc":
            yield from _iter_warc(path, rel, size, max_bytes)
        elif fmt == "jsonl":
            yield from _iter_jsonl(path, rel, compressed, size, max_bytes)
        else:
            yield _read_whole_file(path, rel, fmt, compressed, size, max_bytes)
    except _Rejected as rej:
        yield Reject(rel, "", rej.reason, rej.detail, size)


def _open_binary(path: Path) -> BinaryIO:
    """The one place files are opened (tests monkeypatch it to simulate EACCES)."""
    return open(path, "rb")


def _gzip_error_detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# Exceptions meaning "the gzip stream is broken". BadGzipFile is an OSError,
# so these must be caught before OSError ("unreadable").
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def _read_whole_file(path: Path, rel: str, fmt: str, compressed: bool, size: int, max_bytes: int) -> RawDoc:
    if size > max_bytes:
        raise _Rejected("too_large", f"{size:,} bytes > max_bytes {max_bytes:,}; not read")
    try:
        with _open_binary(path) as fh:
            if compressed:
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        data = gz.read(max_bytes + 1)
                except _GZIP_ERRORS as exc:
                    raise _Rejected("corrupt_archive", _gzip_error_detail(exc)) from None
            else:
                data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _Rejected("unreadable", _errno_text(exc)) from None
    if len(data) > max_bytes:
        what = "decompressed size" if compressed else "size (file grew while reading)"
        raise _Rejected("too_large", f"{what} > max_bytes {max_bytes:,}")
    if not data:
        raise _Rejected("empty_file", "0 bytes after decompression" if compressed else "0 bytes")

    if fmt == "html":
        text, encoding = _decode_bytes(data, declared=_sniff_meta_charset(data))
        if not text.strip():
            raise _Rejected("empty_file", f"whitespace only ({len(data):,} bytes)")
        main, title, published = _extract_html(text)
        return RawDoc(rel, "", main, None, title, published, "html", encoding, size)

    text, encoding = _decode_bytes(data)
    if not text.strip():
        raise _Rejected("empty_file", f"whitespace only ({len(data):,} bytes)")
    return RawDoc(rel, "", text, None, None, None, fmt, encoding, size)


# ---------------------------------------------------------------- decoding


def _decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode raw bytes of a text file; return (text, encoding name).

    Order: BOM -> UTF-16/32 without BOM (NUL pattern) -> binary check
    (known signatures, any NUL, >5% control bytes) -> strict UTF-8 -> ``declared``
    (HTTP header or <meta charset>, WHATWG label rules) -> cp1252 when
    0x80-0x9F bytes occur and it decodes, else latin-1. Raises _Rejected.
    charset_normalizer is deliberately not used: on short English-like text
    it guesses exotic code pages, while this order is predictable.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                detail = f"{name} BOM but invalid {name} at byte {exc.start}: {exc.reason}"
                raise _Rejected("undecodable", detail) from None
            return _check_control_chars(text), name
    wide = _sniff_wide_encoding(data)
    if wide is not None:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError as exc:
            detail = f"looks like {wide} but is invalid at byte {exc.start}: {exc.reason}"
            raise _Rejected("undecodable", detail) from None
        return _check_control_chars(text), wide

    _check_binary(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        codec = _codec_for_label(declared)
        if codec and codec not in ("utf-8", "cp1252"):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                pass
    if _C1_BYTES_RE.search(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252
            pass
    return data.decode("latin-1"), "latin-1"


def _check_binary(data: bytes, scope: str = "") -> None:
    """Reject a known binary signature, any NUL byte, or too many control bytes."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _Rejected("binary_content", f"looks like {what} (signature {magic[:4]!r})")
    n_nul = data.count(0)
    n_control = len(data) - len(data.translate(None, _CONTROL_BYTES))  # includes NUL
    if n_nul or n_control > _MAX_CONTROL_SHARE * len(data):
        raise _Rejected("binary_content", f"{_pct(n_control, len(data))} NUL/control bytes ({n_nul:,} NUL){scope}")


def _pct(part: int, whole: int) -> str:
    share = 100.0 * part / whole if whole else 0.0
    return f"{share:.0f}%" if share >= 1 else f"{share:.2g}%"


def _check_control_chars(text: str) -> str:
    n_control = len(_CONTROL_CHARS_RE.findall(text))
    if n_control and n_control > _MAX_CONTROL_SHARE * len(text):
        raise _Rejected("binary_content", f"{_pct(n_control, len(text))} control characters after decoding")
    return text


def _sniff_wide_encoding(data: bytes) -> str | None:
    """UTF-16/UTF-32 without BOM, recognised by where the NUL bytes sit in a sample."""
    sample = data[:_SNIFF_BYTES]
    n = len(sample)
    candidates = []
    if n >= 8 and len(data) % 4 == 0:
        quarters = [sample[i::4].count(0) / len(sample[i::4]) for i in range(4)]
        if quarters[2] > 0.9 and quarters[3] > 0.9 and quarters[0] < 0.1:
            candidates.append("utf-32-le")
        if quarters[0] > 0.9 and quarters[1] > 0.9 and quarters[3] < 0.1:
            candidates.append("utf-32-be")
    if n >= 4 and len(data) % 2 == 0:
        even = sample[0::2].count(0) / len(sample[0::2])
        odd = sample[1::2].count(0) / len(sample[1::2])
        if odd > 0.3 and even < 0.05:
            candidates.append("utf-16-le")
        if even > 0.3 and odd < 0.05:
            candidates.append("utf-16-be")
    for codec in candidates:
        try:  # incremental: the sample may end inside a surrogate pair
            codecs.getincrementaldecoder(codec)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def _codec_for_label(label: str) -> str | None:
    label = label.strip().lower()
    if label in _WHATWG_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _sniff_meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


# ---------------------------------------------------------------- HTML


def _extract_html(text: str) -> tuple[str, str | None, str | None]:
    """(main text, title, published) of an HTML page; raises _Rejected if no text."""
    # lxml refuses str input with an XML encoding declaration or control chars.
    # The DOCTYPE goes too: the HTML parser never expands entities declared in an
    # internal subset, but would leak the subset's "]>" as body text.
    text = _XML_DECL_RE.sub("", text, count=1)
    span = _doctype_span(text)
    if span is not None:
        text = text[:span[0]] + text[span[1]:]
    text = _CONTROL_CHARS_RE.sub(" ", text)
    tree, too_deep = _parse_html(text)
    if too_deep:
        LOGGER.debug("HTML nested deeper than libxml2's limit; parsing it again flattened")
        tree, too_deep = _parse_html(_flatten_deep_html(text, _MAX_HTML_DEPTH))
        if too_deep:
            raise _Rejected("extraction_failed", f"HTML nested deeper than {_LIBXML2_MAX_DEPTH} elements "
                            f"(libxml2's limit), even with tags below depth {_MAX_HTML_DEPTH} dropped")
    title, published = _html_metadata(tree)
    escaped = _escape_ampersands(tree) if "&" in text else []
    try:
        # trafilatura copies the tree before cleaning it, so `tree` stays intact.
        main = trafilatura.extract(tree, **_TRAFILATURA_OPTIONS) or ""
    except Exception as exc:  # a third-party extractor on untrusted input
        raise _Rejected("extraction_failed", f"trafilatura: {type(exc).__name__}: {exc}") from None
    finally:
        _restore(escaped)
    if not main.strip():
        LOGGER.debug("trafilatura found no main text; using the plain body text")
        try:
            main = _plain_body_text(tree)
        except ValueError:  # lxml refuses control characters that entities put into the tree
            main = "\n".join(" ".join(_CONTROL_CHARS_RE.sub(" ", t).split()) for t in tree.itertext()
                             if t.strip() and _CONTROL_CHARS_RE.sub(" ", t).strip())
    if not main.strip():
        raise _Rejected("no_main_text", "no text left after dropping scripts, navigation and boilerplate")
    return main, title, published


def _parse_html(text: str):
    """(tree, whether libxml2 hit its nesting depth limit and dropped the rest of the page)."""
    parser = lxml.html.HTMLParser(**_HTML_PARSER_OPTIONS)  # one per page: its error_log is this page's
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        raise _Rejected("no_main_text", "no HTML elements could be parsed") from None
    except Exception as exc:  # lxml on hostile input
        raise _Rejected("extraction_failed", f"lxml: {type(exc).__name__}: {exc}") from None
    too_deep = any("xcessive depth" in (err.message or "") for err in parser.error_log)
    return tree, too_deep


def _flatten_deep_html(text: str, max_depth: int) -> str:
    """``text`` without the start and end tags of elements nested deeper than ``max_depth``: their
    text stays, in their ancestor at that depth (a dropped block tag becomes a space).

    One linear scan that tracks open elements the way an HTML parser roughly does: void and
    self-closed tags do not nest, the content of raw-text elements (script, style, ...) and of
    comments is skipped, an end tag closes the innermost open element of its name and any
    opened inside it, and an end tag of no open element is ignored. Elements an HTML parser
    would close implicitly (a <p> before another <p>) count as still open, so this drops more
    tags than needed, never fewer."""
    out: list[str] = []
    last = pos = 0
    stack: list[tuple[str, bool]] = []  # (tag, dropped)
    n_open: Counter[str] = Counter()
    depth = 0  # elements open and kept
    while (m := _TAG_RE.search(text, pos)) is not None:
        pos = m.end()
        if m.group(0) == "<!--":
            end = text.find("-->", pos)
            pos = len(text) if end < 0 else end + 3
            continue
        closing, name, attrs, _gt = m.groups()
        name = name.lower()
        if closing:
            if not n_open[name]:
                continue
            while True:
                tag, dropped = stack.pop()
                n_open[tag] -= 1
                depth -= not dropped
                if tag == name:
                    break
        elif name in _VOID_TAGS or attrs.rstrip().endswith("/"):
            continue
        elif name in _RAW_TEXT_TAGS:
            end = re.compile(rf"</{re.escape(name)}[\s/>]", re.IGNORECASE).search(text, pos)
            pos = len(text) if end is None else end.start()
            continue
        elif depth >= max_depth:
            dropped = True
            stack.append((name, True))
            n_open[name] += 1
        else:
            dropped = False
            stack.append((name, False))
            n_open[name] += 1
            depth += 1
        if dropped:
            out.append(text[last:m.start()])
            out.append(" " if name in _BLOCK_TAGS else "")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def _escape_ampersands(tree) -> list:
    """Write every "&" of the tree's text as "&amp;" (in place; returns what ``_restore`` needs).

    trafilatura's txt output ends with ``html.unescape`` of text that came from the parsed tree,
    where the parser has already decoded the entities: "&amp;lt;" would come out as "<" instead
    of "&lt;", and "AT&amp;amp;T" as "AT&T". Escaping first makes that second decoding give the
    text back exactly. Script and style contents are left alone (trafilatura reads JSON-LD
    article bodies from them, and decodes those once on purpose)."""
    changed = []
    for el in tree.iter():
        for attr in ("text", "tail"):
            if attr == "text" and el.tag in ("script", "style"):
                continue
            value = getattr(el, attr)
            if value and "&" in value:
                if _set_text(el, attr, value.replace("&", "&amp;")):
                    changed.append((el, attr, value))
    return changed


def _restore(changed: list) -> None:
    for el, attr, value in changed:
        _set_text(el, attr, value)


def _set_text(el, attr: str, value: str) -> bool:
    """Set an element's text or tail; lxml refuses characters that entities put into the tree
    (control characters, form feed, lone surrogates), which then become spaces."""
    try:
        setattr(el, attr, value)
    except ValueError:
        try:
            setattr(el, attr, _NOT_XML_CHARS_RE.sub(" ", value))
        except ValueError:  # pragma: no cover - nothing left that lxml should refuse
            return False
    return True


def _doctype_span(text: str) -> tuple[int, int] | None:
    """(start, end) of the first DOCTYPE declaration: "<!DOCTYPE ...>", or "<!DOCTYPE ...[" up to
    the first "]" followed by optional whitespace and ">". Linear: the head pattern stops at the
    first ">" or "[", so heads found inside a scanned head would end at the same place (and are
    skipped by finditer); the subset end is searched again only past the last one found."""
    subset_end = None  # the first "]\s*>" at or after some position, or -1 if there is none
    for head in _DOCTYPE_HEAD_RE.finditer(text):
        end = head.end()
        if end == len(text):
            return None
        if text[end] == ">":
            return head.start(), end + 1
        # text[end] == "[": an internal subset
        if subset_end is None or (subset_end != -1 and subset_end.start() <= end):
            subset_end = _DOCTYPE_SUBSET_END_RE.search(text, end + 1) or -1
        if subset_end == -1:
            continue  # no later subset can close either, but a later "<!DOCTYPE html>" may match
        return head.start(), subset_end.end()
    return None


def _html_metadata(tree) -> tuple[str | None, str | None]:
    title = None
    published = None
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        if key == "og:title" and title is None:
            title = content
        elif key in _PUBLISHED_META and published is None and _ISO_DATE_RE.match(content):
            published = content
    if title is None:
        node = tree.find(".//title")
        if node is not None:
            title = " ".join(node.text_content().split()) or None
    if published is None:
        for node in tree.iter("time"):
            value = (node.get("datetime") or "").strip()
            if (node.get("itemprop") or "").lower() == "datepublished" and _ISO_DATE_RE.match(value):
                published = value
                break
    return title, published


def _plain_body_text(tree) -> str:
    """Fallback: all text of <body> without scripts and page furniture, one block a line."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    root = copy.deepcopy(root)  # the caller's tree stays intact
    for el in list(root.iter(*_FALLBACK_DROP_TAGS)):
        el.drop_tree()
    lines = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            el.text = "\n" + (el.text or "")
    for line in root.text_content().splitlines():
        line = " ".join(line.split())
        if line:
            lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------- JSONL

# A physical JSONL line: (1-based number, decoded text, encoding, bytes).
_Line = tuple[int, str, str, int]


def _iter_jsonl(path: Path, rel: str, compressed: bool, size: int, max_bytes: int) -> Iterator[RawDoc | Reject]:
    """One RawDoc or Reject per non-blank line; good lines survive bad neighbours."""
    try:
        fh = _open_binary(path)
    except OSError as exc:
        raise _Rejected("unreadable", _errno_text(exc)) from None
    with fh:
        stream = gzip.GzipFile(fileobj=fh, mode="rb") if compressed else fh
        try:
            head = stream.read(_SNIFF_BYTES)
            stream.seek(0)
        except _GZIP_ERRORS as exc:
            raise _Rejected("corrupt_archive", _gzip_error_detail(exc)) from None
        except OSError as exc:
            raise _Rejected("unreadable", _errno_text(exc)) from None
        if not head:
            raise _Rejected("empty_file", "0 bytes after decompression")
        wide = _wide_or_bom_encoding(head)
        if wide is not None:
            lines = _jsonl_wide_lines(stream, wide, max_bytes)
        else:
            _check_binary(head, scope=f" in the first {len(head):,} bytes")
            encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
            lines = _jsonl_utf8_lines(stream, rel, encoding, max_bytes)
        n_nonblank = 0
        n_lines = 0
        for item in lines:
            if isinstance(item, Reject):
                n_nonblank += 1
                yield item
                continue
            lineno, text, encoding, n_bytes = item
            n_lines = lineno
            if text.strip():
                n_nonblank += 1
                yield _jsonl_record(rel, lineno, text, encoding, n_bytes)
        if n_nonblank == 0:
            raise _Rejected("empty_file", f"only blank lines ({n_lines})")


def _wide_or_bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if name != "utf-8-sig" and head.startswith(bom):
            return name
    aligned = head[: len(head) - len(head) % 4]
    return _sniff_wide_encoding(aligned) if aligned else None


def _jsonl_wide_lines(stream, encoding: str, max_bytes: int) -> Iterator[_Line]:
    """UTF-16/32 JSONL (rare): decoded whole, so bounded by max_bytes."""
    try:
        data = stream.read(max_bytes + 1)
    except _GZIP_ERRORS as exc:
        raise _Rejected("corrupt_archive", _gzip_error_detail(exc)) from None
    except OSError as exc:
        raise _Rejected("unreadable", _errno_text(exc)) from None
    if len(data) > max_bytes:
        raise _Rejected("too_large", f"{encoding} JSONL is decoded whole and is > max_bytes {max_bytes:,}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _Rejected("undecodable", f"invalid {encoding} at byte {exc.start}: {exc.reason}") from None
    unit = 4 if "32" in encoding else 2
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        yield lineno, line, encoding, unit * len(line)


def _jsonl_utf8_lines(stream, rel: str, file_encoding: str, max_bytes: int) -> Iterator[_Line | Reject]:
    """Stream physical lines; an oversized line or a broken stream becomes a Reject."""
    lineno = 0
    while True:
        try:
            raw = stream.readline(max_bytes + 1)
        except _GZIP_ERRORS as exc:
            yield Reject(rel, f"line:{lineno + 1}", "corrupt_archive",
                         f"gzip stream broken after line {lineno}: {_gzip_error_detail(exc)}; rest of file skipped", 0)
            return
        except OSError as exc:
            yield Reject(rel, f"line:{lineno + 1}", "unreadable",
                         f"read failed after line {lineno}: {_errno_text(exc)}; rest of file skipped", 0)
            return
        if not raw:
            return
        lineno += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            n_bytes = len(raw)
            while True:  # skip the rest of the oversized line without keeping it
                try:
                    more = stream.readline(_CHUNK)
                except (*_GZIP_ERRORS, OSError):
                    break  # the next readline reports it
                n_bytes += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield Reject(rel, f"line:{lineno}", "too_large",
                         f"line {lineno}: {n_bytes:,} bytes > max_bytes {max_bytes:,}", n_bytes)
            continue
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        raw = raw.rstrip(b"\r\n")
        try:
            text, encoding = raw.decode("utf-8"), file_encoding
        except UnicodeDecodeError:
            # JSON must be UTF-8, but legacy exports exist: decode like a legacy text file.
            encoding = "cp1252" if _C1_BYTES_RE.search(raw) else "latin-1"
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                text, encoding = raw.decode("latin-1"), "latin-1"
        yield lineno, text, encoding, len(raw)


def _jsonl_record(rel: str, lineno: int, line: str, encoding: str, n_bytes: int) -> RawDoc | Reject:
    record = f"line:{lineno}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Reject(rel, record, "invalid_json", f"line {lineno}: {exc.msg} (column {exc.colno})", n_bytes)
    except RecursionError:
        return Reject(rel, record, "invalid_json", f"line {lineno}: nested too deeply", n_bytes)
    if not isinstance(obj, dict):
        detail = f"line {lineno}: expected a JSON object, got {_json_type(obj)}"
        return Reject(rel, record, "wrong_type", detail, n_bytes)
    text = obj.get("text")
    if text is None:
        detail = "'text' is null" if "text" in obj else "no 'text' field"
        return Reject(rel, record, "missing_text", f"line {lineno}: {detail}", n_bytes)
    if not isinstance(text, str):
        detail = f"line {lineno}: 'text' is {_json_type(text)}, expected string"
        return Reject(rel, record, "wrong_type", detail, n_bytes)
    if not text.strip():
        return Reject(rel, record, "missing_text", f"line {lineno}: 'text' is blank", n_bytes)
    fields = {}
    for key in ("url", "title", "published"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            detail = f"line {lineno}: '{key}' is {_json_type(value)}, expected string or null"
            return Reject(rel, record, "wrong_type", detail, n_bytes)
        fields[key] = value if value and value.strip() else None
    for key, value in (("text", text), *fields.items()):
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                detail = f"line {lineno}: lone surrogate {value[exc.start]!r} in '{key}' at char {exc.start}"
                return Reject(rel, record, "undecodable", detail, n_bytes)
    return RawDoc(rel, record, text, fields["url"], fields["title"], fields["published"], "jsonl", encoding, n_bytes)


def _json_type(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


# ---------------------------------------------------------------- WARC


def _iter_warc(path: Path, rel: str, size: int, max_bytes: int) -> Iterator[RawDoc | Reject]:
    """HTML `response` records of a WARC (.warc or .warc.gz; warcio detects gzip)."""
    try:
        fh = _open_binary(path)
    except OSError as exc:
        raise _Rejected("unreadable", _errno_text(exc)) from None
    skipped: Counter[str] = Counter()
    n_records = 0
    n_yielded = 0
    with fh:
        records = ArchiveIterator(fh)
        while True:
            try:
                rec = next(records)
            except StopIteration:
                break
            except Exception as exc:  # warcio raises assorted errors on broken input
                yield _corrupt_warc(rel, n_records, f"{type(exc).__name__}: {exc}")
                return
            n_records += 1
            length_header = rec.rec_headers.get_header("Content-Length") if rec.rec_headers else None
            if rec.format != "warc" or not rec.rec_type or length_header is None:
                yield _corrupt_warc(rel, n_records - 1, f"record {n_records} has no valid WARC header")
                return
            try:
                item = _warc_record(rec, rel, n_records, max_bytes, skipped)
                truncated = _drain_and_check(rec)
            except Exception as exc:
                yield _corrupt_warc(rel, n_records - 1, f"reading record {n_records}: {type(exc).__name__}: {exc}")
                return
            if truncated:
                yield _corrupt_warc(rel, n_records - 1, f"record {n_records} truncated ({truncated})")
                return
            if item is not None:
                n_yielded += 1
                yield item
    if n_yielded == 0:
        summary = ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())) or "none"
        yield Reject(rel, "", "no_main_text",
                     f"no HTML response records among {n_records} records (skipped: {summary})", size)


def _corrupt_warc(rel: str, n_ok: int, why: str) -> Reject:
    detail = f"after {n_ok} complete records: {why}; rest of file skipped"
    return Reject(rel, f"record:{n_ok + 1}", "corrupt_warc", detail, 0)


def _drain_and_check(rec) -> str | None:
    """Consume what is left of the record; describe it if the file ended too early."""
    stream = rec.raw_stream
    while stream.read(_CHUNK):
        pass
    remaining = getattr(stream, "limit", 0)
    if remaining:
        return f"{remaining:,} of {rec.length:,} declared bytes missing"
    return None


def _warc_record(rec, rel: str, n: int, max_bytes: int, skipped: Counter) -> RawDoc | Reject | None:
    if rec.rec_type != "response":
        skipped[rec.rec_type] += 1
        return None
    http = rec.http_headers
    if http is None:
        skipped["response without HTTP headers"] += 1
        return None
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        skipped[f"response HTTP {status or '?'}"] += 1
        return None
    content_type = (http.get_header("Content-Type") or "").lower()
    mime = content_type.split(";")[0].strip()
    if mime and mime not in _HTML_CONTENT_TYPES:
        skipped[f"response {mime}"] += 1
        return None
    body = rec.content_stream().read(max_bytes + 1)
    if not mime and not _LOOKS_LIKE_HTML_RE.search(body[:1024]):
        skipped["response without Content-Type, not HTML"] += 1
        return None
    record = f"record:{n}"
    url = rec.rec_headers.get_header("WARC-Target-URI")
    size = rec.length or len(body)
    if len(body) > max_bytes:
        return Reject(rel, record, "too_large", f"record {n} ({url}): payload > max_bytes {max_bytes:,}", size)
    match = _HEADER_CHARSET_RE.search(content_type)
    declared = match.group(1) if match else None
    try:
        if not body.strip():
            raise _Rejected("empty_file", "empty HTTP payload")
        text, encoding = _decode_bytes(body, declared=declared or _sniff_meta_charset(body))
        main, title, _published = _extract_html(text)
    except _Rejected as rej:
        return Reject(rel, record, rej.reason, f"record {n} ({url}): {rej.detail}", size)
    published = rec.rec_headers.get_header("WARC-Date")
    return RawDoc(rel, record, main, url, title, published, "warc", encoding, size)
