"""The HTML report of the demo corpus rendered by a real browser (headless Chromium):
the charts and contradiction rows are in the DOM, the inline filter script runs under
the page's Content-Security-Policy, and the screenshot is a real page, not a blank one."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.report import build_report

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("claim-frequency", "contradicted-subjects", "contradicted-outcomes", "verdict-by-kind",
          "verdict-by-scope", "self-contradiction-by-source", "self-contradiction-by-subject")


def chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--no-first-run",
           f"--user-data-dir={profile}", "--window-size=1280,2000", *args, url]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def demo_report(request, tmp_path_factory) -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install the Debian package 'chromium' to render the report")
    output = request.getfixturevalue("demo_output")   # the demo corpus through the real flow
    return build_report(output, tmp_path_factory.mktemp("report") / "report.html")


def test_dom_has_charts_and_contradictions(demo_report, tmp_path):
    dom = chromium(tmp_path, demo_report.as_uri(), "--dump-dom").stdout
    for chart in CHARTS:
        assert re.search(rf'<svg[^>]*data-chart="{chart}"', dom), chart
    rows = re.findall(r'<article class="pair v-(\w+)"', dom)
    assert "contradiction" in rows
    assert '<mark class="hl-a' in dom and '<mark class="hl-b' in dom
    # the inline script ran (allowed by its hash) and counted the rows
    assert re.search(rf'id="pair-count">{len(rows)} of {len(rows)} shown<', dom)


def test_filter_from_url_fragment(demo_report, tmp_path):
    dom = chromium(tmp_path, demo_report.as_uri() + "#verdict=conditional", "--dump-dom").stdout
    visible = re.findall(r'<article class="pair v-(\w+)"(?![^>]*\bhidden)[^>]*>', dom)
    assert visible and set(visible) == {"conditional"}
    assert len(re.findall(r"<article[^>]*\bhidden", dom)) > 0


def test_screenshot_is_a_real_page(demo_report, tmp_path):
    png = tmp_path / "report.png"
    chromium(tmp_path, demo_report.as_uri(), f"--screenshot={png}")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000, f"screenshot only {len(data)} bytes: blank page?"
