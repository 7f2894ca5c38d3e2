"""Finding the phrases of a vocabulary in text, for every facet.

`PhraseMatcher` finds the phrases of a vocabulary in a text in one pass,
with an Aho–Corasick automaton built once per vocabulary, so its cost per
character hardly grows with the size of the vocabulary. Between the words of
a phrase any run of spaces, a single line break or a hyphen matches
(`Gender-Based` = `gender based`, a name wrapped over two lines still
matches), and a match never starts or ends inside a word (`Niger` does not
fire inside `Nigeria`, `Oman` inside `Romania`). At one position the longest
phrase wins, so `Gulf of Guinea` hides `Guinea` and `Papua New Guinea` is not
`Guinea`. It finds what a regular expression of the phrases would.

`WordPattern` is a regular expression of cue words, tried only where an
automaton finds one of them.

The vocabularies themselves are TOML files (see `vocabulary.py`).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable
from importlib import resources
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, Implementation

from indexer.facets.vocabulary import Vocabularies, VocabularyError

_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014"
_APOSTROPHES = "'\u2019\u2018`"
# Between two words of a phrase: spaces with at most one line break, or a
# hyphen with optional spaces. Never a blank line, so no phrase spans two
# paragraphs.
_GAP = re.compile(rf"[^\S\n]*[\{_HYPHENS}][^\S\n]*\n?[^\S\n]*|[^\S\n]+\n?[^\S\n]*|\n[^\S\n]*")
_GAP_CHARS = re.compile(rf"[\s\{_HYPHENS}]+")
_APOSTROPHE_CHARS = re.compile(f"[{_APOSTROPHES}]")
# Every character but " " that regular expressions call a space (`\s`):
# all are in the Basic Multilingual Plane.
_OTHER_SPACES = "".join(re.findall(r"[^\S ]", "".join(map(chr, range(0x10000)))))
_OTHER_ASCII_SPACES = "".join(char for char in _OTHER_SPACES if char.isascii())
_SPACE_RUN = re.compile("  +")
# Stands for each character of a run of spaces that is no gap: a space
# other than " ", which no phrase has.
_NO_GAP = "\x1c"


def normalise_phrase(text: str) -> str:
    """The form phrases are compared in: one space between words, hyphens as
    spaces, one kind of apostrophe. Case is kept."""
    text = _APOSTROPHE_CHARS.sub("'", text)
    return _GAP_CHARS.sub(" ", text).strip()


def fold(text: str) -> str:
    return normalise_phrase(text).casefold()


@dataclasses.dataclass(frozen=True)
class Phrase:
    text: str  # as written in a data file
    key: str  # what it stands for: an ISO code, a slug, a theme label …
    exact_case: bool = False  # `PACT` must not match "pact"


class Found(NamedTuple):
    key: str
    start: int
    end: int


class PhraseMatcher:
    """One vocabulary, compiled once; `find` returns non-overlapping matches."""

    def __init__(self, phrases: Iterable[Phrase]):
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        forms: list[tuple[str, Phrase]] = []
        for phrase in phrases:
            form = normalise_phrase(phrase.text)
            if not form:
                continue
            table, lookup_form = (self._exact, form) if phrase.exact_case else (self._folded, form.casefold())
            known = table.setdefault(lookup_form, phrase.key)
            if known != phrase.key:
                raise ValueError(f"{phrase.text!r} stands for both {known!r} and {phrase.key!r}")
            forms.append((form, phrase))
        # One automaton finds every phrase. With case-blind phrases, all are
        # found lower-cased in the lower-cased text, and a phrase matched in
        # its own case is then compared with the text as written; without,
        # they are found as written. For each string the automaton finds:
        # whether a case-blind phrase reads so, and the exact-case phrases
        # (form, key) that do.
        case_blind: dict[str, bool] = {}
        exact: dict[str, dict[tuple[str, str], None]] = {}
        for form, phrase in forms:
            if phrase.exact_case:
                found_as = _lower_each(form) if self._folded else form
                case_blind.setdefault(found_as, False)
                exact.setdefault(found_as, {})[form, phrase.key] = None
            else:
                found_as = _lower(form)
                case_blind[found_as] = True
                exact.setdefault(found_as, {})
        self._case_blind = list(case_blind.values())
        self._exact_forms = [tuple(exact[found_as]) for found_as in case_blind]
        self._automaton = AhoCorasick(list(case_blind), implementation=Implementation.DFA) if case_blind else None
        self._keys_as_written: dict[str, str | None] = {}  # of case-blind matches

    def find(self, text: str) -> list[Found]:
        if self._automaton is None:
            return []
        searched = _lower(text) if self._folded else text
        hits = self._hits(searched)
        # The end of the longest match at each start, and for exact-case matches the key.
        exact: dict[int, int] = {}
        keys: dict[int, str] = {}
        folded: dict[int, int] = {}
        if self._exact:
            # Lower-casing a capital sigma depends on what is around it.
            as_written = hits if searched is text or "\u03a3" not in text else self._hits(_lower_each(text))
            for index, start, end in as_written:
                for form, key in self._exact_forms[index]:
                    if exact.get(start, start) < end and _is_whole(text, start, end) and _reads(text[start:end], form):
                        exact[start] = end
                        keys[start] = key
        if self._folded:
            for index, start, end in hits:
                if self._case_blind[index] and folded.get(start, start) < end and _is_whole(searched, start, end):
                    folded[start] = end
        found = [Found(keys[start], start, end) for start, end in _leftmost_longest(exact)]
        for start, end in _leftmost_longest(folded):
            folded_key = self._key_as_written(text[start:end])
            if folded_key is not None:
                found.append(Found(folded_key, start, end))
        if not (self._exact and self._folded):
            return found
        kept: list[Found] = []  # leftmost first, then longest
        for candidate in sorted(found, key=lambda f: (f.start, f.start - f.end)):
            if not kept or candidate.start >= kept[-1].end:
                kept.append(candidate)
        return kept

    def lookup(self, text: str) -> str | None:
        """The key of a phrase typed or matched in any case (for exact-case
        phrases, only in their own case)."""
        form = _normalised(text)
        key = self._exact.get(form)
        return key if key is not None else self._folded.get(form.casefold())

    def _key_as_written(self, written: str) -> str | None:
        """The key of a case-blind match: it is looked up as written, since
        an exact-case phrase may read the same. There are few ways to write
        a phrase, each matched often."""
        try:
            return self._keys_as_written[written]
        except KeyError:
            key = self.lookup(written)
        if len(self._keys_as_written) >= _KEYS_AS_WRITTEN:
            self._keys_as_written.clear()
        self._keys_as_written[written] = key
        return key

    def _hits(self, searched: str) -> list[tuple[int, int, int]]:
        """Every occurrence of a string the automaton finds in a text as
        searched: (which, start, end)."""
        assert self._automaton is not None
        searchable = _searchable(searched)
        hits = self._automaton.find_matches_as_indexes(searchable.normal, overlapping=True)
        if not searchable.shifted_at:
            return hits
        offset = searchable.offset
        return [(index, offset(start), offset(end - 1) + 1) for index, start, end in hits]


_KEYS_AS_WRITTEN = 1 << 14  # at most, kept by each matcher


def _is_whole(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` neither starts nor ends inside a word (`\\w`)."""
    if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    return not (end < len(text) and (text[end].isalnum() or text[end] == "_"))


