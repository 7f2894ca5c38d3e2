"""Boolean matching and BM25F ranking over cached postings, in NumPy.

Whoosh's matchers walk postings one document at a time in Python, which
for a common word in a large index costs more than everything else in a
search together. Here a term's postings are read from the index once per
index version into arrays (document numbers and term frequencies), and a
query's matching set and scores are array operations. Whoosh still parses
the query, stores the postings and evaluates what needs positions
(phrases) or term expansion (prefixes), through `docs_for_query`.
"""

from __future__ import annotations

import collections
import math
import threading

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.schema import BODY, TITLE

# BM25F parameters: a title is short, so its length matters less.
K1 = 1.2
FIELD_B = {TITLE: 0.3, BODY: 0.75}
FIELD_WEIGHT = {TITLE: 2.0, BODY: 1.0}
CACHED_TERMS = 20_000


class Postings:
    """Term postings as arrays, cached per index version (least recently
    used terms are dropped past CACHED_TERMS)."""

    def __init__(self, searcher: Searcher, size: int):
        self.size = size
        self._searcher = searcher
        self._cache: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, text)
        # Reading is under the lock too: the searcher it reads through is
        # shared by the threads of a worker.
        with self._lock:
            found = self._cache.get(key)
            if found is None:
                found = self._cache[key] = self._read(field, text)
                if len(self._cache) > CACHED_TERMS:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            return found

    def _read(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for segment, offset in self._searcher.reader().leaf_readers():
            if (field, text) in segment:
                segment_ids, segment_weights = _read_postings(segment.postings(field, text))
                ids.append(segment_ids + offset)
                weights.append(segment_weights)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(ids), np.concatenate(weights)

    def mask(self, field: str, text: str) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.get(field, text)[0]] = True
        return mask


def _read_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """All (document, frequency) postings of a segment's term. Whoosh 3's
    leaf matcher decodes a block of postings at a time; reading whole blocks
    (its `_read_ids`/`_read_weights`, pinned with the exact whoosh3 version)
    is many times faster than stepping through them one by one."""
    ids: list = []
    weights: list = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


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
        # Phrases, prefixes and ranges need positions or term expansion.
        mask = np.zeros(len(self.live), dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)] = True
        return mask & self.live


class BM25F:
    """BM25F over the title and body, from cached postings and per-document
    field lengths read once per index version."""

    def __init__(self, searcher: Searcher, postings: Postings):
        self.postings = postings
        reader = searcher.reader()
        self.documents = max(reader.doc_count(), 1)
        size = postings.size
        self.lengths = {field: np.array([reader.doc_field_length(d, field, 0) for d in range(size)],
                                        dtype=np.float32)
                        for field in FIELD_B}
        self.average = {field: max(float(lengths.mean()), 1.0) for field, lengths in self.lengths.items()}

    def scores(self, terms: list[tuple[str, str, float]]) -> np.ndarray:
        """Each (field, term, boost) adds its BM25 weight to the documents
        containing it."""
        total = np.zeros(self.postings.size, dtype=np.float32)
        for field, text, boost in terms:
            if field not in FIELD_B:
                continue
            ids, frequencies = self.postings.get(field, text)
            if not len(ids):
                continue
            idf = math.log(1 + (self.documents - len(ids) + 0.5) / (len(ids) + 0.5))
            b = FIELD_B[field]
            norm = 1 - b + b * self.lengths[field][ids] / self.average[field]
            total[ids] += (boost * FIELD_WEIGHT[field] * idf) * frequencies * (K1 + 1) / (frequencies + K1 * norm)
        return total


def scoring_terms(q: query.Query) -> list[tuple[str, str, float]]:
    """The (field, term, boost) a query scores by: its positive terms,
    phrases counted by their words, negated parts left out."""
    found: list[tuple[str, str, float]] = []

    def walk(node: query.Query, boost: float) -> None:
        boost *= getattr(node, "boost", 1.0)
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a, boost)
            return
        if isinstance(node, query.Term):
            found.append((node.fieldname, node.text, boost))
        elif isinstance(node, query.Phrase):
            found.extend((node.fieldname, word, boost) for word in node.words)
        elif node.is_leaf():
            return
        for child in node.children():
            walk(child, boost)

    walk(q, 1.0)
    return list(dict.fromkeys(found))
