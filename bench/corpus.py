"""The benchmark's corpus and query logs, made by the shared generator.

`make_corpus.py` (in `../shared/bench/` beside the checkout) writes N
synthetic news items twice: as text pages, one per year, which newsearch
builds from, and as JSON Lines, which plain Whoosh and tantivy index. It
also writes query logs, each drawn with its own seed: one is timed, the
other only warms the servers and processes up, and a warm-up query whose
words and filter equal a timed one's is dropped, so that no timed query
was seen before it is timed.

What is generated is kept in the work directory and reused: the corpus by
its size, the logs by seed, length and sample; both also by a digest of the
generator, so a changed generator makes them anew.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from indexer.facets.registry import BY_NAME
from indexer.facets.vocabulary import Vocabularies

DEFAULT_MAKE_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "make_corpus.py"
# The generator's facet fields -> newsearch's facet (its URL parameter).
FILTER_FACETS = {"themes": "theme", "programmes": "programme", "countries": "country"}
# Queries draw their words from this many items at most (the generator's default).
QUERY_SAMPLE = 2000


@dataclasses.dataclass(frozen=True)
class Query:
    """One query of a log: words, at most one facet filter, a date range."""

    text: str
    filter_field: str | None = None  # the generator's field: themes, programmes or countries
    filter_value: str | None = None  # a display name, not always one the vocabularies know
    date_from: str | None = None  # YYYY-MM-DD
    date_to: str | None = None

    @classmethod
    def from_record(cls, record: dict) -> Query:
        found = record.get("filter") or {}
        dates = record.get("date_range") or (None, None)
        return cls(record["text"], found.get("field"), found.get("value"), dates[0], dates[1])

    def to_record(self) -> dict:
        return {
            "text": self.text,
            "filter": {"field": self.filter_field, "value": self.filter_value} if self.filter_field else None,
            "date_range": [self.date_from, self.date_to] if self.date_from or self.date_to else None,
        }

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        """What makes two queries the same search for a cache: words and filter."""
        return (self.text, self.filter_field, self.filter_value)

    def params(self, vocabularies: Vocabularies) -> dict[str, list[str]]:
        """The query string a visitor's browser would send to `/api/search`.
        A filter is given as the value a facet link carries (a theme label,
        a programme slug, a country code), resolved from its display name
        with `vocabularies`; a name they do not know is sent as it is."""
        params = {"q": [self.text]}
        if self.filter_field and self.filter_value:
            facet = BY_NAME[FILTER_FACETS[self.filter_field]]
            params[facet.name] = [facet.resolve_typed(vocabularies, self.filter_value) or self.filter_value]
        if self.date_from:
            params["from"] = [self.date_from]
        if self.date_to:
            params["to"] = [self.date_to]
        return params

    def url(self, vocabularies: Vocabularies) -> str:
        return "/api/search?" + urllib.parse.urlencode(self.params(vocabularies), doseq=True)


@dataclasses.dataclass(frozen=True)
class Corpus:
    items: int
    pages: Path  # one text page per year
    jsonl: Path  # the same items, one JSON object a line
    timed: list[Query]
    warmup: list[Query]  # none with a timed query's words and filter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the corpus and the query logs."""
    parser.add_argument("--items", type=int, default=20000, help="items in the corpus")
    parser.add_argument("--queries", type=int, default=300, help="queries in the timed log")
    parser.add_argument("--warmup-queries", type=int, default=500, help="queries in the warm-up log, before dropping")
    parser.add_argument("--query-seed", type=int, default=101, help="seed of the timed log")
    parser.add_argument("--warmup-seed", type=int, default=202, help="seed of the warm-up log")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsearch-bench"), help="corpora, indexes, venv")
    parser.add_argument("--make-corpus", type=Path, default=DEFAULT_MAKE_CORPUS, help="the corpus generator")


def prepare_from(args: argparse.Namespace) -> tuple[Path, Corpus]:
    """The work directory (made if missing) and the corpus that the options
    of `add_arguments` choose."""
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir, prepare(
        args.make_corpus.resolve(),
        workdir,
        args.items,
        args.queries,
        args.warmup_queries,
        args.query_seed,
        args.warmup_seed,
    )


def prepare(
    make_corpus: Path,
    workdir: Path,
    items: int,
    queries: int,
    warmup_queries: int,
    query_seed: int,
    warmup_seed: int,
) -> Corpus:
    """The corpus of `items` items and the two query logs, generated into
    `workdir` unless they are there already."""
    if query_seed == warmup_seed:
        raise ValueError("the timed and warm-up query logs need different seeds")
    digest = hashlib.sha256(make_corpus.read_bytes()).hexdigest()[:8]
    folder = workdir / f"corpus-{items}-{digest}"
    if not folder.is_dir():
        print(f"generating {items} items into {folder}", file=sys.stderr, flush=True)
        partial = workdir / f".{folder.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        _generate(make_corpus, str(items), "--pages", str(partial / "pages"), "--out", str(partial / "corpus.jsonl"))
        os.replace(partial, folder)
    sample = min(items, QUERY_SAMPLE)
    timed = _query_log(make_corpus, workdir, digest, query_seed, queries, sample)
    seen = {query.key for query in timed}
    warmup = _query_log(make_corpus, workdir, digest, warmup_seed, warmup_queries, sample)
    return Corpus(items, folder / "pages", folder / "corpus.jsonl", timed, [q for q in warmup if q.key not in seen])


def write_log(queries: Sequence[Query], path: Path) -> None:
    """Queries as the generator writes them, for a process that reads them back."""
    path.write_text("".join(json.dumps(q.to_record(), ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")


def read_log(path: Path) -> list[Query]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Query.from_record(json.loads(line)) for line in lines if line.strip()]


def read_items(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _query_log(make_corpus: Path, workdir: Path, digest: str, seed: int, count: int, sample: int) -> list[Query]:
    path = workdir / f"queries-{digest}-seed{seed}-n{count}-sample{sample}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        _generate(
            make_corpus,
            "0",
            "--queries",
            str(partial),
            "--query-seed",
            str(seed),
            "--n-queries",
            str(count),
            "--query-sample",
            str(sample),
        )
        os.replace(partial, path)
    return read_log(path)


def _generate(make_corpus: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(make_corpus), *args], check=True, stdout=subprocess.DEVNULL)
