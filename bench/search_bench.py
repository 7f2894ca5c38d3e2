"""Build and search timings: newsearch beside plain Whoosh on synthetic corpora.

    python -m bench.search_bench [--sizes 1000 20000] [--queries 200] [--repeats 3] [--processes N]

For each size, the same synthetic items (`bench.synthetic`) are indexed

- by newsearch: `IndexStore(dir).build(items, processes=N)`, the production
  build (`newsearch build`), in as many processes as there are CPUs;
- by plain Whoosh used the usual way: `create_in` with a straightforward
  schema (stemmed TEXT title and body, stored; KEYWORD facets; DATETIME
  dates), one `ix.writer()`, `add_document` for each item, `commit()`;

and the same query log is run through both, in process:

- newsearch: `parse_search_request` + `search()`: top 10 with snippets, all
  five facet counts (disjunctive: each facet counted with every filter
  but its own), month histogram and the spelling check;
- plain Whoosh: `MultifieldParser` over title and body with the OR group
  (the set newsearch counts facets over is its any-word set), one
  `searcher.search(q, limit=10, filter=…, groupedby={facet:
  FieldFacet(facet, allow_overlap=True)}, maptype=Count)`, the total,
  `results.groups(facet)` for all five facets, and `hit.highlights()` of the
  title and body of the 10 hits with their stored fields; browse queries
  (no words) sort by date, newest first, as newsearch does.

Item pages are timed too, for 50 items: newsearch's `get_item` (the item
and its related items) beside plain Whoosh's `stored_fields` and
`more_like(docnum, "body", top=5)`.

Each query runs once to warm up (reported apart as first runs, on cold
caches), then `--repeats` times alternately on both; a query's time is the
median of its repeats, and the table gives percentiles over the queries. This is a script that prints figures, not a
test: nothing here asserts a target, the last lines only say whether the
issue's targets are met.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from whoosh import analysis, fields, qparser, query, sorting
from whoosh import index as whoosh_index

from bench.synthetic import generate_items
from indexer.build.store import IndexStore
from indexer.build.writer import available_cpus
from indexer.facets.registry import FACETS as REGISTRY
from indexer.facets.registry import NAMES as FACETS
from indexer.facets.vocabulary import Vocabularies
from indexer.model import NewsItem
from indexer.search.engine import Catalog, get_item, search
from indexer.search.ranking import RELATED_ITEMS
from indexer.search.request import parse_date_bound, parse_search_request

QUERY_KINDS = (("words", 45), ("phrase", 15), ("filtered", 25), ("browse", 15))
TOP = 10
# Item pages (an item and its related items) timed per size.
ITEM_PAGES = 50
# Targets of the issue at the largest size.
TARGET_P95_MS = 50.0
TARGET_SEARCH_SPEEDUP = 5.0
TARGET_BUILD_SPEEDUP = 2.0

_WORD = re.compile(r"^[A-Za-z][a-z]+$")


# -- the query log ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class QuerySpec:
    kind: str
    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (facet, value)
    date_from: str = ""
    date_to: str = ""

    def params(self) -> dict[str, list[str]]:
        """The query string of the request, as the web app would receive it."""
        params: dict[str, list[str]] = {"q": [self.q]}
        for name, value in self.filters:
            params.setdefault(name, []).append(value)
        if self.date_from:
            params["from"] = [self.date_from]
        if self.date_to:
            params["to"] = [self.date_to]
        return params

    def __str__(self) -> str:
        extra = [f"{name}={value}" for name, value in self.filters]
        if self.date_from or self.date_to:
            extra.append(f"{self.date_from}..{self.date_to}")
        return " ".join([repr(self.q), *extra])


def query_log(items: Sequence[NewsItem], n: int, seed: int = 0) -> list[QuerySpec]:
    """`n` queries as people would type them: words of the corpus (taken
    from a random item, so words that are frequent in the corpus are
    frequent in queries and the words of a query go together), quoted
    phrases, words with facet filters and a date range, and browsing
    (no words, sometimes filters)."""
    rng = random.Random(seed)
    stop = analysis.STOP_WORDS
    log = []
    for _ in range(n):
        kind = rng.choices([k for k, _ in QUERY_KINDS], [w for _, w in QUERY_KINDS])[0]
        item = rng.choice(items)
        words = [w.strip(".,;:()\"'“”’").lower() for w in item.body.split()]
        words = [w for w in words if _WORD.match(w) and len(w) > 2 and w not in stop]
        if kind == "phrase":
            paragraph = rng.choice(item.paragraphs).split()
            size = rng.choice((2, 2, 3))
            for _attempt in range(50):
                start = rng.randrange(max(1, len(paragraph) - size))
                span = paragraph[start : start + size]
                if len(span) == size and all(_WORD.match(w) for w in span) and any(w.lower() not in stop for w in span):
                    log.append(QuerySpec(kind, '"' + " ".join(span).lower() + '"'))
                    break
            else:
                log.append(QuerySpec(kind, rng.choice(words)))
            continue
        count = {"words": rng.choices((1, 2, 3), (40, 35, 25))[0], "filtered": rng.choice((1, 2)), "browse": 0}[kind]
        # Sampled from the item's word occurrences: frequent words come up
        # more often, as in real query logs.
        q = " ".join(dict.fromkeys(rng.sample(words, count))) if count else ""
        filters: tuple[tuple[str, str], ...] = ()
        date_from, date_to = "", ""
        if kind == "filtered" or (kind == "browse" and rng.random() < 0.6):
            filters = _filters(item, rng, how_many=rng.choice((1, 1, 2)))
            if kind == "filtered" and rng.random() < 0.5:
                date_from, date_to = _date_range(item, rng)
        log.append(QuerySpec(kind, q, filters, date_from, date_to))
    return log


def _filters(item: NewsItem, rng: random.Random, how_many: int) -> tuple[tuple[str, str], ...]:
    available = {facet.name: list(facet.values_of(item)) for facet in REGISTRY}
    names = [name for name in FACETS if available[name]]
    chosen = rng.sample(names, min(how_many, len(names)))
    return tuple((name, rng.choice(available[name])) for name in chosen)


def _date_range(item: NewsItem, rng: random.Random) -> tuple[str, str]:
    """A range around the item's date, as a year or a month on each side."""
    start, end = item.date_start, item.date_end
    before = dt.date(start.year - rng.choice((0, 0, 1, 2)), rng.randint(1, start.month), 1)
    after = dt.date(end.year + rng.choice((0, 0, 1)), end.month, 1)
    date_from = before.strftime("%Y") if rng.random() < 0.5 else before.strftime("%Y-%m")
    date_to = "" if rng.random() < 0.3 else after.strftime("%Y") if rng.random() < 0.5 else after.strftime("%Y-%m")
    return date_from, date_to


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


