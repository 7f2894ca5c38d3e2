"""The log of searches visitors make and of the results they open, for the
editors' report (webapp/report.py): which queries are asked, which find
nothing, which get corrected, which find results nobody opens.

What is recorded: the query as the search normalised it, the filters, the
number of results, the time taken, the page, the index version, the
correction searched instead (if any), whether the page or the API asked,
and when; for a click, the query, the result's rank and its item id. What is
not: no IP address, cookie, user agent, session or any other identifier of a
person, so no entry can be tied to a visitor or to another entry of theirs.
Entries older than the retention (`SEARCH_LOG_DAYS`) are deleted.

Recording is kept off the request path: `record` only puts the entry on a
bounded queue of the process, and a writer thread writes what is waiting in
batches. A slow, full or dead store therefore never slows or fails a search:
when the queue is full the entry is dropped (and counted), and a store error
is logged at most once a minute and the batch skipped.

Two stores: SQLite in WAL mode (one file shared by every gunicorn worker of
a machine) and Redis streams (shared by every replica).
"""

from __future__ import annotations

import abc
import atexit
import dataclasses
import functools
import json
import logging
import os
import queue
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import redis

log = logging.getLogger(__name__)

# Entries waiting for the writer, per process; more are dropped.
QUEUE_SIZE = 10_000
# Seconds the writer gathers entries before writing them in one batch.
WRITE_INTERVAL = 0.5
# Seconds between two warnings about a failing store.
WARN_INTERVAL = 60.0
# Seconds a process's last entries get to be written when it exits.
EXIT_FLUSH = 1.0
# SQLite: how long a writer waits for another's lock (ms), and seconds
# between two deletions of expired entries.
SQLITE_BUSY_MS = 5000
SQLITE_EXPIRE_INTERVAL = 300.0
# Redis: the streams, seconds a write may wait for an answer (a dead Redis
# costs the writer no more), a report's reads, and the entries per read.
SEARCHES_STREAM = "newsearch:searches"
CLICKS_STREAM = "newsearch:clicks"
REDIS_WRITE_TIMEOUT = 0.25
REDIS_READ_TIMEOUT = 5.0
REDIS_READ_COUNT = 1000
# Redis numbers entries by its own clock: reads start this many seconds
# early so that a replica whose clock is ahead loses nothing.
REDIS_CLOCK_MARGIN = 60.0

DAY = 86400.0


@dataclasses.dataclass(frozen=True)
class LoggedSearch:
    """One search as it was answered; nothing in it names who asked."""

    q: str  # the query as the search normalised it ("" when browsing)
    filters: dict[str, list[str]]  # facet name -> values, and "from"/"to" when given
    total: int
    took_ms: float
    page: int
    version: str  # the index version that answered
    corrected: str | None  # the correction searched instead of q
    via: str  # "page" or "api"
    at: float  # unix time


@dataclasses.dataclass(frozen=True)
class LoggedClick:
    """One result opened from a search."""

    q: str
    rank: int  # 1-based position in the results
    item_id: str
    at: float


Entry = LoggedSearch | LoggedClick
Connection = TypeVar("Connection")
# Put on the queue by close(): the writer stops once it reaches it.
_STOP = object()


