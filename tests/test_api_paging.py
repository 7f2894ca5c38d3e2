"""Paging for programs: cursors at any depth, `fields=`, and full exports
(CSV with `all=1`, JSON Lines) streamed in the search's order."""

import csv
import dataclasses
import gzip
import io
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest
from servers import fetch, running_server

from indexer.build.store import IndexStore
from indexer.search.request import MAX_PAGE, parse_search_request
from webapp import create_app
from webapp.context import RESULT_FIELDS, current_index, make_cursor, request_args

# The bundled items repeated this many times, with distinct titles (so ids).
REPEATS = 60
GONE = "the index, its best bets or its synonyms changed since this cursor was made; start again from page 1"


def app_for(index_dir, **config):
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False, **config})


@pytest.fixture(scope="module")
def big_index_dir(tmp_path_factory, corpus_items):
    root = tmp_path_factory.mktemp("big-index")
    items = [dataclasses.replace(item, title=f"{item.title} {n}") for n in range(REPEATS) for item in corpus_items]
    IndexStore(root).build(items, processes=2)
    return root


@pytest.fixture(scope="module")
def big_app(big_index_dir):
    return app_for(big_index_dir)


@pytest.fixture
def big(big_app):
    return big_app.test_client()


def ids(response) -> list[str]:
    return [hit["id"] for hit in response.get_json()["results"]]


def by_pages(client, url: str) -> list[str]:
    first = client.get(url).get_json()
    found = [hit["id"] for hit in first["results"]]
    for page in range(2, first["pages"] + 1):
        found += ids(client.get(f"{url}&page={page}"))
    return found


def by_cursor(client, url: str) -> list[str]:
    """Every result, following `next_cursor` from the first page and then `next`."""
    answer = client.get(url).get_json()
    found = [hit["id"] for hit in answer["results"]]
    link = answer["links"]["next_cursor"]
    while link:
        assert "cursor" in parse_qs(urlsplit(link).query) and "page" not in parse_qs(urlsplit(link).query)
        answer = client.get(link).get_json()
        found += [hit["id"] for hit in answer["results"]]
        link = answer["links"]["next"]
    return found


def cursor_at(app, url: str, offset: int) -> str:
    with app.test_request_context(url):
        index = current_index()
        return make_cursor(index, parse_search_request(request_args(), index.vocabularies), offset)


def cursor_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?per_page=4",
        "/api/search?q=trafficking&per_page=3",
        "/api/search?q=trafficing&per_page=5",  # searched as corrected
        "/api/search?q=drugs+OR+wildlife&sort=oldest&per_page=2",
        "/api/search?country=IRQ&per_page=1",
    ],
)
def test_walking_by_cursor_gives_every_result_once_in_order(client, url):
    walked = by_cursor(client, url)
    assert walked == by_pages(client, url)
    assert len(set(walked)) == len(walked) == client.get(url).get_json()["total"]


def test_walking_a_larger_index_by_cursor_equals_paging_by_number(big):
    for url in ("/api/search?per_page=100", "/api/search?q=trafficking+crime&per_page=100"):
        walked = by_cursor(big, url)
        assert walked == by_pages(big, url) and len(set(walked)) == len(walked) > 1000


def test_a_cursor_goes_past_the_last_page_a_number_may_ask_for(big, big_app):
    last = big.get(f"/api/search?per_page=1&page={MAX_PAGE}").get_json()
    assert "cursor=" in last["links"]["next"]  # a page number past MAX_PAGE would be refused
    after = big.get(last["links"]["next"]).get_json()
    assert after["page"] == MAX_PAGE + 1
    assert [hit["id"] for hit in after["results"]] == ids(big.get("/api/search?per_page=100&page=11"))[:1]
    deep = big.get(f"/api/search?per_page=1&cursor={cursor_at(big_app, '/api/search?per_page=1', 1999)}")
    assert deep.status_code == 200
    assert ids(deep) == ids(big.get("/api/search?per_page=100&page=20"))[99:]
    assert deep.get_json()["links"]["prev"] and "cursor=" in deep.get_json()["links"]["prev"]


