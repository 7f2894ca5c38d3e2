"""Ranking quality on the judged queries: a regression guard, not a tuning tool."""

import json

from indexer.evaluate_relevance import DEFAULT_JUDGED, check_titles, evaluate, score_query

TARGET_NDCG = 0.90


def test_every_judged_title_is_an_indexed_item(corpus_index):
    queries = json.loads(DEFAULT_JUDGED.read_text("utf-8"))
    assert check_titles(corpus_index, queries) == []


def test_ndcg_at_10_meets_the_target(corpus_index):
    queries = json.loads(DEFAULT_JUDGED.read_text("utf-8"))
    report = evaluate(corpus_index, queries)
    assert len(queries) >= 34
    assert report["ndcg"] >= TARGET_NDCG, f"nDCG@10 {report['ndcg']:.3f} < {TARGET_NDCG}"


def test_score_query_counts_grades_by_rank(corpus_index):
    perfect = {
        "id": "t",
        "q": "Mechelen",
        "judgments": [
            {
                "title": "Unity in Diversity: Iraqi Officials Study Visit organized by UNODC and the city hall of Mechelen",
                "grade": 3,
            }
        ],
    }
    assert score_query(corpus_index, perfect)["ndcg"] == 1.0
    wrong = {"id": "t", "q": "Mechelen", "judgments": [{"title": "Corruption in sport", "grade": 3}]}
    scored = score_query(corpus_index, wrong)
    assert (scored["ndcg"], scored["recall"], scored["missed"]) == (0.0, 0.0, ["corruptioninsport"])
