"""One way to drive a real browser in the tests: Debian's Chromium through Playwright, plus axe-core.

Never `playwright install`: the browser is /usr/bin/chromium from `apt-get install chromium`
(scripts/install_system.sh). axe-core is the copy bundled in axe-playwright-python (from npm's axe-core).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

from tests.helpers import ROOT

CHROMIUM = Path(os.environ.get("ICM_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = ROOT / "reports" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_missing_reason() -> str:
    """Empty when the browser is there; otherwise the sentence that says what to do."""
    if CHROMIUM.exists():
        return ""
    return (
        f"{CHROMIUM} is missing: run `make install` (it runs `apt-get install chromium`) or set ICM_CHROMIUM."
    )


def launch_browser() -> Iterator:
    """Yield a headless Chromium browser (Playwright sync API); closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def blocking_axe_violations(page) -> List[str]:
    """Run axe-core in the page; return one line per serious or critical violation (empty = pass)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])]
            lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return lines


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot (whole page, or the viewport) under reports/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
