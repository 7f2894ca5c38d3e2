"""The editors' files, applied at query time: best bets (`best_bets.toml`)
and synonyms (`synonyms.txt`) in one curation folder.

They live outside the index versions, so that editors change them on a
running service without a rebuild: each request looks at the files (one
`stat` each) and a changed file is read again. A file that does not parse
is logged and reported, and its last good version stays in force.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer.curation.best_bets import NO_BEST_BETS, BestBets, BestBetsError
from indexer.curation.synonyms import NO_SYNONYMS, Synonyms, SynonymsError

BEST_BETS_FILE = "best_bets.toml"
SYNONYMS_FILE = "synonyms.txt"

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Rules:
    """The editors' rules in force for one request."""

    best_bets: BestBets = NO_BEST_BETS
    synonyms: Synonyms = NO_SYNONYMS
    # A digest of the files' contents: part of answers' ETags and cursors.
    version: str = ""
    # Files that did not parse, with why: their last good version is in force.
    problems: tuple[str, ...] = ()


NO_RULES = Rules()


class _File:
    """One editors' file, read again when its size or time changes."""

    def __init__(self, path: Path, parse: Callable[[str], Any], empty: Any, errors: type[Exception]):
        self.path, self.parse, self.errors = path, parse, errors
        self.value, self.digest, self.problem = empty, "", ""
        self._empty = empty
        self._seen: tuple[int, int, int] | None = None

    def refresh(self) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            if self._seen is not None:
                log.info("%s removed: no rules from it", self.path)
            self.value, self.digest, self.problem, self._seen = self._empty, "", "", None
            return
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if seen == self._seen:
            return
        self._seen = seen
        try:
            raw = self.path.read_bytes()
            value = self.parse(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, self.errors) as err:
            self.problem = f"{self.path.name}: {err}; the last good version stays in force"
            log.error("%s", self.problem)
            return
        self.value, self.digest, self.problem = value, hashlib.blake2b(raw, digest_size=8).hexdigest(), ""
        log.info("%s read", self.path)


class Curation:
    """The curation folder as the service sees it, one `Rules` a request."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._files = (
            _File(self.folder / BEST_BETS_FILE, BestBets.parse, NO_BEST_BETS, BestBetsError),
            _File(self.folder / SYNONYMS_FILE, Synonyms.parse, NO_SYNONYMS, SynonymsError),
        )
        self._lock = threading.Lock()
        self._rules = NO_RULES

    def current(self) -> Rules:
        with self._lock:
            for file in self._files:
                file.refresh()
            bets, synonyms = self._files
            version = "-".join(file.digest for file in self._files).strip("-")
            problems = tuple(file.problem for file in self._files if file.problem)
            if (version, problems) != (self._rules.version, self._rules.problems):
                self._rules = Rules(bets.value, synonyms.value, version, problems)
            return self._rules
