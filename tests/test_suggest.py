"""Completions of the search box (/api/suggest) and one facet's values
matching a text (/api/facets/<name>), on the bundled corpus."""

from __future__ import annotations

import json

import pytest

from indexer.build.store import title_phrases
from indexer.search.suggest import fold


def suggestions(client, q: str, **params) -> list[dict]:
    response = client.get("/api/suggest", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["suggestions"]


def test_a_prefix_completes_to_facet_values_phrases_and_words_in_that_order(client):
    found = suggestions(client, "cont")
    kinds = [s["kind"] for s in found]
    assert {"theme", "programme", "phrase", "word"} <= set(kinds)
    tiers = [0 if kind not in ("phrase", "word") else 1 if kind == "phrase" else 2 for kind in kinds]
    assert tiers == sorted(tiers)
    facet_counts = [s["count"] for s in found if s["filter"]]
    assert facet_counts == sorted(facet_counts, reverse=True)
    assert {"text": "Container Control Programme", "kind": "programme"}.items() <= found[1].items()


def test_a_country_comes_with_its_filter_and_count(client):
    nigeria = suggestions(client, "nig")[0]
    assert nigeria == {"text": "Nigeria", "kind": "country", "filter": {"country": "NGA"}, "count": 2}
    search = client.get("/api/search?country=NGA").get_json()
    assert search["total"] == nigeria["count"]


def test_any_word_of_a_completion_may_start_with_the_prefix(client):
    texts = [s["text"] for s in suggestions(client, "crime", limit=20)]
    assert "wildlife and forest crime" in texts
    assert "Global Programme for Combating Wildlife and Forest Crime" in texts


def test_acronyms_find_programmes_and_organisations(client):
    programmes = [s["filter"] for s in suggestions(client, "glo.act") if s["kind"] == "programme"]
    assert {"programme": "glo-act"} in programmes
    assert [s["filter"] for s in suggestions(client, "ICCWC")][0] == {"organisation": "iccwc"}
    assert any(s["kind"] == "programme" for s in suggestions(client, "unodc"))


def test_case_and_accents_do_not_matter(client):
    assert suggestions(client, "NIGÉ") == suggestions(client, "nige")
    assert fold("Côte d'Ivoire") == "cote d ivoire"


def test_a_word_already_offered_as_a_facet_value_is_not_repeated(client):
    texts = [fold(s["text"]) for s in suggestions(client, "belgium", limit=20)]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("q", ["", "n", " n ", "%"])
def test_under_two_characters_nothing_is_suggested(client, q):
    assert suggestions(client, q) == []


def test_limit(client):
    assert len(suggestions(client, "co")) == 8
    assert len(suggestions(client, "co", limit=3)) == 3
    assert len(suggestions(client, "co", limit=20)) == 20


@pytest.mark.parametrize(
    "params, param",
    [({"limit": "0"}, "limit"), ({"limit": "21"}, "limit"), ({"limit": "x"}, "limit"), ({"format": "xml"}, "format")],
)
def test_bad_parameters_are_400s_naming_them(client, params, param):
    response = client.get("/api/suggest", query_string={"q": "co", **params})
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param


def test_a_too_long_prefix_is_a_400(client):
    assert client.get("/api/suggest", query_string={"q": "a" * 501}).status_code == 400


def test_the_opensearch_format(client):
    response = client.get("/api/suggest?q=wild&format=opensearch")
    assert response.content_type == "application/x-suggestions+json"
    q, texts = json.loads(response.get_data(as_text=True))
    assert q == "wild"
    assert texts == [s["text"] for s in suggestions(client, "wild")]


def test_the_opensearch_description_links_the_suggestions(client):
    xml = client.get("/opensearch.xml").get_data(as_text=True)
    assert 'type="application/x-suggestions+json"' in xml
    assert "/api/suggest?q={searchTerms}&amp;format=opensearch" in xml


def test_answers_carry_an_etag_and_304_when_the_client_has_it(client):
    first = client.get("/api/suggest?q=wild")
    assert first.headers["ETag"].startswith('W/"')
    again = client.get("/api/suggest?q=wild", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/suggest?q=wilt").headers["ETag"] != first.headers["ETag"]


def test_title_phrases_do_not_cross_punctuation_nor_end_in_stop_words():
    titles = ["Trafficking in Persons: a review", "trafficking in persons, again", "Persons a review"]
    phrases = {phrase.lower(): n for phrase, n in title_phrases(titles).items()}
    assert phrases == {"trafficking in persons": 2}


# -- /api/facets/<name> ---------------------------------------------------------------


def facet_values(client, name: str, **params) -> dict:
    response = client.get(f"/api/facets/{name}", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_facet_values_matching_a_prefix_with_the_vocabulary_s_others_after(client):
    values = facet_values(client, "country", q="ni")["values"]
    labels = [v["label"] for v in values]
    assert labels[0] == "Nigeria" and values[0]["count"] == 2
    assert {"Niger", "Nicaragua"} <= set(labels)
    zeros = [v for v in values if v["count"] == 0]
    assert values[-len(zeros) :] == zeros
    assert [v["label"] for v in zeros] == sorted(v["label"] for v in zeros)


def test_facet_values_are_counted_for_the_current_search(client):
    search = client.get("/api/search?theme=human+trafficking&q=migrants").get_json()
    expected = {row["value"]: row["count"] for row in search["facets"]["country"]}
    answer = facet_values(client, "country", q="", theme="human trafficking", query="migrants")
    assert answer["total"] == search["total"]
    counted = {v["value"]: v["count"] for v in answer["values"] if v["count"]}
    assert counted == expected


def test_facet_values_match_acronyms_and_accents(client):
    assert [v["value"] for v in facet_values(client, "programme", q="glo.act")["values"]][:2] == [
        "glo-act-asia-middle-east",
        "glo-act",
    ]
    assert "CIV" in [v["value"] for v in facet_values(client, "country", q="côte")["values"]]


def test_an_unknown_facet_is_a_404_and_a_bad_search_a_400(client):
    response = client.get("/api/facets/colour")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.get("/api/facets/country?country=Atlantis")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "country"
