"""Sources -> parsed items -> items with facets: the input of every build."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from indexer.facets import extract_facets
from indexer.facets.vocabulary import Vocabularies
from indexer.ingest.sources import load_items
from indexer.model import NewsItem

DEFAULT_INDEX_DIR = "index"


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSEARCH_INDEX_DIR") or DEFAULT_INDEX_DIR)


def vocabularies_from(folder: str | os.PathLike[str] | None = None) -> Vocabularies:
    """The vocabularies in `folder`, else in `$NEWSEARCH_VOCABULARIES`, else
    the bundled ones."""
    folder = folder or os.environ.get("NEWSEARCH_VOCABULARIES")
    return Vocabularies(folder) if folder else Vocabularies.bundled()


def tagged_items(
    sources: Sequence[str] = (), timeout: float = 10.0, vocabularies: Vocabularies | None = None
) -> list[NewsItem]:
    return [extract_facets(item, vocabularies) for item in load_items(sources, timeout=timeout)]
