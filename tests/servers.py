"""A real gunicorn for the tests that need one: `newsearch serve` on a free
port of 127.0.0.1, stopped with its workers when the block ends."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def fetch(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Status, headers and the whole body; HTTP errors are answers, not exceptions."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    index_dir: Path, log_path: Path, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Yields the server's base URL. The log goes to a file, not a pipe: an
    unread pipe fills up with the access log and stalls the workers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "webapp.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--index",
        str(index_dir),
    ]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **(env or {})}
        )
        try:
            wait_until_up(base, process)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)


def wait_until_up(base: str, process: subprocess.Popen, deadline: float = 30.0) -> None:
    def answers() -> bool:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1):
            return True

    wait_until(answers, process, "the server", deadline)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, deadline: float = 10.0) -> None:
    """Poll `ready` (an OSError counts as not yet) until it holds; fail if
    `process` exits or `deadline` seconds pass first."""
    stop = time.monotonic() + deadline
    while True:
        with contextlib.suppress(OSError):
            if ready():
                return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if time.monotonic() > stop:
            raise TimeoutError(f"{what} did not come up in {deadline:g} s")
        time.sleep(0.05)


REDIS_SERVER = "/usr/bin/redis-server"


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def _pings(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


@contextlib.contextmanager
def running_redis(workdir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real redis-server (Debian's package) on a free loopback port, with
    nothing saved to disk. Yields its URL and its process."""
    port = free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with open(workdir / f"redis-{port}.log", "wb") as log:
        process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda: _pings(port), process, "redis-server")
            yield f"redis://127.0.0.1:{port}", process
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(10)


NGINX = "/usr/sbin/nginx"
NGINX_ACCESS_LOG = "nginx-access.log"
NGINX_ERROR_LOG = "nginx-error.log"


@contextlib.contextmanager
def running_nginx(config: str | Path, workdir: Path) -> Iterator[str]:
    """Debian's nginx with `config` (its text, or a file of it) on a free
    port of 127.0.0.1: its `listen` lines are the one thing changed. The
    prefix is `workdir/nginx`; the access log (stdout) and the error log
    (stderr) are kept in workdir, and the error log is printed if the block
    fails. Yields the base URL."""
    text = config.read_text("utf-8") if isinstance(config, Path) else config
    port = free_port()
    text, listens = re.subn(r"^(\s*)listen\s+[^;]+;", rf"\g<1>listen 127.0.0.1:{port};", text, flags=re.M)
    if not listens:
        raise ValueError("the nginx configuration has no `listen` line")
    prefix = workdir / "nginx"
    prefix.mkdir()
    (prefix / "nginx.conf").write_text(text, "utf-8")
    # As root, workers would run as `nobody`, who cannot enter the test's
    # temporary directory for the buffers and the cache.
    main = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    command = [NGINX, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-g", main]
    error_log = workdir / NGINX_ERROR_LOG
    with open(workdir / NGINX_ACCESS_LOG, "wb") as access, open(error_log, "wb") as errors:
        process = subprocess.Popen(command, stdout=access, stderr=errors, start_new_session=True)
    try:
        wait_until(lambda: _accepts(port), process, "nginx")
        yield f"http://127.0.0.1:{port}"
    except BaseException:
        print(f"--- {error_log}:\n{error_log.read_text('utf-8', errors='replace')}")
        raise
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def require_binary(path: str, package: str) -> None:
    """Skip the test when a server binary is missing, or fail it when
    NEWSEARCH_REQUIRE_SERVERS=1 (as `.ci/run` sets)."""
    if not os.access(path, os.X_OK):
        message = f"{path} is missing: install Debian's `{package}` package"
        if os.environ.get("NEWSEARCH_REQUIRE_SERVERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