def _reads(written: str, form: str) -> bool:
    """Whether `written` is `form` but for spacing and apostrophes."""
    return written == form or _normalised(written) == form


def _leftmost_longest(ends: dict[int, int]) -> list[tuple[int, int]]:
    """Of the longest match at each start (start -> end), the leftmost, then
    the next after its end, and so on, as a regular expression finds them."""
    kept: list[tuple[int, int]] = []
    for start in sorted(ends):
        if not kept or start >= kept[-1][1]:
            kept.append((start, ends[start]))
    return kept


@dataclasses.dataclass(frozen=True)
class _Searchable:
    """A text as the automata read it: each gap between words as one space,
    each apostrophe as "'", each run of spaces that is no gap (a blank line)
    as characters no phrase has; and the way back to offsets in the text."""

    normal: str
    shifted_at: list[int]  # offsets in `normal` from which ...
    shifts: list[int]  # ... this many more characters of the text lie before

    def offset(self, normal_offset: int) -> int:
        """The offset in the text of a character of `normal`."""
        at = bisect.bisect_right(self.shifted_at, normal_offset)
        return normal_offset + self.shifts[at - 1] if at else normal_offset


# What `_searchable` writes as a space (but line breaks) and as "'", in any
# text and in an ASCII one.
_ODD = (_OTHER_SPACES.replace("\n", "") + _HYPHENS, _APOSTROPHES.replace("'", ""))
_ODD_ASCII = (_OTHER_ASCII_SPACES.replace("\n", "") + "-", "`")


