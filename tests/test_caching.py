"""HTTP caching and compression (webapp/caching.py): validators fixed for an
index version, 304s that skip the search, hashed static names, compressed
text."""

import gzip
import re

import pytest

from indexer.build.store import IndexStore
from indexer.search import engine
from webapp import create_app

CACHED = [
    "/?q=drugs",
    "/api/search?q=drugs&country=NG",
    "/search.atom?q=drugs",
    "/search.csv?q=drugs",
    "/api/facets",
    "/opensearch.xml",
    "/api/openapi.json",
]


@pytest.fixture
def item_paths(client):
    item_id = client.get("/api/search?q=drugs").get_json()["results"][0]["id"]
    return [f"/items/{item_id}", f"/api/items/{item_id}"]


def test_answers_carry_a_weak_etag_a_short_max_age_and_last_modified(client, item_paths):
    for path in [*CACHED, *item_paths]:
        response = client.get(path)
        assert response.status_code == 200, path
        etag, weak = response.get_etag()
        assert etag and weak, path
        assert response.cache_control.public and response.cache_control.max_age == 60, path
        assert response.last_modified is not None, path
        assert "Accept-Encoding" in response.headers["Vary"], path


def test_a_matching_if_none_match_is_a_304_without_searching(client, item_paths, monkeypatch):
    etags = {path: client.get(path).headers["ETag"] for path in [*CACHED, *item_paths]}
    assert len(set(etags.values())) == len(etags)  # one validator per answer

    def no_search(*args, **kwargs):
        raise AssertionError("searched although the client had the answer")

    monkeypatch.setattr("webapp.context.search", no_search)
    for path, etag in etags.items():
        response = client.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 304, path
        assert response.data == b""
        assert response.headers["ETag"] == etag and response.cache_control.max_age == 60
    # Several validators, or *, match too; another one does not.
    path, etag = "/api/search?q=drugs&country=NG", etags["/api/search?q=drugs&country=NG"]
    assert client.get(path, headers={"If-None-Match": f'W/"other", {etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 304
    with pytest.raises(AssertionError, match="searched"):
        client.get(path, headers={"If-None-Match": 'W/"other"'})


def test_the_etag_is_of_the_normalised_request(client):
    def etag(path):
        return client.get(path).headers["ETag"]

    assert etag("/api/search?q=drugs&country=NG&page=1") == etag("/api/search?country=NG&q=drugs")
    assert etag("/api/search?q=drugs&sort=relevance") == etag("/api/search?q=drugs")
    assert etag("/api/search?q=drugs") != etag("/api/search?q=drugs&page=2")
    assert etag("/api/search?q=drugs") != etag("/?q=drugs")  # another representation
    assert (
        etag("/api/search?q=drugs") != client.get("/api/search?q=drugs", headers={"Host": "127.0.0.1"}).headers["ETag"]
    )  # other absolute URLs


def test_a_new_index_version_changes_every_etag(tmp_path, corpus_items):
    store = IndexStore(tmp_path)
    store.build(corpus_items)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path), "RATELIMIT_ENABLED": False}).test_client()
    before = {path: client.get(path).headers["ETag"] for path in CACHED}
    store.build(corpus_items[:-1])
    for path, etag in before.items():
        response = client.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 200 and response.headers["ETag"] != etag, path


def test_errors_partial_answers_admin_and_health_are_not_stored(client, monkeypatch):
    for path in ["/api/search?from=2019-13-45", "/api/items/nope", "/items/nope", "/healthz", "/readyz"]:
        response = client.get(path)
        assert response.cache_control.no_store and "ETag" not in response.headers, path
    assert client.post("/api/admin/reindex").cache_control.no_store

    original = engine.search

    def partial(*args, **kwargs):
        return {**original(*args, **kwargs), "partial": True}

    monkeypatch.setattr("webapp.context.search", partial)
    response = client.get("/api/search?q=drugs")
    assert response.status_code == 200 and response.cache_control.no_store and "ETag" not in response.headers


def test_rate_limited_answers_are_not_stored(corpus_index_dir):
    client = create_app(
        {"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT": "1 per minute"}
    ).test_client()
    client.get("/api/search?q=drugs")
    refused = client.get("/api/search?q=drugs")
    assert refused.status_code == 429 and refused.cache_control.no_store and "ETag" not in refused.headers


def test_static_files_have_hashed_names_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {re.sub(r"\.[0-9a-f]{12}\.", ".", link) for link in links} == {
        "/static/style.css",
        "/static/favicon.svg",
        "/static/search.js",
        "/static/controls.js",
        "/static/combobox.js",
        "/static/facetfilter.js",
        "/static/usage.js",
    }
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable, link
        assert response.cache_control.public
    # A name from before a deployment, or without a hash, gets the current
    # file, briefly cached.
    css = client.get("/static/style.css")
    stale = client.get("/static/style.0123456789ab.css")
    assert css.data == stale.data == client.get(next(link for link in links if "style" in link)).data
    assert stale.cache_control.max_age == 60 and not stale.cache_control.immutable
    assert client.get("/static/nothing.0123456789ab.css").status_code == 404


@pytest.mark.parametrize("path", ["/?q=drugs", "/api/search?q=drugs", "/search.atom?q=drugs", "/search.csv?q=drugs"])
def test_text_is_compressed_for_clients_that_accept_it(client, path):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(plain.data) / 2
    body = gzip.decompress(packed.data)
    # The same answer, but for the time it took.
    assert re.sub(rb'"took_ms":[0-9.]+', b"", body) == re.sub(rb'"took_ms":[0-9.]+', b"", plain.data)
    assert packed.headers["ETag"] == plain.headers["ETag"]
    assert client.get(path, headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"
