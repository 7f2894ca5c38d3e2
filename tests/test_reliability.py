"""The served index under stress, against a real gunicorn on 127.0.0.1:
rebuilds and updates under search load, a build killed midway, two writers
at once, and bad sources during an update.

The CLI runs as a subprocess, as an operator runs it, so each test sees
exactly what a running server sees: another process swapping the `current`
symlink. Every test is bounded: a few builds of small pages, and one page
of GENERATED_ITEMS items where a build must last long enough to be killed
or to hold the write lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import fetch, free_port, running_server

from indexer.build.store import CURRENT, LOCK_FILE, MANIFEST, VERSION_PREFIX, IndexStore
from indexer.ingest.dates import MONTHS
from indexer.ingest.sources import bundled_corpus
from indexer.pipeline import tagged_items

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "indexer.cli"]
# Enough items that indexing them takes seconds: long enough to kill the
# build midway or to hold the write lock while another writer tries.
GENERATED_ITEMS = 1500
# The extra pages' items are dated in a year the bundled corpus has none
# of, so `year=EXTRA_YEAR` counts exactly them.
EXTRA_YEAR = 2018
EXTRA_ITEMS = 5
# Servers here take as many requests as the tests send; the limit has its own test.
NO_RATE_LIMIT = {"NEWSEARCH_RATELIMIT_ENABLED": "false"}


# -- helpers -----------------------------------------------------------------


def get_json(url: str) -> tuple[int, dict]:
    status, _, body = fetch(url)
    return status, json.loads(body)


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Poll another process's progress (a version directory appearing, a
    writer opening the lock file): there is nothing to block on across
    processes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting {timeout:g}s for {what}")
        time.sleep(0.02)


def newsearch(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def start_newsearch(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> None:
    """Kill a CLI process a failed test left running."""
    if process.returncode is None:
        process.kill()
        process.communicate()


def has_open(pid: int, path: Path) -> bool:
    """Whether a process has `path` open (the write lock it is waiting on)."""
    with contextlib.suppress(OSError):
        return any(os.readlink(fd) == str(path.resolve()) for fd in Path(f"/proc/{pid}/fd").iterdir())
    return False


def partial_versions(index_dir: Path) -> list[Path]:
    """Version directories a writer has started but not finished."""
    return [path for path in index_dir.glob(f"{VERSION_PREFIX}*") if not (path / MANIFEST).exists()]


def current_target(index_dir: Path) -> str:
    return os.readlink(index_dir / CURRENT)


def page_text(items: list[tuple[dt.date, str, str]]) -> str:
    """A page in the corpus text format: `<date>: <title>`, then the body."""
    lines = ["News items written by the reliability tests.", ""]
    for date, title, body in items:
        lines += [f"{date.day} {date:%B %Y}: {title}", "", body, ""]
    return "\n".join(lines)


def generated_page(count: int, seed: int = 7) -> str:
    """`count` items of plain lowercase words from the bundled corpus: no
    line in a body looks like a dated heading, so the page parses cleanly."""
    rng = random.Random(seed)
    text = bundled_corpus().read_text("utf-8").lower()
    vocabulary = sorted({word for word in re.findall(r"[a-z]{4,}", text) if word not in MONTHS})
    items = []
    for number in range(count):
        title = " ".join(rng.choices(vocabulary, k=6)).capitalize() + f" {number}"
        body = "\n\n".join(" ".join(rng.choices(vocabulary, k=60)).capitalize() + "." for _ in range(3))
        items.append((dt.date(2010, 1, 1) + dt.timedelta(days=number), title, body))
    return page_text(items)


def search_total(base: str, query: str) -> int:
    status, result = get_json(f"{base}/api/search?{query}")
    assert status == 200, result
    return result["total"]


def assert_no_tracebacks(log_path: Path) -> None:
    log = log_path.read_text("utf-8", errors="replace")
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]


# -- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The page sets the tests build from: the bundled corpus alone, the
    corpus with a folder of extra pages, and a large generated page."""
    root = tmp_path_factory.mktemp("pages")
    extra = root / "extra"
    extra.mkdir()
    (extra / "2018.txt").write_text(
        page_text(
            [
                (
                    dt.date(EXTRA_YEAR, month, 14),
                    f"Reliability test item {month} on border management",
                    f"An extra item about border management and container control, number {month}.",
                )
                for month in range(1, EXTRA_ITEMS + 1)
            ]
        ),
        "utf-8",
    )
    big = root / "generated.txt"
    big.write_text(generated_page(GENERATED_ITEMS), "utf-8")
    return {"corpus": bundled_corpus(), "extra": extra, "big": big}


