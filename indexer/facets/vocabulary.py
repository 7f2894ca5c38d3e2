"""The editors' vocabularies: the data files that facet extraction and
facet search read, as one value that a build records in the index version
it writes.

A running server takes the vocabularies of the version it serves, never
the files it was installed with, so an editor's change followed by a build
is live on the next request. Two sets with the same content are equal
(by digest), so what is compiled from them is shared between versions.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any

# The files, in `indexer/data/` and in each index version's `vocabularies/`.
FILES = (
    "themes.toml",
    "programmes.toml",
    "organisations.toml",
    "country_aliases.toml",
    "country_roles.toml",
    "regions.toml",
    "m49.toml",
    "boilerplate.toml",
)
BUNDLED = Path(__file__).resolve().parent.parent / "data"


class VocabularyError(ValueError):
    """A vocabulary folder or file that cannot be used; says which and why."""


class Vocabularies:
    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        missing = [name for name in FILES if not (self.folder / name).is_file()]
        if missing:
            raise VocabularyError(f"{self.folder}: missing vocabulary files: {', '.join(missing)}")
        self._texts = {name: (self.folder / name).read_text("utf-8") for name in FILES}
        digest = hashlib.sha256()
        for name, text in self._texts.items():
            digest.update(f"{name}\0{text}\0".encode())
        self.digest = digest.hexdigest()[:16]
        self._toml: dict[str, dict[str, Any]] = {}

    @staticmethod
    @functools.cache
    def bundled() -> Vocabularies:
        """The vocabularies installed with the package (`indexer/data/`)."""
        return Vocabularies(BUNDLED)

    def toml(self, name: str) -> dict[str, Any]:
        """One file, parsed once; callers must not change what it returns."""
        if name not in self._toml:
            try:
                self._toml[name] = tomllib.loads(self._texts[name])
            except tomllib.TOMLDecodeError as err:
                raise VocabularyError(f"{self.folder / name}: {err}") from None
        return self._toml[name]

    def copy_to(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(self.folder / name, folder / name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabularies) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"Vocabularies({str(self.folder)!r}, digest={self.digest!r})"
