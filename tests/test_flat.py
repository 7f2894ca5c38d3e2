"""Flat postings (`indexer.build.flat`) hold what Whoosh reads, for every
term of every segment: after a build in one or several processes, after an
update with deletions, and for a version written without them."""

import numpy as np
import pytest

from indexer.build.flat import ARRAYS, POSITION_STRIDE, array_path, flat_fields
from indexer.build.store import IndexStore
from indexer.build.whoosh_private import segment_readers
from indexer.search.engine import Catalog, search
from indexer.search.request import SearchRequest


def whoosh_postings(reader, field: str, text: bytes) -> tuple[list[int], list[float], list[int] | None]:
    matcher = reader.postings(field, text)
    positional = reader.schema[field].format.supports("positions")
    docs, weights, positions = [], [], []
    while matcher.is_active():
        docs.append(matcher.id())
        weights.append(matcher.weight())
        if positional:
            positions += [matcher.id() * POSITION_STRIDE + p for p in matcher.value_as("positions")]
        matcher.next()
    return docs, weights, positions if positional else None


def assert_flat_is_whoosh(index) -> None:
    reader = index.searcher.reader()
    terms = 0
    fields = flat_fields(reader.schema)
    for field, text in reader.all_terms():
        if field not in fields:  # numbers and dates: read through Whoosh
            continue
        docs, weights, positions = whoosh_postings(reader, field, text)
        word = text.decode("utf-8")
        found_docs, found_weights = index.postings.get(field, word)
        assert found_docs.tolist() == docs and found_weights.tolist() == pytest.approx(weights), (field, word)
        if positions is not None:
            assert index.postings.positions(field, word).tolist() == positions, (field, word)
        terms += 1
    assert terms > 1000


@pytest.fixture
def store(shaped_store):
    return shaped_store


def test_flat_postings_hold_what_whoosh_reads(store):
    assert_flat_is_whoosh(Catalog(store).current())


def test_every_segment_has_its_flat_postings(store):
    index = Catalog(store).current()
    folder = store.version_path(index.version)
    for segment_id, _, _ in segment_readers(index.index):
        for name in ARRAYS:
            assert array_path(folder, segment_id, name).is_file()


def test_a_version_without_flat_postings_is_read_from_whoosh(store, caplog):
    before = search(Catalog(store).current(), SearchRequest(q='drug "law enforcement"'))
    for path in store.version_path(store.current_version()).glob("*.flat_*.npy"):
        path.unlink()
    index = Catalog(store).current()
    assert "has no flat postings" in caplog.text
    assert_flat_is_whoosh(index)
    after = search(index, SearchRequest(q='drug "law enforcement"'))
    assert [hit["id"] for hit in after["results"]] == [hit["id"] for hit in before["results"]]


def test_flat_postings_of_merged_segments_are_removed_with_them(tmp_path, corpus_items):
    store = IndexStore(tmp_path)
    store.build(corpus_items[:20])
    for end in range(21, 30):  # many small updates: Whoosh merges the small segments
        store.update(corpus_items[:end])
    index = Catalog(store).current()
    folder = store.version_path(index.version)
    live = {segment_id for segment_id, _, _ in segment_readers(index.index)}
    flat = {path.name.split(".")[0] for path in folder.glob("*.flat_*.npy")}
    assert flat == live
    assert_flat_is_whoosh(index)
    assert np.count_nonzero(index.facets.live) == 29
