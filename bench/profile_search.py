"""Where newsearch's search time goes, on a synthetic corpus and the benchmark's query log.

    python -m bench.profile_search [--size 20000] [--queries 200] [--index DIR] [--top 25]

Builds the index (or reuses the one in `--index DIR`, which must have been
built from the same size and seed), runs the query log once to warm up,
then once more under cProfile, and prints the search pipeline's steps
(cumulative) and the functions that spend the most time themselves.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.search_bench import query_log
from bench.synthetic import generate_items
from indexer.build.store import IndexStore
from indexer.facets.vocabulary import Vocabularies
from indexer.search.engine import Catalog, search
from indexer.search.request import parse_search_request

# The steps of `indexer.search.search`, as (file suffix, function name).
STEPS = (
    ("indexer/search/engine.py", "search"),
    ("indexer/search/engine.py", "_run"),
    ("indexer/search/engine.py", "suggest"),
    ("indexer/search/engine.py", "_mask"),
    ("whoosh/searching.py", "docs_for_query"),
    ("indexer/search/ranking.py", "rank"),
    ("whoosh/searching.py", "search"),
    ("indexer/search/engine.py", "_facet_counts"),
    ("indexer/search/facetcounts.py", "counts"),
    ("indexer/search/facetcounts.py", "month_counts"),
    ("indexer/search/engine.py", "_result"),
    ("indexer/search/engine.py", "stored_item"),
    ("indexer/search/highlight.py", "snippet"),
    ("indexer/search/highlight.py", "highlight_title"),
    ("indexer/search/query.py", "parse_user_query"),
    ("indexer/search/request.py", "parse_search_request"),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--index", type=Path, help="index directory to build into or reuse")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dump", type=Path, help="also write the raw profile here (for pstats, snakeviz)")
    args = parser.parse_args(argv)

    items = generate_items(args.size, args.seed)
    with tempfile.TemporaryDirectory(prefix="newsearch-profile-") as tmp:
        store = IndexStore(args.index or Path(tmp))
        if not store.exists():
            started = time.perf_counter()
            store.build(items)
            print(f"built {args.size} items in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        index = Catalog(store).current()
        requests = [
            parse_search_request(spec.params(), Vocabularies.bundled())
            for spec in query_log(items, args.queries, args.seed)
        ]
        for request in requests:
            search(index, request)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for request in requests:
            search(index, request)
        profiler.disable()
        elapsed = time.perf_counter() - started
        index.close()

    if args.dump:
        profiler.dump_stats(args.dump)
    stats = pstats.Stats(profiler)
    print(
        f"{len(requests)} searches over {args.size} items: {elapsed:.2f} s "
        f"(mean {elapsed / len(requests) * 1000:.1f} ms, profiled)\n"
    )
    print("steps of search() (cumulative, all calls):")
    print(f"  {'calls':>7} {'cum s':>7} {'share':>6}  step")
    table = stats.stats  # type: ignore[attr-defined]  # pstats' table, undeclared in its stubs
    total = sum(
        row[3] for key, row in table.items() if key[0].endswith("indexer/search/engine.py") and key[2] == "search"
    )
    for suffix, name in STEPS:
        for (path, _, function), (_, calls, _, cumulative, _) in table.items():
            if path.endswith(suffix) and function == name:
                print(f"  {calls:>7} {cumulative:>7.2f} {cumulative / total:>6.0%}  {suffix}:{name}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\nfunctions by own time:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
