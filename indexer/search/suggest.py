"""Completions of what is being typed in the search box: facet values, title
phrases and words that have a word starting with it, the most useful first.

A version's completions are built once, on first use: every completion is
numbered best first (facet values by the items they have, then title
phrases by the items whose titles have them, then words by the items they
occur in), and each of its names is folded (lower case, accents off) and
keyed from each of its words on, so that `cr` finds "wildlife crime" and
`glo.act` a programme by its acronym. The keys are one sorted list searched
with `bisect`; the smallest numbers of the keys that start with what was
typed are the answer.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import logging
import threading
import weakref
from collections.abc import Iterable

import numpy as np
import pycountry

from indexer.build.analysis import ACCENT_MAP, TOKEN
from indexer.build.store import PHRASES_FILE
from indexer.facets.registry import BY_NAME, NAMES
from indexer.facets.vocabulary import FILES, Vocabularies
from indexer.search.engine import SearchIndex

log = logging.getLogger(__name__)

PHRASE, WORD = "phrase", "word"
KINDS = (*NAMES, PHRASE, WORD)
MIN_PREFIX = 2
DEFAULT_LIMIT, MAX_LIMIT = 8, 20
_AFTER_ALL = "\U0010ffff"


def fold(text: str) -> str:
    """Lower case, accents off, words joined by one space: `Côte d'Ivoire` -> `cote d ivoire`."""
    return " ".join(TOKEN.findall(text.lower().translate(ACCENT_MAP)))


def keys(names: Iterable[str]) -> set[str]:
    """Each folded name from each of its words on."""
    found: set[str] = set()
    for name in names:
        words = fold(name).split(" ")
        found.update(" ".join(words[i:]) for i in range(len(words)) if words[i])
    return found


@dataclasses.dataclass(frozen=True)
class FacetEntry:
    """A facet value and the names it is found by (label, value, acronyms)."""

    value: str
    label: str
    names: tuple[str, ...]

    def matches(self, prefix: str) -> bool:
        return any(key.startswith(prefix) for key in keys(self.names))


def facet_entries(index: SearchIndex, name: str) -> list[FacetEntry]:
    """Every value of a facet: its vocabulary's and any the index has beside."""
    facet, vocabularies = BY_NAME[name], index.vocabularies
    tables = _tables(vocabularies, facet.item_key)
    if facet.listed:
        typed: Iterable[str] = facet.listed(vocabularies)
    elif tables:
        typed = tables
    else:  # a facet of codes (ISO 3166), or of values only the index knows
        typed = [country.alpha_3 for country in pycountry.countries] if facet.item_key else []
    resolved = (facet.resolve(vocabularies, text) for text in typed)
    values = dict.fromkeys([*(v for v in resolved if v is not None), *index.facets.facets[name].values])
    entries = []
    for value in values:
        label = index.label(name, value)
        acronyms = tables.get(value, {}).get("acronyms", ())
        entries.append(FacetEntry(value, label, (label, value, *acronyms)))
    return entries


def _tables(vocabularies: Vocabularies, item_key: str | None) -> dict[str, dict]:
    """The tables of the facet's own vocabulary file (`programmes.toml`), if it has one."""
    file = f"{item_key}.toml"
    return (
        {key: table for key, table in vocabularies.toml(file).items() if isinstance(table, dict)}
        if file in FILES
        else {}
    )


@dataclasses.dataclass(frozen=True)
class Completion:
    text: str
    kind: str  # a facet name, "phrase" or "word"
    value: str | None  # the facet value it filters by
    count: int  # items

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "kind": self.kind,
            "filter": {self.kind: self.value} if self.value is not None else None,
            "count": self.count,
        }


class Suggester:
    def __init__(self, candidates: Iterable[tuple[Completion, tuple[str, ...]]]):
        tiers = {PHRASE: 1, WORD: 2}  # every facet's values in tier 0
        ordered = sorted(candidates, key=lambda c: (tiers.get(c[0].kind, 0), -c[0].count, c[0].text.lower(), c[0].kind))
        # A phrase or word that is already a facet value's or a phrase's text adds nothing.
        seen: set[str] = set()
        self.completions: list[Completion] = []
        pairs: list[tuple[str, int]] = []
        for completion, names in ordered:
            folded = fold(completion.text)
            if completion.value is None and folded in seen:
                continue
            seen.add(folded)
            pairs += [(key, len(self.completions)) for key in keys(names)]
            self.completions.append(completion)
        pairs.sort()
        self.keys = [key for key, _ in pairs]
        self.numbers = np.array([number for _, number in pairs], dtype=np.int32)

    @classmethod
    def of(cls, index: SearchIndex) -> Suggester:
        """The completions of `index`."""
        candidates: list[tuple[Completion, tuple[str, ...]]] = []
        for name in NAMES:
            counts = dict(zip(index.facets.facets[name].values, _counts(index, name), strict=True))
            for entry in facet_entries(index, name):
                if counts.get(entry.value):
                    candidates.append((Completion(entry.label, name, entry.value, counts[entry.value]), entry.names))
        candidates += [(Completion(text, PHRASE, None, n), (text,)) for text, n in _phrases(index).items()]
        candidates += [(Completion(word, WORD, None, n), (word,)) for word, n in index.speller.frequencies.items()]
        return cls(candidates)

    def complete(self, typed: str, limit: int = DEFAULT_LIMIT) -> list[Completion]:
        prefix = fold(typed)
        if len(prefix) < MIN_PREFIX:
            return []
        low = bisect.bisect_left(self.keys, prefix)
        high = bisect.bisect_left(self.keys, prefix + _AFTER_ALL, low)
        return [self.completions[n] for n in np.unique(self.numbers[low:high])[:limit]]


def _counts(index: SearchIndex, name: str) -> list[int]:
    return index.facets.facets[name].counts(index.facets.live).tolist()


def _phrases(index: SearchIndex) -> dict[str, int]:
    path = index.folder / PHRASES_FILE
    if not path.exists():
        log.warning("index %s has no %s: rebuild it for phrase suggestions", index.version, PHRASES_FILE)
        return {}
    return json.loads(path.read_text("utf-8"))


_built: weakref.WeakKeyDictionary[SearchIndex, Suggester] = weakref.WeakKeyDictionary()
_building = threading.Lock()


def suggester(index: SearchIndex) -> Suggester:
    """The completions of an index version, built on first use."""
    found = _built.get(index)
    if found is None:
        with _building:
            found = _built.get(index)
            if found is None:
                found = _built[index] = Suggester.of(index)
    return found
