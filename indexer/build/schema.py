"""The Whoosh schema and the pure item -> document function.

Everything the index stores or searches is declared here, so that a change
to what is indexed is a change to this one module.
"""

from __future__ import annotations

import datetime as dt
import json

from whoosh import fields

from indexer.build.analysis import text_analyzer
from indexer.build.whoosh_private import TextPositions
from indexer.facets.registry import FACETS
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
