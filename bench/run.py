"""What visitors see: builds, searches over HTTP, memory, and references, in one run.

    python -m bench.run [--items 20000] [--workers 3] [--json FILE] [--no-tantivy]

1. The corpus and two query logs come from the shared generator
   (`bench.corpus`): N items as text pages and as JSON Lines, a timed log
   (`--query-seed`) and a warm-up log (`--warmup-seed`) without the timed
   log's searches. Generated files are kept in `--workdir`.
2. Builds, wall time (`bench.builds`): `newsearch build` from the pages,
   `newsearch update` with nothing changed and with one page changed;
   plain Whoosh (`bench.search_bench`) and tantivy (`bench.reference`)
   from the JSON Lines.
3. In process: newsearch's `search()` beside plain Whoosh and tantivy, each
   timed query once, after the warm-up log only (plain Whoosh, which caches
   per field only, after its first queries: `bench.search_bench`).
4. Over HTTP (`bench.http_bench`), `/api/search` with its default response
   (every facet's counts) on gunicorn: for each client count, cold (a fresh
   server, no warm-up) and steady (a fresh server warmed with the warm-up
   log), each timed query once; then the memory of every worker.

It prints a table of every figure, and with `--json FILE` writes them.
Nothing asserts a target: the last lines say which are met.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import builds, http_bench
from bench.corpus import Corpus, prepare_from, read_items
from bench.corpus import add_arguments as add_corpus_arguments
from bench.reference import Reference, run_tantivy, tantivy_python
from bench.search_bench import build_plain, time_in_process
from bench.stats import PERCENTILES, summary
from indexer.facets.vocabulary import Vocabularies

MODES = ("cold", "steady")
# The targets by corpus size: figure -> limit (a speedup is a floor, the rest ceilings).
TARGETS = {
    20000: {
        "build_s": 25.0,
        "update_unchanged_s": 3.0,
        "update_one_page_s": 10.0,
        "http_1_client_p50_ms": 10.0,
        "http_1_client_p95_ms": 25.0,
        "speedup_over_plain_whoosh": 10.0,
        "sum_worker_pss_mb": 600.0,
    },
    100000: {"build_s": 150.0, "http_1_client_p95_ms": 60.0, "sum_worker_pss_mb": 1500.0},
}
TARGET_WORKERS = 3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def mb(kb: int) -> float:
    """kB (KiB, as /proc gives them) -> MB of 10^6 bytes."""
    return kb * 1024 / 1e6


# -- the steps ---------------------------------------------------------------------


def time_build(index_dir: Path, pages: Path) -> float:
    built = builds.build(index_dir, pages)
    log(f"newsearch build {built.seconds:.1f} s: {built.last_line}")
    return built.seconds


def time_plain_build(corpus: Corpus, plain_dir: Path) -> float:
    """Plain Whoosh's build, from reading the JSON Lines to the commit."""
    shutil.rmtree(plain_dir, ignore_errors=True)
    started = time.perf_counter()
    build_plain(read_items(corpus.jsonl), plain_dir)
    seconds = time.perf_counter() - started
    log(f"plain Whoosh build {seconds:.1f} s")
    return seconds


def tantivy_reference(corpus: Corpus, folder: Path, workdir: Path) -> Reference:
    found = run_tantivy(tantivy_python(workdir), corpus.jsonl, folder, corpus.timed, corpus.warmup)
    log(f"tantivy {found.version} build {found.build_s:.1f} s")
    return found


def time_updates(index_dir: Path, pages: Path) -> dict:
    """`newsearch update` with nothing changed, then with one page changed (edited here)."""
    unchanged = builds.update(index_dir, pages)
    log(f"update, nothing changed {unchanged.seconds:.1f} s: {unchanged.last_line}")
    page = builds.page_to_edit(pages)
    edited = builds.edit_page(page)
    changed = builds.update(index_dir, pages)
    log(f"update, {page.name} changed ({edited} items) {changed.seconds:.1f} s: {changed.last_line}")
    return {
        "update_unchanged_s": unchanged.seconds,
        "update_unchanged_counts": unchanged.counts(),
        "update_one_page_s": changed.seconds,
        "update_one_page_counts": changed.counts(),
        "edited_page": page.name,
        "edited_items": edited,
    }


def in_process(corpus: Corpus, index_dir: Path, plain_dir: Path, reference: Reference | None) -> dict:
    measured = time_in_process(index_dir, plain_dir, corpus.timed, corpus.warmup)
    figures: dict = {
        "queries": len(measured.accepted),
        "rejected": measured.rejected,
        "newsearch": summary(measured.newsearch_ms),
        "plain_whoosh": summary(measured.plain_ms),
        "tantivy": None,
        "tantivy_over_newsearch": None,
    }
    figures["plain_over_newsearch"] = _ratios(figures["plain_whoosh"], figures["newsearch"])
    if reference:
        tantivy_ms = [reference.query_ms[position] for position in measured.accepted]
        figures["tantivy"] = summary(tantivy_ms)
        figures["tantivy_over_newsearch"] = _ratios(figures["tantivy"], figures["newsearch"])
    log(
        f"in process: newsearch p50 {figures['newsearch']['p50']:.1f} ms, "
        f"plain Whoosh p50 {figures['plain_whoosh']['p50']:.1f} ms"
    )
    return figures


