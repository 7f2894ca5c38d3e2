"""Which documents a parsed query matches, as a boolean array over the flat postings.

Every part of a query has a bounded cost. Prefixes and `?` wildcards are
expanded against the field's own terms (a range of the sorted term keys),
keeping the most frequent few; phrases, with or without slop, are array
operations over term positions; a query names only so many words and
patterns; and past its deadline a search expands no more wildcards and
matches no more phrases. What a
cap or the deadline leaves out is said in the search's `Cost`, which the
answer turns into a notice. Whoosh still parses the query, stores the
postings and evaluates the rare nodes none of this covers, through
`docs_for_query`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
import time

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.search.postings import POSITION_STRIDE, Postings

# The caps on one query: distinct prefix or wildcard patterns, the terms a
# pattern stands for (its most frequent ones), distinct words, and slop.
MAX_PATTERNS = 4
MAX_EXPANSIONS = 24
MAX_WORDS = 32
MAX_SLOP = 10
# How far a pattern's range of terms is scanned for a wildcard's match.
MAX_SCANNED_TERMS = 20_000
# A search's default time for matching, in seconds: well under gunicorn's
# 30 s worker timeout, so a costly query is answered, partly, never killed.
DEFAULT_DEADLINE = 0.5


@dataclasses.dataclass
class Cost:
    """What one search may spend, and what its caps left out."""

    deadline: float  # time.monotonic() past which no more wildcards or phrases are matched
    patterns: dict[str, bool] = dataclasses.field(default_factory=dict)  # pattern -> searched
    expansions: dict[tuple[str, str], list[str]] = dataclasses.field(default_factory=dict)
    words: set[str] = dataclasses.field(default_factory=set)
    notices: list[str] = dataclasses.field(default_factory=list)
    partial: bool = False

    @classmethod
    def starting_now(cls, seconds: float = DEFAULT_DEADLINE) -> Cost:
        return cls(time.monotonic() + seconds)

    def expired(self) -> bool:
        if not self.partial and time.monotonic() > self.deadline:
            self.partial = True
            self.note("The search took too long and stopped early; results may be missing.")
        return self.partial

    def admits(self, word: str) -> bool:
        """Whether a word of the query is searched: its first MAX_WORDS distinct words are."""
        if word in self.words:
            return True
        if len(self.words) < MAX_WORDS:
            self.words.add(word)
            return True
        self.note(f"The query has more than {MAX_WORDS} words; only the first {MAX_WORDS} were searched.")
        return False

    def note(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)


class Matcher:
    """Which documents a parsed query matches, as a boolean array."""

    def __init__(self, searcher: Searcher, postings: Postings, live: np.ndarray, reading: threading.Lock):
        self.searcher = searcher
        self.postings = postings
        self.live = live
        self._reading = reading  # held while reading through `searcher`, shared by threads

    def matching(self, q: query.Query, cost: Cost) -> np.ndarray:
        if q is query.NullQuery:
            return self._none()
        if isinstance(q, query.Term):
            return self._term(q.fieldname, q.text, cost)
        if isinstance(q, query.Every):
            return self.live.copy()
        if isinstance(q, query.AndNot):
            return self.matching(q.a, cost) & ~self.matching(q.b, cost)
        if isinstance(q, query.AndMaybe):
            return self.matching(q.a, cost)
        if isinstance(q, query.Not):
            return self.live & ~self.matching(q.query, cost)
        if isinstance(q, query.And) and type(q) is query.And:
            return np.logical_and.reduce([self.matching(sub, cost) for sub in q.subqueries])
        if isinstance(q, query.Or) and type(q) is query.Or:
            return np.logical_or.reduce([self.matching(sub, cost) for sub in q.subqueries])
        if isinstance(q, (query.Prefix, query.Wildcard)) and self._has_terms(q.fieldname):
            return self._pattern(q.fieldname, q.text, isinstance(q, query.Prefix), cost)
        if isinstance(q, query.Phrase) and q.words and self._has_positions(q.fieldname):
            return self._phrase(q.fieldname, q.words, q.slop, cost) & self.live
        mask = self._none()
        with self._reading:
            mask[np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)] = True
        return mask & self.live

    def _none(self) -> np.ndarray:
        return np.zeros(len(self.live), dtype=bool)

    def _term(self, field: str, text: str, cost: Cost) -> np.ndarray:
        # A word's postings are always read (MAX_WORDS bounds them); the
        # deadline stops only the costlier wildcards and phrases.
        if not cost.admits(text):
            return self._none()
        return self.postings.mask(field, text) & self.live

    def _has_terms(self, field: str) -> bool:
        return field in self.searcher.schema

    def _has_positions(self, field: str) -> bool:
        return field in self.searcher.schema and self.searcher.schema[field].format.supports("positions")

    def expand(self, field: str, pattern: str, prefix: bool, cost: Cost) -> list[str]:
        """The terms a prefix or `*`/`?` pattern stands for, the most frequent
        MAX_EXPANSIONS of them."""
        literal = pattern if prefix else re.split(r"[*?]", pattern, maxsplit=1)[0]
        frequency = self.postings.starting_with(field, literal, limit=None if prefix else MAX_SCANNED_TERMS)
        candidates = list(frequency)
        if not prefix:
            regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))
            candidates = [t for t in candidates if regex.fullmatch(t)]
        if len(candidates) > MAX_EXPANSIONS:
            candidates = sorted(candidates, key=lambda term: -frequency[term])[:MAX_EXPANSIONS]
            written = f"{pattern}*" if prefix else pattern
            cost.note(f"`{written}` stands for many words; only its {MAX_EXPANSIONS} most frequent were searched.")
        return candidates

    def _pattern(self, field: str, pattern: str, prefix: bool, cost: Cost) -> np.ndarray:
        searched = cost.patterns.setdefault(pattern, sum(cost.patterns.values()) < MAX_PATTERNS)
        if not searched:
            cost.note(f"Only {MAX_PATTERNS} wildcards are searched in one query; `{pattern}` was left out.")
            return self._none()
        key = (field, pattern)
        if key not in cost.expansions:
            cost.expansions[key] = self.expand(field, pattern, prefix, cost)
        mask = self._none()
        for term in cost.expansions[key]:
            if cost.expired():
                break
            mask |= self.postings.mask(field, term)
        return mask & self.live

    def _phrase(self, field: str, words: list[str], slop: int, cost: Cost) -> np.ndarray:
        """Documents where the words occur in order, each at most `slop`
        positions after the one before (1: right after it)."""
        if slop > MAX_SLOP:
            cost.note(f"Words of a phrase may be at most {MAX_SLOP} apart; `~{slop}` was searched as `~{MAX_SLOP}`.")
            slop = MAX_SLOP
        # Past the word cap, a phrase is searched as its words that fit.
        words = list(itertools.takewhile(cost.admits, words))
        if not words or cost.expired():
            return self._none()
        starts = self.postings.positions(field, words[0])
        for i, word in enumerate(words[1:], 1):
            if not len(starts) or cost.expired():
                return self._none()
            following = self.postings.positions(field, word)
            if not len(following):
                return self._none()
            if slop == 1:
                # The positions of the i-th word, moved back by i, meet those of the first.
                starts = np.intersect1d(starts, following - i, assume_unique=True)
                continue
            # The nearest later position of the next word, if near enough: the
            # chain that takes the nearest next word each time is the one that
            # keeps every later word in reach.
            at = np.searchsorted(following, starts, side="right")
            found = at < len(following)
            nearest = following[np.minimum(at, len(following) - 1)]
            near = found & (nearest - starts <= slop)
            starts = nearest[near]
        mask = self._none()
        mask[np.unique(starts // POSITION_STRIDE)] = True
        return mask
