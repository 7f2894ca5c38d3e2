"""Fuzzing the HTTP surface: Hypothesis over `/api/search`'s query and
parameters, Schemathesis over the OpenAPI document, and an injection corpus
against every HTML, JSON, Atom and CSV endpoint.

The big runs use the Flask test client (fast, and an unhandled exception
surfaces with its traceback, since TESTING propagates it); smaller runs go
through a real gunicorn, whose own limits (request line, headers) sit in
front of the app. Every Hypothesis run is derandomized and bounded, so CI
sees the same examples on every run.
"""

from __future__ import annotations

import html.parser
import http.client
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import markupsafe
import pytest
import schemathesis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from servers import running_server

from indexer.facets.registry import NAMES as FILTER_PARAMS
from indexer.search.request import MAX_QUERY_LENGTH, SORTS
from webapp import create_app

PARAMS = ("q", *FILTER_PARAMS, "from", "to", "sort", "page", "per_page")
ERROR_KEYS = {"status", "code", "message", "param"}
INJECTION_FILE = Path(__file__).with_name("data") / "injection.txt"

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_app(corpus_index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT_ENABLED": False})


@pytest.fixture(scope="module")
def fuzz_client(fuzz_app):
    return fuzz_app.test_client()


@pytest.fixture(scope="module")
def validators(fuzz_client) -> dict[str, jsonschema.Draft202012Validator]:
    """Validators for the OpenAPI document's response schemas."""
    spec = fuzz_client.get("/api/openapi.json").get_json()
    registry = Registry().with_resource("urn:spec", Resource.from_contents(spec, DRAFT202012))
    return {
        name: jsonschema.Draft202012Validator(
            {"$ref": f"urn:spec#/components/schemas/{name}"},
            registry=registry,
            format_checker=jsonschema.FormatChecker(),
        )
        for name in ("SearchResponse", "Item", "Error")
    }


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory, corpus_index_dir):
    log_path = tmp_path_factory.mktemp("fuzz-gunicorn") / "gunicorn.log"
    with running_server(corpus_index_dir, log_path, env={"NEWSEARCH_RATELIMIT_ENABLED": "false"}) as base:
        yield urllib.parse.urlsplit(base).netloc
    log = log_path.read_text("utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]


# -- strategies ------------------------------------------------------------------

# Any text without lone surrogates (which no client can send as UTF-8).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
query_tokens = st.sampled_from(
    [
        "AND",
        "OR",
        "NOT",
        "ANDNOT",
        "ANDMAYBE",
        "TO",
        "and",
        "-",
        "+",
        '"',
        "'",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "*",
        "?",
        "~",
        "~2",
        "^",
        "^9999999999",
        "\\",
        ":",
        "title:",
        "body:",
        "country:",
        "countries:",
        "theme:",
        "themes:",
        "programme:",
        "program:",
        "region:",
        "year:",
        "id:",
        "data:",
        "source:",
        "wildlife",
        "traffick*",
        "t*",
        "*ing",
        "w?ldlife",
        "Iraq",
        "IRQ",
        "CCP",
        "GLO.ACT",
        "central-asia",
        '"human trafficking"',
        '"wildlife crime"~3',
        "2019",
        "[2018 TO 2020]",
        "{a TO z}",
        "traffickng",
        "ﬁnance",
        "İstanbul",
        "Straße",
        "café",
        "日本",
        "مخدرات",
        "🚢",
        "\u200b",
        "\ufeff",
        "\u0301",
        "UNODC",
        "Vienna",
        '"UNODC Vienna"',
        '"2019,2018"',
        "2019,2018",
        "credit:",
        "spell:",
        "date_start:",
        "content_hash:",
        "#",
        "&",
        "%",
        "%00",
        "..",
        "/",
    ]
)
query_text = st.one_of(
    st.lists(st.one_of(query_tokens, any_text), max_size=12).map(" ".join),
    st.lists(query_tokens, max_size=8).map("".join),
    any_text,
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "100",
            "101",
            "1000",
            "1001",
            "1e3",
            "1.5",
            " 7 ",
            "+5",
            "0x10",
            "9" * 40,
            "١٢",
            "²",
            "７",
            "NaN",
            "inf",
            "",
            " ",
        ]
    ),
)
dates = st.one_of(
    st.from_regex(r"-?\d{1,5}(-\d{1,3}(-\d{1,3})?)?", fullmatch=True),
    st.dates().map(str),
    numbers,
    any_text,
)
facet_values = st.one_of(
    st.sampled_from(
        [
            "IRQ",
            "Iraq",
            "iraq",
            "Côte d'Ivoire",
            "human trafficking",
            "CCP",
            "glo-act",
            "central-asia",
            "Central Asia",
            "IRQ,PAK",
            ",",
            " , ",
            "2019",
            "Narnia",
        ]
    ),
    any_text,
)
very_long = st.builds(lambda text, n: (text or "a") * n, any_text, st.integers(1, 3000)).map(lambda s: s[:6000])
VALUES = {
    "q": query_text,
    "from": dates,
    "to": dates,
    "sort": st.sampled_from(SORTS) | any_text,
    "page": numbers,
    "per_page": numbers,
    "year": numbers | st.from_regex(r"\d{4}", fullmatch=True),
}
known_pairs = st.sampled_from(PARAMS).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.one_of(VALUES.get(name, facet_values), very_long) if name == "q" else VALUES.get(name, facet_values),
    )
)
unknown_pairs = st.tuples(
    st.one_of(
        any_text.filter(lambda name: name not in PARAMS),
        st.sampled_from(["Q", "q[]", "query", "page[]", "callback", "format"]),
    ),
    any_text,
)
# Parameters in any order, any repeated, known and unknown mixed: mostly 400s.
any_params = st.lists(st.one_of(known_pairs, known_pairs, unknown_pairs), max_size=8)
# Requests that are mostly valid, so the fuzzed query reaches the search.
VALID = {
    "q": query_text,
    "sort": st.sampled_from(SORTS),
    "page": st.integers(1, 1000).map(str),
    "per_page": st.integers(1, 100).map(str),
    "year": st.integers(1900, 2100).map(str),
    "from": st.dates().map(str),
    "to": st.dates().map(str),
    "country": st.sampled_from(["IRQ", "Iraq", "PAK", "Colombia", "ukr"]),
    "theme": st.sampled_from(["human trafficking", "wildlife and forest crime", "cybercrime"]),
    "programme": st.sampled_from(["CCP", "GLO.ACT", "glo-act"]),
    "region": st.sampled_from(["central-asia", "Central Asia", "west-africa"]),
}
valid_params = st.tuples(
    st.tuples(st.just("q"), query_text),
    st.lists(st.sampled_from(list(VALID)).flatmap(lambda name: st.tuples(st.just(name), VALID[name])), max_size=4),
).map(lambda both: [both[0], *both[1]])
param_lists = st.one_of(any_params, valid_params)


