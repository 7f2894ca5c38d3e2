"""Split a page into news items: the one segmentation code path.

A text page is read line by line; an HTML page is first turned into the same
`Line` values by `htmlpage.py`. An item starts at a heading, either
`<date>: <title>` / `<date> - <title>` on one line, or (newer pages) a line
that is only a date followed by the title on the next non-empty line. Lines
before the first heading (the introduction) belong to no item.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from indexer.ingest.clean import NAMES_SEPARATOR, body_of_clean_lines, clean_line
from indexer.ingest.dates import DATE_PATTERN, RANGE_DASH, DateError, DateSpan, parse_date_text
from indexer.model import Link, NewsItem, ParseError

_INLINE_HEADING = re.compile(rf"(?P<date>{DATE_PATTERN})(?:\s*:\s*|\s+{RANGE_DASH}\s+)(?P<title>\S.*)", re.IGNORECASE)
_DATE_ONLY = re.compile(rf"(?P<date>{DATE_PATTERN})\s*:?", re.IGNORECASE)
_STARTS_WITH_DATE = re.compile(rf"(?:{DATE_PATTERN})\b", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Line:
    """One line of a page as the segmenter sees it ("" is a paragraph break)."""

    text: str
    number: int  # 1-based line in the page, for messages and `NewsItem.line`
    # Whether the line is a heading or bold in the markup; None for plain text,
    # where no line is marked and every heading-shaped line is a heading.
    emphasised: bool | None = None
    credit: bool = False  # the markup says this is an image credit (figcaption)
    container: int | None = None  # the item container (<article>) it sits in
    links: tuple[Link, ...] = ()


@dataclasses.dataclass(frozen=True)
class ParsedPage:
    items: list[NewsItem]
    warnings: list[str]  # "page:line: what looks wrong", for `newsearch parse --check`


@dataclasses.dataclass(frozen=True)
class _Heading:
    date_raw: str
    title: str
    first: int  # index of the date line
    last: int  # index of the title line (the same line for inline headings)
    emphasised: bool


def parse_text_page(text: str, page: str = "") -> ParsedPage:
    # split("\n") rather than splitlines(): line numbers must agree with
    # editors and grep, which do not break lines at U+2028 or form feeds.
    lines = [Line(raw.rstrip("\r"), number) for number, raw in enumerate(text.split("\n"), start=1)]
    return segment_items(lines, page)


def segment_items(lines: Sequence[Line], page: str) -> ParsedPage:
    texts = [clean_line(line.text) for line in lines]  # each line cleaned once
    headings, notes = _find_headings(lines, texts)
    items: list[NewsItem] = []
    first_line_of: dict[str, int] = {}
    # Each item ends where the next heading starts, the last at the end of the page.
    ends = [heading.first for heading in headings[1:]] + [len(lines)]
    built = [_build_item(heading, lines, texts, end, page) for heading, end in zip(headings, ends, strict=False)]
    if any(body_warnings for _, body_warnings in built):
        # A credit whose end the words cannot tell (the only warning of a
        # body) may end after a name the page gives as a credit or a source.
        known = _credits_and_sources([item for item, _ in built])
        built = [
            _build_item(heading, lines, texts, end, page, known) if body_warnings else (item, body_warnings)
            for (item, body_warnings), heading, end in zip(built, headings, ends, strict=True)
        ]
    for item, body_warnings in built:
        notes += [(item.line, message) for message in body_warnings]
        if not item.body:
            notes.append((item.line, f"item {item.title!r} has no body text"))
        if item.id in first_line_of:
            notes.append((item.line, f"same item as line {first_line_of[item.id]} ({item.title!r})"))
        first_line_of.setdefault(item.id, item.line)
        items.append(item)
    # sorted() is stable: notes on one line keep the order they were found in.
    warnings = [f"{page}:{number}: {message}" for number, message in sorted(notes, key=lambda note: note[0])]
    return ParsedPage(items, warnings)


def _find_headings(lines: Sequence[Line], texts: Sequence[str]) -> tuple[list[_Heading], list[tuple[int, str]]]:
    """The headings, and notes (line, message) on heading-like lines not
    taken; `texts` are the lines cleaned."""
    candidates: list[_Heading] = []
    index = 0
    while index < len(lines):
        heading = _heading_at(lines, texts, index)
        if heading:
            candidates.append(heading)
            index = heading.last
        index += 1
    # Where the markup marks headings (HTML), a heading-shaped line that is not
    # marked is body text, e.g. a paragraph that starts with a date.
    marked_page = any(c.emphasised for c in candidates)
    headings = [c for c in candidates if c.emphasised or not marked_page]
    taken = {c.first for c in headings}
    notes = [
        (line.number, f"starts with a date but was not taken as a heading: {_excerpt(line.text)!r}")
        for index, line in enumerate(lines)
        if index not in taken and _STARTS_WITH_DATE.match(texts[index])
    ]
    return headings, notes


def _excerpt(text: str, length: int = 70) -> str:
    text = clean_line(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def _heading_at(lines: Sequence[Line], texts: Sequence[str], index: int) -> _Heading | None:
    line = lines[index]
    text = texts[index]
    if line.credit or not text:
        return None
    inline = _INLINE_HEADING.fullmatch(text)
    if inline:
        return _Heading(inline["date"], inline["title"], index, index, bool(line.emphasised))
    date_only = _DATE_ONLY.fullmatch(text)
    if not date_only:
        return None
    title_index = _next_text_line(lines, index)
    if title_index is None:
        return None
    title_line = lines[title_index]
    title = texts[title_index]
    if title_line.credit or _STARTS_WITH_DATE.match(title):
        return None
    emphasised = bool(line.emphasised or title_line.emphasised)
    return _Heading(date_only["date"], title, index, title_index, emphasised)


def _next_text_line(lines: Sequence[Line], index: int) -> int | None:
    for later in range(index + 1, len(lines)):
        if lines[later].container != lines[index].container:
            return None
        if lines[later].text.strip():
            return later
    return None


def _heading_dates(heading: _Heading, lines: Sequence[Line], page: str) -> DateSpan:
    try:
        return parse_date_text(heading.date_raw)
    except DateError as err:
        # A heading is never dropped or guessed at: the page must be fixed.
        raise ParseError(page, lines[heading.first].number, f"cannot read the heading date: {err}") from None


def _credits_and_sources(items: Sequence[NewsItem]) -> list[str]:
    fields = (field for item in items for field in (item.image_credit, item.source) if field)
    return list(dict.fromkeys(name for field in fields for name in field.split(NAMES_SEPARATOR)))


def _build_item(
    heading: _Heading, lines: Sequence[Line], texts: Sequence[str], end: int, page: str, known: Sequence[str] = ()
) -> tuple[NewsItem, tuple[str, ...]]:
    span = _heading_dates(heading, lines, page)
    heading_lines = lines[heading.first : heading.last + 1]
    indexes: Sequence[int] = range(heading.last + 1, end)
    container = heading_lines[0].container
    if container is not None:
        # Inside an <article>, what follows the container is page chrome.
        indexes = [i for i in indexes if lines[i].container == container]
    body_lines = [lines[i] for i in indexes]
    body = body_of_clean_lines(
        [texts[i] for i in indexes if not lines[i].credit],
        credits=[texts[i] for i in indexes if lines[i].credit],
        known=known,
    )
    links = dict.fromkeys(link for line in [*heading_lines, *body_lines] for link in line.links)
    item = NewsItem(
        date_start=span.start,
        date_end=span.end,
        date_raw=heading.date_raw,
        date_precision=span.precision,
        title=heading.title,
        body=body.text,
        page=page,
        line=heading_lines[0].number,
        source=body.source,
        image_credit=body.image_credit,
        links=tuple(links),
    )
    return item, body.warnings
