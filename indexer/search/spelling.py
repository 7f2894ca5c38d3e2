""""Did you mean": the closest words of the index vocabulary.

The vocabulary (every word of every title and body, unstemmed, with the
number of items it occurs in) is written beside each index version when it
is built, and rapidfuzz compares an unknown word against all of it in C.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.analysis import STOP_WORDS
from whoosh.support.charset import accent_map

from indexer.model import NewsItem
from indexer.build.schema import TOKEN

VOCABULARY_FILE = "vocabulary.json"
MAX_DISTANCE = 2
MIN_WORD_LENGTH = 4


def words_of(text: str) -> set[str]:
    words = (word if word.isascii() else word.translate(accent_map) for word in set(TOKEN.findall(text.lower())))
    return {word for word in words if len(word) >= 3 and word not in STOP_WORDS}


class Vocabulary:
    def __init__(self, frequencies: dict[str, int]):
        self.frequencies = frequencies
        # Numbers and dotted acronyms are never offered as corrections.
        self.offerable = [w for w in frequencies if w.isalpha()]

    @classmethod
    def of_items(cls, items: Iterable[NewsItem]) -> Vocabulary:
        counts: collections.Counter[str] = collections.Counter()
        for item in items:
            counts.update(words_of(f"{item.title}\n{item.body}"))
        return cls(dict(counts))

    @classmethod
    def read(cls, folder: Path) -> Vocabulary:
        path = folder / VOCABULARY_FILE
        return cls(json.loads(path.read_text("utf-8")) if path.exists() else {})

    def write(self, folder: Path) -> None:
        (folder / VOCABULARY_FILE).write_text(json.dumps(self.frequencies, ensure_ascii=False), "utf-8")

    def correct(self, word: str) -> str | None:
        """The most frequent vocabulary word within two edits of an unknown
        `word`, in the case it was typed; None if `word` is known or nothing is close."""
        folded = word.lower()
        if len(folded) < MIN_WORD_LENGTH or not folded.isalpha() or folded in self.frequencies:
            return None
        close = process.extract(folded, self.offerable, scorer=Levenshtein.distance,
                                score_cutoff=MAX_DISTANCE, limit=20)
        if not close:
            return None
        best, _, _ = min(close, key=lambda match: (match[1], -self.frequencies[match[0]]))
        return best.capitalize() if word[:1].isupper() else best

    def suggest(self, text: str, words: list[str]) -> str | None:
        """`text` with its misspelled `words` corrected, or None."""
        corrected, changed = text, False
        for word in words:
            replacement = self.correct(word)
            if replacement:
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, corrected, count=1)
                changed = True
        return corrected if changed else None
