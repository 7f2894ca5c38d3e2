""" "Did you mean": the likely corrections of words the index does not know.

The word list (`indexer.build.words`) is written beside each index version
when it is built, with the number of items each word occurs in; rapidfuzz
compares an unknown word against all of it in C.

A word is corrected only to a vocabulary word within its length's edits (a
transposition is one edit) that keeps its first letter (typing rarely gets
that one wrong). The correction is confident, and may be searched straight
away, when it is clearly the best: no other word is as close, unless
the correction occurs in several times as many items. The words of country
names, aliases and adjectives are names, never corrected (`Sudan`, `Cuba`).
Another capitalised unknown word is taken for a name found in no item
(`Haiti`): it is never searched as another word, and is only offered a
correction one edit away that would otherwise be confident (`Mechelin` ->
`Mechelen`). All-caps acronyms are never corrected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.build.words import read_words

MIN_WORD_LENGTH = 4
# Words of 4 to 6 letters may have one edit, longer words two.
TWO_EDITS_FROM_LENGTH = 7
# How many times as many items a correction must occur in to be confident
# over another word as close.
CLEARLY_MORE_FREQUENT = 3


class Suggestion(NamedTuple):
    q: str  # the word or query corrected
    confident: bool  # likely enough to search instead of the words as typed


class Speller:
    def __init__(self, frequencies: dict[str, int], names: frozenset[str] = frozenset()):
        self.frequencies = frequencies
        self.names = names  # folded words that are correct as typed, found in an item or not
        # Numbers and dotted acronyms are never offered as corrections.
        self.offerable = [w for w in frequencies if w.isalpha()]

    @classmethod
    def read(cls, folder: Path, names: frozenset[str] = frozenset()) -> Speller:
        return cls(read_words(folder), names)

    def correct(self, word: str) -> Suggestion | None:
        """The likely correction of an unknown `word`, in the case it was
        typed; None if `word` is known or nothing is likely."""
        folded = word.lower()
        if (
            len(folded) < MIN_WORD_LENGTH
            or not folded.isalpha()
            or folded in self.frequencies
            or folded in self.names
            or word.isupper()
        ):
            return None
        name = word[0].isupper()
        edits = 1 if name or len(folded) < TWO_EDITS_FROM_LENGTH else 2
        close = process.extract(folded, self.offerable, scorer=OSA.distance, score_cutoff=edits, limit=None)
        offered = sorted(
            (match for match in close if match[0][0] == folded[0]),
            key=lambda match: (match[1], -self.frequencies[match[0]]),
        )
        if not offered:
            return None
        best, distance, _ = offered[0]
        # Any word as close is a rival, whatever its first letter.
        rivals = [self.frequencies[w] for w, d, _ in close if d <= distance and w != best]
        likely = all(self.frequencies[best] >= CLEARLY_MORE_FREQUENT * f for f in rivals)
        if name:
            return Suggestion(best.capitalize(), False) if likely else None
        return Suggestion(best, likely)

    def suggest(self, text: str, words: list[str]) -> Suggestion | None:
        """`text` with its misspelled `words` corrected, confident when every
        correction is; None when no word needs one."""
        corrected, corrections = text, []
        for word in words:
            correction = self.correct(word)
            if correction:
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", correction.q, corrected, count=1)
                corrections.append(correction.confident)
        return Suggestion(corrected, all(corrections)) if corrections else None
