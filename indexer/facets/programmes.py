"""Programmes, projects, initiatives, campaigns and funds an item names.

The registry is `data/programmes.toml`: a slug, a canonical name, acronyms,
aliases, a type, the themes it stands for, and how it relates to another
programme (`variant_of`, `part_of`).
"""

from __future__ import annotations

import dataclasses
import functools
import re

from indexer.facets.sections import SECTIONS, ItemText
from indexer.facets.text import Found, PhraseMatcher, fold, named_entries
from indexer.facets.themes import theme_labels
from indexer.facets.vocabulary import Vocabularies, VocabularyError
from indexer.model import FacetValue

TYPES = ("programme", "project", "initiative", "campaign", "fund")

# "the Global Programmes for Combating Wildlife and Forest Crime; and on
# Corruption": the second programme is named by its tail only.
_PLURAL_HEAD = re.compile(r"^(.*?\bprogram(?:me)?)s\b", re.IGNORECASE)
_WORD = re.compile(r"\S+")
# "GLO.ACT, 2015-2019", "GLO.ACT, which the EU and UNODC implemented from
# 2015 to 2019": a phase named with its years, in the clause after it.
_PHASE_YEARS = re.compile(r"(?:(?![.;]\s)[^\n]){0,100}?\b(?:19|20)\d\d\s*(?:[-–—]|to)\s*(?:19|20)?\d\d\b")
_ELLIPTIC_TAIL = re.compile(
    r"\s*[;,]?\s*and\s+((?:on|for|against|to)\s+[A-Z][\w'-]*(?:\s+(?:[A-Z][\w'-]*|and|of|the|in|on|from|against))*)"
)


@dataclasses.dataclass(frozen=True)
class Programme:
    slug: str
    name: str
    type: str
    themes: tuple[str, ...]
    variant_of: str | None = None
    part_of: str | None = None

    @property
    def value(self) -> FacetValue:
        return FacetValue(self.slug, self.name)


@dataclasses.dataclass(frozen=True)
class _Registry:
    programmes: dict[str, Programme]
    matcher: PhraseMatcher
    slugs_by_name: dict[str, str]  # folded slug, name, alias or acronym -> slug


def find_programmes(text: ItemText) -> list[tuple[Programme, list[Found]]]:
    """The programmes named in an item with their mentions, those in the
    title and lead first. A bare parent mention counts for its named
    variant (see `variant_of`); a parent named as a phase of its own, with
    its years, is kept beside it."""
    registry = _registry(text.vocabularies)
    found = registry.matcher.find(text.text)
    found += _elliptic_mentions(text.text, found, registry)
    mentions: dict[str, list[Found]] = {}
    for mention in sorted(found, key=lambda f: f.start):
        mentions.setdefault(mention.key, []).append(mention)
    for slug in list(mentions):
        parent = registry.programmes[slug].variant_of
        if parent in mentions and not any(_names_itself(text.text, mention) for mention in mentions[parent]):
            mentions[slug] = sorted(mentions[slug] + mentions.pop(parent), key=lambda f: f.start)

    def rank(slug: str) -> tuple[int, int]:
        first = mentions[slug][0]
        best = min(SECTIONS.index(text.section_at(m.start).kind) for m in mentions[slug])
        return best, first.start

    return [(registry.programmes[slug], mentions[slug]) for slug in sorted(mentions, key=rank)]


def _names_itself(text: str, mention: Found) -> bool:
    """A parent named with the years of its own phase ("GLO.ACT, 2015-2019")."""
    return bool(_PHASE_YEARS.match(text, mention.end))


def programme(vocabularies: Vocabularies, slug: str) -> Programme | None:
    return _registry(vocabularies).programmes.get(slug)


def programme_slug(vocabularies: Vocabularies, typed: str) -> str | None:
    """The slug for a slug, a name, an alias or an acronym, in any case."""
    return _registry(vocabularies).slugs_by_name.get(fold(typed))


def programme_name(vocabularies: Vocabularies, slug: str) -> str | None:
    found = programme(vocabularies, slug)
    return found.name if found else None


def _elliptic_mentions(text: str, found: list[Found], registry: _Registry) -> list[Found]:
    """Programmes named by a tail after a plural ("Global Programmes for X;
    and on Corruption" names the Global Programme on Corruption)."""
    extra = []
    for mention in found:
        head = _PLURAL_HEAD.match(text[mention.start : mention.end])
        tail = _ELLIPTIC_TAIL.match(text, mention.end)
        if not (head and tail):
            continue
        words = list(_WORD.finditer(text, tail.start(1), tail.end(1)))
        for last in reversed(words[1:]):  # the longest tail that names a programme
            slug = registry.matcher.lookup(f"{head.group(1)} {text[tail.start(1) : last.end()]}")
            if slug is not None:
                extra.append(Found(slug, tail.start(1), last.end()))
                break
    return extra


@functools.lru_cache(maxsize=4)
def _registry(vocabularies: Vocabularies) -> _Registry:
    programmes: dict[str, Programme] = {}
    for slug, entry in vocabularies.toml("programmes.toml").items():
        programmes[slug] = Programme(
            slug=slug,
            name=entry["name"],
            type=entry["type"],
            themes=tuple(entry.get("themes", ())),
            variant_of=entry.get("variant_of"),
            part_of=entry.get("part_of"),
        )
    phrases, slugs_by_name = named_entries(vocabularies, "programmes.toml")
    _check_links(programmes, theme_labels(vocabularies))
    return _Registry(programmes, PhraseMatcher(phrases), slugs_by_name)


def _check_links(programmes: dict[str, Programme], labels: tuple[str, ...]) -> None:
    """Catch editing mistakes in the registry when it is loaded."""
    for p in programmes.values():
        if p.type not in TYPES:
            raise VocabularyError(f"programmes.toml: {p.slug} has type {p.type!r}; use one of {', '.join(TYPES)}")
        for parent in (p.variant_of, p.part_of):
            if parent is not None and parent not in programmes:
                raise VocabularyError(f"programmes.toml: {p.slug} refers to unknown programme {parent!r}")
        for theme in p.themes:
            if theme not in labels:
                raise VocabularyError(f"programmes.toml: {p.slug} has unknown theme {theme!r}")
