""""Did you mean": the closest words of the index vocabulary.

Whoosh's corrector walks the term dictionary with an automaton per word,
tens of milliseconds a word; here the vocabulary is read once per index
version and rapidfuzz compares against all of it in C.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.reading import IndexReader

from indexer.schema import SPELL

MAX_DISTANCE = 2
MIN_WORD_LENGTH = 4


class Vocabulary:
    def __init__(self, reader: IndexReader):
        frequencies = {}
        for term, info in reader.iter_field(SPELL):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            frequencies[word] = info.doc_frequency()
        self.frequencies = frequencies
        # Numbers and dotted acronyms are never offered as corrections.
        self.offerable = [w for w in frequencies if w.isalpha()]

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
