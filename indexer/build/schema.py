"""The Whoosh schema, its analyzers, and the pure item -> document function.

Everything the index stores or searches is declared here, so that a change
to what is indexed is a change to this one module.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from importlib import resources

from whoosh import analysis, fields, formats
from whoosh.analysis.acore import Token
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

from indexer.facets.registry import FACETS
from indexer.facets.text import spelling_variants
from indexer.model import NewsItem

# Field names, used by the builder and the search code alike. Each facet
# has a field of its own name (and a `<name>_primary` field if it has
# primary values), from the registry.
ID = "id"
TITLE = "title"
BODY = "body"
DATE_START = "date_start"
DATE_END = "date_end"
SOURCE = "source"
CREDIT = "credit"
CONTENT_HASH = "content_hash"
DATA = "data"

FACET_FIELDS = tuple(facet.name for facet in FACETS)
PRIMARY_FIELDS = tuple(facet.primary_field for facet in FACETS if facet.primary_field)

# A token is a word, or a dotted acronym kept whole (GLO.ACT, U.S.) so that
# it can be searched exactly as it is written.
TOKEN = re.compile(r"\w+(?:\.\w+)*")


@functools.cache
def spelling_map() -> dict[str, str]:
    """British form -> American form, with regular inflections derived."""
    mapping: dict[str, str] = {}
    for british, american in spelling_variants():
        for b, a in zip(_inflections(british), _inflections(american)):
            if b != a:
                mapping[b] = a
    return mapping


def _inflections(word: str) -> list[str]:
    # Index-aligned between the two spellings of a pair.
    if word.endswith("e"):
        stem = word[:-1]
        return [word, word + "s", word + "d", word + "r", word + "rs", stem + "ing",
                stem + "ation", stem + "ations"]
    return [word, word + "s", word + "ed", word + "er", word + "ers", word + "ing",
            word + "ation", word + "ations"]


@functools.lru_cache(maxsize=500_000)
def index_term(word: str) -> str | None:
    """The index term of one word of text: lowercased, accents folded,
    British spelling made American, stemmed; None for a stop word.
    Cached: a corpus repeats its words, so each is analysed once."""
    folded = word.lower().translate(accent_map)
    folded = spelling_map().get(folded, folded)
    if len(folded) < 2 or folded in analysis.STOP_WORDS:
        return None
    return stem(folded)


class TextAnalyzer(analysis.Tokenizer):
    """Tokenizer and filters in one pass over cached `index_term`s: the same
    terms as RegexTokenizer | LowercaseFilter | CharsetFilter(accent_map) |
    spelling variants | StopFilter | StemFilter, without running five
    chained generators for every word of every document."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = TOKEN.finditer(value) if tokenize else [re.match(r".*", value, re.DOTALL)]
        pos = start_pos
        for match in matches:
            term = index_term(match.group())
            if term is None and removestops:
                continue
            token.text = term if term is not None else match.group().lower()
            token.stopped = term is None
            token.boost = 1.0
            if keeporiginal:
                token.original = match.group()
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def text_analyzer() -> analysis.Analyzer:
    return TextAnalyzer()


class TextPositions(formats.Positions):
    """Whoosh's positions format, writing the same bytes, with a document's
    postings computed in one pass over its words instead of through a token
    stream: indexing the body is most of the work of a build."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, TextAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        positions: defaultdict[str, list[int]] = defaultdict(list)
        # Stop words are dropped before counting, so they take no position
        # (as in TextAnalyzer).
        terms = [term for term in map(index_term, TOKEN.findall(value)) if term is not None]
        for pos, term in enumerate(terms):
            positions[term].append(pos)
        boost = self.field_boost
        for term, found in positions.items():
            yield term, len(found), len(found) * boost, self.encode(found)


def text_field(field_boost: float = 1.0) -> fields.TEXT:
    """Analysed text with positions (phrases, proximity) written by TextPositions."""
    field = fields.TEXT(analyzer=text_analyzer(), field_boost=field_boost)
    field.format = TextPositions(field_boost=field_boost)
    return field


def build_schema() -> fields.Schema:
    analyzer = text_analyzer()
    return fields.Schema(
        # Unique so that update_document replaces an item in place.
        id=fields.ID(stored=True, unique=True),
        # Titles are short and say what an item is about: ranking weighs them
        # above the body (search/ranking.py), so no boost is stored here.
        title=text_field(),
        # Positions kept so quoted phrases and proximity work.
        body=text_field(),
        # Dates as datetimes so date-range queries and sorting work in Whoosh too.
        date_start=fields.DATETIME(sortable=True),
        date_end=fields.DATETIME(sortable=True),
        # Facets are exact machine values (a theme label contains spaces, so
        # values are comma-separated), not analysed text; a facet's primary
        # values (the countries an item is about) are what a query naming
        # one lifts.
        **{name: fields.KEYWORD(commas=True) for name in FACET_FIELDS + PRIMARY_FIELDS},
        # Publisher and credit are searchable as words, e.g. `source:vienna`.
        source=fields.TEXT(analyzer=analyzer, phrase=False),
        credit=fields.TEXT(analyzer=analyzer, phrase=False),
        # Stored so update can tell a changed item from an unchanged one.
        content_hash=fields.ID(stored=True),
        # The whole item as JSON: the one stored copy results and item pages
        # render from, so no text is stored twice.
        data=fields.STORED(),
    )


def item_to_document(item: NewsItem) -> dict:
    """The Whoosh document for an item; pure, so a rebuild and an update of
    the same item write the same document."""
    document = {
        ID: item.id,
        TITLE: item.title,
        BODY: item.body,
        DATE_START: _as_datetime(item.date_start),
        DATE_END: _as_datetime(item.date_end),
        SOURCE: item.source or "",
        CREDIT: item.image_credit or "",
        CONTENT_HASH: item.content_hash,
        DATA: json.dumps(item.to_dict(), ensure_ascii=False),
    }
    for facet in FACETS:
        document[facet.name] = ",".join(facet.values_of(item))
        if facet.primary_of and facet.primary_field:
            document[facet.primary_field] = ",".join(facet.primary_of(item))
    return document


def _as_datetime(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)
