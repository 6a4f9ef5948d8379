"""The HTML report: self-contained, one SVG per chart, claim spans highlighted in their
context, every piece of data escaped, the same bytes for the same tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.report import build_report, claim_label, highlight, source_group
from tests.fixtures_tables import TEXT_A, TEXT_B, empty_table, mini_tables, write_tables

CHARTS = ("claim-frequency", "contradicted-subjects", "contradicted-outcomes", "verdict-by-kind",
          "verdict-by-scope", "self-contradiction-by-source", "self-contradiction-by-subject")
INJECTED = ' <script>alert("x")</script>'
TEXT_B_INJECTED = TEXT_B[:-1] + INJECTED + "."


def _append(frame: pd.DataFrame, row: dict) -> pd.DataFrame:
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def report_tables() -> dict[str, pd.DataFrame]:
    """mini_tables() with a '<script>' inside document b (a sentence and the title) and an
    intra-document pair whose two claims share a paragraph of document a."""
    t = mini_tables()
    docs, sents, claims = t["documents"], t["sentences"], t["claims"]
    b = docs["doc_id"] == "doc-b"
    docs.loc[b, "text"] = TEXT_B_INJECTED
    docs.loc[b, ["n_chars", "n_chars_raw"]] = len(TEXT_B_INJECTED)
    docs.loc[b, "title"] = "Sleep <b>&</b> kratom"
    s = sents["sentence_id"] == "doc-b:0"
    sents.loc[s, ["char_end", "raw_char_end"]] = len(TEXT_B_INJECTED)
    sents.loc[s, "text"] = TEXT_B_INJECTED
    claims.loc[claims["claim_id"] == "c-2", "sentence_text"] = TEXT_B_INJECTED

    effect = "alleviate insomnia"
    start = TEXT_A.index(effect)
    c3 = claims[claims["claim_id"] == "c-1"].iloc[0].to_dict()
    c3.update(claim_id="c-0", sentence_id="doc-a:0", effect=effect, predicate="decreases", direction=-1,
              condition="", dose_level=None, char_start=start, char_end=start + len(effect),
              raw_char_start=start, raw_char_end=start + len(effect),
              sentence_text=sents.loc[sents["sentence_id"] == "doc-a:0", "text"].iloc[0],
              claim_key="kratom|decreases|insomnia|-1")
    t["claims"] = _append(claims, c3)
    pair = t["contradictions"].iloc[0].to_dict()
    pair.update(pair_id="p-0", claim_id_a="c-0", claim_id_b="c-1", doc_id_a="doc-a", doc_id_b="doc-a",
                scope="intra_document", verdict="hedged", separating_condition=None,
                explanation="decreases insomnia vs causes insomnia (possible)")
    t["contradictions"] = _append(t["contradictions"], pair)
    return t


@pytest.fixture
def report(tmp_path):
    folder = write_tables(report_tables(), tmp_path / "tables")
    path = build_report(folder, tmp_path / "out" / "report.html", data_docs_href="../data_docs/index.html")
    return path, path.read_text(encoding="utf-8")


def test_writes_one_html_file(report):
    path, page = report
    assert path.is_file() and path.name == "report.html"
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")


def test_one_svg_per_chart(report):
    _, page = report
    charts = re.findall(r'<svg class="chart" data-chart="([a-z-]+)"', page)
    assert sorted(charts) == sorted(CHARTS)
    assert page.count("<svg") == len(CHARTS)


def test_headline_figures(report):
    _, page = report
    cards = dict(re.findall(r'<div class="k">([^<]+)</div><div class="v">([^<]+)</div>', page))
    assert cards["Documents"] == "2"
    assert cards["Rejected inputs"] == "1"
    assert cards["Claims"] == "3"
    assert cards["Self-contradicting"] == "0%"          # corpus_metrics '__all__'
    assert cards["Cross-document rate"] == "0%"


def test_claim_spans_highlighted_in_context(report):
    _, page = report
    # the cross-document pair: each side its own passage
    assert '<mark class="hl-a">cause insomnia</mark>' in page
    assert '<mark class="hl-b">improves sleep quality</mark>' in page
    # the intra-document pair: one passage of document a holding both claims
    assert '<mark class="hl-a">alleviate insomnia</mark>' in page
    assert page.count('<div class="sides one">') == 1
    # the sentence is emphasised inside its paragraph, the explanation is shown
    assert '<span class="sent">At higher doses it can </span>' in page
    assert "causes insomnia at higher doses vs improves sleep" in page


def test_filters_and_rows(report):
    _, page = report
    assert len(re.findall(r'<article class="pair ', page)) == 2
    assert 'data-verdict="hedged" data-kind="direction" data-scope="intra_document" data-subject="kratom"' in page
    for name in ("verdict", "kind", "scope", "subject"):
        assert f'<select name="{name}">' in page
    # contradictions first, then hedged, then conditional
    assert page.index('id="pair-p-0"') < page.index('id="pair-p-1"')


def test_self_contained(report):
    _, page = report
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    assert not re.search(r"\b(src|href)\s*=\s*['\"]?\s*(https?:)?//", page, re.I)
    assert not re.search(r"<(img|iframe|object|embed)\b", page, re.I)
    assert "default-src 'none'" in page   # the CSP forbids loading anything else
    assert page.count("<script") == 1     # the page's own inline filter script


def test_escapes_data(report):
    _, page = report
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Sleep &lt;b&gt;&amp;&lt;/b&gt; kratom" in page
    assert '<a href="../data_docs/index.html">' in page


def test_deterministic(tmp_path):
    folder = write_tables(report_tables(), tmp_path / "tables")
    first = build_report(folder, tmp_path / "a.html").read_bytes()
    second = build_report(folder, tmp_path / "b.html").read_bytes()
    assert first == second


def test_empty_tables_still_render(tmp_path):
    tables = mini_tables()
    for name in ("contradictions", "claim_frequency", "corpus_metrics", "rejects"):
        tables[name] = empty_table(name)
    folder = write_tables(tables, tmp_path / "tables")
    page = build_report(folder, tmp_path / "r.html").read_text()
    assert "No contradictions in these tables." in page
    assert page.count('<svg class="chart"') == len(CHARTS)
    assert "No data" in page


def test_refuses_a_folder_without_tables(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published tables"):
        build_report(tmp_path / "nothing", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_highlight_nests_tags_and_escapes():
    text = "One <b>. Kratom may calm you & energize you. Three."
    s0 = text.index("Kratom")
    s1 = text.index("Three") - 1
    calm, energize = text.index("calm"), text.index("energize")
    out = highlight(text, (0, len(text)), [(s0, s1)],
                    [(calm, calm + 4, "hl-a"), (calm, energize + 8, "hl-b")])
    assert out.startswith("One &lt;b&gt;. ")
    assert '<span class="sent"><mark class="hl-a hl-b">calm</mark></span>' in out
    assert '<span class="sent"><mark class="hl-b"> you &amp; energize</mark></span>' in out
    assert re.sub(r"<[^>]+>", "", out) == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("args, expected", [
    (("melatonin", "causes", "headache", 1, "negated", "high"), "melatonin: does not cause headache (high dose)"),
    (("valerian", "has_property", "arousal", -1, "affirmed", "any"), "valerian: has arousal ↓"),
    (("green_tea_extract", "safe", "side_effects", 0, "affirmed", "any"),
     "green tea extract: is safe: no side effects"),
    (("kratom", "decreases", "insomnia", -1, "affirmed", "1000-3000-mg"), "kratom: decreases insomnia (1000 3000 mg)"),
])
def test_claim_label(args, expected):
    assert claim_label(*args) == expected


@pytest.mark.parametrize("path, url, expected", [
    ("feeds/partner.jsonl", "https://Blog.Example.org/a?b=1", "blog.example.org"),
    ("blogs/sub/a.txt", None, "blogs/"),
    ("a.txt", float("nan"), "(top level)"),
    ("crawl\\x.warc", "", "crawl/"),
])
def test_source_group(path, url, expected):
    assert source_group(path, url) == expected