def query_string(pairs: list[tuple[str, str]]) -> str:
    return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


# -- checks ----------------------------------------------------------------------


def check_api_answer(status: int, content_type: str, body: bytes, validators) -> dict:
    """No 5xx; a 200 matches the OpenAPI schema; every 4xx has the error shape."""
    assert status < 500, body[:2000]
    assert content_type.startswith("application/json"), (status, content_type, body[:300])
    data = json.loads(body)
    if status == 200:
        validators["SearchResponse"].validate(data)
        for hit in data["results"]:
            for field in ("title_html", "snippet"):
                assert not re.search(r"<(?!/?mark>)", hit[field]), hit[field]  # only <mark> markup
    else:
        assert 400 <= status < 500
        validators["Error"].validate(data)
        error = data["error"]
        assert set(error) == ERROR_KEYS
        assert error["status"] == status and error["message"] and isinstance(error["code"], str)
        if status == 400:
            assert error["param"] in PARAMS, error
    return data


# -- Hypothesis over /api/search: the Flask app ------------------------------------


@settings(FUZZ, max_examples=300)
@given(pairs=param_lists)
def test_api_search_never_fails_and_answers_in_shape(fuzz_client, validators, pairs):
    response = fuzz_client.get(f"/api/search?{query_string(pairs)}")
    event(f"HTTP {response.status_code}")
    data = check_api_answer(response.status_code, response.content_type, response.data, validators)
    if response.status_code == 200:
        assert data["page"] <= data["pages"] or data["results"] == []
        assert len(data["results"]) <= data["per_page"]


@settings(FUZZ, max_examples=120)
@given(path=st.sampled_from(["/", "/search.atom", "/search.csv"]), pairs=param_lists)
def test_pages_feeds_and_exports_never_fail(fuzz_client, path, pairs):
    response = fuzz_client.get(f"{path}?{query_string(pairs)}")
    event(f"{path} HTTP {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 200:
        assert response.mimetype == "text/html"  # the error page
    elif path == "/search.atom":
        ET.fromstring(response.data)
    elif path == "/search.csv":
        assert response.mimetype == "text/csv"


# -- Hypothesis over /api/search: through gunicorn ----------------------------------


def raw_get(netloc: str, target: str, timeout: float = 10.0) -> tuple[int, list[tuple[str, str]], bytes]:
    """A GET with the request target sent exactly as given."""
    connection = http.client.HTTPConnection(netloc, timeout=timeout)
    try:
        connection.request("GET", target, headers={"Connection": "close"})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name.lower()), "")


