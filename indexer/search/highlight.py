"""Highlighted titles and snippets: HTML-escaped text, `<mark>` around the
words that matched, and no other markup.

A word is marked when its index term (the analyzer's own cached
`index_term`) is one of the query's terms. Rather than analysing every word
of a body, a `_Finder` looks for the places where such a word can begin,
with plain substring searches for the letters every spelling of a term
starts with, and analyses only the words found there; a snippet then
escapes and marks up only the window it shows.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from bisect import bisect_left

from whoosh.lang.porter import stem

from indexer.build.analysis import TOKEN, index_term, spelling_map

SNIPPET_CHARS = 240

# One word character, as TOKEN's `\w` sees it.
_WORD = re.compile(r"\w")
# Whitespace that str.split() breaks at, besides space, tab, CR and LF.
_OTHER_SPACES = (
    "\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def matched_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of each word of `text` whose index term is one of
    `terms`, in order."""
    return _finder(terms).spans(text) if terms else []


def mark(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for start, end, _ in spans:
        out.append(html.escape(text[last:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        last = end
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def highlight_title(title: str, terms: frozenset[str]) -> str:
    return mark(title, matched_spans(title, terms))


def snippet(body: str, terms: frozenset[str], width: int = SNIPPET_CHARS) -> str:
    """The stretch of `body` of about `width` characters holding the most
    distinct matched terms (then the most matches, then the earliest), marked;
    the opening of the body when nothing matches."""
    if not terms:
        return _opening(body, width)
    text = _squeezed(body)
    spans = matched_spans(text, terms)
    if not spans:
        return html.escape(_clip(text, 0, width), quote=False)
    start = _word_start(text, _best_window(spans, width))
    end = _word_end(text, start + width)
    first = bisect_left(spans, start, key=lambda span: span[0])
    window = []
    for s, e, t in itertools.islice(spans, first, None):
        if s >= end:
            break
        if e <= end:
            window.append((s - start, e - start, t))
    return ("… " if start > 0 else "") + mark(text[start:end], window) + (" …" if end < len(text) else "")


def _best_window(spans: list[tuple[int, int, str]], width: int) -> int:
    """Where the best window of `spans` begins. Each match opens one, a
    quarter of `width` before it, that holds it and the matches after it
    ending within `width` of that beginning; the best has the most distinct
    terms, then the most matches, and is the first of equals."""
    best_start, best_score = 0, (-1, -1)
    counts: dict[str, int] = {}
    end = 0  # spans[i:end] are in the window of match i
    for i, (start, _, _) in enumerate(spans):
        window_start = max(0, start - width // 4)
        end = max(end, i)
        while end < len(spans) and spans[end][1] <= window_start + width:
            counts[spans[end][2]] = counts.get(spans[end][2], 0) + 1
            end += 1
        score = (len(counts), end - i)
        if score > best_score:
            best_start, best_score = window_start, score
        if end > i:
            term = spans[i][2]
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
    return best_start


def _opening(body: str, width: int) -> str:
    """The escaped opening words of `body`, read from only as much of it as
    they need."""
    size = 2 * width if width > 0 else len(body)
    head = _squeezed(body[:size])
    while len(head) <= width and size < len(body):
        size *= 4
        head = _squeezed(body[:size])
    # `head` is the start of the whole squeezed body, longer than the clip
    # unless it is all of it, so it clips the same.
    return html.escape(_clip(head, 0, width), quote=False)


def _squeezed(text: str) -> str:
    """`" ".join(text.split())`: each run of whitespace one space, none at
    either end; by replacing, without a string for every word, when the only
    whitespace is spaces, tabs and line breaks."""
    if any(space in text for space in _OTHER_SPACES):
        return " ".join(text.split())
    text = text.replace("\r", "\n").replace("\t", "\n")
    while "\n\n" in text:
        text = text.replace("\n\n", "\n")
    text = text.replace("\n", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


def _clip(text: str, start: int, width: int) -> str:
    end = _word_end(text, start + width)
    return text[start:end] + (" …" if end < len(text) else "")


def _word_start(text: str, index: int) -> int:
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    return space + 1 if space >= 0 else 0


def _word_end(text: str, index: int) -> int:
    if index >= len(text):
        return len(text)
    space = text.rfind(" ", 0, index)
    return space if space > 0 else index


class _Finder:
    """Finds the words of a text whose index term is one of some terms.

    A word whose term is `t` begins, lowercased, with `_stem_prefix(t)`, or
    is a British spelling that `index_term` makes American before stemming
    it to `t`. So only the words that begin where one of those occurs in the
    text are analysed, and the words with letters other than ASCII ones; a
    text with many of those is tokenised whole."""

    def __init__(self, terms: frozenset[str]):
        self.terms = terms
        british = _british_spellings()
        starts = {_stem_prefix(term) for term in terms} | {word for term in terms for word in british.get(term, ())}
        # A prefix that begins with another finds nothing that one does not.
        self.prefixes: list[bytes] = []
        for prefix in sorted(word.encode() for word in starts if word and word.isascii()):
            if not self.prefixes or not prefix.startswith(self.prefixes[-1]):
                self.prefixes.append(prefix)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        # One byte a character: ASCII letters lowercased, others a "?".
        folded = text.encode("ascii", "replace").lower()
        non_ascii = 0 if text.isascii() else folded.count(b"?") - text.count("?")
        if non_ascii * 64 > len(text):
            return _scan(text, self.terms)
        found: dict[int, tuple[int, str]] = {}
        for prefix in self.prefixes:
            i = folded.find(prefix)
            while i >= 0:
                if i not in found and _starts_token(text, i):
                    self._check(text, i, found)
                i = folded.find(prefix, i + 1)
        if non_ascii:
            i = folded.find(b"?")
            while i >= 0:
                if text[i] != "?" and _WORD.match(text, i):
                    start = i
                    while not _starts_token(text, start):
                        start -= 1
                    i = self._check(text, start, found) - 1
                i = folded.find(b"?", i + 1)
        return [(start, end, term) for start, (end, term) in sorted(found.items())]

    def _check(self, text: str, start: int, found: dict[int, tuple[int, str]]) -> int:
        """Records the token at `start` in `found` if its term is one of the
        terms; returns where the token ends."""
        match = TOKEN.match(text, start)
        if match is None:
            return start + 1
        term = index_term(match.group())
        if term in self.terms:
            found[start] = (match.end(), term)
        return match.end()


def _scan(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """`matched_spans` by analysing every word of `text`."""
    return [(m.start(), m.end(), term) for m in TOKEN.finditer(text) if (term := index_term(m.group())) in terms]


def _stem_prefix(term: str) -> str:
    """The letters that every word stemming to `term` begins with. Porter's
    stemmer keeps the beginning of a word, its first letter at least, and
    rewrites at most its end into a final e, i, l or le that the word did not
    have there: hoping -> hope, happy -> happi, capability -> capabl."""
    cut = 2 if term.endswith("le") else 1 if term.endswith(("e", "i", "l")) else 0
    return term[: max(1, len(term) - cut)]


def _starts_token(text: str, i: int) -> bool:
    """Whether TOKEN, reading `text` from its start, begins a token at `i`
    rather than continuing one there (a word character or `.` before it
    followed by one)."""
    if i == 0:
        return True
    if _WORD.match(text, i - 1):
        return False
    return not (i >= 2 and text[i - 1] == "." and _WORD.match(text, i - 2))


@functools.lru_cache(maxsize=64)
def _finder(terms: frozenset[str]) -> _Finder:
    return _Finder(terms)


@functools.cache
def _british_spellings() -> dict[str, tuple[str, ...]]:
    """Index term -> the British spellings that `index_term` makes American
    before stemming them to it."""
    spellings: dict[str, tuple[str, ...]] = {}
    for british, american in spelling_map().items():
        term = stem(american)
        spellings[term] = (*spellings.get(term, ()), british)
    return spellings


def proximity(text: str, terms: frozenset[str]) -> float:
    """1.0 when every term occurs in `text` within a window of about as many
    words as there are terms, falling towards 0 as the closest such window
    widens; 0 when some term is missing."""
    positions = [(i, term) for i, term in enumerate(map(index_term, TOKEN.findall(text))) if term in terms]
    if len({term for _, term in positions}) < len(terms):
        return 0.0
    best = len(text)
    last_seen: dict[str, int] = {}
    for i, term in positions:
        last_seen[term] = i
        if len(last_seen) == len(terms):
            best = min(best, i - min(last_seen.values()) + 1)
    return len(terms) / best
