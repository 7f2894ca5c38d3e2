"""The Whoosh internals newsearch relies on, and only here.

Whoosh's public API does not offer what the build and the search need to be
fast, so this module uses some of its private parts:

- `NewIndexWriter` subclasses `SegmentWriter` and replaces its postings
  pool and flush (`pool`, `docnum`, `perdocwriter`, `fieldwriter`,
  `_finalize_segment`, `_close_segment`, the `_lk` argument);
- `TextPositions` subclasses `formats.Positions` and writes its bytes
  through the format's `encode`;
- `read_postings` reads a leaf matcher's blocks (`_read_ids`, `_ids`,
  `_read_weights`, `_weights`, `_read_values`, `_values`, `_next_block`);
- `position_gaps` decodes the stored bytes of a `Positions` value.

Each is tested against what Whoosh itself writes or reads
(`tests/test_writer.py`, `tests/test_matching.py`). They were written for
the one Whoosh release below; importing this module with any other one
fails at once with a message saying so, rather than misreading an index.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from typing import Any, cast

import numpy as np
import whoosh
from whoosh import formats
from whoosh.codec.base import Segment
from whoosh.index import Index
from whoosh.writing import SegmentWriter

from indexer.build.analysis import TOKEN, TextAnalyzer, index_term

# The Whoosh release (the `whoosh3` distribution) this module was tested with.
TESTED_WHOOSH = (3, 54, 0)

__all__ = [
    "NewIndexWriter",
    "Segment",
    "TextPositions",
    "check_whoosh_version",
    "position_gaps",
    "read_postings",
    "segments_writer",
]


def check_whoosh_version(installed: tuple[int, ...] = whoosh.__version__) -> None:
    if tuple(installed[:3]) != TESTED_WHOOSH:
        tested = ".".join(map(str, TESTED_WHOOSH))
        found = ".".join(map(str, installed))
        raise ImportError(
            f"newsearch uses Whoosh internals tested with whoosh3=={tested} only, but Whoosh {found} "
            f"is installed; install whoosh3=={tested} (as pyproject.toml pins it), or test "
            f"indexer/build/whoosh_private.py against the new release and update TESTED_WHOOSH"
        )


check_whoosh_version()


def segments_writer(index: Index) -> SegmentWriter:
    """The writer that holds the index's lock and commits the segments of
    `NewIndexWriter.for_segment` writers, with
    `commit(mergetype=lambda *_: segments)`."""
    return cast(SegmentWriter, index.writer())


# (field name, term bytes, document number, weight, encoded value)
Posting = tuple[str, bytes, int, float, bytes | None]
# A Positions value is the position count (4 bytes), then the gaps between
# positions pickled, its final stop byte possibly left out.
POSITIONS_OFFSET = 4


class TermPool:
    """Postings grouped by (field, term), in the order they were added."""

    def __init__(self) -> None:
        self.by_term: defaultdict[tuple[str, bytes], list[Posting]] = defaultdict(list)

    def add(self, posting: Posting) -> None:
        self.by_term[posting[0], posting[1]].append(posting)

    def cleanup(self) -> None:
        self.by_term.clear()


class NewIndexWriter(SegmentWriter):
    """A writer for an index that has no documents yet, where documents are
    only added (no deletions, no merging of older segments)."""

    def __init__(self, index: Index, **kwargs: Any) -> None:
        if index.doc_count_all():
            raise ValueError("NewIndexWriter writes into an empty index only")
        super().__init__(index, **kwargs)
        self.terms = TermPool()
        # SegmentWriter adds every posting to its `pool`.
        self.pool = self.terms  # type: ignore[assignment]

    @classmethod
    def for_segment(cls, index: Index) -> NewIndexWriter:
        """A writer of one segment that another writer commits: it takes no
        lock (that writer holds it)."""
        return cls(index, _lk=False)

    def cancel(self, **kwargs: Any) -> None:
        """Close this writer's files. The folder of temporary files is
        shared by all the writers of an index; the one that commits or
        cancels last, Whoosh's own writer, removes it."""
        self._close_segment()
        if self.writelock:
            self.writelock.release()
        self.is_closed = True

    def write_segment(self) -> Segment:
        """Write the documents added so far as a segment, without committing
        it: for a writer made with `for_segment`."""
        segment = self._finalize_segment()
        self.is_closed = True
        return segment

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            self._write_postings(lengths)
        finally:
            lengths.close()
        self.fieldwriter.close()

    def _write_postings(self, lengths) -> None:
        writer = self.fieldwriter
        current = None
        document_lengths: list = []
        for fieldname, btext in sorted(self.terms.by_term):
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                current = fieldname
                writer.start_field(fieldname, self.schema[fieldname])
                length_of = lengths.doc_field_length_reader(fieldname)
                document_lengths = [length_of(docnum) for docnum in range(self.docnum)]
            writer.start_term(btext)
            for _, _, docnum, weight, vbytes in self.terms.by_term[fieldname, btext]:
                writer.add(docnum, weight, vbytes or b"", document_lengths[docnum])
            writer.finish_term()
        if current is not None:
            writer.finish_field()


class TextPositions(formats.Positions):
    """Whoosh's positions format, writing the same bytes, with a document's
    postings computed in one pass over its words instead of through a token
    stream: indexing the body is most of the work of a build."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        positions: defaultdict[str, list[int]] = defaultdict(list)
        # Stop words are dropped before counting, so they take no position
        # (as in TextAnalyzer).
        terms = [term for term in map(index_term, TOKEN.findall(value)) if term is not None]
        for pos, term in enumerate(terms):
            positions[term].append(pos)
        boost = self.field_boost
        for term, found in positions.items():
            yield term, len(found), len(found) * boost, self.encode(found)


def read_postings(matcher, values: bool = False):
    """All postings of a segment's term: document numbers and frequencies,
    or with `values`, document numbers and encoded values. Whoosh 3's leaf
    matcher decodes a block of postings at a time; reading whole blocks
    (its `_read_ids`/`_read_weights`/`_read_values`) is many times faster
    than stepping through them one by one."""
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


def position_gaps(value: bytes) -> list[int]:
    """The gaps between a document's positions, from a stored Positions value."""
    return pickle.loads(value[POSITIONS_OFFSET:] + b".")
