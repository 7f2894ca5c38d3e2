"""Sources -> parsed items -> items with facets: the input of every build."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from indexer.facets import extract_facets
from indexer.model import NewsItem
from indexer.ingest.sources import load_items

DEFAULT_INDEX_DIR = "index"


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSEARCH_INDEX_DIR") or DEFAULT_INDEX_DIR)


def tagged_items(sources: Sequence[str] = (), timeout: float = 10.0) -> list[NewsItem]:
    return [extract_facets(item) for item in load_items(sources, timeout=timeout)]
