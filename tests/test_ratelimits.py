"""One rate limit per client over everything a visitor asks for
(webapp/limits.py): in one worker's memory, behind a trusted proxy, and
shared by two servers through a real redis-server that then goes down."""

import time

import pytest
from servers import REDIS_SERVER, fetch, require_binary, running_redis, running_server

from webapp import create_app


def limited_app(corpus_index_dir, limit, **config):
    return create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT": limit, **config})


def test_pages_feeds_exports_and_the_api_share_one_count(corpus_index_dir):
    client = limited_app(corpus_index_dir, "6 per minute").test_client()
    item_id = client.get("/api/search?q=drugs").get_json()["results"][0]["id"]
    for path in ["/?q=drugs", f"/items/{item_id}", "/search.atom?q=drugs", f"/api/items/{item_id}", "/api/facets"]:
        assert client.get(path).status_code == 200, path
    for path in ["/?q=x", "/search.atom", "/search.csv", "/api/search"]:
        refused = client.get(path)
        assert refused.status_code == 429, path
        assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    page = client.get("/")
    assert page.mimetype == "text/html" and "429" in page.get_data(as_text=True)
    # Never counted: health checks, static files.
    for path in ["/healthz", "/readyz", "/static/style.css"]:
        assert client.get(path).status_code == 200, path


def test_only_a_refused_client_is_told_to_retry_after(corpus_index_dir):
    client = limited_app(corpus_index_dir, "2 per minute").test_client()
    answered = [client.get("/api/search?q=drugs") for _ in range(2)]
    assert [r.headers["X-RateLimit-Remaining"] for r in answered] == ["1", "0"]
    assert not any("Retry-After" in r.headers for r in answered)
    refused = client.get("/api/search?q=drugs")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_an_export_costs_more_than_a_search(corpus_index_dir):
    client = limited_app(corpus_index_dir, "12 per minute", RATELIMIT_EXPORT_COST=10).test_client()
    assert client.get("/search.csv?q=drugs").status_code == 200
    assert [client.get("/api/search?q=drugs").status_code for _ in range(3)] == [200, 200, 429]
    # An export that would cross the limit is refused whole.
    other = limited_app(corpus_index_dir, "12 per minute", RATELIMIT_EXPORT_COST=10).test_client()
    assert [other.get("/api/search").status_code for _ in range(3)] == [200] * 3
    assert other.get("/search.csv").status_code == 429


def test_clients_behind_a_trusted_proxy_have_a_limit_each(corpus_index_dir):
    def statuses(app, addresses):
        client = app.test_client()
        return [client.get("/api/facets", headers={"X-Forwarded-For": a}).status_code for a in addresses]

    addresses = ["198.51.100.1", "198.51.100.2"] * 3
    behind = limited_app(corpus_index_dir, "3 per minute", TRUSTED_PROXIES=1)
    assert statuses(behind, addresses) == [200] * 6
    # Not trusted, the header is the client's word: everyone is the proxy.
    direct = limited_app(corpus_index_dir, "3 per minute")
    assert statuses(direct, addresses) == [200] * 3 + [429] * 3


@pytest.mark.server
def test_two_servers_share_one_count_in_redis_and_keep_answering_when_it_is_down(tmp_path, corpus_index_dir):
    require_binary(REDIS_SERVER, "redis-server")
    with running_redis(tmp_path) as (redis_url, redis):
        env = {
            "NEWSEARCH_RATELIMIT": "5 per minute",
            "NEWSEARCH_RATELIMIT_STORAGE_URI": redis_url,
        }
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        with (
            running_server(corpus_index_dir, logs[0], workers=2, env=env) as a,
            running_server(corpus_index_dir, logs[1], workers=2, env=env) as b,
        ):
            # Four workers on two ports: five requests in all pass, then both refuse.
            statuses = [fetch(f"{base}/api/search?q=drugs")[0] for base in [a, b, a, b, a]]
            assert statuses == [200] * 5
            assert fetch(f"{b}/?q=drugs")[0] == 429
            assert fetch(f"{a}/search.atom")[0] == 429

            redis.terminate()
            redis.wait(10)
            started = time.monotonic()
            after = [fetch(f"{base}/api/search?q=drugs")[0] for base in [a, b] * 4]
            took = time.monotonic() - started
    # Fail open: counted in each worker's memory until the store is back
    # (5 a minute each), never an error, never slow.
    assert 429 not in after[:4] and all(status in (200, 429) for status in after), after
    assert took < 5, took
    logged = logs[0].read_text() + logs[1].read_text()
    assert "falling back to in-memory storage" in logged
    assert "Traceback" not in logged.split("falling back")[0]


@pytest.mark.server
def test_the_admin_failure_limit_survives_the_store_going_down(tmp_path, corpus_index_dir):
    require_binary(REDIS_SERVER, "redis-server")
    with running_redis(tmp_path) as (redis_url, redis):
        app = create_app(
            {
                "TESTING": True,
                "INDEX_DIR": str(corpus_index_dir),
                "ADMIN_TOKEN": "s3cret",
                "ADMIN_FAILURE_LIMIT": "2 per minute",
                "RATELIMIT_STORAGE_URI": redis_url,
            }
        )
        client = app.test_client()
        wrong = {"Authorization": "Bearer nope"}
        assert [client.post("/api/admin/reindex", headers=wrong).status_code for _ in range(3)] == [401, 401, 429]
        redis.terminate()
        redis.wait(10)
        assert [client.post("/api/admin/reindex", headers=wrong).status_code for _ in range(3)] == [401, 401, 429]
        right = client.get("/api/admin/tasks/none", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 404
