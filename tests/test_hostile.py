"""Visitors who send slow, oversized or odd requests, against a real
gunicorn on 127.0.0.1: nobody can starve the others, and every answer under
/api is in the API's error shape."""

import http.client
import json
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from servers import running_server

# bench/ is not part of the installed package: import it from the checkout.
_CHECKOUT = str(Path(__file__).resolve().parents[1])
if _CHECKOUT not in sys.path:
    sys.path.insert(0, _CHECKOUT)

from bench.hostile_bench import HOSTILE, SLOW_CLIENTS, trickling_clients  # noqa: E402

pytestmark = pytest.mark.server


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


def test_slow_clients_do_not_starve_normal_requests(server):
    host, port = urllib.parse.urlsplit(server).netloc.split(":")
    with trickling_clients(host, int(port), SLOW_CLIENTS):
        timings = []
        for i in range(20):
            status, body, elapsed = request(server, f"/api/search?q=trafficking+{i}", timeout=20)
            assert status == 200, body
            timings.append(elapsed)
    # A generous bound: not waiting for the slow clients (the benchmark prints the figures).
    assert max(timings) < 5.0, timings


@pytest.mark.parametrize("name", HOSTILE)
def test_every_costly_query_is_answered_in_bounded_time(server, name):
    status, body, elapsed = request(server, HOSTILE[name])
    assert status == 200, body
    assert {"total", "results", "facets", "partial"} <= set(body)
    # A generous bound: not killed, nowhere near the 30 s worker timeout
    # (the benchmark prints the figures at 20,000 items).
    assert elapsed < 10.0


def test_capped_queries_say_what_was_left_out(server):
    _, body, _ = request(server, HOSTILE["80 prefixes"])
    assert "Only 4 wildcards are searched in one query" in body["notice"]
    _, body, _ = request(server, HOSTILE["five sloppy phrases"])
    assert "at most 10 apart" in body["notice"]
    _, body, _ = request(server, HOSTILE["misspelling and prefix"])
    assert body["suggestion"] == {"q": "trafficking co*", "searched": False, "url": body["suggestion"]["url"]}


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
