"""Search over HTTP as visitors see it: a real gunicorn, queries it has not seen.

gunicorn runs with the production config (`webapp/gunicorn_conf.py`: its
threaded workers, timeouts and access log; rate limiting off) on a free
port of 127.0.0.1. Each run starts a fresh server and waits until every
worker has booted (none is busy any more), then:

- cold: the timed queries are sent each once, with no warm-up at all: the
  first requests open the index in each worker, as after a restart;
- steady: the warm-up log is sent first (each query once, by as many
  clients as twice the workers, so that every worker gets its share), then
  the timed queries each once.

A fresh server per run means no timed query is one the server has seen.
Clients are threads of this process, each request on a new connection; at
16 clients they compete with the workers for the CPU, so the throughput is
a lower bound. The memory of every worker and of the arbiter (RSS, and PSS
from /proc/PID/smaps_rollup) is read after each steady run.
"""

from __future__ import annotations

import collections
import dataclasses
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench.stats import summary

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "webapp" / "gunicorn_conf.py"
FLOOR = "/healthz"
FLOOR_REQUESTS = 100
# A worker has booted when it has used no CPU for this long.
IDLE_S = 0.5


@dataclasses.dataclass
class Run:
    """One replay: each request's latency and status, the failures, the wall time."""

    clients: int
    latencies_ms: list[float]
    statuses: list[int]  # 0: no answer (the connection failed)
    errors: list[str]  # anything but 200 and 400 (a filter value the vocabularies do not know)
    wall_s: float

    @property
    def answered_ms(self) -> list[float]:
        """Latencies of the searches answered with results (HTTP 200)."""
        return [ms for ms, status in zip(self.latencies_ms, self.statuses, strict=True) if status == 200]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s

    def figures(self) -> dict:
        return {
            **summary(self.answered_ms),
            "throughput": self.throughput,
            "requests": len(self.latencies_ms),
            "statuses": {str(status): n for status, n in sorted(collections.Counter(self.statuses).items())},
            "errors": len(self.errors),
        }


@dataclasses.dataclass
class Memory:
    """RSS and PSS in kB of each worker (by pid) and of the arbiter."""

    workers: dict[int, tuple[int, int]]
    arbiter_pid: int
    arbiter: tuple[int, int]

    @property
    def sum_rss_kb(self) -> int:
        return sum(rss for rss, _ in self.workers.values())

    @property
    def sum_pss_kb(self) -> int:
        return sum(pss for _, pss in self.workers.values())

    def figures(self) -> dict:
        return {
            "workers": [{"pid": pid, "rss_kb": rss, "pss_kb": pss} for pid, (rss, pss) in self.workers.items()],
            "sum_rss_kb": self.sum_rss_kb,
            "sum_pss_kb": self.sum_pss_kb,
            "arbiter": {"pid": self.arbiter_pid, "rss_kb": self.arbiter[0], "pss_kb": self.arbiter[1]},
        }


# -- the server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the production config, on a free port of 127.0.0.1."""

    def __init__(self, index_dir: Path, workers: int | None, env: dict[str, str] | None = None):
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{self.port}"]
        if workers:
            command += ["--workers", str(workers)]
        command.append("webapp:create_app()")
        settings = {"NEWSEARCH_INDEX_DIR": str(index_dir), "NEWSEARCH_RATELIMIT_ENABLED": "false", **(env or {})}
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **settings},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_until_up(workers, deadline=time.monotonic() + 60)
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self, workers: int | None, deadline: float) -> None:
        """Until the server answers and every worker has booted: all there, none busy."""
        while not self._answers() or (workers and len(self.workers()) < workers):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.1)
        cpu = self._workers_cpu()
        while True:
            time.sleep(IDLE_S)
            now = self._workers_cpu()
            if now == cpu or time.monotonic() > deadline:
                return
            cpu = now

    def _answers(self) -> bool:
        try:
            return get("127.0.0.1", self.port, FLOOR)[0] == 200
        except OSError:
            return False

    def _workers_cpu(self) -> dict[int, tuple[str | None, str | None]]:
        """Each worker's user and system CPU time, in clock ticks."""
        stats = {pid: Path(f"/proc/{pid}/stat") for pid in self.workers()}
        return {pid: (_stat_field(stat, 14), _stat_field(stat, 15)) for pid, stat in stats.items()}

    def workers(self) -> list[int]:
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        return [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _stat_field(p / "stat", 4) == str(master)
        ]

    def memory(self) -> Memory:
        master = self.process.pid
        return Memory({pid: memory_kb(pid) for pid in self.workers()}, master, memory_kb(master))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)


def _stat_field(path: Path, number: int) -> str | None:
    """Field `number` (1-based, as in proc(5)) of /proc/PID/stat."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()[number - 3]
    except (OSError, IndexError):
        return None


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB: PSS shares the pages the workers
    share with each other and the arbiter, RSS counts them in each."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
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


def replay(port: int, targets: Sequence[str], clients: int) -> Run:
    """`clients` threads send the targets between them, each once, in
    order; each thread measures its own requests."""
    lock = threading.Lock()
    pending = iter(targets)
    latencies: list[float] = []
    statuses: list[int] = []
    errors: list[str] = []

    def client() -> None:
        while True:
            with lock:
                target = next(pending, None)
            if target is None:
                return
            started = time.perf_counter()
            try:
                status, body = get("127.0.0.1", port, target)
                error = None if status in (200, 400) else f"HTTP {status} {target}: {body[:200]!r}"
            except OSError as err:
                status, error = 0, f"{type(err).__name__} {target}: {err}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses.append(status)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(clients, latencies, statuses, errors, time.perf_counter() - started)


# -- the runs ------------------------------------------------------------------------


@dataclasses.dataclass
class ServerRun:
    mode: str  # cold or steady
    run: Run
    memory: Memory | None  # after a steady run
    floor: Run | None  # FLOOR, by the same clients, after a steady run


def serve_and_replay(
    index_dir: Path, workers: int, mode: str, clients: int, timed: Sequence[str], warmup: Sequence[str]
) -> ServerRun:
    """One run on a fresh server: `timed` by `clients` clients, after
    `warmup` in steady mode."""
    server = Server(index_dir, workers)
    try:
        if mode == "steady":
            replay(server.port, warmup, 2 * workers)
        run = replay(server.port, timed, clients)
        if mode != "steady":
            return ServerRun(mode, run, None, None)
        memory = server.memory()
        floor = replay(server.port, [FLOOR] * FLOOR_REQUESTS, clients)
        return ServerRun(mode, run, memory, floor)
    finally:
        server.stop()
