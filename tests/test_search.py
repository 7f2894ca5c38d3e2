import pytest

from indexer.facets.vocabulary import Vocabularies
from indexer.search.engine import all_facet_values, get_item, search, suggest
from indexer.search.request import InvalidRequest, SearchRequest, parse_search_request


def titles(result: dict) -> list[str]:
    return [hit["title"] for hit in result["results"]]


def run(index, **params):
    args = {key: [str(v) for v in value] if isinstance(value, list) else [str(value)] for key, value in params.items()}
    return search(index, parse_search_request(args, index.vocabularies))


def facet(result, name):
    return {row["value"]: row["count"] for row in result["facets"][name]}


def test_wildlife_lists_the_wildlife_items_first(corpus_index):
    result = run(corpus_index, q="wildlife")
    assert result["total"] == 6
    assert titles(result)[:3] == [
        'EU - ICCWC discussions on EU-funded programme "law enforcement and combating wildlife and forest crime"',
        "Belgium and UNODC sign two-million-euro funding agreement to strengthen fight against corruption and "
        "wildlife crime in Africa",
        "UNODC Briefing on Environmental Crime",
    ]
    assert all("<mark>" in hit["snippet"] or "<mark>" in hit["title_html"] for hit in result["results"])


def test_items_matching_all_words_come_before_items_matching_some(corpus_index):
    result = run(corpus_index, q="wildlife corruption", per_page=50)
    all_words = result["total_all_words"]
    assert (all_words, result["total"]) == (2, 13)
    for hit in result["results"][:all_words]:
        text = (hit["title"] + " " + hit["snippet"]).lower()
        assert "wildlife" in text or "corruption" in text


def test_nothing_matching_all_words_says_so(corpus_index):
    result = run(corpus_index, q="wildlife cybercrime")
    assert (result["total_all_words"], result["total"]) == (0, 9)
    assert "all of the words" in result["notice"]


def test_empty_query_browses_newest_first_with_facets(corpus_index):
    result = run(corpus_index, per_page=100)
    assert result["total"] == 37
    dates = [hit["date_start"] for hit in result["results"]]
    assert dates == sorted(dates, reverse=True)
    assert facet(result, "year") == {"2019": 37}
    assert result["facets"]["theme"]


@pytest.mark.parametrize("sort, reverse", [("newest", True), ("oldest", False)])
def test_sorts_by_date(corpus_index, sort, reverse):
    result = run(corpus_index, q="trafficking", sort=sort, per_page=100)
    dates = [hit["date_start"] for hit in result["results"]]
    assert dates == sorted(dates, reverse=reverse)


def test_phrase_is_stricter_than_words(corpus_index):
    phrase = run(corpus_index, q='"container control"')
    words = run(corpus_index, q="container control")
    assert (phrase["total"], words["total"]) == (4, 11)


# Syntax that cannot be read is searched as plain words, never an error:
# each query with the number of items it finds.
@pytest.mark.parametrize(
    "q, total",
    [
        ("((( trafficking", 24),
        ("trafficking )))", 24),
        ("trafficking AND", 24),
        ("traf*", 24),
        ("AND", 37),
        ("OR OR", 37),
        ("NOT", 37),
        ("-", 37),
        ("*", 37),
        ("*ing", 37),
        ("?rafficking", 37),
        ("a" * 5000, 0),
        ("title:", 0),
        ("country:Atlantis", 37),
        ("id:x", 0),
        ("data:foo", 4),
        ("[a TO", 37),
        ("x~", 37),
        ("%", 37),
        ("\\", 37),
        ('""', 37),
        ("year:>2019", 37),
        ("year:201*", 37),
        ("year:2031", 0),
        ("' OR 1=1 --", 37),
        ("GLO.ACT", 5),
        ('title:"container"', 3),
    ],
)
def test_any_user_syntax_searches_safely(corpus_index, q, total):
    assert search(corpus_index, SearchRequest(q=q))["total"] == total


