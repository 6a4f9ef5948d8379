"""One self-contained HTML report over the published tables.

``build_report(output_dir, dest)`` reads the tables written by the pipeline
(``pipeline.io.read_table``) and writes a single HTML file an analyst can open
offline or attach to an e-mail: inline CSS, inline SVG charts drawn here (no
chart library), a few lines of inline JavaScript to filter the list of
contradictions, no external fonts, scripts, styles or images. A
Content-Security-Policy allows only the page's own style and script (by hash),
so nothing outside the file is ever loaded.

Every piece of text from the data goes through ``html.escape``. The output
depends only on the tables (no clock, sorted everywhere with tie-breakers), so
the same tables give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pandas as pd

from pipeline.io import read_table
from pipeline.schemas import KINDS, TABLES

# Which pairs come first in the browsable list, and the verdict colours
# (red / amber / slate: they differ in lightness as well as hue).
VERDICT_ORDER = ("contradiction", "hedged", "conditional")
VERDICT_COLORS = {"contradiction": "#c2410c", "hedged": "#eab308", "conditional": "#94a3b8"}
BAR_COLOR = "#2563eb"
RATE_COLOR = "#0f766e"

TOP_CLAIMS = 15
TOP_GROUPS = 12
MAX_PAIRS = 2000          # contradictions listed in the page (the rest are counted, not shown)
MAX_DOCUMENTS = 500       # rows of the documents table
CONTEXT_CHARS = 280       # paragraph context kept on each side of a claim's sentence

ALL = "__all__"
NARROW, WIDE = 520, 1080  # SVG viewBox widths: close to the rendered width at 1280 px, so text stays ~12 px


def esc(value) -> str:
    """Text for HTML (element content and quoted attributes); missing values become ''."""
    return html.escape(_text(value), quote=True)


def _text(value) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _pct(x: float, digits: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:.{digits}f}%"


def _num(n) -> str:
    return f"{int(n):,}"


def _words(token) -> str:
    return _text(token).replace("_", " ")


# --------------------------------------------------------------------- labels
_BASE_VERB = {"decreases": "decrease", "increases": "increase", "causes": "cause",
              "treats": "treat", "prevents": "prevent"}


def claim_label(subject, predicate, outcome, direction, polarity, dose_band) -> str:
    """A readable canonical claim: 'melatonin: does not cause headache (high dose)'."""
    o, p = _words(outcome), _text(predicate)
    negated = _text(polarity) == "negated"
    d = int(direction) if _text(direction) != "" else 0
    if p in _BASE_VERB:
        phrase = f"does not {_BASE_VERB[p]} {o}" if negated else f"{p} {o}"
    elif p == "has_property":
        arrow = {1: " ↑", -1: " ↓"}.get(d, "")
        phrase = f"{'does not have' if negated else 'has'} {o}{arrow}"
    elif p == "no_effect":
        phrase = f"{'has an' if negated else 'has no'} effect on {o}"
    elif p == "safe":
        phrase = f"is {'not ' if negated else ''}safe: no {o}"
    elif p == "interacts_with":
        phrase = f"{'has no' if negated else 'has'} {o}"
    else:
        phrase = f"{'not ' if negated else ''}{_words(p)} {o}"
    band = _text(dose_band)
    if band and band != "any":
        phrase += f" ({band} dose)" if band in ("low", "moderate", "high") else f" ({band.replace('-', ' ')})"
    return f"{_words(subject)}: {phrase}"


def source_group(source_path, url) -> str:
    """Where a document came from: the URL's host, else the top folder of its path."""
    u = _text(url)
    if u:
        host = urlsplit(u).hostname
        if host:
            return host
    parts = PurePosixPath(_text(source_path).replace("\\", "/")).parts
    return f"{parts[0]}/" if len(parts) > 1 else "(top level)"


# --------------------------------------------------------------------- charts
@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float, ...]   # one per series (stacked)
    note: str                   # text at the end of the bar
    tooltip: str


