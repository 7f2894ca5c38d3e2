"""Matching over cached postings agrees with Whoosh's own matchers."""

import random

import numpy as np
import pytest
from whoosh import query

from indexer.build.analysis import TOKEN, index_term
from indexer.build.schema import BODY, TITLE
from indexer.search.engine import Catalog
from indexer.search.matching import MAX_EXPANSIONS, MAX_PATTERNS, MAX_SLOP, MAX_WORDS, Cost
from indexer.search.postings import POSITION_STRIDE


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


@pytest.fixture
def index(shaped_store):
    return Catalog(shaped_store).current()


def test_phrases_match_what_whoosh_matches(index, corpus_items):
    tried = phrases(corpus_items)
    matched = 0
    for phrase in tried:
        expected = whoosh_mask(index, phrase) & index.facets.live
        assert np.array_equal(index.matcher.matching(phrase, Cost.starting_now(60)), expected), phrase
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


@pytest.mark.parametrize("slop", [2, 3, 5, MAX_SLOP])
def test_sloppy_phrases_match_what_whoosh_matches(index, corpus_items, slop):
    tried = [query.Phrase(p.fieldname, p.words, slop=slop) for p in phrases(corpus_items, seed=slop)]
    for phrase in tried:
        expected = whoosh_mask(index, phrase) & index.facets.live
        assert np.array_equal(index.matcher.matching(phrase, Cost.starting_now(60)), expected), phrase


def test_more_slop_is_searched_as_the_most_allowed(index):
    cost = Cost.starting_now(60)
    wide = index.matcher.matching(query.Phrase(BODY, ["drug", "traffick"], slop=50), cost)
    capped = whoosh_mask(index, query.Phrase(BODY, ["drug", "traffick"], slop=MAX_SLOP)) & index.facets.live
    assert np.array_equal(wide, capped)
    assert cost.notices == [f"Words of a phrase may be at most {MAX_SLOP} apart; `~50` was searched as `~{MAX_SLOP}`."]


@pytest.mark.parametrize(
    "pattern",
    [
        query.Prefix(BODY, "traff"),
        query.Prefix(TITLE, "eu"),
        query.Prefix(BODY, "zzz"),
        query.Wildcard(BODY, "tr?ff?ck*"),
        query.Wildcard(BODY, "c?ntain*"),
        query.Wildcard(TITLE, "*"),
    ],
)
def test_prefixes_and_wildcards_within_the_cap_match_what_whoosh_matches(index, pattern):
    assert (
        len(
            index.matcher.expand(
                pattern.fieldname, pattern.text, isinstance(pattern, query.Prefix), Cost.starting_now(60)
            )
        )
        <= MAX_EXPANSIONS
        or pattern.text == "*"
    )
    if pattern.text == "*":
        return
    cost = Cost.starting_now(60)
    assert np.array_equal(index.matcher.matching(pattern, cost), whoosh_mask(index, pattern) & index.facets.live)
    assert cost.notices == []


def test_a_prefix_past_the_cap_keeps_its_most_frequent_terms_and_says_so(index):
    cost = Cost.starting_now(60)
    terms = index.matcher.expand(BODY, "co", True, cost)
    everything = list(index.postings.starting_with(BODY, "co"))
    assert len(everything) > MAX_EXPANSIONS and len(terms) == MAX_EXPANSIONS
    reader = index.searcher.reader()
    frequencies = sorted((reader.doc_frequency(BODY, t) for t in everything), reverse=True)
    assert sorted((reader.doc_frequency(BODY, t) for t in terms), reverse=True) == frequencies[:MAX_EXPANSIONS]
    assert cost.notices == [f"`co*` stands for many words; only its {MAX_EXPANSIONS} most frequent were searched."]
    found = index.matcher.matching(query.Prefix(BODY, "co"), Cost.starting_now(60))
    assert not (found & ~whoosh_mask(index, query.Prefix(BODY, "co"))).any()


def test_patterns_words_and_time_are_capped(index):
    cost = Cost.starting_now(60)
    patterns = [query.Prefix(BODY, prefix) for prefix in ("dr", "tr", "co", "pr", "in", "de")]
    index.matcher.matching(query.Or(patterns), cost)
    assert sum(cost.patterns.values()) == MAX_PATTERNS
    assert f"Only {MAX_PATTERNS} wildcards are searched in one query; `in` was left out." in cost.notices
    cost = Cost.starting_now(60)
    words = [query.Term(BODY, f"word{i}") for i in range(MAX_WORDS + 10)]
    index.matcher.matching(query.Or(words), cost)
    assert len(cost.words) == MAX_WORDS
    assert cost.notices == [f"The query has more than {MAX_WORDS} words; only the first {MAX_WORDS} were searched."]
    # Past the deadline, words are still searched; wildcards and phrases are not.
    late = Cost.starting_now(-1)
    assert index.matcher.matching(query.Term(BODY, "drug"), late).any() and not late.partial
    assert not index.matcher.matching(query.Prefix(BODY, "dr"), late).any()
    assert not index.matcher.matching(query.Phrase(BODY, ["drug", "traffick"]), late).any()
    assert late.partial and late.notices == ["The search took too long and stopped early; results may be missing."]


def test_a_phrase_longer_than_the_word_cap_is_searched_as_the_words_that_fit(index, corpus_items):
    words = terms_of(corpus_items[10].body)[: MAX_WORDS * 2]
    assert len(set(words)) > MAX_WORDS
    seen: set[str] = set()
    fits = []  # the words up to the first that would be one distinct word too many
    for word in words:
        if word not in seen and len(seen) == MAX_WORDS:
            break
        seen.add(word)
        fits.append(word)
    cost = Cost.starting_now(60)
    found = index.matcher.matching(query.Phrase(BODY, words), cost)
    expected = whoosh_mask(index, query.Phrase(BODY, fits)) & index.facets.live
    assert found.any() and np.array_equal(found, expected)
    assert cost.notices == [f"The query has more than {MAX_WORDS} words; only the first {MAX_WORDS} were searched."]