@pytest.mark.server
@settings(FUZZ, max_examples=60)
@given(pairs=param_lists)
def test_api_search_through_gunicorn(gunicorn, validators, pairs):
    # Every request line reaches the app, which answers in the API's shape
    # whatever its length (tests/test_hostile.py sends the longest).
    target = f"/api/search?{query_string(pairs)}"
    status, headers, body = raw_get(gunicorn, target)
    event(f"HTTP {status}")
    check_api_answer(status, header(headers, "Content-Type"), body, validators)


# -- Schemathesis over the OpenAPI document ------------------------------------------


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


def test_the_api_keeps_its_openapi_promises(api_schema):
    # Not `@schema.parametrize()` over `schemathesis.pytest.from_fixture`:
    # schemathesis 4.32 sets `request.node._nodeid` there, which pytest 9
    # no longer has (AttributeError). A strategy over every operation, in
    # valid and invalid forms, drives the same checks.
    cases = st.one_of(api_schema.as_strategy(GenerationMode.POSITIVE), api_schema.as_strategy(GenerationMode.NEGATIVE))

    @settings(FUZZ, max_examples=150)
    @given(case=cases)
    def run(case):
        event(f"{case.method} {case.path}")
        # Called in process, where nothing decodes a compressed answer.
        case.call_and_validate(
            headers={"Accept-Encoding": "identity"}, checks=[not_a_server_error, response_schema_conformance]
        )

    run()


# -- injection corpus ------------------------------------------------------------------


def injection_payloads() -> list[str]:
    lines = INJECTION_FILE.read_text("utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ") and line != "#"]


# Where a payload goes: `{}` is replaced by the payload, encoded.
INJECTION_TARGETS = {
    "html": ["/?q={}", "/?country={}", "/?sort={}", "/?from={}", "/?q=wildlife&unknown={}", "/items/{}"],
    "json": ["/api/search?q={}", "/api/search?theme={}", "/api/search?per_page={}", "/api/items/{}"],
    "atom": ["/search.atom?q={}"],
    "csv": ["/search.csv?q={}"],
}
# What an attacker's URL may hold as written; everything else is %-encoded.
AS_WRITTEN = "%/?&=#:;,+@!$'()*[]~"


def injection_cases() -> list[tuple[str, str, str, str]]:
    """(kind, template, target, the encoded payload), each distinct target once."""
    cases: dict[str, tuple[str, str, str, str]] = {}
    for payload in injection_payloads():
        for encoded in (urllib.parse.quote(payload, safe=""), urllib.parse.quote(payload, safe=AS_WRITTEN)):
            for kind, templates in INJECTION_TARGETS.items():
                for template in templates:
                    target = template.format(encoded)
                    cases.setdefault(target, (kind, template, target, encoded))
    return list(cases.values())


INJECTION_CASES = injection_cases()
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "data"}


class Tags(html.parser.HTMLParser):
    """The elements and attributes a browser would build from a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def check_markup(target: str, text: str) -> None:
    """No script but the app's own, no event handler, no script URL."""
    for tag, attributes in Tags(text).tags:
        assert tag not in ("iframe", "frame", "img", "object", "embed", "base"), (target, tag, attributes)
        if tag == "script":
            assert attributes.get("src", "").startswith("/static/"), (target, attributes)
        for name, value in attributes.items():
            assert not name.startswith("on"), (target, tag, name, value)
            if name in URL_ATTRIBUTES:
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.IGNORECASE), (target, tag, value)


LEAKED_FILE = re.compile(r"root:.*:0:0:|\[fonts\]|for 16-bit app support")


def seen_by_the_app(template: str, encoded: str) -> str:
    """The payload as the app reads it (all of it, when fully encoded)."""
    unquote = urllib.parse.unquote if "?" not in template else urllib.parse.unquote_plus
    return unquote(encoded)


def check_injection(
    kind: str, template: str, target: str, encoded: str, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    assert status < 500, (target, body[:2000])
    names = [name.lower() for name, _ in headers]
    for name, value in headers:
        assert "injected" not in name.lower() and "injected" not in value.lower(), (target, name, value)
    assert "location" not in names and "set-cookie" not in names, (target, headers)
    text = body.decode("utf-8", errors="replace")
    assert not LEAKED_FILE.search(text), target
    content_type = header(headers, "Content-Type")
    seen = seen_by_the_app(template, encoded)
    if kind == "html" or content_type.startswith("text/html"):
        assert content_type.startswith("text/html"), (target, content_type)
        if re.search(r"[<>\"']", seen):
            assert seen not in text, f"{target} reflected unescaped"
        check_markup(target, text)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query, keep_blank_values=True)
        if template == "/?q={}" and query.get("q") == [seen] and status == 200:
            # Tabs and line breaks in a query are read as spaces.
            as_read = re.sub(r"[\t\n\r\x0b\x0c\x1c-\x1f\x85]", " ", seen)
            assert str(markupsafe.escape(as_read)) in text, f"{target}: the query is not echoed escaped"
    elif kind == "json":
        assert content_type.startswith("application/json"), (target, content_type)
        assert header(headers, "X-Content-Type-Options") == "nosniff"
        data = json.loads(body)
        if status != 200:
            assert set(data["error"]) == ERROR_KEYS and data["error"]["status"] == status
    elif kind == "atom":
        assert content_type.startswith("application/atom+xml"), (target, content_type)
        feed = ET.fromstring(body)
        assert all(element.tag.startswith("{http://www.w3.org/2005/Atom}") for element in feed.iter())
    else:
        assert content_type.startswith("text/csv"), (target, content_type)
        assert header(headers, "Content-Disposition") == 'attachment; filename="newsearch.csv"'


