import dataclasses
import datetime as dt

import pycountry
import pytest

from indexer.facets import extract_facets
from indexer.facets.regions import find_regions, regions_of_countries
from indexer.facets.registry import BY_NAME
from indexer.facets.sections import ItemText
from indexer.facets.vocabulary import Vocabularies
from indexer.model import Country, FacetValue, NewsItem, slugify


def region_slugs(text: str) -> list[str]:
    return [region.value for region in find_regions(ItemText("News", [text]))]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Threats in Southeast Asia.", ["southeast-asia"]),
        ("Threats in South East Asia and South-East Asia.", ["southeast-asia"]),
        ("UNODC in MENA and the Middle East and North Africa.", ["mena"]),
        ("Violence in the Sahel.", ["sahel"]),
        ("The Western Balkans and Central Asian countries.", ["western-balkans", "central-asia"]),
        ("Units in Latin America and the Caribbean.", ["latin-america-and-the-caribbean"]),
        ("Threats in Southeast Asia and the Pacific.", ["southeast-asia", "pacific"]),
        ("The African, Caribbean and Pacific Group of States met.", []),
        ("Officials from South Africa met.", []),
        ("The UNODC Regional Office for Southeast Asia and the Pacific advised.", []),
        ("The Regional Representative for the Middle East and North Africa spoke on Central Asia.", ["central-asia"]),
        ("An expert of the UNODC Section for Europe, West & Central Asia came.", []),
        ("Ms Benedetti, Director for Asia, Central Asia, Middle East/Gulf and the Pacific, visited Dhaka.", []),
        ("The Division for Latin America met the Department for Europe on the Sahel.", ["sahel"]),
        ("A Team Europe approach, funded by Global Europe.", []),
    ],
)
def test_named_regions(text, expected):
    assert region_slugs(text) == expected


def test_regions_named_in_the_title_come_first():
    text = ItemText("Discussions on West Africa", ["Officials from Central Asia and West Africa met."])
    assert [r.value for r in find_regions(text)] == ["west-africa", "central-asia"]


def test_regions_in_boilerplate_do_not_count():
    text = ItemText(
        "A launch",
        ["The project was launched.", "The project is a three-year joint initiative by the EU in North Africa."],
    )
    assert find_regions(text) == ()


def test_the_m49_areas_of_primary_countries_are_indexed_but_no_label():
    countries = (
        Country("UGA", "Uganda", "primary"),
        Country("IRQ", "Iraq", "primary"),
        Country("BEL", "Belgium", "mentioned"),
    )
    assert regions_of_countries(Vocabularies.bundled(), countries) == (
        FacetValue("east-africa", "East Africa"),
        FacetValue("western-asia", "Western Asia"),
    )
    item = extract_facets(
        NewsItem(
            dt.date(2019, 9, 26),
            dt.date(2019, 9, 26),
            "26 September 2019",
            "Ugandan police trained on wildlife crime in the Sahel and East Africa",
            "Uganda Police officers were trained in Kampala. Uganda hosted the course.",
        )
    )
    assert [r.value for r in item.regions] == ["sahel", "east-africa"]
    assert "regions" in item.to_dict() and "areas" not in item.to_dict()
    assert BY_NAME["region"].values_of(item) == ["sahel", "east-africa"]
    item = dataclasses.replace(item, regions=(FacetValue("sahel", "Sahel"),))
    assert BY_NAME["region"].values_of(item) == ["sahel", "east-africa"]
    assert BY_NAME["region"].values_of(dataclasses.replace(item, areas=())) == ["sahel"]


def test_words_of_a_programme_name_are_no_region():
    item = NewsItem(
        dt.date(2019, 9, 26),
        dt.date(2019, 9, 26),
        "26 September 2019",
        "Steering committee",
        "UNODC and IOM, the agencies for GLO.ACT Asia and the Middle East, met.",
    )
    assert extract_facets(item).regions == ()


def test_region_slugs_are_slugs():
    tables = set(Vocabularies.bundled().toml("regions.toml")) - {"not_regions", "office_names"}
    assert all(slugify(slug) == slug for slug in tables)


def test_every_country_has_an_m49_area():
    data = Vocabularies.bundled().toml("m49.toml")
    assert {c.alpha_3 for c in pycountry.countries} <= set(data["areas"])
    areas_and_parents = set(data["parents"]) | set(data["parents"].values()) | {"Antarctica"}
    assert set(data["areas"].values()) <= areas_and_parents


@pytest.mark.parametrize(
    "typed, slug",
    [
        ("central-asia", "central-asia"),
        ("Central Asia", "central-asia"),
        ("south-east asia", "southeast-asia"),
        ("MENA", "mena"),
        ("Middle East and North Africa", "mena"),
        ("Eastern Africa", "east-africa"),
        ("Polynesia", "polynesia"),
        ("western-europe", "western-europe"),
        ("Narnia", None),
    ],
)
def test_resolve_filter(typed, slug):
    assert BY_NAME["region"].resolve_typed(Vocabularies.bundled(), typed) == slug


def test_facet_label():
    assert BY_NAME["region"].label_of(Vocabularies.bundled(), "mena") == "Middle East and North Africa"
    assert BY_NAME["region"].label_of(Vocabularies.bundled(), "polynesia") == "Polynesia"