@pytest.fixture(scope="module")
def counts(pages, corpus_items) -> dict[str, int]:
    """Documents expected for each source set, from the same parser the CLI uses."""
    with_extra = tagged_items([str(pages["corpus"]), str(pages["extra"])])
    assert len(with_extra) == len(corpus_items) + EXTRA_ITEMS
    return {"corpus": len(corpus_items), "with_extra": len(with_extra)}


@pytest.fixture
def served(tmp_path, corpus_items) -> Iterator[tuple[str, Path, Path]]:
    """A gunicorn with two workers over an index of the bundled corpus:
    (base URL, index directory, error log)."""
    index_dir = tmp_path / "index"
    IndexStore(index_dir).build(corpus_items, ["bundled"])
    log_path = tmp_path / "gunicorn.log"
    with running_server(index_dir, log_path, env=NO_RATE_LIMIT) as base:
        yield base, index_dir, log_path


# -- reindex under load ----------------------------------------------------------


class SearchLoad:
    """Clients that search without pause until stopped, counting answers."""

    URLS = (
        "/api/search?q=wildlife+trafficking",
        "/api/search?q=border&year={year}",
        "/api/search?country=IRQ&sort=newest",
        "/api/search?q=traffickng",
        "/?q=container+control",
        "/healthz",
        "/readyz",
        "/search.atom?q=crime",
    )

    def __init__(self, base: str, clients: int):
        self.base = base
        self.stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def _run(self, offset: int) -> None:
        urls = [self.base + url.format(year=EXTRA_YEAR) for url in self.URLS]
        turn = offset
        while not self.stop.is_set():
            url = urls[turn % len(urls)]
            turn += 1
            try:
                status, _, body = fetch(url)
                failure = f"{url}: HTTP {status} {body[:300]!r}" if status != 200 else None
            except OSError as err:  # refused, reset, timed out
                status, failure = 0, f"{url}: {err!r}"
            with self._lock:
                self.statuses[status] += 1
                if failure:
                    self.failures.append(failure)

    def __enter__(self) -> SearchLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(15)


def test_searches_never_fail_while_the_index_is_rebuilt_and_updated(served, pages, counts):
    base, index_dir, log_path = served
    corpus, extra = str(pages["corpus"]), str(pages["extra"])
    # Each step: the CLI command, then the documents and extra items every
    # request after it must see, on either worker, with no restart.
    steps = [
        ("build", [corpus, extra], counts["with_extra"], EXTRA_ITEMS),
        ("update", [corpus], counts["corpus"], 0),
        ("update", [corpus, extra], counts["with_extra"], EXTRA_ITEMS),
        ("build", [corpus], counts["corpus"], 0),
    ] * 2
    with SearchLoad(base, clients=4) as load:
        for command, sources, documents, extras in steps:
            done = newsearch(command, "--index", str(index_dir), *sources)
            assert done.returncode == 0, done.stderr
            version = current_target(index_dir)
            for _ in range(4):  # enough requests to reach both workers
                status, health = get_json(f"{base}/healthz")
                assert (status, health["documents"], health["version"]) == (200, documents, version)
                assert search_total(base, f"year={EXTRA_YEAR}") == extras
                assert search_total(base, "") == documents
    assert load.failures == []
    assert sum(load.statuses.values()) >= 100, load.statuses  # the load did run
    assert_no_tracebacks(log_path)


# -- crash safety ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "update"])
def test_a_writer_killed_midway_leaves_the_old_index_serving(served, pages, counts, corpus_items, command):
    base, index_dir, log_path = served
    before = current_target(index_dir)
    writer = start_newsearch(command, "--index", str(index_dir), str(pages["big"]))
    try:
        wait_for(
            lambda: partial_versions(index_dir) or writer.poll() is not None,
            f"`newsearch {command}` to start writing a version",
        )
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL, "the writer finished before it could be killed"
    [partial] = partial_versions(index_dir)

    # The serving index is the one from before, whole.
    assert current_target(index_dir) == before
    status, health = get_json(f"{base}/healthz")
    assert (status, health["documents"], health["version"]) == (200, counts["corpus"], before)
    status, ready = get_json(f"{base}/readyz")
    assert (status, ready["documents"]) == (200, counts["corpus"])
    status, result = get_json(f"{base}/api/search?per_page=100")
    assert {hit["id"] for hit in result["results"]} == {item.id for item in corpus_items}

    # The next write takes the lock at once, succeeds and clears the debris.
    done = newsearch(
        command, "--index", str(index_dir), "--lock-timeout", "5", str(pages["corpus"]), str(pages["extra"])
    )
    assert done.returncode == 0, done.stderr
    assert f"removing abandoned partial index {partial.name}" in done.stderr
    assert not partial.exists() and partial_versions(index_dir) == []
    assert get_json(f"{base}/healthz")[1]["documents"] == counts["with_extra"]
    assert_no_tracebacks(log_path)


