"""What the search page tells the search log, in a real headless Chromium:
the search a reader settles on after typing in place (not the words on
the way there), and the rank of the result they open."""

from __future__ import annotations

import time

import pytest
from browsing import BROWSER_TESTS
from playwright.sync_api import expect
from servers import running_server

from indexer.build.store import IndexStore
from webapp.searchlog import SQLiteLog

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory, corpus_items):
    root = tmp_path_factory.mktemp("usage")
    IndexStore(root / "index").build(corpus_items)
    log_file = root / "searchlog.sqlite3"
    env = {"NEWSEARCH_RATELIMIT_ENABLED": "false", "NEWSEARCH_SEARCH_LOG_STORAGE_URI": f"sqlite://{log_file}"}
    with running_server(root / "index", root / "gunicorn.log", env=env) as base:
        yield base, SQLiteLog(log_file, 30)


def logged_after(log: SQLiteLog, since: float, count: int, kind: str = "searches") -> list:
    """The entries since `since` once `count` have arrived (the workers write
    what they are given every half second)."""
    deadline = time.monotonic() + 10
    while True:
        entries = list(getattr(log, kind)(since))
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.2)


def test_typing_in_place_logs_the_settled_search_and_the_opened_result(logged_server, page):
    base, log = logged_server
    start = time.time()
    page.goto(base + "/")
    box = page.get_by_role("combobox", name="Search")
    box.press_sequentially("wildlife", delay=350)  # slow enough to refresh on the way
    page.keyboard.press("Escape")
    expect(page.locator("#result-count")).to_contain_text("for “wildlife”")
    hit = page.locator("li.hit h2 a").nth(1)
    title = hit.get_attribute("data-id")
    hit.click()
    page.wait_for_url("**/items/**")
    searches = logged_after(log, start, 2)
    assert [(s.q, s.via) for s in searches] == [("", "page"), ("wildlife", "page")]
    (click,) = logged_after(log, start, 1, "clicks")
    assert (click.q, click.rank, click.item_id) == ("wildlife", 2, title)
