"""/api/suggest over HTTP: a real gunicorn (bench.http_bench.Server), prefixes
it has not seen.

Prefixes of 2 to 6 characters are cut from the index's words and title
phrases; the timed ones are each sent once, after a warm-up of other
prefixes (which also builds every worker's completions). Prints p50, p95
and p99 in milliseconds, and how long building the completions took and
what it holds, in this process.

    python -m bench.suggest_bench --index DIR [--prefixes 1000] [--clients 1] [--workers 3]
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
import urllib.parse
from pathlib import Path

from bench.http_bench import Server, replay
from bench.stats import summary
from indexer.build.store import PHRASES_FILE, IndexStore
from indexer.search.engine import Catalog
from indexer.search.suggest import Suggester


def prefixes(texts: list[str], count: int, seed: int) -> list[str]:
    """`count` distinct prefixes of 2 to 6 characters of the words of `texts`."""
    rng = random.Random(seed)
    words = sorted({word for text in texts for word in text.split() if len(word) >= 2})
    found: set[str] = set()
    while len(found) < count:
        word = rng.choice(words)
        found.add(word[: rng.randint(2, min(6, len(word)))])
    return sorted(found, key=lambda _: rng.random())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--prefixes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    store = IndexStore(args.index)
    index = Catalog(store).current()
    Suggester.of(index)  # the vocabularies compiled, as a serving worker has them
    started = time.perf_counter()
    Suggester.of(index)
    built_s = time.perf_counter() - started
    tracemalloc.start()
    suggester = Suggester.of(index)
    held_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    texts = [completion.text.lower() for completion in suggester.completions]
    print(
        f"completions: {len(suggester.completions)} ({len(suggester.keys)} keys) of {index.facets.size} documents, "
        f"built in {built_s * 1000:.0f} ms, holding {held_mb:.1f} MB"
        + ("" if (index.folder / PHRASES_FILE).exists() else f" (no {PHRASES_FILE}: no phrases)")
    )

    candidates = prefixes(texts, 2 * args.prefixes, seed=101)
    warmup, timed = candidates[: args.prefixes], candidates[args.prefixes :]
    target = "/api/suggest?q={}".format
    server = Server(args.index, args.workers)
    try:
        replay(server.port, [target(urllib.parse.quote(p)) for p in warmup], 2 * args.workers)
        run = replay(server.port, [target(urllib.parse.quote(p)) for p in timed], args.clients)
    finally:
        server.stop()
    figures = summary(run.answered_ms)
    print(
        f"/api/suggest, {len(timed)} prefixes, {args.clients} client(s), {args.workers} workers: "
        + ", ".join(f"{name} {value:.2f} ms" for name, value in figures.items() if value is not None)
        + f", {run.throughput:.0f} requests/s, errors: {len(run.errors)}"
    )


if __name__ == "__main__":
    main()
