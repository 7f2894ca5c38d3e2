"""The app under a real gunicorn on 127.0.0.1, as `newsearch serve` runs it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from indexer.store import IndexStore


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def wait_until_up(base: str, process: subprocess.Popen, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            get(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("server did not come up")


@pytest.fixture
def server(tmp_path, corpus_items):
    index_dir = tmp_path / "index"
    IndexStore(index_dir).build(corpus_items)
    port = free_port()
    command = [sys.executable, "-m", "indexer.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "2", "--index", str(index_dir)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, index_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
        process.stderr.close()


def test_gunicorn_serves_search_and_health(server):
    base, _ = server
    status, health = get(f"{base}/healthz")
    assert status == 200 and health["status"] == "ok" and health["documents"] == 37
    status, result = get(f"{base}/api/search?q=wildlife")
    assert status == 200 and result["total"] > 0
    assert any("wildlife" in hit["title"].lower() for hit in result["results"])
    status, error = get(f"{base}/api/search?per_page=1000")
    assert status == 400 and error["error"]["param"] == "per_page"


def test_gunicorn_workers_pick_up_a_rebuild_without_restart(server, corpus_items):
    base, index_dir = server
    IndexStore(index_dir).build(corpus_items[:5])
    # Each of the two workers must see the new version on its next request.
    for _ in range(6):
        assert get(f"{base}/healthz")[1]["documents"] == 5
