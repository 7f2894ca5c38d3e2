"""What the search log costs a search, and the editors' report over a log
of real-looking traffic.

1. In this process: the time `log_search` takes in the request (building
   the entry and queueing it), over the answers of the timed queries.
2. Over HTTP: two gunicorns on one index, the search log on (SQLite beside
   the index) and off, both warmed with the warm-up log; each timed query
   is then sent once to each, in alternating order, and the latencies are
   compared (p50/p95/p99 and the median of the per-query differences).
3. The warm-up and timed logs plus searches that find nothing and
   misspelled words, replayed as
   visitors' page and API searches into the logging server, then
   `newsearch report` over what it logged.

    python -m bench.searchlog_bench [--items 20000] [--queries 300] [--warmup-queries 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import builds
from bench.corpus import add_arguments, prepare_from
from bench.http_bench import Server, get
from bench.stats import summary
from indexer.build.store import IndexStore
from indexer.search.engine import Catalog, search
from indexer.search.request import InvalidRequest, parse_search_request
from webapp import create_app
from webapp.context import log_search

# Queries of words no item holds, for the report's "no results" list.
NONSENSE_SYLLABLES = ["qua", "zor", "blim", "vex", "trun", "plo", "gax", "snev"]


def nothing_found(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(NONSENSE_SYLLABLES, k=3)) for _ in range(count)]


def misspelled(texts: list[str], count: int, seed: int) -> list[str]:
    """Words of `texts` of 7 letters or more with two inner letters swapped."""
    rng = random.Random(seed)
    words = sorted({word for text in texts for word in text.split() if word.isalpha() and len(word) >= 7})
    typos = []
    for word in rng.sample(words, min(count, len(words))):
        i = rng.randrange(1, len(word) - 2)
        typos.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return typos


def time_in_process(index_dir: Path, targets: list[dict], log_file: Path) -> dict:
    """Microseconds `log_search` takes in a request, per search."""
    app = create_app({"INDEX_DIR": str(index_dir), "SEARCH_LOG_STORAGE_URI": f"sqlite://{log_file}"})
    index = Catalog(IndexStore(index_dir)).current()
    answers = []
    for params in targets:
        try:
            request = parse_search_request(params, index.vocabularies)
        except InvalidRequest:  # a filter the vocabularies do not know: a 400, never logged
            continue
        answers.append((request, search(index, request)))
    elapsed = []
    with app.test_request_context("/"):
        for request, result in answers:
            started = time.perf_counter()
            log_search(request, result, "api")
            elapsed.append((time.perf_counter() - started) * 1e6)
    app.extensions["searchlog"].close()
    return {**summary(elapsed), "mean": statistics.fmean(elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nothing-found", type=int, default=80, help="searches of words no item holds")
    args = parser.parse_args()
    workdir, corpus = prepare_from(args)
    index_dir = workdir / f"searchlog-index-{corpus.items}"
    if not (index_dir / "current").exists():
        print(f"building {corpus.items} items: {builds.build(index_dir, corpus.pages).seconds:.1f} s", flush=True)
    vocabularies = Catalog(IndexStore(index_dir)).current().vocabularies
    timed = [query.url(vocabularies) for query in corpus.timed]
    warmup = [query.url(vocabularies) for query in corpus.warmup]

    run = workdir / f"searchlog-run-{time.strftime('%Y%m%dT%H%M%S')}"
    run.mkdir()
    timed_params = [query.params(vocabularies) for query in corpus.timed]
    cost = time_in_process(index_dir, timed_params, run / "in-process.sqlite3")
    print(
        f"log_search in the request, over {len(timed)} answers: p50 {cost['p50']:.1f} µs, "
        f"p95 {cost['p95']:.1f} µs, p99 {cost['p99']:.1f} µs, mean {cost['mean']:.1f} µs"
    )

    log_file = run / "searchlog.sqlite3"
    logging_on = Server(index_dir, args.workers, {"NEWSEARCH_SEARCH_LOG_STORAGE_URI": f"sqlite://{log_file}"})
    logging_off = Server(index_dir, args.workers, {"NEWSEARCH_SEARCH_LOG": "off"})
    try:
        for server in (logging_on, logging_off):
            for target in warmup:
                get("127.0.0.1", server.port, target)
        on_ms: list[float] = []
        off_ms: list[float] = []
        for n, target in enumerate(timed):
            pair = [(logging_on, on_ms), (logging_off, off_ms)]
            for server, latencies in pair if n % 2 else reversed(pair):
                started = time.perf_counter()
                status, _ = get("127.0.0.1", server.port, target)
                latencies.append((time.perf_counter() - started) * 1000)
        difference = statistics.median(on - off for on, off in zip(on_ms, off_ms, strict=True))
        for name, latencies in (("log on ", on_ms), ("log off", off_ms)):
            figures = summary(latencies)
            print(
                f"HTTP /api/search, {name}: p50 {figures['p50']:.2f} ms, p95 {figures['p95']:.2f} ms, "
                f"p99 {figures['p99']:.2f} ms ({len(latencies)} queries, each once, {args.workers} workers)"
            )
        print(f"median per-query difference (on - off): {difference * 1000:+.0f} µs")

        # Visitors' traffic into the logging server: the logs again as
        # pages, searches that find nothing and misspellings, on both paths.
        extra = nothing_found(args.nothing_found, args.query_seed)
        extra += misspelled([query.text for query in corpus.timed], args.nothing_found // 2, args.query_seed)
        pages = [target.replace("/api/search?", "/?", 1) for target in timed]
        replayed = pages + [f"/?q={q}" for q in extra[::2]] + [f"/api/search?q={q}" for q in extra[1::2]]
        for target in replayed:
            get("127.0.0.1", logging_on.port, target)
    finally:
        logging_on.stop()  # its workers write what they hold as they stop
        logging_off.stop()
    print(f"searches logged: {len(warmup) + len(timed) + len(replayed)} sent to the logging server\n")
    report = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "report", "--index", str(index_dir)],
        env={"NEWSEARCH_SEARCH_LOG_STORAGE_URI": f"sqlite://{log_file}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    print(report.stdout)


if __name__ == "__main__":
    main()
