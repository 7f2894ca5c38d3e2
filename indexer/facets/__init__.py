"""Facets: the registry defining each facet once, the editors' vocabularies, and extraction of an item's values.
May import `indexer.model` only: never Whoosh, the index, search or the web layer."""

from __future__ import annotations

import dataclasses

from indexer.facets.countries import find_countries
from indexer.facets.organisations import find_organisations
from indexer.facets.programmes import find_programmes
from indexer.facets.regions import find_regions, regions_of_countries
from indexer.facets.sections import ItemText
from indexer.facets.themes import assign_themes
from indexer.facets.vocabulary import Vocabularies
from indexer.model import NewsItem


def extract_facets(item: NewsItem, vocabularies: Vocabularies | None = None) -> NewsItem:
    """The item with its countries, programmes, themes, regions and
    organisations, found with `vocabularies` (default: the bundled ones)."""
    text = ItemText.of(item, vocabularies)
    programmes = find_programmes(text)
    # The words of a programme's name ("GLO.ACT Bangladesh", "GLO.ACT Asia
    # and the Middle East") say nothing of the item's countries or regions,
    # and its themes come with it.
    topical = text.masked((m.start, m.end) for _, mentions in programmes for m in mentions)
    countries = find_countries(topical)
    return dataclasses.replace(
        item,
        countries=countries,
        programmes=tuple(p.value for p, _ in programmes),
        themes=assign_themes(topical, programmes),
        regions=find_regions(topical),
        areas=regions_of_countries(text.vocabularies, countries),
        organisations=find_organisations(text),
    )