def plain_document(item: NewsItem) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "date_start": dt.datetime.combine(item.date_start, dt.time()),
        "date_end": dt.datetime.combine(item.date_end, dt.time()),
        "theme": ",".join(item.themes),
        "programme": ",".join(p.value for p in item.programmes),
        "country": ",".join(c.code for c in item.countries),
        "region": ",".join(r.value for r in item.regions),
        "year": ",".join(str(y) for y in range(item.date_start.year, item.date_end.year + 1)),
    }


def build_plain(items: Sequence[NewsItem], path: Path) -> whoosh_index.Index:
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), plain_schema())
    writer = ix.writer()
    for item in items:
        writer.add_document(**plain_document(item))
    writer.commit()
    return ix


class PlainSearch:
    def __init__(self, ix: whoosh_index.Index):
        self.searcher = ix.searcher()
        self.parser = qparser.MultifieldParser(
            ["title", "body"], self.searcher.schema, group=qparser.OrGroup.factory(0.9)
        )
        self.facets = {name: sorting.FieldFacet(name, allow_overlap=True) for name in FACETS}

    def __call__(self, spec: QuerySpec) -> dict:
        browse = not spec.q.strip()
        q = query.Every() if browse else self.parser.parse(spec.q)
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
    def filter(spec: QuerySpec) -> query.Query | None:
        by_facet: dict[str, list[query.Query]] = {}
        for name, value in spec.filters:
            by_facet.setdefault(name, []).append(query.Term(name, value))
        parts: list[query.Query] = [query.Or(terms) for terms in by_facet.values()]
        if spec.date_from:
            start = dt.datetime.combine(parse_date_bound(spec.date_from, "from"), dt.time())
            parts.append(query.DateRange("date_end", start, None))
        if spec.date_to:
            end = dt.datetime.combine(parse_date_bound(spec.date_to, "to"), dt.time.max)
            parts.append(query.DateRange("date_start", None, end))
        return query.And(parts) if parts else None

    def close(self) -> None:
        self.searcher.close()

    def item_page(self, item_id: str) -> dict:
        """An item with its related items, by Whoosh's more like this."""
        docnum = self.searcher.document_number(id=item_id)
        assert docnum is not None, item_id
        related = self.searcher.more_like(docnum, "body", top=RELATED_ITEMS)
        return {**self.searcher.reader().stored_fields(docnum), "related": [hit["id"] for hit in related]}