class SearchLog(abc.ABC, Generic[Connection]):
    """The queue and writer thread every store shares. A store says how to
    connect, how to write a batch and how to read entries back; its writes
    happen only in the writer thread of the process that recorded them."""

    # What the store raises when it cannot be written; anything else is a bug.
    errors: tuple[type[Exception], ...]

    def __init__(self, retention_days: float, *, queue_size: int = QUEUE_SIZE):
        if retention_days <= 0:
            raise ValueError(f"the search log's retention must be a positive number of days, not {retention_days}")
        self.retention = retention_days * DAY
        self.queue_size = queue_size
        self._closed = False
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=functools.partial(_new_lock, weakref.ref(self)))
        # What belongs to the process whose writer this is (see _start).
        self._pid: int | None = None
        self._queue: queue.Queue[object] = queue.Queue(queue_size)
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0  # entries refused because the queue was full
        self._lost = 0  # entries not written because the store failed, since the last warning
        self._error: Exception | None = None  # the last failure
        self._dropped_told = 0
        self._warned = -WARN_INTERVAL

    def record(self, search: LoggedSearch) -> None:
        self._put(search)

    def record_click(self, click: LoggedClick) -> None:
        self._put(click)

    @abc.abstractmethod
    def searches(self, since: float) -> Iterator[LoggedSearch]:
        """The searches made at `since` (unix time) or later, oldest first
        (in Redis: in the order it received them)."""

    @abc.abstractmethod
    def clicks(self, since: float) -> Iterator[LoggedClick]:
        """The clicks made at `since` (unix time) or later, in the same order."""

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every entry this process queued so far is written (or
        has failed to be), for at most `timeout` seconds."""
        if not self._writing():
            return
        done = threading.Event()
        start = time.monotonic()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return
        self._wake.set()
        done.wait(max(0.0, timeout - (time.monotonic() - start)))

    def close(self) -> None:
        """Write what is queued and stop the writer; later entries are ignored."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        if self._writing() and self._thread is not None:
            self._queue.put(_STOP)
            self._wake.set()
            self._thread.join(5.0)

    def _put(self, entry: Entry) -> None:
        if self._closed:
            return
        if self._pid != os.getpid():
            self._start()
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def _writing(self) -> bool:
        return self._pid == os.getpid() and self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        """Start this process's writer, with a queue of its own: gunicorn
        forks its workers after the app (and this log) is made, and neither
        the parent's threads nor what its queue held belong to a child."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.Queue(self.queue_size)
            self._wake = threading.Event()
            self.dropped = self._lost = self._dropped_told = 0
            self._thread = threading.Thread(target=self._run, name="searchlog-writer", daemon=True)
            self._thread.start()
            self._pid = os.getpid()
        atexit.register(self.flush, EXIT_FLUSH)

    def _run(self) -> None:
        entries, wake = self._queue, self._wake
        connection: Connection | None = None
        while True:
            batch = [entries.get()]
            wake.wait(WRITE_INTERVAL)
            wake.clear()
            while True:
                try:
                    batch.append(entries.get_nowait())
                except queue.Empty:
                    break
            written = [entry for entry in batch if isinstance(entry, LoggedSearch | LoggedClick)]
            if written:
                try:
                    if connection is None:
                        connection = self._connect()
                    self._write(connection, written, time.time())
                except self.errors as error:
                    self._lost += len(written)
                    self._error = error
                    self._disconnect(connection)
                    connection = None
            self._warn_of_losses()
            for entry in batch:
                if isinstance(entry, threading.Event):
                    entry.set()
            if _STOP in batch:
                self._disconnect(connection)
                return

    def _warn_of_losses(self) -> None:
        """One warning a WARN_INTERVAL at most, however many entries fail."""
        dropped = self.dropped - self._dropped_told
        if not (self._lost or dropped) or time.monotonic() - self._warned < WARN_INTERVAL:
            return
        losses = [f"{self._lost} entries not written ({self._error})"] if self._lost else []
        losses += [f"{dropped} entries dropped from the full queue"] if dropped else []
        log.warning("search log %s: %s", self, "; ".join(losses))
        self._warned = time.monotonic()
        self._lost = 0
        self._dropped_told += dropped

    @abc.abstractmethod
    def _connect(self) -> Connection:
        """A connection for the writer thread."""

    @abc.abstractmethod
    def _write(self, connection: Connection, entries: Sequence[Entry], now: float) -> None:
        """Write a batch, and drop what is older than the retention."""

    @abc.abstractmethod
    def _disconnect(self, connection: Connection | None) -> None:
        """Close the writer's connection, if any (it may be broken)."""


