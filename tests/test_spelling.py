import json
from pathlib import Path

import pytest

from indexer.evaluate_relevance import evaluate_spelling

JUDGED = Path(__file__).parent / "data" / "spelling_judgements.json"


def api_search(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def test_the_judged_corrections_are_likely_and_names_are_left_alone(corpus_index):
    report = evaluate_spelling(corpus_index, json.loads(JUDGED.read_text("utf-8")))
    assert report["precision"] >= 0.95, report["wrong"] + report["wrong_absent"]
    assert report["recall"] >= 0.72, report["offered"]
    assert report["offered_precision"] >= 0.95, report["offered_wrong"] + report["offered_absent"]
    assert report["offered_recall"] >= 0.95, report["offered_wrong"]
    assert len(report["wrong_absent"]) <= 2, report["wrong_absent"]


@pytest.mark.parametrize(
    "q, total", [("Haiti", 0), ("haiti", 0), ("earthquake Haiti", 0), ("earthquake relief Haiti", 1)]
)
def test_haiti_is_never_searched_as_anti(client, q, total):
    body = api_search(client, q=q)
    assert body["suggestion"] is None
    assert body["total"] == total
    assert all("anti" not in hit["title"].lower() for hit in body["results"])


@pytest.mark.parametrize("q", ["Lesotho", "Guterres", "Merkel", "Angola", "UNDP", "FATF"])
def test_names_and_acronyms_are_searched_as_typed(client, q):
    body = api_search(client, q=q)
    assert not (body["suggestion"] or {}).get("searched")
    assert body["results"] == api_search(client, q=q, spelling="off")["results"]


@pytest.mark.parametrize(
    "q, nearest",
    [("Sudan", "Suzan"), ("cuba", "cuta"), ("Laos", "laws"), ("election", "selection"), ("harbour", "labour")],
)
def test_country_names_and_words_another_letter_away_are_not_offered_anything(client, q, nearest):
    # `nearest` is in the index, one edit away: a country's name is a name,
    # and a correction never changes the first letter.
    assert api_search(client, q=nearest)["total"] > 0
    assert api_search(client, q=q)["suggestion"] is None


def test_a_confident_misspelling_is_searched_as_corrected(client):
    body = api_search(client, q="wildlfe")
    assert body["suggestion"]["q"] == "wildlife" and body["suggestion"]["searched"] is True
    assert body["total"] == api_search(client, q="wildlife")["total"] == 6
    assert body["notice"] is None


@pytest.mark.parametrize("q", ["wildlfe", "trafficing women", "corruptoin"])
def test_spelling_off_never_searches_a_correction(client, q):
    body = api_search(client, q=q, spelling="off")
    assert body["suggestion"]["searched"] is False
    assert body["query"]["spelling"] == "off"
    assert body["total_all_words"] < api_search(client, q=q)["total_all_words"]


def test_a_misspelled_name_is_only_offered(client):
    body = api_search(client, q="Mechelin")
    assert body["suggestion"]["q"] == "Mechelen" and body["suggestion"]["searched"] is False
    assert body["total"] == 0


def test_an_ambiguous_misspelling_is_only_offered(client):
    # `ministery`: `ministry` and `minister` are one edit away and as frequent.
    body = api_search(client, q="ministery")
    assert body["suggestion"]["q"] in ("ministry", "minister") and body["suggestion"]["searched"] is False
