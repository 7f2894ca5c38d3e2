"""Editors' synonyms (`synonyms.txt`), applied as a query is parsed.

One rule a line; `#` starts a comment:

    cybercrime => cyber crime, online crime    # one-way
    ngo, non-governmental organisation         # a two-way group

A one-way rule lets a query for any term on its left also find every term
on its right (not the reverse); in a group, each term finds all the others.
A term may be several words: it is then found as a phrase. Terms are
matched as queries are normalised (case and spacing do not count). The
British and American spellings (`indexer/data/spelling_variants.txt`) are
part of the analyzer and are not rules here.
"""

from __future__ import annotations

import collections
import re

from indexer.search.request import normalise_query

MAX_TERM_WORDS = 6
# A word as queries are split into words (`indexer.search.query`).
WORD = re.compile(r"\w[\w.']*\w|\w")


class SynonymsError(ValueError):
    pass


class Synonyms:
    """Each term, as a tuple of normalised words, and what else it finds."""

    def __init__(self, rules: dict[tuple[str, ...], tuple[str, ...]] | None = None):
        self.rules = rules or {}
        self.longest = max((len(term) for term in self.rules), default=0)

    @classmethod
    def parse(cls, text: str) -> Synonyms:
        found: dict[tuple[str, ...], list[str]] = collections.defaultdict(list)
        for number, line in enumerate(text.splitlines(), 1):
            line = re.sub(r"(^|\s)#.*", "", line).strip()
            if not line:
                continue
            left, arrow, right = line.partition("=>")
            if arrow:
                sources, targets = _terms(left, number), _terms(right, number)
            else:
                sources = targets = _terms(line, number)
                if len(sources) < 2:
                    raise SynonymsError(f"line {number}: a group needs two terms or more, separated by commas")
            for source in sources:
                key = tuple(WORD.findall(source))
                found[key] += [t for t in targets if t != source and t not in found[key]]
        return cls({term: tuple(others) for term, others in found.items() if others})

    def __bool__(self) -> bool:
        return bool(self.rules)

    def expansion(self, words: list[str], start: int) -> tuple[int, tuple[str, ...]] | None:
        """The longest term starting at `words[start]`: how many words it
        takes, and the terms it also finds."""
        folded = [normalise_query(word) for word in words[start : start + self.longest]]
        for n in range(len(folded), 0, -1):
            others = self.rules.get(tuple(folded[:n]))
            if others:
                return n, others
        return None


def _terms(text: str, number: int) -> list[str]:
    terms = [normalise_query(term) for term in text.split(",")]
    if not all(WORD.search(term) for term in terms):
        raise SynonymsError(f"line {number}: an empty term (two commas, or nothing beside `=>`)")
    for term in terms:
        if len(WORD.findall(term)) > MAX_TERM_WORDS:
            raise SynonymsError(f"line {number}: `{term}` is longer than {MAX_TERM_WORDS} words")
        if re.search(r'["():*?\[\]{}^~]', term):
            raise SynonymsError(f"line {number}: `{term}` holds query syntax; write plain words")
    return terms


NO_SYNONYMS = Synonyms()
