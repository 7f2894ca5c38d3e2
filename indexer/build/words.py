"""The index's word list: every word of every title and body, unstemmed,
with the number of items it occurs in, written beside each index version
for "did you mean" (`indexer.search.spelling`)."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterable
from pathlib import Path

from whoosh.analysis import STOP_WORDS

from indexer.build.analysis import ACCENT_MAP, TOKEN
from indexer.model import NewsItem

WORDS_FILE = "words.json"


def words_of(text: str) -> set[str]:
    words = (word if word.isascii() else word.translate(ACCENT_MAP) for word in set(TOKEN.findall(text.lower())))
    return {word for word in words if len(word) >= 3 and word not in STOP_WORDS}


def item_words(item: NewsItem) -> set[str]:
    return words_of(f"{item.title}\n{item.body}")


def count_words(items: Iterable[NewsItem]) -> collections.Counter[str]:
    """Each word and the number of `items` it occurs in."""
    counts: collections.Counter[str] = collections.Counter()
    for item in items:
        counts.update(item_words(item))
    return counts


def write_words(counts: collections.Counter[str], folder: Path) -> None:
    (folder / WORDS_FILE).write_text(json.dumps(dict(counts), ensure_ascii=False), "utf-8")


def read_words(folder: Path) -> dict[str, int]:
    path = folder / WORDS_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else {}
