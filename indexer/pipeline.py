"""Sources -> parsed items -> items with facets: the input of every build.

Pages are parsed, and their items tagged with facets, in parallel
processes. With a `PageCache`, a page whose bytes, parser and vocabularies
are the same as last time is not parsed again: its tagged items are read
back from the cache, which is what makes an update of unchanged pages fast.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import logging
import multiprocessing
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from indexer.facets import extract_facets
from indexer.facets.vocabulary import Vocabularies
from indexer.ingest.sources import Fetched, merge_duplicates, pages_of, parse_fetched, read_page, sort_newest_first
from indexer.model import NewsItem

log = logging.getLogger(__name__)

DEFAULT_INDEX_DIR = "index"
# Items tagged per task in a tagging process: enough to outweigh sending them.
TAG_CHUNK = 250
# Pages are parsed in several processes only when there is this much text
# (about 300 items) for each.
MIN_BYTES_PER_PROCESS = 1 << 20
# The code whose change may change parsed or tagged items: a change to any
# of these files invalidates every cached page.
PARSER_CODE = ("ingest", "facets", "model.py")

# Told how many items have been parsed and tagged so far, of how many.
Progress = Callable[[int, int], None]


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSEARCH_INDEX_DIR") or DEFAULT_INDEX_DIR)


def vocabularies_from(folder: str | os.PathLike[str] | None = None) -> Vocabularies:
    """The vocabularies in `folder`, else in `$NEWSEARCH_VOCABULARIES`, else
    the bundled ones."""
    folder = folder or os.environ.get("NEWSEARCH_VOCABULARIES")
    return Vocabularies(folder) if folder else Vocabularies.bundled()


def tagged_items(
    sources: Sequence[str] = (),
    timeout: float = 10.0,
    vocabularies: Vocabularies | None = None,
    processes: int = 1,
    cache: PageCache | None = None,
    progress: Progress | None = None,
) -> list[NewsItem]:
    """Every item of every page, once, newest first, with its facets; pages
    parsed and items tagged in up to `processes` processes. Raises
    ParseError for the first page that cannot be read."""
    vocabularies = vocabularies or Vocabularies.bundled()
    pages = [(page, read_page(page, timeout)) for page in pages_of(sources)]
    keys = [cache.key(page, fetched, vocabularies) if cache else "" for page, fetched in pages]
    found = [cache.get(key) if cache else None for key in keys]
    todo = [i for i, items in enumerate(found) if items is None]
    if todo:
        # Below this much text, starting processes costs more than it saves.
        if sum(len(pages[i][1].data) for i in todo) < MIN_BYTES_PER_PROCESS * 2:
            processes = 1
        with _Workers(processes, vocabularies) as workers:
            for i, items in zip(todo, workers.parse_and_tag([pages[i] for i in todo], progress), strict=True):
                found[i] = items
                if cache:
                    cache.put(keys[i], items)
    if cache:
        cache.keep_only(keys)
        log.info("pages: %d read from the cache, %d parsed", len(pages) - len(todo), len(todo))
    return _merged([item for items in found if items for item in items], vocabularies)


def _merged(items: list[NewsItem], vocabularies: Vocabularies) -> list[NewsItem]:
    """The same item read from two pages is kept once (`merge_duplicates`),
    and tagged again: its text is now the two copies' together."""
    repeated = {key for key, count in Counter(item.id for item in items).items() if count > 1}
    merged = merge_duplicates(items)
    if repeated:
        merged = [extract_facets(item, vocabularies) if item.id in repeated else item for item in merged]
    return sort_newest_first(merged)


class PageCache:
    """The tagged items of each page, by a key of the page's name and bytes,
    the vocabularies and the parser's code, in a folder beside the index;
    used under the index's write lock, by one writer at a time."""

    def __init__(self, folder: Path):
        self.folder = folder

    def key(self, page: str, fetched: Fetched, vocabularies: Vocabularies) -> str:
        digest = hashlib.sha256()
        for part in (parser_digest(), vocabularies.digest, page, fetched.charset or "", fetched.content_type or ""):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(fetched.data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def get(self, key: str) -> list[NewsItem] | None:
        try:
            with open(self._path(key), "rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as err:
            log.warning("ignoring an unreadable cached page %s: %s", self._path(key), err)
            return None

    def put(self, key: str, items: list[NewsItem]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{key}.{os.getpid()}"
        with open(partial, "wb") as f:
            pickle.dump(items, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, self._path(key))

    def keep_only(self, keys: Iterable[str]) -> None:
        """Remove the pages no longer among `keys` (those of the last run)."""
        kept = {self._path(key).name for key in keys}
        for path in self.folder.glob("*.pickle") if self.folder.is_dir() else ():
            if path.name not in kept:
                path.unlink(missing_ok=True)


def parser_digest() -> str:
    """A digest of the code that parses and tags pages."""
    global _PARSER_DIGEST
    if _PARSER_DIGEST is None:
        root = Path(__file__).resolve().parent
        files = sorted(
            path
            for name in PARSER_CODE
            for path in ([root / name] if name.endswith(".py") else (root / name).rglob("*.py"))
        )
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
        _PARSER_DIGEST = digest.hexdigest()[:16]
    return _PARSER_DIGEST


_PARSER_DIGEST: str | None = None


class _Workers:
    """Parsing and tagging, in this process or in a pool of processes."""

    def __init__(self, processes: int, vocabularies: Vocabularies):
        self.vocabularies = vocabularies
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        if processes > 1:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(vocabularies,),
            )

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *_) -> None:
        if self.pool:
            self.pool.shutdown(cancel_futures=True)

    def parse_and_tag(self, pages: list[tuple[str, Fetched]], progress: Progress | None) -> list[list[NewsItem]]:
        """Each page's items, tagged: pages are parsed one per task, and their
        items tagged in chunks, so one large page is spread over the pool too."""
        parsed = list(self.pool.map(_parse, pages)) if self.pool else [_parse(page) for page in pages]
        chunks = [
            (i, items[start : start + TAG_CHUNK])
            for i, items in enumerate(parsed)
            for start in range(0, len(items), TAG_CHUNK)
        ]
        total = sum(map(len, parsed))
        tagged: list[list[NewsItem]] = [[] for _ in pages]
        done = 0
        started = time.monotonic()
        if self.pool is None:
            results: Iterable[list[NewsItem]] = (_tag(chunk, self.vocabularies) for _, chunk in chunks)
        else:
            results = self.pool.map(_tag_in_worker, [chunk for _, chunk in chunks])
        for (i, _), items in zip(chunks, results, strict=True):
            tagged[i].extend(items)
            done += len(items)
            if progress:
                progress(done, total)
        log.debug("tagged %d items in %.1f s", total, time.monotonic() - started)
        return tagged


def _parse(page: tuple[str, Fetched]) -> list[NewsItem]:
    return list(parse_fetched(*page).items)


def _tag(items: Sequence[NewsItem], vocabularies: Vocabularies) -> list[NewsItem]:
    return [extract_facets(item, vocabularies) for item in items]


# In a worker process: the vocabularies it tags with, set once when it starts.
_WORKER_VOCABULARIES: Vocabularies | None = None


def _start_worker(vocabularies: Vocabularies) -> None:
    global _WORKER_VOCABULARIES
    _WORKER_VOCABULARIES = vocabularies


def _tag_in_worker(items: Sequence[NewsItem]) -> list[NewsItem]:
    assert _WORKER_VOCABULARIES is not None, "set by _start_worker"
    return _tag(items, _WORKER_VOCABULARIES)
