"""Countries an item is about or mentions, each with a role.

Names come from ISO 3166-1 (`pycountry`) and `data/country_aliases.toml`;
how mentions become a role is set in `data/country_roles.toml`.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re

import pycountry

from indexer.facets.sections import BOILERPLATE, TITLE, ItemText
from indexer.facets.text import Found, Phrase, PhraseMatcher, fold, load_data, normalise_phrase, word_pattern
from indexer.model import Country

PRIMARY, MENTIONED = "primary", "mentioned"
NAME, DEMONYM, CITY, VENUE = "name", "demonym", "city", "venue"
_NOT_A_COUNTRY = "-"
_PLACES = (CITY, VENUE)
# Capitalised words next to a name that may be a person's ("Michael Jordan").
_WORD_BEFORE = re.compile(r"([A-Z][\w'-]+) $")
_WORD_AFTER = re.compile(r" ([A-Z][\w'-]+)")
# The end of the text before a sentence's first word.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"“(])\s*$")


@dataclasses.dataclass(frozen=True)
class Mention:
    code: str
    kind: str  # NAME, DEMONYM, CITY or VENUE
    start: int
    end: int


@dataclasses.dataclass(frozen=True)
class _Vocabulary:
    matcher: PhraseMatcher  # keys "kind:code", or "-" for a phrase that is no country
    names: dict[str, str]  # display name by code
    codes_by_name: dict[str, str]  # folded name, alias or demonym -> code
    codes_by_iso_code: dict[str, str]  # alpha-2 or alpha-3 -> alpha-3
    ambiguous_names: frozenset[str]
    personal_title: re.Pattern[str]  # at the end of the text before a name
    not_first_names: frozenset[str]
    allowed_next: frozenset[str]
    organisation_unit: re.Pattern[str]  # at the start of the text after a name
    instrument: re.Pattern[str]  # at the start of the text after a city


@dataclasses.dataclass(frozen=True)
class _Roles:
    where: dict[str, float]
    what: dict[str, float]
    primary_threshold: float
    listed_factor: float
    list_min_countries: int
    subject_cue_weight: float
    subject_cues: re.Pattern[str]
    mention_only_cues: re.Pattern[str]
    future_cues: re.Pattern[str]


def find_countries(text: ItemText) -> tuple[Country, ...]:
    """Countries in the item, primary first, then by evidence."""
    roles = _roles()
    vocabulary = _vocabulary()
    evidence: dict[str, float] = collections.defaultdict(float)
    first_seen: dict[str, int] = {}
    named: set[str] = set()  # named outside boilerplate, or in the title
    for mention, weight in _weigh(text, find_mentions(text)):
        evidence[mention.code] += weight
        first_seen.setdefault(mention.code, mention.start)
        section = text.section_at(mention.start).kind
        if (mention.kind == NAME and section != BOILERPLATE) or (section == TITLE and mention.kind != VENUE):
            named.add(mention.code)
    countries = [
        Country(code, vocabulary.names[code],
                PRIMARY if code in named and evidence[code] >= roles.primary_threshold else MENTIONED)
        for code in first_seen
    ]
    countries.sort(key=lambda c: (c.role != PRIMARY, -evidence[c.code], first_seen[c.code]))
    return tuple(countries)


def find_mentions(text: ItemText) -> list[Mention]:
    """Every mention of a country, without the traps: people called Chad,
    units of other organisations, treaties named after cities, cities of
    events yet to come."""
    vocabulary = _vocabulary()
    future = _roles().future_cues
    mentions = []
    for found in vocabulary.matcher.find(text.text):
        if found.key == _NOT_A_COUNTRY:
            continue
        kind, code = found.key.split(":")
        if _is_person(text.text, found, vocabulary) or vocabulary.organisation_unit.match(text.text, found.end):
            continue
        if kind in _PLACES:
            sentence_start, sentence_end = text.sentence_at(found.start)
            if (vocabulary.instrument.match(text.text, found.end)
                    or future.search(text.text, sentence_start, sentence_end)):
                continue
        mentions.append(Mention(code, kind, found.start, found.end))
    return mentions


def _weigh(text: ItemText, mentions: list[Mention]) -> list[tuple[Mention, float]]:
    """Each mention with its evidence that the country is a subject."""
    roles = _roles()
    sentences = [text.sentence_at(m.start) for m in mentions]
    countries_in_sentence: dict[tuple[int, int], set[str]] = collections.defaultdict(set)
    for mention, sentence in zip(mentions, sentences):
        countries_in_sentence[sentence].add(mention.code)
    cues = {sentence: _sentence_cues(text.text[sentence[0]:sentence[1]], roles) for sentence in countries_in_sentence}
    weighed = []
    for mention, sentence in zip(mentions, sentences):
        section = text.section_at(mention.start).kind
        weight = roles.where[section] * roles.what[mention.kind]
        if section not in (TITLE, BOILERPLATE):
            subject_cue_end, mention_only = cues[sentence]
            if subject_cue_end is not None and sentence[0] + subject_cue_end <= mention.start:
                weight = roles.subject_cue_weight * roles.what[mention.kind]
            elif mention_only or len(countries_in_sentence[sentence]) >= roles.list_min_countries:
                weight *= roles.listed_factor
        weighed.append((mention, weight))
    return weighed


def _sentence_cues(sentence: str, roles: _Roles) -> tuple[int | None, bool]:
    """Where the first subject cue of a sentence ends, and whether it has a
    mention-only cue."""
    subject = roles.subject_cues.search(sentence)
    return (subject.end() if subject else None), bool(roles.mention_only_cues.search(sentence))


def country_code(typed: str) -> str | None:
    """The alpha-3 code for a name, an alias or an adjective in any case, or
    for an ISO alpha-2 or alpha-3 code."""
    vocabulary = _vocabulary()
    typed = normalise_phrase(typed)
    code = vocabulary.codes_by_name.get(typed.casefold())
    if code is None and re.fullmatch(r"[A-Za-z]{2,3}", typed):
        code = vocabulary.codes_by_iso_code.get(typed.upper())
    return code


def country_name(code: str) -> str | None:
    return _vocabulary().names.get(code.upper())


def _is_person(text: str, found: Found, vocabulary: _Vocabulary) -> bool:
    """"Chad", "Jordan" or "Georgia" as someone's first name or surname."""
    if text[found.start:found.end] not in vocabulary.ambiguous_names:
        return False
    before = text[max(0, found.start - 40):found.start]
    if vocabulary.personal_title.search(before):
        return True
    previous = _WORD_BEFORE.search(before)
    if (previous and previous.group(1) not in vocabulary.not_first_names
            and not _SENTENCE_START.search(before, 0, previous.start())):
        return True
    following = _WORD_AFTER.match(text, found.end)
    return bool(following) and following.group(1) not in vocabulary.allowed_next


