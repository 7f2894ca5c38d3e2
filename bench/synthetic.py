"""Large synthetic corpora that look like the bundled one, for benchmarks.

Everything is learned from the real tagged corpus (`tagged_items()`):

- text: word bigram chains over the bodies and the titles. Each item draws
  its words partly from the chain of the bodies that share its first theme,
  so its words go with its facets, as on the real page. Rare capitalised
  words (names) are sometimes replaced by new made-up names, so the
  vocabulary keeps growing with the corpus as a real one does;
- shape: each synthetic item copies a real item's paragraph lengths (with
  jitter) and its facet set, perturbed: themes swapped or added, programmes
  dropped or added, countries replaced by or joined with other ISO 3166
  countries (so the country facet gets a long tail), regions as on the real
  item with the odd one added or dropped;
- dates: spread over 2019–2026 by the real page's month profile; single
  days, ranges, a few month-only dates, written in the page's mix of forms
  (`10 December 2019`, `8-9 October 2019`, `24-25.06.2019`, `11.06.2019`,
  `September 2019`, even its stray spaces: `1 8.03.2019`).

The same `n` and `seed` always give the same items. `text_page()` writes
items as a page in the corpus's own format, which `newsearch parse` reads
back into the same items (without facets: those come from extraction).

    python -m bench.synthetic 1000 --out /tmp/synthetic-1000.txt
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import functools
import random
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pycountry

from indexer.facets.countries import country_name
from indexer.facets.programmes import programme
from indexer.facets.regions import region_name
from indexer.facets.themes import theme_labels
from indexer.facets.vocabulary import Vocabularies
from indexer.ingest.clean import CleanBody, clean_body, clean_line
from indexer.ingest.dates import DATE_PATTERN, parse_date_text
from indexer.ingest.sources import sort_newest_first
from indexer.model import Country, FacetValue, NewsItem, normalise_title
from indexer.pipeline import tagged_items

FIRST_DAY = dt.date(2019, 1, 1)
LAST_DAY = dt.date(2026, 12, 31)

INTRO = (
    "Please see below a non-exhaustive selection of news items to reflect the richness "
    "of contacts and joint activities happening between the EU and UNODC."
)

# How often the next word comes from the chain of the item's theme rather
# than from all bodies: high enough that items of a theme share words,
# low enough that they are not copies of the few real items of the theme.
TOPIC_MIX = 0.5
# How often a title word comes from the title chain rather than the bodies'.
TITLE_MIX = 0.6
# A rare name is replaced by a made-up one this often; made-up names are
# drawn from a Pitman–Yor-like process, so their number grows like a power
# of the corpus size (Heaps' law) rather than linearly.
NEW_NAME_RATE = 0.5
NAME_DISCOUNT = 0.7
NAME_CONCENTRATION = 20.0

# A bigram chain can run on for a long time before it ends a sentence.
MAX_SENTENCE_WORDS = 50

# Facet perturbations, per synthetic item.
SWAP_THEME, ADD_THEME, MAX_THEMES = 0.3, 0.15, 4
DROP_PROGRAMME, ADD_PROGRAMME = 0.25, 0.2
REPLACE_COUNTRY, ADD_COUNTRY = 0.25, 0.35  # ADD_COUNTRY: chance of each further one
ADD_REGION, DROP_REGION = 0.1, 0.1

# Date kinds, as (kind, weight); the real page has about a quarter ranges.
DATE_KINDS = (("day", 66), ("range", 25), ("cross-month", 3), ("cross-year", 0.5), ("month", 3), ("stray-space", 2.5))
WORD_STYLE = 0.55  # `10 December 2019` rather than `10.12.2019`

_PARA, _SENT, _TITLE, _TITLE_END = "\x02", "\x03", "\x04", "\x05"
_SENTENCE_END = re.compile(r"[.!?][\"”’')]?$")
_ABBREVIATION = re.compile(r"^(?:[A-Z][a-z]?|Mr|Ms|Mrs|Dr|St|No|Nos|Art|e\.g|i\.e|vs)\.$")
_STARTS_WITH_DATE = re.compile(rf"(?:{DATE_PATTERN})\b", re.IGNORECASE)
_NAME = re.compile(r"^([A-Z][a-z]{3,})([.,;:)]*)$")
_DANGLING = {"and", "the", "of", "in", "to", "for", "on", "a", "an", "with", "by", "at", "from", "as", "its"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


Chain = dict[str, tuple[str, ...]]  # state -> successors, repeated as often as seen


@dataclasses.dataclass(frozen=True)
class CorpusModel:
    templates: tuple[NewsItem, ...]  # real tagged items: facet sets, body shapes
    bodies: Chain
    bodies_by_theme: dict[str, Chain]
    titles: Chain
    title_lengths: tuple[int, ...]
    rare_names: frozenset[str]  # capitalised words seen once: replaceable by new names
    name_pieces: tuple[tuple[str, ...], tuple[str, ...]]  # heads and tails of names
    themes: tuple[str, ...]  # the taxonomy, repeated by real frequency (+1 each)
    programmes: tuple[FacetValue, ...]
    regions: tuple[FacetValue, ...]
    countries: tuple[tuple[str, str], ...]  # (alpha-3, name) of every ISO country
    month_weights: tuple[float, ...]


@functools.cache
def corpus_model() -> CorpusModel:
    """The statistics of the real corpus, learned once per process."""
    real = tagged_items()
    counts = collections.Counter(word for item in real for word in item.body.split())
    rare = frozenset(w for w, n in counts.items() if n == 1 and _NAME.match(w)) - _sentence_starts(real)
    heads = sorted({m.group(1)[:k] for w in counts if (m := _NAME.match(w)) for k in (2, 3)})
    tails = sorted({w[-k:] for w in counts if w.isalpha() and w.islower() and len(w) > 6 for k in (3, 4)})
    by_theme: dict[str, list[NewsItem]] = {}
    for item in real:
        by_theme.setdefault(item.themes[0], []).append(item)
    theme_counts = collections.Counter(theme for item in real for theme in item.themes)
    month_counts = collections.Counter(item.date_start.month for item in real)
    vocabularies = Vocabularies.bundled()
    programmes = tuple(
        found.value for slug in vocabularies.toml("programmes.toml") if (found := programme(vocabularies, slug))
    )
    regions = tuple(
        FacetValue(slug, region_name(vocabularies, slug) or slug)
        for slug in vocabularies.toml("regions.toml")
        if slug not in ("not_regions", "office_names")
    )
    return CorpusModel(
        templates=tuple(real),
        bodies=_body_chain(real),
        bodies_by_theme={theme: _body_chain(items) for theme, items in by_theme.items()},
        titles=_title_chain(item.title for item in real),
        title_lengths=tuple(len(item.title.split()) for item in real),
        rare_names=rare,
        name_pieces=(tuple(heads), tuple(tails)),
        themes=tuple(label for label in theme_labels(vocabularies) for _ in range(theme_counts[label] + 1)),
        programmes=programmes,
        regions=regions,
        countries=tuple((c.alpha_3, country_name(vocabularies, c.alpha_3) or c.name) for c in pycountry.countries),
        month_weights=tuple(month_counts[m] + 2.0 for m in range(1, 13)),
    )


def _sentence_starts(items: Iterable[NewsItem]) -> frozenset[str]:
    starts = set()
    for item in items:
        for paragraph in item.paragraphs:
            previous = "."
            for word in paragraph.split():
                if _ends_sentence(previous):
                    starts.add(word)
                previous = word
    return frozenset(starts)


def _ends_sentence(word: str) -> bool:
    return bool(_SENTENCE_END.search(word)) and not _ABBREVIATION.match(word)


def _body_chain(items: Iterable[NewsItem]) -> Chain:
    successors: dict[str, list[str]] = collections.defaultdict(list)
    for item in items:
        for paragraph in item.paragraphs:
            state = _PARA
            for word in paragraph.split():
                successors[state].append(word)
                state = _SENT if _ends_sentence(word) else word
    return {state: tuple(words) for state, words in successors.items()}


def _title_chain(titles: Iterable[str]) -> Chain:
    successors: dict[str, list[str]] = collections.defaultdict(list)
    for title in titles:
        state = _TITLE
        for word in title.split():
            successors[state].append(word)
            state = word
        successors[state].append(_TITLE_END)
    return {state: tuple(words) for state, words in successors.items()}


class _Generator:
    def __init__(self, model: CorpusModel, seed: int):
        self.model = model
        self.rng = random.Random(seed)
        self.names: list[str] = []  # distinct made-up names
        self.name_draws: list[str] = []  # every draw, for reuse by popularity
        self.known_words = frozenset(w for chain in [model.bodies] for w in chain)
        self.titles_seen: set[str] = set()

    def pick(self, seq: Sequence):
        return seq[int(self.rng.random() * len(seq))]

    # -- items -------------------------------------------------------------

    def item(self) -> NewsItem:
        template = self.pick(self.model.templates)
        topic = self.model.bodies_by_theme[template.themes[0]]
        date_raw = self.date_raw()
        span = parse_date_text(date_raw)
        return NewsItem(
            date_start=span.start,
            date_end=span.end,
            date_raw=date_raw,
            date_precision=span.precision,
            title=self.title(topic, span.start),
            body=self.body(template, topic),
            source=template.source,
            image_credit=template.image_credit,
            countries=self.countries(template.countries),
            programmes=self.programmes(template.programmes),
            themes=self.themes(template.themes),
            regions=self.regions(template.regions),
            organisations=template.organisations,
        )

    # -- text --------------------------------------------------------------

    def next_word(self, state: str, topic: Chain) -> str | None:
        if self.rng.random() < TOPIC_MIX and state in topic:
            return self.pick(topic[state])
        successors = self.model.bodies.get(state)
        return self.pick(successors) if successors else None

    def sentence(self, state: str, topic: Chain) -> list[str]:
        words: list[str] = []
        while True:
            word = self.next_word(state, topic)
            if word is None:  # a word only ever seen at a paragraph's end
                if words:
                    return words
                state = _SENT
                continue
            words.append(self.maybe_new_name(word))
            if _ends_sentence(word):
                return words
            state = word
            if len(words) >= MAX_SENTENCE_WORDS and word.isalpha() and word.lower() not in _DANGLING:
                words[-1] += "."
                return words

    def paragraph(self, length: int, topic: Chain) -> str:
        while True:
            words: list[str] = []
            state = _PARA
            while len(words) < length:
                sentence = self.sentence(state, topic)
                # Stop before a sentence that would overshoot the target by
                # more than stopping falls short of it.
                if words and len(words) + len(sentence) - length > length - len(words):
                    break
                words += sentence
                state = _SENT
            text = " ".join(words)
            if _is_clean(text):
                return text

    def body(self, template: NewsItem, topic: Chain) -> str:
        lengths = [len(p.split()) for p in template.paragraphs]
        if len(lengths) > 2 and self.rng.random() < 0.2:
            del lengths[int(self.rng.random() * len(lengths))]
        if self.rng.random() < 0.2:
            lengths.append(self.pick(lengths))
        paragraphs = [self.paragraph(max(3, round(n * self.rng.lognormvariate(-0.06, 0.25))), topic) for n in lengths]
        return "\n\n".join(paragraphs)

    def maybe_new_name(self, word: str) -> str:
        if word not in self.model.rare_names or self.rng.random() >= NEW_NAME_RATE:
            return word
        match = _NAME.match(word)
        assert match is not None  # rare names are the words _NAME matches
        return self.new_name() + match.group(2)

    def new_name(self) -> str:
        draws, distinct = len(self.name_draws), len(self.names)
        fresh = self.rng.random() * (draws + NAME_CONCENTRATION) < NAME_CONCENTRATION + NAME_DISCOUNT * distinct
        if fresh or not draws:
            heads, tails = self.model.name_pieces
            while True:
                name = self.pick(heads) + self.pick(tails)
                if name not in self.known_words and name not in self.names:
                    break
            self.names.append(name)
        else:
            name = self.pick(self.name_draws)
        self.name_draws.append(name)
        return name

    def title(self, topic: Chain, day: dt.date) -> str:
        for attempt in range(20):
            length = max(3, self.pick(self.model.title_lengths) + int(self.rng.random() * 5) - 1)
            words: list[str] = []
            state = _TITLE
            while len(words) < length:
                if state in self.model.titles and (state == _TITLE or self.rng.random() < TITLE_MIX):
                    word = self.pick(self.model.titles[state])
                else:
                    word = self.next_word(state, topic)
                if word is None or word == _TITLE_END:
                    if len(words) >= 3:
                        break
                    state = _SENT
                    continue
                words.append(self.maybe_new_name(word))
                state = _SENT if _ends_sentence(word) else word
            while words and (words[-1].lower() in _DANGLING or words[-1] in "-–:"):
                words.pop()
            title = clean_line(" ".join(words)).rstrip(" ,;:-–(")
            if attempt >= 10:  # a very common short title: say which one it is
                title = f"{title} ({day:%B %Y}, {attempt - 9})"
            key = normalise_title(title)
            if len(words) >= 3 and key not in self.titles_seen and _is_clean(title):
                self.titles_seen.add(key)
                return title
        raise RuntimeError("could not make a new title")  # pragma: no cover

    # -- facets ------------------------------------------------------------

    def themes(self, real: Sequence[str]) -> tuple[str, ...]:
        themes = list(real)
        if self.rng.random() < SWAP_THEME:
            themes[int(self.rng.random() * len(themes))] = self.pick(self.model.themes)
        if self.rng.random() < ADD_THEME:
            themes.append(self.pick(self.model.themes))
        return tuple(dict.fromkeys(themes))[:MAX_THEMES]

    def programmes(self, real: Sequence[FacetValue]) -> tuple[FacetValue, ...]:
        return self._drop_or_add(real, DROP_PROGRAMME, ADD_PROGRAMME, self.model.programmes)

    def _drop_or_add(
        self, real: Sequence[FacetValue], drop: float, add: float, pool: Sequence[FacetValue]
    ) -> tuple[FacetValue, ...]:
        """A real item's values, one perhaps dropped and one perhaps added."""
        found = list(real)
        if found and self.rng.random() < drop:
            del found[int(self.rng.random() * len(found))]
        if self.rng.random() < add:
            found.append(self.pick(pool))
        return tuple(dict.fromkeys(found))

    def countries(self, real: Sequence[Country]) -> tuple[Country, ...]:
        found = []
        for country in real:
            if self.rng.random() < REPLACE_COUNTRY:
                code, name = self.pick(self.model.countries)
                country = Country(code, name, country.role)
            found.append(country)
        while self.rng.random() < ADD_COUNTRY:
            code, name = self.pick(self.model.countries)
            found.append(Country(code, name, "mentioned"))
        unique = {c.code: c for c in reversed(found)}  # the first role given wins
        ordered = [unique[c.code] for c in found if unique.get(c.code) is c]
        return tuple(sorted(ordered, key=lambda c: c.role != "primary"))

    def regions(self, real: Sequence[FacetValue]) -> tuple[FacetValue, ...]:
        return self._drop_or_add(real, DROP_REGION, ADD_REGION, self.model.regions)

    # -- dates -------------------------------------------------------------

    def date_raw(self) -> str:
        rng = self.rng
        kind = rng.choices([k for k, _ in DATE_KINDS], [w for _, w in DATE_KINDS])[0]
        year = FIRST_DAY.year + int(rng.random() * (LAST_DAY.year - FIRST_DAY.year + 1))
        month = rng.choices(range(1, 13), self.model.month_weights)[0]
        if kind == "month":
            return f"{_MONTHS[month - 1]} {year}"
        start = dt.date(year, month, 1) + dt.timedelta(days=int(rng.random() * 28))
        if start.weekday() >= 5 and rng.random() < 0.8:  # events and news: mostly weekdays
            start -= dt.timedelta(days=start.weekday() - 4)
        words = rng.random() < WORD_STYLE
        if kind == "stray-space":
            if start.day < 10:
                return f"0 {start.day} {_MONTHS[start.month - 1]} {start.year}"
            return f"{start.day // 10} {start.day % 10}.{start.month:02d}.{start.year}"
        if kind == "day":
            return _word_date(start) if words else _num_date(start)
        if kind == "cross-month":
            start = dt.date(year, month, 1) + dt.timedelta(days=-1 - int(rng.random() * 2))
            if start < FIRST_DAY:
                start = dt.date(2019, 1, 30)
        elif kind == "cross-year":
            start = dt.date(min(year, LAST_DAY.year - 1), 12, 30)
        end = start + dt.timedelta(days=1 + (rng.random() < 0.3) + (rng.random() < 0.1))
        if start.year != end.year:
            return f"{_num_date(start)}-{_num_date(end)}"
        if start.month != end.month:
            return f"{start.day} {_MONTHS[start.month - 1]} - {_word_date(end)}"
        if not words:
            return f"{start.day:02d}-{_num_date(end)}"
        dash = " - " if rng.random() < 0.1 else "-"
        return f"{start.day}{dash}{_word_date(end)}"


