"""Term postings as NumPy arrays: slices of the flat postings the build
wrote beside each segment (`indexer.build.flat`), mapped into memory.

Whoosh's matchers walk postings one document at a time in Python, and its
first read of a term decodes pickled blocks. Here a term's documents, term
frequencies and positions are array slices that matching and ranking use
as array operations; the pages they come from are shared by every worker
on a host through the OS page cache, so nothing is cached per worker.
"""

from __future__ import annotations

import numpy as np
from whoosh.index import Index

from indexer.build.flat import POSITION_STRIDE, FlatSegment, open_segments, term_key

__all__ = ["POSITION_STRIDE", "Postings"]

_EMPTY_DOCS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
_EMPTY_POSITIONS = np.zeros(0, dtype=np.int64)


class Postings:
    """Each term's documents and frequencies, and for phrases its positions,
    over all segments of one index version (document numbers as Whoosh's)."""

    def __init__(self, index: Index, size: int):
        self.size = size
        self.segments: list[FlatSegment] = open_segments(index)

    def _found(self, field: str, text: str):
        key = term_key(field, text)
        for segment in self.segments:
            term = segment.find(key)
            if term is not None:
                yield segment, term

    def get(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents containing a term, and its frequency in each."""
        found = [segment.postings(term) for segment, term in self._found(field, text)]
        if len(found) == 1:
            return found[0]
        if not found:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        return np.concatenate([docs for docs, _ in found]), np.concatenate([weights for _, weights in found])

    def positions(self, field: str, text: str) -> np.ndarray:
        """Where a term occurs: sorted keys document * POSITION_STRIDE + position."""
        found = [segment.term_positions(term) for segment, term in self._found(field, text)]
        if len(found) == 1:
            return found[0]
        return np.concatenate(found) if found else _EMPTY_POSITIONS

    def mask(self, field: str, text: str) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.get(field, text)[0]] = True
        return mask

    def starting_with(self, field: str, prefix: str, limit: int | None = None) -> dict[str, int]:
        """The terms of `field` that start with `prefix`, in order (at most
        `limit` of them from each segment), each with the number of documents
        it is in."""
        low = term_key(field, prefix)
        # Every key that starts with `low` sorts below `low` + 0xff: no
        # UTF-8 byte is 0xff.
        high = low + b"\xff"
        skip = len(low)
        frequencies: dict[str, int] = {}
        for segment in self.segments:
            keys, counts = segment.keys_between(low, high, limit)
            for key, count in zip(keys, counts.tolist(), strict=True):
                text = prefix + key[skip:].decode("utf-8")
                frequencies[text] = frequencies.get(text, 0) + count
        return dict(sorted(frequencies.items())) if len(self.segments) > 1 else frequencies
