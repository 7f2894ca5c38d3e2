"""The organisation facet, end to end: indexed, counted, filtered by slug,
name or acronym, named in queries, and in every rendering."""

import csv
import io
import re

import pytest

from indexer.facets.organisations import find_organisations
from indexer.facets.sections import ItemText
from indexer.model import FacetValue

# The five items naming the World Customs Organization, newest first.
WCO_ITEMS = [
    "2019-10-08-unodc-wco-container-control-programme-celebrates-15-years-e78482",
    "2019-09-11-eu-iccwc-discussions-on-eu-funded-programme-law-d7529b",
    "2019-03-28-unodc-presented-the-ccp-at-the-council-s-970355",
    "2019-03-11-unodc-container-control-programme-wins-prestigious-industry-award-60c3cf",
    "2019-01-31-belgium-and-unodc-discuss-the-container-control-program-353601",
]


def test_organisations_are_found_by_name_and_acronym_in_order():
    text = ItemText("ICAT meets", ["Members of ICAT, the IOM and the World Customs Organization (WCO) met EUROPOL."])
    assert find_organisations(text) == (
        FacetValue("icat", "Inter-Agency Coordination Group against Trafficking in Persons (ICAT)"),
        FacetValue("iom", "International Organization for Migration (IOM)"),
        FacetValue("wco", "World Customs Organization (WCO)"),
        FacetValue("europol", "EUROPOL"),
    )


@pytest.mark.parametrize(
    "query",
    [
        "organisation=wco",
        "organisation=WCO",
        "organisation=World+Customs+Organization",
        "q=organisation:WCO",
        "q=organization:wco",
        "q=organisations:%22World+Customs+Organisation%22",
    ],
)
def test_filter_and_query_prefix_by_slug_name_or_acronym(client, query):
    result = client.get(f"/api/search?{query}&sort=newest").get_json()
    assert result["total"] == 5
    assert [hit["id"] for hit in result["results"]] == WCO_ITEMS
    assert all(
        {"value": "wco", "name": "World Customs Organization (WCO)"} in hit["organisations"]
        for hit in result["results"]
    )


def test_an_unknown_organisation_is_a_400_that_says_what_to_give(client):
    response = client.get("/api/search?organisation=nobody")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "status": 400,
            "code": "bad_request",
            "param": "organisation",
            "message": "unknown organisation `nobody`; use an organisation slug, name or acronym such as `WCO` or "
            "`INTERPOL` (GET /api/facets lists every value)",
        }
    }


def test_counts_are_disjunctive_like_every_facet(client):
    everything = client.get("/api/facets").get_json()["facets"]["organisation"]
    assert len(everything) == 57
    assert everything[0] == {
        "value": "european-commission",
        "label": "European Commission",
        "count": 10,
        "selected": False,
    }
    chosen = client.get("/api/search?organisation=wco").get_json()["facets"]["organisation"]
    counts = {row["value"]: row["count"] for row in everything}
    assert {row["value"]: row["count"] for row in chosen} == counts
    assert [row["value"] for row in chosen if row["selected"]] == ["wco"]


def test_the_search_page_lists_the_facet_and_tags_results(client):
    html = client.get("/?organisation=wco").get_data(as_text=True)
    assert '<h2 id="facet-organisation">Organisation</h2>' in html
    assert len(re.findall(r'<a class="tag organisation" href="/\?organisation=wco">World Customs', html)) == 5
    assert 'aria-label="Remove filter organisation: World Customs Organization (WCO)"' in html


def test_csv_and_atom_carry_organisations(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv?organisation=wco").get_data(as_text=True))))
    assert len(rows) == 5
    assert all("World Customs Organization (WCO)" in row["organisations"].split("; ") for row in rows)
    atom = client.get("/search.atom?organisation=wco").get_data(as_text=True)
    assert atom.count('<category scheme="organisation" term="wco" label="World Customs Organization (WCO)"/>') == 5


def test_openapi_describes_the_facet(client):
    document = client.get("/api/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert "an organisation slug, name or acronym" in parameters["organisation"]["description"]
    assert "organisation" in document["components"]["schemas"]["Facets"]["required"]
    assert "organisations" in document["components"]["schemas"]["SearchResult"]["required"]
