"""The editors' view of a running service: searches and clicks in the search
log as the web app records them, the report over it (`newsearch report`,
`GET /api/admin/report`), and the state of the editors' files in it."""

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from servers import running_server

from webapp import create_app
from webapp.searchlog import SQLiteLog

SURVEY = "2019-02-07-unodc-presents-the-first-comprehensive-national-drug-use-7e1963"


@pytest.fixture
def logged(tmp_path, corpus_index_dir):
    """An app logging to a file of its own."""
    path = tmp_path / "searchlog.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(corpus_index_dir),
            "CURATION_DIR": str(tmp_path),
            "RATELIMIT_ENABLED": False,
            "SEARCH_LOG_STORAGE_URI": f"sqlite://{path}",
            "ADMIN_TOKEN": "secret",
        }
    )
    yield app.test_client(), app.extensions["searchlog"], tmp_path
    app.extensions["searchlog"].close()


def searches(log):
    log.flush()
    return list(log.searches(0))


def test_a_search_is_logged_as_normalised_without_anything_of_the_visitor(logged):
    client, log, _ = logged
    client.get(
        "/?q=  Wildlife   CRIME&country=BEL&from=2019-01",
        headers={"User-Agent": "reader/1.0", "Cookie": "a=b"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    client.get("/api/search?q=wildlfe&page=2&per_page=2")
    page, api = searches(log)
    assert (page.q, page.via, page.page, page.filters) == (
        "wildlife crime",
        "page",
        1,
        {"country": ["BEL"], "from": ["2019-01"]},
    )
    assert page.total > 0 and page.took_ms > 0 and page.version.startswith("v-")
    assert (api.q, api.via, api.page, api.corrected) == ("wildlfe", "api", 2, "wildlife")
    stored = log.path.read_bytes()
    assert b"203.0.113.9" not in stored and b"reader/1.0" not in stored


def test_typing_in_place_feeds_exports_and_answers_from_cache_are_not_logged(logged):
    client, log, _ = logged
    client.get("/?q=wil", headers={"X-Search-As-You-Type": "1"})
    client.get("/search.atom?q=wildlife")
    client.get("/search.csv?q=wildlife")
    client.get("/search.jsonl?q=wildlife")
    etag = client.get("/api/search?q=wildlife").headers["ETag"]
    assert client.get("/api/search?q=wildlife", headers={"If-None-Match": etag}).status_code == 304
    assert [(s.q, s.via) for s in searches(log)] == [("wildlife", "api")]


def test_the_page_script_logs_a_settled_search_and_a_click(logged):
    client, log, _ = logged
    assert client.post("/api/log/search?q=Firearms&country=BEL").status_code == 204
    assert client.post(f"/api/log/click?q=Firearms&rank=3&id={SURVEY}").status_code == 204
    assert [(s.q, s.filters, s.via) for s in searches(log)] == [("firearms", {"country": ["BEL"]}, "page")]
    (logged_click,) = log.clicks(0)
    assert (logged_click.q, logged_click.rank, logged_click.item_id) == ("firearms", 3, SURVEY)


@pytest.mark.parametrize(
    "params, param", [("q=a&rank=0&id=" + SURVEY, "rank"), ("q=a&rank=2&id=nope", "id"), ("q=a&rank=x&id=y", "rank")]
)
def test_a_click_that_is_not_of_a_result_is_refused(logged, params, param):
    client, log, _ = logged
    response = client.post(f"/api/log/click?{params}")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == param
    log.flush()
    assert list(log.clicks(0)) == []


def test_a_broken_log_never_fails_a_search(tmp_path, corpus_index_dir, caplog):
    (tmp_path / "a-file").write_text("")
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(corpus_index_dir),
            "RATELIMIT_ENABLED": False,
            "SEARCH_LOG_STORAGE_URI": f"sqlite://{tmp_path / 'a-file' / 'log.sqlite3'}",
        }
    )
    client = app.test_client()
    assert all(client.get(f"/api/search?q=wildlife&page={n}").status_code == 200 for n in (1, 2))
    app.extensions["searchlog"].flush()
    assert any(record.name == "webapp.searchlog" for record in caplog.records)


def test_the_admin_report_counts_searches_and_names_the_editors_problems(logged):
    client, _, folder = logged
    for q in ("wildlife", "Wildlife", "haiti", "haiti", "wildlfe"):
        client.get("/", query_string={"q": q})
    client.post(f"/api/log/click?q=wildlife&rank=1&id={SURVEY}")
    (folder / "best_bets.toml").write_text(
        f'[[bet]]\nqueries = ["wildlife"]\nitems = ["{SURVEY}", "2019-gone"]\n'
        '[[bet]]\nqueries = ["x"]\nitems = ["y"]\nexpires = 2020-01-01\n'
    )
    (folder / "synonyms.txt").write_text("ngo\n")
    assert client.get("/api/admin/report").status_code == 401
    client.application.extensions["searchlog"].flush()
    response = client.get("/api/admin/report?days=7", headers={"Authorization": "Bearer secret"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    report = response.get_json()
    assert report["searches"] == 5 and report["zero_result_share"] == pytest.approx(2 / 5)
    assert report["top_queries"][0] == {"q": "haiti", "count": 2, "zero_results": 2, "clicks": 0, "click_rate": 0}
    assert {"q": "wildlife", "count": 2, "zero_results": 0, "clicks": 1, "click_rate": 0.5} in report["top_queries"]
    assert report["zero_result_queries"][0]["q"] == "haiti"
    assert report["corrected_queries"] == [{"q": "wildlfe", "corrected": "wildlife", "count": 1}]
    curation = report["curation"]
    assert curation["missing_items"] == [{"bet": 1, "id": "2019-gone"}] + [{"bet": 2, "id": "y"}]
    assert curation["expired_bets"][0]["bet"] == 2
    assert "synonyms.txt: line 1" in curation["problems"][0]


@pytest.mark.server
def test_newsearch_report_over_what_a_running_gunicorn_logged(tmp_path, corpus_index_dir):
    log_file = tmp_path / "searchlog.sqlite3"
    env = {"NEWSEARCH_SEARCH_LOG_STORAGE_URI": f"sqlite://{log_file}", "NEWSEARCH_RATELIMIT_ENABLED": "false"}
    queries = ["wildlife", "firearms", "haiti", "corruption", "wildlife", "ivory", "drugs", "wildlfe"] * 8
    with running_server(corpus_index_dir, tmp_path / "gunicorn.log", workers=2, env=env) as base:
        for q in queries:
            with urllib.request.urlopen(f"{base}/?q={urllib.parse.quote(q)}", timeout=10) as response:
                assert response.status == 200
    # The workers wrote what they had as they stopped.
    assert len(list(SQLiteLog(log_file, 30).searches(0))) == len(queries)
    command = [sys.executable, "-m", "webapp.cli", "report", "--index", str(corpus_index_dir)]
    run_env = {"NEWSEARCH_SEARCH_LOG_STORAGE_URI": f"sqlite://{log_file}", "PATH": "/usr/bin:/bin"}
    report = json.loads(subprocess.run([*command, "--json"], capture_output=True, check=True, env=run_env).stdout)
    assert report["searches"] == 64 and report["top_queries"][0] == {
        "q": "wildlife",
        "count": 16,
        "zero_results": 0,
        "clicks": 0,
        "click_rate": 0,
    }
    assert {row["q"] for row in report["zero_result_queries"]} == {"haiti", "ivory"}
    text = subprocess.run(command, capture_output=True, check=True, text=True, env=run_env).stdout
    assert "Queries with no results" in text and "25.0%" in text