def _new_lock(ref: weakref.ref[SearchLog]) -> None:
    """After a fork: a lock another thread held at the fork stays held in the child."""
    search_log = ref()
    if search_log is not None:
        search_log._lock = threading.Lock()


def _columns(kind: type[Entry]) -> list[str]:
    return [field.name for field in dataclasses.fields(kind)]


def _to_row(entry: Entry) -> list[Any]:
    values = [getattr(entry, name) for name in _columns(type(entry))]
    return [json.dumps(value) if isinstance(value, dict) else value for value in values]


class SQLiteLog(SearchLog[sqlite3.Connection]):
    """One SQLite file, in WAL mode so that every worker's writer and a
    report's reader share it without waiting on each other for long."""

    errors = (sqlite3.Error, OSError)
    TABLES: dict[type[Entry], str] = {LoggedSearch: "searches", LoggedClick: "clicks"}

    def __init__(self, path: Path, retention_days: float, *, queue_size: int = QUEUE_SIZE):
        super().__init__(retention_days, queue_size=queue_size)
        self.path = Path(path)
        self._expire_at = 0.0  # the writer's next deletion of expired entries (unix time)

    def __str__(self) -> str:
        return str(self.path)

    def searches(self, since: float) -> Iterator[LoggedSearch]:
        for row in self._read(LoggedSearch, since):
            yield LoggedSearch(**{**row, "filters": json.loads(row["filters"])})

    def clicks(self, since: float) -> Iterator[LoggedClick]:
        for row in self._read(LoggedClick, since):
            yield LoggedClick(**row)

    def _read(self, kind: type[Entry], since: float) -> Iterator[dict[str, Any]]:
        columns = _columns(kind)
        connection = self._open()
        try:
            query = f"SELECT {', '.join(columns)} FROM {self.TABLES[kind]} WHERE at >= ? ORDER BY at"
            for row in connection.execute(query, (since,)):
                yield dict(zip(columns, row, strict=True))
        finally:
            connection.close()

    def _open(self) -> sqlite3.Connection:
        # Autocommit: the writer begins its own transactions, IMMEDIATE ones,
        # so that waiting for the write lock goes through the busy timeout.
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            # The columns are the entry's fields, untyped: SQLite keeps each value's own type.
            for kind, table in self.TABLES.items():
                connection.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(_columns(kind))})")
                connection.execute(f"CREATE INDEX IF NOT EXISTS {table}_at ON {table} (at)")
        except BaseException:
            connection.close()
            raise
        return connection

    def _connect(self) -> sqlite3.Connection:
        self._expire_at = 0.0
        return self._open()

    def _write(self, connection: sqlite3.Connection, entries: Sequence[Entry], now: float) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for kind, table in self.TABLES.items():
                rows = [_to_row(entry) for entry in entries if isinstance(entry, kind)]
                if rows:
                    marks = ", ".join("?" * len(_columns(kind)))
                    connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            if now >= self._expire_at:
                for table in self.TABLES.values():
                    connection.execute(f"DELETE FROM {table} WHERE at < ?", (now - self.retention,))
                self._expire_at = now + SQLITE_EXPIRE_INTERVAL
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def _disconnect(self, connection: sqlite3.Connection | None) -> None:
        if connection is not None:
            connection.close()


