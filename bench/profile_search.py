"""Where newsearch's search time goes, on the benchmark's corpus and queries.

    python -m bench.profile_search [--items 20000] [--index DIR] [--top 25]

Uses the corpus and query logs of `python -m bench.run` (`bench.corpus`,
generated into `--workdir` unless they are there), builds the index with
`newsearch build` (or uses `--index DIR`, which must hold the same items),
runs the warm-up log, then the timed log once under cProfile, and prints
the search pipeline's steps (cumulative) and the functions that spend the
most time themselves.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import builds
from bench.corpus import add_arguments as add_corpus_arguments
from bench.corpus import prepare_from
from bench.search_bench import newsearch_runner
from indexer.build.store import IndexStore
from indexer.search.engine import Catalog

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
    add_corpus_arguments(parser)
    parser.add_argument("--index", type=Path, help="index directory to use (default: built into the work directory)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dump", type=Path, help="also write the raw profile here (for pstats, snakeviz)")
    args = parser.parse_args(argv)

    workdir, corpus = prepare_from(args)
    store = IndexStore(args.index or workdir / f"profile-{args.items}" / "index")
    if not store.exists():
        built = builds.build(store.root, corpus.pages)
        print(f"built {args.items} items in {built.seconds:.1f} s", file=sys.stderr)
    index = Catalog(store).current()
    search = newsearch_runner(index)
    for spec in corpus.warmup:
        search(spec)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for spec in corpus.timed:
        search(spec)
    profiler.disable()
    elapsed = time.perf_counter() - started
    index.close()

    if args.dump:
        profiler.dump_stats(args.dump)
    stats = pstats.Stats(profiler)
    print(
        f"{len(corpus.timed)} searches over {args.items} items: {elapsed:.2f} s "
        f"(mean {elapsed / len(corpus.timed) * 1000:.1f} ms, profiled)\n"
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
