"""A search request: what was asked, validated, in one plain value.

The web app, the JSON API and the CLI all build a `SearchRequest` through
`parse_search_request`, so a parameter means the same thing everywhere and
is rejected with the same message everywhere.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence

from indexer.facets.registry import BY_NAME, NAMES, Facet
from indexer.facets.vocabulary import Vocabularies

SORTS = ("relevance", "newest", "oldest")
# `spelling=off` searches the words as typed, never a correction of them.
SPELLING = ("auto", "off")
MAX_QUERY_LENGTH = 500
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_FILTER_VALUES = 50
DEFAULT_PER_PAGE = 10
# Tabs and line breaks pasted into a search box are spaces; other control
# characters cannot be meant, and would not survive into XML (the feeds).
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1f\x85]")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


class InvalidRequest(ValueError):
    """A parameter a client sent cannot be used; says which and why."""

    def __init__(self, param: str | None, message: str):
        self.param = param
        self.message = message
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # The dates as the client wrote them, echoed back in responses and links.
    date_from_raw: str = ""
    date_to_raw: str = ""
    # Search a likely correction of misspelled words instead (said so in the answer).
    autocorrect: bool = True

    @property
    def normalised_q(self) -> str:
        return normalise_query(self.q)

    @property
    def effective_sort(self) -> str:
        # Without words to rank by, relevance means newest first.
        return self.sort if self.q.strip() or self.sort != "relevance" else "newest"

    def echo(self) -> dict:
        return {
            "q": self.q,
            "filters": {name: list(values) for name, values in self.filters.items() if values},
            "from": self.date_from_raw or None,
            "to": self.date_to_raw or None,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "spelling": "auto" if self.autocorrect else "off",
        }


def normalise_query(text: str) -> str:
    """A query as searches are counted and best bets matched: case, width
    and spacing do not count (`Nigeria  Drugs` is `nigeria drugs`)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_search_request(args: Mapping[str, Sequence[str]], vocabularies: Vocabularies) -> SearchRequest:
    """Build a request from parameters given as name -> list of values (the
    shape of a query string), resolving facet values with the serving
    index's `vocabularies`; raise InvalidRequest naming the bad one."""
    q = query_param(args, "q")
    filters = {name: _filter_values(args, BY_NAME[name], vocabularies) for name in NAMES}
    date_from_raw = (_single(args, "from") or "").strip()
    date_to_raw = (_single(args, "to") or "").strip()
    date_from = parse_date_bound(date_from_raw, "from") if date_from_raw else None
    date_to = parse_date_bound(date_to_raw, "to") if date_to_raw else None
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest(
            "from", f"`from` ({date_from_raw}) is after `to` ({date_to_raw}); swap them or widen the range"
        )
    sort = _single(args, "sort") or "relevance"
    if sort not in SORTS:
        raise InvalidRequest("sort", f"unknown sort `{sort}`; use one of: {', '.join(SORTS)}")
    page = integer_param(args, "page", default=1, low=1, high=MAX_PAGE)
    per_page = integer_param(args, "per_page", default=DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE)
    spelling = _single(args, "spelling") or "auto"
    if spelling not in SPELLING:
        raise InvalidRequest("spelling", f"unknown spelling `{spelling[:40]}`; use one of: {', '.join(SPELLING)}")
    return SearchRequest(
        q=q,
        filters={k: v for k, v in filters.items() if v},
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        per_page=per_page,
        date_from_raw=date_from_raw,
        date_to_raw=date_to_raw,
        autocorrect=spelling == "auto",
    )


def parse_date_bound(text: str, param: str) -> dt.date:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; a `from` bound is the first day of
    the year or month named, a `to` bound its last day."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if not match:
        raise InvalidRequest(param, f"`{param}` must be YYYY, YYYY-MM or YYYY-MM-DD, not `{text}`")
    year = int(match[1])
    month, day = (int(g) if g else None for g in match.groups()[1:])
    try:
        if month is None:
            return dt.date(year, 1, 1) if param == "from" else dt.date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return dt.date(year, month, 1 if param == "from" else last)
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidRequest(param, f"`{param}` is not a real date: `{text}`") from None


def _single(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name) or []
    if isinstance(values, str):
        values = [values]
    values = [v for v in values if v != ""]
    if len(values) > 1 and len(set(values)) > 1:
        raise InvalidRequest(name, f"`{name}` was given {len(values)} times; give it once")
    return values[0] if values else None


def query_param(args: Mapping[str, Sequence[str]], name: str) -> str:
    """What was typed in parameter `name`: at most MAX_QUERY_LENGTH
    characters, tabs and line breaks as spaces, no other control characters."""
    text = _single(args, name) or ""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidRequest(
            name, f"the query is {len(text)} characters long; shorten it to at most {MAX_QUERY_LENGTH}"
        )
    text = _WHITESPACE_CONTROLS.sub(" ", text)
    control = _OTHER_CONTROLS.search(text)
    if control:
        raise InvalidRequest(name, f"the query contains the control character U+{ord(control.group()):04X}; remove it")
    return text


def integer_param(args, name: str, default: int, low: int, high: int) -> int:
    text = _single(args, name)
    if text is None:
        return default
    if not re.fullmatch(r"\s*\d{1,7}\s*", text):
        raise InvalidRequest(name, f"`{name}` must be a whole number from {low} to {high}, not `{text[:40]}`")
    value = int(text)
    if not low <= value <= high:
        raise InvalidRequest(name, f"`{name}` must be from {low} to {high}, not {value}")
    return value


def _filter_values(args, facet: Facet, vocabularies: Vocabularies) -> tuple[str, ...]:
    name = facet.name
    typed = args.get(name) or []
    if isinstance(typed, str):
        typed = [typed]
    # A comma-separated list is the same as repeating the parameter, except
    # for facets whose labels may themselves contain commas.
    if facet.comma_separated:
        typed = [part for value in typed for part in value.split(",")]
    typed = [v.strip() for v in typed if v.strip()]
    if len(typed) > MAX_FILTER_VALUES:
        raise InvalidRequest(name, f"too many `{name}` values ({len(typed)}); give at most {MAX_FILTER_VALUES}")
    values: list[str] = []
    for text in typed:
        value = facet.resolve_typed(vocabularies, text)
        if value is None:
            raise InvalidRequest(
                name, f"unknown {name} `{text[:60]}`; use {facet.hint} (GET /api/facets lists every value)"
            )
        if value not in values:
            values.append(value)
    return tuple(values)
