"""The OpenAPI document is valid, and real responses match its schemas."""

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def check(spec: dict, schema_name: str, instance) -> None:
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:spec", resource)
    schema = {"$ref": f"urn:spec#/components/schemas/{schema_name}"}
    jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker()).validate(
        instance
    )


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?q=wildlife",
        "/api/search",
        "/api/search?q=trafficing",
        "/api/search?country=IRQ&theme=human+trafficking&sort=newest",
        "/api/search?q=wildlife+cybercrime&per_page=3&page=2",
    ],
)
def test_search_responses_match_the_schema(client, spec, url):
    check(spec, "SearchResponse", client.get(url).get_json())


def test_item_response_matches_the_schema(client, spec):
    item_id = client.get("/api/search").get_json()["results"][0]["id"]
    check(spec, "Item", client.get(f"/api/items/{item_id}").get_json())


@pytest.mark.parametrize("url", ["/api/search?page=0", "/api/items/missing", "/api/nowhere"])
def test_error_responses_match_the_schema(client, spec, url):
    check(spec, "Error", client.get(url).get_json())


def test_every_api_route_is_documented(app, spec):
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
    }
    assert routes <= set(spec["paths"])