def _word_date(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _num_date(day: dt.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _is_clean(text: str) -> bool:
    """Text that reads back unchanged from a page: cleaning leaves it as it
    is, finds no credit or source in it, and it does not look like a heading."""
    return clean_body([text]) == CleanBody(text, None, None) and not _STARTS_WITH_DATE.match(text)


def generate_items(n: int, seed: int = 0) -> list[NewsItem]:
    """`n` synthetic items with facets, newest first (the order `load_items` gives)."""
    generator = _Generator(corpus_model(), seed)
    return sort_newest_first([generator.item() for _ in range(n)])


def text_page(items: Sequence[NewsItem]) -> str:
    """The items as a text page in the bundled corpus's format."""
    blocks = [INTRO]
    for item in items:
        lines = [f"{item.date_raw}: {item.title}", ""]
        if item.source:
            lines += [f"Originally published by {item.source}.", ""]
        if item.image_credit:
            lines.append(f"Image © {item.image_credit}")
        for paragraph in item.paragraphs:
            lines += [paragraph, ""]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many items")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="the text page to write (default: standard output)")
    args = parser.parse_args(argv)
    page = text_page(generate_items(args.n, args.seed))
    if args.out:
        args.out.write_text(page, encoding="utf-8")
        print(f"wrote {args.n} items to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
