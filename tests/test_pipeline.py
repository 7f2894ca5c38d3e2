"""Parsing and tagging pages in parallel, and the page cache that lets an
update skip the pages that did not change."""

import dataclasses
import shutil
import sys
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.build.words import count_words
from indexer.facets import extract_facets
from indexer.facets.vocabulary import Vocabularies
from indexer.ingest.sources import bundled_corpus, load_items
from indexer.model import ParseError
from indexer.pipeline import PageCache, read_corpus, tagged_items

# bench/ is not part of the installed package: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.synthetic import generate_items, text_page  # noqa: E402


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Three pages: two synthetic ones and a copy of the bundled one."""
    folder = tmp_path_factory.mktemp("pages")
    items = generate_items(600, seed=9)
    (folder / "a.txt").write_text(text_page(items[:300]), "utf-8")
    (folder / "b.txt").write_text(text_page(items[300:]), "utf-8")
    shutil.copy(bundled_corpus(), folder / "c.txt")
    return folder


def reference(sources) -> list:
    return [extract_facets(item) for item in load_items(sources)]


def test_parallel_parsing_and_tagging_gives_the_same_items(pages, monkeypatch):
    monkeypatch.setattr(pipeline, "MIN_BYTES_PER_PROCESS", 1)
    monkeypatch.setattr(pipeline, "TAG_CHUNK", 50)
    corpus = read_corpus([str(pages)], processes=2)
    assert corpus.items == reference([str(pages)])
    assert len(corpus.items) == 600 + 37
    assert corpus.words == count_words(corpus.items)


def test_an_item_on_two_pages_is_kept_once_and_tagged_as_merged(tmp_path):
    page = bundled_corpus().read_text("utf-8")
    (tmp_path / "one.txt").write_text(page, "utf-8")
    # The second copy of the first item has a longer body.
    heading_end = page.index("\n", page.index(":")) + 1
    (tmp_path / "two.txt").write_text(
        page[:heading_end] + "Interpol and Europol took part.\n\n" + page[heading_end:], "utf-8"
    )
    corpus = read_corpus([str(tmp_path)])
    assert corpus.items == reference([str(tmp_path)])
    assert corpus.words == count_words(corpus.items)  # the merged item's words counted once


def test_a_cached_page_is_not_parsed_again(pages, tmp_path, monkeypatch):
    cache = PageCache(tmp_path / "cache")
    first = read_corpus([str(pages)], cache=cache)
    parsed: list[str] = []
    real_parse = pipeline._parse
    monkeypatch.setattr(pipeline, "_parse", lambda page: parsed.append(page[0]) or real_parse(page))
    assert read_corpus([str(pages)], cache=cache) == first
    assert parsed == []


def test_changed_pages_only_are_parsed_again(pages, tmp_path, monkeypatch):
    folder = tmp_path / "pages"
    shutil.copytree(pages, folder)
    cache = PageCache(tmp_path / "cache")
    tagged_items([str(folder)], cache=cache)
    text = (folder / "b.txt").read_text("utf-8")
    (folder / "b.txt").write_text(text.replace(" the ", " a ", 1), "utf-8")
    parsed: list[str] = []
    real_parse = pipeline._parse
    monkeypatch.setattr(pipeline, "_parse", lambda page: parsed.append(page[0]) or real_parse(page))
    assert tagged_items([str(folder)], cache=cache) == reference([str(folder)])
    assert parsed == [str(folder / "b.txt")]
    # The cache keeps the pages of the last run only.
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 3


def test_a_page_copied_elsewhere_unchanged_is_read_from_the_cache_under_its_new_name(pages, tmp_path, monkeypatch):
    cache = PageCache(tmp_path / "cache")
    tagged_items([str(pages)], cache=cache)
    copied = tmp_path / "copied"
    shutil.copytree(pages, copied)
    parsed: list[str] = []
    real_parse = pipeline._parse
    monkeypatch.setattr(pipeline, "_parse", lambda page: parsed.append(page[0]) or real_parse(page))
    assert tagged_items([str(copied)], cache=cache) == reference([str(copied)])
    assert parsed == []


def test_other_vocabularies_or_another_parser_parse_every_page_again(pages, tmp_path, monkeypatch):
    cache = PageCache(tmp_path / "cache")
    tagged_items([str(pages)], cache=cache)
    parsed: list[str] = []
    real_parse = pipeline._parse
    monkeypatch.setattr(pipeline, "_parse", lambda page: parsed.append(page[0]) or real_parse(page))
    edited = tmp_path / "vocabularies"
    shutil.copytree(Vocabularies.bundled().folder, edited)
    with open(edited / "themes.toml", "a", encoding="utf-8") as f:
        f.write("\n# an editor's note\n")
    tagged_items([str(pages)], vocabularies=Vocabularies(edited), cache=cache)
    assert len(parsed) == 3
    parsed.clear()
    monkeypatch.setattr(pipeline, "parser_digest", lambda: "another parser")
    tagged_items([str(pages)], vocabularies=Vocabularies(edited), cache=cache)
    assert len(parsed) == 3


def test_an_unreadable_cache_entry_is_parsed_again(pages, tmp_path):
    cache = PageCache(tmp_path / "cache")
    first = tagged_items([str(pages)], cache=cache)
    for path in (tmp_path / "cache").glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    assert tagged_items([str(pages)], cache=cache) == first


def test_a_broken_page_stops_the_build_with_its_file_and_line_from_a_worker(pages, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MIN_BYTES_PER_PROCESS", 1)
    folder = tmp_path / "pages"
    shutil.copytree(pages, folder)
    (folder / "d.txt").write_bytes(b"10 December 2019: A title\n\nText \xff here.\n")
    with pytest.raises(ParseError) as raised:
        tagged_items([str(folder)], processes=2)
    assert raised.value.page == str(folder / "d.txt") and raised.value.line == 3


def test_cached_items_keep_their_id_and_hash(pages, tmp_path):
    cache = PageCache(tmp_path / "cache")
    tagged_items([str(pages)], cache=cache)
    for item in tagged_items([str(pages)], cache=cache)[:20]:
        fresh = dataclasses.replace(item)
        assert (item.id, item.content_hash) == (fresh.id, fresh.content_hash)
