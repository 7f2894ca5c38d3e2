"""Writing a new index in one go: with less work per posting than Whoosh's
general-purpose writer, and in several processes at once.

`SegmentWriter` puts every posting of every document into a pool, sorts all
of them (spilling sorted runs to disk when the pool is full) and, while
writing them out, reads each posting's document length back from disk. When
a whole index is written from scratch none of that is needed: documents
arrive in order, so grouping the postings by term as they come keeps each
term's postings sorted, only the terms are sorted at the end, and the
document lengths are read once per field.

With several processes, each writes the segment of one consecutive slice of
the documents and the last one commits them all, in order, so document
numbers follow the input as with one process. The segment files are
Whoosh's own, written by its codec; `NewIndexWriter` (in `whoosh_private`)
is the writer, and `tests/test_writer.py` checks that its segments hold
exactly what `SegmentWriter` writes. Each segment's flat postings
(`indexer.build.flat`) are written beside it from the same pool.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

from whoosh.index import Index

from indexer.build.flat import FlatWriter
from indexer.build.whoosh_private import NewIndexWriter, Segment, index_folder, index_schema, segments_writer

# What is written: any value `to_document` turns into a Whoosh document.
Record = TypeVar("Record")

# Below this many documents per process, starting one costs more than it saves.
MIN_DOCUMENTS_PER_PROCESS = 500


def available_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def write_new_index(
    index: Index,
    records: Sequence[Record],
    to_document: Callable[[Record], dict],
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write `to_document(record)` of every record into the empty `index`,
    in up to `processes` processes; `progress(done, total)` is called as
    this process's share of the documents is added."""
    processes = max(1, min(processes, len(records) // MIN_DOCUMENTS_PER_PROCESS))
    # Whoosh's lock is held by the writer that commits; the others write
    # only their own segment's files.
    committer = segments_writer(index)
    try:
        segments = _write_segments(index, records, to_document, processes, progress)
        committer.commit(mergetype=lambda _writer, _existing: segments)
    except BaseException:
        if not committer.is_closed:  # a failed commit has cleaned up already
            committer.cancel()
        raise


def _write_segments(
    index: Index,
    records: Sequence[Record],
    to_document: Callable[[Record], dict],
    processes: int,
    progress: Callable[[int, int], None] | None,
) -> list[Segment]:
    """The segments of consecutive slices of `records`, in their order: the
    last slice written here, the others by helper processes meanwhile."""
    bounds = [len(records) * part // processes for part in range(processes + 1)]
    context = multiprocessing.get_context("spawn")
    helpers = []
    try:
        for start, end in zip(bounds[:-2], bounds[1:-1], strict=True):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_write_part,
                args=(index, records[start:end], to_document, sender),
                name=f"index writer {start}-{end}",
                daemon=True,
            )
            process.start()
            sender.close()
            helpers.append((process, receiver))

        own = records[bounds[-2] :]

        def report(done: int) -> None:  # the helpers are assumed to keep pace
            if progress:
                progress(len(records) * done // len(own), len(records))

        last = _write_segment(index, own, to_document, report)
        segments = [_received_segment(process, receiver) for process, receiver in helpers]
        return segments + [last] if last else segments
    finally:
        for process, receiver in helpers:
            receiver.close()
            if process.is_alive():
                process.terminate()
            process.join()


def _write_segment(
    index: Index,
    records: Sequence[Record],
    to_document: Callable[[Record], dict],
    report: Callable[[int], None] | None = None,
) -> Segment | None:
    """Write the segment of `records` with its flat postings, uncommitted;
    None if there are none."""
    flat = FlatWriter(index_schema(index))
    writer = NewIndexWriter.for_segment(index, flat.add)
    try:
        for done, record in enumerate(records, 1):
            writer.add_document(**to_document(record))
            if report:
                report(done)
        if not records:
            return None
        segment = writer.write_segment()
        flat.write(index_folder(index), segment.segment_id())
        return segment
    finally:
        if not writer.is_closed:
            writer.cancel()


def _write_part(index: Index, records: Sequence[Record], to_document: Callable[[Record], dict], sender) -> None:
    """A helper process: write the segment of `records` and send it back."""
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        sender.send(("segment", _write_segment(index, records, to_document)))
    except BaseException:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _exit_with_parent() -> None:
    # A build that is killed leaves nothing writing into its abandoned
    # version, which the next build removes.
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
    os._exit(1)


def _received_segment(process, receiver) -> Segment:
    try:
        kind, value = receiver.recv()
    except EOFError:
        process.join()
        raise RuntimeError(
            f"{process.name} stopped (exit code {process.exitcode}) without writing its segment"
        ) from None
    if kind == "error":
        raise RuntimeError(f"{process.name} failed:\n{value}")
    return value
