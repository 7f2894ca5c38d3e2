"""Read the news from an HTML page.

The markup is not fixed (headings in <h2>–<h4>, <p><strong> or <b>; items
inside <article> or <div class="news-item"> or not at all), so the page is
first flattened into the same `Line` values a text page gives — one per block
element or <br>-separated line, with its source line, whether it is marked as
a heading, and its links — and then split into items by the text segmenter.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from indexer.ingest.clean import clean_line
from indexer.ingest.textpage import Line, ParsedPage, segment_items
from indexer.model import Link

# Never content: code, page chrome and controls.
_SKIPPED_TAGS = {
    "script", "style", "noscript", "template", "head", "nav", "aside", "button", "select",
    "textarea", "input", "iframe", "svg", "canvas", "object", "embed", "audio", "video", "map",
}  # fmt: skip
_SKIPPED_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_BLOCK_TAGS = {
    "html", "body", "main", "div", "section", "article", "header", "footer", "form",
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "figure",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "hr",
}  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_EMPHASIS_TAGS = _HEADING_TAGS | {"strong", "b"}
# Lines in one list stay together in one paragraph, as they do in a text page.
_LIST_ITEM_TAGS = {"li", "dt", "dd"}
_ITEM_CONTAINER_CLASS = re.compile(r"^(?:news[-_]?)?(?:item|post|entry|teaser|article)$|^views-row$", re.IGNORECASE)
_CREDIT_CLASS = re.compile(r"credit", re.IGNORECASE)
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML collapses these; NBSP is left to clean.py


def parse_html_page(html: str, page: str = "", base_url: str | None = None) -> ParsedPage:
    """`base_url` resolves relative links; by default the page itself when it is a URL."""
    soup = BeautifulSoup(html, "html.parser")
    if base_url is None and page.startswith(("http://", "https://")):
        base_url = page
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        base_url = urljoin(base_url or "", str(base_tag["href"]))
    return segment_items(linearise(soup, base_url), page)


def linearise(soup: BeautifulSoup, base_url: str | None = None) -> list[Line]:
    builder = _LineBuilder(base_url)
    builder.walk(soup, emphasised=False, container=None)
    builder.end_line(paragraph=True)
    return builder.lines


class _LineBuilder:
    """Collects text runs into `Line`s while walking the tree in document order."""

    def __init__(self, base_url: str | None):
        self.base_url = base_url
        self.lines: list[Line] = []
        self._container_ids = itertools.count(1)
        self._runs: list[tuple[str, bool]] = []  # (text, emphasised)
        self._links: list[Link] = []
        self._number = 0
        self._container: int | None = None

    def walk(self, node: Tag, emphasised: bool, container: int | None) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA
                continue
            if isinstance(child, NavigableString):
                self._add_text(str(child), emphasised, container, node.sourceline)
            elif isinstance(child, Tag) and not _is_skipped(child):
                self._walk_tag(child, emphasised, container)

    def _walk_tag(self, tag: Tag, emphasised: bool, container: int | None) -> None:
        if tag.name == "br":
            # In old pages an empty line (`<br><br>`) is what separates paragraphs.
            self.end_line(paragraph=not self._has_text())
            return
        if _is_credit(tag):
            self.end_line(paragraph=False)
            self._add_text(tag.get_text(), emphasised, container, tag.sourceline)
            self.end_line(paragraph=False, credit=True)
            return
        if container is None and _is_item_container(tag):
            container = next(self._container_ids)
        block = tag.name in _BLOCK_TAGS
        if block:
            self.end_line(paragraph=tag.name not in _LIST_ITEM_TAGS)
        self.walk(tag, emphasised or tag.name in _EMPHASIS_TAGS, container)
        if tag.name == "a":
            self._add_link(tag)
        if block:
            self.end_line(paragraph=tag.name not in _LIST_ITEM_TAGS)

    def _add_text(self, text: str, emphasised: bool, container: int | None, sourceline: int | None) -> None:
        if text.strip() and not self._has_text():
            self._number = sourceline or self._number
            self._container = container
        self._runs.append((text, emphasised))

    def _has_text(self) -> bool:
        return any(text.strip() for text, _ in self._runs)

    def _add_link(self, anchor: Tag) -> None:
        href = str(anchor.get("href") or "").strip()
        text = clean_line(_HTML_SPACE.sub(" ", anchor.get_text()))
        if not text or not href or href.startswith("#") or href.lower().startswith("javascript:"):
            return
        link = Link(text, urljoin(self.base_url, href) if self.base_url else href)
        if self._has_text() or not self.lines:
            self._links.append(link)
        else:
            # The anchor wrapped a block (`<a><h3>Title</h3></a>`), already emitted.
            last = next(i for i in reversed(range(len(self.lines))) if self.lines[i].text)
            self.lines[last] = dataclasses.replace(self.lines[last], links=(*self.lines[last].links, link))

    def end_line(self, paragraph: bool, credit: bool = False) -> None:
        text = _HTML_SPACE.sub(" ", "".join(text for text, _ in self._runs)).strip()
        if text:
            # A line is marked as a heading when its first words are (the date
            # in `<p><strong>12 May 2019:</strong> Title</p>`).
            emphasised = next(marked for run, marked in self._runs if run.strip())
            self.lines.append(Line(text, self._number, emphasised, credit, self._container, tuple(self._links)))
        self._runs, self._links = [], []
        if paragraph and self.lines and self.lines[-1].text:
            self.lines.append(Line("", self._number, container=self._container))


def _is_skipped(tag: Tag) -> bool:
    if tag.name in _SKIPPED_TAGS or tag.has_attr("hidden") or tag.get("role") in _SKIPPED_ROLES:
        return True
    if tag.name in ("header", "footer"):
        # The page's banner and footer are chrome; an article's own header
        # holds its date and title.
        return tag.find_parent("article") is None
    if tag.name == "form":
        # Old CMS pages wrap the whole page in a <form>; a search box has no paragraphs.
        return tag.find(["p", "article", *_HEADING_TAGS]) is None
    return False


def _is_credit(tag: Tag) -> bool:
    return tag.name == "figcaption" or any(_CREDIT_CLASS.search(name) for name in tag.get("class") or [])


def _is_item_container(tag: Tag) -> bool:
    return tag.name == "article" or any(_ITEM_CONTAINER_CLASS.match(name) for name in tag.get("class") or [])
