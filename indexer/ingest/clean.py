"""Turn the raw lines of an item into clean text, pulling out its image
credit (`Image © UNODC`) and its source (`Originally published by UNODC Vienna`).

The copy-pasted page is full of artefacts: non-breaking spaces, ordinals split
from their number (`14 th`), credits glued to the first word of the text
(`Image © UNODCOn the occasion…`), bullets, and labels whose links are gone.
Everything here works on plain strings so text and HTML pages share it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

# Any Unicode space (NBSP, narrow NBSP, thin space, …) and zero-width
# characters count as one plain space; newlines are handled by the caller.
# (A single plain space is left as it is: there are many.)
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S\n ]|[\u200b\ufeff]+")
_ZERO_WIDTH = ("\u200b", "\ufeff")
# A number, not inside a word, and its ordinal suffix; the check that no
# word character comes before follows the first digit, so that the regex
# engine skips quickly to digits.
_SPLIT_ORDINAL = re.compile(r"(\d(?<!\w\d)\d*) +(st|nd|rd|th)\b")

_SOURCE = re.compile(r"\s*Originally published by\s*(?P<source>.*?)(?:\s+here)?\s*\.?\s*$", re.IGNORECASE)
_CREDIT_MARKER = re.compile(
    r"""^(?:
        (?:image|photo|picture)s?\s*(?:credits?\s*)?(?:©|\(c\)) # Image ©, Photo credit ©
      | (?:image|photo|picture)s?\s*credits?\s*:?             # Photo credit UNODC Brussels
      | (?:image|photo|picture)s?\s*:                          # Photo: X
      | ©                                                      # © UNODC
    )\s*""",
    re.IGNORECASE | re.VERBOSE,
)
# Where a credit runs into the text with no space: an acronym followed by a
# capitalised word (`UNODCOn`, `MoFAThe`), a word followed by one (`DoeThe`,
# `PetrovićRepresentatives`: in any alphabet), or a word followed by an
# acronym (`BrusselsEU and`). Case is told by `str.isupper`/`islower`, so
# these are found by `_glue_point` rather than an ASCII pattern.
# An all-capitals credit glued to an all-capitals word (`UNODCUNODC together`,
# `UNODCEDD 2019`, `UNODCCRIMJUST's`) has no case change to split at; these
# names tell where it ends.
CREDIT_ACRONYMS = ("INTERPOL", "EUROPOL", "UNICEF", "UNODC", "UNHCR", "UNRIC", "OSCE", "UNDP", "UNOV", "IOM", "WCO")
_MAX_CREDIT_WORDS = 6
# Between the credits (or sources) of one item.
NAMES_SEPARATOR = "; "
# Words no credit holds, that open a sentence: a credit followed by a space
# ends before one (`Photo credit UNODC Brussels The Joint Task Force …`).
_SENTENCE_OPENERS = frozenset(
    {
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "As",
        "After",
        "Before",
        "During",
        "Over",
        "Since",
        "From",
        "With",
        "Under",
        "This",
        "These",
        "Today",
        "Last",
        "Some",
        "Many",
    }
)
_LETTERS = re.compile(r"[^\W\d_]+")
# Lowercase words inside names of bodies (`Delegation to`, `Ministry of`).
_NAME_JOINERS = frozenset(
    {"of", "to", "for", "and", "on", "in", "at", "the", "against", "de", "du", "des", "del", "la"}
)
# A credit never ends with one: `Photo credit UNODC Ms Kowalska opened …`.
_PERSONAL_TITLES = frozenset({"Mr", "Mr.", "Ms", "Ms.", "Mrs", "Mrs.", "Dr", "Dr.", "Prof.", "H.E."})

# `•` and `·` are always bullets; `-`, `*` and `–` only when a space follows.
_BULLET = re.compile(r"^(?:[•·]\s*|[*\-–](?:\s+|$))")
_BULLET_CHARS = "•·*-–"
_MORE_LINK = re.compile(r"(?:(?<=…)|(?<=\.\.\.))\s*more\W*$|\s*\bread more\W*$", re.IGNORECASE)
# A label whose list of links was lost in the copy: nothing but `Further information:`.
_EMPTY_LABEL = re.compile(r"^(?:further|more|for more) information\b[^.:]{0,40}:$", re.IGNORECASE)
_SITE_CHROME = re.compile(
    r"^(?:back to top|top of page|print(?: this page)?|share(?: this(?: page)?)?|load more|"
    r"(?:©|copyright)\s*\d{4}.*|.*all rights reserved\.?|terms of use.*|privacy (?:policy|notice).*)$",
    re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True)
class CleanBody:
    text: str  # paragraphs separated by a blank line, lines within one by "\n"
    image_credit: str | None
    source: str | None
    warnings: tuple[str, ...] = ()


def clean_line(text: str) -> str:
    """One line with plain, single spaces and whole ordinals (`14 th` → `14th`)."""
    if "\n" in text or any(char in text for char in _ZERO_WIDTH):
        spaced = _SPACES.sub(" ", text).strip()
    else:
        spaced = " ".join(text.split())  # the same here, and much faster
    return _SPLIT_ORDINAL.sub(r"\1\2", spaced)


def split_source(line: str) -> tuple[str, str | None]:
    """`Image © X Originally published by UNODC Vienna.` → (`Image © X`, `UNODC Vienna`)."""
    match = _SOURCE.search(line) if _may_contain(line, "originally published by") else None
    # Only a line of its own, or the rest of a credit line, names the source;
    # "…was originally published by X" inside a sentence is left as text.
    if not match or not match["source"] or not (match.start() == 0 or starts_with_credit_marker(line)):
        return line, None
    return line[: match.start()], match["source"]


def split_credit(line: str, known: Sequence[str] = ()) -> tuple[str | None, str]:
    """(credit, remaining text) for a line that starts with a credit marker;
    (None, line) for any other line, and for a credit whose end is unclear.

    When the words alone cannot tell, the text is taken to start at a
    capitalised word followed by a lowercase one: after the longest of the
    `known` names (those the page gives elsewhere as credits or sources)
    that is followed by one (`Photo credit UNODC Brussels Representatives
    of …`), or else at the first such word whose lowercase word is none
    that joins the words of a name, with only the words of a name before
    it (capitalised ones and the words that join them) and no personal
    title (`Photo credit UNODC Kenya Police investigators met …`, `Photo
    credit: UNODC/Global Programme on Cybercrime Twenty-four police …`,
    `Photo credit UNODC Brussels UNODC presented …`)."""
    marker = _CREDIT_MARKER.match(line)
    if not marker:
        return None, line
    rest = line[marker.end() :].strip()
    credit, text = _split_by_rules(rest)
    if credit is not None:
        return credit, text
    words = rest.split(" ")
    for name in sorted(known, key=len, reverse=True):
        count = name.count(" ") + 1
        if " ".join(words[:count]) == name and _opens_sentence(words, count, ()):
            return name, " ".join(words[count:])
    # The first capitalised word followed by a lowercase one, after words
    # that may make a name: capitalised ones and the lowercase words that
    # join them. An acronym opens the text only after two words of credit.
    for index in range(1, min(len(words), _MAX_CREDIT_WORDS + 1)):
        before = words[index - 1]
        if not (_capitalised(before) or (index > 1 and before in _NAME_JOINERS)):
            break
        if (
            before not in _NAME_JOINERS
            and _PERSONAL_TITLES.isdisjoint(words[:index])
            and _opens_sentence(words, index, _NAME_JOINERS, index >= 2)
        ):
            return " ".join(words[:index]), " ".join(words[index:])
    return None, line


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _opens_sentence(words: Sequence[str], index: int, not_after: Iterable[str], acronym: bool = False) -> bool:
    """A capitalised word (an acronym only if `acronym`), then a lowercase
    word not in `not_after`."""
    word, following = words[index : index + 1], words[index + 1 : index + 2]
    return bool(
        word
        and following
        and _capitalised(word[0])
        and (acronym or not word[0].isupper())
        and following[0][:1].islower()
        and following[0] not in not_after
    )


def _split_by_rules(rest: str) -> tuple[str | None, str]:
    """A credit's text and what follows it, told by the words alone."""
    words = rest.split(" ")
    for index, word in enumerate(words[: _MAX_CREDIT_WORDS + 1]):
        if index and word in _SENTENCE_OPENERS:
            return " ".join(words[:index]), " ".join(words[index:])
        if index == _MAX_CREDIT_WORDS:
            break
        cut = _glue_point(word)
        if cut:
            credit = " ".join(words[:index] + [word[:cut]])
            text = " ".join([word[cut:]] + words[index + 1 :])
            return credit, text
    if rest and len(words) <= _MAX_CREDIT_WORDS:
        return rest.rstrip(" ."), ""
    return None, rest


