"""The search box's suggestions (combobox.js) and the facet filter boxes
(facetfilter.js) in a real headless Chromium, by keyboard."""

from __future__ import annotations

import re

from browsing import BROWSER_TESTS, api, screenshot, url_query
from playwright.sync_api import Page, expect

pytestmark = BROWSER_TESTS


def combobox(page: Page):
    return page.get_by_role("combobox", name="Search the news")


def suggestions(page: Page):
    return page.get_by_role("listbox", name="Suggestions")


def test_arrow_keys_and_enter_pick_a_country_as_a_filter(server, page):
    page.goto(server + "/")
    box = combobox(page)
    expect(box).to_have_attribute("aria-autocomplete", "list")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.type("nig")
    listbox = suggestions(page)
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id") or "")
    options = listbox.get_by_role("option")
    expect(options.first).to_have_accessible_name("Nigeria — country")
    screenshot(page, "suggest-open")

    page.keyboard.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id or "")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id") or "")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first_id or "")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"country=NGA"))
    assert url_query(page)["country"] == ["NGA"]
    assert "q" not in url_query(page)
    total = api(server, "/api/search", country="NGA")["total"]
    expect(page.locator("#result-count")).to_have_text(f"{total} item{'s' if total != 1 else ''}")
    screenshot(page, "suggest-picked-country")


def test_picking_a_country_keeps_the_filters_already_chosen(server, page):
    page.goto(server + "/?theme=drugs+and+drug+trafficking")
    combobox(page).focus()
    page.keyboard.type("nig")
    expect(suggestions(page).get_by_role("option").first).to_have_accessible_name("Nigeria — country")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"country=NGA"))
    assert url_query(page)["theme"] == ["drugs and drug trafficking"]


def test_escape_closes_the_list_and_a_second_escape_clears_the_box(server, page):
    page.goto(server + "/")
    box = combobox(page)
    box.focus()
    page.keyboard.type("wild")
    expect(suggestions(page)).to_be_visible()
    page.keyboard.press("Escape")
    expect(suggestions(page)).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("wild")
    page.keyboard.press("Escape")
    expect(box).to_have_value("")


def test_a_word_picked_is_searched_for(server, page):
    page.goto(server + "/")
    combobox(page).focus()
    page.keyboard.type("wildl")
    options = suggestions(page).get_by_role("option")
    word = options.filter(has_text="— word").first
    expect(word).to_be_visible()
    text = word.inner_text().split(" — ")[0]
    word.click()
    expect(page).to_have_url(re.compile(rf"q={re.escape(text)}"))
    expect(combobox(page)).to_have_value(text)


def test_one_character_asks_for_nothing_and_tab_closes(server, page):
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/api/suggest" in request.url else None)
    page.goto(server + "/")
    box = combobox(page)
    box.focus()
    page.keyboard.type("n")
    page.wait_for_timeout(400)
    assert asked == []
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.type("ig")
    expect(suggestions(page)).to_be_visible()
    page.keyboard.press("Tab")
    expect(suggestions(page)).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")


def test_without_javascript_there_is_no_combobox_and_the_form_searches(server, open_page):
    page = open_page(java_script_enabled=False)
    page.goto(server + "/")
    expect(combobox(page)).to_have_count(0)
    expect(page.get_by_role("listbox")).to_have_count(0)
    box = page.get_by_role("searchbox", name="Search the news")
    box.fill("wildlife")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"q=wildlife"))
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    expect(page.get_by_role("textbox", name="Filter countries")).to_have_count(0)


def test_the_facet_filter_box_narrows_the_country_list(server, page):
    countries = api(server, "/api/search")["facets"]["country"]
    assert len(countries) > 8
    page.goto(server + "/")
    nav = page.get_by_role("navigation", name="Country")
    box = nav.get_by_role("searchbox", name="Filter countries")
    expect(box).to_be_visible()
    box.focus()
    page.keyboard.type("be")
    wanted = [row for row in countries if any(w.lower().startswith("be") for w in re.split(r"\W+", row["label"]))]
    buttons = nav.get_by_role("button", name=re.compile(r" \d+$"))
    expect(buttons).to_have_count(len(wanted))
    expect(buttons.first).to_have_accessible_name(f"{wanted[0]['label']} {wanted[0]['count']}")
    expect(nav.locator("[aria-live=polite]")).to_have_text(f"{len(wanted)} of {len(countries)} shown")
    screenshot(page, "suggest-facet-filter")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    expect(nav.locator("[aria-live=polite]")).to_have_text(f"{len(countries)} of {len(countries)} shown")
