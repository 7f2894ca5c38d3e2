"""Boolean matching and BM25F ranking over cached postings, in NumPy.

Whoosh's matchers walk postings one document at a time in Python, which
for a common word in a large index costs more than everything else in a
search together. Here a term's postings are read from the index once per
index version into arrays (document numbers and term frequencies, and for
phrases, positions), and a query's matching set and scores are array
operations. Whoosh still parses the query, stores the postings and
evaluates what needs term expansion (prefixes, ranges) or spans (phrases
with slop), through `docs_for_query`.
"""

from __future__ import annotations

import collections
import itertools
import math
import pickle
import threading

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.schema import BODY, TITLE

# BM25F parameters: a title is short, so its length matters less.
K1 = 1.2
FIELD_B = {TITLE: 0.3, BODY: 0.75}
FIELD_WEIGHT = {TITLE: 2.0, BODY: 1.0}
# Memory for cached postings per index version (in each worker): most of a
# worker's memory, and enough for every term of the queries of a busy day.
CACHED_POSTINGS_BYTES = 256 << 20
# Positions take more memory than frequencies, and only phrases need them.
CACHED_POSITIONS_BYTES = 128 << 20
# A term's positions are kept as sorted keys document * POSITION_STRIDE +
# position, so that a phrase is an intersection of arrays.
POSITION_STRIDE = 1 << 32
# A formats.Positions value is the position count (4 bytes), then the gaps
# between positions pickled, its final stop byte possibly left out.
POSITIONS_OFFSET = 4


class ArrayCache:
    """Arrays read once per index version, the least recently used dropped
    past `limit` bytes. Reading is under the lock too: the searcher it reads
    through is shared by the threads of a worker."""

    def __init__(self, limit: int):
        self.limit = limit
        self.bytes = 0
        self._values: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, read):
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
                return found
            found = self._values[key] = read(*key)
            self.bytes += _nbytes(found)
            while self.bytes > self.limit and len(self._values) > 1:
                self.bytes -= _nbytes(self._values.popitem(last=False)[1])
            return found


def _nbytes(value) -> int:
    return sum(array.nbytes for array in value) if isinstance(value, tuple) else value.nbytes


class Postings:
    """Term postings as arrays, cached per index version: for each term its
    documents and frequencies, and for phrases, its positions."""

    def __init__(self, searcher: Searcher, size: int):
        self.size = size
        self._searcher = searcher
        self._frequencies = ArrayCache(CACHED_POSTINGS_BYTES)
        self._positions = ArrayCache(CACHED_POSITIONS_BYTES)

    def get(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents containing a term, and its frequency in each."""
        return self._frequencies.get((field, text), self._read)

    def positions(self, field: str, text: str) -> np.ndarray:
        """Where a term occurs: sorted keys document * POSITION_STRIDE + position."""
        return self._positions.get((field, text), self._read_positions)

    def mask(self, field: str, text: str) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.get(field, text)[0]] = True
        return mask

    def _segments(self, field: str, text: str):
        for segment, offset in self._searcher.reader().leaf_readers():
            if (field, text) in segment:
                yield segment.postings(field, text), offset

    def _read(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for matcher, offset in self._segments(field, text):
            segment_ids, segment_weights = _read_postings(matcher)
            ids.append(segment_ids + offset)
            weights.append(segment_weights)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(ids), np.concatenate(weights)

    def _read_positions(self, field: str, text: str) -> np.ndarray:
        keys = [np.zeros(0, dtype=np.int64)]
        for matcher, offset in self._segments(field, text):
            ids, values = _read_postings(matcher, values=True)
            deltas = [pickle.loads(value[POSITIONS_OFFSET:] + b".") for value in values]
            counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
            flat = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
            # Positions are stored as gaps within each document: a running
            # sum, restarted at each document's first position.
            totals = np.cumsum(flat)
            starts = np.cumsum(counts) - counts
            positions = totals - np.repeat(totals[starts] - flat[starts], counts)
            keys.append(np.repeat(ids + offset, counts) * POSITION_STRIDE + positions)
        return np.concatenate(keys)


def _read_postings(matcher, values: bool = False):
    """All postings of a segment's term: document numbers and frequencies,
    or with `values`, document numbers and encoded values. Whoosh 3's leaf
    matcher decodes a block of postings at a time; reading whole blocks
    (its `_read_ids`/`_read_weights`/`_read_values`, pinned with the exact
    whoosh3 version) is many times faster than stepping through them one by
    one."""
    ids: list = []
    found: list = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            ids.extend(matcher._ids)
            if values:
                matcher._read_values()
                found.extend(matcher._values)
            else:
                matcher._read_weights()
                found.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            found.append(matcher.value() if values else matcher.weight())
            matcher.next()
    if values:
        return np.asarray(ids, dtype=np.int64), found
    return np.asarray(ids, dtype=np.int64), np.asarray(found, dtype=np.float32)


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
