"""In process: newsearch's `search()` beside plain Whoosh, on the same queries.

Plain Whoosh is Whoosh used the usual way on the generator's JSON Lines:
`create_in` with a straightforward schema (stemmed TEXT title and body,
stored; KEYWORD facets holding the generator's display names; DATETIME
dates), one `ix.writer()`, `add_document` for each item, `commit()`. A
query is `MultifieldParser` over title and body with the OR group (the set
newsearch counts facets over is its any-word set), one
`searcher.search(q, limit=10, filter=…, groupedby={facet: FieldFacet(facet,
allow_overlap=True)}, maptype=Count)`, the total, `results.groups(facet)`
for every facet, and `hit.highlights()` of the title and body of the 10
hits with their stored fields.

newsearch is `parse_search_request` + `search()`, what `/api/search` runs
for its default response: top 10 with snippets, every facet's counts, the
month histogram and the spelling check.

Both are warmed with the warm-up log, then each timed query runs once on
each, the two taking turns. Plain Whoosh keeps little per query (an idf
per term); what it caches is per field (the facet columns `groupedby`
reads), filled by its first searches, so it is warmed with the first
`PLAIN_WARMUP` queries of the log only: its searches take about half a
second each at 20,000 items. A timed query whose filter newsearch rejects
(a name its vocabularies do not know, which `/api/search` answers with
400) is left out of both and counted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import time
from collections.abc import Sequence
from pathlib import Path

from whoosh import analysis, fields, qparser, query, sorting
from whoosh import index as whoosh_index

from bench.corpus import FILTER_FACETS, Query
from indexer.build.store import IndexStore
from indexer.facets.registry import NAMES as FACETS
from indexer.search.engine import Catalog, SearchIndex, search
from indexer.search.request import InvalidRequest, parse_search_request

TOP = 10
PLAIN_WARMUP = 30


# -- plain Whoosh -------------------------------------------------------------


def plain_schema() -> fields.Schema:
    """What a Whoosh user would write for these items."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=analysis.StemmingAnalyzer(), stored=True),
        body=fields.TEXT(analyzer=analysis.StemmingAnalyzer(), stored=True),
        date_start=fields.DATETIME(stored=True, sortable=True),
        date_end=fields.DATETIME(stored=True),
        **{name: fields.KEYWORD(commas=True, stored=True) for name in FACETS},
    )


def plain_document(record: dict) -> dict:
    """A generator item (one line of its JSON Lines) as a plain Whoosh document."""
    date = dt.datetime.fromisoformat(record["date"])
    facets = {facet: ",".join(record.get(field, ())) for field, facet in FILTER_FACETS.items()}
    return {
        "id": record["id"],
        "title": record["title"],
        "body": record["body"],
        "date_start": date,
        "date_end": date,
        **facets,
        "year": str(date.year),
    }


def build_plain(records: Sequence[dict], path: Path) -> None:
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), plain_schema())
    writer = ix.writer()
    for record in records:
        writer.add_document(**plain_document(record))
    writer.commit()


class PlainSearch:
    """A search of plain Whoosh, answering what `/api/search` answers."""

    def __init__(self, path: Path):
        self.searcher = whoosh_index.open_dir(str(path)).searcher()
        self.parser = qparser.MultifieldParser(
            ["title", "body"], self.searcher.schema, group=qparser.OrGroup.factory(0.9)
        )
        self.facets = {name: sorting.FieldFacet(name, allow_overlap=True) for name in FACETS}

    def __call__(self, spec: Query) -> dict:
        browse = not spec.text.strip()
        q = query.Every() if browse else self.parser.parse(spec.text)
        options = {"sortedby": "date_start", "reverse": True} if browse else {}
        results = self.searcher.search(
            q, limit=TOP, filter=self.filter(spec), groupedby=self.facets, maptype=sorting.Count, **options
        )
        hits = []
        # With groupedby, Whoosh collects every match and iterating the
        # results yields them all: only the page is shown.
        for hit in results[:TOP]:
            stored = hit.fields()
            hits.append(
                {
                    "id": stored["id"],
                    "title": stored["title"],
                    "title_html": stored["title"] if browse else hit.highlights("title", top=1) or stored["title"],
                    "date_start": stored["date_start"].date().isoformat(),
                    "snippet": stored["body"][:240] if browse else hit.highlights("body"),
                    **{name: stored.get(name, "").split(",") for name in FACETS},
                    "score": hit.score,
                }
            )
        return {"total": len(results), "results": hits, "facets": {name: results.groups(name) for name in FACETS}}

    @staticmethod
    def filter(spec: Query) -> query.Query | None:
        parts: list[query.Query] = []
        if spec.filter_field and spec.filter_value:
            parts.append(query.Term(FILTER_FACETS[spec.filter_field], spec.filter_value))
        # An item matches when its dates overlap the range, as in newsearch.
        if spec.date_from:
            parts.append(query.DateRange("date_end", dt.datetime.fromisoformat(spec.date_from), None))
        if spec.date_to:
            end = dt.datetime.combine(dt.date.fromisoformat(spec.date_to), dt.time.max)
            parts.append(query.DateRange("date_start", None, end))
        return query.And(parts) if parts else None

    def close(self) -> None:
        self.searcher.close()


# -- timing ---------------------------------------------------------------------


@dataclasses.dataclass
class InProcess:
    """Milliseconds per accepted timed query, in the order of `accepted`."""

    newsearch_ms: list[float]
    plain_ms: list[float]
    accepted: list[int]  # positions in the timed log of the queries newsearch accepts
    rejected: int  # timed queries newsearch rejects (HTTP 400)
    newsearch_totals: list[int]
    plain_totals: list[int]


def newsearch_runner(index: SearchIndex):
    """A query -> newsearch's answer, or None when the request is rejected."""
    vocabularies = index.vocabularies

    def run(spec: Query) -> dict | None:
        try:
            request = parse_search_request(spec.params(vocabularies), vocabularies)
        except InvalidRequest:
            return None
        return search(index, request)

    return run


def time_in_process(index_dir: Path, plain_dir: Path, timed: Sequence[Query], warmup: Sequence[Query]) -> InProcess:
    """Both systems freshly opened in this process, warmed with `warmup`,
    then each query of `timed` once on each."""
    index = Catalog(IndexStore(index_dir)).current()
    ours = newsearch_runner(index)
    plain = PlainSearch(plain_dir)
    try:
        for spec in warmup:
            ours(spec)
        for spec in warmup[:PLAIN_WARMUP]:
            plain(spec)
        gc.collect()
        result = InProcess([], [], [], 0, [], [])
        for position, spec in enumerate(timed):
            started = time.perf_counter()
            answer = ours(spec)
            elapsed = (time.perf_counter() - started) * 1000
            if answer is None:
                result.rejected += 1
                continue
            result.accepted.append(position)
            result.newsearch_ms.append(elapsed)
            result.newsearch_totals.append(answer["total"])
            started = time.perf_counter()
            result.plain_totals.append(plain(spec)["total"])
            result.plain_ms.append((time.perf_counter() - started) * 1000)
        return result
    finally:
        plain.close()
        index.close()
