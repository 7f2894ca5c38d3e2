"""What every facet needs from an item's text: phrase matching and sections.

`PhraseMatcher` finds the phrases of a vocabulary in a text with one regular
expression, compiled once per vocabulary. The expression is a character
trie of the phrases, so its cost per character does not grow with the size
of the vocabulary. Between the words of a phrase any run of spaces, a single
line break or a hyphen matches (`Gender-Based` = `gender based`, a name
wrapped over two lines still matches), and a match never starts or ends
inside a word (`Niger` does not fire inside `Nigeria`, `Oman` inside
`Romania`). At one position the longest phrase wins, so `Gulf of Guinea`
hides `Guinea` and `Papua New Guinea` is not `Guinea`.

`ItemText` is an item's title and paragraphs as one string, with the section
(title, lead paragraph, body, boilerplate) of every offset, so a facet can
weigh where its evidence is.
"""

from __future__ import annotations

import bisect
import collections
import copy as copy_module
import dataclasses
import functools
import itertools
import math
import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from typing import Any

from indexer.model import NewsItem

# Sections of an item, from the strongest evidence to the weakest.
TITLE, LEAD, BODY, BOILERPLATE = "title", "lead", "body", "boilerplate"
SECTIONS = (TITLE, LEAD, BODY, BOILERPLATE)

_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2014"
_APOSTROPHES = "'\u2019\u2018`"
# Between two words of a phrase: spaces with at most one line break, or a
# hyphen with optional spaces. Never a blank line, so no phrase spans two
# paragraphs.
_GAP = rf"(?:[^\S\n]*[{_HYPHENS}][^\S\n]*\n?[^\S\n]*|[^\S\n]+\n?[^\S\n]*|\n[^\S\n]*)"
_GAP_CHARS = re.compile(rf"[\s{_HYPHENS}]+")
_APOSTROPHE_CHARS = re.compile(f"[{_APOSTROPHES}]")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"”’)]*\s+(?=[\"“‘(]*[A-Z0-9])|\n")


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
        matches = []
        if self._exact_regex:
            matches += self._exact_regex.finditer(text)
        if self._folded_regex:
            matches += self._folded_regex.finditer(_lower(text))
        found = [
            Found(key, match.start(), match.end())
            for match in matches
            if (key := self.lookup(text[match.start():match.end()])) is not None
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
        stem = lower[:len(lower) - len(suffix)]
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
def _spelling_pairs() -> dict[str, tuple[str, str]]:
    pairs: dict[str, tuple[str, str]] = {}
    text = resources.files("indexer").joinpath("data/spelling_variants.txt").read_text("utf-8")
    for line in text.splitlines():
        words = line.split()
        if len(words) == 2 and not line.startswith("#"):
            pairs[words[0]] = pairs[words[1]] = (words[0], words[1])
    return pairs


@functools.cache
def load_data(name: str) -> dict[str, Any]:
    """A TOML file from `indexer/data/`, read once."""
    return tomllib.loads(resources.files("indexer").joinpath(f"data/{name}").read_text("utf-8"))


@dataclasses.dataclass(frozen=True)
class Section:
    kind: str  # TITLE, LEAD, BODY or BOILERPLATE
    start: int
    end: int


class ItemText:
    """An item's title and paragraphs joined by blank lines, with sections."""

    def __init__(self, title: str, paragraphs: list[str]):
        parts = [title.strip()] + [p.strip() for p in paragraphs]
        kinds = [TITLE] + [LEAD] * bool(paragraphs) + [BODY] * max(len(paragraphs) - 1, 0)
        for index in boilerplate_paragraphs(paragraphs):
            kinds[index + 1] = BOILERPLATE
        self.text = "\n\n".join(parts)
        self.sections: list[Section] = []
        offset = 0
        for part, kind in zip(parts, kinds):
            self.sections.append(Section(kind, offset, offset + len(part)))
            offset += len(part) + 2
        self._starts = [section.start for section in self.sections]
        self._original = self.text  # what sentences are read from
        self._sentence_bounds: dict[int, list[int]] = {}  # by section, computed when first asked

    @classmethod
    def of(cls, item: NewsItem) -> ItemText:
        return cls(item.title, item.paragraphs)

    def masked(self, spans: Iterable[tuple[int, int]]) -> ItemText:
        """The same text with some spans blanked out; offsets, sections and
        sentences unchanged."""
        chars = list(self.text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        copy = copy_module.copy(self)
        copy.text = "".join(chars)
        return copy

    def section_at(self, offset: int) -> Section:
        return self.sections[bisect.bisect_right(self._starts, offset) - 1]

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The start and end of the sentence around an offset."""
        index = bisect.bisect_right(self._starts, offset) - 1
        bounds = self._sentence_bounds.get(index)
        if bounds is None:
            section = self.sections[index]
            ends = [m.start() for m in _SENTENCE_END.finditer(self._original, section.start, section.end)]
            bounds = self._sentence_bounds[index] = [section.start, *ends, section.end]
        at = bisect.bisect_right(bounds, offset, 1, len(bounds) - 1)
        return bounds[at - 1], bounds[at]


def boilerplate_paragraphs(paragraphs: list[str]) -> set[int]:
    """Indexes of paragraphs that describe a project in stock words or point
    elsewhere ("X is a four-year joint initiative …", "Further information"),
    as listed in `data/boilerplate.toml`. The lead paragraph never is; short
    paragraphs count only in the run at the end of the item (link lists)."""
    rules = _boilerplate_rules()
    found = {
        index for index, paragraph in enumerate(paragraphs)
        if index > 0 and any(len(paragraph) <= max_chars and pattern.search(paragraph)
                             for pattern, max_chars in rules.patterns)
    }
    for index in range(len(paragraphs) - 1, 0, -1):
        if index not in found and len(paragraphs[index]) > rules.trailing_max_chars:
            break
        found.add(index)
    return found


@dataclasses.dataclass(frozen=True)
class _BoilerplateRules:
    patterns: tuple[tuple[re.Pattern[str], float], ...]  # a regex, and the longest paragraph it applies to
    trailing_max_chars: int


@functools.cache
def _boilerplate_rules() -> _BoilerplateRules:
    """The rules as one regex per length limit (most have none)."""
    data = load_data("boilerplate.toml")
    by_limit: dict[float, list[str]] = collections.defaultdict(list)
    for rule in data["rule"]:
        by_limit[rule.get("max_chars", math.inf)].append(f"(?:{rule['pattern']})")
    patterns = tuple((re.compile("|".join(group), re.IGNORECASE), limit) for limit, group in by_limit.items())
    return _BoilerplateRules(patterns, data["trailing_max_chars"])


def word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A case-insensitive regex matching any of some cue words or phrases as
    whole words."""
    alternatives = sorted((re.escape(normalise_phrase(w)).replace(r"\ ", r"\s+") for w in words),
                          key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives or ["(?!)"]) + r")(?!\w)", re.IGNORECASE)


def name_phrases(names: Iterable[str], key: str, *, exact_case: bool = False) -> list[Phrase]:
    """Names and aliases in every spelling (see `spelling_forms`)."""
    return [
        Phrase(form, key, exact_case)
        for name in names
        for form in dict.fromkeys(spelling_forms(normalise_phrase(name)))
    ]


def acronym_phrase(acronym: str, key: str) -> Phrase:
    """An acronym with a dot, hyphen or digit, or of five letters or more,
    matches in any case (GLO.ACT, CRIMJUST); a shorter all-letter one only
    in its own case, because "pact" and "leap" are words."""
    return Phrase(acronym, key, exact_case=acronym.isalpha() and len(acronym) < 5)