# -- concurrent writers --------------------------------------------------------------


def test_a_second_writer_waits_for_the_lock_or_fails_clearly(served, pages, counts):
    base, index_dir, log_path = served
    index = str(index_dir)
    with contextlib.ExitStack() as cleanup:
        first = start_newsearch("update", "--index", index, str(pages["big"]))
        cleanup.callback(stop, first)
        wait_for(
            lambda: partial_versions(index_dir) or first.poll() is not None, "the first update to take the write lock"
        )
        # Paused while it holds the lock, so the others find the lock taken
        # however fast this machine indexes.
        first.send_signal(signal.SIGSTOP)
        assert first.poll() is None, "the first update finished before it could be paused"
        # One that will not wait long gives up with a clear message...
        impatient = newsearch("update", "--index", index, "--lock-timeout", "0.3", str(pages["corpus"]))
        # ...and one that waits applies its changes after the first one's.
        patient = start_newsearch("update", "--index", index, str(pages["corpus"]), str(pages["extra"]))
        cleanup.callback(stop, patient)
        wait_for(
            lambda: has_open(patient.pid, index_dir / LOCK_FILE) or patient.poll() is not None,
            "the second update to wait for the lock",
        )
        assert patient.poll() is None, "the second update did not wait for the lock"
        first.send_signal(signal.SIGCONT)
        first_out, first_err = first.communicate(timeout=120)
        patient_out, patient_err = patient.communicate(timeout=120)

    assert impatient.returncode == 2
    assert "write lock" in impatient.stderr and index in impatient.stderr
    assert impatient.stderr.strip().startswith("newsearch update:")
    assert first.returncode == 0, first_err
    assert "serving " in first_out and f"({GENERATED_ITEMS} documents)" in first_out
    # The patient update saw the first one's index: it removed the generated items.
    assert patient.returncode == 0, patient_err
    assert f"added {counts['with_extra']}, changed 0, removed {GENERATED_ITEMS}, unchanged 0" in patient_out, (
        patient_out
    )
    serving = re.search(r"serving (\S+)", patient_out).group(1)
    assert current_target(index_dir) == serving
    assert partial_versions(index_dir) == []

    store = IndexStore(index_dir)
    assert store.manifest()["documents"] == counts["with_extra"]
    status, ready = get_json(f"{base}/readyz")
    assert (status, ready["status"], ready["documents"], ready["version"]) == (
        200,
        "ready",
        counts["with_extra"],
        serving,
    )
    assert search_total(base, "") == counts["with_extra"]
    assert search_total(base, f"year={EXTRA_YEAR}") == EXTRA_ITEMS
    assert_no_tracebacks(log_path)


# -- bad sources ----------------------------------------------------------------------

BROKEN_PAGE = (
    "A page with one good item and one impossible date.\n\n"
    "1 March 2019: A fine item\n\nBody.\n\n31.02.2019: x\n\nBody.\n"
)
BROKEN_LINE = 7


@pytest.fixture(scope="module")
def served_for_bad_sources(tmp_path_factory, corpus_items) -> Iterator[tuple[str, Path, Path]]:
    """One server for all the bad-source cases: none of them may change it."""
    root = tmp_path_factory.mktemp("bad-sources")
    IndexStore(root / "index").build(corpus_items, ["bundled"])
    with running_server(root / "index", root / "gunicorn.log", env=NO_RATE_LIMIT) as base:
        yield base, root / "index", root / "gunicorn.log"