def _nice_ticks(vmax: float, integer: bool) -> list[float]:
    if vmax <= 0:
        vmax = 1.0
    raw = vmax / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, math.ceil(step))
    n = math.ceil(vmax / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _truncate(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, series: Sequence[str],
              colors: Sequence[str], x_label: str, integer: bool = True,
              fmt: Callable[[float], str] = lambda v: f"{v:g}", vmax: float | None = None,
              width: int = NARROW) -> str:
    """A horizontal (stacked) bar chart as an inline SVG with labelled axes and a legend."""
    # Label widths are estimated at 7 px a character (DejaVu Sans, the widest usual fallback, at 12 px).
    char_w, row_h, bar_h = 7.0, 24, 15
    legend_h = 26 if len(series) > 1 else 6
    axis_h = 46
    if not bars:
        h = 90
        return (f'<svg class="chart" data-chart="{esc(chart_id)}" role="img" viewBox="0 0 {width} {h}" '
                f'aria-label="{esc(title)}: no data"><title>{esc(title)}</title>'
                f'<text x="{width / 2}" y="{h / 2}" text-anchor="middle" class="empty">No data</text></svg>')
    label_chars = min(int(width * 0.5 / char_w), max(len(b.label) for b in bars))
    label_w = int(label_chars * char_w) + 10
    note_w = int(max(len(b.note) for b in bars) * 6.4) + 14
    x0, x1 = label_w + 8, width - note_w
    top = legend_h
    h = top + row_h * len(bars) + axis_h
    total_max = max(sum(b.values) for b in bars)
    ticks = _nice_ticks(vmax if vmax is not None else total_max, integer)
    scale = (x1 - x0) / ticks[-1]
    y_axis = top + row_h * len(bars)
    out = [f'<svg class="chart" data-chart="{esc(chart_id)}" role="img" viewBox="0 0 {width} {h}" '
           f'aria-label="{esc(title)}"><title>{esc(title)}</title>']
    if len(series) > 1:   # legend
        lx = x0
        for name, color in zip(series, colors):
            out.append(f'<rect x="{lx}" y="6" width="11" height="11" rx="2" fill="{color}"/>'
                       f'<text x="{lx + 16}" y="15.5" class="legend">{esc(name)}</text>')
            lx += 26 + int(len(name) * 6.6)
    for t in ticks:   # grid and tick labels
        x = x0 + t * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{y_axis}" class="grid"/>'
                   f'<text x="{x:.1f}" y="{y_axis + 15}" text-anchor="middle" class="tick">{esc(fmt(t))}</text>')
    for i, b in enumerate(bars):
        y = top + i * row_h + (row_h - bar_h) / 2
        cy = top + i * row_h + row_h / 2 + 4
        out.append(f'<g class="row"><title>{esc(b.tooltip)}</title>'
                   f'<text x="{label_w}" y="{cy:.1f}" text-anchor="end" class="label">'
                   f'{esc(_truncate(b.label, label_chars))}</text>')
        x = x0
        for value, color in zip(b.values, colors):
            if value > 0:
                w = value * scale
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 1.5):.1f}" height="{bar_h}" '
                           f'fill="{color}"/>')
                x += w
        out.append(f'<text x="{x + 5:.1f}" y="{cy:.1f}" class="note">{esc(b.note)}</text></g>')
    out.append(f'<line x1="{x0}" y1="{y_axis}" x2="{x1}" y2="{y_axis}" class="axis"/>'
               f'<line x1="{x0}" y1="{top - 2}" x2="{x0}" y2="{y_axis}" class="axis"/>'
               f'<text x="{(x0 + x1) / 2:.1f}" y="{y_axis + 36}" text-anchor="middle" class="axis-title">'
               f'{esc(x_label)}</text></svg>')
    return "".join(out)


