"""An item's text with its sections, so that a facet can weigh where its
evidence is.

`ItemText` is an item's title and paragraphs as one string, with the section
of every offset: the title, the lead (first) paragraph, the body, or
boilerplate (stock text about a project and link lists, as described in
`data/boilerplate.toml`), and the sentence around every offset.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import functools
import math
import re
from collections.abc import Iterable

from indexer.facets.vocabulary import Vocabularies
from indexer.model import NewsItem

# Sections of an item, from the strongest evidence to the weakest.
TITLE, LEAD, BODY, BOILERPLATE = "title", "lead", "body", "boilerplate"
SECTIONS = (TITLE, LEAD, BODY, BOILERPLATE)

# Where a sentence ends: right after a ".", "!", "?", ";" or ":" that
# closing quotes, spaces and a capital or a digit follow; and at every line
# break. The punctuation is matched, not looked behind at, so that the regex
# engine skips quickly from one to the next.
_SENTENCE_END = re.compile(r"[.!?;:\n](?:(?<=\n)|[\"”’)]*\s+(?=[\"“‘(]*[A-Z0-9]))")


@dataclasses.dataclass(frozen=True)
class Section:
    kind: str  # TITLE, LEAD, BODY or BOILERPLATE
    start: int
    end: int


class ItemText:
    """An item's title and paragraphs joined by blank lines, with sections."""

    def __init__(self, title: str, paragraphs: list[str], vocabularies: Vocabularies | None = None):
        # The vocabularies every facet of this text is found with.
        self.vocabularies = vocabularies or Vocabularies.bundled()
        parts = [title.strip()] + [p.strip() for p in paragraphs]
        kinds = [TITLE] + [LEAD] * bool(paragraphs) + [BODY] * max(len(paragraphs) - 1, 0)
        for index in boilerplate_paragraphs(paragraphs, self.vocabularies):
            kinds[index + 1] = BOILERPLATE
        self.text = "\n\n".join(parts)
        self.sections: list[Section] = []
        offset = 0
        for part, kind in zip(parts, kinds, strict=True):
            self.sections.append(Section(kind, offset, offset + len(part)))
            offset += len(part) + 2
        self._starts = [section.start for section in self.sections]
        self._original = self.text  # what sentences are read from
        self._sentence_bounds: dict[int, list[int]] = {}  # by section, computed when first asked

    @classmethod
    def of(cls, item: NewsItem, vocabularies: Vocabularies | None = None) -> ItemText:
        return cls(item.title, item.paragraphs, vocabularies)

    def masked(self, spans: Iterable[tuple[int, int]]) -> ItemText:
        """The same text with some spans blanked out; offsets, sections and
        sentences unchanged."""
        text = self.text
        for start, end in spans:
            if start < end:
                text = text[:start] + " " * (end - start) + text[end:]
        masked = copy.copy(self)
        masked.text = text
        return masked

    def section_at(self, offset: int) -> Section:
        return self.sections[bisect.bisect_right(self._starts, offset) - 1]

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The start and end of the sentence around an offset."""
        index = bisect.bisect_right(self._starts, offset) - 1
        bounds = self._sentence_bounds.get(index)
        if bounds is None:
            section = self.sections[index]
            ends = _sentence_ends(self._original, section.start, section.end)
            bounds = self._sentence_bounds[index] = [section.start, *ends, section.end]
        at = bisect.bisect_right(bounds, offset, 1, len(bounds) - 1)
        return bounds[at - 1], bounds[at]


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """The offsets in `text[start:end]` where a sentence ends."""
    ends = (m.start() + (text[m.start()] != "\n") for m in _SENTENCE_END.finditer(text, max(start - 1, 0), end))
    return [offset for offset in ends if offset >= start]


def boilerplate_paragraphs(paragraphs: list[str], vocabularies: Vocabularies) -> set[int]:
    """Indexes of paragraphs that describe a project in stock words or point
    elsewhere ("X is a four-year joint initiative …", "Further information"),
    as listed in `data/boilerplate.toml`. The lead paragraph never is; short
    lines that are no sentences count in the run at the end of the item
    (link lists)."""
    rules = _boilerplate_rules(vocabularies)
    found = {
        index
        for index, paragraph in enumerate(paragraphs)
        if index > 0
        and any(len(paragraph) <= max_chars and pattern.search(paragraph) for pattern, max_chars in rules.patterns)
    }
    for index in range(len(paragraphs) - 1, 0, -1):
        if index not in found and not _is_link_line(paragraphs[index], rules.trailing_max_chars):
            break
        found.add(index)
    return found


def _is_link_line(paragraph: str, max_chars: int) -> bool:
    """A short line that is no sentence: "Further information:",
    "Transparency International", "The World Drug Report 2019 here"."""
    return len(paragraph) <= max_chars and not paragraph.rstrip("\"”’' ").endswith((".", "!", "?"))


@dataclasses.dataclass(frozen=True)
class _BoilerplateRules:
    patterns: tuple[tuple[re.Pattern[str], float], ...]  # a regex, and the longest paragraph it applies to
    trailing_max_chars: int


@functools.lru_cache(maxsize=4)
def _boilerplate_rules(vocabularies: Vocabularies) -> _BoilerplateRules:
    """The rules, each a regex of its own: searched for one by one, most
    fail faster than one regex of them all would."""
    data = vocabularies.toml("boilerplate.toml")
    patterns = tuple(
        (re.compile(rule["pattern"], re.IGNORECASE), rule.get("max_chars", math.inf)) for rule in data["rule"]
    )
    return _BoilerplateRules(patterns, data["trailing_max_chars"])
