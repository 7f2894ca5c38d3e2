"""Text analysis: how the words of titles and bodies become index terms.

One function, `index_term`, decides the term of a word (lowercased,
accents folded, British spelling made American, stemmed); the analyzer the
schema uses, the highlighter and proximity all go through it, so what is
highlighted is exactly what matched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import cast

from whoosh import analysis
from whoosh.analysis import Token
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

from indexer.facets.text import spelling_variants

# A token is a word, or a dotted acronym kept whole (GLO.ACT, U.S.) so that
# it can be searched exactly as it is written.
TOKEN = re.compile(r"\w+(?:\.\w+)*")
# The whole value as one token, for an analyzer called with tokenize=False.
_WHOLE = re.compile(r"\A.*\Z", re.DOTALL)
# Accented letter (as an ordinal) -> its plain form; Whoosh declares the
# map with characters as keys, then rebinds it with their ordinals.
ACCENT_MAP = cast(dict[int, str], accent_map)


@functools.cache
def spelling_map() -> dict[str, str]:
    """British form -> American form, with regular inflections derived."""
    mapping: dict[str, str] = {}
    for british, american in spelling_variants():
        for b, a in zip(_inflections(british), _inflections(american), strict=True):
            if b != a:
                mapping[b] = a
    return mapping


def _inflections(word: str) -> list[str]:
    # Index-aligned between the two spellings of a pair.
    if word.endswith("e"):
        stem = word[:-1]
        return [word, word + "s", word + "d", word + "r", word + "rs", stem + "ing", stem + "ation", stem + "ations"]
    return [word, word + "s", word + "ed", word + "er", word + "ers", word + "ing", word + "ation", word + "ations"]


@functools.lru_cache(maxsize=500_000)
def index_term(word: str) -> str | None:
    """The index term of one word of text: lowercased, accents folded,
    British spelling made American, stemmed; None for a stop word.
    Cached: a corpus repeats its words, so each is analysed once."""
    folded = word.lower().translate(ACCENT_MAP)
    folded = spelling_map().get(folded, folded)
    if len(folded) < 2 or folded in analysis.STOP_WORDS:
        return None
    return stem(folded)


class TextAnalyzer(analysis.Analyzer):
    """Tokenizer and filters in one pass over cached `index_term`s: the same
    terms as RegexTokenizer | LowercaseFilter | CharsetFilter(accent_map) |
    spelling variants | StopFilter | StemFilter, without running five
    chained generators for every word of every document."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = (TOKEN if tokenize else _WHOLE).finditer(value)
        pos = start_pos
        for match in matches:
            term = index_term(match.group())
            if term is None and removestops:
                continue
            token.text = term if term is not None else match.group().lower()
            token.stopped = term is None
            token.boost = 1.0
            if keeporiginal:
                token.original = match.group()  # type: ignore[attr-defined]  # Whoosh's tokens take any attribute
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def text_analyzer() -> TextAnalyzer:
    return TextAnalyzer()
