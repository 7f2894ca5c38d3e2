"""The app under a real gunicorn on 127.0.0.1, as `newsearch serve` runs it."""

import json
import socket
import types
import urllib.error
import urllib.request

import pytest
from servers import running_server

from indexer.build.store import IndexStore
from webapp import create_app, gunicorn_conf

pytestmark = pytest.mark.server


def get(url: str, timeout: float = 10.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def server(tmp_path, corpus_items):
    index_dir = tmp_path / "index"
    IndexStore(index_dir).build(corpus_items)
    with running_server(index_dir, tmp_path / "gunicorn.log") as base:
        yield base, index_dir


def test_gunicorn_serves_search_and_health(server):
    base, _ = server
    status, health = get(f"{base}/healthz")
    assert status == 200 and health["status"] == "ok" and health["documents"] == 37
    status, result = get(f"{base}/api/search?q=wildlife")
    assert status == 200 and result["total"] == 6
    assert any("wildlife" in hit["title"].lower() for hit in result["results"])
    status, error = get(f"{base}/api/search?per_page=1000")
    assert status == 400 and error["error"]["param"] == "per_page"


def test_gunicorn_workers_pick_up_a_rebuild_without_restart(server, corpus_items):
    base, index_dir = server
    IndexStore(index_dir).build(corpus_items[:5])
    # Each of the two workers must see the new version on its next request.
    for _ in range(6):
        assert get(f"{base}/healthz")[1]["documents"] == 5


def test_a_worker_opens_the_serving_index_as_it_starts(tmp_path, corpus_items):
    index_dir = tmp_path / "index"
    app = create_app({"INDEX_DIR": str(index_dir)})
    gunicorn_conf.post_worker_init(types.SimpleNamespace(wsgi=app))  # no index yet: nothing to open
    assert not app.extensions["catalog"]._open
    IndexStore(index_dir).build(corpus_items)
    gunicorn_conf.post_worker_init(types.SimpleNamespace(wsgi=app))
    assert list(app.extensions["catalog"]._open) == [IndexStore(index_dir).current_version()]


class Wire:
    """The writes a response makes, as the socket receives them."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def gunicorn_response(request: bytes) -> tuple[gunicorn_conf.WholeResponse, Wire]:
    from gunicorn.config import Config
    from gunicorn.http.parser import RequestParser

    client, server = socket.socketpair()
    with client, server:
        client.sendall(request)
        client.shutdown(socket.SHUT_WR)
        cfg = Config()
        req = next(iter(RequestParser(cfg, server, ("127.0.0.1", 0))))
    wire = Wire()
    return gunicorn_conf.WholeResponse(req, wire, cfg), wire


def test_a_page_leaves_with_its_headers_in_one_write():
    # A replica killed between the two would leave the proxy in front with
    # headers it has passed on and nothing it could retry.
    response, wire = gunicorn_response(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    response.start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "17")])
    response.write(b"<html>page</html>")
    response.close()
    assert len(wire.writes) == 1
    assert wire.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and wire.writes[0].endswith(b"\r\n\r\n<html>page</html>")


def test_a_streamed_export_starts_with_its_headers_in_one_write():
    response, wire = gunicorn_response(b"GET /search.csv?all=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    response.start_response("200 OK", [("Content-Type", "text/csv")])
    for row in (b"id,title\r\n", b"1,one\r\n", b"2,two\r\n"):
        response.write(row)
    response.close()
    assert wire.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and wire.writes[0].endswith(
        b"\r\n\r\nA\r\nid,title\r\n\r\n"
    )
    assert wire.writes[1:] == [b"7\r\n1,one\r\n\r\n", b"7\r\n2,two\r\n\r\n", b"0\r\n\r\n"]


def test_an_answer_without_a_body_still_leaves():
    response, wire = gunicorn_response(b'GET / HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: W/"x"\r\n\r\n')
    response.start_response("304 Not Modified", [("ETag", 'W/"x"')])
    response.close()
    assert len(wire.writes) == 1 and wire.writes[0].startswith(b"HTTP/1.1 304 Not Modified\r\n")
