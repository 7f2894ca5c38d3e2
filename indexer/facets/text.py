"""Finding the phrases of a vocabulary in text, for every facet.

`PhraseMatcher` finds the phrases of a vocabulary in a text with one regular
expression per case rule, compiled once per vocabulary. The expression is a
character trie of the phrases, so its cost per character hardly grows with
the size of the vocabulary. Between the words of a phrase any run of spaces, a single
line break or a hyphen matches (`Gender-Based` = `gender based`, a name
wrapped over two lines still matches), and a match never starts or ends
inside a word (`Niger` does not fire inside `Nigeria`, `Oman` inside
`Romania`). At one position the longest phrase wins, so `Gulf of Guinea`
hides `Guinea` and `Papua New Guinea` is not `Guinea`.

The vocabularies themselves are TOML files (see `vocabulary.py`).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable
from importlib import resources

from indexer.facets.vocabulary import Vocabularies, VocabularyError

_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2014"
_APOSTROPHES = "'\u2019\u2018`"
# Between two words of a phrase: spaces with at most one line break, or a
# hyphen with optional spaces. Never a blank line, so no phrase spans two
# paragraphs.
_GAP = rf"(?:[^\S\n]*[{_HYPHENS}][^\S\n]*\n?[^\S\n]*|[^\S\n]+\n?[^\S\n]*|\n[^\S\n]*)"
_GAP_CHARS = re.compile(rf"[\s{_HYPHENS}]+")
_APOSTROPHE_CHARS = re.compile(f"[{_APOSTROPHES}]")


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


@dataclasses.dataclass(frozen=True)
class Found:
    key: str
    start: int
    end: int


class PhraseMatcher:
    """One vocabulary, compiled once; `find` returns non-overlapping matches."""

    def __init__(self, phrases: Iterable[Phrase]):
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        # One trie for the phrases matched in their own case, one for the
        # others (matched in the lower-cased text): in a single regex an
        # exact "CCP" would be tried before a case-blind "CCP Women's
        # Network" and win, though shorter.
        exact_trie: dict = {}
        folded_trie: dict = {}
        for phrase in phrases:
            form = normalise_phrase(phrase.text)
            if not form:
                continue
            table, lookup_form = (self._exact, form) if phrase.exact_case else (self._folded, form.casefold())
            known = table.setdefault(lookup_form, phrase.key)
            if known != phrase.key:
                raise ValueError(f"{phrase.text!r} stands for both {known!r} and {phrase.key!r}")
            node = exact_trie if phrase.exact_case else folded_trie
            for char in form if phrase.exact_case else _lower(form):
                node = node.setdefault(_char_pattern(char), {})
            node[""] = {}
        # Where a match may start: not inside a word. For the exact phrases
        # (mostly capitalised names) the check follows the first character,
        # so that the regex engine skips quickly to where a phrase's first
        # character is; in lower-cased text checking first is faster.
        self._exact_regex = exact_trie and re.compile(_trie_pattern(exact_trie, r"(?<!\w.)") + r"(?!\w)")
        self._folded_regex = folded_trie and re.compile(r"(?<!\w)" + _trie_pattern(folded_trie) + r"(?!\w)")

    def find(self, text: str) -> list[Found]:
        matches: list[re.Match[str]] = []
        if self._exact_regex:
            matches += self._exact_regex.finditer(text)
        if self._folded_regex:
            matches += self._folded_regex.finditer(_lower(text))
        found = [
            Found(key, match.start(), match.end())
            for match in matches
            if (key := self.lookup(text[match.start() : match.end()])) is not None
        ]
        if not (self._exact_regex and self._folded_regex):
            return found
        kept: list[Found] = []  # leftmost first, then longest
        for candidate in sorted(found, key=lambda f: (f.start, f.start - f.end)):
            if not kept or candidate.start >= kept[-1].end:
                kept.append(candidate)
        return kept

    def lookup(self, text: str) -> str | None:
        """The key of a phrase typed or matched in any case (for exact-case
        phrases, only in their own case)."""
        form = normalise_phrase(text)
        key = self._exact.get(form)
        return key if key is not None else self._folded.get(form.casefold())


def _lower(text: str) -> str:
    """Lower case, keeping every character's offset ("İ" would grow)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


def _char_pattern(char: str) -> str:
    if char == " ":
        return _GAP
    if char == "'":
        return f"[{_APOSTROPHES}]"
    return re.escape(char)


def _trie_pattern(node: dict, after_first_char: str = "") -> str:
    """A regex for the phrases of a trie; `after_first_char` is inserted
    after the first character of each."""
    branches = [char + after_first_char + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    pattern = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A phrase may end here: try the longer phrases first, then stop here.
    return f"(?:{pattern})?" if "" in node else pattern


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


def word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A case-insensitive regex matching any of some cue words or phrases as
    whole words."""
    alternatives = sorted((re.escape(normalise_phrase(w)).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives or ["(?!)"]) + r")(?!\w)", re.IGNORECASE)


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
