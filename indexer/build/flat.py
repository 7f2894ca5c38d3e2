"""Flat postings: the postings a search reads, as arrays beside Whoosh's files.

Whoosh stores postings in pickled, compressed blocks, so the first read of a
term decodes them in Python. Each segment of a version also gets its
postings written as plain NumPy arrays (`.npy` files), which a search maps
into memory: reading a term is a binary search and a slice, and every worker
on a host shares the same pages through the OS page cache.

Whoosh stays the index of record: its files are complete without these.
For a segment named `MAIN_<id>` the files are `MAIN_<id>.flat_<array>.npy`:

    keys             sorted `field NUL term` (UTF-8), fixed width
    starts           int64, len(keys) + 1: term i's postings are docs[starts[i]:starts[i + 1]]
    docs, weights    int32 segment document numbers, float32 term frequencies
    position_starts  int64, len(keys) + 1: term i's positions (none for fields without)
    positions        int64 sorted keys document * POSITION_STRIDE + position

Whoosh deletes a segment's files, these too, when it merges the segment away.
A segment written by Whoosh's own writer (an update) gets its flat postings
from `write_missing`, which reads them back from the segment.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from whoosh.fields import NUMERIC, Schema
from whoosh.index import Index

from indexer.build.whoosh_private import index_folder, position_gaps, read_postings, segment_readers

log = logging.getLogger(__name__)

ARRAYS = ("keys", "starts", "docs", "weights", "position_starts", "positions")
# A term's positions are sorted keys document * POSITION_STRIDE + position,
# so that a phrase is an intersection of arrays.
POSITION_STRIDE = 1 << 32
SEPARATOR = b"\x00"


def term_key(field: str, text: str | bytes) -> bytes:
    return field.encode("utf-8") + SEPARATOR + (text if isinstance(text, bytes) else text.encode("utf-8"))


def array_path(folder: Path, segment_id: str, name: str) -> Path:
    return folder / f"{segment_id}.flat_{name}.npy"


def flat_fields(schema: Schema) -> frozenset[str]:
    """The fields with flat postings: every indexed field but numbers and
    dates (binary terms, which a search reads through Whoosh)."""
    return frozenset(name for name, field in schema.items() if field.indexed and not isinstance(field, NUMERIC))


class FlatWriter:
    """Collects one segment's postings, term by term in sorted key order,
    for the flat fields of `schema`."""

    def __init__(self, schema: Schema) -> None:
        self.fields = flat_fields(schema)
        self.keys: list[bytes] = []
        self.counts: list[int] = []
        self.docs: list[int] = []
        self.weights: list[float] = []
        self.position_counts: list[int] = []
        self.positions: list[np.ndarray] = []

    def add(
        self,
        field: str,
        text: bytes,
        docs: Sequence[int] | np.ndarray,
        weights: Sequence[float] | np.ndarray,
        positions: Sequence[Sequence[int] | np.ndarray] | None = None,
    ) -> None:
        """One term: its documents, weights and, for a field with positions,
        each document's positions (a `PostingsSink`)."""
        if field not in self.fields:
            return
        key = term_key(field, text)
        if self.keys and key <= self.keys[-1]:
            raise ValueError(f"terms out of order: {key!r} after {self.keys[-1]!r}")
        self.keys.append(key)
        self.counts.append(len(docs))
        self.docs.extend(docs)
        self.weights.extend(weights)
        if positions is None:
            self.position_counts.append(0)
            return
        lengths = np.fromiter(map(len, positions), dtype=np.int64, count=len(positions))
        flat = np.fromiter(itertools.chain.from_iterable(positions), dtype=np.int64, count=int(lengths.sum()))
        self.positions.append(np.repeat(np.asarray(docs, dtype=np.int64), lengths) * POSITION_STRIDE + flat)
        self.position_counts.append(len(flat))

    def arrays(self) -> dict[str, np.ndarray]:
        width = max(map(len, self.keys), default=1)
        return {
            "keys": np.array(self.keys, dtype=f"S{width}"),
            "starts": _starts(self.counts),
            "docs": np.array(self.docs, dtype=np.int32),
            "weights": np.array(self.weights, dtype=np.float32),
            "position_starts": _starts(self.position_counts),
            "positions": np.concatenate(self.positions) if self.positions else np.zeros(0, dtype=np.int64),
        }

    def write(self, folder: Path, segment_id: str) -> None:
        for name, array in self.arrays().items():
            np.save(array_path(folder, segment_id, name), array, allow_pickle=False)


