"""The search page in a real headless Chromium, as a person uses it.

Debian's `chromium` is driven by Playwright for Python with `executable_path`
set, so nothing downloads a browser. The app runs under a real gunicorn on
127.0.0.1. Each scenario asserts on what a person sees (roles, labels, text)
against what the JSON API says, and saves a screenshot to
test-artifacts/screenshots/<scenario>.png. Every wait is Playwright's
auto-waiting `expect` with a timeout; nothing sleeps.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import urllib.parse
import urllib.request

import pytest
from browsing import BROWSER_TESTS, TIMEOUT_MS, api, screenshot, url_query
from playwright.sync_api import Page, expect

pytestmark = BROWSER_TESTS


TAG_GROUPS = [
    ("Themes:", "themes"),
    ("Programmes:", "programmes"),
    ("Countries:", "countries"),
    ("Regions:", "regions"),
    ("Organisations:", "organisations"),
]


def count_text(total: int, q: str = "", page: int = 1, pages: int = 1) -> str:
    """What the result count says, as search.html words it."""
    text = f"{total} item{'s' if total != 1 else ''}" if total else "No items found"
    if q:
        text += f" for “{q}”"
    if total and pages > 1:
        text += f", page {page} of {pages}"
    return text


def human_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def search_box(page: Page):
    """A searchbox, made a combobox of suggestions by JavaScript."""
    return page.get_by_label("Search the news")


def result_count(page: Page):
    return page.get_by_role("status")


def results(page: Page):
    return page.get_by_role("region", name="Results")


def hit_titles(page: Page):
    return results(page).get_by_role("heading", level=2)


def active_filters(page: Page):
    return page.get_by_role("list", name="Active filters")


def facet_button(page: Page, facet: str, label: str):
    # A facet value's accessible name is "<label> <count>"; the box is aria-hidden.
    return page.get_by_role("navigation", name=facet).get_by_role(
        "button", name=re.compile(rf"^{re.escape(label)} \d+$")
    )


def chip(page: Page, facet: str, label: str):
    return active_filters(page).get_by_role("link", name=f"Remove filter {facet}: {label}")


def facet_buttons(page: Page, facet: str):
    return page.get_by_role("navigation", name=facet).get_by_role("button")


def expect_facet_rows(page: Page, facet: str, rows: list[dict]) -> None:
    """The values a facet shows before "Show N more", as its buttons name them."""
    buttons = facet_buttons(page, facet)
    for i, row in enumerate(rows[:8]):
        expect(buttons.nth(i)).to_be_visible()
        expect(buttons.nth(i)).to_have_accessible_name(f"{row['label']} {row['count']}")
        expect(buttons.nth(i)).to_have_attribute("aria-pressed", "true" if row["selected"] else "false")


def expect_results(page: Page, expected: dict, q: str = "") -> None:
    expect(result_count(page)).to_have_text(count_text(expected["total"], q, expected["page"], expected["pages"]))
    expect(hit_titles(page)).to_have_text([hit["title"] for hit in expected["results"]])


def date_text(item: dict) -> str:
    start, end = human_date(item["date_start"]), human_date(item["date_end"])
    return start if item["date_start"] == item["date_end"] else f"{start} – {end}"


def expect_focus_visible(page: Page) -> None:
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style != "none", "the focused element has no visible outline"


def histogram(page: Page):
    return page.get_by_role("figure", name="Matching items by month")


def histogram_bars(page: Page):
    # Each bar is an SVG link labelled "YYYY-MM: N items". Found by tag, not
    # role, while role="listitem" hides that they are links (pinned by
    # test_histogram_bars_are_links_to_assistive_technology).
    return histogram(page).locator("a")


def bar_label(month: str, count: int) -> str:
    return f"{month}: {count} item{'s' if count != 1 else ''}"


def test_typing_a_query_and_pressing_enter_shows_highlighted_results(server, page):
    expected = api(server, "/api/search", q="wildlife")
    page.goto(server + "/")
    search_box(page).press_sequentially("wildlife")
    with page.expect_navigation():  # a real form submission, not a search-as-you-type refresh
        search_box(page).press("Enter")

    expect(result_count(page)).to_have_text(count_text(expected["total"], "wildlife"))
    assert url_query(page) == {"q": ["wildlife"]}  # nothing at its default
    expect(hit_titles(page)).to_have_text([hit["title"] for hit in expected["results"]])
    expect(hit_titles(page).first).to_contain_text("wildlife", ignore_case=True)
    mark = results(page).locator("mark").first
    expect(mark).to_be_visible()
    expect(mark).to_have_text(re.compile("^wildlife$", re.IGNORECASE))
    expect(mark).to_have_css("background-color", "rgb(255, 241, 168)")
    expect(search_box(page)).to_have_value("wildlife")
    screenshot(page, "01-query")


def test_search_as_you_type_updates_results_and_url_after_a_pause(server, page):
    expected = api(server, "/api/search", q="wildlife")
    page.goto(server + "/")
    page.evaluate("window.__samePage = true")
    # Slower than the 300 ms debounce, so refreshes for "w", "wi", … start and
    # are superseded on the way.
    search_box(page).press_sequentially("wildlife", delay=350)

    expect(page).to_have_url(re.compile(r"/\?q=wildlife$"))
    expect(result_count(page)).to_have_text(count_text(expected["total"], "wildlife"))
    expect(hit_titles(page)).to_have_text([hit["title"] for hit in expected["results"]])
    expect(results(page).locator("mark").first).to_be_visible()
    expect(page).to_have_title("wildlife · EU–UNODC news search")
    assert page.evaluate("window.__samePage") is True, "the page was reloaded instead of updated"
    expect(search_box(page)).to_be_focused()
    screenshot(page, "02-search-as-you-type")


def test_search_as_you_type_updates_the_live_region_in_place(server, page):
    browse = api(server, "/api/search")
    expected = api(server, "/api/search", q="wildlife")
    page.goto(server + "/")
    expect(result_count(page)).to_have_text(count_text(browse["total"], pages=browse["pages"]))
    expect(result_count(page)).to_have_attribute("aria-live", "polite")
    # A screen reader announces a live region's changed text, not a new node
    # put in its place; keep a handle on the node to tell the two apart.
    page.evaluate("window.__liveRegion = document.getElementById('result-count')")
    search_box(page).press_sequentially("wildlife")

    expect(result_count(page)).to_have_text(count_text(expected["total"], "wildlife"))
    expect(hit_titles(page)).to_have_text([hit["title"] for hit in expected["results"]])
    assert page.evaluate(
        "window.__liveRegion.isConnected && window.__liveRegion === document.getElementById('result-count')"
    ), "the result count was replaced instead of updated"
    screenshot(page, "02b-live-region")


def test_picking_and_removing_facet_values(server, page):
    unfiltered = api(server, "/api/search", q="wildlife")
    belgium = api(server, "/api/search", q="wildlife", country="BEL")
    both = api(server, "/api/search", q="wildlife", country=["BEL", "TUN"])
    page.goto(server + "/?q=wildlife")
    expect(active_filters(page)).to_have_count(0)

    facet_button(page, "Country", "Belgium").click()
    expect(chip(page, "country", "Belgium")).to_have_text("Belgium ×")
    assert url_query(page) == {"q": ["wildlife"], "country": ["BEL"]}
    expect_results(page, belgium, "wildlife")
    expect(facet_button(page, "Country", "Belgium")).to_have_attribute("aria-pressed", "true")
    # Counts within a facet leave out its own filter, so Belgium's siblings
    # stay, with what picking each of them too would add.
    expect_facet_rows(page, "Country", belgium["facets"]["country"])
    screenshot(page, "03-facets")

    chip(page, "country", "Belgium").click()
    expect(active_filters(page)).to_have_count(0)
    assert url_query(page) == {"q": ["wildlife"]}
    expect_results(page, unfiltered, "wildlife")
    expect(facet_button(page, "Country", "Belgium")).to_have_attribute("aria-pressed", "false")

    facet_button(page, "Country", "Belgium").click()
    expect(chip(page, "country", "Belgium")).to_be_visible()
    facet_button(page, "Country", "Tunisia").click()
    expect(chip(page, "country", "Tunisia")).to_have_text("Tunisia ×")
    expect(chip(page, "country", "Belgium")).to_be_visible()
    assert url_query(page) == {"q": ["wildlife"], "country": ["BEL", "TUN"]}
    expect_results(page, both, "wildlife")
    expect_facet_rows(page, "Country", both["facets"]["country"])

    active_filters(page).get_by_role("link", name="Clear all filters").click()
    expect(active_filters(page)).to_have_count(0)
    assert url_query(page) == {"q": ["wildlife"]}
    expect_results(page, unfiltered, "wildlife")


def test_paging_through_all_news(server, page):
    first = api(server, "/api/search")
    second = api(server, "/api/search", page=2)
    assert first["pages"] > 1
    page.goto(server + "/")
    pages = page.get_by_role("navigation", name="Pages")
    expect_results(page, first)
    numbers = [str(n) for n in range(1, first["pages"] + 1) if n in (1, first["pages"]) or n <= 3]
    expect(pages.get_by_role("listitem").get_by_role("link")).to_have_text(numbers)
    expect(pages.locator("[aria-current=page]")).to_have_accessible_name("Page 1, this page")
    expect(pages.get_by_role("link", name="← Previous")).to_have_count(0)

    pages.get_by_role("link", name="Next →").click()
    expect(result_count(page)).to_contain_text(f"page 2 of {first['pages']}")
    expect_results(page, second)
    assert url_query(page) == {"page": ["2"]}
    assert not {hit["id"] for hit in first["results"]} & {hit["id"] for hit in second["results"]}
    screenshot(page, "04-paging")

    pages.get_by_role("link", name="← Previous").click()
    expect_results(page, first)
    assert url_query(page) == {}

    pages.get_by_role("link", name=f"Page {first['pages']}", exact=True).click()
    expect(pages.locator("[aria-current=page]")).to_have_text(str(first["pages"]))
    assert url_query(page) == {"page": [str(first["pages"])]}


def test_previous_from_page_2_links_to_the_first_page_itself(server, page):
    page.goto(server + "/?page=2")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="← Previous").click()
    expect(page).to_have_url(server + "/", timeout=2_000)


def test_opening_an_item_from_the_results(server, page):
    hit = api(server, "/api/search", q="wildlife")["results"][0]
    item = api(server, f"/api/items/{hit['id']}")
    country = item["countries"][0]
    by_country = api(server, "/api/search", country=country["code"])
    page.goto(server + "/?q=wildlife")
    hit_titles(page).first.get_by_role("link").click()

    # The link carries the search, for "Back to results".
    expect(page).to_have_url(f"{server}/items/{hit['id']}?q=wildlife")
    expect(page).to_have_title(f"{item['title']} · EU–UNODC news search")
    article = page.get_by_role("article")
    expect(page.get_by_role("heading", level=1)).to_have_text(item["title"])
    expect(article).to_contain_text(date_text(item))
    expect(article.locator(".body p")).to_have_text([p.strip() for p in item["body"].split("\n\n") if p.strip()])
    tags = article.locator("dl.tags")
    expect(tags.get_by_role("term")).to_have_text([label for label, key in TAG_GROUPS if item[key]])
    expect(tags.get_by_role("link")).to_have_text(
        item["themes"]
        + [p["name"] for p in item["programmes"]]
        + [c["name"] + (" (main)" if c["role"] == "primary" else "") for c in item["countries"]]
        + [r["name"] for r in item["regions"]]
        + [o["name"] for o in item["organisations"]]
    )
    expect(page.get_by_role("region", name="Related news").get_by_role("link")).to_have_text(
        [related["title"] for related in item["related"]]
    )
    screenshot(page, "05-item")
    page.get_by_role("link", name="← Back to results").click()
    expect(page).to_have_url(f"{server}/?q=wildlife")
    page.go_back()

    tags.get_by_role("link", name=country["name"]).first.click()
    expect(chip(page, "country", country["name"])).to_be_visible()
    assert url_query(page) == {"country": [country["code"]]}
    expect_results(page, by_country)


def test_without_javascript_the_form_and_facets_work(server, open_page):
    page = open_page(java_script_enabled=False)
    wildlife = api(server, "/api/search", q="wildlife")
    belgium = api(server, "/api/search", q="wildlife", country="BEL")
    trafficking = api(server, "/api/search", q="trafficking", country="BEL")
    page.goto(server + "/")

    search_box(page).fill("wildlife")
    search_box(page).press("Enter")
    expect_results(page, wildlife, "wildlife")
    assert url_query(page) == {"q": ["wildlife"], "sort": ["relevance"]}  # the plain form sends every field

    facet_button(page, "Country", "Belgium").click()
    expect(chip(page, "country", "Belgium")).to_be_visible()
    expect_results(page, belgium, "wildlife")

    # The form carries the filters as hidden fields, so a new query keeps them.
    search_box(page).fill("trafficking")
    page.get_by_role("button", name="Search", exact=True).click()
    expect_results(page, trafficking, "trafficking")
    expect(chip(page, "country", "Belgium")).to_be_visible()
    assert url_query(page) == {"q": ["trafficking"], "country": ["BEL"], "sort": ["relevance"]}
    screenshot(page, "06-no-javascript")


def test_keyboard_only(server, page):
    first = api(server, "/api/search", q="wildlife")["results"][0]
    page.goto(server + "/?q=wildlife")
    skip = page.get_by_role("link", name="Skip to results")
    expect(skip).to_have_attribute("href", "#results")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # off screen until focused
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(results(page)).to_be_focused()

    page.keyboard.press("Tab")
    first_link = hit_titles(page).first.get_by_role("link")
    expect(first_link).to_be_focused()
    expect_focus_visible(page)
    screenshot(page, "07-keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(first["title"])

    page.goto(server + "/?q=wildlife")
    for focused in (skip, page.get_by_role("link", name="EU–UNODC news search"), search_box(page)):
        page.keyboard.press("Tab")
        expect(focused).to_be_focused()
    expect_focus_visible(page)


def test_a_320px_wide_screen_needs_no_horizontal_scrolling(server, open_page):
    page = open_page(viewport={"width": 320, "height": 640})
    everything = api(server, "/api/search", per_page=100)
    ids = [hit["id"] for hit in everything["results"]]
    assert len(ids) == everything["total"], "more items than one API page holds"
    search_pages = ["/", "/?q=wildlife", "/?q=wildlife&country=BEL&theme=wildlife+and+forest+crime", "/?page=2"]
    too_wide = {}
    for path in search_pages + [f"/items/{item_id}" for item_id in ids]:
        page.goto(server + path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 321:
            too_wide[path] = width
    assert too_wide == {}
    page.goto(server + search_pages[2])
    screenshot(page, "08-320px")


def test_clicking_a_histogram_bar_filters_to_that_month(server, page):
    months = api(server, "/api/search")["histogram"]
    busiest = max(months, key=lambda row: row["count"])
    month, count = busiest["period"], busiest["count"]
    in_month = api(server, "/api/search", **{"from": month, "to": month})
    assert in_month["total"] == count
    page.goto(server + "/")
    bars = histogram_bars(page)
    labels = bars.evaluate_all("links => links.map(a => a.getAttribute('aria-label'))")
    assert bar_label(month, count) in labels

    histogram(page).locator(f'a[aria-label="{bar_label(month, count)}"]').click()
    expect(active_filters(page).get_by_role("link", name="Remove date filter")).to_have_text(f"{month} to {month} ×")
    # Date inputs show the month as the days it spans.
    expect(page.get_by_label("From")).to_have_value(f"{month}-01")
    expect(page.get_by_label("To")).to_have_value(
        dt.date.fromisoformat(f"{month}-01")
        .replace(day=calendar.monthrange(*map(int, month.split("-")))[1])
        .isoformat()
    )
    expect_results(page, in_month)
    # The histogram leaves out its own date filter: every month is still there.
    expect(bars).to_have_count(len(labels))
    assert bars.evaluate_all("links => links.map(a => a.getAttribute('aria-label'))") == labels
    current = histogram(page).locator("a[aria-current=true]")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("aria-label", bar_label(month, count))
    screenshot(page, "09-histogram")


def test_histogram_bars_are_links_to_assistive_technology(server, page):
    page.goto(server + "/")
    bars = histogram_bars(page)
    expect(bars.first).to_be_attached()
    # The page is static once loaded, so there is nothing to wait for.
    bar_links = histogram(page).get_by_role("link", name=re.compile(r"^\d{4}-\d{2}: \d+ items?$"))
    expect(bar_links).to_have_count(bars.count(), timeout=1_000)


TOUR = [
    "/",
    "/?q=wildlife",
    "/?q=wildlife&country=BEL&theme=wildlife+and+forest+crime",
    "/?from=2019-03&to=2019-06",
    "/?page=2&sort=oldest",
    "/?q=wildlfe",
]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_tour_of_every_kind_of_page_is_clean(server, open_page, javascript):
    page = open_page(java_script_enabled=javascript)
    for path in TOUR:
        response = page.goto(server + path)
        assert response.status == 200, path
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        expected = api(server, "/api/search", **query)
        # The count names the words searched: a correction, when one was.
        suggestion = expected["suggestion"]
        searched = suggestion["q"] if suggestion and suggestion["searched"] else query.get("q", [""])[0]
        expect_results(page, expected, searched)
    expect(page.locator("p.suggestion")).to_have_text("Showing results for wildlife — search instead for wildlfe")
    item_id = api(server, "/api/search")["results"][0]["id"]
    item = api(server, f"/api/items/{item_id}")
    page.goto(server + f"/items/{item_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(item["title"])
    screenshot(page, f"10-tour-{'js' if javascript else 'no-js'}")
    # The open_page fixture fails the test on any console error or CSP violation.


def test_the_site_has_an_icon(server, page):
    page.goto(server + "/")
    icon = page.evaluate("(document.querySelector('link[rel~=icon]') || {}).href || location.origin + '/favicon.ico'")
    assert page.request.get(icon, timeout=TIMEOUT_MS).status == 200, icon
