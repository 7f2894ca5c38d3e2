"""Every facet, defined once.

A `Facet` says all there is to know about one facet: its name (which is
also its URL parameter, its `name:` query prefix, its index field and its
key in a result's `facets`), how an item's values are read, how what a
user types is resolved to a value, how a value is labelled and ordered,
and where its vocabulary comes from. The schema, request parsing, query
parsing, facet counting, the OpenAPI document, the CLI, the templates and
the feeds all read `FACETS`. Adding a facet is an entry here, its
vocabulary file, its extractor (called by `extract_facets`) with a field of
`NewsItem` to hold what it finds, and, if queries can name its values, its
boost in `indexer/search/ranking.py`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from indexer.facets.countries import PRIMARY, country_code, country_name
from indexer.facets.organisations import organisation_name, organisation_slug
from indexer.facets.programmes import programme_name, programme_slug
from indexer.facets.regions import region_name, region_slug
from indexer.facets.themes import theme_label, theme_labels, themes_named_by
from indexer.facets.vocabulary import Vocabularies
from indexer.model import NewsItem

# (value, label, primary) of one tag of an item, as its JSON form lists it.
Tag = tuple[str, str, bool]


@dataclasses.dataclass(frozen=True)
class Facet:
    name: str  # URL parameter, query prefix, index field, key in `facets`
    title: str  # heading on the search page, CLI help
    item_key: str | None  # where an item's JSON form lists its values (None: not listed)
    hint: str  # what a user may give, for error messages and the API description
    values_of: Callable[[NewsItem], Sequence[str]]  # the values an item is indexed with
    resolve: Callable[[Vocabularies, str], str | None]  # typed -> value, None if it names none
    label: Callable[[Vocabularies, str], str | None]  # value -> display label
    tags: Callable[[dict[str, Any]], list[Tag]]  # an item's JSON form -> its tags, for display
    aliases: tuple[str, ...] = ()  # other names for the query prefix (`countries:`)
    # The values an item is about, where that differs from all it mentions:
    # indexed as `<name>_primary`, the field a query naming a value lifts.
    primary_of: Callable[[NewsItem], Sequence[str]] | None = None
    # The values a phrase of a query names outright, for query expansion and
    # boosts; None: queries never name this facet's values by plain words.
    named_by: Callable[[Vocabularies, str], list[str]] | None = None
    # Every value of the vocabulary, where a word of a label may stand for
    # all the values whose label has it (`theme:trafficking`).
    listed: Callable[[Vocabularies], Sequence[str]] | None = None
    # Whether `a,b` in a URL parameter means two values (no: labels have commas).
    comma_separated: bool = True
    # Order of the values in counts: by count, or by value, highest first.
    by_value: bool = False
    # A CSV export lists values (codes) rather than labels.
    export_values: bool = False
    # Values are written as people type them, so `name:201*` may match them.
    values_typed: bool = False

    @property
    def primary_field(self) -> str | None:
        return f"{self.name}_primary" if self.primary_of else None

    @property
    def boost_field(self) -> str:
        """The field whose values a query naming one lifts in the ranking."""
        return self.primary_field or self.name

    def resolve_typed(self, vocabularies: Vocabularies, typed: str) -> str | None:
        typed = typed.strip()
        return self.resolve(vocabularies, typed) if typed else None

    def label_of(self, vocabularies: Vocabularies, value: str) -> str:
        """The display label; a value the vocabularies do not know (an index
        built with older ones) is shown as it is."""
        return self.label(vocabularies, value) or value

    def values_named(self, vocabularies: Vocabularies, typed: str) -> list[str]:
        """The values a `name:typed` query prefix stands for: the value it
        resolves to, or, for a `listed` facet, every value whose label has
        the typed word."""
        value = self.resolve_typed(vocabularies, typed)
        if value is not None:
            return [value]
        word = typed.strip().lower()
        if self.listed is None or not word:
            return []
        return [v for v in self.listed(vocabularies) if word in self.label_of(vocabularies, v).lower().split()]


def _named(key: str) -> Callable[[dict[str, Any]], list[Tag]]:
    """Tags of an item's list of `{value, name}` entries."""
    return lambda item: [(entry["value"], entry["name"], False) for entry in item.get(key, ())]


def _year(_: Vocabularies, typed: str) -> str | None:
    return typed if re.fullmatch(r"\d{4}", typed) else None


def _years(item: NewsItem) -> list[str]:
    return [str(year) for year in range(item.date_start.year, item.date_end.year + 1)]


def _single_value(resolve: Callable[[Vocabularies, str], str | None]) -> Callable[[Vocabularies, str], list[str]]:
    def named_by(vocabularies: Vocabularies, phrase: str) -> list[str]:
        value = resolve(vocabularies, phrase)
        return [value] if value is not None else []

    return named_by


FACETS: tuple[Facet, ...] = (
    Facet(
        name="theme",
        item_key="themes",
        title="Theme",
        hint="a theme label such as `human trafficking`",
        values_of=lambda item: item.themes,
        resolve=theme_label,
        label=lambda _, value: value,
        tags=lambda item: [(theme, theme, False) for theme in item.get("themes", ())],
        aliases=("themes",),
        named_by=themes_named_by,
        listed=theme_labels,
        comma_separated=False,
    ),
    Facet(
        name="programme",
        item_key="programmes",
        title="Programme",
        hint="a programme slug, name or acronym such as `CCP`",
        values_of=lambda item: [p.value for p in item.programmes],
        resolve=programme_slug,
        label=programme_name,
        tags=_named("programmes"),
        aliases=("program", "programmes"),
        named_by=_single_value(programme_slug),
    ),
    Facet(
        name="country",
        item_key="countries",
        title="Country",
        hint="an ISO code or a country name such as `IRQ` or `Iraq`",
        values_of=lambda item: [c.code for c in item.countries],
        resolve=country_code,
        label=country_name,
        tags=lambda item: [(c["code"], c["name"], c["role"] == PRIMARY) for c in item.get("countries", ())],
        aliases=("countries",),
        primary_of=lambda item: [c.code for c in item.countries if c.role == PRIMARY],
        named_by=_single_value(country_code),
        export_values=True,
    ),
    Facet(
        name="region",
        item_key="regions",
        title="Region",
        hint="a region slug or name such as `central-asia`",
        values_of=lambda item: list(dict.fromkeys(r.value for r in item.regions + item.areas)),
        resolve=region_slug,
        label=region_name,
        tags=_named("regions"),
        aliases=("regions",),
        named_by=_single_value(region_slug),
    ),
    Facet(
        name="organisation",
        item_key="organisations",
        title="Organisation",
        hint="an organisation slug, name or acronym such as `WCO` or `INTERPOL`",
        values_of=lambda item: [o.value for o in item.organisations],
        resolve=organisation_slug,
        label=organisation_name,
        tags=_named("organisations"),
        aliases=("organization", "organisations", "organizations"),
        named_by=_single_value(organisation_slug),
    ),
    Facet(
        name="year",
        item_key=None,
        title="Year",
        hint="a four-digit year such as `2019`",
        values_of=_years,
        resolve=_year,
        label=lambda _, value: value,
        tags=lambda item: [],
        by_value=True,
        values_typed=True,
    ),
)

BY_NAME = {facet.name: facet for facet in FACETS}
NAMES = tuple(BY_NAME)


def facet(name: str) -> Facet:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown facet {name!r}; facets are {', '.join(NAMES)}") from None
