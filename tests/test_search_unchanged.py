"""Searches answer exactly as recorded in `tests/data/search_answers.json`:
the same totals, top-10 order and facet counts, on the bundled corpus and a
synthetic one, so a change to how postings are stored or read cannot
silently change a result."""

import json
import sys
from pathlib import Path

from indexer.build.store import IndexStore
from indexer.facets.vocabulary import Vocabularies
from indexer.pipeline import tagged_items
from indexer.search.engine import Catalog, search
from indexer.search.request import parse_search_request

# bench/ is not part of the installed package: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.synthetic import generate_items  # noqa: E402

RECORDED = Path(__file__).parent / "data" / "search_answers.json"
JUDGED = Path(__file__).resolve().parent.parent / "indexer" / "data" / "evaluation" / "judged_queries.json"
SYNTHETIC_ITEMS = 1500
FACET_VALUES = 8  # the first values of each facet, as a results page shows them

# Beside the judged queries: every kind of query node and request option.
QUERIES = [
    {"q": "drug*"},
    {"q": "traffick* OR corrupt*"},
    {"q": "c?rruption"},
    {"q": '"drug trafficking"'},
    {"q": '"law enforcement cooperation"~4'},
    {"q": '"organised crime"~2'},
    {"q": "title:drug"},
    {"q": "drug -nigeria"},
    {"q": "cybercrime corruption money laundering"},
    {"q": "border", "sort": "newest"},
    {"q": "border", "sort": "oldest", "page": "2"},
    {"q": "security", "from": "2019-03-01", "to": "2019-09-30"},
    {"q": "", "from": "2021-01-01"},
    {"q": "programme", "per_page": "50"},
    {"q": "anti corruption"},
    {"q": "wildlife crime"},
]


def answers(index, queries: list[dict]) -> list[dict]:
    found = []
    for params in queries:
        args = {key: [value] for key, value in params.items()}
        result = search(index, parse_search_request(args, index.vocabularies))
        found.append(
            {
                "params": params,
                "total": result["total"],
                "ids": [hit["id"] for hit in result["results"]],
                "facets": {
                    name: {value["value"]: value["count"] for value in values[:FACET_VALUES]}
                    for name, values in result["facets"].items()
                },
            }
        )
    return found


def with_filters(queries: list[dict], index) -> list[dict]:
    """The queries, and each facet's most common value as a filter."""
    facets = search(index, parse_search_request({}, index.vocabularies))["facets"]
    filtered = [{"q": "", name: values[0]["value"]} for name, values in facets.items() if values]
    return queries + filtered + [{**query, "q": "drug"} for query in filtered]


def all_answers(tmp: Path) -> dict:
    judged = [{"q": query["q"]} for query in json.loads(JUDGED.read_text("utf-8"))]
    synthetic = generate_items(SYNTHETIC_ITEMS, seed=5)
    recorded = {}
    for name, items, queries in (
        ("bundled", tagged_items(), judged + QUERIES),
        ("synthetic", synthetic, QUERIES),
    ):
        store = IndexStore(tmp / name)
        store.build(items, processes=2, vocabularies=Vocabularies.bundled())
        index = Catalog(store).current()
        recorded[name] = answers(index, with_filters(queries, index))
    return recorded


def test_searches_answer_as_recorded(tmp_path):
    expected = json.loads(RECORDED.read_text("utf-8"))
    found = all_answers(tmp_path)
    for corpus in expected:
        for want, got in zip(expected[corpus], found[corpus], strict=True):
            assert got == want, f"{corpus}: {want['params']}"


if __name__ == "__main__":  # python tests/test_search_unchanged.py: record the answers of the code as it is
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        RECORDED.write_text(json.dumps(all_answers(Path(folder)), indent=1) + "\n", "utf-8")