def test_a_cursor_of_another_index_version_is_gone(tmp_path, corpus_items):
    store = IndexStore(tmp_path)
    store.build(corpus_items)
    client = app_for(tmp_path).test_client()
    link = client.get("/api/search?per_page=5").get_json()["links"]["next_cursor"]
    assert client.get(link).status_code == 200
    store.build(corpus_items)
    gone = client.get(link)
    assert gone.status_code == 410
    assert gone.get_json() == {"error": {"status": 410, "code": "gone", "message": GONE, "param": "cursor"}}
    assert gone.headers["Cache-Control"] == "no-store"


def test_a_changed_or_misplaced_cursor_is_a_bad_request(client):
    link = client.get("/api/search?q=trafficking&per_page=3").get_json()["links"]["next_cursor"]
    cursor = cursor_of(link)
    changed = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for target in [
        f"/api/search?q=trafficking&per_page=3&cursor={changed}",
        f"/api/search?q=trafficking&per_page=3&cursor={cursor}!",
        "/api/search?q=trafficking&per_page=3&cursor=not-a-cursor",
        f"/api/search?q=wildlife&per_page=3&cursor={cursor}",  # another query
        f"/api/search?q=trafficking&per_page=4&cursor={cursor}",
        f"/api/search?q=trafficking&per_page=3&sort=newest&cursor={cursor}",
        f"/api/search?q=trafficking&per_page=3&country=IRQ&cursor={cursor}",
        f"/api/search?q=trafficking&per_page=3&page=2&cursor={cursor}",
    ]:
        response = client.get(target)
        assert response.status_code == 400, target
        assert response.get_json()["error"]["param"] == "cursor", target


def test_fields_keep_only_the_keys_asked_for(client):
    answer = client.get("/api/search?q=trafficking&fields=url,id,title,date_start&per_page=2").get_json()
    assert [list(hit) for hit in answer["results"]] == [["id", "title", "date_start", "url"]] * 2
    assert answer["facets"] == client.get("/api/search?q=trafficking&per_page=2").get_json()["facets"]
    assert "fields=id,title,date_start,url" in answer["links"]["next"]
    assert "fields=" in answer["links"]["next_cursor"]
    assert list(client.get("/api/search?fields=id&fields=score").get_json()["results"][0]) == ["id", "score"]
    unknown = client.get("/api/search?fields=id,body").get_json()["error"]
    assert unknown["param"] == "fields" and "`body`" in unknown["message"]
    assert ", ".join(RESULT_FIELDS) in unknown["message"]


def test_result_fields_are_the_keys_of_a_result(client):
    assert tuple(client.get("/api/search").get_json()["results"][0]) == RESULT_FIELDS


def test_the_etag_changes_with_fields_and_cursor(client):
    first = client.get("/api/search?per_page=3")
    cursor = cursor_of(first.get_json()["links"]["next_cursor"])
    tags = {
        client.get(url).headers["ETag"]
        for url in [
            "/api/search?per_page=3",
            "/api/search?per_page=3&fields=id",
            "/api/search?per_page=3&fields=id,title",
            f"/api/search?per_page=3&cursor={cursor}",
            f"/api/search?per_page=3&cursor={cursor}&fields=id",
        ]
    }
    assert len(tags) == 5
    # The cursor's page is the numbered page's answer, but its links differ.
    assert ids(client.get(f"/api/search?per_page=3&cursor={cursor}")) == ids(
        client.get("/api/search?per_page=3&page=2")
    )
    again = client.get(f"/api/search?per_page=3&cursor={cursor}")
    assert (
        client.get(
            f"/api/search?per_page=3&cursor={cursor}", headers={"If-None-Match": again.headers["ETag"]}
        ).status_code
        == 304
    )
    csv_tags = {client.get(url).headers["ETag"] for url in ["/search.csv", "/search.csv?all=1", "/search.csv?bom=1"]}
    jsonl_tags = {client.get(url).headers["ETag"] for url in ["/search.jsonl", "/search.jsonl?fields=id"]}
    assert len(csv_tags) == 3 and len(jsonl_tags) == 2


def served(app, url: str):
    """The answer as the app makes it, before a client reads it."""
    with app.test_request_context(url):
        return app.full_dispatch_request()


def test_a_full_csv_export_streams_every_row_in_order(big, big_app):
    response = served(big_app, "/search.csv?all=1&q=trafficking")
    assert response.is_streamed and response.headers["X-Export-Truncated"] == "false"
    rows = list(csv.reader(io.StringIO(big.get("/search.csv?all=1&q=trafficking").get_data(as_text=True))))
    assert rows[0][0] == "id" and len(rows) - 1 == int(response.headers["X-Total-Count"]) > 1000
    assert [row[0] for row in rows[1:]] == by_cursor(big, "/api/search?q=trafficking&per_page=100")
    response.close()


