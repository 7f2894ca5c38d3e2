"""The index directory: versions on disk, the atomic swap, and the write lock.

Layout of the index directory::

    index/
      current -> v-20191210T120000Z-1234    symlink to the serving version
      v-.../                                a complete Whoosh index, the flat postings
                                            of its segments (indexer.build.flat), manifest.json,
                                            content_hashes.json (what an update compares),
                                            words.json (for "did you mean"),
                                            phrases.json (frequent title phrases, for suggestions),
                                            vocabularies/ (the editors' data files
                                            the version was built with) and, written
                                            last, checksums.json (every other file's
                                            size and SHA-256, which `activate` verifies)
      .incoming-v-.../                      a version being copied in by `activate`
      .pages/                               the tagged items of each page read by the
                                            last build or update (indexer.pipeline.PageCache)
      .write.lock                           held by whoever builds or updates

A build or an update never writes into the serving version: it writes a new
version beside it and then replaces the `current` symlink in one rename, so
readers see either the old index or the new one, never a half-written one,
and a build killed midway leaves the old index serving. A version is
self-contained: copied to another host's index directory, `activate`
verifies it against its checksums and swaps it in the same way.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import whoosh
import whoosh.index
from whoosh.analysis import STOP_WORDS

from indexer.build.flat import write_missing
from indexer.build.renames import MAX_GONE_COMPARED, carried_forward, read_redirects, renamed, write_redirects
from indexer.build.schema import CONTENT_HASH, DATA, ID, build_schema, item_to_document
from indexer.build.whoosh_private import SEGMENTS_COMPOUND
from indexer.build.words import WORDS_FILE, count_words, write_words
from indexer.build.writer import write_new_index
from indexer.facets.vocabulary import Vocabularies
from indexer.model import NewsItem

log = logging.getLogger(__name__)

# Words (with inner dots, hyphens, apostrophes: `GLO.ACT`, `anti-trafficking`)
# separated by spaces only: a title's runs that a phrase may not cross.
_PHRASE_RUN = re.compile(r"\w+(?:[.'’-]\w+)*(?:\s+\w+(?:[.'’-]\w+)*)*")

CURRENT = "current"
MANIFEST = "manifest.json"
# Each item id and its content hash, for an update to compare against.
CONTENT_HASHES = "content_hashes.json"
VOCABULARIES = "vocabularies"
# Every other file of a version with its size and SHA-256; written last.
CHECKSUMS = "checksums.json"
# Frequent 2-3 word phrases of titles and how many items have each.
PHRASES_FILE = "phrases.json"
# A version being copied into the index directory, renamed once verified.
INCOMING_PREFIX = ".incoming-"
LOCK_FILE = ".write.lock"
PAGE_CACHE = ".pages"
VERSION_PREFIX = "v-"
# Bumped when the schema or the document function changes in a way that
# needs a full rebuild; update refuses to patch an index of another format.
FORMAT = 4  # 4: flat postings beside each segment; 3: titles stored without a field boost
# An update writes with Whoosh's own writer, which sorts postings in a
# memory buffer and spills to disk past it: the buffer grows with the items
# written (about 100 KB each) up to 2 GB. (Builds use indexer.build.writer.)
MIN_WRITER_MB, MAX_WRITER_MB = 128, 2048


def writer_options(item_count: int) -> dict:
    return {"limitmb": max(MIN_WRITER_MB, min(MAX_WRITER_MB, item_count // 10)), "compound": SEGMENTS_COMPOUND}


# Versions kept besides the serving one, so a reader that opened the
# previous version just before a swap can still finish its request.
KEEP_PREVIOUS = 1


class IndexBusy(RuntimeError):
    """Another build or update holds the write lock for too long."""


class IndexMissing(RuntimeError):
    """There is no built index in the directory yet."""


class VersionInvalid(RuntimeError):
    """A version directory that does not match its checksums; names the file."""


@dataclasses.dataclass(frozen=True)
class UpdateCounts:
    added: int
    changed: int
    removed: int
    unchanged: int

    @property
    def total_changes(self) -> int:
        return self.added + self.changed + self.removed


ProgressCallback = Callable[[int, int], None]


class IndexStore:
    def __init__(self, root: str | os.PathLike, lock_timeout: float = 60.0):
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._locked = False

    @property
    def page_cache_folder(self) -> Path:
        return self.root / PAGE_CACHE

    # -- reading ---------------------------------------------------------

    def current_version(self) -> str | None:
        """The name of the serving version, or None before the first build.

        One readlink: cheap enough to call on every request, which is how a
        running web app notices a swap without a restart.
        """
        try:
            return os.readlink(self.root / CURRENT)
        except FileNotFoundError:
            return None

    def version_path(self, version: str) -> Path:
        return self.root / version

    def open(self, version: str | None = None) -> tuple[str, whoosh.index.Index]:
        version = version or self.current_version()
        if version is None:
            raise IndexMissing(f"no index in {self.root}; run `newsearch build` first")
        return version, whoosh.index.open_dir(str(self.version_path(version)))

    def manifest(self, version: str | None = None) -> dict:
        version = version or self.current_version()
        if version is None:
            raise IndexMissing(f"no index in {self.root}; run `newsearch build` first")
        return json.loads((self.version_path(version) / MANIFEST).read_text("utf-8"))

    def vocabularies(self, version: str) -> Vocabularies:
        """The vocabularies a version was built with (the bundled ones for a
        version written before versions kept them)."""
        folder = self.version_path(version) / VOCABULARIES
        return Vocabularies(folder) if folder.is_dir() else Vocabularies.bundled()

    def exists(self) -> bool:
        return self.current_version() is not None

    # -- writing ---------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time; a second one waits up to `lock_timeout`.
        Held already by this store, it is held once more (a caller that
        parses its pages under the lock, then builds)."""
        if self._locked:
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as lock:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"another build or update of {self.root} has held the write lock "
                            f"for over {self.lock_timeout:g}s; wait for it to finish and retry"
                        ) from None
                    time.sleep(0.05)
            self._locked = True
            try:
                yield
            finally:
                self._locked = False
                fcntl.flock(lock, fcntl.LOCK_UN)

    def build(
        self,
        items: Sequence[NewsItem],
        sources: Sequence[str] = (),
        progress: ProgressCallback | None = None,
        processes: int = 1,
        vocabularies: Vocabularies | None = None,
        words: collections.Counter[str] | None = None,
    ) -> dict:
        """Write a complete new version from `items` (tagged with
        `vocabularies`, by default the bundled ones), in up to `processes`
        processes, and swap it in. `words` are the items' word counts
        (`indexer.build.words.count_words`), when known already."""
        with self.write_lock():
            vocabularies = vocabularies or Vocabularies.bundled()
            return self._build_locked(items, sources, progress, processes, vocabularies, words)

    def update(
        self,
        items: Sequence[NewsItem],
        sources: Sequence[str] = (),
        vocabularies: Vocabularies | None = None,
        words: collections.Counter[str] | None = None,
    ) -> tuple[UpdateCounts, dict]:
        """Apply only the differences between `items` and the serving index:
        new ids are added, ids whose content hash changed are replaced, ids
        no longer in `items` are removed. Builds from scratch if there is no
        index yet, one of an older format, or one built with other
        vocabularies (every item's facets may have changed)."""
        vocabularies = vocabularies or Vocabularies.bundled()
        with self.write_lock():
            current = self.current_version()
            if current is not None and self._can_update(current, vocabularies):
                return self._update_locked(current, items, sources, vocabularies, words)
            manifest = self._build_locked(items, sources, None, 1, vocabularies, words)
            return UpdateCounts(added=manifest["documents"], changed=0, removed=0, unchanged=0), manifest

    def activate(self, source: str | os.PathLike) -> tuple[dict, bool]:
        """Serve the version in the directory `source`, verified against its
        checksums; copied into the index directory first if it lives
        elsewhere. Returns its manifest, and whether `current` changed
        (not when the version is serving already)."""
        source = Path(source).resolve()
        with self.write_lock():
            self._remove_abandoned_versions()
            manifest = verify_version(source)
            version = manifest["version"]
            if version == self.current_version():
                log.info("%s is serving already", version)
                return manifest, False
            target = self.version_path(version)
            if not target.exists():
                self._copy_in(source, version)
            elif target.resolve() != source:
                verify_version(target)
            self._swap(version)
            self._prune(keep=version)
            log.info("activated %s", version)
            return manifest, True

    def _copy_in(self, source: Path, version: str) -> None:
        """Copy a version under a temporary name, verify the copy, then
        rename it: a half-copied version is never seen as one."""
        log.info("copying %s into %s", source, self.root)
        incoming = self.root / f"{INCOMING_PREFIX}{version}"
        try:
            shutil.copytree(source, incoming)
            _fsync_tree(incoming)
            verify_version(incoming)
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        os.rename(incoming, self.version_path(version))
        _fsync_dir(self.root)

    def _can_update(self, version: str, vocabularies: Vocabularies) -> bool:
        manifest = self.manifest(version)
        return manifest.get("format") == FORMAT and manifest.get("vocabularies") == vocabularies.digest

    def _build_locked(
        self,
        items: Sequence[NewsItem],
        sources: Sequence[str],
        progress: ProgressCallback | None,
        processes: int,
        vocabularies: Vocabularies,
        words: collections.Counter[str] | None,
    ) -> dict:
        self._remove_abandoned_versions()
        version, path = self._new_version_dir()
        index = whoosh.index.create_in(str(path), build_schema())
        try:
            write_new_index(index, items, item_to_document, processes, progress)
            redirects = self._redirects(items)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        manifest = self._finish_version(version, index, sources, items, vocabularies, words, redirects)
        log.info("built index %s: %d documents", version, manifest["documents"])
        return manifest

    def _update_locked(
        self,
        current: str,
        items: Sequence[NewsItem],
        sources: Sequence[str],
        vocabularies: Vocabularies,
        words: collections.Counter[str] | None,
    ) -> tuple[UpdateCounts, dict]:
        self._remove_abandoned_versions()
        indexed = self._content_hashes(current)
        wanted = {item.id: item for item in items}
        added = [item for key, item in wanted.items() if key not in indexed]
        changed = [item for key, item in wanted.items() if key in indexed and indexed[key] != item.content_hash]
        removed = [key for key in indexed if key not in wanted]
        # An edited title: the same item under a new id, changed, not removed and added.
        renames, redirects = self._renames(current, removed, added, set(wanted))
        counts = UpdateCounts(
            len(added) - len(renames),
            len(changed) + len(renames),
            len(removed) - len(renames),
            len(wanted) - len(added) - len(changed),
        )
        if not counts.total_changes:
            manifest = self.manifest(current)
            log.info("update of %s: nothing changed", current)
            return counts, manifest

        version, path = self._new_version_dir()
        _link_tree(self.version_path(current), path)
        index = whoosh.index.open_dir(str(path))
        writer = index.writer(**writer_options(len(added) + len(changed)))
        try:
            for key in removed:
                writer.delete_by_term(ID, key)
            for item in changed:
                writer.update_document(**item_to_document(item))
            for item in added:
                writer.add_document(**item_to_document(item))
            writer.commit(optimize=False)
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        try:
            write_missing(index)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        manifest = self._finish_version(
            version, index, sources, items, vocabularies, words, redirects, linked_from=current
        )
        log.info("updated index %s -> %s: %s", current, version, counts)
        return counts, manifest

    def _redirects(self, items: Sequence[NewsItem]) -> dict[str, str]:
        """For a build over a serving version: its redirects, and those of
        the items whose title changed since."""
        current = self.current_version()
        if current is None:
            return {}
        ids = {item.id for item in items}
        indexed = self._content_hashes(current)
        gone = [key for key in indexed if key not in ids]
        added = [item for item in items if item.id not in indexed]
        return self._renames(current, gone, added, ids)[1]

    def _renames(
        self, current: str, gone: Sequence[str], added: Sequence[NewsItem], ids: set[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The items of `current` that are `gone` and come back `added` under
        another id (old -> new), and the redirects of a version holding `ids`."""
        renames = renamed(self._stored_items(current, gone), added)
        return renames, carried_forward(read_redirects(self.version_path(current)), renames, ids)

    def _stored_items(self, version: str, ids: Sequence[str]) -> dict[str, dict]:
        """The items of `ids` as `version` stores them (none past the number
        compared for renames)."""
        if not ids or len(ids) > MAX_GONE_COMPARED:
            return {}
        _, index = self.open(version)
        with index.searcher() as searcher:
            found = (searcher.document(**{ID: key}) for key in ids)
            return {fields[ID]: json.loads(fields[DATA]) for fields in found if fields}

    def _content_hashes(self, version: str) -> dict[str, str]:
        """Each item id of a version and its content hash."""
        try:
            return json.loads((self.version_path(version) / CONTENT_HASHES).read_text("utf-8"))
        except FileNotFoundError:  # a version written before these were kept apart
            _, index = self.open(version)
            with index.searcher() as searcher:
                return {fields[ID]: fields[CONTENT_HASH] for fields in searcher.all_stored_fields()}

    def _new_version_dir(self) -> tuple[str, Path]:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        version = f"{VERSION_PREFIX}{stamp}-{os.getpid()}"
        path = self.version_path(version)
        path.mkdir(parents=True)
        return version, path

    def _finish_version(
        self,
        version: str,
        index: whoosh.index.Index,
        sources: Sequence[str],
        items: Sequence[NewsItem],
        vocabularies: Vocabularies,
        words: collections.Counter[str] | None,
        redirects: dict[str, str],
        linked_from: str | None = None,
    ) -> dict:
        """Write what a version keeps beside its index, its checksums last
        (reusing those of `linked_from` for the files linked from it), and
        swap it in."""
        path = self.version_path(version)
        write_words(count_words(items) if words is None else words, path)
        (path / PHRASES_FILE).write_text(json.dumps(title_phrases(item.title for item in items)), "utf-8")
        (path / CONTENT_HASHES).write_text(json.dumps({item.id: item.content_hash for item in items}), "utf-8")
        write_redirects(path, redirects)
        vocabularies.copy_to(path / VOCABULARIES)
        manifest = {
            "version": version,
            "format": FORMAT,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "documents": index.doc_count(),
            "sources": list(sources),
            "vocabularies": vocabularies.digest,
            "whoosh": whoosh.versionstring(),
        }
        _write_durably(path / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        _fsync_tree(path)
        _write_checksums(path, self.version_path(linked_from) if linked_from else None)
        self._swap(version)
        self._prune(keep=version)
        return manifest

    def _swap(self, version: str) -> None:
        tmp = self.root / f".{CURRENT}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(version, tmp)
        os.replace(tmp, self.root / CURRENT)
        _fsync_dir(self.root)

    def _versions(self) -> list[str]:
        return sorted(p.name for p in self.root.glob(f"{VERSION_PREFIX}*") if p.is_dir())

    def _prune(self, keep: str) -> None:
        older = [v for v in self._versions() if v != keep]
        for version in older[: max(0, len(older) - KEEP_PREVIOUS)]:
            shutil.rmtree(self.version_path(version), ignore_errors=True)

    def _remove_abandoned_versions(self) -> None:
        """Versions without a manifest were left by a build that died, and
        incoming ones by an activation that died while copying; only called
        under the write lock, so none of them is still being written."""
        for version in self._versions():
            if not (self.version_path(version) / MANIFEST).exists():
                log.warning("removing abandoned partial index %s", version)
                shutil.rmtree(self.version_path(version), ignore_errors=True)
        for incoming in self.root.glob(f"{INCOMING_PREFIX}*"):
            log.warning("removing abandoned partial copy %s", incoming.name)
            shutil.rmtree(incoming, ignore_errors=True)


def verify_version(path: str | os.PathLike) -> dict:
    """Check that every file listed in a version's checksums is there with
    its size and SHA-256, and that this release can serve the version;
    return its manifest. VersionInvalid names the first file that is not right."""
    path = Path(path)
    try:
        listed = json.loads((path / CHECKSUMS).read_text("utf-8"))
    except FileNotFoundError:
        raise VersionInvalid(f"{path / CHECKSUMS}: missing; not a finished index version") from None
    except ValueError as err:
        raise VersionInvalid(f"{path / CHECKSUMS}: unreadable: {err}") from None
    if MANIFEST not in listed:
        raise VersionInvalid(f"{path / CHECKSUMS}: does not list {MANIFEST}")
    for name, expected in listed.items():
        file = path / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise VersionInvalid(f"{path / CHECKSUMS}: lists a file outside the version: {name}")
        if not file.is_file():
            raise VersionInvalid(f"{file}: missing")
        size = file.stat().st_size
        if size != expected["size"]:
            raise VersionInvalid(f"{file}: {size} bytes, {expected['size']} in {CHECKSUMS}")
        if _sha256(file) != expected["sha256"]:
            raise VersionInvalid(f"{file}: SHA-256 differs from {CHECKSUMS}")
    manifest = json.loads((path / MANIFEST).read_text("utf-8"))
    version = str(manifest.get("version"))
    if not version.startswith(VERSION_PREFIX) or os.sep in version:
        raise VersionInvalid(f"{path / MANIFEST}: {version!r} is not a version name")
    if manifest.get("format") != FORMAT:
        raise VersionInvalid(f"{path / MANIFEST}: index format {manifest.get('format')}, this release's is {FORMAT}")
    return manifest


def _write_checksums(path: Path, linked_from: Path | None) -> None:
    """List every file of the version with its size and SHA-256; a file that
    is the same inode as one of `linked_from` keeps the sum listed there."""
    linked: dict[tuple[int, int, int], dict] = {}
    if linked_from is not None and (linked_from / CHECKSUMS).exists():
        for name, entry in json.loads((linked_from / CHECKSUMS).read_text("utf-8")).items():
            with contextlib.suppress(FileNotFoundError):
                linked[_identity((linked_from / name).stat())] = entry
    listed = {}
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p != path / CHECKSUMS):
        stat = file.stat()
        sums = linked.get(_identity(stat)) or {"size": stat.st_size, "sha256": _sha256(file)}
        listed[file.relative_to(path).as_posix()] = sums
    _write_durably(path / CHECKSUMS, json.dumps(listed, indent=1) + "\n")
    _fsync_dir(path)


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_dev, stat.st_ino, stat.st_size


def title_phrases(titles: Iterable[str], min_items: int = 2) -> dict[str, int]:
    """Runs of 2 or 3 words of titles (not across punctuation, not starting
    or ending with a stop word) found in at least `min_items` titles, as
    most often written, with the number of titles that have them."""
    counts: collections.Counter[str] = collections.Counter()
    for title in titles:
        grams = set()
        for run in _PHRASE_RUN.findall(title):
            words = run.split()
            for n in (2, 3):
                for i in range(len(words) - n + 1):
                    if words[i].lower() not in STOP_WORDS and words[i + n - 1].lower() not in STOP_WORDS:
                        grams.add(" ".join(words[i : i + n]))
        counts.update(grams)
    folded: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    for form, count in counts.items():
        folded[form.lower()].append((count, form))
    phrases = {max(forms)[1]: sum(count for count, _ in forms) for forms in folded.values()}
    return {form: count for form, count in phrases.items() if count >= min_items}


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _link_tree(source: Path, target: Path) -> None:
    """Whoosh never rewrites a segment file once written, so an update can
    start from hard links to the serving version's files instead of copies."""
    written_anew = (MANIFEST, CHECKSUMS, WORDS_FILE, PHRASES_FILE, VOCABULARIES, CONTENT_HASHES)
    for entry in source.iterdir():
        if entry.name in written_anew or "LOCK" in entry.name.upper():
            continue
        os.link(entry, target / entry.name)


def _write_durably(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_tree(path: Path) -> None:
    for entry in path.iterdir():
        if entry.is_dir():
            _fsync_tree(entry)
        elif entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
