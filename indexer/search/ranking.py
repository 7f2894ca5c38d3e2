"""Ranking, with every constant that decides an order in one place.

A result's score is BM25F over its title and body, plus a boost for each
facet value the query names that the item is tagged with; the leading
results are then lifted for the query's words standing close together.
Items matching every word of the query always come before items matching
only some (the all-words tier), whatever their scores.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.build.schema import BODY, TITLE
from indexer.search.highlight import proximity
from indexer.search.postings import Postings

if TYPE_CHECKING:
    from indexer.search.engine import SearchIndex
    from indexer.search.matching import Cost
    from indexer.search.query import ParsedQuery

# BM25F: term frequency saturation, and how much each field's length
# matters (a title is short, so its length matters less).
K1 = 1.2
FIELD_B = {TITLE: 0.3, BODY: 0.75}
# What one occurrence of a word counts for in each field, before saturation:
# titles are short and say what an item is about.
FIELD_WEIGHT = {TITLE: 2.5, BODY: 1.0}

# How much a query naming a facet value an item is tagged with lifts it (an
# item about Pakistan above one that mentions Pakistan in passing), in units
# of FACET_BOOST_UNIT. A country counts only where it is a primary country.
FACET_BOOSTS = {"country": 3.0, "programme": 2.0, "theme": 1.5, "region": 1.0, "organisation": 1.0}
# What a facet boost of 1.0 adds to a BM25F score: a few matching words, so an
# item about the country, programme or theme a query names comes first.
FACET_BOOST_UNIT = 8.0

# How many leading results are re-ranked for proximity, by how much at most,
# and how much more words close together in the title count than in the body.
PROXIMITY_DEPTH = 10
PROXIMITY_BONUS = 2.0
TITLE_PROXIMITY_WEIGHT = 1.5

# Related items: Whoosh's key terms of an item's title (counted this many
# times) and body, matched by BM25F.
RELATED_ITEMS = 5
RELATED_KEY_TERMS = 12
RELATED_TITLE_REPEATS = 2


class BM25F:
    """BM25F over the title and body, from cached postings and per-document
    field lengths read once per index version: each field's frequencies are
    weighted by FIELD_WEIGHT and saturated, and the fields' scores added."""

    def __init__(self, searcher: Searcher, postings: Postings):
        self.postings = postings
        reader = searcher.reader()
        self.documents = max(reader.doc_count(), 1)
        size = postings.size
        self.lengths = {
            field: np.array([reader.doc_field_length(d, field, 0) for d in range(size)], dtype=np.float32)
            for field in FIELD_B
        }
        self.average = {field: max(float(lengths.mean()), 1.0) for field, lengths in self.lengths.items()}

    def scores(self, terms: list[tuple[str, str, float]]) -> np.ndarray:
        """Each (field, term, boost) adds its BM25 weight to the documents
        containing it."""
        total = np.zeros(self.postings.size, dtype=np.float32)
        for field, text, boost in terms:
            if field not in FIELD_B:
                continue
            ids, frequencies = self.postings.get(field, text)
            if not len(ids):
                continue
            idf = math.log(1 + (self.documents - len(ids) + 0.5) / (len(ids) + 0.5))
            b = FIELD_B[field]
            norm = 1 - b + b * self.lengths[field][ids] / self.average[field]
            weighted = FIELD_WEIGHT[field] * frequencies
            total[ids] += (boost * idf) * weighted * (K1 + 1) / (weighted + K1 * norm)
        return total


def scoring_terms(q: query.Query) -> list[tuple[str, str, float]]:
    """The (field, term, boost) a query scores by: its positive terms,
    phrases counted by their words, negated parts left out."""
    found: list[tuple[str, str, float]] = []

    def walk(node: query.Query, boost: float) -> None:
        boost *= getattr(node, "boost", 1.0)
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a, boost)
            return
        if isinstance(node, query.Term):
            found.append((node.fieldname, node.text, boost))
        elif isinstance(node, query.Phrase):
            found.extend((node.fieldname, word, boost) for word in node.words)
        elif node.is_leaf():
            return
        for child in node.children():
            walk(child, boost)

    walk(q, 1.0)
    return list(dict.fromkeys(found))


def rank(
    index: SearchIndex, parsed: ParsedQuery, matching: np.ndarray, strict_mask: np.ndarray, limit: int, cost: Cost
) -> list[tuple[int, float]]:
    """Items matching every word first, then items matching some; each group
    ranked by BM25F plus the boosts for a facet value the query names, and
    the top of it re-ranked for the query's words standing close together.
    Only the words the search's `cost` admitted are scored."""
    candidates = np.flatnonzero(matching)
    terms = [term for term in scoring_terms(parsed.loose) if term[1] in cost.words]
    scores = index.bm25.scores(terms)[candidates]
    for boost in parsed.boosts:
        scores += FACET_BOOST_UNIT * boost.boost * index.postings.mask(boost.fieldname, boost.text)[candidates]
    all_words = strict_mask[candidates]
    order = np.lexsort((candidates, -scores, ~all_words))
    top = [(int(candidates[i]), float(scores[i])) for i in order[: max(limit, PROXIMITY_DEPTH)]]
    if parsed.proximity_terms:
        top = _lift_by_proximity(index, top, parsed.proximity_terms, strict_mask)
    return [(docnum, round(score, 4)) for docnum, score in top[:limit]]


def _lift_by_proximity(
    index: SearchIndex, top: list[tuple[int, float]], terms: frozenset[str], strict_mask: np.ndarray
) -> list[tuple[int, float]]:
    """Lift the leading results whose title or body has the query's words
    close together, keeping all-word matches above the others."""
    lifted = []
    for position, (docnum, score) in enumerate(top):
        if position < PROXIMITY_DEPTH:
            item = index.stored_item(docnum)
            score += PROXIMITY_BONUS * max(
                proximity(item["title"], terms) * TITLE_PROXIMITY_WEIGHT, proximity(item["body"], terms)
            )
        lifted.append((docnum, score))
    return sorted(lifted, key=lambda hit: (not strict_mask[hit[0]], -hit[1], hit[0]))


def related(index: SearchIndex, docnum: int, item: dict) -> list[int]:
    """More like this: the documents sharing the most distinctive words of
    this one (Whoosh's key terms of its title and body), by BM25F."""
    text = "\n".join([item["title"]] * RELATED_TITLE_REPEATS + [item["body"]])
    with index.reading:
        key_terms = index.searcher.key_terms_from_text(BODY, text, numterms=RELATED_KEY_TERMS)
    scores = index.bm25.scores([(BODY, term, weight) for term, weight in key_terms])
    scores[docnum] = 0
    candidates = np.flatnonzero((scores > 0) & index.facets.live)
    order = np.lexsort((candidates, -scores[candidates]))[:RELATED_ITEMS]
    return [int(candidates[i]) for i in order]
