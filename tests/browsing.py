"""What every browser test uses: Debian's headless Chromium driven by
Playwright for Python (`executable_path` set, so nothing downloads a
browser), a real gunicorn serving the bundled corpus, pages that fail their
test on any console error, uncaught exception or CSP violation, and
screenshots in test-artifacts/screenshots/. Loaded as a plugin by conftest.py;
a browser test module sets `pytestmark = BROWSER_TESTS`."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from servers import running_server

from indexer.build.store import IndexStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000

BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpus_items):
    root = tmp_path_factory.mktemp("browser")
    IndexStore(root / "index").build(corpus_items)
    with running_server(root / "index", root / "gunicorn.log", env={"NEWSEARCH_RATELIMIT_ENABLED": "false"}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        yield browser
        browser.close()
    finally:
        playwright.stop()


# Listens before any page script runs, so a blocked script, style or image is
# reported even if Chromium's console wording changes.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation(location.href + ": " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def browser_problems() -> list[str]:
    """Console errors, uncaught exceptions and CSP violations of this test's pages."""
    return []


@pytest.fixture
def open_page(browser, browser_problems):
    """Opens pages in fresh contexts; on teardown, fails the test if any of
    them logged a console error, threw, or violated the CSP."""
    contexts = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.expose_function("reportCspViolation", lambda text: browser_problems.append(f"CSP violation: {text}"))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                browser_problems.append(f"console error: {msg.text} at {msg.location['url']}")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda err: browser_problems.append(f"page error: {err}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert browser_problems == []


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


def url_query(page: Page) -> dict[str, list[str]]:
    """The page URL's query, without the empty fields a submitted form adds."""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)


def api(base: str, path: str, **params) -> dict:
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base}{path}{'?' + query if query else ''}", timeout=10) as response:
        return json.loads(response.read())


def screenshot(page: Page, scenario: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{scenario}.png", full_page=True)