# ----------------------------------------------------------------- the tables
def _load(output_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table; a missing one reads as empty, but not the documents table (then
    ``output_dir`` is not a pipeline output and an empty report would mislead)."""
    if not (output_dir / "documents").exists():
        raise FileNotFoundError(f"no published tables under '{output_dir}' (no documents table)")
    tables = {}
    for name, spec in TABLES.items():
        try:
            tables[name] = read_table(output_dir, name)
        except FileNotFoundError:
            tables[name] = spec.schema.empty_table().to_pandas()
    return tables


def _verdict_counts(frame: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    counts = (frame.groupby(by, dropna=False, observed=True)["verdict"].value_counts()
              .unstack(fill_value=0).reindex(columns=list(VERDICT_ORDER), fill_value=0))
    counts["real"] = counts["contradiction"] + counts["hedged"]
    counts["total"] = counts[list(VERDICT_ORDER)].sum(axis=1)
    return counts


def _verdict_bars(counts: pd.DataFrame, label: Callable[[object], str], limit: int) -> list[Bar]:
    counts = counts.reset_index()
    keys = [c for c in counts.columns if c not in (*VERDICT_ORDER, "real", "total")]
    counts = counts.sort_values(["real", "total", *keys], ascending=[False, False] + [True] * len(keys),
                                kind="mergesort").head(limit)
    bars = []
    for row in counts.itertuples(index=False):
        d = row._asdict()
        name = label(d)
        values = tuple(float(d[v]) for v in VERDICT_ORDER)
        parts = ", ".join(f"{v}: {int(d[v])}" for v in VERDICT_ORDER)
        bars.append(Bar(name, values, f"{int(d['total'])}", f"{name} — {parts}"))
    return bars


def _fixed_verdict_bars(counts: pd.DataFrame, names: dict[str, str]) -> list[Bar]:
    """One stacked bar per key of ``names``, in that order, zero when absent."""
    counts = counts.reindex(list(names), fill_value=0)
    bars = []
    for key, name in names.items():
        row = counts.loc[key]
        bars.append(Bar(name, tuple(float(row[v]) for v in VERDICT_ORDER), f"{int(row['total'])}",
                        f"{name} — " + ", ".join(f"{v}: {int(row[v])}" for v in VERDICT_ORDER)))
    return bars


def _rate_bars(groups: pd.DataFrame, key: str, limit: int) -> list[Bar]:
    """Self-contradiction by group: intra-document contradictions / comparable pairs, pooled."""
    g = (groups.groupby(key, dropna=False).agg(
        docs=("doc_id", "size"), pairs=("n_comparable_pairs", "sum"),
        contradictions=("n_contradictions", "sum"), self_docs=("has_self_contradiction", "sum"))
        .reset_index())
    g["rate"] = (g["contradictions"] / g["pairs"].where(g["pairs"] > 0)).fillna(0.0)
    g = g.sort_values(["rate", "docs", key], ascending=[False, False, True], kind="mergesort").head(limit)
    bars = []
    for row in g.itertuples(index=False):
        name = _text(getattr(row, key)) or "(none)"
        tip = (f"{name}: {int(row.contradictions)} contradictions in {int(row.pairs)} comparable pairs; "
               f"{int(row.self_docs)} of {int(row.docs)} documents contradict themselves")
        bars.append(Bar(name, (float(row.rate),), f"{_pct(row.rate, 0)} · {int(row.docs)} doc"
                        + ("s" if row.docs != 1 else ""), tip))
    return bars


# ------------------------------------------------------------ claim context
def _paragraph_window(text: str, s0: int, s1: int) -> tuple[int, int, bool, bool]:
    """The paragraph (line) around [s0, s1), cropped to CONTEXT_CHARS each side at word boundaries.

    Any line break ends a paragraph: plain-text inputs put one paragraph, heading or list
    item per line, Markdown separates paragraphs by blank lines."""
    p0 = text.rfind("\n", 0, s0) + 1
    p1 = text.find("\n", s1)
    p1 = len(text) if p1 < 0 else p1
    cut0 = cut1 = False
    if s0 - p0 > CONTEXT_CHARS:
        w = text.find(" ", s0 - CONTEXT_CHARS, s0)
        p0, cut0 = (w + 1 if w >= 0 else s0 - CONTEXT_CHARS), True
    if p1 - s1 > CONTEXT_CHARS:
        w = text.rfind(" ", s1, s1 + CONTEXT_CHARS)
        p1, cut1 = (w if w >= 0 else s1 + CONTEXT_CHARS), True
    return p0, p1, cut0, cut1


def highlight(text: str, window: tuple[int, int], sentences: Iterable[tuple[int, int]],
              marks: Iterable[tuple[int, int, str]]) -> str:
    """Escaped ``text[window]`` with each sentence (start, end) wrapped in a span and each
    mark (start, end, css class) in a <mark>; every piece between two boundaries is wrapped
    on its own, so the tags always nest."""
    w0, w1 = window
    clip = lambda x: min(max(x, w0), w1)  # noqa: E731
    sentences = [(clip(a), clip(b)) for a, b in sentences]
    marks = [(clip(a), clip(b), cls) for a, b, cls in marks]
    cuts = sorted({w0, w1, *(x for r in sentences for x in r), *(x for a, b, _ in marks for x in (a, b))})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = esc(text[a:b])
        classes = sorted({cls for m0, m1, cls in marks if m0 <= a and b <= m1 and m0 < m1})
        if classes:
            piece = f'<mark class="{" ".join(classes)}">{piece}</mark>'
        if any(s0 <= a and b <= s1 for s0, s1 in sentences):
            piece = f'<span class="sent">{piece}</span>'
        out.append(piece)
    return "".join(out)


# -------------------------------------------------------------------- the page
CSS = """
:root{--ink:#0f172a;--muted:#475569;--faint:#94a3b8;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",sans-serif;
--a:#2563eb;--a-bg:#dbeafe;--b:#9333ea;--b-bg:#f3e8ff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 var(--sans);-webkit-font-smoothing:antialiased}
main{max-width:1200px;margin:0 auto;padding:28px 32px 64px}
header.top{border-bottom:1px solid var(--line);padding-bottom:16px;margin-bottom:24px}
h1{font-size:26px;line-height:1.2;margin:0 0 6px;letter-spacing:-.01em}
h2{font-size:19px;margin:36px 0 4px;letter-spacing:-.005em}
h3{font-size:15px;margin:0 0 2px}
p.lede,p.sub,.meta{color:var(--muted)}
p.sub{margin:0 0 14px;font-size:13.5px}
.meta{font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}
.meta b{color:var(--ink);font-weight:600}
a{color:#1d4ed8}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
.card .v{font-size:30px;font-weight:700;line-height:1.15;margin:4px 0 2px;font-variant-numeric:tabular-nums}
.card .d{font-size:12.5px;color:var(--muted)}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px;align-items:start}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px 10px}
figure.wide{grid-column:1/-1}
figcaption{font-size:12.5px;color:var(--muted);margin:0 0 8px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-family:var(--sans);fill:#334155;font-size:12px}
svg.chart text.tick{fill:#64748b;font-size:11px}
svg.chart text.note{fill:#475569;font-size:11px;font-variant-numeric:tabular-nums}
svg.chart text.axis-title{fill:#334155;font-size:12px;font-weight:600}
svg.chart text.legend{font-size:11.5px}
svg.chart text.empty{fill:var(--faint);font-size:14px}
svg.chart line.grid{stroke:#eef2f7;stroke-width:1}
svg.chart line.axis{stroke:#94a3b8;stroke-width:1}
svg.chart g.row:hover text.label{fill:#000;font-weight:600}
.filters{position:sticky;top:0;z-index:2;background:rgba(248,250,252,.96);backdrop-filter:blur(4px);
display:flex;flex-wrap:wrap;gap:10px 14px;align-items:end;padding:10px 0 12px;border-bottom:1px solid var(--line);margin-bottom:14px}
.filters label{display:flex;flex-direction:column;font-size:11.5px;color:var(--muted);font-weight:600;
text-transform:uppercase;letter-spacing:.05em;gap:3px}
.filters select,.filters input{font:14px var(--sans);padding:5px 8px;border:1px solid #cbd5e1;border-radius:6px;background:#fff;min-width:150px}
.filters .count{margin-left:auto;font-size:13px;color:var(--muted);padding-bottom:6px}
article.pair{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--faint);
border-radius:8px;padding:12px 16px 10px;margin:0 0 12px}
article.pair.v-contradiction{border-left-color:#c2410c}
article.pair.v-hedged{border-left-color:#eab308}
.pair .head{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-bottom:8px;font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;border:1px solid var(--line);background:#f1f5f9;color:#334155}
.badge.contradiction{background:#ffedd5;border-color:#fdba74;color:#9a3412}
.badge.hedged{background:#fef9c3;border-color:#fde047;color:#854d0e}
.badge.conditional{background:#f1f5f9;border-color:#cbd5e1;color:#475569}
.pair .topic{font-weight:600;margin-left:4px}
.pair .pid{margin-left:auto;color:var(--faint);font-size:11.5px;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.side .src{font-size:12.5px;color:var(--muted);margin-bottom:4px}
.tag{display:inline-block;font-weight:700;color:#fff;border-radius:4px;padding:0 6px;margin-right:6px;font-size:11.5px;line-height:17px}
.tag.a{background:var(--a)}.tag.b{background:var(--b)}
.sides.one{grid-template-columns:1fr}
blockquote.ctx{margin:0;padding:8px 10px;background:#f8fafc;border-radius:6px;font-size:14px;line-height:1.55;
white-space:pre-line;color:#64748b}
blockquote.ctx .sent{color:var(--ink)}
mark{border-radius:3px;padding:0 1px;color:var(--ink)}
mark.hl-a{background:var(--a-bg);box-shadow:inset 0 -2px 0 var(--a)}
mark.hl-b{background:var(--b-bg);box-shadow:inset 0 -2px 0 var(--b)}
mark.hl-a.hl-b{background:linear-gradient(var(--a-bg),var(--b-bg))}
.attrs{font-size:12px;color:var(--muted);margin-top:4px}
.attrs span{margin-right:10px}
.expl{font-size:13.5px;margin:8px 0 0;color:#334155}
.expl b{color:var(--ink)}
table.data{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;font-size:13.5px}
table.data th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);
background:#f1f5f9;padding:8px 10px;border-bottom:1px solid var(--line)}
table.data td{padding:7px 10px;border-bottom:1px solid #f1f5f9;vertical-align:top}
table.data td.n{text-align:right;font-variant-numeric:tabular-nums}
table.data th.n{text-align:right}
table.data .small{font-size:12px;color:var(--muted)}
.note-box{font-size:13px;color:var(--muted);margin:6px 0 0}
footer{margin-top:40px;font-size:12px;color:var(--faint)}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}.grid2,.sides{grid-template-columns:1fr}}
"""

JS = """
(function () {
  // Filters of the contradiction list; the URL fragment (#verdict=hedged&subject=kratom) holds
  // them, so a filtered view can be bookmarked or sent.
  var form = document.getElementById('pair-filters');
  if (!form) return;
  var keys = ['verdict', 'kind', 'scope', 'subject', 'q'];
  var pairs = Array.prototype.slice.call(document.querySelectorAll('article.pair'));
  var count = document.getElementById('pair-count');
  function apply(save) {
    var want = {}, shown = 0, state = new URLSearchParams();
    keys.forEach(function (k) { want[k] = form.elements[k].value.trim(); if (want[k]) state.set(k, want[k]); });
    var q = want.q.toLowerCase();
    pairs.forEach(function (el) {
      var ok = keys.every(function (k) { return k === 'q' || !want[k] || el.dataset[k] === want[k]; });
      if (ok && q) ok = el.textContent.toLowerCase().indexOf(q) >= 0;
      el.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + pairs.length + ' shown';
    if (save) history.replaceState(null, '', state.toString() ? '#' + state.toString() : location.pathname);
  }
  if (location.hash.indexOf('=') > 0) {
    var given = new URLSearchParams(location.hash.slice(1));
    keys.forEach(function (k) { if (given.has(k)) form.elements[k].value = given.get(k); });
  }
  form.addEventListener('input', function () { apply(true); });
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  apply(false);
})();
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _card(key: str, value: str, detail: str) -> str:
    return (f'<div class="card"><div class="k">{esc(key)}</div><div class="v">{esc(value)}</div>'
            f'<div class="d">{esc(detail)}</div></div>')


def _figure(svg: str, title: str, caption: str, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return (f'<figure{cls}><h3>{esc(title)}</h3>'
            f'<figcaption>{esc(caption)}</figcaption>{svg}</figure>')


def _options(name: str, label: str, values: Iterable[str], describe=lambda v: v) -> str:
    opts = "".join(f'<option value="{esc(v)}">{esc(describe(v))}</option>' for v in values)
    return f'<label>{esc(label)}<select name="{esc(name)}"><option value="">all</option>{opts}</select></label>'


def build_report(output_dir: Path, dest: Path, data_docs_href: str | None = None) -> Path:
    """Write the HTML report of the tables under ``output_dir`` to ``dest`` and return it.

    ``data_docs_href``, if given, is linked from the header (e.g. a relative path to
    the Great Expectations Data Docs of the same run).
    """
    t = _load(Path(output_dir))
    docs, rejects, sentences = t["documents"], t["rejects"], t["sentences"]
    claims, pairs, freq = t["claims"], t["contradictions"], t["claim_frequency"]
    dmetrics, cmetrics, runs = t["document_metrics"], t["corpus_metrics"], t["runs"]

    run = runs.sort_values(["finished_at", "run_id"], kind="mergesort").iloc[-1] if len(runs) else None
    overall = cmetrics[cmetrics["subject_norm"] == ALL]
    if run is not None and len(overall) > 1:
        overall = overall[overall["run_id"] == run["run_id"]]
    overall = overall.iloc[0] if len(overall) else None

    parts: list[str] = []
    add = parts.append

    # ---------------------------------------------------------------- header
    meta = []
    if run is not None:
        meta += [f"run <b>{esc(run['run_id'])}</b>",
                 f"finished <b>{esc(pd.Timestamp(run['finished_at']).strftime('%Y-%m-%d %H:%M UTC'))}</b>",
                 f"code <b>{esc(run['code_version'])}</b>",
                 f"extractor <b>{esc(run['extractor_version'])}</b>",
                 f"validation <b>{esc(run['validation_summary'])}</b>"]
    if data_docs_href:
        meta.append(f'<a href="{esc(data_docs_href)}">validation details (Data Docs)</a>')
    add('<header class="top"><h1>Health-claim contradiction report</h1>'
        '<p class="lede">Which health claims the corpus makes, how often, and where documents '
        'contradict themselves or each other — with the sentences to check.</p>'
        f'<div class="meta">{"".join(f"<span>{m}</span>" for m in meta)}</div></header>')

    # ------------------------------------------------------------- headlines
    n_docs = len(docs)
    n_clusters = docs["cluster_id"].nunique()
    reasons = rejects["reason"].value_counts().sort_index()
    reason_text = ", ".join(f"{_words(r)} {n}" for r, n in reasons.items()) or "none"
    if overall is not None:
        share, n_self = float(overall["share_self_contradicting"]), int(overall["n_self_contradicting"])
        base = int(overall["n_documents"])
        cross_rate = float(overall["cross_document_contradiction_rate"])
        cross_n, cross_pairs = (int(overall["n_cross_document_contradictions"]),
                                int(overall["n_cross_document_pairs"]))
    else:   # no corpus_metrics: derive what the tables allow
        n_self, base = int(dmetrics["has_self_contradiction"].sum()), len(dmetrics)
        share = n_self / base if base else float("nan")
        cross = pairs[(pairs["scope"] == "cross_document") & ~pairs["same_cluster"]]
        cross_pairs, cross_n = len(cross), int((cross["verdict"] != "conditional").sum())
        cross_rate = cross_n / cross_pairs if cross_pairs else float("nan")
    n_real_docs = int((dmetrics["n_contradictions"] > 0).sum())
    verdicts = pairs["verdict"].value_counts()
    add('<section><div class="cards">'
        + _card("Documents", _num(n_docs), f"{_num(n_clusters)} independent sources (near-duplicate clusters)")
        + _card("Rejected inputs", _num(len(rejects)), reason_text)
        + _card("Claims", _num(len(claims)), f"{_num(len(freq))} distinct canonical claims")
        + _card("Self-contradicting", _pct(share, 0),
                f"{n_self} of {base} documents (hedged included); {n_real_docs} with an unhedged contradiction")
        + _card("Cross-document rate", _pct(cross_rate, 0),
                f"{_num(cross_n)} of {_num(cross_pairs)} comparable pairs across independent sources conflict")
        + '</div>'
        f'<p class="note-box">{_num(len(pairs))} conflicting comparable pairs: '
        + ", ".join(f"{_num(verdicts.get(v, 0))} {v}" for v in VERDICT_ORDER)
        + '. <i>conditional</i> pairs are explained by different doses, populations or timing; '
          '<i>hedged</i> ones have one side that is only possible or attributed.</p></section>')

    # ---------------------------------------------------------------- claims
    top = freq.sort_values(["n_documents", "n_clusters", "n_mentions", "claim_key"],
                           ascending=[False, False, False, True], kind="mergesort").head(TOP_CLAIMS)
    claim_bars = []
    for r in top.itertuples(index=False):
        label = claim_label(r.subject_norm, r.predicate, r.outcome_norm, r.direction, r.polarity, r.dose_band)
        claim_bars.append(Bar(label, (float(r.n_documents),),
                              f"{r.n_documents} · {r.n_clusters} src",
                              f"{label} — {r.n_documents} documents, {r.n_clusters} independent sources, "
                              f"{r.n_mentions} mentions ({r.claim_key})"))
    add('<section><h2>Claims</h2><p class="sub">The canonical claims (subject, relation, outcome, '
        'dose band) made by the most documents.</p><div class="grid2">'
        + _figure(bar_chart("claim-frequency", "Most frequent claims", claim_bars, series=["documents"],
                            colors=[BAR_COLOR], x_label="documents making the claim", width=WIDE),
                  "Most frequent claims",
                  f"Top {len(claim_bars)} of {len(freq)} by documents; the note gives documents · "
                  "independent sources.", wide=True)
        + '</div></section>')

    # -------------------------------------------------------- contradictions
    vcolors = [VERDICT_COLORS[v] for v in VERDICT_ORDER]
    subj_bars = _verdict_bars(_verdict_counts(pairs, "subject_norm"),
                              lambda d: _words(d["subject_norm"]), TOP_GROUPS)
    outc_bars = _verdict_bars(_verdict_counts(pairs, ["subject_norm", "outcome_norm"]),
                              lambda d: f"{_words(d['subject_norm'])} · {_words(d['outcome_norm'])}", TOP_GROUPS)
    kind_bars = _fixed_verdict_bars(_verdict_counts(pairs, "kind"), {k: _words(k) for k in KINDS})
    scope_group = pairs["scope"].where(pairs["scope"] != "cross_document",
                                       pairs["same_cluster"].map({True: "cross_same", False: "cross_independent"}))
    scope_bars = _fixed_verdict_bars(
        _verdict_counts(pairs.assign(scope_group=scope_group), "scope_group"),
        {"intra_document": "within a document", "cross_independent": "across independent sources",
         "cross_same": "across near-duplicates"})
    scope_note = ", ".join(f"{n} {_words(s)}" for s, n in pairs["scope"].value_counts().sort_index().items())
    add('<section><h2>Contradictions</h2><p class="sub">Conflicting comparable claim pairs (same subject and '
        f'outcome) by verdict — {esc(scope_note) or "none"}. Bars are sorted by contradiction + hedged.</p>'
        '<div class="grid2">'
        + _figure(bar_chart("contradicted-subjects", "Most contradicted subjects", subj_bars,
                            series=VERDICT_ORDER, colors=vcolors, x_label="conflicting pairs"),
                  "Most contradicted subjects", "Pairs within and across documents.")
        + _figure(bar_chart("contradicted-outcomes", "Most contradicted outcomes", outc_bars,
                            series=VERDICT_ORDER, colors=vcolors, x_label="conflicting pairs"),
                  "Most contradicted outcomes", "Subject · outcome (or property axis).")
        + _figure(bar_chart("verdict-by-kind", "Verdict by kind", kind_bars, series=VERDICT_ORDER,
                            colors=vcolors, x_label="conflicting pairs"),
                  "Verdict by kind of conflict",
                  "direction: improves vs worsens; negation: X vs not X; antonym: calming vs "
                  "stimulating; safety: safe vs a harm; dose label / numeric: the same dose or "
                  "quantity described incompatibly.")
        + _figure(bar_chart("verdict-by-scope", "Verdict by scope", scope_bars, series=VERDICT_ORDER,
                            colors=vcolors, x_label="conflicting pairs"),
                  "Verdict by scope",
                  "Pairs across near-duplicates (spun or syndicated copies) are not independent and are "
                  "left out of the cross-document rate.")
        + '</div></section>')

    # ---------------------------------------------------- self-contradiction
    per_doc = docs[["doc_id", "source_path", "url", "main_subject"]].merge(dmetrics, on="doc_id", how="inner")
    per_doc["source"] = [source_group(p, u) for p, u in zip(per_doc["source_path"], per_doc["url"])]
    rate_fmt = lambda v: f"{v * 100:.0f}%"  # noqa: E731
    add('<section><h2>Self-contradiction</h2><p class="sub">Within-document contradictions (verdict '
        '<i>contradiction</i>) per comparable within-document pair, pooled over the documents of each '
        'group; the note gives the rate and the number of documents.</p><div class="grid2">'
        + _figure(bar_chart("self-contradiction-by-source", "Self-contradiction rate by source",
                            _rate_bars(per_doc, "source", TOP_GROUPS), series=["rate"], colors=[RATE_COLOR],
                            x_label="contradictions / comparable pairs", integer=False, fmt=rate_fmt),
                  "By source", "URL host, else the top folder of the input path.")
        + _figure(bar_chart("self-contradiction-by-subject", "Self-contradiction rate by main subject",
                            _rate_bars(per_doc, "main_subject", TOP_GROUPS), series=["rate"],
                            colors=[RATE_COLOR], x_label="contradictions / comparable pairs",
                            integer=False, fmt=rate_fmt),
                  "By main subject", "The subject a document is mainly about.")
        + '</div></section>')

    # ------------------------------------------------------ browsable pairs
    add(_pairs_section(pairs, claims, sentences, docs))

    # ------------------------------------------------------------ documents
    add(_documents_section(docs, dmetrics, per_doc))
    add(_rejects_section(rejects))
    add('<footer>Generated from the published Parquet tables by pipeline.report; '
        'self-contained (no network access needed).</footer>')

    csp = (f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(JS)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>Health-claim contradiction report</title>'
            f'<style>{CSS}</style></head><body><main>' + "\n".join(parts)
            + f'</main><script>{JS}</script></body></html>\n')
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(dest)
    return dest


def _pairs_section(pairs: pd.DataFrame, claims: pd.DataFrame, sentences: pd.DataFrame,
                   docs: pd.DataFrame) -> str:
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    ranked = pairs.assign(_v=pairs["verdict"].map(order).fillna(len(order)),
                          _s=(pairs["scope"] != "intra_document").astype(int))
    ranked = ranked.sort_values(["_v", "_s", "subject_norm", "outcome_norm", "kind", "pair_id"],
                                kind="mergesort")
    shown = ranked.head(MAX_PAIRS)
    texts = dict(zip(docs["doc_id"], docs["text"]))
    titles = {d: _text(t) or _text(p) for d, t, p in zip(docs["doc_id"], docs["title"], docs["source_path"])}
    where = {d: (_text(u) or _text(p) + (f" ({r})" if _text(r) else ""))
             for d, u, p, r in zip(docs["doc_id"], docs["url"], docs["source_path"], docs["record"])}
    needed = set(shown["claim_id_a"]) | set(shown["claim_id_b"])
    # plain dicts: per-row .loc lookups would dominate the run time
    c = {r["claim_id"]: r for r in claims[claims["claim_id"].isin(needed)].to_dict("records")}
    wanted = sentences[sentences["sentence_id"].isin({r["sentence_id"] for r in c.values()})]
    s = {sid: (int(a), int(b)) for sid, a, b in zip(wanted["sentence_id"], wanted["char_start"], wanted["char_end"])}

    def locate(cid: str):
        """(doc, sentence span, claim span) of a claim, or None when it is missing."""
        cl = c.get(cid)
        if cl is None:
            return None
        m = (int(cl["char_start"]), int(cl["char_end"]))
        return cl["doc_id"], s.get(cl["sentence_id"], m), m

    def source(doc: str, tags: str) -> str:
        return (f'<div class="src">{tags}<a href="#doc-{esc(doc)}">{esc(titles.get(doc, doc))}</a>'
                f' — {esc(where.get(doc, ""))}</div>')

    def attrs(cid: str, prefix: str = "") -> str:
        cl = c[cid]
        items = [_words(cl["predicate"]), _text(cl["polarity"]), _text(cl["modality"]),
                 f"by {_words(cl['attribution'])}"]
        if _text(cl["condition"]):
            items.append(f"if: {_text(cl['condition'])}")
        return (f'<div class="attrs">{prefix}{"".join(f"<span>{esc(a)}</span>" for a in items)}</div>')

    def passage(doc: str, window, sents, marks) -> str:
        text = texts.get(doc, "")
        w0, w1, cut0, cut1 = window
        return ('<blockquote class="ctx">' + ("…" if cut0 else "") + highlight(text, (w0, w1), sents, marks)
                + ("…" if cut1 else "") + "</blockquote>")

    def tag(t: str) -> str:
        return f'<span class="tag {t}">{t.upper()}</span>'

    def sides(cid_a: str, cid_b: str) -> str:
        """Both claims in context: side by side, or one passage when they share a paragraph."""
        la, lb = locate(cid_a), locate(cid_b)
        for loc, cid in ((la, cid_a), (lb, cid_b)):
            if loc is None or not texts.get(loc[0]):
                return f'<div class="sides"><div class="side">claim {esc(cid)}: no text found</div></div>'
        wa, wb = (_paragraph_window(texts[la[0]], *la[1]), _paragraph_window(texts[lb[0]], *lb[1]))
        marks = [(*la[2], "hl-a"), (*lb[2], "hl-b")]
        if la[0] == lb[0] and wa[0] < wb[1] and wb[0] < wa[1]:   # one passage holds both claims
            first, last = min(wa, wb, key=lambda w: w[0]), max(wa, wb, key=lambda w: w[1])
            window = (first[0], last[1], first[2], last[3])
            return (f'<div class="sides one"><div class="side ab">{source(la[0], tag("a") + tag("b"))}'
                    f'{passage(la[0], window, [la[1], lb[1]], marks)}'
                    f'{attrs(cid_a, tag("a"))}{attrs(cid_b, tag("b"))}</div></div>')
        out = []
        for t, loc, window, cid in (("a", la, wa, cid_a), ("b", lb, wb, cid_b)):
            same_doc = [m for m in marks if la[0] == lb[0] or m[2] == f"hl-{t}"]
            out.append(f'<div class="side {t}">{source(loc[0], tag(t))}'
                       f'{passage(loc[0], window, [loc[1]], same_doc)}{attrs(cid)}</div>')
        return f'<div class="sides">{"".join(out)}</div>'

    items = []
    for p in shown.itertuples(index=False):
        scope = _text(p.scope)
        badges = [f'<span class="badge {esc(p.verdict)}">{esc(p.verdict)}</span>',
                  f'<span class="badge">{esc(_words(p.kind))}</span>',
                  f'<span class="badge">{esc(_words(scope))}</span>']
        if bool(p.same_cluster) and scope == "cross_document":
            badges.append('<span class="badge">same cluster</span>')
        sep = _text(p.separating_condition)
        if sep:
            badges.append(f'<span class="badge">separated by {esc(_words(sep))}</span>')
        items.append(
            f'<article class="pair v-{esc(p.verdict)}" id="pair-{esc(p.pair_id)}" data-verdict="{esc(p.verdict)}" '
            f'data-kind="{esc(p.kind)}" data-scope="{esc(scope)}" data-subject="{esc(p.subject_norm)}">'
            f'<div class="head">{"".join(badges)}<span class="topic">{esc(_words(p.subject_norm))} · '
            f'{esc(_words(p.outcome_norm))}</span><span class="pid">{esc(p.pair_id)}</span></div>'
            f'{sides(p.claim_id_a, p.claim_id_b)}'
            f'<p class="expl"><b>Why:</b> {esc(p.explanation)}</p></article>')

    present = lambda col, universe=None: [v for v in (universe or sorted(pairs[col].dropna().unique()))  # noqa: E731
                                          if v in set(pairs[col])]
    capped = (f'<p class="note-box">Showing the first {_num(len(shown))} of {_num(len(pairs))} pairs '
              '(contradictions first); query the contradictions table for the rest.</p>'
              if len(shown) < len(pairs) else "")
    filters = ('<form id="pair-filters" class="filters">'
               + _options("verdict", "Verdict", present("verdict", list(VERDICT_ORDER)))
               + _options("kind", "Kind", present("kind", list(KINDS)), _words)
               + _options("scope", "Scope", present("scope", ["intra_document", "cross_document"]), _words)
               + _options("subject", "Subject", present("subject_norm"), _words)
               + '<label>Text<input name="q" type="search" placeholder="word in the sentences"></label>'
               + f'<span class="count" id="pair-count">{_num(len(shown))} shown</span></form>')
    body = "\n".join(items) if items else '<p class="note-box">No contradictions in these tables.</p>'
    return ('<section id="contradictions"><h2>Browse contradictions</h2><p class="sub">Each pair with both '
            'sentences in their paragraph; the claim spans are highlighted '
            '(<mark class="hl-a">A</mark> and <mark class="hl-b">B</mark>).</p>'
            f'{filters}{capped}<div id="pairs">{body}</div></section>')


def _documents_section(docs: pd.DataFrame, dmetrics: pd.DataFrame, per_doc: pd.DataFrame) -> str:
    d = per_doc.merge(docs[["doc_id", "title", "record", "is_cluster_representative"]], on="doc_id")
    d = d.sort_values(["self_contradiction_rate", "n_contradictions", "doc_id"],
                      ascending=[False, False, True], kind="mergesort")
    rows = []
    for r in d.head(MAX_DOCUMENTS).itertuples(index=False):
        where = _text(r.url) or (_text(r.source_path) + (f" ({r.record})" if _text(r.record) else ""))
        dup = "" if r.is_cluster_representative else ' <span class="badge">near-duplicate</span>'
        rows.append(
            f'<tr id="doc-{esc(r.doc_id)}"><td>{esc(_text(r.title) or r.source_path)}{dup}'
            f'<div class="small">{esc(where)} · {esc(r.doc_id)}</div></td>'
            f'<td>{esc(_words(r.main_subject))}</td><td class="n">{_num(r.n_claims)}</td>'
            f'<td class="n">{_num(r.n_comparable_pairs)}</td><td class="n">{_num(r.n_contradictions)}</td>'
            f'<td class="n">{_num(r.n_hedged)}</td><td class="n">{_num(r.n_conditional)}</td>'
            f'<td class="n">{_pct(float(r.self_contradiction_rate), 0)}</td></tr>')
    more = (f'<p class="note-box">First {MAX_DOCUMENTS} of {_num(len(d))} documents.</p>'
            if len(d) > MAX_DOCUMENTS else "")
    return ('<section id="documents"><h2>Documents</h2><p class="sub">Within-document pairs by verdict; the rate '
            'is contradictions / comparable pairs.</p><table class="data"><thead><tr><th>Document</th>'
            '<th>Main subject</th><th class="n">Claims</th><th class="n">Comparable pairs</th>'
            '<th class="n">Contradictions</th><th class="n">Hedged</th><th class="n">Conditional</th>'
            f'<th class="n">Rate</th></tr></thead><tbody>{"".join(rows)}</tbody></table>{more}</section>')


def _rejects_section(rejects: pd.DataFrame) -> str:
    if not len(rejects):
        return ""
    r = rejects.sort_values(["reason", "source_path", "record"], kind="mergesort")
    rows = "".join(f'<tr><td>{esc(x.source_path)}{(" (" + esc(x.record) + ")") if _text(x.record) else ""}</td>'
                   f'<td>{esc(_words(x.reason))}</td><td>{esc(x.detail)}</td>'
                   f'<td class="n">{_num(x.size_bytes)}</td></tr>' for x in r.itertuples(index=False))
    return ('<section id="rejects"><h2>Rejected inputs</h2><p class="sub">Inputs that did not become '
            'documents, with the reason.</p><table class="data"><thead><tr><th>Input</th><th>Reason</th>'
            f'<th>Detail</th><th class="n">Bytes</th></tr></thead><tbody>{rows}</tbody></table></section>')
