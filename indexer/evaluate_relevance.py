"""Score ranking against judged queries: nDCG@10 and recall@10.

    python -m indexer.evaluate_relevance [JUDGED_JSON] [--index DIR] [--verbose]

Then spelling: over judged misspellings and correctly spelled words found in
no item (`tests/data/spelling_judgements.json`), the precision and recall of
the corrections searched straight away, and the "did you mean" offered.

The judged file is a list of `{"id", "q", "judgments": [{"title", "grade"}]}`
(grade 3 = highly relevant ... 1 = marginally; unlisted items are 0). Without
--index, the bundled corpus is indexed in a temporary directory, so the
figure measures the code as it is. Ranking changes are decided by this
figure, not by eye.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

from indexer.build.store import IndexStore
from indexer.model import normalise_title
from indexer.pipeline import tagged_items
from indexer.search.engine import Catalog, SearchIndex, search
from indexer.search.request import SearchRequest

DEFAULT_JUDGED = Path(__file__).resolve().parent / "data" / "evaluation" / "judged_queries.json"
DEFAULT_SPELLING = Path(__file__).resolve().parent.parent / "tests" / "data" / "spelling_judgements.json"
K = 10


def dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def score_query(index: SearchIndex, judged: dict, k: int = K) -> dict:
    grades = {normalise_title(j["title"]): j["grade"] for j in judged["judgments"]}
    result = search(index, SearchRequest(q=judged["q"], per_page=k))
    ranked = [normalise_title(hit["title"]) for hit in result["results"]]
    gains = [grades.get(title, 0) for title in ranked]
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    relevant = {title for title, grade in grades.items() if grade > 0}
    return {
        "id": judged["id"],
        "q": judged["q"],
        "ndcg": dcg(gains) / ideal if ideal else 1.0,
        "recall": len(relevant & set(ranked)) / len(relevant) if relevant else 1.0,
        "missed": sorted(t for t in relevant if t not in ranked),
        "unjudged": [t for t in ranked if t not in grades],
    }


def evaluate(index: SearchIndex, queries: list[dict]) -> dict:
    scores = [score_query(index, q) for q in queries]
    return {
        "ndcg": sum(s["ndcg"] for s in scores) / len(scores),
        "recall": sum(s["recall"] for s in scores) / len(scores),
        "queries": scores,
    }


def check_titles(index: SearchIndex, queries: list[dict]) -> list[str]:
    """Judged titles that are not in the index: a typo there scores as a miss."""
    known = {normalise_title(hit["title"]) for hit in search(index, SearchRequest(per_page=100000))["results"]}
    return sorted({j["title"] for q in queries for j in q["judgments"] if normalise_title(j["title"]) not in known})


def evaluate_spelling(index: SearchIndex, judged: dict) -> dict:
    """How `search()` corrects each judged word: searched as corrected or
    only offered ("did you mean"), rightly or wrongly, or left alone. A
    correction is right when it is the expected word; any correction of a
    correctly spelled absent word is wrong."""
    kinds = ("right", "wrong", "offered", "offered_wrong", "wrong_absent", "offered_absent")
    outcomes: dict[str, list[str]] = {kind: [] for kind in kinds}
    cases = [(case["typed"], case["expected"]) for case in judged["misspellings"]]
    for typed, expected in cases + [(typed, None) for typed in judged["absent"]]:
        suggestion = search(index, SearchRequest(q=typed))["suggestion"]
        if not suggestion:
            continue
        right = expected is not None and suggestion["q"].lower() == expected
        if not expected:
            kind = "wrong_absent" if suggestion["searched"] else "offered_absent"
        elif suggestion["searched"]:
            kind = "right" if right else "wrong"
        else:
            kind = "offered" if right else "offered_wrong"
        outcomes[kind].append(f"{typed} -> {suggestion['q']}")
    searched = sum(len(outcomes[kind]) for kind in ("right", "wrong", "wrong_absent"))
    corrected = sum(len(found) for found in outcomes.values())
    corrected_right = len(outcomes["right"]) + len(outcomes["offered"])
    return {
        # Searched straight away as corrected.
        "precision": len(outcomes["right"]) / searched if searched else 1.0,
        "recall": len(outcomes["right"]) / len(cases),
        # Corrected at all: searched, or offered as "did you mean".
        "offered_precision": corrected_right / corrected if corrected else 1.0,
        "offered_recall": corrected_right / len(cases),
        "misspellings": len(cases),
        "absent": len(judged["absent"]),
        **outcomes,
    }


def print_spelling(report: dict, verbose: bool) -> None:
    print(f"\nspelling: {report['misspellings']} misspellings, {report['absent']} correctly spelled absent words")
    print(f"searched as corrected:           precision {report['precision']:.3f}, recall {report['recall']:.3f}")
    print(
        f"corrected (searched or offered): precision {report['offered_precision']:.3f},"
        f" recall {report['offered_recall']:.3f}"
    )
    print(f"misspellings searched as corrected: {len(report['right'])} right, {len(report['wrong'])} wrong")
    print(
        f"misspellings only offered (did you mean): {len(report['offered'])} right,"
        f" {len(report['offered_wrong'])} wrong"
    )
    print(f"absent words searched as another word: {len(report['wrong_absent'])}")
    print(f"absent words offered another word (did you mean): {len(report['offered_absent'])}")
    listed = ("wrong", "offered_wrong", "wrong_absent", *(("offered", "offered_absent") if verbose else ()))
    for key in listed:
        for line in report[key]:
            print(f"    {key}: {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("judged", nargs="?", default=str(DEFAULT_JUDGED))
    parser.add_argument("--index", help="an existing index directory to score")
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses per query")
    parser.add_argument("--spelling", default=str(DEFAULT_SPELLING), help="the judged spelling corrections")
    parser.add_argument("--min-ndcg", type=float, default=0.0, help="exit 1 below this nDCG@10")
    args = parser.parse_args(argv)
    queries = json.loads(Path(args.judged).read_text("utf-8"))

    with tempfile.TemporaryDirectory() as scratch:
        root = args.index
        if root is None:
            root = scratch
            IndexStore(root).build(tagged_items())
        index = Catalog(IndexStore(root)).current()
        unknown = check_titles(index, queries)
        for title in unknown:
            print(f"warning: judged title not in the index: {title}", file=sys.stderr)
        report = evaluate(index, queries)
        spelling = evaluate_spelling(index, json.loads(Path(args.spelling).read_text("utf-8")))
        index.close()

    print(f"{'query':<44} nDCG@10  recall@10")
    for s in report["queries"]:
        print(f"{s['id'] + ' ' + s['q']:<44.44} {s['ndcg']:7.3f}  {s['recall']:9.3f}")
        if args.verbose and s["missed"]:
            for title in s["missed"]:
                print(f"    missed: {title}")
    print(f"{'mean over ' + str(len(queries)) + ' queries':<44} {report['ndcg']:7.3f}  {report['recall']:9.3f}")
    print_spelling(spelling, args.verbose)
    return 1 if report["ndcg"] < args.min_ndcg else 0


if __name__ == "__main__":
    sys.exit(main())
