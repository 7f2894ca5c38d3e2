"""Where news pages come from: files, folders and URLs, read into one list of items.

`load_items` is what `newsearch parse` and `newsearch build` use;
`check_sources` reports on each page without stopping at the first bad one,
for `newsearch parse --check`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from indexer.ingest.htmlpage import parse_html_page
from indexer.ingest.textpage import ParsedPage, parse_text_page
from indexer.model import NewsItem, ParseError

PAGE_SUFFIXES = (".txt", ".html", ".htm")
_HTML_SUFFIXES = (".html", ".htm")
_USER_AGENT = "newsearch (EU-UNODC news search indexer)"


@dataclasses.dataclass(frozen=True)
class PageReport:
    page: str
    items: int
    date_min: dt.date | None
    date_max: dt.date | None
    warnings: list[str]
    error: str | None  # the ParseError message when the page could not be read


@dataclasses.dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str | None  # e.g. "text/html" from an HTTP response
    charset: str | None
    base_url: str | None = None  # where relative links point: the URL after any redirect


def bundled_corpus() -> Path:
    """The copy of the EU–UNODC news page that ships with the package."""
    return Path(__file__).resolve().parent.parent / "data" / "eu-unodc-news-2019.txt"


def load_items(sources: Sequence[str] = (), *, timeout: float = 10.0) -> list[NewsItem]:
    """Every item from every page, once, newest first. Raises ParseError."""
    items = [item for page in pages_of(sources) for item in _parse_page(page, timeout).items]
    return sort_newest_first(merge_duplicates(items))


def pages_of(sources: Sequence[str] = ()) -> list[str]:
    """The pages `sources` stand for (default: the bundled corpus)."""
    return [page for source in _sources_or_default(sources) for page in expand_source(source)]


def check_sources(sources: Sequence[str] = (), *, timeout: float = 10.0) -> list[PageReport]:
    """One report per page; a page that cannot be read does not stop the others."""
    reports: list[PageReport] = []
    for source in _sources_or_default(sources):
        try:
            pages = expand_source(source)
        except ParseError as err:
            reports.append(PageReport(source, 0, None, None, [], str(err)))
            continue
        for page in pages:
            try:
                parsed = _parse_page(page, timeout)
            except ParseError as err:
                reports.append(PageReport(page, 0, None, None, [], str(err)))
                continue
            dates = [item.date_start for item in parsed.items]
            reports.append(PageReport(page, len(parsed.items), min(dates), max(dates), parsed.warnings, None))
    return reports


def expand_source(source: str) -> list[str]:
    """A URL or file stands for itself; a folder for the pages in it, sorted."""
    if _is_url(source):
        return [source]
    path = Path(source)
    if path.is_dir():
        pages = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
        if not pages:
            raise ParseError(source, None, f"no {', '.join(PAGE_SUFFIXES)} pages in this folder")
        return [str(p) for p in pages]
    if not path.exists():
        raise ParseError(source, None, "no such file or folder")
    return [source]


def merge_duplicates(items: Sequence[NewsItem]) -> list[NewsItem]:
    """The same item read from two pages (an archive and the current page) is
    kept once: the copy with the longer body, with the links of both."""
    merged: dict[str, NewsItem] = {}
    for item in items:
        kept = merged.get(item.id)
        if kept is None:
            merged[item.id] = item
            continue
        longer, other = (item, kept) if len(item.body) > len(kept.body) else (kept, item)
        merged[item.id] = dataclasses.replace(
            longer,
            links=tuple(dict.fromkeys(longer.links + other.links)),
            source=longer.source or other.source,
            image_credit=longer.image_credit or other.image_credit,
        )
    return list(merged.values())


def sort_newest_first(items: Sequence[NewsItem]) -> list[NewsItem]:
    by_title = sorted(items, key=lambda item: item.title.casefold())
    return sorted(by_title, key=lambda item: item.date_start, reverse=True)


def _sources_or_default(sources: Sequence[str]) -> Sequence[str]:
    if isinstance(sources, str):  # one path passed where a list was meant
        sources = [sources]
    return sources or [str(bundled_corpus())]


def _parse_page(page: str, timeout: float) -> ParsedPage:
    return parse_fetched(page, read_page(page, timeout))


def read_page(page: str, timeout: float = 10.0) -> Fetched:
    """A page's bytes, from its file or its URL."""
    return _fetch(page, timeout) if _is_url(page) else _read_file(page)


def parse_fetched(page: str, fetched: Fetched) -> ParsedPage:
    text = decode_page(fetched.data, page, fetched.charset)
    if _is_html(page, fetched.content_type, text):
        parsed = parse_html_page(text, page, base_url=fetched.base_url)
    else:
        parsed = parse_text_page(text, page)
    if not parsed.items:
        raise ParseError(page, None, "no news items found: each item needs a heading like '10 December 2019: Title'")
    return parsed


def decode_page(data: bytes, page: str, charset: str | None = None) -> str:
    """The page's text. UTF-8 (with or without a byte order mark) unless the
    server names another charset; anything else is refused, not guessed."""
    if not data.strip():
        raise ParseError(page, None, "the page is empty")
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ParseError(
            page, _line_at(data, offset), f"binary data (NUL byte at offset {offset}), not a text or HTML page"
        )
    encoding = charset or "utf-8-sig"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise ParseError(page, None, f"unknown character set {charset!r}") from None
    except UnicodeDecodeError as err:
        raise ParseError(
            page,
            _line_at(data, err.start),
            f"not valid {encoding.removesuffix('-sig').upper()} (byte 0x{data[err.start]:02x} at offset "
            f"{err.start}); save the page as UTF-8",
        ) from None


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _is_html(page: str, content_type: str | None, text: str) -> bool:
    """By the name's extension, else the server's Content-Type, else the start."""
    path = urllib.parse.urlsplit(page).path if _is_url(page) else page
    suffix = Path(path).suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return True
    if suffix == ".txt" or content_type == "text/plain":
        return False
    if content_type in ("text/html", "application/xhtml+xml"):
        return True
    return text.lstrip("\ufeff \t\r\n")[:20].lower().startswith(("<!doctype", "<html"))


def _read_file(page: str) -> Fetched:
    try:
        return Fetched(Path(page).read_bytes(), None, None)
    except OSError as err:
        raise ParseError(page, None, f"cannot read the file: {err.strerror or err}") from None


def _fetch(url: str, timeout: float) -> Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            headers = response.headers
            final_url = response.geturl()
    except urllib.error.HTTPError as err:
        err.close()
        raise ParseError(url, None, f"the server answered HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise ParseError(url, None, f"cannot fetch the page: {_describe(err.reason, timeout)}") from None
    except (http.client.HTTPException, OSError) as err:  # timeouts and dropped connections while reading
        raise ParseError(url, None, f"cannot fetch the page: {_describe(err, timeout)}") from None
    content_type = headers.get_content_type() if "content-type" in headers else None
    return Fetched(data, content_type, headers.get_content_charset(), final_url)


def _describe(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()  # "connection refused"
    return str(reason) or type(reason).__name__
