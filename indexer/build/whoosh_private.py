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

import copy
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import whoosh
from whoosh import formats
from whoosh.codec.base import Segment
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, Index
from whoosh.writing import SegmentWriter

from indexer.build.analysis import TOKEN, TextAnalyzer, index_term

# The Whoosh release (the `whoosh3` distribution) this module was tested with.
TESTED_WHOOSH = (3, 54, 0)

__all__ = [
    "NewIndexWriter",
    "Segment",
    "TextPositions",
    "SEGMENTS_COMPOUND",
    "check_whoosh_version",
    "index_folder",
    "index_schema",
    "position_gaps",
    "read_postings",
    "segment_readers",
    "segments_writer",
    "term_positions",
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


# Segments are written as separate files, not as one compound file: a
# Whoosh reader copies each part of a compound file into its own memory
# (about 100 MB per reader at 20,000 items, one reader per thread), where
# it reads separate files in place.
SEGMENTS_COMPOUND = False


def segments_writer(index: Index) -> SegmentWriter:
    """The writer that holds the index's lock and commits the segments of
    `NewIndexWriter.for_segment` writers, with
    `commit(mergetype=lambda *_: segments)`."""
    return cast(SegmentWriter, index.writer())


# (field name, term bytes, document number, weight, value): the value of a
# field with positions is the list of positions, encoded when written.
Posting = tuple[str, bytes, int, float, Any]
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


# Told each term's postings as a segment is written, in sorted order:
# (field, term bytes, document numbers, weights, positions per document or
# None for a field without positions).
PostingsSink = Callable[[str, bytes, list[int], list[float], list[list[int]] | None], None]


class NewIndexWriter(SegmentWriter):
    """A writer for an index that has no documents yet, where documents are
    only added (no deletions, no merging of older segments). As it writes
    the segment's postings, it tells `sink` each term's postings too."""

    def __init__(self, index: Index, sink: PostingsSink | None = None, **kwargs: Any) -> None:
        if index.doc_count_all():
            raise ValueError("NewIndexWriter writes into an empty index only")
        super().__init__(index, **kwargs)
        self.terms = TermPool()
        # SegmentWriter adds every posting to its `pool`.
        self.pool = self.terms  # type: ignore[assignment]
        self.sink = sink
        # In this writer's own copy of the schema, text fields hand their
        # positions to the pool as lists, for both kinds of postings.
        self.schema = copy.deepcopy(self.schema)
        for _, field in self.schema.items():
            if isinstance(field.format, TextPositions):
                field.format = RawPositions(field_boost=field.format.field_boost)

    @classmethod
    def for_segment(cls, index: Index, sink: PostingsSink | None = None) -> NewIndexWriter:
        """A writer of one segment that another writer commits: it takes no
        lock (that writer holds it)."""
        return cls(index, sink, _lk=False, compound=SEGMENTS_COMPOUND)

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
        encode = None
        for fieldname, btext in sorted(self.terms.by_term):
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                current = fieldname
                writer.start_field(fieldname, self.schema[fieldname])
                length_of = lengths.doc_field_length_reader(fieldname)
                document_lengths = [length_of(docnum) for docnum in range(self.docnum)]
                field_format = self.schema[fieldname].format
                encode = field_format.encode if isinstance(field_format, RawPositions) else None
            postings = self.terms.by_term[fieldname, btext]
            writer.start_term(btext)
            for _, _, docnum, weight, value in postings:
                writer.add(docnum, weight, encode(value) if encode else value or b"", document_lengths[docnum])
            writer.finish_term()
            if self.sink:
                self.sink(
                    fieldname,
                    btext,
                    [posting[2] for posting in postings],
                    [posting[3] for posting in postings],
                    [posting[4] for posting in postings] if encode else None,
                )
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
        boost = self.field_boost
        for term, found in term_positions(value).items():
            yield term, len(found), len(found) * boost, self.encode(found)


class RawPositions(TextPositions):
    """TextPositions whose values are the position lists themselves, for
    `NewIndexWriter`, which encodes them as it writes the segment."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            raise TypeError("RawPositions indexes text with the TextAnalyzer only")
        boost = self.field_boost
        for term, found in term_positions(value).items():
            yield term, len(found), len(found) * boost, found


def term_positions(text: str) -> dict[str, list[int]]:
    """Each indexed term of `text` and its positions. Stop words are dropped
    before counting, so they take no position (as in TextAnalyzer)."""
    positions: defaultdict[str, list[int]] = defaultdict(list)
    terms = [term for term in map(index_term, TOKEN.findall(text)) if term is not None]
    for pos, term in enumerate(terms):
        positions[term].append(pos)
    return positions


def read_postings(matcher, values: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    """All postings of a segment's term: document numbers, weights and, with
    `values`, encoded values. Whoosh 3's leaf matcher decodes a block of
    postings at a time; reading whole blocks (its `_read_ids`/`_read_weights`/
    `_read_values`) is many times faster than stepping through them one by one."""
    ids: list = []
    weights: list = []
    found: list = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            ids.extend(matcher._ids)
            matcher._read_weights()
            weights.extend(matcher._weights)
            if values:
                matcher._read_values()
                found.extend(matcher._values)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if values:
                found.append(matcher.value())
            matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32), found


def index_folder(index: Index) -> Path:
    """The folder of an index on disk."""
    return Path(cast(FileStorage, cast(FileIndex, index).storage).folder)


def index_schema(index: Index) -> Schema:
    return cast(FileIndex, index).schema


def segment_readers(index: Index) -> Iterator[tuple[str, Any, int]]:
    """(segment id, its reader, its first document number) of each segment."""
    with index.reader() as reader:
        for segment_reader, base in reader.leaf_readers():
            yield cast(Segment, segment_reader.segment()).segment_id(), segment_reader, base


def position_gaps(value: bytes) -> list[int]:
    """The gaps between a document's positions, from a stored Positions value."""
    return pickle.loads(value[POSITIONS_OFFSET:] + b".")
