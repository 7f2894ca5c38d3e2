"""Term postings as NumPy arrays, read from the index once per index version.

Whoosh's matchers walk postings one document at a time in Python, which
for a common word in a large index costs more than everything else in a
search together. Here a term's postings are read once per index version
into arrays (document numbers and term frequencies, and for phrases,
positions) that matching and ranking then use as array operations.
"""

from __future__ import annotations

import collections
import itertools
import threading

import numpy as np
from whoosh.searching import Searcher

from indexer.build.whoosh_private import position_gaps, read_postings

# Memory for cached postings per index version (in each worker): most of a
# worker's memory, and enough for every term of the queries of a busy day.
CACHED_POSTINGS_BYTES = 256 << 20
# Positions take more memory than frequencies, and only phrases need them.
CACHED_POSITIONS_BYTES = 128 << 20
# A term's positions are kept as sorted keys document * POSITION_STRIDE +
# position, so that a phrase is an intersection of arrays.
POSITION_STRIDE = 1 << 32


class ArrayCache:
    """Arrays read once per index version, the least recently used dropped
    past `limit` bytes. Reading is under `lock` too: the searcher it reads
    through is shared by the threads of a worker."""

    def __init__(self, limit: int, lock: threading.Lock | None = None):
        self.limit = limit
        self.bytes = 0
        self._values: collections.OrderedDict = collections.OrderedDict()
        self._lock = lock or threading.Lock()

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
        # Whoosh's readers are not safe to share between threads: everything
        # read through this searcher, here and in the matcher, holds this lock.
        self.reading = threading.Lock()
        self._frequencies = ArrayCache(CACHED_POSTINGS_BYTES, self.reading)
        self._positions = ArrayCache(CACHED_POSITIONS_BYTES, self.reading)

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
            if (field, text.encode("utf-8")) in segment:
                yield segment.postings(field, text), offset

    def _read(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for matcher, offset in self._segments(field, text):
            segment_ids, segment_weights = read_postings(matcher)
            ids.append(segment_ids + offset)
            weights.append(segment_weights)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(ids), np.concatenate(weights)

    def _read_positions(self, field: str, text: str) -> np.ndarray:
        keys = [np.zeros(0, dtype=np.int64)]
        for matcher, offset in self._segments(field, text):
            ids, values = read_postings(matcher, values=True)
            deltas = [position_gaps(value) for value in values]
            counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
            flat = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
            # Positions are stored as gaps within each document: a running
            # sum, restarted at each document's first position.
            totals = np.cumsum(flat)
            starts = np.cumsum(counts) - counts
            positions = totals - np.repeat(totals[starts] - flat[starts], counts)
            keys.append(np.repeat(ids + offset, counts) * POSITION_STRIDE + positions)
        return np.concatenate(keys)
