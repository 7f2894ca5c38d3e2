import pytest

from indexer.facets.text import Phrase, PhraseMatcher, WordPattern

MATCHER = PhraseMatcher(
    [
        Phrase("drug trafficking", "drug trafficking"),
        Phrase("drug", "drug"),
        Phrase("women's network", "network"),
        Phrase("Gulf of Guinea", "gulf", exact_case=True),
        Phrase("Guinea", "GIN", exact_case=True),
        Phrase("Niger", "NER", exact_case=True),
    ]
)


def found(matcher: PhraseMatcher, text: str) -> list[tuple[str, str]]:
    return [(f.key, text[f.start : f.end]) for f in matcher.find(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # between two words: spaces with at most one line break, or a hyphen
        ("on drug trafficking.", [("drug trafficking", "drug trafficking")]),
        ("on Drug-Trafficking.", [("drug trafficking", "Drug-Trafficking")]),
        ("on drug \u2013 trafficking.", [("drug trafficking", "drug \u2013 trafficking")]),
        ("on drug\ntrafficking.", [("drug trafficking", "drug\ntrafficking")]),
        ("on drug \t \u00a0 trafficking.", [("drug trafficking", "drug \t \u00a0 trafficking")]),
        ("on drug\n\ntrafficking.", [("drug", "drug")]),
        ("on drug \n \n trafficking.", [("drug", "drug")]),
        ("on drug--trafficking.", [("drug", "drug")]),
        ("on drug\n-trafficking.", [("drug", "drug")]),
        # offsets are the text's, after any run of spaces
        ("a  b   drug     trafficking   drug", [("drug trafficking", "drug     trafficking"), ("drug", "drug")]),
        # any apostrophe
        ("the Women\u2019s Network", [("network", "Women\u2019s Network")]),
        ("the women`s network", [("network", "women`s network")]),
        # never inside a word; the longest at one position
        ("drugs and Nigeria, Niger_x or Niger.", [("NER", "Niger")]),
        ("the Gulf of Guinea and Guinea", [("gulf", "Gulf of Guinea"), ("GIN", "Guinea")]),
        ("the Gulf of Guineans in Guinea", [("GIN", "Guinea")]),
        ("the GULF OF GUINEA", []),
        # lower-casing keeps every offset: "İ" would grow
        ("İ drug İ", [("drug", "drug")]),
    ],
)
def test_phrase_matching(text, expected):
    assert found(MATCHER, text) == expected


def test_a_capital_sigma_is_matched_in_its_own_case():
    # Lower-cased, the sigma of "ΟΔΟΣ" is final or not by what follows.
    matcher = PhraseMatcher([Phrase("ΟΔΟΣ", "street", exact_case=True), Phrase("οδος", "road")])
    assert found(matcher, "ΟΔΟΣ’Α, ΟΔΟΣ and οδος") == [("street", "ΟΔΟΣ"), ("street", "ΟΔΟΣ"), ("road", "οδος")]


def test_a_vocabulary_of_exact_phrases_only():
    matcher = PhraseMatcher(
        [Phrase("EU", "eu", exact_case=True), Phrase("EU Delegation", "delegation", exact_case=True)]
    )
    assert found(matcher, "The EU Delegation, the EU-\nDelegation, the eu delegation; EU") == [
        ("delegation", "EU Delegation"),
        ("delegation", "EU-\nDelegation"),
        ("eu", "EU"),
    ]


def test_an_empty_vocabulary_finds_nothing():
    assert PhraseMatcher([Phrase("  ", "blank")]).find("anything") == []


CUES = WordPattern(["with a focus on", "funded by", "co-funded by", "in-kind", "will", "Ambassador"])


@pytest.mark.parametrize(
    "text",
    [
        "Funded by the EU, with a focus on Mali; it will end. The Ambassadors met.",
        "with  a\nfocus\ton Mali, co funded by Belgium, co-funded by Spain, in kind",
        "willing, the will_ and WILL; ambassador",
        "FUNDED BY Kelvin: \u212a, \u017f and \u0131 are read as k, s and i",
        "",
    ],
)
def test_word_pattern_finds_what_its_regex_finds(text):
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 1):
            assert CUES.search(text, start, end) == bool(CUES.regex.search(text, start, end))
            assert CUES.ends(text, start, end) == [m.end() for m in CUES.regex.finditer(text, start, end)]
