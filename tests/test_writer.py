"""The index writers write what Whoosh's own writer writes, in one process or several."""

import tomllib
from pathlib import Path

import pytest
import whoosh.index
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import formats

from indexer.build import writer as writer_module
from indexer.build.analysis import text_analyzer
from indexer.build.flat import ARRAYS
from indexer.build.schema import build_schema, item_to_document
from indexer.build.store import IndexStore
from indexer.build.whoosh_private import TESTED_WHOOSH, NewIndexWriter, TextPositions, check_whoosh_version
from indexer.build.writer import write_new_index
from indexer.facets.vocabulary import Vocabularies
from indexer.search.engine import Catalog, search
from indexer.search.request import parse_search_request


def contents(index: whoosh.index.Index) -> dict:
    """Everything a reader sees: every term's statistics and postings with
    their values, stored fields, field lengths and sort columns, by global
    document number."""
    with index.reader() as reader:
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            found = []
            while matcher.is_active():
                found.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            info = reader.term_info(fieldname, text)
            statistics = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
            )
            postings[fieldname, text] = statistics, found
        documents = range(reader.doc_count_all())
        schema = reader.schema
        return {
            "documents": reader.doc_count(),
            "postings": postings,
            "stored": [reader.stored_fields(d) for d in documents],
            "lengths": {
                name: [reader.doc_field_length(d, name) for d in documents] for name in schema.scorable_names()
            },
            "columns": {name: list(reader.column_reader(name)) for name in schema.names() if schema[name].column_type},
        }


def segment_count(index: whoosh.index.Index) -> int:
    with index.reader() as reader:
        return len(reader.leaf_readers())


def new_index(path) -> whoosh.index.Index:
    path.mkdir()
    return whoosh.index.create_in(str(path), build_schema())


@pytest.fixture
def whoosh_written(tmp_path, corpus_items):
    """The corpus written by Whoosh's own SegmentWriter."""
    index = new_index(tmp_path / "whoosh")
    with index.writer() as writer:
        for item in corpus_items:
            writer.add_document(**item_to_document(item))
    return contents(index)


def test_text_positions_encode_what_whoosh_positions_encode(corpus_items):
    analyzer = text_analyzer()
    for item in corpus_items:
        for text in (item.title, item.body):
            assert list(TextPositions(field_boost=2.5).word_values(text, analyzer)) == list(
                formats.Positions(field_boost=2.5).word_values(text, analyzer)
            )


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab.é ’I-\n1Ü"), max_size=60) | st.text(max_size=60))
def test_text_positions_agree_on_any_text(text):
    analyzer = text_analyzer()
    assert list(TextPositions().word_values(text, analyzer)) == list(formats.Positions().word_values(text, analyzer))


def test_new_index_writer_writes_what_segment_writer_writes(tmp_path, corpus_items, whoosh_written):
    index = new_index(tmp_path / "new")
    writer = NewIndexWriter(index)
    for item in corpus_items:
        writer.add_document(**item_to_document(item))
    writer.commit()
    assert contents(index) == whoosh_written


def test_new_index_writer_refuses_an_index_with_documents(tmp_path, corpus_items):
    index = new_index(tmp_path / "ix")
    with index.writer() as writer:
        writer.add_document(**item_to_document(corpus_items[0]))
    with pytest.raises(ValueError, match="empty index"):
        NewIndexWriter(index)


def test_several_processes_write_the_same_documents_in_the_same_order(
    tmp_path, corpus_items, whoosh_written, monkeypatch
):
    monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 5)
    index = new_index(tmp_path / "parallel")
    done = []
    write_new_index(
        index, corpus_items, item_to_document, processes=3, progress=lambda count, total: done.append((count, total))
    )
    assert segment_count(index) == 3
    assert contents(index) == whoosh_written
    assert done[-1] == (len(corpus_items), len(corpus_items))
    assert [count for count, _ in done] == sorted(count for count, _ in done)
    # No temporary files are left: only the table of contents, and each
    # segment's files and flat postings, the same for every segment.
    names = [p.name for p in (tmp_path / "parallel").iterdir() if p.name != "MAIN_WRITELOCK"]
    segments = {name.split(".", 1)[0] for name in names if not name.startswith("_")}
    assert [name for name in names if name.startswith("_")] == ["_MAIN_1.toc"] and len(segments) == 3
    parts = [sorted(name.split(".", 1)[1] for name in names if name.startswith(f"{seg}.")) for seg in segments]
    assert all(part == parts[0] for part in parts)
    assert {f"flat_{array}.npy" for array in ARRAYS} <= set(parts[0])


def test_processes_are_not_started_for_a_small_index(tmp_path, corpus_items):
    index = new_index(tmp_path / "small")
    write_new_index(index, corpus_items, item_to_document, processes=8)
    assert segment_count(index) == 1


def test_searches_agree_whatever_the_number_of_processes(tmp_path, corpus_items, monkeypatch):
    monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 5)
    one, three = IndexStore(tmp_path / "one"), IndexStore(tmp_path / "three")
    one.build(corpus_items, processes=1)
    three.build(corpus_items, processes=3)
    for params in (
        {"q": ["drug trafficking"]},
        {"q": ['"container control"']},
        {"q": ["wildlife OR forest"]},
        {"country": ["IQ"]},
        {"q": [""], "sort": ["oldest"], "per_page": ["50"]},
        {"q": ["terrorism"], "from": ["2019-06"]},
    ):
        request = parse_search_request(params, Vocabularies.bundled())
        expected = search(Catalog(one).current(), request)
        found = search(Catalog(three).current(), request)
        assert found["total"] == expected["total"]
        assert [hit["id"] for hit in found["results"]] == [hit["id"] for hit in expected["results"]]
        assert found["facets"] == expected["facets"]


@pytest.mark.parametrize(
    "where, error",
    [("first", r"index writer 0-\d+ failed:(.|\n)*AttributeError"), ("last", "'NoneType' object has no attribute")],
)
def test_a_failing_process_fails_the_build_and_the_index_keeps_serving(
    tmp_path, corpus_items, monkeypatch, where, error
):
    monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 5)
    store = IndexStore(tmp_path)
    served = store.build(corpus_items[:5])
    # A document cannot be made of None: in the helper's slice, or in the
    # slice of the process that commits.
    broken = [None, *corpus_items] if where == "first" else [*corpus_items, None]
    with pytest.raises((RuntimeError, AttributeError), match=error):
        store.build(broken, processes=2)
    assert store.manifest() == served
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("v-")] == [served["version"]]


def test_another_whoosh_release_is_refused_with_a_clear_message():
    check_whoosh_version(TESTED_WHOOSH)
    with pytest.raises(ImportError, match=r"tested with whoosh3==3\.54\.0 only, but Whoosh 3\.55\.0 is installed"):
        check_whoosh_version((3, 55, 0))


def test_the_tested_whoosh_release_is_the_one_the_package_pins():
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8"))
    pinned = [d for d in project["project"]["dependencies"] if d.startswith("whoosh3")]
    assert pinned == ["whoosh3==" + ".".join(map(str, TESTED_WHOOSH))]
