"""A real gunicorn for the tests that need one: `newsearch serve` on a free
port of 127.0.0.1, stopped with its workers when the block ends."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


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
            _wait_until_up(base, process)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)


def _wait_until_up(base: str, process: subprocess.Popen, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("server did not come up")
