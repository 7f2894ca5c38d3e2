"""Matching over cached postings agrees with Whoosh's own matchers."""

import random

import numpy as np
import pytest
from whoosh import query

from indexer.build import writer as writer_module
from indexer.build.analysis import TOKEN, index_term
from indexer.build.schema import BODY, TITLE
from indexer.build.store import IndexStore
from indexer.search.engine import Catalog
from indexer.search.postings import POSITION_STRIDE, ArrayCache


def terms_of(text: str) -> list[str]:
    return [term for term in map(index_term, TOKEN.findall(text)) if term is not None]


def phrases(items, seed: int = 3) -> list[query.Phrase]:
    """Phrases that occur (windows of an item's words), phrases whose words
    all occur but apart, and a phrase with a repeated word."""
    rng = random.Random(seed)
    found = []
    for item in items:
        for field, text in ((TITLE, item.title), (BODY, item.body)):
            terms = terms_of(text)
            for _ in range(3):
                length = rng.randint(2, 4)
                if len(terms) > length:
                    start = rng.randrange(len(terms) - length)
                    found.append(query.Phrase(field, terms[start : start + length]))
    vocabulary = sorted({term for item in items for term in terms_of(item.body)})
    found += [query.Phrase(BODY, rng.sample(vocabulary, 2)) for _ in range(100)]
    found += [query.Phrase(BODY, ["drug", "drug"]), query.Phrase(BODY, ["unknownword", "drug"])]
    return found


def whoosh_mask(index, q: query.Query) -> np.ndarray:
    mask = np.zeros(index.facets.size, dtype=bool)
    mask[list(index.searcher.docs_for_query(q))] = True
    return mask


@pytest.fixture(params=["one segment", "three segments", "updated"])
def index(request, tmp_path, corpus_items, monkeypatch):
    store = IndexStore(tmp_path)
    if request.param == "three segments":
        monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 5)
        store.build(corpus_items, processes=3)
    elif request.param == "updated":  # a second segment, and deleted documents in the first
        store.build(corpus_items[:30])
        store.update(corpus_items[5:])
    else:
        store.build(corpus_items)
    return Catalog(store).current()


def test_phrases_match_what_whoosh_matches(index, corpus_items):
    tried = phrases(corpus_items)
    matched = 0
    for phrase in tried:
        expected = whoosh_mask(index, phrase) & index.facets.live
        assert np.array_equal(index.matcher.matching(phrase), expected), phrase
        matched += bool(expected.any())
    assert matched >= len(tried) // 2  # most phrases do occur


def test_positions_are_where_whoosh_reads_them(index):
    reader = index.searcher.reader()
    for term in ("drug", "traffick", "unodc", "european"):
        expected = set()
        matcher = reader.postings(BODY, term)
        while matcher.is_active():
            expected |= {matcher.id() * POSITION_STRIDE + pos for pos in matcher.value_as("positions")}
            matcher.next()
        keys = index.postings.positions(BODY, term)
        assert set(keys.tolist()) == expected and list(keys) == sorted(keys)


def test_a_sloppy_phrase_is_left_to_whoosh(index):
    sloppy = query.Phrase(BODY, ["drug", "traffick"], slop=3)
    assert np.array_equal(index.matcher.matching(sloppy), whoosh_mask(index, sloppy) & index.facets.live)


def test_the_postings_cache_keeps_the_recently_used_within_its_bytes():
    reads = []

    def read(name, size):
        reads.append(name)
        return np.zeros(size, dtype=np.int64)

    cache = ArrayCache(limit=100 * 8)
    cache.get(("a", 40), read)
    cache.get(("b", 40), read)
    cache.get(("a", 40), read)  # cached, and now the most recently used
    cache.get(("c", 40), read)  # over the limit: b goes
    assert cache.bytes <= 100 * 8
    cache.get(("a", 40), read)
    cache.get(("b", 40), read)
    assert reads == ["a", "b", "c", "b"]
    # One array larger than the limit is still cached, alone.
    cache.get(("huge", 500), read)
    cache.get(("huge", 500), read)
    assert reads[-1] == "huge" and reads.count("huge") == 1