@pytest.mark.parametrize("q", ['"unbalanced', "theme:"])
def test_syntax_left_open_is_no_error(corpus_index, q):
    assert isinstance(search(corpus_index, SearchRequest(q=q))["total"], int)


def test_markup_in_a_query_is_never_markup_in_results(corpus_index):
    result = search(corpus_index, SearchRequest(q="<script>wildlife</script>"))
    assert result["total"] == 6
    for hit in result["results"]:
        assert "<script" not in hit["snippet"] and "<script" not in hit["title_html"]


def test_leading_wildcards_are_refused_with_a_notice(corpus_index):
    result = run(corpus_index, q="*ing")
    assert "Wildcards" in (result["notice"] or "")


def test_not_and_minus_exclude(corpus_index):
    base = run(corpus_index, q="trafficking", per_page=100)
    minus = run(corpus_index, q="trafficking -Belgium", per_page=100)
    assert (minus["total"], base["total"]) == (15, 24)
    assert run(corpus_index, q="trafficking NOT Belgium")["total"] == minus["total"]


def test_field_prefixes(corpus_index):
    title_only = run(corpus_index, q="title:wildlife")
    assert titles(title_only) == [
        'EU - ICCWC discussions on EU-funded programme "law enforcement and combating wildlife and forest crime"',
        "Belgium and UNODC sign two-million-euro funding agreement to strengthen fight against corruption and "
        "wildlife crime in Africa",
    ]
    by_country = run(corpus_index, q="country:Iraq", per_page=100)
    assert by_country["total"] == run(corpus_index, country="IRQ")["total"] == 4


def test_acronyms_are_searchable_as_typed(corpus_index):
    assert run(corpus_index, q="GLO.ACT")["total"] == 5
    ccp = run(corpus_index, q="CCP")
    assert titles(ccp)[0] == "UNODC presented the CCP at the Council's Customs Cooperation Working Party"


def test_accent_folding(corpus_index):
    assert run(corpus_index, q="Aimee")["total"] == run(corpus_index, q="Aimée")["total"] == 2


def test_british_and_american_spellings_match_alike(corpus_index):
    assert run(corpus_index, q="organised")["total"] == run(corpus_index, q="organized")["total"] == 17
    assert run(corpus_index, q="program")["total"] == run(corpus_index, q="programme")["total"] == 21


def test_facet_counts_are_disjunctive(corpus_index):
    unfiltered = run(corpus_index)
    countries = facet(unfiltered, "country")
    chosen = run(corpus_index, country="IRQ")
    after = facet(chosen, "country")
    # Choosing Iraq leaves the other countries' counts as they were.
    assert after == countries
    assert chosen["total"] == countries["IRQ"]
    selected = [row for row in chosen["facets"]["country"] if row["selected"]]
    assert [row["value"] for row in selected] == ["IRQ"]


def test_filters_or_within_a_facet_and_across_facets(corpus_index):
    iraq = run(corpus_index, country="IRQ", per_page=100)["total"]
    belgium = run(corpus_index, country="BEL", per_page=100)["total"]
    both = run(corpus_index, country=["IRQ", "BEL"], per_page=100)["total"]
    # Three items are about both countries.
    assert (iraq, belgium, both) == (4, 23, 24)
    assert run(corpus_index, country=["IRQ", "BEL"], theme="human trafficking")["total"] == 7


def test_a_selected_value_appears_even_at_zero(corpus_index):
    result = run(corpus_index, q="wildlife", country="KAZ")
    rows = {row["value"]: row for row in result["facets"]["country"]}
    assert rows["KAZ"] == {"value": "KAZ", "label": "Kazakhstan", "count": 0, "selected": True}
    result = run(corpus_index, year="2031")
    assert result["total"] == 0
    assert {"value": "2031", "label": "2031", "count": 0, "selected": True} in result["facets"]["year"]


def test_filters_accept_names_as_well_as_codes(corpus_index):
    assert run(corpus_index, country="Iraq")["total"] == run(corpus_index, country="IRQ")["total"]