def _starts(counts: Sequence[int]) -> np.ndarray:
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts


class FlatSegment:
    """One segment's flat postings, mapped into memory (or, for a segment
    written before these files existed, read back from Whoosh)."""

    def __init__(self, arrays: dict[str, np.ndarray], base: int, deleted: np.ndarray | None = None):
        self.base = base  # the segment's first document number in the index
        # Documents an update deleted (True for each) stay in the files; they
        # are left out of what is read, as Whoosh leaves them out.
        self.deleted = deleted
        self.keys = arrays["keys"]
        self.starts = arrays["starts"]
        self.docs = arrays["docs"]
        self.weights = arrays["weights"]
        self.position_starts = arrays["position_starts"]
        self.positions = arrays["positions"]
        self.width = self.keys.dtype.itemsize

    @classmethod
    def open(cls, folder: Path, segment_id: str, base: int, deleted: np.ndarray | None = None) -> FlatSegment:
        arrays = {name: np.load(array_path(folder, segment_id, name), mmap_mode="r") for name in ARRAYS}
        return cls(arrays, base, deleted)

    def find(self, key: bytes) -> int | None:
        """The term number of `key`, or None."""
        if len(key) > self.width:
            return None
        at = int(np.searchsorted(self.keys, key))
        return at if at < len(self.keys) and self.keys[at] == key else None

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.starts[term], self.starts[term + 1]
        docs, weights = np.asarray(self.docs[start:end]), np.asarray(self.weights[start:end])
        if self.deleted is not None:
            kept = ~self.deleted[docs]
            docs, weights = docs[kept], weights[kept]
        return (docs + self.base if self.base else docs), weights

    def term_positions(self, term: int) -> np.ndarray:
        keys = np.asarray(self.positions[self.position_starts[term] : self.position_starts[term + 1]])
        if self.deleted is not None:
            keys = keys[~self.deleted[keys // POSITION_STRIDE]]
        return keys + self.base * POSITION_STRIDE if self.base else keys

    def keys_between(self, low: bytes, high: bytes, limit: int | None = None) -> tuple[list[bytes], np.ndarray]:
        """The keys in [low, high) (the first `limit` of them), and the number
        of documents each term is in."""
        start = int(np.searchsorted(self.keys, low))
        end = int(np.searchsorted(self.keys, high))
        end = end if limit is None else min(end, start + limit)
        return self.keys[start:end].tolist(), np.diff(self.starts[start : end + 1])


def read_segment(segment) -> FlatWriter:
    """A Whoosh segment's postings, read back through Whoosh."""
    flat = FlatWriter(segment.schema)
    for field in sorted(flat.fields & set(segment.indexed_field_names())):
        with_positions = segment.schema[field].format.supports("positions")
        for text in segment.lexicon(field):
            docs, weights, values = read_postings(segment.postings(field, text), values=with_positions)
            positions = [np.cumsum(position_gaps(value)) for value in values] if with_positions else None
            flat.add(field, text, docs, weights, positions)
    return flat


def open_segments(index: Index) -> list[FlatSegment]:
    """The flat postings of every segment of `index`, in document order.
    A segment without them (written before they existed) is read back from
    Whoosh into memory, once, with a warning."""
    folder = index_folder(index)
    segments = []
    for segment_id, segment, base in segment_readers(index):
        deleted = None
        if segment.has_deletions():
            deleted = np.zeros(segment.doc_count_all(), dtype=bool)
            deleted[list(segment.segment().deleted_docs())] = True
        if array_path(folder, segment_id, ARRAYS[-1]).exists():
            segments.append(FlatSegment.open(folder, segment_id, base, deleted))
            continue
        log.warning(
            "segment %s has no flat postings; reading them from Whoosh (rebuild the index to write them)", segment_id
        )
        segments.append(FlatSegment(read_segment(segment).arrays(), base, deleted))
    return segments


def write_missing(index: Index) -> list[str]:
    """Write the flat postings of every segment that has none (segments an
    update or a merge wrote with Whoosh's writer); the ids written."""
    folder = index_folder(index)
    written = []
    for segment_id, segment, _ in segment_readers(index):
        if not array_path(folder, segment_id, ARRAYS[-1]).exists():
            read_segment(segment).write(folder, segment_id)
            written.append(segment_id)
    return written
