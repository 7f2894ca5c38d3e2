"""Visitors who send slow, oversized or odd requests, against a real
gunicorn on 127.0.0.1: nobody can starve the others, and every answer under
/api is in the API's error shape."""

import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse

import pytest
from servers import running_server

pytestmark = pytest.mark.server

SLOW_CLIENTS = 16


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpus_index_dir):
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    with running_server(corpus_index_dir, log, workers=2, env={"NEWSEARCH_RATELIMIT_ENABLED": "false"}) as base:
        yield base


def request(
    base: str, path: str, headers: dict[str, str] | None = None, timeout: float = 20
) -> tuple[int, dict, float]:
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    started = time.monotonic()
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        elapsed = time.monotonic() - started
        content_type = response.getheader("Content-Type", "")
        return response.status, json.loads(body) if "json" in content_type else {"raw": body[:200]}, elapsed
    finally:
        connection.close()


@contextlib.contextmanager
def trickling_clients(base: str, count: int, stop: threading.Event):
    """`count` connections that send a request's headers one byte at a time."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    line = b"GET /api/search?q=wildlife HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200

    def trickle() -> None:
        with contextlib.suppress(OSError), socket.create_connection((host, int(port)), timeout=5) as sock:
            for byte in line:
                if stop.wait(0.2):
                    return
                sock.send(bytes([byte]))

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every slow connection is open and holding its request
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)


def test_slow_clients_do_not_starve_normal_requests(server):
    stop = threading.Event()
    with trickling_clients(server, SLOW_CLIENTS, stop):
        timings = []
        for i in range(20):
            status, body, elapsed = request(server, f"/api/search?q=trafficking+{i}", timeout=20)
            assert status == 200, body
            timings.append(elapsed)
    # A generous bound: not waiting for the slow clients (the benchmark prints the figures).
    assert max(timings) < 5.0, timings


@pytest.mark.parametrize(
    "path, status, param",
    [
        ("/api/search?q=" + "x" * 10_000, 400, "q"),
        ("/api/search?" + "&".join(["country=Iraq"] * 1000), 400, "country"),
        ("/api/search?q=wildlife&pad=" + "y" * 40_000, 414, None),
    ],
)
def test_oversized_requests_get_the_api_error_shape(server, path, status, param):
    got, body, _ = request(server, path)
    assert got == status
    assert body["error"]["status"] == status and body["error"]["param"] == param


@pytest.mark.parametrize(
    "headers",
    [{"X-Big": "z" * 9 * 1024}, {f"X-Many-{i}": "1" for i in range(110)}],
    ids=["a 9 KB header", "110 headers"],
)
def test_oversized_headers_get_the_api_error_shape(server, headers):
    got, body, _ = request(server, "/api/search?q=wildlife", headers=headers)
    assert got == 431
    assert body["error"]["code"] == "headers_too_large"


def test_sixty_headers_are_fine(server):
    got, body, _ = request(server, "/api/search?q=wildlife", headers={f"X-H-{i}": "1" for i in range(60)})
    assert got == 200 and body["total"] == 6