# The texts of an item are searched by every vocabulary in turn.
@functools.lru_cache(maxsize=8)
def _searchable(text: str) -> _Searchable:
    # str.replace is much faster than a regular expression here. A blank
    # line is the usual run that is no gap; the others are told below.
    odd_spaces, odd_apostrophes = _ODD_ASCII if text.isascii() else _ODD
    normal = text
    for char in odd_spaces:
        normal = normal.replace(char, " ")
    normal = normal.replace("\n\n", _NO_GAP * 2).replace("\n", " ")
    for char in odd_apostrophes:
        normal = normal.replace(char, "'")
    if "  " not in normal:
        return _Searchable(normal, [], [])
    pieces: list[str] = []
    shifted_at: list[int] = []
    shifts: list[int] = []
    copied = shift = 0
    for run in _SPACE_RUN.finditer(normal):  # of spaces, hyphens and single line breaks
        start, end = run.span()
        pieces.append(normal[copied:start])
        copied = end
        if _GAP.fullmatch(text, start, end):
            pieces.append(" ")
            shifted_at.append(start - shift + 1)
            shift += end - start - 1
            shifts.append(shift)
        else:
            pieces.append(_NO_GAP * (end - start))
    pieces.append(normal[copied:])
    return _Searchable("".join(pieces), shifted_at, shifts)


def _is_word(char: str) -> bool:
    """What regular expressions call a word character (`\\w`)."""
    return char.isalnum() or char == "_"


