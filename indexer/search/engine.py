"""The one search function: a request in, a plain result dict out.

The HTML page, the JSON API, the feeds and the CLI all render what
`search()` returns; none of them searches on its own.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import logging
import math
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh.index import Index

from indexer.build.renames import read_redirects
from indexer.build.schema import BODY, DATA, ID, TITLE
from indexer.build.store import IndexStore
from indexer.curation import NO_RULES, Rules
from indexer.facets.countries import country_words
from indexer.facets.registry import BY_NAME, FACETS, NAMES
from indexer.facets.vocabulary import Vocabularies
from indexer.search import ranking
from indexer.search.facetcounts import FacetIndex, read_facet_index
from indexer.search.highlight import highlight_title, snippet
from indexer.search.matching import DEFAULT_DEADLINE, Cost, Matcher
from indexer.search.postings import Postings
from indexer.search.query import ParsedQuery, parse_user_query, plain_words
from indexer.search.request import SearchRequest
from indexer.search.spelling import Speller

log = logging.getLogger(__name__)

# Decoded stored items kept per index version (immutable within a version).
STORED_ITEMS_CACHED = 512


class SearchIndex:
    """One open version of the index, with what is derived from it once."""

    def __init__(self, version: str, index: Index, manifest: dict, folder: Path, vocabularies: Vocabularies):
        self.version = version
        self.index = index
        self.manifest = manifest
        # The version's directory, with what is written beside the index (word list, phrases).
        self.folder = folder
        # The vocabularies this version was built with: filters, labels and
        # the facet values a query names are resolved with these.
        self.vocabularies = vocabularies
        self._labels: dict[str, list[str]] = {}
        self._stored_item = functools.lru_cache(maxsize=STORED_ITEMS_CACHED)(self._read_stored_item)
        # One Whoosh searcher per version, shared by the threads of a worker:
        # its readers are not safe to share, so everything read through it
        # holds `reading` (searches read the flat postings, without it).
        self.searcher = index.searcher()
        self.reading = threading.Lock()
        # Closed by close(), or when the version is dropped without it.
        self._close = weakref.finalize(self, self.searcher.close)
        self.facets: FacetIndex = read_facet_index(self.searcher.reader())
        self.speller = Speller.read(folder, country_words(vocabularies))
        # Ids items had before a title edit -> their ids now.
        self.redirects = read_redirects(folder)
        self.postings = Postings(index, self.facets.size)
        self.matcher = Matcher(self.searcher, self.postings, self.facets.live, self.reading)
        self.bm25 = ranking.BM25F(self.searcher, self.postings)

    def labels(self, name: str) -> list[str]:
        """Display labels of a facet's values, in column order; computed once."""
        if name not in self._labels:
            self._labels[name] = [self.label(name, value) for value in self.facets.facets[name].values]
        return self._labels[name]

    def label(self, name: str, value: str) -> str:
        return BY_NAME[name].label_of(self.vocabularies, value)

    def stored_item(self, docnum: int) -> dict:
        """An item as stored; callers must not change it (it is cached, so the
        proximity pass and the result rendering decode it once)."""
        return self._stored_item(docnum)

    def _read_stored_item(self, docnum: int) -> dict:
        with self.reading:
            data = self.searcher.reader().stored_fields(docnum)[DATA]
        return json.loads(data)

    def docnum(self, item_id: str) -> int | None:
        with self.reading:
            return self.searcher.document_number(**{ID: item_id})

    def close(self) -> None:
        with self.reading:
            self._close()  # once: a finalizer runs at most once


class Catalog:
    """The serving index as the web app sees it: reopened on the first
    request after a build or update swaps in a new version."""

    def __init__(self, store: IndexStore):
        self.store = store
        self._lock = threading.Lock()
        self._open: dict[str, SearchIndex] = {}

    def current(self) -> SearchIndex:
        version = self.store.current_version()
        opened = self._open.get(version) if version else None
        if opened is not None:
            return opened
        with self._lock:
            version, index = self.store.open()
            if version not in self._open:
                self._open[version] = SearchIndex(
                    version,
                    index,
                    self.store.manifest(version),
                    self.store.version_path(version),
                    self.store.vocabularies(version),
                )
                log.info("now serving index %s (%d documents)", version, index.doc_count())
                # Keep the previous version open for requests still using it.
                for old in list(self._open)[:-2]:
                    self._open.pop(old).close()
            return self._open[version]