# -- measuring ----------------------------------------------------------------


@dataclasses.dataclass
class Measured:
    system: str
    build_s: float
    build_cpu_s: float  # CPU time of all processes: steadier than wall time on a busy machine
    index_bytes: int
    open_s: float
    query_ms: list[float]  # per query: the median of its repeats
    first_ms: list[float]  # per query: its first run, on cold caches
    totals: list[int]
    item_ms: list[float]  # per item page: the median of its repeats

    def items_per_s(self, n: int) -> float:
        return n / self.build_s


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def time_queries(
    runners: dict[str, Callable[[QuerySpec], dict]], log: Sequence[QuerySpec], repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[int]]]:
    # The first pass warms the caches (newsearch's postings cache, the OS
    # page cache) and is timed on its own: the first searches after a swap.
    totals: dict[str, list[int]] = {name: [] for name in runners}
    first: dict[str, list[float]] = {name: [] for name in runners}
    for spec in log:
        for name, run in runners.items():
            started = time.perf_counter()
            totals[name].append(run(spec)["total"])
            first[name].append((time.perf_counter() - started) * 1000)
    gc.collect()
    return time_calls(runners, log, repeats), first, totals


def time_calls(runners: dict[str, Callable], arguments: Sequence, repeats: int) -> dict[str, list[float]]:
    """Per argument, the median ms of `repeats` calls of each runner, the
    runners taking turns."""
    samples: dict[str, list[list[float]]] = {name: [[] for _ in arguments] for name in runners}
    for _ in range(repeats):
        for i, argument in enumerate(arguments):
            for name, run in runners.items():
                started = time.perf_counter()
                run(argument)
                samples[name][i].append((time.perf_counter() - started) * 1000)
    return {name: [statistics.median(s) for s in per_argument] for name, per_argument in samples.items()}


def bench_size(
    n: int, queries: int, repeats: int, seed: int, workdir: Path, processes: int
) -> tuple[dict[str, Measured], list[QuerySpec]]:
    started = time.perf_counter()
    items = generate_items(n, seed)
    print(
        f"\n# {n} items generated in {time.perf_counter() - started:.1f} s "
        f"({sum(len(i.body.split()) for i in items) / n:.0f} body words per item)",
        flush=True,
    )

    ours_root = workdir / f"newsearch-{n}"
    gc.collect()
    started, cpu = time.perf_counter(), cpu_seconds()
    IndexStore(ours_root).build(items, processes=processes)
    ours_build, ours_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"  newsearch build {ours_build:.1f} s (up to {processes} processes)", flush=True)

    plain_path = workdir / f"whoosh-{n}"
    gc.collect()
    started, cpu = time.perf_counter(), cpu_seconds()
    plain_ix = build_plain(items, plain_path)
    plain_build, plain_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"  plain Whoosh build {plain_build:.1f} s", flush=True)

    started = time.perf_counter()
    ours_index = Catalog(IndexStore(ours_root)).current()
    ours_open = time.perf_counter() - started
    started = time.perf_counter()
    plain = PlainSearch(plain_ix)
    plain_open = time.perf_counter() - started

    log = query_log(items, queries, seed)
    ms, first_ms, totals = time_queries(
        {
            "newsearch": lambda spec: search(ours_index, parse_search_request(spec.params(), Vocabularies.bundled())),
            "whoosh": plain,
        },
        log,
        repeats,
    )
    page_ids = [item.id for item in random.Random(seed).sample(items, min(ITEM_PAGES, n))]
    item_ms = time_calls(
        {"newsearch": lambda item_id: get_item(ours_index, item_id), "whoosh": plain.item_page}, page_ids, repeats
    )
    ours_index.close()
    plain.close()
    return {
        "newsearch": Measured(
            "newsearch",
            ours_build,
            ours_cpu,
            directory_bytes(ours_root),
            ours_open,
            ms["newsearch"],
            first_ms["newsearch"],
            totals["newsearch"],
            item_ms["newsearch"],
        ),
        "whoosh": Measured(
            "plain Whoosh",
            plain_build,
            plain_cpu,
            directory_bytes(plain_path),
            plain_open,
            ms["whoosh"],
            first_ms["whoosh"],
            totals["whoosh"],
            item_ms["whoosh"],
        ),
    }, log


