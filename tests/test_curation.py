"""Editors' best bets and synonyms, applied at query time and taken up on
the next request after a file changes: in the app, and on a running gunicorn."""

import json
import os
import urllib.request

import pytest
from servers import running_server

from indexer.curation import Curation
from indexer.curation.best_bets import BestBets, BestBetsError
from indexer.curation.synonyms import Synonyms, SynonymsError
from webapp import create_app

SURVEY = "2019-02-07-unodc-presents-the-first-comprehensive-national-drug-use-7e1963"
CONTAINERS = "2019-01-31-belgium-and-unodc-discuss-the-container-control-program-353601"


def write(path, text):
    """Write a file so that a reader sees it changed, even within the
    file system's time resolution."""
    path.write_text(text, "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def bet(queries, items, **extra):
    lines = ["[[bet]]", f"queries = {json.dumps(queries)}", f"items = {json.dumps(items)}"]
    lines += [f"{key} = {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def curated(tmp_path, corpus_index_dir):
    app = create_app(
        {"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "CURATION_DIR": str(tmp_path), "RATELIMIT_ENABLED": False}
    )
    return app.test_client(), tmp_path


def api(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(body):
    return [hit["id"] for hit in body["results"]]


def test_a_best_bet_puts_its_items_first_in_order_and_hides_nothing(curated):
    client, folder = curated
    before = api(client, q="wildlife", per_page=100)
    write(folder / "best_bets.toml", bet(["Wildlife"], [CONTAINERS, SURVEY]))
    after = api(client, q="  WILDLIFE ", per_page=100)
    assert ids(after)[:2] == [CONTAINERS, SURVEY]
    assert [hit["pinned"] for hit in after["results"]] == [True, True] + [False] * (len(after["results"]) - 2)
    assert after["results"][0]["score"] is None
    # Every result found without the bet is still there, once.
    assert set(ids(before)) <= set(ids(after)) and len(ids(after)) == len(set(ids(after)))
    assert after["total"] == len(ids(after)) == len(set(ids(before)) | {CONTAINERS, SURVEY})


def test_pages_after_a_best_bet_continue_where_the_first_stopped(curated):
    client, folder = curated
    write(folder / "best_bets.toml", bet(["wildlife"], [CONTAINERS, SURVEY]))
    everything = ids(api(client, q="wildlife", per_page=100))
    paged = [i for page in (1, 2, 3) for i in ids(api(client, q="wildlife", per_page=3, page=page))]
    assert paged == everything[:9]
    walked, body = [], api(client, q="wildlife", per_page=3)
    while True:
        walked += ids(body)
        if not body["links"].get("next_cursor"):
            break
        body = client.get(body["links"]["next_cursor"]).get_json()
    assert walked == everything


def test_a_best_bet_respects_filters_sorting_and_its_end_date(curated):
    client, folder = curated
    write(
        folder / "best_bets.toml",
        bet(["wildlife"], [CONTAINERS]) + bet(["firearms"], [SURVEY], expires="2020-01-31"),
    )
    assert ids(api(client, q="wildlife"))[0] == CONTAINERS
    # Filtered to Nigeria, the Belgian item is not shown at all.
    assert CONTAINERS not in ids(api(client, q="wildlife", country="NGA", per_page=100))
    assert ids(api(client, q="wildlife", sort="newest", per_page=100)) == ids(
        api(client, q="wildlife", sort="newest", per_page=100, spelling="off")
    )
    assert not any(hit["pinned"] for hit in api(client, q="wildlife", sort="newest")["results"])
    assert SURVEY not in ids(api(client, q="firearms", per_page=100))  # expired


def test_a_pinned_id_no_longer_in_the_index_is_ignored(curated):
    client, folder = curated
    write(folder / "best_bets.toml", bet(["wildlife"], ["2019-01-01-gone", SURVEY]))
    assert ids(api(client, q="wildlife"))[0] == SURVEY


def test_a_broken_best_bets_file_keeps_the_last_good_one(curated, caplog):
    client, folder = curated
    write(folder / "best_bets.toml", bet(["wildlife"], [SURVEY]))
    assert ids(api(client, q="wildlife"))[0] == SURVEY
    write(folder / "best_bets.toml", '[[bet]]\nqueries = ["wildlife"\n')
    assert ids(api(client, q="wildlife"))[0] == SURVEY
    rules = client.application.extensions["curation"].current()
    assert rules.problems and "best_bets.toml" in rules.problems[0] and "last good version" in rules.problems[0]
    assert any("best_bets.toml" in record.getMessage() for record in caplog.records)
    write(folder / "best_bets.toml", bet(["wildlife"], [CONTAINERS]))
    assert ids(api(client, q="wildlife"))[0] == CONTAINERS
    assert client.application.extensions["curation"].current().problems == ()


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[bet]]\nqueries = ["a"]\n', "`items` must be a list"),
        ('[[bet]]\nqueries = ["a"]\nitems = ["x"]\nexpire = 2027-01-01\n', "unknown key expire"),
        ('[[bet]]\nqueries = ["a"]\nitems = ["x"]\nexpires = "soon"\n', "`expires` must be a date"),
        ('[bet]\nqueries = ["a"]\n', "write each entry as [[bet]]"),
        ("[[bets]]\n", "unknown table bets"),
    ],
)
def test_best_bets_mistakes_are_named(text, message):
    with pytest.raises(BestBetsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        BestBets.parse(text)


def test_synonyms_one_way_and_groups(curated):
    client, folder = curated
    assert api(client, q="ivory")["total"] == 0
    plain = {q: set(ids(api(client, q=q, per_page=100))) for q in ("wildlife", '"civil society"', "ngo")}
    write(folder / "synonyms.txt", "# editors' rules\nivory => wildlife  # one-way\nngo, civil society\n")
    assert set(ids(api(client, q="ivory", per_page=100))) == plain["wildlife"]
    assert set(ids(api(client, q="wildlife", per_page=100))) == plain["wildlife"]  # not the other way
    both = plain['"civil society"'] | plain["ngo"]
    assert set(ids(api(client, q="NGO", per_page=100))) == both
    assert set(ids(api(client, q="civil society", per_page=100))) >= both
    (folder / "synonyms.txt").unlink()
    assert api(client, q="ivory")["total"] == 0


def test_a_synonym_is_not_corrected_as_a_misspelling(curated):
    client, folder = curated
    assert api(client, q="wildlfe")["suggestion"]["searched"]
    write(folder / "synonyms.txt", "wildlfe => wildlife\n")
    body = api(client, q="wildlfe")
    assert body["suggestion"] is None and body["total"] == 6


@pytest.mark.parametrize(
    "text, message",
    [
        ("ngo\n", "line 1: a group needs two terms"),
        ("\n\na => , b\n", "line 3: an empty term"),
        ('a => "b c"\n', "holds query syntax"),
    ],
)
def test_synonym_mistakes_are_named_with_their_line(text, message):
    with pytest.raises(SynonymsError, match=message):
        Synonyms.parse(text)


def test_a_curation_change_changes_etags_and_ends_cursors(curated):
    client, folder = curated
    first = client.get("/api/search?q=wildlife&per_page=2")
    etag, next_page = first.headers["ETag"], first.get_json()["links"]["next_cursor"]
    assert client.get("/api/search?q=wildlife&per_page=2", headers={"If-None-Match": etag}).status_code == 304
    write(folder / "best_bets.toml", bet(["wildlife"], [SURVEY]))
    again = client.get("/api/search?q=wildlife&per_page=2", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.get_json()["results"][0]["id"] == SURVEY
    gone = client.get(next_page)
    assert gone.status_code == 410 and gone.get_json()["error"]["param"] == "cursor"


def test_a_curation_folder_is_read_only_when_a_file_changes(tmp_path):
    curation = Curation(tmp_path)
    empty = curation.current()
    assert not empty.best_bets and not empty.synonyms and empty.version == ""
    write(tmp_path / "synonyms.txt", "ngo, civil society\n")
    rules = curation.current()
    assert rules.synonyms and rules.version and curation.current() is rules


@pytest.mark.server
def test_a_running_gunicorn_takes_up_best_bets_and_synonyms_without_a_rebuild(tmp_path, corpus_index_dir):
    folder = tmp_path / "curation"
    folder.mkdir()

    def get(base, q):
        with urllib.request.urlopen(f"{base}/api/search?q={q}&per_page=100", timeout=10) as response:
            return json.loads(response.read())

    env = {"NEWSEARCH_CURATION_DIR": str(folder), "NEWSEARCH_RATELIMIT_ENABLED": "false"}
    with running_server(corpus_index_dir, tmp_path / "gunicorn.log", workers=2, env=env) as base:
        versions = {get(base, "wildlife")["index_version"] for _ in range(4)}
        assert get(base, "ivory")["total"] == 0
        write(folder / "synonyms.txt", "ivory => wildlife\n")
        write(folder / "best_bets.toml", bet(["wildlife"], [SURVEY]))
        # Every worker answers with the new rules on its next request.
        for _ in range(8):
            assert get(base, "ivory")["total"] == 6
            assert get(base, "wildlife")["results"][0] == {**get(base, "wildlife")["results"][0], "id": SURVEY}
        assert {get(base, "wildlife")["index_version"]} == versions  # no rebuild


def test_the_search_page_says_which_results_are_recommended(curated):
    client, folder = curated
    write(folder / "best_bets.toml", bet(["wildlife"], [SURVEY]))
    page = client.get("/?q=wildlife").get_data(as_text=True)
    assert page.count("Recommended for this search") == 1
    first_hit = page.split('<li class="hit">')[1]
    assert first_hit.index(f"/items/{SURVEY}") < first_hit.index("Recommended for this search")