def search(
    index: SearchIndex, request: SearchRequest, deadline: float = DEFAULT_DEADLINE, rules: Rules = NO_RULES
) -> dict:
    """Search one index version with the editors' `rules` (best bets,
    synonyms). Past `deadline` seconds of matching, no more wildcards are
    expanded nor phrases matched, and the answer is marked `partial`."""
    started = time.perf_counter()
    parsed = parse_user_query(request.q, index.vocabularies, rules.synonyms) if request.q.strip() else None
    cost = Cost.starting_now(deadline)
    pins = _pins(index, request, parsed, rules)
    result = _run(index, request, parsed, cost, pins)
    suggestion = index.speller.suggest(request.q, parsed.spelled_words) if parsed and not parsed.is_empty else None
    if suggestion:
        result["suggestion"] = {"q": suggestion.q, "searched": False}
    # A confident correction is searched straight away when it finds more
    # than the words as typed, unless the request asks for them as typed.
    # Only for a cheap query: a costly one (wildcards, a cap or the deadline
    # hit) never runs twice.
    if suggestion and suggestion.confident and request.autocorrect and not cost.patterns and not cost.notices:
        corrected = _run(index, request, parse_user_query(suggestion.q, index.vocabularies, rules.synonyms), cost, pins)
        if (corrected["total_all_words"], corrected["total"]) > (result["total_all_words"], result["total"]):
            corrected["suggestion"] = {"q": suggestion.q, "searched": True}
            result = corrected
    result["partial"] = cost.partial
    result["query"] = request.echo()
    result["index_version"] = index.version
    result["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def _pins(index: SearchIndex, request: SearchRequest, parsed: ParsedQuery | None, rules: Rules) -> list[int]:
    """The documents an editor's best bet pins first for this search: by
    relevance, with words; ids no longer in the index are left out."""
    if not rules.best_bets or parsed is None or parsed.is_empty or request.effective_sort != "relevance":
        return []
    ids = rules.best_bets.items_for(request.q, dt.datetime.now(dt.UTC).date())
    return [docnum for docnum in map(index.docnum, ids) if docnum is not None and index.facets.live[docnum]]


def _pinned_and_others(pins: list[int], matching: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The pinned documents a search finds, in their order, and the mask of
    the others it finds."""
    pinned = [docnum for docnum in pins if matching[docnum]]
    if not pinned:
        return [], matching
    others = matching.copy()
    others[pinned] = False
    return pinned, others


def _run(index: SearchIndex, request: SearchRequest, parsed: ParsedQuery | None, cost: Cost, pins: list[int]) -> dict:
    fi = index.facets
    notices = list(parsed.notices) if parsed else []
    text_mask, strict_mask, filter_masks, date_mask = _masks(index, request, parsed, cost, pins)
    if parsed is not None and not parsed.is_empty:
        notices += cost.notices
    matching = text_mask & date_mask
    for mask in filter_masks.values():
        matching &= mask

    facet_results = {name: _facet_counts(index, name, text_mask & date_mask, filter_masks, request) for name in NAMES}

    total = int(matching.sum())
    strict_total = int((matching & strict_mask).sum())
    pages = max(1, math.ceil(total / request.per_page))
    first = (request.page - 1) * request.per_page
    sort = (
        request.effective_sort
        if parsed and not parsed.is_empty
        else ("newest" if request.sort == "relevance" else request.sort)
    )

    hits: list[tuple[int, float | None]]
    pinned, others = _pinned_and_others(pins, matching)
    if sort == "relevance" and parsed is not None:
        # The pinned documents first, then the others as ranked.
        hits = [(docnum, None) for docnum in pinned[first : first + request.per_page]]
        wanted = request.per_page - len(hits)
        if wanted:
            start = max(0, first - len(pinned))
            hits += ranking.rank(index, parsed, others, strict_mask, start + wanted, cost)[start:]
    else:
        ordered = fi.order_by_date(np.flatnonzero(matching), newest_first=(sort == "newest"))
        hits = [(int(d), None) for d in ordered[first : first + request.per_page]]

    if parsed and not parsed.is_empty and total and strict_total == 0 and parsed.has_several_terms:
        notices.append("No item matches all of the words; showing items that match some of them.")

    # Like a facet, the histogram leaves out its own (date) filter, so its
    # bars still offer the other months once one is chosen.
    undated = text_mask.copy()
    for mask in filter_masks.values():
        undated &= mask
    histogram = [{"period": period, "count": count} for period, count in fi.month_counts(np.flatnonzero(undated))]
    highlighter = _Highlighter(parsed)
    results = [_result(index, docnum, score, highlighter, docnum in pinned) for docnum, score in hits]
    return {
        "total": total,
        "total_all_words": strict_total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": pages,
        "sort": sort,
        "results": results,
        "facets": facet_results,
        "histogram": histogram,
        "suggestion": None,
        "notice": " ".join(notices) or None,
    }


def _facet_counts(
    index: SearchIndex, name: str, base: np.ndarray, filter_masks: dict[str, np.ndarray], request: SearchRequest
) -> list[dict]:
    """Counts with every filter applied except this facet's own, so the
    values beside a selected one stay visible (disjunctive faceting)."""
    mask = base.copy()
    for other, other_mask in filter_masks.items():
        if other != name:
            mask &= other_mask
    column = index.facets.facets[name]
    labels = index.labels(name)
    counts = column.counts(mask)
    selected = request.filters.get(name, ())
    entries = {column.values[j]: (labels[j], int(counts[j])) for j in np.flatnonzero(counts)}
    for value in selected:
        entries.setdefault(value, (index.label(name, value), 0))
    if BY_NAME[name].by_value:
        order = sorted(entries, reverse=True)
    else:
        order = sorted(entries, key=lambda value: (-entries[value][1], entries[value][0].lower()))
    return [
        {"value": value, "label": entries[value][0], "count": entries[value][1], "selected": value in selected}
        for value in order
    ]


def all_facet_values(index: SearchIndex) -> dict:
    """Every facet value with its count over the whole index."""
    empty = SearchRequest()
    return {name: _facet_counts(index, name, index.facets.live, {}, empty) for name in NAMES}


# The orders of the latest searches read by position (a program paging by
# cursor, an export), kept per worker so that a deep page costs what the
# first one does.
ORDERS_CACHED = 8


class Order(NamedTuple):
    """Every document a search found, in the order of its results."""

    docnums: np.ndarray
    scores: np.ndarray | None  # None when sorted by date
    parsed: ParsedQuery | None  # the words searched (a correction, when one was searched)
    partial: bool  # the order ran out of time
    pinned: int = 0  # how many of the first are an editor's best bets


_orders: collections.OrderedDict[tuple, Order] = collections.OrderedDict()
_orders_lock = threading.Lock()


def result_order(
    index: SearchIndex,
    request: SearchRequest,
    result: dict,
    deadline: float = DEFAULT_DEADLINE,
    rules: Rules = NO_RULES,
) -> Order:
    """The order of every result of `search(index, request, rules=rules)`
    (which answered `result`) over all its pages: the words it searched, a
    correction if it searched one, ranked or sorted as it did."""
    suggestion = result["suggestion"]
    q = suggestion["q"] if suggestion and suggestion["searched"] else request.q
    filters = tuple(sorted((name, tuple(values)) for name, values in request.filters.items() if values))
    key = (index.version, rules.version, request.q, q, filters, request.date_from, request.date_to, result["sort"])
    with _orders_lock:
        if key in _orders:
            _orders.move_to_end(key)
            return _orders[key]
    parsed = parse_user_query(q, index.vocabularies, rules.synonyms) if q.strip() else None
    cost = Cost.starting_now(deadline)
    pins = _pins(index, request, parsed, rules)
    matching, strict_mask = _matching(index, request, parsed, cost, pins)
    if result["sort"] == "relevance" and parsed is not None:
        pinned, others = _pinned_and_others(pins, matching)
        hits = ranking.rank(index, parsed, others, strict_mask, int(others.sum()), cost)
        docnums = np.array(pinned + [docnum for docnum, _ in hits], dtype=np.int64)
        scores = np.array([np.nan] * len(pinned) + [score for _, score in hits], dtype=np.float64)
        order = Order(docnums, scores, parsed, cost.partial, len(pinned))
    else:
        docnums = index.facets.order_by_date(np.flatnonzero(matching), newest_first=result["sort"] == "newest")
        order = Order(docnums, None, parsed, cost.partial)
    if not order.partial:
        with _orders_lock:
            _orders[key] = order
            while len(_orders) > ORDERS_CACHED:
                _orders.popitem(last=False)
    return order


def _masks(
    index: SearchIndex, request: SearchRequest, parsed: ParsedQuery | None, cost: Cost, pins: list[int]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """What a search's words match (loosely, and with every word; a pinned
    document matches them as if it held them), each facet filter's
    documents, and the date range's."""
    fi = index.facets
    if parsed is None or parsed.is_empty:
        text_mask = fi.live.copy()
        strict_mask = text_mask
    else:
        text_mask = index.matcher.matching(parsed.loose, cost)
        strict_mask = index.matcher.matching(parsed.strict, cost) & text_mask
        text_mask[pins] = strict_mask[pins] = True
    filter_masks = {
        name: fi.facets[name].documents_with_any(values, fi.size) for name, values in request.filters.items() if values
    }
    return text_mask, strict_mask, filter_masks, fi.dates_overlapping(request.date_from, request.date_to)


def _matching(
    index: SearchIndex, request: SearchRequest, parsed: ParsedQuery | None, cost: Cost, pins: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The documents `_run` finds for `request` and `parsed`, and the mask
    of those matching every word."""
    text_mask, strict_mask, filter_masks, date_mask = _masks(index, request, parsed, cost, pins)
    matching = text_mask & date_mask
    for mask in filter_masks.values():
        matching &= mask
    return matching, strict_mask


def results_in_order(
    index: SearchIndex, order: Order, start: int = 0, stop: int | None = None, bodies: bool = False
) -> Iterator[dict]:
    """The results of `order` from position `start` to `stop` as `search()`
    gives them, read one at a time; with `bodies`, with the item's body."""
    highlighter = _Highlighter(order.parsed)
    for position in range(len(order.docnums))[start:stop]:
        docnum = int(order.docnums[position])
        pinned = position < order.pinned
        score = None if order.scores is None or pinned else float(order.scores[position])
        hit = _result(index, docnum, score, highlighter, pinned)
        if bodies:
            hit["body"] = index.stored_item(docnum)["body"]
        yield hit


def get_item(index: SearchIndex, item_id: str) -> dict | None:
    docnum = index.docnum(item_id)
    if docnum is None:
        return None
    item = dict(index.stored_item(docnum))
    item["related"] = related_items(index, docnum, item)
    return item


def related_items(index: SearchIndex, docnum: int, item: dict) -> list[dict]:
    return [_summary(index.stored_item(other)) for other in ranking.related(index, docnum, item)]


def _summary(item: dict) -> dict:
    return {key: item[key] for key in ("id", "title", "date_start", "date_end")}


def _result(index: SearchIndex, docnum: int, score: float | None, highlighter: _Highlighter, pinned: bool) -> dict:
    item = index.stored_item(docnum)
    return {
        "id": item["id"],
        "title": item["title"],
        "title_html": highlighter.title(item["title"]),
        "date_start": item["date_start"],
        "date_end": item["date_end"],
        "date_raw": item["date_raw"],
        "snippet": highlighter.snippet(item["body"]),
        **{facet.item_key: item.get(facet.item_key, []) for facet in FACETS if facet.item_key},
        "source": item["source"],
        "score": score,
        # Shown first by an editor's best bet for these words.
        "pinned": pinned,
    }


class _Highlighter:
    """Marks the words of the query's title and body terms in a result."""

    def __init__(self, parsed: ParsedQuery | None):
        terms = set()
        if parsed and not parsed.is_empty:
            terms = {
                text
                for field, text in parsed.loose.iter_all_terms()
                if field in (TITLE, BODY) and isinstance(text, str)
            }
        self.terms = frozenset(terms)

    def title(self, title: str) -> str:
        return highlight_title(title, self.terms)

    def snippet(self, body: str) -> str:
        return snippet(body, self.terms)


def suggest(index: SearchIndex, text: str) -> str | None:
    """The "did you mean" of `text` (`trafficing` -> `trafficking`); None
    when every word is known or nothing is likely meant instead."""
    suggestion = index.speller.suggest(text, plain_words(text))
    return suggestion.q if suggestion else None
