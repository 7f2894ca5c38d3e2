"""The synthetic corpus generator behind the benchmarks (`bench/synthetic.py`)."""

import collections
import sys
from pathlib import Path

import pytest

# bench/ is not part of the installed package: import it from the checkout.
_CHECKOUT = str(Path(__file__).resolve().parents[1])
if _CHECKOUT not in sys.path:
    sys.path.insert(0, _CHECKOUT)

from bench.synthetic import FIRST_DAY, LAST_DAY, generate_items, text_page  # noqa: E402
from indexer.facets.registry import BY_NAME  # noqa: E402
from indexer.facets.themes import theme_labels  # noqa: E402
from indexer.facets.vocabulary import Vocabularies  # noqa: E402
from indexer.ingest.sources import load_items  # noqa: E402

N = 300


@pytest.fixture(scope="module")
def items():
    return generate_items(N, seed=1)


def _text_fields(item):
    return (
        item.id,
        item.date_start,
        item.date_end,
        item.date_raw,
        item.date_precision,
        item.title,
        item.body,
        item.source,
        item.image_credit,
    )


def test_same_seed_same_items(items):
    assert generate_items(N, seed=1) == items


def test_other_seed_other_items(items):
    assert [i.id for i in generate_items(N, seed=2)] != [i.id for i in items]


def test_n_items_with_unique_ids(items):
    assert len(items) == N
    assert len({item.id for item in items}) == N


def test_facets_come_from_the_real_vocabularies(items):
    vocabularies = Vocabularies.bundled()
    labels = set(theme_labels(vocabularies))
    for item in items:
        assert 1 <= len(item.themes) <= 4 and set(item.themes) <= labels
        for programme in item.programmes:
            assert BY_NAME["programme"].resolve_typed(vocabularies, programme.value) == programme.value
            assert BY_NAME["programme"].label_of(vocabularies, programme.value) == programme.name
        for country in item.countries:
            assert BY_NAME["country"].resolve_typed(vocabularies, country.code) == country.code
            assert country.role in ("primary", "mentioned")
        for region in item.regions:
            assert BY_NAME["region"].resolve_typed(vocabularies, region.value) == region.value
        for organisation in item.organisations:
            assert BY_NAME["organisation"].resolve_typed(vocabularies, organisation.value) == organisation.value


def test_country_facet_has_a_long_tail(items, corpus_items):
    def distinct(corpus):
        return len({c.code for item in corpus for c in item.countries})

    assert distinct(items) > 2 * distinct(corpus_items)


def test_dates_spread_over_the_years_in_every_form(items):
    for item in items:
        assert FIRST_DAY <= item.date_start <= item.date_end <= LAST_DAY
    assert {item.date_start.year for item in items} == set(range(FIRST_DAY.year, LAST_DAY.year + 1))
    kinds = collections.Counter(
        "month" if item.date_precision == "month" else "range" if item.date_end > item.date_start else "day"
        for item in items
    )
    assert kinds["day"] > kinds["range"] > kinds["month"] > 0
    assert any("." in item.date_raw for item in items) and any(" 20" in item.date_raw for item in items)


def test_text_comes_from_the_real_vocabulary(items, corpus_items):
    real = {word for item in corpus_items for word in item.body.split()}
    words = [word for item in items for word in item.body.split()]
    known = sum(word in real for word in words) / len(words)
    # Most words are the corpus's own; a few are new names (Heaps' law).
    assert 0.95 < known < 1.0


def test_text_page_reads_back_as_the_same_items(items, tmp_path):
    page = tmp_path / "synthetic.txt"
    page.write_text(text_page(items), encoding="utf-8")
    assert [_text_fields(i) for i in load_items([str(page)])] == [_text_fields(i) for i in items]
