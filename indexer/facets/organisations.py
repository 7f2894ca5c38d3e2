"""Organisations an item names: agencies, coordination groups and institutions.

They are kept apart from countries and programmes: ICAT, ICCWC, WCO, IOM or
EUROPOL run or join programmes but are none. The list is
`data/organisations.toml`.
"""

from __future__ import annotations

import dataclasses
import functools

from indexer.facets.sections import ItemText
from indexer.facets.text import PhraseMatcher, fold, named_entries
from indexer.facets.vocabulary import Vocabularies
from indexer.model import FacetValue


@dataclasses.dataclass(frozen=True)
class _Organisations:
    names: dict[str, str]  # slug -> name
    matcher: PhraseMatcher  # keys: slugs
    slugs_by_name: dict[str, str]  # folded slug, name, alias or acronym -> slug


def find_organisations(text: ItemText) -> tuple[FacetValue, ...]:
    """The organisations in the item, in the order first named."""
    found = _organisations(text.vocabularies)
    slugs = dict.fromkeys(match.key for match in found.matcher.find(text.text))
    return tuple(FacetValue(slug, found.names[slug]) for slug in slugs)


def organisation_slug(vocabularies: Vocabularies, typed: str) -> str | None:
    """The slug for a slug, a name, an alias or an acronym, in any case."""
    return _organisations(vocabularies).slugs_by_name.get(fold(typed))


def organisation_name(vocabularies: Vocabularies, slug: str) -> str | None:
    return _organisations(vocabularies).names.get(slug)


@functools.lru_cache(maxsize=4)
def _organisations(vocabularies: Vocabularies) -> _Organisations:
    names = {slug: entry["name"] for slug, entry in vocabularies.toml("organisations.toml").items()}
    phrases, slugs_by_name = named_entries(vocabularies, "organisations.toml")
    return _Organisations(names, PhraseMatcher(phrases), slugs_by_name)
