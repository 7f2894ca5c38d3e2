import re
import xml.etree.ElementTree as ET

import pytest

ERROR_KEYS = {"status", "code", "message", "param"}


def assert_api_error(response, status, param=None):
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == ERROR_KEYS
    assert error["status"] == status and error["message"]
    if param:
        assert error["param"] == param


def test_search_page_lists_results_for_a_query(client):
    response = client.get("/?q=wildlife")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="wildlife"' in page
    assert "<mark>" in page.lower()
    assert 'aria-live="polite"' in page
    assert 'rel="alternate" type="application/json"' in page


def test_search_page_without_a_query_browses(client):
    page = client.get("/").get_data(as_text=True)
    assert "37 items" in page


def test_api_search_shape(client):
    response = client.get("/api/search?q=wildlife")
    assert response.status_code == 200
    data = response.get_json()
    assert {
        "query",
        "total",
        "page",
        "per_page",
        "pages",
        "results",
        "facets",
        "suggestion",
        "notice",
        "links",
        "took_ms",
    } <= set(data)
    hit = data["results"][0]
    assert {
        "id",
        "title",
        "date_start",
        "date_end",
        "url",
        "api_url",
        "snippet",
        "themes",
        "programmes",
        "countries",
        "regions",
        "score",
    } <= set(hit)
    assert hit["url"].endswith(f"/items/{hit['id']}")
    assert set(data["facets"]) == {"theme", "programme", "country", "region", "organisation", "year"}
    for rows in data["facets"].values():
        for row in rows:
            # A program filters with `<facet>=<value>`: no links to the HTML page.
            assert set(row) == {"value", "label", "count", "selected"}


def test_api_paging_links(client):
    data = client.get("/api/search?per_page=10&page=2").get_json()
    assert data["page"] == 2 and data["pages"] == 4
    assert "page=3" in data["links"]["next"] and "page=2" not in data["links"]["prev"]
    assert client.get(data["links"]["next"]).get_json()["page"] == 3


@pytest.mark.parametrize(
    "query, param",
    [
        ("per_page=0", "per_page"),
        ("page=abc", "page"),
        ("from=2019-99", "from"),
        ("sort=best", "sort"),
        ("country=Narnia", "country"),
        ("from=2019-12&to=2019-01", "from"),
    ],
)
def test_api_bad_parameters_are_400_in_the_error_shape(client, query, param):
    assert_api_error(client.get(f"/api/search?{query}"), 400, param)


def test_api_unknown_item_is_404_in_the_error_shape(client):
    assert_api_error(client.get("/api/items/nope"), 404)


def test_api_unknown_path_and_method(client):
    assert_api_error(client.get("/api/nothing-here"), 404)
    assert_api_error(client.post("/api/search"), 405)


def test_api_item(client):
    item_id = client.get("/api/search?q=Mechelen").get_json()["results"][0]["id"]
    item = client.get(f"/api/items/{item_id}").get_json()
    assert item["id"] == item_id and "Mechelen" in item["body"]
    assert item["related"]
    assert item["page"] == "eu-unodc-news-2019.txt"  # the page's name, not where it is on the host


def test_item_page(client):
    item_id = client.get("/api/search?q=Mechelen").get_json()["results"][0]["id"]
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "Mechelen" in page and "Related news" in page


def test_item_page_not_found_is_an_html_page(client):
    response = client.get("/items/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_healthz(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] == 37


def test_facets_endpoint(client):
    data = client.get("/api/facets").get_json()
    assert sum(row["count"] for row in data["facets"]["year"]) == 37


def test_atom_feed_is_valid_xml_newest_first(client):
    response = client.get("/search.atom?q=trafficking")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    published = [e.findtext("a:published", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert published and published == sorted(published, reverse=True)


def test_csv_export_states_its_cap(client):
    response = client.get("/search.csv?q=trafficking")
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,date_start")
    assert int(response.headers["X-Total-Count"]) == len(lines) - 1
    assert response.headers["X-Export-Cap"] == "1000"


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert b"{searchTerms}" in response.data


def test_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_queries_are_escaped_everywhere(client, payload):
    page = client.get("/", query_string={"q": payload}).get_data(as_text=True)
    assert payload not in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_facet_links_toggle_filters(client):
    page = client.get("/?q=trafficking").get_data(as_text=True)
    link = re.search(r'href="([^"]*country=IRQ[^"]*)"', page).group(1).replace("&amp;", "&")
    filtered = client.get(link).get_data(as_text=True)
    assert 'aria-pressed="true"' in filtered
    assert "Clear all filters" in filtered


def test_readyz(client):
    data = client.get("/readyz").get_json()
    assert data["status"] == "ready" and data["documents"] == 37 and data["version"].startswith("v-")


def test_health_and_readiness_before_the_first_build(tmp_path):
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "documents": 0, "version": None}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["error"]["status"] == 503
    assert client.get("/api/search").status_code == 503


def test_a_page_past_the_last_says_so_and_links_to_the_last(client):
    page = client.get("/?q=drugs&page=99").get_data(as_text=True)
    last = client.get("/api/search?q=drugs").get_json()["pages"]
    assert f"This search has {last} pages of results, not 99" in page
    assert f"page={last}" in page


def test_the_count_names_the_words_searched(client):
    corrected = client.get("/?q=wildlfe").get_data(as_text=True)
    assert "6 items for “wildlife”" in corrected and "Showing results for" in corrected
    as_typed = client.get("/?q=wildlfe&spelling=off").get_data(as_text=True)
    assert "No items found for “wildlfe”" in as_typed