def _ratios(top: dict, bottom: dict) -> dict:
    return {key: top[key] / bottom[key] if top[key] and bottom[key] else None for key in top}


def over_http(corpus: Corpus, index_dir: Path, workers: int, clients: Sequence[int]) -> tuple[dict, dict]:
    """The HTTP figures by mode and client count, and the memory after each steady run."""
    vocabularies = Vocabularies.bundled()
    timed = [query.url(vocabularies) for query in corpus.timed]
    warmup = [query.url(vocabularies) for query in corpus.warmup]
    figures: dict = {mode: {} for mode in MODES}
    figures["floor"] = {}
    memory: dict = {}
    for count in clients:
        for mode in MODES:
            done = http_bench.serve_and_replay(index_dir, workers, mode, count, timed, warmup)
            figures[mode][str(count)] = done.run.figures()
            if done.floor:
                figures["floor"][str(count)] = done.floor.figures()
            if done.memory:
                memory[str(count)] = done.memory.figures()
            for error in done.run.errors[:3]:
                log(f"  {mode} {count} clients: {error}")
            log(
                f"HTTP {mode:<6} {count:>2} clients: p50 {figures[mode][str(count)]['p50']:.1f} ms, "
                f"{done.run.throughput:.1f} req/s"
            )
    return figures, memory


# -- the report ---------------------------------------------------------------------


def _ms(value: float | None, digits: int = 1) -> str:
    return f"{value:8.{digits}f}" if value is not None else f"{'-':>8}"


def _ratio(value: float | None) -> str:
    return f"{value:7.2f}x" if value is not None else f"{'-':>8}"


def print_report(figures: dict) -> None:
    queries, build = figures["queries"], figures["build"]
    print(
        f"\nnewsearch benchmark: {figures['items']} items on {figures['pages']} pages; "
        f"{queries['timed']} timed queries (seed {queries['query_seed']}), "
        f"{queries['warmup']} warm-up queries (seed {queries['warmup_seed']}); "
        f"gunicorn workers: {figures['workers']}"
    )
    print(
        f"timed queries with a filter value newsearch does not know (HTTP 400, left out of latencies): "
        f"{figures['in_process']['rejected']}"
    )

    print("\nbuilds (wall s)")
    counts = build["update_one_page_counts"]
    rows = [
        ("newsearch build (pages)", build["newsearch_build_s"], ""),
        ("newsearch update, nothing changed", build["update_unchanged_s"], _counts(build["update_unchanged_counts"])),
        (
            f"newsearch update, one page changed ({build['edited_page']}, {build['edited_items']} items)",
            build["update_one_page_s"],
            _counts(counts),
        ),
        ("plain Whoosh build (JSON Lines, one writer)", build["plain_whoosh_build_s"], ""),
        ("tantivy build (JSON Lines)", build["tantivy_build_s"], ""),
    ]
    for name, seconds, note in rows:
        shown = f"{seconds:8.1f}" if seconds is not None else f"{'not run':>8}"
        print(f"  {name:<62} {shown}  {note}")

    print(
        "\nHTTP /api/search, each timed query once on a fresh server (cold: no warm-up; steady: after the "
        "warm-up log);\nlatency in ms over the 200 answers, throughput over all requests"
    )
    header = f"  {'mode':<7} {'clients':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'req/s':>8} {'requests':>8} {'400s':>5}"
    print(header + f" {'errors':>6}")
    print("  " + "-" * (len(header) + 5))
    for mode in MODES:
        for clients, run in figures["http"][mode].items():
            print(
                f"  {mode:<7} {clients:>7} {_ms(run['p50'])} {_ms(run['p95'])} {_ms(run['p99'])} "
                f"{run['throughput']:8.1f} {run['requests']:>8} {run['statuses'].get('400', 0):>5} {run['errors']:>6}"
            )
    for clients, floor in figures["http"]["floor"].items():
        print(
            f"  floor, {http_bench.FLOOR} after the steady run by {clients} client(s): p50 {floor['p50']:.2f} ms, "
            f"p95 {floor['p95']:.2f} ms, {floor['throughput']:.0f} req/s"
        )

    print("\nmemory after each steady run (MB of 10^6 bytes; PSS shares pages between the processes)")
    print(f"  {'clients':>7}  {'PSS per worker':<24} {'sum PSS':>8}  {'RSS per worker':<24} {'sum RSS':>8}  arbiter")
    for clients, memory in figures["memory"].items():
        pss = " ".join(f"{mb(w['pss_kb']):.0f}" for w in memory["workers"])
        rss = " ".join(f"{mb(w['rss_kb']):.0f}" for w in memory["workers"])
        arbiter = memory["arbiter"]
        print(
            f"  {clients:>7}  {pss:<24} {mb(memory['sum_pss_kb']):8.0f}  {rss:<24} {mb(memory['sum_rss_kb']):8.0f}  "
            f"PSS {mb(arbiter['pss_kb']):.0f} RSS {mb(arbiter['rss_kb']):.0f}"
        )

    found = figures["in_process"]
    print(f"\nin process, each of {found['queries']} timed queries once, after the warm-up log (ms)")
    print(f"  {'':<30}" + "".join(f"{'p' + str(p):>9}" for p in PERCENTILES))
    for name, key in (("newsearch search()", "newsearch"), ("plain Whoosh", "plain_whoosh"), ("tantivy", "tantivy")):
        if found[key]:
            print(f"  {name:<30}" + "".join(f" {_ms(found[key][f'p{p}'], 2)}" for p in PERCENTILES))
    ratios = [("plain Whoosh / newsearch", "plain_over_newsearch"), ("tantivy / newsearch", "tantivy_over_newsearch")]
    for name, key in ratios:
        if found.get(key):
            print(f"  {name:<30}" + "".join(f" {_ratio(found[key][f'p{p}'])}" for p in PERCENTILES))
    print(
        "  (newsearch: top 10, snippets, every facet's counts, histogram, spelling; plain Whoosh: top 10, "
        "highlights, grouped counts of every facet; tantivy: top 10 titles and the count only)"
    )
    print_targets(figures)
    print(f"\nthe run took {figures['elapsed_s']:.0f} s")


