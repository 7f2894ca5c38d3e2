"""Search over HTTP: latency and throughput of a real gunicorn, beside a floor.

    python -m bench.http_bench [--sizes 1000 20000] [--queries 300] [--clients 1 4 16] [--workers N]
                               [--workdir DIR]

For each size, the synthetic corpus (`bench.synthetic.generate_items`) is
built into an index with `IndexStore.build`, and the query log of
`bench.search_bench.query_log` (words, phrases, facet filters, date ranges,
browsing) is replayed

- in process: `parse_search_request` + `search()`, as `search_bench` times
  it (each query warmed once, then the median of `--repeats`);
- through the WSGI app without a network (Flask's test client): the same
  search plus the URLs, the JSON encoding and Flask itself;
- over HTTP against `gunicorn --config webapp/gunicorn_conf.py` on
  127.0.0.1 (its workers, timeouts and access log as in production, rate
  limiting off), by 1, 4 and 16 concurrent clients, each request on a new
  connection as a sync worker wants. Facets are always computed. Before
  timing, the log is replayed 3 times per worker, so that the workers'
  caches are as warm as in the in-process timings.

In the same server, at each concurrency, the same number of requests goes
to `/healthz` first: the floor, what any request costs (connection, HTTP
parsing, gunicorn, Flask, a JSON body). The figure is the search's ratio to
the floor; the memory of each worker (RSS and PSS from /proc) is read after
the runs.

The client runs in this process, with threads, on the same machine as the
server: at 16 clients it competes with the workers for the CPU, so the
throughput is a lower bound. This is a script that prints figures, not a
test; the last lines say whether the issue's targets are met.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from bench.search_bench import QuerySpec, percentile, query_log
from bench.synthetic import generate_items
from indexer.build.store import IndexStore
from indexer.build.writer import available_cpus
from indexer.facets.vocabulary import Vocabularies
from indexer.search.engine import Catalog, search
from indexer.search.request import parse_search_request
from webapp import create_app

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "webapp" / "gunicorn_conf.py"
FLOOR = "/healthz"
# The targets, at the largest size: over HTTP, a search's p50 is at
# most the floor's p50 plus this many times the in-process p50...
TARGET_OVERHEAD = 1.5
# ...and no request fails at this many concurrent clients.
TARGET_CLIENTS = 16
WARM_UP_PASSES_PER_WORKER = 3


@dataclasses.dataclass
class Run:
    """One replay: a latency per request, the failures, the wall time."""

    endpoint: str
    clients: int
    latencies_ms: list[float]
    errors: list[str]
    wall_s: float

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s


# -- the server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the production config, on a free port of 127.0.0.1."""

    def __init__(self, index_dir: Path, workers: int | None):
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{self.port}"]
        if workers:
            command += ["--workers", str(workers)]
        command.append("webapp:create_app()")
        env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(index_dir), "NEWSEARCH_RATELIMIT_ENABLED": "false"}
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            return get("127.0.0.1", self.port, FLOOR)[0] == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        return [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _stat_field(p / "stat", 3) == str(master)
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)


def _stat_field(path: Path, index: int) -> str | None:
    try:
        return path.read_text().rsplit(")", 1)[1].split()[index - 2]
    except (OSError, IndexError):
        return None


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB: PSS shares the pages the workers
    share with each other and the master, RSS counts them in each."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


# -- the clients -------------------------------------------------------------------


