"""The app under a real gunicorn on 127.0.0.1, as `newsearch serve` runs it."""

import json
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
