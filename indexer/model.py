"""Plain values passed between the parsing, facet and indexing stages.

Nothing here knows about Whoosh or Flask: a parser returns `NewsItem`
values, facet extraction returns new values with facets filled in, and the
index builder turns them into documents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from typing import Any


@dataclasses.dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclasses.dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-3
    name: str  # common English name
    role: str  # "primary" or "mentioned"


@dataclasses.dataclass(frozen=True)
class FacetValue:
    """A programme, region or organisation: a stable machine value and a display name."""

    value: str
    name: str


@dataclasses.dataclass(frozen=True)
class NewsItem:
    date_start: dt.date
    date_end: dt.date
    date_raw: str
    title: str
    body: str  # paragraphs separated by a blank line
    page: str = ""  # the file or URL the item was read from
    line: int = 0  # 1-based line of the heading in that page
    date_precision: str = "day"  # "day" or "month"
    source: str | None = None  # "Originally published by X"
    image_credit: str | None = None
    links: tuple[Link, ...] = ()
    countries: tuple[Country, ...] = ()
    programmes: tuple[FacetValue, ...] = ()
    themes: tuple[str, ...] = ()
    regions: tuple[FacetValue, ...] = ()  # the regions it names
    # The regions its primary countries are in: indexed with its regions,
    # for filters and counts, but no label of the item.
    areas: tuple[FacetValue, ...] = ()
    organisations: tuple[FacetValue, ...] = ()

    # Both computed once: an item is frozen (a changed copy is a new item).
    @functools.cached_property
    def id(self) -> str:
        return item_id(self.date_start, self.title)

    @functools.cached_property
    def content_hash(self) -> str:
        text = "\x1f".join(
            [self.date_raw, self.title, self.body, self.source or "", self.image_credit or ""]
            + [f"{link.text}\x1e{link.href}" for link in self.links]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `newsearch parse` and served by the API."""
        return {
            "id": self.id,
            "date_start": self.date_start.isoformat(),
            "date_end": self.date_end.isoformat(),
            "date_raw": self.date_raw,
            "date_precision": self.date_precision,
            "title": self.title,
            "body": self.body,
            "source": self.source,
            "image_credit": self.image_credit,
            "links": [dataclasses.asdict(link) for link in self.links],
            "countries": [dataclasses.asdict(c) for c in self.countries],
            "programmes": [dataclasses.asdict(p) for p in self.programmes],
            "themes": list(self.themes),
            "regions": [dataclasses.asdict(r) for r in self.regions],
            "organisations": [dataclasses.asdict(o) for o in self.organisations],
            "page": self.page,
            "line": self.line,
            "content_hash": self.content_hash,
        }


def slugify(text: str, max_words: int = 0) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", folded.lower())
    if max_words:
        words = words[:max_words]
    return "-".join(words)


def normalise_title(title: str) -> str:
    """The form of a title that identity is based on: case, spacing and
    punctuation differences between two copies of a page (`14 th` and
    `14th`) do not matter."""
    return slugify(title).replace("-", "")


def item_id(date_start: dt.date, title: str) -> str:
    """A readable, stable id: the same date and title always give the same
    id, whatever else is on the page, so links to an item survive re-parsing."""
    key = f"{date_start.isoformat()}|{normalise_title(title)}"
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:6]
    return f"{date_start.isoformat()}-{slugify(title, max_words=8)}-{digest}"


class ParseError(ValueError):
    """Bad input in a page: says which page and line, so it can be fixed."""

    def __init__(self, page: str, line: int | None, message: str):
        self.page = page
        self.line = line
        self.message = message
        where = f"{page}:{line}" if line else page
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # raised in a parsing process, re-raised in the build's
        return type(self), (self.page, self.line, self.message)