def print_table(n: int, measured: dict[str, Measured], log: Sequence[QuerySpec]) -> None:
    ours, plain = measured["newsearch"], measured["whoosh"]
    header = (
        f"{'items':>6} {'system':<13} {'build s':>8} {'cpu s':>7} {'items/s':>8} {'index MB':>9} {'open s':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for m in (ours, plain):
        print(
            f"{n:>6} {m.system:<13} {m.build_s:>8.2f} {m.build_cpu_s:>7.2f} {m.items_per_s(n):>8.0f} "
            f"{m.index_bytes / 1e6:>9.1f} {m.open_s:>7.2f} "
            + " ".join(f"{percentile(m.query_ms, p):>8.1f}" for p in (50, 95, 99, 100))
        )
    print(
        f"{n:>6} {'plain/ours':<13} {plain.build_s / ours.build_s:>7.2f}x "
        f"{plain.build_cpu_s / ours.build_cpu_s:>6.2f}x {'':>8} "
        f"{plain.index_bytes / ours.index_bytes:>8.2f}x {'':>7} "
        + " ".join(f"{percentile(plain.query_ms, p) / percentile(ours.query_ms, p):>7.2f}x" for p in (50, 95, 99, 100))
    )
    print(
        f"  first runs (cold caches): newsearch p50 {percentile(ours.first_ms, 50):.1f} / "
        f"p95 {percentile(ours.first_ms, 95):.1f} ms; plain Whoosh p50 {percentile(plain.first_ms, 50):.1f} / "
        f"p95 {percentile(plain.first_ms, 95):.1f} ms"
    )
    print("\n  by query kind (count: newsearch p50/p95 ms | plain Whoosh p50/p95 ms):")
    for kind, _ in QUERY_KINDS:
        rows = [i for i, spec in enumerate(log) if spec.kind == kind]
        if not rows:
            continue
        cells = []
        for m in (ours, plain):
            times = [m.query_ms[i] for i in rows]
            cells.append(f"{percentile(times, 50):7.1f} /{percentile(times, 95):7.1f}")
        print(f"  {kind:<9} {len(rows):>4}: {cells[0]} | {cells[1]}")
    agree = sum(abs(a - b) <= 0.1 * max(a, b) for a, b in zip(ours.totals, plain.totals, strict=True))
    print(
        f"  totals within 10% of each other on {agree}/{len(log)} queries "
        f"(analyzers differ: newsearch folds spellings and accents and expands facet names)"
    )
    print(
        f"  item pages with {RELATED_ITEMS} related items ({len(ours.item_ms)} items): newsearch p50 "
        f"{percentile(ours.item_ms, 50):.1f} / p95 {percentile(ours.item_ms, 95):.1f} ms; plain Whoosh "
        f"(more_like) p50 {percentile(plain.item_ms, 50):.1f} / p95 {percentile(plain.item_ms, 95):.1f} ms"
    )
    slowest = sorted(range(len(log)), key=lambda i: ours.query_ms[i], reverse=True)[:5]
    print(
        "  slowest for newsearch: "
        + "; ".join(f"{log[i]} {ours.query_ms[i]:.0f} ms ({ours.totals[i]} hits)" for i in slowest)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--processes",
        type=int,
        default=available_cpus(),
        help="processes newsearch builds with (default: the available CPUs, as `newsearch build`)",
    )
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="newsearch-bench-") as tmp:
        for n in args.sizes:
            measured, log = bench_size(n, args.queries, args.repeats, args.seed, Path(tmp), args.processes)
            print()
            print_table(n, measured, log)
            results[n] = measured
    n = max(results)
    ours, plain = results[n]["newsearch"], results[n]["whoosh"]
    p95 = percentile(ours.query_ms, 95)
    speedup = percentile(plain.query_ms, 95) / p95
    build = plain.build_s / ours.build_s
    build_cpu = plain.build_cpu_s / ours.build_cpu_s
    print(f"\ntargets at {n} items:")
    print(f"  search p95 {p95:.1f} ms (target <= {TARGET_P95_MS:g} ms): {'met' if p95 <= TARGET_P95_MS else 'NOT met'}")
    print(
        f"  search p95 {speedup:.2f}x faster than plain Whoosh (target >= {TARGET_SEARCH_SPEEDUP:g}x): "
        f"{'met' if speedup >= TARGET_SEARCH_SPEEDUP else 'NOT met'}"
    )
    print(
        f"  build {build:.2f}x faster than plain Whoosh, {build_cpu:.2f}x in CPU time "
        f"(target >= {TARGET_BUILD_SPEEDUP:g}x): {'met' if build >= TARGET_BUILD_SPEEDUP else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