class RedisLog(SearchLog[redis.Redis]):
    """Two Redis streams shared by every replica, each entry one JSON
    field. Redis numbers entries by the time it received them, and each
    write trims what it received before the retention (exactly, so that
    reads never meet an expired entry)."""

    errors = (redis.RedisError, OSError)
    STREAMS: dict[type[Entry], str] = {LoggedSearch: SEARCHES_STREAM, LoggedClick: CLICKS_STREAM}

    def __init__(self, url: str, retention_days: float, *, queue_size: int = QUEUE_SIZE):
        super().__init__(retention_days, queue_size=queue_size)
        self.url = url

    def __str__(self) -> str:
        parts = urlsplit(self.url)  # without the password it may hold
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"

    def searches(self, since: float) -> Iterator[LoggedSearch]:
        for fields in self._read(SEARCHES_STREAM, since):
            yield LoggedSearch(**fields)

    def clicks(self, since: float) -> Iterator[LoggedClick]:
        for fields in self._read(CLICKS_STREAM, since):
            yield LoggedClick(**fields)

    def _read(self, stream: str, since: float) -> Iterator[dict[str, Any]]:
        with self._client(REDIS_READ_TIMEOUT) as client:
            start = str(max(0, int((since - REDIS_CLOCK_MARGIN) * 1000)))
            while True:
                chunk: Any = client.xrange(stream, min=start, max="+", count=REDIS_READ_COUNT)
                for _, fields in chunk:
                    entry = json.loads(fields[b"entry"])
                    if entry["at"] >= since:
                        yield entry
                if len(chunk) < REDIS_READ_COUNT:
                    return
                start = "(" + chunk[-1][0].decode()

    def _client(self, timeout: float) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=timeout, socket_connect_timeout=timeout)

    def _connect(self) -> redis.Redis:
        return self._client(REDIS_WRITE_TIMEOUT)

    def _write(self, connection: redis.Redis, entries: Sequence[Entry], now: float) -> None:
        oldest = str(int((now - self.retention) * 1000))
        with connection.pipeline(transaction=False) as pipe:
            for entry in entries:
                fields = json.dumps(dataclasses.asdict(entry))
                pipe.xadd(self.STREAMS[type(entry)], {"entry": fields}, minid=oldest, approximate=False)
            pipe.execute()

    def _disconnect(self, connection: redis.Redis | None) -> None:
        if connection is not None:
            connection.close()


SWITCH = {"1": True, "true": True, "on": True, "yes": True, "0": False, "false": False, "off": False, "no": False}


def open_log(config: Mapping[str, Any]) -> SearchLog | None:
    """The search log the settings ask for, or None when it is off.

    `SEARCH_LOG` turns it on or off (on by default); `SEARCH_LOG_DAYS` is
    the retention; `SEARCH_LOG_STORAGE_URI` is `sqlite:///abs/path`,
    `redis://host:port/db`, or empty: the rate limit's Redis when it has one
    (every replica then logs to one place), else a file beside the index."""
    if not _switch(config.get("SEARCH_LOG", True)):
        return None
    days = _days(config.get("SEARCH_LOG_DAYS", 30))
    uri = str(config.get("SEARCH_LOG_STORAGE_URI") or "")
    if not uri:
        limits = str(config.get("RATELIMIT_STORAGE_URI") or "")
        if limits.startswith(("redis://", "rediss://")):
            return RedisLog(limits, days)
        return SQLiteLog(Path(config.get("INDEX_DIR", "index")) / "searchlog.sqlite3", days)
    if uri.startswith(("redis://", "rediss://")):
        return RedisLog(uri, days)
    parts = urlsplit(uri)
    if parts.scheme == "sqlite" and not parts.netloc and parts.path.startswith("/") and len(parts.path) > 1:
        return SQLiteLog(Path(parts.path), days)
    raise ValueError(
        f"SEARCH_LOG_STORAGE_URI must be empty, sqlite:///absolute/path.sqlite3 or redis://host:port/db, not {uri!r}"
    )


def _switch(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in SWITCH:
        return SWITCH[value.strip().lower()]
    raise ValueError(f"SEARCH_LOG must be one of {', '.join(SWITCH)}, not {value!r}")


def _days(value: object) -> float:
    try:
        days = float(str(value))
    except (TypeError, ValueError):
        days = 0.0
    if not days > 0:
        raise ValueError(f"SEARCH_LOG_DAYS must be a positive number of days, not {value!r}")
    return days
