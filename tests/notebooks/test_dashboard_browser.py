"""The index.html dashboard of a demo run, opened in headless Chromium.

It loads without console errors, its links resolve to files of the run, and a screenshot is
produced. The run uses the default language, so the dashboard is Dutch: its labels are Dutch and
sorting and filtering still work.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _demo_run import DEMO_AUTHORITIES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.notebooks,  # runs the demo report suite first (the end-to-end tier)
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="headless Chromium not found at /usr/bin/chromium "
        "(Debian: apt-get update && apt-get install -y chromium)",
    ),
]


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on ``url`` with console messages logged to stderr."""
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        url,
    ]
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    """Chromium logs every page console message as a line holding ``:CONSOLE``.

    Every message: log, warning, error, uncaught exception.
    """
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)


@pytest.fixture
def run_dir(demo_report_run) -> Path:
    out, status = demo_report_run
    assert status == 0
    return out


def test_console_check_catches_a_broken_page(tmp_path):
    """Negative control: the same check fails on a page with a script error."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('bad'); nope();</script>")
    result = chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")
    messages = console_messages(result.stderr)
    assert any("bad" in m for m in messages) and any("nope" in m for m in messages)


def test_dashboard_loads_without_console_errors(run_dir, tmp_path):
    result = chromium((run_dir / "index.html").as_uri(), tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    dom = result.stdout
    assert "DEMOGEGEVENS" in dom and 'id="demo-banner"' in dom
    assert '<html lang="nl">' in dom
    for code in DEMO_AUTHORITIES:
        assert f'href="authorities/{code}.html"' in dom
    for section in ("authorities", "reports", "parameters", "provenance", "software"):
        assert f'id="{section}"' in dom


def test_dashboard_links_resolve_to_files_of_the_run(run_dir):
    parser = _Links()
    parser.feed((run_dir / "index.html").read_text(encoding="utf-8"))
    local = []
    for link in parser.links:
        parts = urlsplit(link)
        if parts.scheme in ("data", "mailto"):
            continue
        assert not parts.scheme and not parts.netloc, f"external link in a static dashboard: {link}"
        if not parts.path:
            continue  # in-page anchor
        target = (run_dir / unquote(parts.path)).resolve()
        assert target.is_file(), f"broken link {link}"
        assert run_dir.resolve() in target.parents, f"link leaves the run folder: {link}"
        local.append(target)
    # every report (html and ipynb) of the run is linked
    expected = {p.resolve() for p in run_dir.rglob("*.html") if p.name != "index.html"}
    expected |= {p.resolve() for p in run_dir.rglob("*.ipynb")}
    assert expected and expected <= set(local)


def test_dashboard_screenshot_is_produced(run_dir, tmp_path):
    shot = tmp_path / "dashboard.png"
    result = chromium(
        (run_dir / "index.html").as_uri(),
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,1600",
        "--hide-scrollbars",
    )
    assert shot.is_file(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    from PIL import Image

    with Image.open(shot) as img:
        assert img.size == (1280, 1600)
        # not a blank page: the red DEMO banner is there
        colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
        assert any(r > 150 and g < 40 and b < 60 for _, (r, g, b) in colours)


# ----------------------------------------------------------------------------- interaction
# Headless Chromium cannot be clicked from the command line, so the checks run as a script
# appended to a copy of the page (in the same folder, so relative links still resolve); the
# script writes its findings as JSON into the DOM, which --dump-dom returns.

PROBE = """
<script>
window.addEventListener("load", function () {
  var out = {};
  var ids = function () {
    return Array.prototype.filter.call(document.querySelectorAll("#authority-table tbody tr"),
      function (r) { return !r.hidden; }).map(function (r) { return r.cells[0].getAttribute("data-value"); });
  };
  var head = document.querySelectorAll("#authority-table th")[2];  // Count
  out.before = ids();
  head.click();
  out.ascending = ids();
  head.click();
  out.descending = ids();
  var only = document.getElementById("eligible-only");
  only.click();
  out.eligibleOnly = ids();
  only.click();
  var filter = document.getElementById("authority-filter");
  filter.value = FILTER_TEXT;
  filter.dispatchEvent(new Event("input"));
  out.filtered = ids();
  out.counter = document.getElementById("authority-count").textContent;
  out.headers = Array.prototype.map.call(document.querySelectorAll("#authority-table th"),
    function (th) { return th.textContent.trim(); });
  out.eligibleCells = Array.prototype.map.call(
    document.querySelectorAll("#authority-table tbody tr td:nth-child(5)"),
    function (td) { return td.textContent.trim(); });
  out.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; });
  out.mapLinks = Array.prototype.map.call(document.querySelectorAll("#flanders-map a"),
    function (a) { return a.getAttribute("href"); });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""

