"""Highlighted titles and snippets: the same markup as analysing every word
of the text would give, for the work of only the words that can match and
the window that is shown."""

from __future__ import annotations

import html
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build.analysis import TOKEN, index_term
from indexer.search import highlight
from indexer.search.highlight import SNIPPET_CHARS, highlight_title, matched_spans, snippet

CHECK = settings(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])


def terms_of(*words: str) -> frozenset[str]:
    return frozenset(term for word in words if (term := index_term(word)))


# -- what every word's analysis gives ------------------------------------------


def scanned_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), t) for m in TOKEN.finditer(text) if (t := index_term(m.group())) in terms]


def scanned_snippet(body: str, terms: frozenset[str], width: int = SNIPPET_CHARS) -> str:
    """A snippet from the spans of every word, each match's window counted
    in full: what `snippet` must equal."""
    text = " ".join(body.split())
    spans = scanned_spans(text, terms) if terms else []
    if not spans:
        return html.escape(highlight._clip(text, 0, width), quote=False)
    best_start, best_score = 0, (-1, -1)
    for i, (start, _, _) in enumerate(spans):
        window_start = max(0, start - width // 4)
        inside = [s for s in spans[i:] if s[1] <= window_start + width]
        score = (len({term for _, _, term in inside}), len(inside))
        if score > best_score:
            best_start, best_score = window_start, score
    start = highlight._word_start(text, best_start)
    end = highlight._word_end(text, start + width)
    window = [(s - start, e - start, t) for s, e, t in spans if s >= start and e <= end]
    return ("… " if start > 0 else "") + highlight.mark(text[start:end], window) + (" …" if end < len(text) else "")


# Words whose stems, spellings, accents, case or dots make their term
# differ from how they begin.
WORDS = [
    "trafficking",
    "Traffickers",
    "TRAFFICKED",
    "traffic",
    "organisation",
    "Organizations",
    "ORGANISED",
    "organ",
    "capability",
    "capable",
    "capabilities",
    "probability",
    "sensitivity",
    "activities",
    "relational",
    "relate",
    "relation",
    "generalization",
    "general",
    "happy",
    "happiness",
    "happily",
    "hoping",
    "hope",
    "hopping",
    "agreed",
    "agree",
    "troubling",
    "trouble",
    "crime",
    "crimes",
    "Criminal",
    "programme",
    "Programmes",
    "program",
    "centre",
    "center",
    "grey",
    "gray",
    "ageing",
    "aging",
    "defence",
    "defense",
    "analyse",
    "analysed",
    "labour",
    "labor",
    "war",
    "wars",
    "ays",
    "ies",
    "yes",
    "un",
    "UN",
    "EU",
    "eu",
    "the",
    "and",
    "a",
    "U.S",
    "GLO.ACT",
    "glo",
    "act",
    "2019",
    "2019s",
    "snake_case",
    "Márquez",
    "MARQUEZ",
    "marquez",
    "Päivi",
    "Paivi",
    "café",
    "cafe",
    "naïve",
    "naive",
    "İstanbul",
    "istanbul",
    "Kelvin",
    "\u212aelvin",
    "ΣΟΦΊΑ",
    "σοφία",
    "Straße",
    "strasse",
    "œuvre",
    "Ørsted",
    "преступность",
]
SEPARATORS = [
    " ",
    " ",
    " ",
    "  ",
    "\n",
    "\n\n",
    " \n ",
    "\t",
    "\r\n",
    "\xa0",
    "\u2003",
    ", ",
    ". ",
    ".",
    "..",
    "-",
    "'",
    "’",
    "<",
    "&",
    ">",
    "?",
    "??",
    "",
    "_",
]
texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=60).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)
term_sets = st.lists(st.sampled_from(WORDS), max_size=4).map(lambda words: terms_of(*words))


@settings(CHECK, max_examples=600)
@given(text=texts, terms=term_sets)
def test_matched_spans_are_those_of_every_word(text, terms):
    assert matched_spans(text, terms) == scanned_spans(text, terms)


@settings(CHECK, max_examples=600)
@given(body=texts, terms=term_sets, width=st.sampled_from([1, 12, 40, SNIPPET_CHARS]))
def test_snippets_are_those_of_every_word(body, terms, width):
    assert snippet(body, terms, width) == scanned_snippet(body, terms, width)


@settings(CHECK, max_examples=300)
@given(title=texts, terms=term_sets)
def test_titles_are_those_of_every_word(title, terms):
    assert highlight_title(title, terms) == highlight.mark(title, scanned_spans(title, terms))


def test_a_text_mostly_of_other_letters_is_analysed_word_by_word():
    text = "преступность и наказание " * 20 + "Trafficking"
    terms = terms_of("преступность", "trafficking")
    assert matched_spans(text, terms) == scanned_spans(text, terms)
    assert len(matched_spans(text, terms)) == 21


@pytest.mark.parametrize(
    "queries",
    [
        ["trafficking"],
        ["wildlife", "crime"],
        ["organised", "crime"],
        ["Container", "Control", "Programme"],
        ["counter", "terrorism", "Pakistan"],
        ["GLO.ACT"],
        ["Márquez"],
        ["zzzz"],
        [],
    ],
)
def test_corpus_snippets_and_titles_are_those_of_every_word(corpus_items, queries):
    terms = terms_of(*queries)
    for item in corpus_items:
        assert snippet(item.body, terms) == scanned_snippet(item.body, terms)
        assert highlight_title(item.title, terms) == highlight.mark(item.title, scanned_spans(item.title, terms))


