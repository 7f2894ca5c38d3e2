import pytest

from indexer.build.store import IndexStore
from webapp import create_app
from webapp.admin import REINDEX_LOCK, _only_one_reindex


@pytest.fixture
def admin_app(tmp_path, corpus_items):
    IndexStore(tmp_path).build(corpus_items[:10])
    return create_app(
        {"TESTING": True, "INDEX_DIR": str(tmp_path), "ADMIN_TOKEN": "s3cret", "RATELIMIT_ENABLED": False}
    )


def error(response):
    return response.status_code, response.get_json()["error"]["code"]


def test_reindex_is_disabled_without_a_token(client):
    assert error(client.post("/api/admin/reindex")) == (403, "forbidden")


def test_reindex_needs_a_bearer_token(admin_app):
    client = admin_app.test_client()
    response = client.post("/api/admin/reindex")
    assert error(response) == (401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    wrong = client.post("/api/admin/reindex", headers={"Authorization": "Bearer nope"})
    assert error(wrong) == (401, "unauthorized")
    assert wrong.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert error(client.post("/api/admin/reindex", headers={"Authorization": "Basic s3cret"})) == (401, "unauthorized")


def test_failed_tokens_have_a_strict_limit_that_never_locks_out_the_right_one(tmp_path, corpus_items):
    IndexStore(tmp_path).build(corpus_items[:10])
    # The general limit is on: the admin endpoint is not under it.
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(tmp_path),
            "ADMIN_TOKEN": "s3cret",
            "ADMIN_FAILURE_LIMIT": "5 per minute",
            "RATELIMIT": "3 per minute",
        }
    )
    client = app.test_client()
    statuses = [
        client.post("/api/admin/reindex", headers={"Authorization": f"Bearer guess{i}"}).status_code for i in range(260)
    ]
    assert statuses == [401] * 5 + [429] * 255
    refused = client.post("/api/admin/reindex", headers={"Authorization": "Bearer guess"})
    assert error(refused) == (429, "too_many_requests")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    for _ in range(4):
        assert client.post("/api/admin/reindex", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_reindex_applies_an_update_and_reports_the_counts(admin_app):
    client = admin_app.test_client()
    response = client.post("/api/admin/reindex", headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["added"], body["changed"], body["removed"], body["unchanged"]) == (27, 0, 0, 10)
    assert client.get("/healthz").get_json()["documents"] == 37


def test_only_one_reindex_at_a_time(admin_app, tmp_path):
    with _only_one_reindex(tmp_path):
        response = admin_app.test_client().post("/api/admin/reindex", headers={"Authorization": "Bearer s3cret"})
        assert error(response) == (409, "conflict")
    assert (tmp_path / REINDEX_LOCK).exists()


def test_reindex_with_unreadable_sources_changes_nothing(admin_app, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("31.02.2019: No such day\n\nBody.\n")
    admin_app.config["SOURCES"] = str(bad)
    client = admin_app.test_client()
    before = client.get("/healthz").get_json()
    response = client.post("/api/admin/reindex", headers={"Authorization": "Bearer s3cret"})
    assert error(response) == (422, "unprocessable")
    assert "bad.txt:1" in response.get_json()["error"]["message"]
    assert client.get("/healthz").get_json() == before


def test_rate_limit_answers_429_in_the_error_shape(corpus_index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [client.get("/api/search?q=x").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/search")
    assert error(response) == (429, "too_many_requests")
    assert "Retry-After" in response.headers
    # Pages for people are not limited.
    assert client.get("/").status_code == 200
