"""Per-document facet and date arrays, for counting and filtering in NumPy.

Counting facets with Whoosh's `groupedby` walks every matching document in
Python for every facet. Here each facet is a boolean matrix (documents x
values) read once per index version from the inverted index itself, so a
facet count over any set of matching documents is one vectorised sum, and
filters are column lookups.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from whoosh.reading import IndexReader

from indexer.build.schema import DATE_END, DATE_START, FACET_FIELDS, PRIMARY_FIELDS


@dataclasses.dataclass(frozen=True)
class FacetColumn:
    """One facet as (document, value) pairs grouped by value: counting the
    values of any set of documents is one gather of the pairs' documents
    and one sum per value's run of pairs."""

    values: tuple[str, ...]  # value number j is values[j]
    documents: np.ndarray  # int32: the document of each pair
    value_numbers: np.ndarray  # int: the value of each pair, ascending
    starts: np.ndarray  # int: where each value's pairs start (every value has some)

    def column(self, value: str) -> int | None:
        try:
            return self.values.index(value)
        except ValueError:
            return None

    def documents_with_any(self, values, size: int) -> np.ndarray:
        wanted = [j for j in (self.column(v) for v in values) if j is not None]
        mask = np.zeros(size, dtype=bool)
        mask[self.documents[np.isin(self.value_numbers, wanted)]] = True
        return mask

    def counts(self, mask: np.ndarray) -> np.ndarray:
        if not len(self.values):
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask[self.documents].view(np.uint8), self.starts, dtype=np.int64)


@dataclasses.dataclass(frozen=True)
class FacetIndex:
    live: np.ndarray  # bool: False for deleted document numbers
    start: np.ndarray  # int: date_start as a proleptic ordinal
    end: np.ndarray  # int: date_end as an ordinal
    month: np.ndarray  # int: date_start's year * 12 + month - 1
    facets: dict[str, FacetColumn]

    @property
    def size(self) -> int:
        return len(self.live)

    def dates_overlapping(self, date_from: dt.date | None, date_to: dt.date | None) -> np.ndarray:
        """Documents whose own date range overlaps [date_from, date_to]."""
        mask = np.ones(self.size, dtype=bool)
        if date_from is not None:
            mask &= self.end >= date_from.toordinal()
        if date_to is not None:
            mask &= self.start <= date_to.toordinal()
        return mask

    def month_counts(self, documents: np.ndarray) -> list[tuple[str, int]]:
        """Matching documents per month of their start date, oldest first."""
        months = self.month[documents]
        keys, counts = np.unique(months, return_counts=True)
        return [(f"{key // 12:04d}-{key % 12 + 1:02d}", int(n)) for key, n in zip(keys, counts, strict=True)]

    def order_by_date(self, documents: np.ndarray, newest_first: bool) -> np.ndarray:
        # Ties on the start date are broken by the end date, then by
        # document number, so paging is stable.
        keys = (documents, self.end[documents], self.start[documents])
        order = np.lexsort(keys)
        if newest_first:
            order = np.lexsort((-documents, -self.end[documents], -self.start[documents]))
        return documents[order]


def read_facet_index(reader: IndexReader) -> FacetIndex:
    size = reader.doc_count_all()
    live = np.ones(size, dtype=bool)
    if reader.has_deletions():
        for docnum in range(size):
            live[docnum] = not reader.is_deleted(docnum)
    facets = {name: _read_facet_column(reader, name) for name in FACET_FIELDS + PRIMARY_FIELDS}
    start = _read_dates(reader, DATE_START, size)
    month = np.array([_month_key(ordinal) for ordinal in start.tolist()], dtype=np.int32)
    return FacetIndex(live=live, start=start, end=_read_dates(reader, DATE_END, size), month=month, facets=facets)


def _month_key(ordinal: int) -> int:
    day = dt.date.fromordinal(ordinal) if ordinal > 0 else dt.date.min
    return day.year * 12 + day.month - 1


def _read_facet_column(reader: IndexReader, fieldname: str) -> FacetColumn:
    terms = [term.decode("utf-8") if isinstance(term, bytes) else term for term in reader.field_terms(fieldname)]
    values: list[str] = []
    documents: list[int] = []
    value_numbers: list[int] = []
    starts: list[int] = []
    for value in terms:
        docnums = list(reader.postings(fieldname, value).all_ids())
        if docnums:
            starts.append(len(documents))
            documents.extend(docnums)
            value_numbers.extend([len(values)] * len(docnums))
            values.append(value)
    return FacetColumn(
        values=tuple(values),
        documents=np.asarray(documents, dtype=np.int32),
        value_numbers=np.asarray(value_numbers, dtype=np.int64),
        starts=np.asarray(starts, dtype=np.int64),
    )


def _read_dates(reader: IndexReader, fieldname: str, size: int) -> np.ndarray:
    column = reader.column_reader(fieldname)
    ordinals = np.zeros(size, dtype=np.int32)
    for docnum in range(size):
        value = column[docnum]
        if isinstance(value, dt.datetime):
            ordinals[docnum] = value.toordinal()
    return ordinals
