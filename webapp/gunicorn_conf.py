"""gunicorn settings for `newsearch serve`, `make run` and the Docker image.

Each can be overridden with the usual GUNICORN_CMD_ARGS or by the flags
`newsearch serve` passes.
"""

import atexit
import logging
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.http import wsgi

bind = f"{os.environ.get('NEWSEARCH_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Searching is CPU-bound pure Python: one process per core, plus one to
# cover a worker blocked on disk.
workers = int(os.environ.get("NEWSEARCH_WORKERS") or multiprocessing.cpu_count() + 1)
# Threaded workers: a connection holds a thread only while its request is
# read and answered (idle keep-alive connections wait in the worker's
# selector), and each worker has threads enough that slow or trickling
# clients cannot take them all; searches still run one at a time per core.
worker_class = "gthread"
threads = int(os.environ.get("NEWSEARCH_THREADS") or 32)
timeout = 30
graceful_timeout = 20
keepalive = 5
# Generous limits, so that the app itself answers an over-long query or
# too many headers with the API's error shape (`webapp/security.py` sets
# the real limits); gunicorn caps an unlimited (0) request line at 1 MB.
limit_request_line = 0
limit_request_fields = 150
limit_request_field_size = 16384
# Forwarded headers are believed only as NEWSEARCH_TRUSTED_PROXIES says
# (webapp/proxy.py), never by gunicorn on its own.
forwarded_allow_ips = ""
accesslog = "-"
errorlog = "-"
# No query strings in the access log's default line would lose the search;
# keep them, but never the Authorization header.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def on_starting(server: object) -> None:
    """Every worker counts its metrics in files of one folder, which
    `GET /metrics` adds up: PROMETHEUS_MULTIPROC_DIR, or else a private
    folder of this server's own, removed when it stops. Set before any
    worker imports prometheus_client; emptied of a previous run's counts."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    else:
        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="newsearch-metrics-")
        atexit.register(_remove_in_arbiter, folder, os.getpid())
    for stale in Path(folder).glob("*.db"):
        stale.unlink()


def _remove_in_arbiter(folder: str, arbiter_pid: int) -> None:
    # Workers inherit atexit handlers: only the arbiter removes the folder.
    if os.getpid() == arbiter_pid:
        shutil.rmtree(folder, ignore_errors=True)


def child_exit(server: object, worker) -> None:
    """A dead worker's counts stay in the sum; its live gauges leave it."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server: object, worker: object) -> None:
    """The app's own log lines (index opened, swapped, errors) go where
    gunicorn's error log goes; answers leave in one write."""
    wsgi.Response = WholeResponse
    error_log = logging.getLogger("gunicorn.error")
    for name in ("indexer", "webapp", "flask-limiter"):
        logger = logging.getLogger(name)
        logger.handlers = list(error_log.handlers)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def post_worker_init(worker) -> None:
    """Open the serving index version as the worker starts, so that no
    visitor waits for it (about half a second at 20,000 items). Without an
    index yet, the first request after a build opens it."""
    catalog = worker.wsgi.extensions["catalog"]
    if catalog.store.exists():
        try:
            catalog.current()
        except Exception:  # a broken index: the requests will say so
            logging.getLogger("gunicorn.error").exception("could not open the index at start")


class _HeldHeaders:
    """A worker's socket as a response sees it: the first write (the status
    line and headers) is held until the next (the body, or its first part)
    so that both leave in one. A worker killed between the two would
    otherwise leave a proxy with headers it has passed on and no body: a
    failed request the proxy can no longer retry on another replica."""

    def __init__(self, sock) -> None:
        self._sock = sock
        self._held: bytes | None = None
        self._started = False

    def sendall(self, data: bytes) -> None:
        if not self._started:
            self._started = True
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._sock.sendall(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._sock.sendall(held)

    def __getattr__(self, name: str):
        self.flush()  # sendfile and the rest write after the headers
        return getattr(self._sock, name)


class WholeResponse(wsgi.Response):
    """gunicorn's response, writing its headers with the body."""

    def __init__(self, req, sock, cfg) -> None:
        super().__init__(req, _HeldHeaders(sock), cfg)

    def close(self) -> None:
        super().close()
        self.sock.flush()  # an answer without a body: 304, HEAD, 204