def _counts(counts: dict) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def target_figures(figures: dict) -> dict[str, float | None]:
    """The figures the targets are about."""
    steady_one = figures["http"]["steady"].get("1", {})
    speedup = figures["in_process"]["plain_over_newsearch"]
    pss = [memory["sum_pss_kb"] for memory in figures["memory"].values()]
    return {
        "build_s": figures["build"]["newsearch_build_s"],
        "update_unchanged_s": figures["build"]["update_unchanged_s"],
        "update_one_page_s": figures["build"]["update_one_page_s"],
        "http_1_client_p50_ms": steady_one.get("p50"),
        "http_1_client_p95_ms": steady_one.get("p95"),
        # At the median and at p95 both.
        "speedup_over_plain_whoosh": min(speedup["p50"] or 0, speedup["p95"] or 0),
        "sum_worker_pss_mb": mb(max(pss)) if pss else None,
    }


def check_targets(figures: dict) -> list[dict]:
    targets = TARGETS.get(figures["items"], {})
    measured = target_figures(figures)
    checked = []
    for name, limit in targets.items():
        value = measured[name]
        met = None if value is None else value >= limit if name.startswith("speedup") else value <= limit
        checked.append({"name": name, "value": value, "limit": limit, "met": met})
    return checked


def print_targets(figures: dict) -> None:
    checked = figures["targets"]
    if not checked:
        print(f"\nno targets for {figures['items']} items (the issue sets them at {' and '.join(map(str, TARGETS))})")
        return
    print(f"\ntargets at {figures['items']} items:")
    for target in checked:
        relation = ">=" if target["name"].startswith("speedup") else "<="
        value = "not measured" if target["value"] is None else f"{target['value']:.2f}"
        verdict = {True: "met", False: "NOT met", None: "not measured"}[target["met"]]
        print(f"  {target['name']:<28} {value:>12} {relation} {target['limit']:g}: {verdict}")
    print(
        "  (HTTP: steady, 1 client; speedup: plain Whoosh / newsearch in process, the lower of p50 and p95; "
        "PSS: the largest sum over the steady runs)"
    )
    if figures["workers"] != TARGET_WORKERS:
        print(f"  the memory target is for {TARGET_WORKERS} workers; this run had {figures['workers']}")


# -- main ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser)
    parser.add_argument("--workers", type=int, default=TARGET_WORKERS, help="gunicorn workers")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16], help="concurrent HTTP clients")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--no-tantivy", action="store_true", help="leave out the tantivy reference")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    workdir, corpus = prepare_from(args)
    folder = workdir / f"run-{args.items}"
    pages = builds.copy_pages(corpus.pages, folder / "pages")
    index_dir, plain_dir = folder / "index", folder / "whoosh"
    reference = None if args.no_tantivy else tantivy_reference(corpus, folder / "tantivy", workdir)
    build = {
        "newsearch_build_s": time_build(index_dir, pages),
        "plain_whoosh_build_s": time_plain_build(corpus, plain_dir),
        "tantivy_build_s": reference.build_s if reference else None,
    }
    found = in_process(corpus, index_dir, plain_dir, reference)
    http, memory = over_http(corpus, index_dir, args.workers, args.clients)
    # Last, so that the searches above ran on the items of the JSON Lines.
    build.update(time_updates(index_dir, pages))
    figures = {
        "items": args.items,
        "pages": len(list(corpus.pages.glob("*.txt"))),
        "workers": args.workers,
        "queries": {
            "timed": len(corpus.timed),
            "warmup": len(corpus.warmup),
            "query_seed": args.query_seed,
            "warmup_seed": args.warmup_seed,
        },
        "build": build,
        "http": http,
        "memory": memory,
        "in_process": found,
        "tantivy_version": reference.version if reference else None,
    }
    figures["targets"] = check_targets(figures)
    figures["elapsed_s"] = time.perf_counter() - started
    print_report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