def test_the_injection_corpus_against_the_app(fuzz_client):
    for kind, template, target, encoded in INJECTION_CASES:
        response = fuzz_client.get(target)
        check_injection(
            kind, template, target, encoded, response.status_code, list(response.headers.items()), response.data
        )
    assert len(INJECTION_CASES) > 500


@pytest.mark.server
def test_the_injection_corpus_through_gunicorn(gunicorn):
    sent = 0
    for kind, template, target, encoded in INJECTION_CASES:
        if "#" in target:
            continue  # a fragment never reaches a server: the test client case covers the rest
        status, headers, body = raw_get(gunicorn, target)
        check_injection(kind, template, target, encoded, status, headers, body)
        sent += 1
    assert sent > 500


# -- bugs found by the runs above ------------------------------------------------------


@pytest.mark.parametrize("q", ['source:"UNODC Vienna"', 'year:"2019,2018"', 'wildlife source:("unodc vienna")'])
def test_a_phrase_on_a_field_without_positions_is_not_a_server_error(fuzz_client, validators, q):
    response = fuzz_client.get("/api/search", query_string={"q": q})
    check_api_answer(response.status_code, response.content_type, response.data, validators)


@pytest.mark.parametrize("q", ["a ANDNOT ANDNOT b", "wildlife ANDMAYBE ANDNOT crime", "AND ANDNOT ANDNOT AND"])
def test_operators_in_a_row_are_not_a_server_error(fuzz_client, validators, q):
    response = fuzz_client.get("/api/search", query_string={"q": q})
    check_api_answer(response.status_code, response.content_type, response.data, validators)


@pytest.mark.parametrize("q", ["wildlife (-poaching)", "trafficking (+Iraq)", "title:(-)"])
def test_a_sign_inside_brackets_is_not_a_server_error(fuzz_client, validators, q):
    response = fuzz_client.get("/api/search", query_string={"q": q})
    check_api_answer(response.status_code, response.content_type, response.data, validators)


@pytest.mark.parametrize("q", ["\x0b", "wildlife\x1b[31m", "\x01"])
def test_atom_feed_with_a_control_character_is_xml(fuzz_client, q):
    response = fuzz_client.get("/search.atom", query_string={"q": q})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        ET.fromstring(response.data)


# Lists of characters, not st.text: text's alphabet leaves out noncharacters.
@settings(FUZZ, max_examples=150)
@given(
    q=st.lists(
        st.sampled_from("\ufffe\uffff\ufdd0\x85\x0b\x00\U0010ffff") | st.characters(exclude_categories=("Cs",)),
        max_size=40,
    ).map("".join)
)
def test_any_code_point_in_a_query_gives_well_formed_feeds(fuzz_client, q):
    """U+FFFE, U+FFFF, C0 and C1 controls and the rest: the feed and the
    OpenSearch document are well-formed XML, or the query is refused."""
    response = fuzz_client.get("/search.atom", query_string={"q": q})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        ET.fromstring(response.data)
    ET.fromstring(fuzz_client.get("/opensearch.xml").data)


@pytest.mark.parametrize("raw", ["a%EF%BF%BE", "a%EF%BF%BF", "a%ED%A0%80b", "%C2%85", "%FF%FE", "%EF%B7%90"])
def test_code_points_xml_cannot_carry_are_left_out_of_feeds(fuzz_client, raw):
    response = fuzz_client.get(f"/search.atom?q={raw}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        feed = ET.fromstring(response.data)
        assert "\ufffe" not in response.get_data(as_text=True)
        assert feed.find("{http://www.w3.org/2005/Atom}title").text.startswith("EU–UNODC news")


@pytest.mark.server
def test_a_query_the_api_accepts_fits_through_gunicorn(gunicorn, validators):
    q = "🚢" * MAX_QUERY_LENGTH  # 500 characters: valid by the OpenAPI document
    status, headers, body = raw_get(gunicorn, f"/api/search?{query_string([('q', q)])}")
    check_api_answer(status, header(headers, "Content-Type"), body, validators)