def starts_with_credit_marker(line: str) -> bool:
    return bool(_CREDIT_MARKER.match(line))


def _glue_point(word: str) -> int | None:
    for i in range(1, len(word)):
        if not word[i].isupper():
            continue
        before, rest = word[:i], word[i:]
        capitalised = len(rest) > 1 and rest[1].islower()
        after_word = len(before) >= 2 and before[-1].islower() and before[-2].islower()
        acronym = _LETTERS.match(rest)
        if (capitalised and (before[-1].isupper() or after_word)) or (
            after_word and acronym and len(acronym.group()) >= 2 and acronym.group().isupper()
        ):
            return i
    letters = _LETTERS.match(word)
    if letters and letters.group().isupper():
        for name in CREDIT_ACRONYMS:
            if letters.group().startswith(name) and len(letters.group()) > len(name):
                return len(name)
    return None


def is_site_chrome(line: str) -> bool:
    """A line of the site's own links and notices, alone or several
    between bars (`Back to top | © 2020 United Nations`)."""
    parts = [part.strip() for part in line.split("|") if part.strip()]
    return bool(_SITE_CHROME.match(line)) or (bool(parts) and all(_SITE_CHROME.match(part) for part in parts))


def clean_body(lines: Iterable[str], credits: Iterable[str] = ()) -> CleanBody:
    """Clean an item's raw body lines ("" between paragraphs).

    `credits` are lines the page marks as credits by their markup (an HTML
    figcaption), with or without an `Image ©` marker.
    """
    return body_of_clean_lines([clean_line(line) for line in lines], [clean_line(line) for line in credits])