@functools.cache
def _vocabulary() -> _Vocabulary:
    data = load_data("country_aliases.toml")
    names: dict[str, str] = {}
    codes_by_iso_code: dict[str, str] = {}
    phrases: list[Phrase] = []
    for country in pycountry.countries:
        code = country.alpha_3
        names[code] = getattr(country, "common_name", None) or country.name
        codes_by_iso_code[code] = codes_by_iso_code[country.alpha_2] = code
        for name in _iso_names(country):
            phrases.append(Phrase(name, f"{NAME}:{code}", exact_case=True))
    for code, name in data["extra_countries"].items():
        names[code] = name
        codes_by_iso_code[code] = code
    for code, entry in data["countries"].items():
        if code not in names:
            raise ValueError(f"country_aliases.toml: {code} is not an ISO 3166-1 alpha-3 code")
        names[code] = entry.get("name", names[code])
        for kind, key in ((NAME, "names"), (DEMONYM, "demonyms"), (CITY, "cities"), (VENUE, "venues")):
            phrases += [Phrase(text, f"{kind}:{code}", exact_case=True) for text in entry.get(key, [])]
    phrases += [Phrase(p, _NOT_A_COUNTRY, exact_case=True) for p in data["not_countries"]["phrases"]]
    phrases += _plurals(phrases)
    ambiguous = data["ambiguous_names"]
    codes_by_name = {fold(name): code for code, name in names.items()}
    for phrase in phrases:
        kind, _, code = phrase.key.partition(":")
        if kind in (NAME, DEMONYM):
            codes_by_name.setdefault(fold(phrase.text), code)
    titles = "|".join(re.escape(title) for title in ambiguous["titles"])
    units = "|".join(re.escape(word) for word in data["organisation_units"]["words"])
    instruments = "|".join(re.escape(word) for word in data["instruments"]["words"])
    return _Vocabulary(
        matcher=PhraseMatcher(phrases),
        names=names,
        codes_by_name=codes_by_name,
        codes_by_iso_code=codes_by_iso_code,
        ambiguous_names=frozenset(ambiguous["names"]),
        personal_title=re.compile(rf"(?<!\w)(?:{titles})\s+$"),
        not_first_names=frozenset(ambiguous["not_names"]),
        allowed_next=frozenset(ambiguous["allowed_next"]),
        organisation_unit=re.compile(rf"(?:\s+(?:and|&|[A-Z][\w'’-]*))*?\s+(?:{units})\b"),
        instrument=re.compile(rf"\s+(?:{instruments})\b"),
    )


def _iso_names(country) -> list[str]:
    """The names of an ISO 3166-1 entry that people write: not the inverted
    ones ("Korea, Republic of"), without a parenthesis ("Holy See")."""
    names = []
    for name in (country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)):
        if not name or "," in name:
            continue
        name = re.sub(r"\s*\(.*?\)", "", name).strip()
        names.append(name[4:] if name.startswith("the ") else name)
    return names


def _plurals(phrases: list[Phrase]) -> list[Phrase]:
    """"Iraqis" for "Iraqi", unless the plural is a phrase of its own ("Laos")."""
    known = {normalise_phrase(phrase.text) for phrase in phrases}
    return [
        Phrase(phrase.text + "s", phrase.key, exact_case=True)
        for phrase in phrases
        if phrase.key.startswith(DEMONYM) and " " not in phrase.text
        and not phrase.text.endswith(("s", "sh", "ch", "x", "z", "ese")) and phrase.text + "s" not in known
    ]


@functools.cache
def _roles() -> _Roles:
    data = load_data("country_roles.toml")
    return _Roles(
        where=data["where"],
        what=data["what"],
        primary_threshold=data["primary_threshold"],
        listed_factor=data["listed_factor"],
        list_min_countries=data["list_min_countries"],
        subject_cue_weight=data["subject_cue_weight"],
        subject_cues=word_pattern(data["cues"]["subject"]),
        mention_only_cues=word_pattern(data["cues"]["mention_only"]),
        future_cues=word_pattern(data["cues"]["future"]),
    )