def bad_source(kind: str, base: str, pages: dict[str, Path], tmp_path: Path) -> tuple[list[str], str]:
    """The sources for one kind of bad input, and what stderr must say."""
    broken = tmp_path / "broken.txt"
    broken.write_text(BROKEN_PAGE, "utf-8")
    if kind == "broken file":
        return [str(broken)], f"{broken}:{BROKEN_LINE}: cannot read the heading date"
    if kind == "broken file after good pages":
        return [str(pages["corpus"]), str(pages["extra"]), str(broken)], f"{broken}:{BROKEN_LINE}:"
    if kind == "unreachable URL":
        url = f"http://127.0.0.1:{free_port()}/page.txt"  # nothing listens once the probe closes
        return [url], f"{url}: cannot fetch the page: connection refused"
    url = f"{base}/pages/missing.txt"
    return [url], f"{url}: the server answered HTTP 404"


@pytest.mark.parametrize("command", ["update", "build"])
@pytest.mark.parametrize(
    "kind", ["broken file", "broken file after good pages", "unreachable URL", "URL answering 404"]
)
def test_a_bad_source_stops_the_write_and_changes_nothing(served_for_bad_sources, pages, tmp_path, command, kind):
    base, index_dir, log_path = served_for_bad_sources
    sources, expected = bad_source(kind, base, pages, tmp_path)
    before = current_target(index_dir)
    health_before = get_json(f"{base}/healthz")

    done = newsearch(command, "--index", str(index_dir), "--timeout", "5", *sources)

    assert done.returncode == 2
    assert expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert current_target(index_dir) == before
    assert get_json(f"{base}/healthz") == health_before
    assert sorted(p.name for p in index_dir.glob(f"{VERSION_PREFIX}*")) == [before]
    assert_no_tracebacks(log_path)


# -- the rate limit itself ---------------------------------------------------------------


def test_the_rate_limit_answers_429_in_the_error_shape(tmp_path, corpus_items):
    """One worker, so the in-memory counter is the only one (with several
    workers and `memory://` each worker counts on its own)."""
    index_dir = tmp_path / "index"
    IndexStore(index_dir).build(corpus_items[:3])
    log_path = tmp_path / "gunicorn.log"
    with running_server(
        index_dir,
        log_path,
        workers=1,
        env={"NEWSEARCH_RATELIMIT_ENABLED": "true", "NEWSEARCH_RATELIMIT": "5 per minute"},
    ) as base:
        statuses = [fetch(f"{base}/api/search?q=crime")[0] for _ in range(5)]
        status, headers, body = fetch(f"{base}/api/search?q=crime")
        assert fetch(f"{base}/healthz")[0] == 200  # health checks are never limited
    assert statuses == [200] * 5
    assert status == 429 and int(headers["Retry-After"]) > 0
    error = json.loads(body)["error"]
    assert set(error) == {"status", "code", "message", "param"}
    assert (error["status"], error["code"]) == (429, "too_many_requests")


def test_a_long_reindex_runs_in_the_background_without_a_worker_timeout(tmp_path, pages, corpus_index_dir):
    """The admin reindex of a page of 4,000 items answers 202 at once, runs
    past gunicorn's worker timeout (lowered to 5 s here) as a task, and
    searches keep answering meanwhile."""
    page = tmp_path / "large.txt"
    page.write_text(generated_page(4000, seed=11), "utf-8")
    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index_dir, index_dir, symlinks=True)
    env = {
        **NO_RATE_LIMIT,
        "NEWSEARCH_ADMIN_TOKEN": "t0ken",
        "NEWSEARCH_SOURCES": str(page),
        "GUNICORN_CMD_ARGS": "--timeout 5",
    }
    auth = {"Authorization": "Bearer t0ken"}
    with running_server(index_dir, tmp_path / "gunicorn.log", env=env) as base:
        started = time.monotonic()
        request = urllib.request.Request(f"{base}/api/admin/reindex", method="POST", headers=auth)
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
            task_url = response.headers["Location"]
        assert time.monotonic() - started < 2.0
        busy = urllib.request.Request(f"{base}/api/admin/reindex", method="POST", headers=auth)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(busy, timeout=10)
        with refused.value:
            assert refused.value.code == 409 and refused.value.headers["Location"] == task_url
        states = set()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            search_total(base, "q=wildlife")  # answers (200) from the old index, then the new one
            with urllib.request.urlopen(urllib.request.Request(task_url, headers=auth), timeout=10) as response:
                task = json.load(response)
            states.add(task["state"])
            if task["state"] in ("succeeded", "failed"):
                break
            time.sleep(0.5)
        assert task["state"] == "succeeded", task
        assert "running" in states
        assert task["result"]["documents"] == 4000
        assert get_json(f"{base}/healthz")[1]["documents"] == 4000
    assert_no_tracebacks(tmp_path / "gunicorn.log")
