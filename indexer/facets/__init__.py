"""Facet extraction: the countries, programmes, themes, regions and bodies an
editor would assign to a news item, from vocabularies in `indexer/data/`.

Every facet value has a stable machine value and a display label:

    facet        value                      label
    country      ISO 3166-1 alpha-3 code    common English name
    programme    slug                       canonical name
    theme        its label                  the same label
    region       slug                       name

`resolve_filter` maps what a user types to a value and `facet_label` a value
to its label; search filters use both. Nothing here knows about Whoosh or
Flask. The data files are read once, when first needed.
"""

from __future__ import annotations

import dataclasses

from indexer.facets.organisations import find_bodies
from indexer.facets.countries import country_code, country_name, find_countries
from indexer.facets.programmes import find_programmes, programme, programme_slug
from indexer.facets.regions import find_regions, region_name, region_slug
from indexer.facets.sections import ItemText
from indexer.facets.themes import assign_themes, theme_label, theme_labels
from indexer.model import NewsItem

COUNTRY, PROGRAMME, THEME, REGION = "country", "programme", "theme", "region"
FACETS = (COUNTRY, PROGRAMME, THEME, REGION)

__all__ = ["COUNTRY", "FACETS", "PROGRAMME", "REGION", "THEME", "extract_facets", "facet_label",
           "resolve_filter", "theme_labels"]


def extract_facets(item: NewsItem) -> NewsItem:
    """The item with its countries, programmes, themes, regions and bodies."""
    text = ItemText.of(item)
    programmes = find_programmes(text)
    countries = find_countries(text)
    # The words of a programme's name ("GLO.ACT Asia and the Middle East")
    # say nothing of the item's regions, and its themes come with it.
    topical = text.masked((m.start, m.end) for _, mentions in programmes for m in mentions)
    return dataclasses.replace(
        item,
        countries=countries,
        programmes=tuple(p.value for p, _ in programmes),
        themes=assign_themes(topical, programmes),
        regions=find_regions(topical, countries),
        bodies=find_bodies(text),
    )


def resolve_filter(facet: str, text: str) -> str | None:
    """The facet value for what a user typed, or None if it names none:
    a country by ISO code (alpha-2 or alpha-3), name, alias or adjective; a
    theme by its label in any case; a programme by slug, name, alias or
    acronym; a region by slug or name."""
    resolve = _RESOLVERS.get(facet)
    if resolve is None:
        raise ValueError(f"unknown facet {facet!r}; facets are {', '.join(FACETS)}")
    text = text.strip()
    return resolve(text) if text else None


def facet_label(facet: str, value: str) -> str:
    """The display label of a facet value; an unknown value (from an index
    built with older vocabularies) is shown as it is."""
    label = _LABELS.get(facet)
    if label is None:
        raise ValueError(f"unknown facet {facet!r}; facets are {', '.join(FACETS)}")
    return label(value) or value


def _programme_name(slug: str) -> str | None:
    found = programme(slug)
    return found.name if found else None


def _theme_label(value: str) -> str:
    return value


_RESOLVERS = {COUNTRY: country_code, PROGRAMME: programme_slug, THEME: theme_label, REGION: region_slug}
_LABELS = {COUNTRY: country_name, PROGRAMME: _programme_name, THEME: _theme_label, REGION: region_name}
