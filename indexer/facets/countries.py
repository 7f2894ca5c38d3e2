"""Countries an item is about or mentions, each with a role.

Names come from ISO 3166-1 (`pycountry`) and `data/country_aliases.toml`;
how mentions become a role is set in `data/country_roles.toml`.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import re

import pycountry

from indexer.facets.sections import BOILERPLATE, LEAD, TITLE, ItemText
from indexer.facets.text import Found, Phrase, PhraseMatcher, WordPattern, fold, normalise_phrase
from indexer.facets.vocabulary import Vocabularies, VocabularyError
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
# Before a city where something happens ("a training in Mombasa"): the
# city names its country as well as the country's name would.
_PLACE_OF_ACTIVITY = re.compile(r"\b(?:in|at)\s+$")
# How far after participants named by their role ("Representatives of")
# whom they work for and where they come from may be named, and what ends
# it sooner.
_PARTICIPANTS_REACH = 160
_CLAUSE_END = re.compile(r"[.;:()]")
# Names, and what joins them, between participants' role and "of" and
# what they do: "judges of Fiji, Papua New Guinea and the Republic of
# Moldova met".
_NAMES = re.compile(r"(?:\s|,|\band\b|\bthe\b|\bof\b|[A-Z][\w'’.-]*)*")
_WORD_REST = re.compile(r"\w*")
# After a language's name, what shows it is no adjective: "into Uzbek and
# Russian.", "in French, Arabic or Spanish".
_AFTER_LANGUAGE = re.compile(r"\s*(?:[,.;:)]|$)|\s+(?:and|or)\b")
# How far a run of capitalised words after a name is read, for the words
# that end it ("the Brussels Liaison Office", "Russian and Ukraine Relation
# Section").
_NAME_REACH = 120
# What may stand between the countries of a list: "Mali, Niger and Burkina
# Faso", "from the Kingdom of Belgium and from Bolivia", "the Congo (Virunga
# Park), Uganda", "Kosovo*, Montenegro" (a footnote mark).
_LIST_GLUE = re.compile(r"(?:\s|[,;&*†‡]|\b(?:and|or|as well as|the|from)\b|\([^()]*\))*", re.IGNORECASE)


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
    seat_before: re.Pattern[str]  # at the end of the text before a city: a job title or an office and "in"
    venue_before: re.Pattern[str]  # at the end of the text before an office: "held at the"
    seat_after: re.Pattern[str]  # at the start of the text after a city: an office
    languages: frozenset[str]  # demonyms that also name a language
    language_cues: WordPattern  # words of a sentence about languages


@dataclasses.dataclass(frozen=True)
class _Roles:
    where: dict[str, float]
    what: dict[str, float]
    primary_threshold: float
    unprominent_extra: float
    listed_factor: float
    list_min_countries: int
    subject_cue_weight: float
    subject_cues: WordPattern
    participants: re.Pattern[str]  # "Representatives of", "officers from": people by their role
    participants_from: re.Pattern[str]  # "from", "units of": where the list of their countries starts
    participants_acts: WordPattern  # "met", "took part": what participants do
    mention_only_cues: WordPattern
    passing_cues: WordPattern
    government_cues: WordPattern
    future_cues: WordPattern
    not_future: WordPattern  # phrases that hold a future cue and speak of no future: "political will"


def find_countries(text: ItemText) -> tuple[Country, ...]:
    """Countries in the item, primary first, then by evidence."""
    roles = _roles(text.vocabularies)
    vocabulary = _vocabulary(text.vocabularies)
    evidence: dict[str, float] = collections.defaultdict(float)
    first_seen: dict[str, int] = {}
    named: set[str] = set()  # see _names_its_country
    # Places of one country in one sentence ("home in Somaliland and
    # Puntland") are one piece of evidence, the strongest.
    places: dict[tuple[tuple[int, int], str], float] = {}
    prominent: set[str] = set()  # see _weigh
    for mention, weight, is_prominent in _weigh(text, find_mentions(text)):
        if mention.kind in _PLACES:
            key = (text.sentence_at(mention.start), mention.code)
            places[key] = max(places.get(key, 0.0), weight)
        else:
            evidence[mention.code] += weight
        first_seen.setdefault(mention.code, mention.start)
        if _names_its_country(text, mention):
            named.add(mention.code)
        if is_prominent:
            prominent.add(mention.code)
    for (_, code), weight in places.items():
        evidence[code] += weight
    countries = [
        Country(
            code,
            vocabulary.names[code],
            PRIMARY
            if code in named
            and evidence[code] >= roles.primary_threshold + (0 if code in prominent else roles.unprominent_extra)
            else MENTIONED,
        )
        for code in first_seen
    ]
    countries.sort(key=lambda c: (c.role != PRIMARY, -evidence[c.code], first_seen[c.code]))
    return tuple(countries)


def _names_its_country(text: ItemText, mention: Mention) -> bool:
    """A name outside boilerplate, anything but a venue in the title, or a
    city where something happens; not an adjective, nor a city people come
    from ("girls from Mumbai")."""
    section = text.section_at(mention.start).kind
    if section == TITLE:
        return mention.kind != VENUE
    if section == BOILERPLATE:
        return False
    return mention.kind == NAME or (
        mention.kind == CITY and bool(_PLACE_OF_ACTIVITY.search(text.text, max(0, mention.start - 10), mention.start))
    )


def find_mentions(text: ItemText) -> list[Mention]:
    """Every mention of a country, without the traps: people called Chad,
    units of other organisations, treaties named after cities, cities of
    events yet to come, cities that are only the seat of someone's office,
    languages ("translated into Uzbek and Russian")."""
    vocabulary = _vocabulary(text.vocabularies)
    roles = _roles(text.vocabularies)
    # By sentence: whether it is about languages, whether it speaks of the future.
    about_languages: dict[tuple[int, int], bool] = {}
    of_the_future: dict[tuple[int, int], bool] = {}
    mentions = []
    for found in vocabulary.matcher.find(text.text):
        if found.key == _NOT_A_COUNTRY:
            continue
        kind, code = found.key.split(":")
        if _is_person(text.text, found, vocabulary) or vocabulary.organisation_unit.match(
            text.text, found.end, found.end + _NAME_REACH
        ):
            continue
        if kind == DEMONYM and _is_language(text, found, vocabulary, about_languages):
            continue
        if kind in _PLACES:
            sentence = text.sentence_at(found.start)
            if sentence not in of_the_future:
                of_the_future[sentence] = _speaks_of_the_future(text.text, sentence, roles)
            if (
                vocabulary.instrument.match(text.text, found.end)
                or of_the_future[sentence]
                or _is_office_seat(text.text, found, vocabulary, sentence[0])
            ):
                continue
        mentions.append(Mention(code, kind, found.start, found.end))
    return mentions


def _weigh(text: ItemText, mentions: list[Mention]) -> list[tuple[Mention, float, bool]]:
    """Each mention with its evidence that the country is a subject, and
    whether it is prominent: in the title or the first paragraph, or named
    right after a subject cue or as a government ("the Government of
    Afghanistan")."""
    roles = _roles(text.vocabularies)
    sentences = [text.sentence_at(m.start) for m in mentions]
    countries_in_sentence: dict[tuple[int, int], set[str]] = collections.defaultdict(set)
    for mention, sentence in zip(mentions, sentences, strict=True):
        countries_in_sentence[sentence].add(mention.code)
    # A sentence naming countries only in passing, or what is yet to happen.
    mention_only = {
        sentence: roles.mention_only_cues.search(text.text, *sentence)
        or _speaks_of_the_future(text.text, sentence, roles)
        for sentence in countries_in_sentence
    }
    # Where in a sentence names start to be in passing: after the first
    # passing cue ("Spain is a destination" is about Spain; "a destination
    # for Spain" is not).
    passing_from = {}
    for sentence in countries_in_sentence:
        ends = roles.passing_cues.ends(text.text, *sentence)
        passing_from[sentence] = ends[0] if ends else sentence[1]
    cued = _cued_subjects(text.text, mentions, sentences, roles)
    governments = {sentence: roles.government_cues.ends(text.text, *sentence) for sentence in countries_in_sentence}
    weighed = []
    for index, (mention, sentence) in enumerate(zip(mentions, sentences, strict=True)):
        section = text.section_at(mention.start).kind
        weight = roles.where[section] * roles.what[mention.kind]
        listed = index in cued and mention.kind != DEMONYM  # "support to the Haitian police" is no listed subject
        prominent = (
            section in (TITLE, LEAD)
            or (listed and cued[index])
            or any(_LIST_GLUE.fullmatch(text.text, end, mention.start) for end in governments[sentence])
        )
        if section not in (TITLE, BOILERPLATE):
            if listed:
                weight = roles.subject_cue_weight * roles.what[mention.kind]
            elif (
                mention_only[sentence]
                or mention.start >= passing_from[sentence]
                or len(countries_in_sentence[sentence]) >= roles.list_min_countries
            ):
                weight *= roles.listed_factor
        weighed.append((mention, weight, prominent))
    return weighed


def _speaks_of_the_future(text: str, sentence: tuple[int, int], roles: _Roles) -> bool:
    """Whether a future cue in the sentence is one: each phrase of
    `not_future` holds one that is not ("the political will of")."""
    return len(roles.future_cues.ends(text, *sentence)) > len(roles.not_future.ends(text, *sentence))


def _cued_subjects(
    text: str, mentions: list[Mention], sentences: list[tuple[int, int]], roles: _Roles
) -> dict[int, bool]:
    """Indexes of the mentions listed right after a subject cue ("with a
    focus on Chad, Uganda and Cameroon") or a participants' cue ("officials
    from Mali and Niger met in Niamey"), each with whether its cue is a
    subject cue: only list words come between the cue and the mention, or
    between it and the previous such mention. Niamey, after "met in", is
    not in the list."""
    cue_ends: dict[tuple[int, int], list[int]] = {}
    subject_ends: set[int] = set()
    cued: dict[int, bool] = {}
    list_end: dict[tuple[int, int], tuple[int, bool]] = {}  # the last listed mention of a sentence: end, cue
    for index in sorted(range(len(mentions)), key=lambda i: mentions[i].start):
        mention, sentence = mentions[index], sentences[index]
        if sentence not in cue_ends:
            subject = roles.subject_cues.ends(text, *sentence)
            subject_ends.update(subject)
            cue_ends[sentence] = sorted(set(subject + _participant_cue_ends(text, sentence, roles)))
        ends = cue_ends[sentence]
        at = bisect.bisect_right(ends, mention.start)  # the last cue before the mention
        anchors = [(end, end in subject_ends) for end in ends[at - 1 : at]] + (
            [list_end[sentence]] if sentence in list_end else []
        )
        listed = [by_subject for anchor, by_subject in anchors if _LIST_GLUE.fullmatch(text, anchor, mention.start)]
        if listed:
            cued[index] = any(listed)
            list_end[sentence] = (mention.end, cued[index])
    return cued


def _participant_cue_ends(text: str, sentence: tuple[int, int], roles: _Roles) -> list[int]:
    """Where a list of participants' countries may start: right after
    participants named by their role and "from", or in lowercase and "in"
    ("investigators from", "officers in"; "the EU Delegation in" is an
    office), or "of" and names that take part in something ("judges of
    Fiji, Samoa and Vanuatu met"; "training for officers of Afghanistan"
    names whom a programme serves); or, after their role and "of", after
    "from" or a unit and "of" ("Representatives of police and customs
    from", "officers of the port control units of"), in the same clause and
    within reach."""
    ends = []
    for match in roles.participants.finditer(text, *sentence):
        preposition = match["preposition"].lower()
        if preposition == "in" and match[0][:1].isupper():
            continue  # "the EU Delegation in Kenya": an office
        if preposition != "of":
            ends.append(match.end())
            continue
        stop = min(sentence[1], match.end() + _PARTICIPANTS_REACH)
        clause_end = _CLAUSE_END.search(text, match.end(), stop)
        stop = clause_end.start() if clause_end else stop
        act = roles.participants_acts.regex.search(text, match.end(), stop)
        if act and _NAMES.fullmatch(text, match.end(), act.start()):
            ends.append(match.end())
        rest_of_word = _WORD_REST.match(text, stop)  # a word cut by the reach is read whole
        stop = rest_of_word.end() if rest_of_word else stop
        ends += [cue.end() for cue in roles.participants_from.finditer(text, match.end(), stop)]
    return ends


def country_code(vocabularies: Vocabularies, typed: str) -> str | None:
    """The alpha-3 code for a name, an alias or an adjective in any case, or
    for an ISO alpha-2 or alpha-3 code."""
    vocabulary = _vocabulary(vocabularies)
    typed = normalise_phrase(typed)
    code = vocabulary.codes_by_name.get(typed.casefold())
    if code is None and re.fullmatch(r"[A-Za-z]{2,3}", typed):
        code = vocabulary.codes_by_iso_code.get(typed.upper())
    return code


@functools.lru_cache(maxsize=4)
def country_words(vocabularies: Vocabularies) -> frozenset[str]:
    """Every word of every country's names, aliases and adjectives, folded."""
    return frozenset(
        word for name in _vocabulary(vocabularies).codes_by_name for word in re.findall(r"[^\W\d_]+", name)
    )


def country_name(vocabularies: Vocabularies, code: str) -> str | None:
    return _vocabulary(vocabularies).names.get(code.upper())


def _is_person(text: str, found: Found, vocabulary: _Vocabulary) -> bool:
    """ "Chad", "Jordan" or "Georgia" as someone's first name or surname."""
    if text[found.start : found.end] not in vocabulary.ambiguous_names:
        return False
    before = text[max(0, found.start - 40) : found.start]
    if vocabulary.personal_title.search(before):
        return True
    previous = _WORD_BEFORE.search(before)
    if (
        previous
        and previous.group(1) not in vocabulary.not_first_names
        and not _SENTENCE_START.search(before, 0, previous.start())
    ):
        return True
    following = _WORD_AFTER.match(text, found.end)
    return following is not None and following.group(1) not in vocabulary.allowed_next


def _is_language(
    text: ItemText, found: Found, vocabulary: _Vocabulary, about_languages: dict[tuple[int, int], bool]
) -> bool:
    """A language's name, not an adjective ("translated into Uzbek and
    Russian", not "the French Ambassador"), in a sentence about languages."""
    if text.text[found.start : found.end] not in vocabulary.languages or not _AFTER_LANGUAGE.match(
        text.text, found.end
    ):
        return False
    sentence = text.sentence_at(found.start)
    if sentence not in about_languages:
        about_languages[sentence] = vocabulary.language_cues.search(text.text, *sentence)
    return about_languages[sentence]


def _is_office_seat(text: str, found: Found, vocabulary: _Vocabulary, sentence_start: int) -> bool:
    """ "Representative in Brussels", "the Liaison Office in Brussels",
    "UNODC Vienna", "the Brussels Liaison Office", "from the Vienna
    International Centre"; not "held at the United Nations Office in
    Vienna" nor "held at the Vienna International Centre"."""
    before = text[max(sentence_start, found.start - 160) : found.start]
    seat = vocabulary.seat_before.search(before)
    if seat:
        return not vocabulary.venue_before.search(before, 0, seat.start())
    return bool(vocabulary.seat_after.match(text, found.end, found.end + _NAME_REACH)) and not (
        vocabulary.venue_before.search(before)
    )


@functools.lru_cache(maxsize=4)
def _vocabulary(vocabularies: Vocabularies) -> _Vocabulary:
    data = vocabularies.toml("country_aliases.toml")
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
            raise VocabularyError(f"country_aliases.toml: {code} is not an ISO 3166-1 alpha-3 code")
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
    job_titles = "|".join(re.escape(word) for word in data["office_seats"]["job_titles"])
    offices = "|".join(re.escape(word) for word in data["office_seats"]["offices"])
    offices_in = "|".join(re.escape(word) for word in data["office_seats"].get("offices_in_a_city", []))
    by_seat = "|".join(re.escape(name) for name in data["office_seats"].get("named_by_seat", []))
    venue_cues = "|".join(re.escape(cue) for cue in data["office_seats"].get("venue_cues", []))
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
        # "Representative in", "Head of the UNODC Liaison Office in": a title,
        # then capitalised words of an organisation's name, then "in"; "the
        # Regional Office for Southeast Asia and the Pacific in": an office,
        # then what it is for, then "in"; "the UNODC office in", "UNODC's
        # country office in"; "UNODC" right before the city.
        seat_before=re.compile(
            rf"(?:\b(?:{job_titles})(?:,?\s+(?:of\s+the|of|[A-Z][\w'’.-]*))*"
            rf"|\b(?:{offices_in or '(?!)'})(?:\s+(?:for|of|to|on|and|the|[A-Z][\w'’.-]*))*)\s+(?:in|at)\s+$"
            + (
                rf"|\b(?:{by_seat})(?:['’]s)?(?:\s+[a-z]+)?\s+office\s+(?:in|at)\s+$|\b(?:{by_seat})\s+$"
                if by_seat
                else ""
            )
        ),
        venue_before=re.compile(rf"\b(?:{venue_cues or '(?!)'})\s+(?:the\s+)?(?:(?-i:[A-Z])[\w'’.-]*\s+)*$", re.I),
        seat_after=re.compile(rf"(?:\s+[A-Z][\w'’-]*)*?\s+(?:{offices})\b"),
        languages=frozenset(data.get("languages", {}).get("words", [])),
        language_cues=WordPattern(data.get("languages", {}).get("cues", [])),
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
    """ "Iraqis" for "Iraqi", unless the plural is a phrase of its own ("Laos")."""
    known = {normalise_phrase(phrase.text) for phrase in phrases}
    return [
        Phrase(phrase.text + "s", phrase.key, exact_case=True)
        for phrase in phrases
        if phrase.key.startswith(DEMONYM)
        and " " not in phrase.text
        and not phrase.text.endswith(("s", "sh", "ch", "x", "z", "ese"))
        and phrase.text + "s" not in known
    ]


@functools.lru_cache(maxsize=4)
def _roles(vocabularies: Vocabularies) -> _Roles:
    data = vocabularies.toml("country_roles.toml")
    participants = "|".join(re.escape(word) for word in data["cues"].get("participants", []))
    units = "|".join(re.escape(word) for word in data["cues"].get("participants_units", []))
    return _Roles(
        where=data["where"],
        what=data["what"],
        primary_threshold=data["primary_threshold"],
        unprominent_extra=data["unprominent_extra"],
        listed_factor=data["listed_factor"],
        list_min_countries=data["list_min_countries"],
        subject_cue_weight=data["subject_cue_weight"],
        subject_cues=WordPattern(data["cues"]["subject"]),
        participants=re.compile(rf"\b(?:{participants or '(?!)'})\s+(?P<preposition>from|of|in)\b", re.IGNORECASE),
        participants_from=re.compile(rf"\s(?:from|(?:{units or '(?!)'})\s+of)(?!\w)", re.IGNORECASE),
        participants_acts=WordPattern(data["cues"]["participants_acts"]),
        mention_only_cues=WordPattern(data["cues"]["mention_only"]),
        passing_cues=WordPattern(data["cues"]["passing"]),
        government_cues=WordPattern(data["cues"]["government"]),
        future_cues=WordPattern(data["cues"]["future"]),
        not_future=WordPattern(data["cues"]["not_future"]),
    )
