import os
import time

import pytest

from indexer.build.store import IndexStore
from webapp import create_app, tasks


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
    task = client.post("/api/admin/reindex", headers={"Authorization": "Bearer s3cret"})
    assert task.status_code == 202
    assert finished(client, task.get_json()["url"])["state"] == "succeeded"
    for _ in range(3):
        assert client.get(task.get_json()["url"], headers={"Authorization": "Bearer s3cret"}).status_code == 200


AUTH = {"Authorization": "Bearer s3cret"}


def finished(client, url: str, within: float = 120.0) -> dict:
    """The task at `url` once it has finished."""
    deadline = time.monotonic() + within
    while True:
        task = client.get(url, headers=AUTH).get_json()
        if task["state"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return task
        time.sleep(0.1)


def test_reindex_runs_as_a_task_and_reports_the_counts(admin_app):
    client = admin_app.test_client()
    response = client.post("/api/admin/reindex", headers=AUTH)
    assert response.status_code == 202
    queued = response.get_json()
    assert queued["state"] in ("queued", "running") and queued["kind"] == "reindex"
    assert response.headers["Location"] == queued["url"] == f"http://localhost/api/admin/tasks/{queued['id']}"
    task = finished(client, queued["url"])
    assert task["state"] == "succeeded", task
    result = task["result"]
    assert (result["added"], result["changed"], result["removed"], result["unchanged"]) == (27, 0, 0, 10)
    assert result["documents"] == 37 and task["error"] is None
    assert task["enqueued_at"] <= task["started_at"] <= task["finished_at"]
    assert client.get("/healthz").get_json()["documents"] == 37


def test_only_one_reindex_at_a_time(admin_app, tmp_path):
    # A task that is running, in a process that is alive (this one).
    running = tasks.Task(
        id="running00001", kind="reindex", state="running", params={}, enqueued_at="2026-01-01", pid=os.getpid()
    )
    (tmp_path / tasks.TASKS_DIR).mkdir(exist_ok=True)
    tasks._write(tmp_path, running)
    client = admin_app.test_client()
    refused = client.post("/api/admin/reindex", headers=AUTH)
    assert error(refused) == (409, "conflict")
    assert refused.headers["Location"] == "http://localhost/api/admin/tasks/running00001"
    assert "GET http://localhost/api/admin/tasks/running00001" in refused.get_json()["error"]["message"]
    running.state = "succeeded"
    tasks._write(tmp_path, running)
    queued = client.post("/api/admin/reindex", headers=AUTH)
    assert queued.status_code == 202
    assert finished(client, queued.get_json()["url"])["state"] == "succeeded"


def test_a_task_whose_process_died_is_failed_not_left_running(admin_app, tmp_path):
    client = admin_app.test_client()
    task = tasks.Task(
        id="deadbeef0001", kind="reindex", state="running", params={}, enqueued_at="2026-01-01", pid=2**22 + 12345
    )
    (tmp_path / tasks.TASKS_DIR).mkdir(exist_ok=True)
    tasks._write(tmp_path, task)
    found = client.get("/api/admin/tasks/deadbeef0001", headers=AUTH).get_json()
    assert found["state"] == "failed" and "stopped" in found["error"]["message"]
    # It does not block the next reindex either.
    queued = client.post("/api/admin/reindex", headers=AUTH)
    assert queued.status_code == 202
    assert finished(client, queued.get_json()["url"])["state"] == "succeeded"


def test_unknown_tasks_are_404_and_need_the_token(admin_app):
    client = admin_app.test_client()
    assert error(client.get("/api/admin/tasks/nosuchtask", headers=AUTH)) == (404, "not_found")
    assert error(client.get("/api/admin/tasks/nosuchtask")) == (401, "unauthorized")


def test_a_reindex_of_unreadable_sources_fails_with_page_and_line_and_changes_nothing(admin_app, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("31.02.2019: No such day\n\nBody.\n")
    admin_app.config["SOURCES"] = str(bad)
    client = admin_app.test_client()
    before = client.get("/healthz").get_json()
    task = finished(client, client.post("/api/admin/reindex", headers=AUTH).get_json()["url"])
    assert task["state"] == "failed"
    assert task["error"]["page"] == str(bad) and task["error"]["line"] == 1
    assert "bad.txt:1" in task["error"]["message"]
    assert client.get("/healthz").get_json() == before


def test_rate_limit_answers_429_in_the_error_shape(corpus_index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [client.get("/api/search?q=x").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/search")
    assert error(response) == (429, "too_many_requests")
    assert "Retry-After" in response.headers
    # Pages for people share the count, and say so in a page.
    page = client.get("/")
    assert page.status_code == 429 and page.mimetype == "text/html"
