"""Vocabularies travel with the index version: a build keeps the ones it
used, and a running server resolves filters, labels and query boosts with
those of the version it serves, so an editor's change is live after a
build, without a restart."""

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from servers import running_server

from indexer.build.store import IndexStore
from indexer.facets.vocabulary import BUNDLED, FILES, Vocabularies, VocabularyError
from indexer.pipeline import tagged_items
from indexer.search.engine import Catalog, search
from indexer.search.request import InvalidRequest, parse_search_request

NEW_PROGRAMME = """
[world-drug-report]
name = "World Drug Report (WDR)"
type = "initiative"
acronyms = ["WDR"]
aliases = ["World Drug Report"]
themes = ["drugs and drug trafficking", "research and data"]
"""


@pytest.fixture
def vocabulary_dir(tmp_path):
    folder = tmp_path / "vocabularies"
    shutil.copytree(BUNDLED, folder, ignore=lambda _, names: [n for n in names if n not in FILES])
    return folder


def add_programme(folder) -> None:
    with open(folder / "programmes.toml", "a", encoding="utf-8") as f:
        f.write(NEW_PROGRAMME)


def test_equal_content_is_equal_vocabularies(vocabulary_dir):
    assert Vocabularies(vocabulary_dir) == Vocabularies.bundled()
    add_programme(vocabulary_dir)
    assert Vocabularies(vocabulary_dir) != Vocabularies.bundled()


def test_a_folder_without_the_files_is_refused(tmp_path):
    with pytest.raises(VocabularyError, match="missing vocabulary files: themes.toml"):
        Vocabularies(tmp_path)


def test_a_broken_file_names_itself(vocabulary_dir):
    (vocabulary_dir / "regions.toml").write_text("[central-asia\n", "utf-8")
    with pytest.raises(VocabularyError, match="regions.toml"):
        Vocabularies(vocabulary_dir).toml("regions.toml")


def test_a_version_keeps_its_vocabularies_and_answers_with_them(tmp_path, vocabulary_dir):
    add_programme(vocabulary_dir)
    edited = Vocabularies(vocabulary_dir)
    store = IndexStore(tmp_path / "index")
    manifest = store.build(tagged_items(vocabularies=edited), vocabularies=edited)
    assert manifest["vocabularies"] == edited.digest
    assert store.vocabularies(manifest["version"]) == edited
    # The editor's folder may change or go; the version has its own copy.
    shutil.rmtree(vocabulary_dir)
    index = Catalog(store).current()
    request = parse_search_request({"programme": ["WDR"]}, index.vocabularies)
    result = search(index, request)
    assert result["total"] == 1
    assert {"value": "world-drug-report", "label": "World Drug Report (WDR)", "count": 1, "selected": True} in result[
        "facets"
    ]["programme"]
    with pytest.raises(InvalidRequest, match="unknown programme"):
        parse_search_request({"programme": ["WDR"]}, Vocabularies.bundled())


def test_an_update_with_other_vocabularies_retags_every_item(tmp_path, vocabulary_dir):
    store = IndexStore(tmp_path / "index")
    store.build(tagged_items())
    add_programme(vocabulary_dir)
    edited = Vocabularies(vocabulary_dir)
    counts, manifest = store.update(tagged_items(vocabularies=edited), vocabularies=edited)
    assert (counts.added, counts.changed, counts.removed) == (37, 0, 0)
    assert manifest["vocabularies"] == edited.digest
    # Unchanged pages and vocabularies: nothing to do.
    counts, _ = store.update(tagged_items(vocabularies=edited), vocabularies=edited)
    assert (counts.added, counts.changed, counts.removed, counts.unchanged) == (0, 0, 0, 37)


def get(base: str, path: str, **params) -> tuple[int, dict]:
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.mark.server
def test_an_edited_programme_is_live_after_a_build_without_a_restart(tmp_path, vocabulary_dir):
    index_dir = tmp_path / "index"
    cli = [
        sys.executable,
        "-m",
        "indexer.cli",
        "build",
        "--index",
        str(index_dir),
        "--vocabularies",
        str(vocabulary_dir),
        "--processes",
        "1",
    ]
    subprocess.run(cli, check=True, capture_output=True)
    with running_server(index_dir, tmp_path / "server.log", workers=2) as base:
        status, body = get(base, "/api/search", programme="WDR")
        assert status == 400 and body["error"]["param"] == "programme"

        add_programme(vocabulary_dir)
        subprocess.run(cli, check=True, capture_output=True)

        # Every worker answers from the new version on its next request:
        # enough requests reach both.
        deadline = time.monotonic() + 20
        for _ in range(8):
            status, body = get(base, "/api/search", programme="WDR")
            assert status == 200, body
            assert body["total"] == 1
            assert time.monotonic() < deadline
        status, body = get(base, "/api/search", q="programme:WDR")
        assert status == 200 and body["total"] == 1
        # A query naming the programme finds the item tagged with it, though
        # the acronym is nowhere in its text.
        status, body = get(base, "/api/search", q="WDR")
        assert [[p["value"] for p in hit["programmes"]] for hit in body["results"]] == [["world-drug-report"]]
        status, body = get(base, "/api/facets")
        labels = {row["value"]: row["label"] for row in body["facets"]["programme"]}
        assert labels["world-drug-report"] == "World Drug Report (WDR)"
