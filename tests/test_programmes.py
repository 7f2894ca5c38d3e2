import pytest

from indexer.facets.programmes import TYPES, _registry, find_programmes
from indexer.facets.registry import BY_NAME
from indexer.facets.sections import ItemText
from indexer.facets.text import Phrase, PhraseMatcher, acronym_phrases
from indexer.facets.themes import theme_labels
from indexer.facets.vocabulary import Vocabularies
from indexer.model import FacetValue, slugify


def slugs(*paragraphs: str, title: str = "News") -> list[str]:
    return [programme.slug for programme, _ in find_programmes(ItemText(title, list(paragraphs)))]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Under GLO.ACT, victims were helped.", ["glo-act"]),
        ("Under Glo.Act, victims were helped.", ["glo-act"]),
        ("The GLO.ACT's team met.", ["glo-act"]),
        ("The GLOACT team met.", []),
        ("CRIMJUST and Crimjust are the same.", ["crimjust"]),
        ("The Container Control Programme (CCP) met. CCP's units seized cocaine.", ["container-control-programme"]),
        ("The Container Control Program met.", ["container-control-programme"]),
        (
            "The UNODC-WCO Container Control Programme and the UNODC WCO Container\nControl Programme",
            ["container-control-programme"],
        ),
        ("The PACT project trains police.", ["pact"]),
        ("They signed a pact on borders.", []),
        ("The EU-funded MASE programme.", ["mase"]),
        ("A mase of words.", []),
        ("The Blue Heart Campaign and the Blue Heart.", ["blue-heart-campaign"]),
        ("They wear a blue heart.", []),
        (
            "the UN Voluntary Trust Fund for Victims of Human Trafficking, Especially Women and Children",
            ["un-trust-fund-victims-of-trafficking"],
        ),
        (
            "The Global Programmes for Combating Wildlife and Forest Crime; and on Corruption built a joint programme.",
            ["global-programme-wildlife-forest-crime", "global-programme-on-corruption"],
        ),
        ("The Cocaine Route Programme, now the Global Illicit Flows Programme", ["global-illicit-flows-programme"]),
        ("EL PAcCTO 2.0 and COPOLAD III met.", ["el-paccto", "copolad"]),
        ("We strive to help; STRIVE Juvenile began.", ["strive"]),
        ("GLACY+ trained judges.", ["glacy"]),
        ("Funded by the IcSP, then by NDICI-Global Europe.", ["icsp", "ndici"]),
        ("The Line Up Live Up training and the UNODC Sahel Programme.", ["line-up-live-up", "unodc-sahel-programme"]),
    ],
)
def test_names_acronyms_and_spellings(text, expected):
    assert slugs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ICAT and ICCWC met the WCO, IOM and EUROPOL.",
        "A co-sponsor of the Joint United Nations Programme on HIV/AIDS (UNAIDS).",
        "The United Nations Development Programme office in Brussels.",
    ],
)
def test_bodies_are_not_programmes(text):
    assert slugs(text) == []


def test_a_bare_parent_mention_is_the_named_variant():
    assert slugs(
        "Projects such as GLO.ACT Asia and the\nMiddle East build capacity.",
        "Under the framework of GLO.ACT, a Women's Network will be created.",
    ) == ["glo-act-asia-middle-east"]


@pytest.mark.parametrize(
    "earlier",
    [
        "It builds on GLO.ACT, 2015-2019, in thirteen countries.",
        "It builds on the Global Action against Trafficking in Persons and the Smuggling of Migrants (GLO.ACT), "
        "which the EU and UNODC implemented from 2015 to 2019.",
        "The first phase of GLO.ACT (2015–2019) trained 2,000 officials.",
    ],
)
def test_a_parent_named_as_an_earlier_phase_with_its_years_is_kept_beside_its_variant(earlier):
    assert sorted(slugs("GLO.ACT Bangladesh started in Dhaka.", earlier)) == ["glo-act", "glo-act-bangladesh"]