def _lower(text: str) -> str:
    """Lower case, keeping every character's offset ("İ" would grow)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return _lower_each(text)


def _lower_each(text: str) -> str:
    """Each character lower-cased on its own, unless it would grow."""
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


# Phrases are matched much more often than there are ways to write them.
_normalised = functools.lru_cache(maxsize=1 << 14)(normalise_phrase)


def spelling_forms(text: str) -> list[str]:
    """A phrase in British and American spelling (`organised crime`,
    `organized crime`), from the pairs that search uses
    (`data/spelling_variants.txt`); a word of a pair may also be plural
    (`Global Programmes`, `Global Programs`)."""
    choices = [_word_forms(word) for word in text.split(" ")]
    return [" ".join(combination) for combination in itertools.product(*choices)]


# Inflections derived from the base forms listed in spelling_variants.txt.
_SUFFIXES = ("s", "d", "r", "rs", "ing", "ation", "ations", "ed", "er")


def _word_forms(word: str) -> list[str]:
    lower = word.casefold()
    for suffix in ("", *_SUFFIXES):
        if not lower.endswith(suffix):
            continue
        stem = lower[: len(lower) - len(suffix)]
        for base in (stem, stem + "e"):
            pair = _spelling_pairs().get(base)
            if pair is not None:
                endings = (suffix,) if suffix else ("", "s")
                forms = [_inflect(other, ending) for other in pair for ending in endings]
                if word[:1].isupper():
                    forms = [form[:1].upper() + form[1:] for form in forms]
                return list(dict.fromkeys([word, *forms]))
    return [word]


def _inflect(base: str, suffix: str) -> str:
    if base.endswith("e") and suffix[:1] in ("a", "e", "i"):
        return base[:-1] + suffix
    return base + suffix


@functools.cache
def spelling_variants() -> tuple[tuple[str, str], ...]:
    """The (British, American) pairs of `data/spelling_variants.txt`. They
    are the language of the index as much as of the facets: search
    analysis reads them too, so they change with the code, not with the
    editors' vocabularies."""
    text = resources.files("indexer").joinpath("data/spelling_variants.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].split() for line in text.splitlines())
    return tuple((words[0], words[1]) for words in lines if len(words) == 2)


@functools.cache
def _spelling_pairs() -> dict[str, tuple[str, str]]:
    pairs: dict[str, tuple[str, str]] = {}
    for british, american in spelling_variants():
        pairs[british] = pairs[american] = (british, american)
    return pairs


class WordPattern:
    """Any of some cue words or phrases as whole words, in any case: a regex
    (`regex`), tried only where an automaton finds one of them."""

    def __init__(self, words: Iterable[str]):
        forms = [normalise_phrase(w) for w in words]
        alternatives = sorted((re.escape(form).replace(r"\ ", r"\s+") for form in forms), key=len, reverse=True)
        self.regex = re.compile(r"(?<!\w)(?:" + "|".join(alternatives or ["(?!)"]) + r")(?!\w)", re.IGNORECASE)
        ascii_words = bool(forms) and all(form and form.isascii() for form in forms)
        self._automaton = AhoCorasick([form.lower() for form in forms]) if ascii_words else None

    def search(self, text: str, start: int, end: int) -> bool:
        """Whether there is a match in `text[start:end]`."""
        starts = self._starts(text, start, end)
        if starts is None:
            return self.regex.search(text, start, end) is not None
        return any(self.regex.match(text, at, end) for at in starts)

    def ends(self, text: str, start: int, end: int) -> list[int]:
        """Where the matches in `text[start:end]` end, one after the other."""
        starts = self._starts(text, start, end)
        if starts is None:
            return [match.end() for match in self.regex.finditer(text, start, end)]
        ends: list[int] = []
        for at in starts:
            if not ends or at >= ends[-1]:
                match = self.regex.match(text, at, end)
                if match:
                    ends.append(match.end())
        return ends

    def _starts(self, text: str, start: int, end: int) -> list[int] | None:
        """The offsets in `text[start:end]` where a match may start; None
        where that cannot tell: in a run of spaces (the automaton knows one
        space between words), or a text with "K", "ſ", "ı" or "İ", which a
        case-blind regex reads as "k", "s" and "i"."""
        starts = _word_pattern_starts(self, text) if self._automaton is not None else None
        if starts is None or "  " in _spaced_lower(text)[start:end]:
            return None
        return starts[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]


@functools.lru_cache(maxsize=4)
def _spaced_lower(text: str) -> str:
    """`text` lower-cased with each space (`\\s`) as " ": the same length,
    as "İ" is left out."""
    spaced = text.lower()
    for char in _OTHER_SPACES if not text.isascii() else _OTHER_ASCII_SPACES:
        spaced = spaced.replace(char, " ")
    return spaced


@functools.lru_cache(maxsize=16)
def _word_pattern_starts(pattern: WordPattern, text: str) -> list[int] | None:
    assert pattern._automaton is not None
    if any(char in text for char in "\u212a\u017f\u0131\u0130"):
        return None
    hits = pattern._automaton.find_matches_as_indexes(_spaced_lower(text), overlapping=True)
    return sorted({start for _, start, _ in hits if not (start and _is_word(text[start - 1]))})


def name_phrases(names: Iterable[str], key: str, *, exact_case: bool = False) -> list[Phrase]:
    """Names and aliases in every spelling (see `spelling_forms`)."""
    return [
        Phrase(form, key, exact_case)
        for name in names
        for form in dict.fromkeys(spelling_forms(normalise_phrase(name)))
    ]


def acronym_phrases(acronym: str, key: str) -> list[Phrase]:
    """An acronym with a dot, hyphen or digit, or of five letters or more,
    matches in any case (GLO.ACT, CRIMJUST); a shorter all-letter one only
    in its own case, because "pact" and "leap" are words. A dot inside may
    also be written as a hyphen or a space (GLO-ACT)."""
    exact_case = acronym.isalpha() and len(acronym) < 5
    forms = dict.fromkeys([acronym, re.sub(r"(?<=\w)\.(?=\w)", " ", acronym)])
    return [Phrase(form, key, exact_case) for form in forms]


def named_entries(vocabularies: Vocabularies, file: str) -> tuple[list[Phrase], dict[str, str]]:
    """The phrases of a vocabulary of named entries (a table per slug, with
    `name`, `aliases`, `exact_aliases` and `acronyms`), and each folded
    slug, name, alias or acronym -> its slug."""
    phrases: list[Phrase] = []
    slugs_by_name: dict[str, str] = {}
    for slug, entry in vocabularies.toml(file).items():
        own = name_phrases([entry["name"], *entry.get("aliases", ())], slug)
        own += name_phrases(entry.get("exact_aliases", ()), slug, exact_case=True)
        own += [p for acronym in entry.get("acronyms", ()) for p in acronym_phrases(acronym, slug)]
        phrases += own
        for name in [slug, *(phrase.text for phrase in own)]:
            known = slugs_by_name.setdefault(fold(name), slug)
            if known != slug:
                raise VocabularyError(f"{file}: {name!r} names both {known} and {slug}")
    return phrases, slugs_by_name
