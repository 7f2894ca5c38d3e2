"""The reader's page in a real headless Chromium: filters on a phone, dates
and their errors, sort and page numbers, labelled tags on cards, item pages
that lead back to the search, and axe-core's rules on every kind of page."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import BROWSER_TESTS, api, screenshot, url_query
from playwright.sync_api import Page, expect

pytestmark = BROWSER_TESTS

PHONE = {"width": 375, "height": 740}


def first_hit_top(page: Page) -> float:
    return page.locator("li.hit").first.bounding_box()["y"]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violations_on_any_kind_of_page(server, open_page, viewport):
    page = open_page(**({"viewport": viewport} if viewport else {}))
    item_id = api(server, "/api/search", q="wildlife")["results"][0]["id"]
    paths = [
        "/",
        "/?q=wildlife",
        "/?q=wildlife&country=BEL&sort=newest",
        "/?q=earthquake+Haiti",
        "/?q=wildlife&from=2019-13-45",
        f"/items/{item_id}?q=wildlife",
    ]
    axe = Axe()
    found = {}
    for path in paths:
        page.goto(server + path)
        result = axe.run(page)
        found[path] = [(v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]]
    assert found == {path: [] for path in paths}


def test_on_a_phone_a_filters_button_above_the_results_opens_the_facets(server, open_page):
    page = open_page(viewport=PHONE)
    page.goto(server + "/?q=wildlife&country=BEL")
    button = page.get_by_role("button", name="Filters (1 selected)")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    facets = page.get_by_role("complementary", name="Filter results")
    expect(facets).to_be_hidden()
    assert button.bounding_box()["y"] < first_hit_top(page)
    screenshot(page, "reader-phone-closed")

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(facets).to_be_visible()
    expect(facets).to_be_focused()
    assert facets.bounding_box()["y"] < first_hit_top(page), "the filters open above the results"
    screenshot(page, "reader-phone-open")
    page.keyboard.press("Shift+Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Space")
    expect(facets).to_be_hidden()

    # On a desktop there is no such button: the facets are beside the results.
    wide = open_page()
    wide.goto(server + "/?q=wildlife&country=BEL")
    expect(wide.get_by_role("button", name=re.compile("^Filters"))).to_be_hidden()
    expect(wide.get_by_role("complementary", name="Filter results")).to_be_visible()


def test_on_a_phone_without_javascript_the_filters_link_leads_to_them(server, open_page):
    page = open_page(viewport=PHONE, java_script_enabled=False)
    page.goto(server + "/?q=wildlife")
    link = page.get_by_role("link", name="Filters")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile("#filters$"))
    expect(page.get_by_role("complementary", name="Filter results")).to_be_in_viewport()


def test_a_bad_date_keeps_the_search_and_says_what_to_fix_next_to_the_field(server, page):
    page.goto(server + "/?q=wildlife&country=BEL&from=2019-13-45")
    expect(page.get_by_label("Search the news")).to_have_value("wildlife")
    expect(
        page.get_by_role("list", name="Active filters").get_by_role("link", name=re.compile("Belgium"))
    ).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not a real date")
    expect(page.get_by_label("From")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("From")).to_have_accessible_description(re.compile("not a real date"))
    without_dates = api(server, "/api/search", q="wildlife", country="BEL")
    expect(page.locator("li.hit h2")).to_have_count(len(without_dates["results"]))
    screenshot(page, "reader-bad-date")

    page.goto(server + "/?q=wildlife&from=2019-12-01&to=2019-01-01")
    expect(page.get_by_role("alert")).to_contain_text("is after")
    expect(page.get_by_label("From")).to_have_value("2019-12-01")
    expect(page.get_by_label("To")).to_have_value("2019-01-01")
    expect(page.get_by_label("To")).to_have_attribute("aria-invalid", "true")
    # The API keeps its 400.
    assert page.request.get(server + "/api/search?from=2019-13-45").status == 400


def test_dates_are_date_inputs_that_apply_when_changed(server, page):
    page.goto(server + "/?q=trafficking")
    start = page.get_by_label("From")
    expect(start).to_have_attribute("type", "date")
    start.fill("2019-06-01")
    expect(page).to_have_url(re.compile(r"from=2019-06-01"))
    expected = api(server, "/api/search", q="trafficking", **{"from": "2019-06-01"})
    expect(page.locator("li.hit h2")).to_have_count(len(expected["results"]))
    expect(page.get_by_label("From")).to_have_value("2019-06-01")


def test_sort_applies_on_change_and_says_the_order_used(server, page):
    page.goto(server + "/")
    sort = page.get_by_label("Sort by")
    # Without words, relevance is newest first, and the select says so.
    expect(sort.locator("option:checked")).to_have_text("Newest first")
    expect(sort.locator("option[value=newest]")).to_have_attribute("hidden", "")
    # Words typed in place: relevance is relevance again, and newest first is offered.
    page.get_by_role("combobox", name="Search").fill("wildlife")
    expect(sort.locator("option:checked")).to_have_text("Relevance")
    expect(sort.locator("option[value=newest]")).not_to_have_attribute("hidden", "")
    sort.select_option("newest")
    expect(page).to_have_url(re.compile("sort=newest"))
    page.goto(server + "/?q=wildlife")
    expect(sort.locator("option:checked")).to_have_text("Relevance")
    expect(page.get_by_role("button", name="Apply")).to_be_hidden()
    sort.select_option("oldest")
    expect(page).to_have_url(re.compile("sort=oldest"))
    assert url_query(page) == {"q": ["wildlife"], "sort": ["oldest"]}  # nothing at its default
    oldest = api(server, "/api/search", q="wildlife", sort="oldest")
    expect(page.locator("li.hit h2")).to_have_text([hit["title"] for hit in oldest["results"]])
    expect(page.get_by_label("Sort by").locator("option:checked")).to_have_text("Oldest first")


def test_without_javascript_sort_and_dates_apply_with_the_button(server, open_page):
    page = open_page(java_script_enabled=False)
    page.goto(server + "/?q=wildlife")
    page.get_by_label("Sort by").select_option("newest")
    page.get_by_role("button", name="Apply").click()
    assert url_query(page)["sort"] == ["newest"]


def test_a_long_facet_says_show_fewer_once_opened(server, page):
    page.goto(server + "/")
    more = page.locator(".facet details summary").first
    label = more.inner_text()
    assert re.fullmatch(r"Show \d+ more", label), label
    more.click()
    expect(more).to_have_text("Show fewer", use_inner_text=True)
    more.click()
    expect(more).to_have_text(label, use_inner_text=True)


def test_result_cards_label_their_tags_and_show_a_handful(server, page):
    page.goto(server + "/")
    cards = page.locator("li.hit")
    expect(cards.first).to_be_visible()
    everything = api(server, "/api/search", per_page=100)["results"]
    shown = api(server, "/api/search")["results"]
    for number in range(len(shown)):
        card = cards.nth(number)
        groups = card.locator(".tag-group")
        terms = groups.locator("dt").all_inner_texts()
        assert set(terms) <= {"Themes:", "Programmes:", "Countries:"}, terms
        for group in groups.all():
            links = group.get_by_role("link").count()
            assert 1 <= links <= 2
            more = group.locator(".more")
            if more.count():
                assert re.fullmatch(r"\+\d+ more", more.inner_text())
        assert card.get_by_role("link").count() <= 1 + 6
    assert everything  # the API answers


def test_an_item_page_leads_back_to_the_search_and_keeps_lists(server, page):
    listed = next(
        hit
        for hit in api(server, "/api/search", per_page=100)["results"]
        if re.search(r"\n1\. ", api(server, f"/api/items/{hit['id']}")["body"])
    )
    page.goto(server + "/?q=morocco&country=MAR&page=1")
    page.goto(server + f"/items/{listed['id']}?q=morocco&country=MAR")
    numbered = page.locator(".body ol")
    expect(numbered).to_have_count(1)
    expect(numbered.get_by_role("listitem").first).to_contain_text(re.compile(r"^\w"))
    back = page.get_by_role("link", name="← Back to results")
    back.click()
    assert url_query(page) == {"q": ["morocco"], "country": ["MAR"]}
    screenshot(page, "reader-back-to-results")
    # Arriving from elsewhere, the link is to the search page.
    page.goto(server + f"/items/{listed['id']}")
    expect(page.get_by_role("link", name="← Search")).to_have_attribute("href", "/")