def test_a_parent_named_in_full_without_years_is_still_the_variant():
    assert slugs(
        "Under the framework of the Global Action against Trafficking in Persons and the Smuggling of Migrants, "
        "an event was organised. GLO.ACT Asia and the Middle East builds capacity; GLO.ACT started in 2018.",
    ) == ["glo-act-asia-middle-east"]


def test_a_component_is_kept_beside_its_programme():
    assert slugs(
        "The Container Control Programme (CCP) is 15 years old.",
        "The CCP Women's Network launched CCP Champions for Change.",
    ) == ["container-control-programme", "ccp-womens-network", "ccp-champions-for-change"]


def test_programmes_named_in_the_title_come_first():
    assert slugs("AIRCOP met.", title="The PACT project in Brussels") == ["pact", "aircop"]


def test_values_are_slug_and_canonical_name():
    programmes = find_programmes(ItemText("Container Control Program", []))
    assert [p.value for p, _ in programmes] == [
        FacetValue("container-control-programme", "Container Control Programme")
    ]


@pytest.mark.parametrize(
    "acronym, text, matches",
    [
        ("GLO.ACT", "glo.act", True),
        ("GLO.ACT", "GLO-ACT", True),
        ("GLO.ACT", "GLO.\nACT", False),
        ("CRIMJUST", "crimjust", True),
        ("E4J", "e4j", True),
        ("CCP", "ccp", False),
        ("CCP", "CCPs", False),
        ("CCP", "UNODC-CCP", True),
    ],
)
def test_acronym_case_rule(acronym, text, matches):
    matcher = PhraseMatcher(acronym_phrases(acronym, "x"))
    assert bool(matcher.find(text)) is matches


def test_the_longest_phrase_wins_whatever_its_case_rule():
    matcher = PhraseMatcher([Phrase("CCP", "ccp", exact_case=True), Phrase("ccp women's network", "network")])
    assert [f.key for f in matcher.find("The CCP Women’s Network and the CCP")] == ["network", "ccp"]


def test_a_phrase_never_spans_two_paragraphs():
    matcher = PhraseMatcher([Phrase("Container Control Programme", "ccp")])
    assert matcher.find("the Container\nControl Programme") != []
    assert matcher.find("the Container\n\nControl Programme") == []


def test_one_phrase_for_two_keys_is_refused():
    with pytest.raises(ValueError, match="stands for both"):
        PhraseMatcher([Phrase("PACT", "a"), Phrase("pact", "b")])


def test_registry_is_consistent():
    programmes = _registry(Vocabularies.bundled()).programmes
    labels = set(theme_labels(Vocabularies.bundled()))
    for slug, programme in programmes.items():
        assert slugify(slug) == slug
        assert programme.type in TYPES
        assert programme.themes and set(programme.themes) <= labels
        assert {programme.variant_of, programme.part_of} - {None} <= set(programmes)


@pytest.mark.parametrize(
    "typed, slug",
    [
        ("CCP", "container-control-programme"),
        ("ccp", "container-control-programme"),
        ("Container Control Program", "container-control-programme"),
        ("container-control-programme", "container-control-programme"),
        ("GLO.ACT", "glo-act"),
        ("GLO.ACT Asia and the Middle East", "glo-act-asia-middle-east"),
        ("Cocaine Route Programme", "global-illicit-flows-programme"),
        ("pact", "pact"),
        ("Pakistan's Action to Counter Terrorism", "pact"),
        ("ICAT", None),
        ("programme", None),
        ("", None),
    ],
)
def test_resolve_filter(typed, slug):
    assert BY_NAME["programme"].resolve_typed(Vocabularies.bundled(), typed) == slug


def test_facet_label():
    assert (
        BY_NAME["programme"].label_of(Vocabularies.bundled(), "pact") == "Pakistan's Action to Counter Terrorism (PACT)"
    )
    assert BY_NAME["programme"].label_of(Vocabularies.bundled(), "retired-programme") == "retired-programme"