def body_of_clean_lines(lines: Iterable[str], credits: Iterable[str] = (), known: Sequence[str] = ()) -> CleanBody:
    """`clean_body` of lines and credits already passed through `clean_line`;
    `known` as for `split_credit`."""
    found_credits = [_credit_from_caption(line) for line in credits]
    found_sources: list[str] = []
    warnings: list[str] = []
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if not line:
            paragraphs.append([])
            continue
        if is_site_chrome(line):
            continue
        line, source = split_source(line)
        if source:
            found_sources.append(source)
        credit, line = split_credit(line.strip(), known)
        if credit:
            found_credits.append(credit)
        elif starts_with_credit_marker(line):
            warnings.append(f"cannot tell where the image credit ends in {line[:60]!r}; left in the text")
        if line[:1] in _BULLET_CHARS:
            line = _BULLET.sub("", line)
        if _may_end_with(line, "more"):
            line = _MORE_LINK.sub("", line)
        line = line.strip()
        if line:
            paragraphs[-1].append(line)
    kept = [p for p in paragraphs if p]
    while kept and len(kept[-1]) == 1 and _EMPTY_LABEL.match(kept[-1][0]):
        kept.pop()
    return CleanBody(
        text="\n\n".join("\n".join(p) for p in kept),
        image_credit=_join_unique(found_credits),
        source=_join_unique(found_sources),
        warnings=tuple(warnings),
    )


# Cheap tests that rule out a costly case-blind regex for most lines. A
# case-blind regex also reads "ſ" as "s", "ı" and "İ" as "i", "K" as "k":
# lower-casing tells only for ASCII, or for words without those letters.


def _may_contain(line: str, words: str) -> bool:
    return not line.isascii() or words in line.lower()


def _may_end_with(line: str, word: str) -> bool:
    """Whether `line` may end with `word`, which has no "i", "k" or "s",
    and then only non-word characters."""
    end = len(line)
    while end and not (line[end - 1].isalnum() or line[end - 1] == "_"):
        end -= 1
    return line[max(0, end - len(word)) : end].lower() == word


def _credit_from_caption(caption: str) -> str:
    """A caption is all credit, once its marker is taken off."""
    credit, rest = split_credit(caption)
    if credit and not rest:
        return credit
    marker = _CREDIT_MARKER.match(caption)
    return caption[marker.end() if marker else 0 :].strip().rstrip(" .")


def _join_unique(values: Sequence[str]) -> str | None:
    """Several credits in one item (two photos) are kept once each, in order."""
    unique = list(dict.fromkeys(v for v in values if v))
    return NAMES_SEPARATOR.join(unique) or None
