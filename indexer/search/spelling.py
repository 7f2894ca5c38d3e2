""" "Did you mean": the closest words of the index's word list.

The word list (`indexer.build.words`) is written beside each index version
when it is built, and rapidfuzz compares an unknown word against all of it
in C.
"""

from __future__ import annotations

import re
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from indexer.build.words import read_words

MAX_DISTANCE = 2
MIN_WORD_LENGTH = 4


class Speller:
    def __init__(self, frequencies: dict[str, int]):
        self.frequencies = frequencies
        # Numbers and dotted acronyms are never offered as corrections.
        self.offerable = [w for w in frequencies if w.isalpha()]

    @classmethod
    def read(cls, folder: Path) -> Speller:
        return cls(read_words(folder))

    def correct(self, word: str) -> str | None:
        """The most frequent vocabulary word within two edits of an unknown
        `word`, in the case it was typed; None if `word` is known or nothing is close."""
        folded = word.lower()
        if len(folded) < MIN_WORD_LENGTH or not folded.isalpha() or folded in self.frequencies:
            return None
        close = process.extract(
            folded, self.offerable, scorer=Levenshtein.distance, score_cutoff=MAX_DISTANCE, limit=20
        )
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
