"""A reference point: the benchmark's corpus and queries in tantivy.

    PYTHON_WITH_TANTIVY tantivy_ref.py --corpus corpus.jsonl --index DIR --queries TIMED --warmup WARMUP

Runs with a Python that has tantivy's bindings (`pip install tantivy`) and
imports nothing else outside the standard library: the harness
(`bench.run`) keeps tantivy in a venv of its own, as the service does not
depend on it. It indexes the generator's JSON Lines (title and body as
stemmed text, title stored; themes, programmes and countries as untokenized
string fields; the date), timing the build from reading the file to the
commit; then runs the warm-up queries once, then each timed query once:
the words parsed over title and body (any word matching, like the others),
with the filter and the date range where the query has them, top 10 with
their stored titles, and the count of matches. It prints JSON: the build's
seconds, and each timed query's milliseconds and count, in the log's order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import shutil
import sys
import time
from pathlib import Path

import tantivy  # type: ignore[import-not-found]  # in the reference's own venv only

FACET_FIELDS = ("themes", "programmes", "countries")
TOP = 10


def build(corpus: Path, index_dir: Path) -> tantivy.Index:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    for name in FACET_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    builder.add_date_field("date", stored=True, indexed=True, fast=True)
    schema = builder.build()
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(index_dir))
    writer = index.writer()
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            document = tantivy.Document()
            document.add_text("id", record["id"])
            document.add_text("title", record["title"])
            document.add_text("body", record["body"])
            for name in FACET_FIELDS:
                for value in record.get(name, ()):
                    document.add_text(name, value)
            document.add_date("date", dt.datetime.fromisoformat(record["date"]))
            writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


class Search:
    def __init__(self, index: tantivy.Index):
        self.index = index
        self.schema = index.schema
        self.searcher = index.searcher()

    def __call__(self, record: dict) -> tuple[int, list[str]]:
        """The count of matches and the titles of the top 10."""
        words = self._words(record["text"])
        parts = [(tantivy.Occur.Must, words)]
        found = record.get("filter")
        if found:
            term = tantivy.Query.term_query(self.schema, found["field"], found["value"])
            parts.append((tantivy.Occur.Must, term))
        dates = record.get("date_range")
        if dates:
            low = dt.datetime.fromisoformat(dates[0]) if dates[0] else None
            high = dt.datetime.combine(dt.date.fromisoformat(dates[1]), dt.time.max) if dates[1] else None
            span = tantivy.Query.range_query(self.schema, "date", tantivy.FieldType.Date, low, high)
            parts.append((tantivy.Occur.Must, span))
        q = tantivy.Query.boolean_query(parts) if len(parts) > 1 else words
        result = self.searcher.search(q, limit=TOP, count=True)
        titles = [self.searcher.doc(address)["title"][0] for _score, address in result.hits]
        return result.count, titles

    def _words(self, text: str) -> tantivy.Query:
        try:
            return self.index.parse_query(text, ["title", "body"])
        except ValueError:
            return self.index.parse_query_lenient(text, ["title", "body"])[0]


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the generator's JSON Lines")
    parser.add_argument("--index", type=Path, required=True, help="directory to build the index in (emptied)")
    parser.add_argument("--queries", type=Path, required=True, help="the timed query log")
    parser.add_argument("--warmup", type=Path, required=True, help="the warm-up query log")
    args = parser.parse_args()
    started = time.perf_counter()
    index = build(args.corpus, args.index)
    build_s = time.perf_counter() - started
    search = Search(index)
    for record in read_log(args.warmup):
        search(record)
    query_ms, counts = [], []
    for record in read_log(args.queries):
        started = time.perf_counter()
        counts.append(search(record)[0])
        query_ms.append((time.perf_counter() - started) * 1000)
    json.dump(
        {"version": importlib.metadata.version("tantivy"), "build_s": build_s, "query_ms": query_ms, "counts": counts},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
