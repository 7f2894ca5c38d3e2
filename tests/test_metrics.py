"""GET /metrics: what it counts and reads, who may scrape it, and, under a
real gunicorn of two workers, that the counts of every worker add up."""

import datetime as dt
import os
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from servers import running_server

from indexer.build import history
from indexer.build.store import IndexStore
from webapp import create_app

Samples = dict[tuple[str, tuple], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client, **kwargs) -> Samples:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse(response.get_data(as_text=True))


def make_app(index_dir, **config):
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False, **config})


def test_requests_are_counted_by_endpoint_and_status(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/items/no-such-item").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("newsearch_requests_total", endpoint="pages.healthz", status="200") == 3
    assert moved("newsearch_request_duration_seconds_count", endpoint="pages.healthz") == 3
    assert moved("newsearch_request_duration_seconds_bucket", endpoint="pages.healthz", le="+Inf") == 3
    assert moved("newsearch_requests_total", endpoint="pages.item", status="404") == 1
    assert moved("newsearch_requests_total", endpoint="none", status="404") == 1
    assert not any("no/such" in str(labels) for _, labels in after)
    assert value(after, "newsearch_workers") == 1


def test_rate_limited_answers_are_counted(corpus_index_dir):
    client = make_app(corpus_index_dir, RATELIMIT_ENABLED=True, RATELIMIT="2 per minute").test_client()
    before = scrape(client)
    statuses = [client.get("/api/search?q=wildlife").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    after = scrape(client)
    name = "newsearch_rate_limited_total"
    assert value(after, name, endpoint="api.search") - value(before, name, endpoint="api.search") == 1


def test_the_answer_is_never_cached(client):
    response = client.get("/metrics")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/plain"


def test_other_addresses_are_refused(corpus_index_dir):
    client = make_app(corpus_index_dir, METRICS_ALLOWED="10.0.0.0/8, 192.0.2.7").test_client()
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    for address in ("10.1.2.3", "192.0.2.7", "::ffff:10.1.2.3"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200, address
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 403


def test_the_token_lets_any_address_in(corpus_index_dir):
    client = make_app(corpus_index_dir, METRICS_ALLOWED="", METRICS_TOKEN="s3cret").test_client()
    assert client.get("/metrics").status_code == 403
    assert scrape(client, headers={"Authorization": "Bearer s3cret"})
    for wrong in ("Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret"):
        response = client.get("/metrics", headers={"Authorization": wrong})
        assert response.status_code == 403, wrong
        assert response.get_json()["error"]["status"] == 403


def test_no_token_is_no_way_in(corpus_index_dir):
    client = make_app(corpus_index_dir, METRICS_ALLOWED="10.0.0.0/8").test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


def test_a_bad_allowed_address_stops_the_app(corpus_index_dir):
    with pytest.raises(ValueError):
        make_app(corpus_index_dir, METRICS_ALLOWED="10.0.0.0/8, localhost")


def test_the_serving_index_is_read_when_scraped(client, corpus_index_dir):
    manifest = IndexStore(corpus_index_dir).manifest()
    samples = scrape(client)
    assert value(samples, "newsearch_index_documents") == manifest["documents"] == 37
    assert value(samples, "newsearch_index_info", version=manifest["version"]) == 1
    age = time.time() - dt.datetime.fromisoformat(manifest["built_at"]).timestamp()
    assert 0 <= value(samples, "newsearch_index_age_seconds") <= age + 1


def test_no_index_yet_is_no_error(tmp_path):
    samples = scrape(make_app(tmp_path).test_client())
    assert value(samples, "newsearch_index_documents") == 0
    assert not [name for name, _ in samples if name.startswith(("newsearch_index_age", "newsearch_index_info"))]


def test_the_history_of_index_commands_is_read_when_scraped(tmp_path):
    client = make_app(tmp_path).test_client()
    assert not [name for name, _ in scrape(client) if name.startswith("newsearch_index_command")]
    history.record(tmp_path, "build", 12.5, ok=True)
    history.record(tmp_path, "build", 3.25, ok=False)
    history.record(tmp_path, "update", 0.75, ok=True)
    samples = scrape(client)
    runs = "newsearch_index_commands_total"
    assert value(samples, runs, command="build", outcome="succeeded") == 1
    assert value(samples, runs, command="build", outcome="failed") == 1
    assert value(samples, runs, command="update", outcome="succeeded") == 1
    assert value(samples, runs, command="update", outcome="failed") == 0
    assert value(samples, "newsearch_index_command_last_duration_seconds", command="build") == 3.25
    assert value(samples, "newsearch_index_command_last_success", command="build") == 0
    assert value(samples, "newsearch_index_command_last_success", command="update") == 1
    finished = value(samples, "newsearch_index_command_last_finished_timestamp_seconds", command="update")
    assert abs(finished - time.time()) < 60


# -- under gunicorn ----------------------------------------------------------


def served_by_worker(folder: Path, endpoint: str) -> dict[int, float]:
    """Each worker's count of requests answered at `endpoint`, read from its own file."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        counts[pid] = sum(
            sample.value
            for metric in MultiProcessCollector.merge([str(path)], accumulate=False)
            for sample in metric.samples
            if sample.name == "newsearch_requests_total" and sample.labels["endpoint"] == endpoint
        )
    return counts


def scrape_server(base: str) -> Samples:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return parse(response.read().decode())


def send(base: str, count: int) -> None:
    def one(i: int) -> int:
        with urllib.request.urlopen(f"{base}/api/search?q=trafficking+{i}", timeout=20) as response:
            return response.status

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(one, range(count))) == {200}


def wait_for(condition, timeout: float = 30.0) -> None:
    stop = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < stop, "timed out"
        time.sleep(0.1)


@pytest.mark.server
def test_the_counts_of_every_worker_add_up_and_outlive_them(tmp_path, corpus_index_dir):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {"NEWSEARCH_RATELIMIT_ENABLED": "false", "TMPDIR": str(temporary)}
    with running_server(corpus_index_dir, tmp_path / "server.log", workers=2, env=env) as base:
        (folder,) = temporary.glob("newsearch-metrics-*")
        assert folder.stat().st_mode & 0o777 == 0o700
        sent = 40
        send(base, sent)
        while len([pid for pid, n in served_by_worker(folder, "api.search").items() if n]) < 2 and sent < 400:
            send(base, 8)
            sent += 8
        served = served_by_worker(folder, "api.search")
        assert len([n for n in served.values() if n]) == 2, served
        assert sum(served.values()) == sent
        wait_for(lambda: value(scrape_server(base), "newsearch_workers") == 2)
        samples = scrape_server(base)
        assert value(samples, "newsearch_requests_total", endpoint="api.search", status="200") == sent
        assert value(samples, "newsearch_request_duration_seconds_count", endpoint="api.search") == sent

        killed = max(served, key=served.__getitem__)
        os.kill(killed, signal.SIGKILL)

        def restarted() -> bool:
            live = {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("gauge_livesum_*.db")}
            return killed not in live and len(live - set(served)) == 1

        wait_for(restarted)
        wait_for(lambda: value(scrape_server(base), "newsearch_workers") == 2)
        samples = scrape_server(base)
        assert value(samples, "newsearch_requests_total", endpoint="api.search", status="200") == sent
        assert value(samples, "newsearch_request_duration_seconds_count", endpoint="api.search") == sent
        assert value(samples, "newsearch_index_documents") == 37
        send(base, 4)
        samples = scrape_server(base)
        assert value(samples, "newsearch_requests_total", endpoint="api.search", status="200") == sent + 4
    assert not folder.exists()


@pytest.mark.server
def test_a_given_metrics_folder_is_emptied_at_start_and_kept(tmp_path, corpus_index_dir):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"a previous run's counts")
    env = {"NEWSEARCH_RATELIMIT_ENABLED": "false", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with running_server(corpus_index_dir, tmp_path / "server.log", workers=2, env=env) as base:
        assert not (folder / "counter_1.db").exists()
        send(base, 5)
        samples = scrape_server(base)
        assert value(samples, "newsearch_requests_total", endpoint="api.search", status="200") == 5
    assert folder.is_dir()