# -- the shape of a snippet ----------------------------------------------------


def test_a_snippet_escapes_text_and_marks_each_form_of_a_term():
    body = "Intro <b>&</b>. " * 30 + "The traffickers said trafficking & Trafficked goods. " + "Outro. " * 60
    result = snippet(body, terms_of("trafficking"))
    assert result.startswith("… ") and result.endswith(" …")
    assert result.count("<mark>") == 3
    assert "<mark>traffickers</mark>" in result and "<mark>Trafficked</mark>" in result
    assert "&amp;" in result and "&lt;b&gt;" in result
    assert "<b>" not in result.replace("<mark>", "").replace("</mark>", "")
    assert len(html.unescape(result.replace("<mark>", "").replace("</mark>", ""))) <= SNIPPET_CHARS + 4


def test_stemming_spelling_accents_and_acronyms_still_highlight():
    title = "Organised crime: the organisation's Organizations, capabilities of GLO.ACT in the U.S. with Márquez"
    terms = terms_of("organized", "organization", "capability", "glo.act", "u.s", "marquez")
    assert highlight_title(title, terms) == (
        "<mark>Organised</mark> crime: the <mark>organisation</mark>'s <mark>Organizations</mark>, "
        "<mark>capabilities</mark> of <mark>GLO.ACT</mark> in the <mark>U.S</mark>. with <mark>Márquez</mark>"
    )


def test_the_window_with_most_distinct_terms_wins_then_most_matches_then_the_first():
    filler = " ".join(["filler"] * 80)
    body = f"crime crime crime {filler} crime drugs {filler} crime crime drugs {filler} crime drugs"
    result = snippet(body, terms_of("crime", "drug"))
    assert result.count("<mark>") == 3 and "<mark>drugs</mark>" in result
    assert snippet(body, terms_of("crime")).startswith("<mark>crime</mark> <mark>crime</mark> <mark>crime</mark>")


def test_a_body_without_a_match_or_terms_gives_its_opening_words():
    body = "  First   words\n\nof the <body> " + "and more " * 200
    opening = html.escape(" ".join(body.split())[:SNIPPET_CHARS].rsplit(" ", 1)[0], quote=False) + " …"
    assert snippet(body, terms_of("zebra")) == opening
    assert snippet(body, frozenset()) == opening
    assert snippet("Short <body>.", frozenset()) == "Short &lt;body&gt;."


# -- bounded work --------------------------------------------------------------


def long_body(corpus_items, size: int) -> str:
    body = "\n\n".join(item.body for item in corpus_items)
    return (body * (size // len(body) + 1))[:size]


def test_only_words_that_can_match_are_analysed(monkeypatch):
    analysed = []

    def counting(word: str) -> str | None:
        analysed.append(word)
        return index_term(word)

    monkeypatch.setattr(highlight, "index_term", counting)
    body = "filler words of a long body, " * 40_000 + "then trafficking, traffic and a trafficker."
    result = snippet(body, terms_of("trafficking"))
    assert result.count("<mark>") == 2
    # Not "traffic", which does not begin with "traffick".
    assert sorted(analysed) == ["trafficker", "trafficking"]


def test_only_the_window_is_escaped(monkeypatch):
    escaped = []
    escape = html.escape

    def counting(text: str, quote: bool = True) -> str:
        escaped.append(text)
        return escape(text, quote)

    monkeypatch.setattr(highlight.html, "escape", counting)
    body = "<filler> " * 100_000 + "crime & drugs " + "<more> " * 100_000
    result = snippet(body, terms_of("crime", "drug"))
    assert "<mark>crime</mark> &amp; <mark>drugs</mark>" in result
    assert sum(map(len, escaped)) <= SNIPPET_CHARS
    escaped.clear()
    assert snippet(body, frozenset()).startswith("&lt;filler&gt;")
    assert sum(map(len, escaped)) <= SNIPPET_CHARS


@pytest.mark.parametrize("queries", [["drug", "trafficking"], ["crime"], ["zebra"], []])
def test_a_body_of_a_megabyte_is_highlighted_in_bounded_time(corpus_items, queries):
    body = long_body(corpus_items, 1_000_000)
    terms = terms_of(*queries)
    expected = scanned_snippet(body, terms)
    start = time.perf_counter()
    result = snippet(body, terms)
    assert result == expected
    # A generous bound: the figures are the benchmark's (about 10 ms here).
    assert time.perf_counter() - start < 1.0


# -- the pieces ----------------------------------------------------------------


@settings(CHECK, max_examples=400)
@given(text=st.text(alphabet=st.sampled_from("ab \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000"), max_size=40))
def test_squeezed_is_split_and_join(text):
    assert highlight._squeezed(text) == " ".join(text.split())


def test_every_other_space_is_known():
    spaces = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert set(highlight._OTHER_SPACES) == spaces - set(" \t\n\r")


@pytest.mark.parametrize("word", ["capability", "capabilities", "happy", "city", "coming", "having", "giving", "ays"])
def test_a_word_begins_with_its_terms_prefix_though_not_with_its_term(word):
    term = index_term(word)
    assert term is not None and not word.startswith(term)
    assert word.startswith(highlight._stem_prefix(term))