CLICK_MAP = """
<script>
window.addEventListener("load", function () {
  var link = document.querySelector('#flanders-map a[href="HREF"] path');
  link.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, view: window}));
});
</script>
"""

OFFLINE = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--virtual-time-budget=5000",
)
"""Network off: no name resolves and every connection would go to a closed port."""


def _probe(run_dir: Path, tmp_path: Path, page: str, script: str) -> subprocess.CompletedProcess:
    html = (run_dir / page).read_text(encoding="utf-8").replace("</body>", script + "</body>")
    copy = run_dir / f"_probe_{Path(page).name}"
    copy.write_text(html, encoding="utf-8")
    try:
        return chromium(copy.as_uri(), tmp_path / "profile", "--dump-dom", *OFFLINE)
    finally:
        copy.unlink()


def _probe_result(result: subprocess.CompletedProcess) -> dict:
    import json
    import re

    found = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, flags=re.S)
    assert found, result.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_table_sorts_and_filters_offline(run_dir, tmp_path):
    import json

    from samenleven_analysis.reports import context as reporting

    script = PROBE.replace("FILTER_TEXT", json.dumps(DEMO_AUTHORITIES[0]))
    found = _probe_result(_probe(run_dir, tmp_path, "index.html", script))
    # the expected orders come from the data, not from the page
    counts = {}
    for row in reporting.authority_table(
        reporting.data_context(2025, demo=True), year=2022
    ).itertuples():
        counts[str(row.applicant)] = row.count
    shown = [c for c in found["before"] if c in counts]
    assert len(shown) == len(found["before"]) > 10
    # ascending / descending by count; suppressed counts (no sort key) sort last both ways
    visible = [c for c in found["ascending"] if counts[c] >= 50]
    assert [counts[c] for c in visible] == sorted(counts[c] for c in visible)
    visible = [c for c in found["descending"] if counts[c] >= 50]
    assert [counts[c] for c in visible] == sorted((counts[c] for c in visible), reverse=True)
    assert found["descending"][0] == max(counts, key=counts.get)
    assert set(found["eligibleOnly"]) == {c for c in counts if counts[c] > 7500}
    assert DEMO_AUTHORITIES[0] in found["filtered"] and len(found["filtered"]) < len(
        found["before"]
    )
    assert found["counter"] == f"{len(found['filtered'])} getoond"
    # labels in Dutch
    assert found["headers"][:6] == [
        "Bestuur",
        "Naam",
        "Aantal",
        "Aandeel",
        "In aanmerking",
        "Marge",
    ]
    assert set(found["eligibleCells"]) == {"ja", "nee"}
    # nothing fetched from outside the run folder
    assert all(r.startswith(("file://", "data:")) for r in found["resources"]), found["resources"]
    assert f"authorities/{DEMO_AUTHORITIES[0]}.html" in found["mapLinks"]


def test_a_click_on_the_map_opens_the_report(run_dir, tmp_path):
    href = f"authorities/{DEMO_AUTHORITIES[0]}.html"
    result = _probe(run_dir, tmp_path, "index.html", CLICK_MAP.replace("HREF", href))
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Rapport lokaal bestuur" in dom and 'id="flanders-map"' not in dom
    assert console_messages(result.stderr) == []


def test_reports_render_offline_and_fetch_nothing(run_dir, tmp_path):
    """Item 6: no CDN script in any page; a report renders with the network off."""
    import re

    pages = sorted(run_dir.rglob("*.html"))
    assert len(pages) >= 1 + len(DEMO_AUTHORITIES)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.findall(
            r"<(?:script|link|img|iframe)[^>]+(?:src|href)=[\"']?(?:https?:)?//", html
        ), page.name
        assert "cdnjs.cloudflare.com" not in html and "MathJax.Hub" not in html, page.name
    probe = """<script>window.addEventListener("load", function () {
      var pre = document.createElement("pre"); pre.id = "probe";
      pre.textContent = JSON.stringify({resources: performance.getEntriesByType("resource").map(
        function (e) { return e.name; }), images: document.images.length,
        broken: Array.prototype.filter.call(document.images, function (i) { return !i.naturalWidth; }).length});
      document.body.appendChild(pre); });</script>"""
    result = _probe(run_dir, tmp_path, f"authorities/{DEMO_AUTHORITIES[0]}.html", probe)
    found = _probe_result(result)
    assert all(r.startswith(("file://", "data:")) for r in found["resources"]), found["resources"]
    assert found["images"] >= 4 and found["broken"] == 0
    assert console_messages(result.stderr) == []