def test_without_all_the_csv_keeps_its_cap(big_index_dir):
    app = app_for(big_index_dir, CSV_MAX_ROWS=50)
    response = app.test_client().get("/search.csv")
    assert not served(app, "/search.csv").is_streamed
    assert len(list(csv.reader(io.StringIO(response.get_data(as_text=True))))) == 51
    assert response.headers["X-Export-Cap"] == "50" and response.headers["X-Export-Truncated"] == "true"
    assert int(response.headers["X-Total-Count"]) == app.test_client().get("/api/search").get_json()["total"]


def test_a_bom_only_with_bom_1(client):
    assert client.get("/search.csv?bom=1").data.startswith("\ufeff".encode())
    assert client.get("/search.csv?all=1&bom=1").data.startswith("\ufeffid,".encode())
    assert client.get("/search.csv").data.startswith(b"id,")
    assert client.get("/search.csv?all=1&bom=0").data.startswith(b"id,")
    assert client.get("/search.csv?bom=yes").status_code == 400


def test_json_lines_are_the_api_results_with_their_bodies(client, big_app):
    response = client.get("/search.jsonl?q=trafficking")
    assert response.mimetype == "application/jsonl"
    assert served(big_app, "/search.jsonl").is_streamed
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    results = client.get("/api/search?q=trafficking&per_page=100").get_json()["results"]
    assert [{key: value for key, value in line.items() if key != "body"} for line in lines] == results
    assert all(line["body"] for line in lines) and int(response.headers["X-Total-Count"]) == len(lines)
    picked = [json.loads(line) for line in client.get("/search.jsonl?q=trafficking&fields=id,body").data.splitlines()]
    assert picked == [{"id": line["id"], "body": line["body"]} for line in lines]
    assert client.get("/search.jsonl?fields=nope").status_code == 400


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def test_streamed_exports_with_and_without_compression(big):
    plain = big.get("/search.csv?all=1", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert big.get("/search.csv?all=1", headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"
    total = big.get("/api/search").get_json()["total"]
    for encoding in ("identity", "gzip", "br", "gzip, deflate, br"):
        assert decoded(big.get("/search.csv?all=1", headers={"Accept-Encoding": encoding})) == plain.data, encoding
        lines = decoded(big.get("/search.jsonl", headers={"Accept-Encoding": encoding})).splitlines()
        assert len(lines) == total, encoding


def test_exports_count_as_their_cost_in_the_rate_limit(corpus_index_dir):
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT": "25 per minute", "RATELIMIT_EXPORT_COST": 10}
    client = app_for(corpus_index_dir, **config).test_client()
    assert [client.get(url).status_code for url in ("/search.jsonl", "/search.csv?all=1")] == [200, 200]
    assert [client.get("/api/search").status_code for _ in range(5)] == [200] * 5
    assert client.get("/search.jsonl").status_code == 429


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def gunicorn_workers(port: int) -> list[int]:
    """The workers of the gunicorn this test started on `port`."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            if f":{port}" in Path(f"/proc/{child}/cmdline").read_text().replace("\0", " "):
                return [int(pid) for pid in Path(f"/proc/{child}/task/{child}/children").read_text().split()]
    return []


@pytest.mark.server
def test_a_full_json_lines_export_through_gunicorn_streams_in_bounded_memory(big_index_dir, corpus_items, tmp_path):
    with running_server(big_index_dir, tmp_path / "gunicorn.log", workers=1) as base:
        status, _, _ = fetch(f"{base}/search.jsonl?q=wildlife")  # the worker opens the index
        assert status == 200
        (worker,) = gunicorn_workers(urlsplit(base).port or 0)
        before = rss_kib(worker, "VmHWM")
        status, headers, body = fetch(f"{base}/search.jsonl", timeout=120)
        peak = rss_kib(worker, "VmHWM")
    assert status == 200 and headers["Transfer-Encoding"] == "chunked"
    lines = body.splitlines()
    assert len(lines) == REPEATS * len(corpus_items) and len({json.loads(line)["id"] for line in lines}) == len(lines)
    # The whole export held at once would take several times its size.
    assert (peak - before) * 1024 < max(len(body), 20 * 2**20), (before, peak, len(body))
