"""Sources -> parsed items -> items with facets: the input of every build.

Pages are parsed, and their items tagged with facets, in parallel
processes. With a `PageCache`, a page whose bytes, parser and vocabularies
are the same as last time is not parsed again: its tagged items are read
back from the cache, which is what makes an update of unchanged pages fast.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from indexer.build.words import count_words, item_words
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
# The code whose change may change parsed or tagged items or their words:
# a change to any of these files invalidates every cached page.
PARSER_CODE = ("ingest", "facets", "model.py", "build/words.py", "build/analysis.py")

# Told how many items have been parsed and tagged so far, of how many.
Progress = Callable[[int, int], None]


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSEARCH_INDEX_DIR") or DEFAULT_INDEX_DIR)


def vocabularies_from(folder: str | os.PathLike[str] | None = None) -> Vocabularies:
    """The vocabularies in `folder`, else in `$NEWSEARCH_VOCABULARIES`, else
    the bundled ones."""
    folder = folder or os.environ.get("NEWSEARCH_VOCABULARIES")
    return Vocabularies(folder) if folder else Vocabularies.bundled()


@dataclasses.dataclass
class Corpus:
    """Tagged items and the number of them each word occurs in
    (`indexer.build.words.count_words`, for the index's "did you mean"):
    of one page, or of every source, once each, newest first."""

    items: list[NewsItem]
    words: Counter[str]


def tagged_items(
    sources: Sequence[str] = (),
    timeout: float = 10.0,
    vocabularies: Vocabularies | None = None,
    processes: int = 1,
    cache: PageCache | None = None,
    progress: Progress | None = None,
) -> list[NewsItem]:
    """Every item of every page, once, newest first, with its facets."""
    return read_corpus(sources, timeout, vocabularies, processes, cache, progress).items


def read_corpus(
    sources: Sequence[str] = (),
    timeout: float = 10.0,
    vocabularies: Vocabularies | None = None,
    processes: int = 1,
    cache: PageCache | None = None,
    progress: Progress | None = None,
) -> Corpus:
    """The tagged items of the sources and their words; pages parsed and
    items tagged in up to `processes` processes. Raises ParseError for the
    first page that cannot be read."""
    vocabularies = vocabularies or Vocabularies.bundled()
    pages = [(page, read_page(page, timeout)) for page in pages_of(sources)]
    keys = [cache.key(fetched, vocabularies) if cache else "" for _, fetched in pages]
    with _collection_paused():  # unpickling makes many objects, none of them garbage
        found = [cache.get(key, page) if cache else None for key, (page, _) in zip(keys, pages, strict=True)]
    todo = [i for i, tagged in enumerate(found) if tagged is None]
    if todo:
        # Below this much text, starting processes costs more than it saves.
        if sum(len(pages[i][1].data) for i in todo) < MIN_BYTES_PER_PROCESS * 2:
            processes = 1
        with _Workers(processes, vocabularies) as workers:
            for i, tagged in zip(todo, workers.parse_and_tag([pages[i] for i in todo], progress), strict=True):
                found[i] = tagged
                if cache:
                    cache.put(keys[i], tagged)
    if cache:
        cache.keep_only(keys)
        log.info("pages: %d read from the cache, %d parsed", len(pages) - len(todo), len(todo))
    return _merged([tagged for tagged in found if tagged], vocabularies)


def _merged(pages: list[Corpus], vocabularies: Vocabularies) -> Corpus:
    """The same item read from two pages is kept once (`merge_duplicates`),
    and tagged again: its text is now the two copies' together; its words
    are counted once."""
    items = [item for page in pages for item in page.items]
    words: Counter[str] = Counter()
    for page in pages:
        words.update(page.words)
    repeated = {key for key, count in Counter(item.id for item in items).items() if count > 1}
    merged = merge_duplicates(items)
    if repeated:
        for item in items:
            if item.id in repeated:
                words.subtract(item_words(item))
        merged = [extract_facets(item, vocabularies) if item.id in repeated else item for item in merged]
        for item in merged:
            if item.id in repeated:
                words.update(item_words(item))
        words = +words  # without the words left at 0
    return Corpus(sort_newest_first(merged), words)


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class PageCache:
    """The tagged items of each page, by a key of the page's bytes (and the
    address its links are relative to), the vocabularies and the parser's
    code, in a folder beside the index; used under the index's write lock,
    by one writer at a time. A page moved or copied elsewhere unchanged is
    still found: its items are given its new name."""

    def __init__(self, folder: Path):
        self.folder = folder

    def key(self, fetched: Fetched, vocabularies: Vocabularies) -> str:
        digest = hashlib.sha256()
        for part in (parser_digest(), vocabularies.digest, fetched.base_url, fetched.charset, fetched.content_type):
            digest.update((part or "").encode("utf-8") + b"\0")
        digest.update(fetched.data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def get(self, key: str, page: str) -> Corpus | None:
        """The page cached under `key`, as read from `page`."""
        try:
            with open(self._path(key), "rb") as f:
                tagged = pickle.load(f)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as err:
            log.warning("ignoring an unreadable cached page %s: %s", self._path(key), err)
            return None
        if not isinstance(tagged, Corpus):
            return None
        tagged.items = [item if item.page == page else dataclasses.replace(item, page=page) for item in tagged.items]
        return tagged

    def put(self, key: str, tagged: Corpus) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{key}.{os.getpid()}"
        with open(partial, "wb") as f:
            pickle.dump(tagged, f, protocol=pickle.HIGHEST_PROTOCOL)
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

    def parse_and_tag(self, pages: list[tuple[str, Fetched]], progress: Progress | None) -> list[Corpus]:
        """Each page's items, tagged, and their words: pages are parsed one
        per task, and their items tagged in chunks, so one large page is
        spread over the pool too."""
        parsed = list(self.pool.map(_parse, pages)) if self.pool else [_parse(page) for page in pages]
        chunks = [
            (i, items[start : start + TAG_CHUNK])
            for i, items in enumerate(parsed)
            for start in range(0, len(items), TAG_CHUNK)
        ]
        total = sum(map(len, parsed))
        tagged = [Corpus([], Counter()) for _ in pages]
        done = 0
        started = time.monotonic()
        if self.pool is None:
            results: Iterable[Corpus] = (_tag(chunk, self.vocabularies) for _, chunk in chunks)
        else:
            results = self.pool.map(_tag_in_worker, [chunk for _, chunk in chunks])
        for (i, _), part in zip(chunks, results, strict=True):
            tagged[i].items.extend(part.items)
            tagged[i].words.update(part.words)
            done += len(part.items)
            if progress:
                progress(done, total)
        log.debug("tagged %d items in %.1f s", total, time.monotonic() - started)
        return tagged


def _parse(page: tuple[str, Fetched]) -> list[NewsItem]:
    return list(parse_fetched(*page).items)


def _tag(items: Sequence[NewsItem], vocabularies: Vocabularies) -> Corpus:
    return Corpus([extract_facets(item, vocabularies) for item in items], count_words(items))


# In a worker process: the vocabularies it tags with, set once when it starts.
_WORKER_VOCABULARIES: Vocabularies | None = None


def _start_worker(vocabularies: Vocabularies) -> None:
    global _WORKER_VOCABULARIES
    _WORKER_VOCABULARIES = vocabularies


def _tag_in_worker(items: Sequence[NewsItem]) -> Corpus:
    assert _WORKER_VOCABULARIES is not None, "set by _start_worker"
    return _tag(items, _WORKER_VOCABULARIES)
