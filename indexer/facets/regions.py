"""Regions an item names, and the UN M49 areas of its primary countries.

The vocabulary is `data/regions.toml`; the M49 areas are `data/m49.toml`.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from indexer.facets.countries import PRIMARY
from indexer.facets.sections import BOILERPLATE, SECTIONS, ItemText
from indexer.facets.text import Phrase, PhraseMatcher, fold
from indexer.facets.vocabulary import Vocabularies
from indexer.model import Country, FacetValue, slugify

_NOT_A_REGION = "-"


@dataclasses.dataclass(frozen=True)
class _Regions:
    names: dict[str, str]  # slug -> display name
    matcher: PhraseMatcher  # keys: slugs, or "-" for phrases that are no region
    slug_by_area: dict[str, str]  # M49 area -> region slug
    area_by_country: dict[str, str]  # alpha-3 -> most specific M49 area
    slugs_by_name: dict[str, str]  # folded slug, name or alias -> slug
    office_name: re.Pattern[str]  # "Regional Office for Southeast Asia and the Pacific"


def find_regions(text: ItemText) -> tuple[FacetValue, ...]:
    """Regions named outside boilerplate and outside the names of offices,
    the most prominent first."""
    regions = _regions(text.vocabularies)
    rank: dict[str, tuple[int, int]] = {}  # slug -> (best section, first mention)
    offices = [match.span() for match in regions.office_name.finditer(text.text)]
    for found in regions.matcher.find(text.text):
        section = text.section_at(found.start).kind
        in_office_name = any(start <= found.start < end for start, end in offices)
        if found.key != _NOT_A_REGION and section != BOILERPLATE and not in_office_name:
            here = (SECTIONS.index(section), found.start)
            rank[found.key] = min(rank.get(found.key, here), here)
    return tuple(FacetValue(slug, regions.names[slug]) for slug in sorted(rank, key=rank.__getitem__))


def regions_of_countries(vocabularies: Vocabularies, countries: tuple[Country, ...]) -> tuple[FacetValue, ...]:
    """The M49 areas of the primary countries: where an item is, for
    filters and counts, though it may name no region (an item about
    Pakistan is found under South Asia without being labelled with it)."""
    regions = _regions(vocabularies)
    slugs = [
        regions.slug_by_area[regions.area_by_country[country.code]]
        for country in countries
        if country.role == PRIMARY and country.code in regions.area_by_country
    ]
    return tuple(FacetValue(slug, regions.names[slug]) for slug in dict.fromkeys(slugs))


def region_slug(vocabularies: Vocabularies, typed: str) -> str | None:
    """The slug for a region's slug, name or alias, in any case."""
    return _regions(vocabularies).slugs_by_name.get(fold(typed))


def region_name(vocabularies: Vocabularies, slug: str) -> str | None:
    return _regions(vocabularies).names.get(slug)


@functools.lru_cache(maxsize=4)
def _regions(vocabularies: Vocabularies) -> _Regions:
    data = vocabularies.toml("regions.toml")
    m49 = vocabularies.toml("m49.toml")
    names: dict[str, str] = {}
    slug_by_area: dict[str, str] = {}
    phrases = [Phrase(text, _NOT_A_REGION, exact_case=True) for text in data["not_regions"]["phrases"]]
    slugs_by_name: dict[str, str] = {}
    for slug, entry in data.items():
        if slug in ("not_regions", "office_names"):
            continue
        names[slug] = entry["name"]
        for text in [entry["name"], *entry.get("aliases", ())]:
            phrases.append(Phrase(text, slug, exact_case=True))
            slugs_by_name[fold(text)] = slug
        if "m49" in entry:
            slug_by_area[entry["m49"]] = slug
    areas = set(m49["areas"].values()) | set(m49["parents"]) | set(m49["parents"].values())
    for area in sorted(areas - set(slug_by_area)):
        slug = slug_by_area[area] = slugify(area)
        names.setdefault(slug, area)
        slugs_by_name.setdefault(fold(area), slug)
    for slug in names:
        slugs_by_name.setdefault(fold(slug), slug)
    words = "|".join(_word_not_inside_a_word(word) for word in data["office_names"]["words"])
    # The office word, then a run of capitalised words joined by spaces,
    # commas, "&", "/", "and" or "the".
    office_name = re.compile(
        rf"(?:{words})\s+(?:for|of|on|in)\s+(?:the\s+)?"
        r"[A-Z][\w'’-]*(?:(?:\s*[,&/]\s*|\s+)(?:(?:and|the)\s+)*[A-Z][\w'’-]*)*"
    )
    return _Regions(names, PhraseMatcher(phrases), slug_by_area, m49["areas"], slugs_by_name, office_name)


def _word_not_inside_a_word(word: str) -> str:
    """A regex for `word` not preceded by a word character: `\\b` before it,
    or, when it starts with a word character, the check after that
    character, so that the regex engine skips quickly to where it is."""
    if word[:1].isalnum() or word[:1] == "_":
        return re.escape(word[0]) + r"(?<!\w.)" + re.escape(word[1:])
    return r"\b" + re.escape(word)
