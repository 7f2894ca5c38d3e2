"""Which documents a parsed query matches, as a boolean array over cached postings.

Whoosh still parses the query and evaluates what needs term expansion
(prefixes, ranges) or spans (phrases with slop), through `docs_for_query`.
"""

from __future__ import annotations

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.search.postings import POSITION_STRIDE, Postings


class Matcher:
    """Which documents a parsed query matches, as a boolean array."""

    def __init__(self, searcher: Searcher, postings: Postings, live: np.ndarray):
        self.searcher = searcher
        self.postings = postings
        self.live = live

    def matching(self, q: query.Query) -> np.ndarray:
        if q is query.NullQuery:
            return np.zeros(len(self.live), dtype=bool)
        if isinstance(q, query.Term):
            return self.postings.mask(q.fieldname, q.text) & self.live
        if isinstance(q, query.Every):
            return self.live.copy()
        if isinstance(q, query.AndNot):
            return self.matching(q.a) & ~self.matching(q.b)
        if isinstance(q, query.AndMaybe):
            return self.matching(q.a)
        if isinstance(q, query.Not):
            return self.live & ~self.matching(q.query)
        if isinstance(q, query.And) and type(q) is query.And:
            return np.logical_and.reduce([self.matching(sub) for sub in q.subqueries])
        if isinstance(q, query.Or) and type(q) is query.Or:
            return np.logical_or.reduce([self.matching(sub) for sub in q.subqueries])
        if isinstance(q, query.Phrase) and q.slop == 1 and q.words and self._has_positions(q.fieldname):
            return self._phrase(q.fieldname, q.words) & self.live
        # Prefixes, ranges and sloppy phrases need term expansion or spans.
        mask = np.zeros(len(self.live), dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)] = True
        return mask & self.live

    def _has_positions(self, field: str) -> bool:
        return field in self.searcher.schema and self.searcher.schema[field].format.supports("positions")

    def _phrase(self, field: str, words: list[str]) -> np.ndarray:
        """Documents where the words occur one right after the other: the
        positions of the i-th word, moved back by i, meet those of the
        first word."""
        starts = self.postings.positions(field, words[0])
        for i, word in enumerate(words[1:], 1):
            if not len(starts):
                break
            starts = np.intersect1d(starts, self.postings.positions(field, word) - i, assume_unique=True)
        mask = np.zeros(len(self.live), dtype=bool)
        mask[np.unique(starts // POSITION_STRIDE)] = True
        return mask