def get(host: str, port: int, target: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def replay(port: int, targets: Sequence[str], clients: int, requests: int, endpoint: str) -> Run:
    """`clients` threads send `requests` requests between them, taking the
    targets in turn; each measures its own requests."""
    lock = threading.Lock()
    next_request = iter(range(requests))
    latencies: list[float] = []
    errors: list[str] = []

    def client() -> None:
        while True:
            with lock:
                number = next(next_request, None)
            if number is None:
                return
            target = targets[number % len(targets)]
            started = time.perf_counter()
            try:
                status, body = get("127.0.0.1", port, target)
                error = None if status == 200 else f"HTTP {status} {target}: {body[:200]!r}"
            except OSError as err:
                error = f"{type(err).__name__} {target}: {err}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(endpoint, clients, latencies, errors, time.perf_counter() - started)


# -- in process ----------------------------------------------------------------------


def url(spec: QuerySpec) -> str:
    return "/api/search?" + urllib.parse.urlencode(spec.params(), doseq=True)


def time_in_process(index_dir: Path, log: Sequence[QuerySpec], repeats: int) -> tuple[list[float], list[float], float]:
    """Per query, the median ms of `search()` and of the WSGI app (test
    client) on the same query; and the WSGI app's p50 on the floor."""
    index = Catalog(IndexStore(index_dir)).current()
    app = create_app({"INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False})
    client = app.test_client()
    requests = [parse_search_request(spec.params(), Vocabularies.bundled()) for spec in log]
    urls = [url(spec) for spec in log]
    for request, target in zip(requests, urls, strict=True):  # warm-up: caches, the app's own open index
        search(index, request)
        assert client.get(target).status_code == 200, target
    gc.collect()
    search_ms: list[list[float]] = [[] for _ in log]
    wsgi_ms: list[list[float]] = [[] for _ in log]
    floor_ms: list[float] = []
    for _ in range(repeats):
        for i, (request, target) in enumerate(zip(requests, urls, strict=True)):
            started = time.perf_counter()
            search(index, request)
            search_ms[i].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.get(target)
            wsgi_ms[i].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.get(FLOOR)
            floor_ms.append((time.perf_counter() - started) * 1000)
    index.close()
    return (
        [statistics.median(s) for s in search_ms],
        [statistics.median(s) for s in wsgi_ms],
        statistics.median(floor_ms),
    )


# -- one size --------------------------------------------------------------------------


@dataclasses.dataclass
class SizeResult:
    n: int
    workers: int
    search_ms: list[float]
    wsgi_ms: list[float]
    wsgi_floor_ms: float
    runs: list[Run]
    memory: list[tuple[int, int, int]]  # (pid, RSS kB, PSS kB) per worker
    master_memory: tuple[int, int]


def bench_size(n: int, args, workdir: Path) -> SizeResult:
    started = time.perf_counter()
    items = generate_items(n, args.seed)
    print(f"\n# {n} items generated in {time.perf_counter() - started:.1f} s", flush=True)
    index_dir = workdir / f"index-{n}"
    store, source = IndexStore(index_dir), f"synthetic:{n}:seed={args.seed}"
    if store.exists() and store.manifest()["sources"] == [source]:
        print(f"  reusing the index in {index_dir}", flush=True)
    else:
        started = time.perf_counter()
        store.build(items, [source], processes=available_cpus())  # as `newsearch build`
        print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    log = query_log(items, args.queries, args.seed)
    del items
    search_ms, wsgi_ms, wsgi_floor = time_in_process(index_dir, log, args.repeats)
    print(
        f"  in process: search p50 {percentile(search_ms, 50):.1f} ms, "
        f"WSGI p50 {percentile(wsgi_ms, 50):.1f} ms, WSGI {FLOOR} p50 {wsgi_floor:.2f} ms",
        flush=True,
    )

    targets = [url(spec) for spec in log]
    server = Server(index_dir, args.workers)
    try:
        workers = server.workers()
        # Every worker opens the index and fills its caches before timing,
        # as warm as the in-process figures: requests go to whichever worker
        # accepts first, so after 3 passes per worker each has seen a
        # query with a probability of 1 - (1 - 1/workers)^(3 workers) > 95%.
        replay(server.port, targets, len(workers), WARM_UP_PASSES_PER_WORKER * len(workers) * len(targets), "warm-up")
        runs = []
        for clients in args.clients:
            for endpoint, endpoint_targets in ((FLOOR, [FLOOR]), ("/api/search", targets)):
                run = replay(server.port, endpoint_targets, clients, len(targets), endpoint)
                runs.append(run)
                print(
                    f"  {clients:>2} clients {endpoint:<12} p50 {run.p(50):7.1f} ms  "
                    f"{run.throughput:7.1f} req/s  {len(run.errors)} errors",
                    flush=True,
                )
        memory = [(pid, *memory_kb(pid)) for pid in workers]
        master = memory_kb(server.process.pid)
    finally:
        server.stop()
    return SizeResult(n, len(workers), search_ms, wsgi_ms, wsgi_floor, runs, memory, master)


def print_table(result: SizeResult) -> None:
    print(
        f"\n{result.n} items, {result.workers} gunicorn workers, {len(result.search_ms)} queries "
        f"per run; latencies in ms"
    )
    print(
        f"  in process  search()        p50 {percentile(result.search_ms, 50):7.1f}  "
        f"p95 {percentile(result.search_ms, 95):7.1f}  p99 {percentile(result.search_ms, 99):7.1f}"
    )
    print(
        f"  WSGI        /api/search     p50 {percentile(result.wsgi_ms, 50):7.1f}  "
        f"p95 {percentile(result.wsgi_ms, 95):7.1f}  p99 {percentile(result.wsgi_ms, 99):7.1f}"
    )
    print(f"  WSGI        {FLOOR:<15} p50 {result.wsgi_floor_ms:7.2f}")
    header = (
        f"  {'clients':>7} {'endpoint':<12} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7} "
        f"{'errors':>6} {'p50/floor':>9} {'req/s/floor':>11}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    floors = {run.clients: run for run in result.runs if run.endpoint == FLOOR}
    for run in result.runs:
        floor = floors[run.clients]
        ratios = (
            "" if run is floor else (f"{run.p(50) / floor.p(50):>8.1f}x {run.throughput / floor.throughput:>10.3f}x")
        )
        print(
            f"  {run.clients:>7} {run.endpoint:<12} {run.p(50):>7.1f} {run.p(95):>7.1f} {run.p(99):>7.1f} "
            f"{run.throughput:>7.1f} {len(run.errors):>6} {ratios}"
        )
    for run in result.runs:
        for error in run.errors[:3]:
            print(f"    {run.clients} clients {run.endpoint}: {error}")
    print(
        "  memory per worker after the runs (kB): "
        + ", ".join(f"pid {pid} RSS {rss} PSS {pss}" for pid, rss, pss in result.memory)
        + f"; master RSS {result.master_memory[0]} PSS {result.master_memory[1]}"
    )


def print_targets(result: SizeResult) -> None:
    one = {run.endpoint: run for run in result.runs if run.clients == 1}
    floor, searched = one[FLOOR].p(50), one["/api/search"].p(50)
    in_process = percentile(result.search_ms, 50)
    limit = floor + TARGET_OVERHEAD * in_process
    print(f"\ntargets at {result.n} items:")
    print(
        f"  search p50 over HTTP (1 client) {searched:.1f} ms <= floor p50 {floor:.1f} ms + "
        f"{TARGET_OVERHEAD:g} x in-process p50 {in_process:.1f} ms = {limit:.1f} ms: "
        f"{'met' if searched <= limit else 'NOT met'}"
    )
    busy = [run for run in result.runs if run.clients == TARGET_CLIENTS]
    if busy:
        errors = sum(len(run.errors) for run in busy)
        print(f"  errors at {TARGET_CLIENTS} concurrent clients: {errors}: {'met' if not errors else 'NOT met'}")
    else:
        print(f"  errors at {TARGET_CLIENTS} concurrent clients: not run")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--queries", type=int, default=300, help="queries in the log; requests per run")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn_conf's, CPU count + 1)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="in-process timings per query")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the built indexes here and reuse them on the next run (default: a temporary directory)",
    )
    args = parser.parse_args(argv)
    results = []
    with contextlib.ExitStack() as cleanup:
        workdir = args.workdir or Path(
            cleanup.enter_context(tempfile.TemporaryDirectory(prefix="newsearch-http-bench-"))
        )
        for n in args.sizes:
            results.append(bench_size(n, args, workdir))
    for result in results:
        print_table(result)
    print_targets(max(results, key=lambda result: result.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
