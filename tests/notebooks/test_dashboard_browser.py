"""The index.html dashboard of a demo run, opened in headless Chromium: it loads without
console errors, its links resolve to files of the run, and a screenshot is produced."""

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
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="headless Chromium not found at /usr/bin/chromium "
        "(Debian: apt-get update && apt-get install -y chromium)",
    ),
]


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on ``url`` with console messages logged to stderr."""
    args = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, url,
    ]
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    """Chromium logs every page console message (log, warning, error, uncaught exception)
    as a line holding ``:CONSOLE``."""
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
    assert "DEMO DATA" in dom and 'id="demo-banner"' in dom
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
    result = chromium((run_dir / "index.html").as_uri(), tmp_path / "profile",
                      f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars")
    assert shot.is_file(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    from PIL import Image

    with Image.open(shot) as img:
        assert img.size == (1280, 1600)
        # not a blank page: the red DEMO banner is there
        colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
        assert any(r > 150 and g < 40 and b < 60 for _, (r, g, b) in colours)