@pytest.mark.parametrize(
    "date_from, date_to, expected_titles_contain",
    [
        ("2019-10-23", "2019-10-23", "Bolivia"),  # inside the 22-24 October range
        ("2019-10-24", "2019-10-30", "Bolivia"),  # overlaps its last day
    ],
)
def test_dates_match_when_the_ranges_overlap(corpus_index, date_from, date_to, expected_titles_contain):
    result = run(corpus_index, **{"from": date_from, "to": date_to})
    assert any(expected_titles_contain in t for t in titles(result))


@pytest.mark.parametrize(
    "date_from, date_to, total",
    [
        ("2019", "2019", 37),
        ("2019-02", "2019-02", 6),
        ("2020", None, 0),
        (None, "2019-01", 1),
    ],
)
def test_date_bounds_accept_years_months_and_days(corpus_index, date_from, date_to, total):
    params = {k: v for k, v in (("from", date_from), ("to", date_to)) if v}
    assert run(corpus_index, **params)["total"] == total


@pytest.mark.parametrize(
    "params, param",
    [
        ({"from": "2019-13"}, "from"),
        ({"from": "2019-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2019-10", "to": "2019-01"}, "from"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"country": "Atlantis"}, "country"),
        ({"theme": "astrology"}, "theme"),
        ({"year": "19"}, "year"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, param):
    with pytest.raises(InvalidRequest) as err:
        parse_search_request({k: [v] for k, v in params.items()}, Vocabularies.bundled())
    assert err.value.param == param
    assert err.value.message


@pytest.mark.parametrize(
    "typo, corrected",
    [("trafficing", "trafficking"), ("Mechelin", "Mechelen"), ("coruption in sport", "corruption in sport")],
)
def test_did_you_mean(corpus_index, typo, corrected):
    assert suggest(corpus_index, typo) == corrected
    result = run(corpus_index, q=typo)
    assert result["suggestion"]["q"] == corrected


def test_a_misspelling_that_finds_nothing_is_searched_as_corrected(corpus_index):
    result = run(corpus_index, q="mechelin")
    assert result["suggestion"] == {"q": "mechelen", "searched": True}
    assert result["total"] == 1


def test_a_misspelling_is_searched_as_corrected_when_that_finds_more(corpus_index):
    result = run(corpus_index, q="trafficing women")
    assert result["suggestion"] == {"q": "trafficking women", "searched": True}
    assert result["total_all_words"] == 8


def test_known_words_get_no_suggestion(corpus_index):
    assert run(corpus_index, q="trafficking")["suggestion"] is None


def test_snippets_escape_text_and_mark_matches(corpus_index):
    result = run(corpus_index, q="wildlife")
    snippet = result["results"][0]["snippet"]
    assert "<mark>" in snippet
    stripped = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped


def test_a_facet_named_in_the_query_ranks_its_items_first(corpus_index):
    result = run(corpus_index, q="Pakistan")
    top = result["results"][0]
    assert any(c["code"] == "PAK" and c["role"] == "primary" for c in top["countries"])


def test_item_with_related_items(corpus_index):
    first = run(corpus_index, q="Container Control Programme")["results"][0]
    item = get_item(corpus_index, first["id"])
    assert item["body"] and item["related"]
    assert first["id"] not in [r["id"] for r in item["related"]]
    assert get_item(corpus_index, "no-such-item") is None


def test_related_items_come_from_the_same_story(corpus_index):
    # The corpus has four items on the Container Control Programme (CCP).
    for hit in run(corpus_index, q='"Container Control Programme"')["results"]:
        related = [r["title"] for r in get_item(corpus_index, hit["id"])["related"]]
        assert len(related) == 5
        assert sum("Container Control" in title or "CCP" in title for title in related[:3]) >= 2, related


def test_all_facet_values(corpus_index):
    values = all_facet_values(corpus_index)
    assert set(values) == {"theme", "programme", "country", "region", "organisation", "year"}
    assert sum(row["count"] for row in values["year"]) == 37
