"""Behind proxies: which client a request is from, and which address every
absolute URL of an answer is built from (webapp/proxy.py)."""

import json
import re
import urllib.request

import pytest
from flask import request
from servers import running_server

from webapp import create_app

ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>,]+")
# Every answer that carries absolute URLs, with a query that finds items.
ANSWERS = [
    "/api/search?q=drugs",
    "/search.atom?q=drugs",
    "/search.csv?q=drugs",
    "/opensearch.xml",
    "/api/openapi.json",
]
FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "fwd.example"}


def make_app(corpus_index_dir, **config):
    app = create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT_ENABLED": False, **config})

    @app.get("/test-client-address")
    def client_address():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


def urls_in(client, path, **headers):
    response = client.get(path, headers={"Accept-Encoding": "identity", **headers})
    assert response.status_code == 200, (path, response.data[:300])
    return ABSOLUTE_URL.findall(response.get_data(as_text=True))


def own_urls(found):
    """The service's own URLs among those an answer carries (the API
    document links to its licence, the Atom feed to its namespace)."""
    return [url for url in found if "w3.org" not in url and "a9.com" not in url and "spdx.org" not in url]


def test_every_absolute_url_comes_from_the_public_url_whatever_the_host(corpus_index_dir):
    client = make_app(corpus_index_dir, PUBLIC_URL="https://news.example.org/news").test_client()
    item_id = client.get("/api/search?q=drugs").get_json()["results"][0]["id"]
    for path in [*ANSWERS, f"/api/items/{item_id}"]:
        found = own_urls(urls_in(client, path, Host="evil.example", **FORWARDED))
        assert found, path
        assert all(f"{url}/".startswith("https://news.example.org/news/") for url in found), (path, found)
    # A proxy that keeps the prefix in the path is served the same.
    assert client.get("/news/api/search?q=drugs", headers={"Host": "evil.example"}).status_code == 200


def test_without_a_public_url_other_hosts_get_a_400_in_the_answers_shape(corpus_index_dir):
    client = make_app(corpus_index_dir).test_client()
    refused = client.get("/api/search?q=drugs", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "bad_request" and "evil.example" in error["message"]
    page = client.get("/?q=drugs", headers={"Host": "evil.example"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "evil.example" in page.get_data(as_text=True)  # said, never linked
    assert not [url for url in own_urls(ABSOLUTE_URL.findall(page.get_data(as_text=True)))]
    # The loopback names are allowed by default, on any port.
    for host in ("localhost", "localhost:8000", "127.0.0.1:5000", "[::1]:8000", "LOCALHOST"):
        found = own_urls(urls_in(client, "/api/search?q=drugs", Host=host))
        assert found and all(url.startswith(f"http://{host.lower()}/") for url in found), host
    # Health checks reach a replica by its address, whatever the name.
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_allowed_hosts_are_the_operators_list(corpus_index_dir):
    client = make_app(corpus_index_dir, ALLOWED_HOSTS="news.example.org, .example.net").test_client()
    assert client.get("/api/facets", headers={"Host": "news.example.org:443"}).status_code == 200
    assert client.get("/api/facets", headers={"Host": "www.example.net"}).status_code == 200
    assert client.get("/api/facets", headers={"Host": "localhost"}).status_code == 400
    assert client.get("/api/facets", headers={"Host": "example.org"}).status_code == 400
    assert client.get("/api/facets", headers={"Host": "badexample.net"}).status_code == 400


def test_without_trusted_proxies_forwarded_headers_change_nothing(corpus_index_dir):
    client = make_app(corpus_index_dir).test_client()
    seen = client.get("/test-client-address", headers=FORWARDED).get_json()
    assert seen == {"remote_addr": "127.0.0.1", "scheme": "http", "host": "localhost"}
    found = own_urls(urls_in(client, "/api/search?q=drugs", **FORWARDED))
    assert all(url.startswith("http://localhost/") for url in found)


def test_one_trusted_proxy_gives_the_clients_address_scheme_and_host(corpus_index_dir):
    client = make_app(corpus_index_dir, TRUSTED_PROXIES=1, ALLOWED_HOSTS="fwd.example").test_client()
    # The proxy appends the address it saw; whatever the client sent before is not believed.
    headers = {**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
    seen = client.get("/test-client-address", headers=headers).get_json()
    assert seen == {"remote_addr": "203.0.113.9", "scheme": "https", "host": "fwd.example"}
    found = own_urls(urls_in(client, "/api/search?q=drugs", **headers))
    assert found and all(url.startswith("https://fwd.example/") for url in found)
    # The forwarded host is checked like any other.
    refused = client.get("/api/search?q=drugs", headers={**headers, "X-Forwarded-Host": "evil.example"})
    assert refused.status_code == 400


@pytest.mark.parametrize("public_url", ["news.example.org", "ftp://news.example.org", "https://x.org/?a=1"])
def test_a_malformed_public_url_stops_the_app_with_a_clear_error(corpus_index_dir, public_url):
    with pytest.raises(ValueError, match="NEWSEARCH_PUBLIC_URL"):
        make_app(corpus_index_dir, PUBLIC_URL=public_url)


@pytest.mark.server
@pytest.mark.parametrize("hops", [0, 1])
def test_under_gunicorn_only_the_trusted_proxies_setting_believes_forwarded_headers(tmp_path, corpus_index_dir, hops):
    """gunicorn would believe X-Forwarded-Proto from loopback on its own;
    it is told not to, so that the setting is the one place that decides."""
    env = {"NEWSEARCH_TRUSTED_PROXIES": str(hops), "NEWSEARCH_RATELIMIT_ENABLED": "false"}
    with running_server(corpus_index_dir, tmp_path / "gunicorn.log", workers=1, env=env) as base:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        request = urllib.request.Request(f"{base}/api/search?q=drugs", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            link = json.load(response)["links"]["self"]
    assert link.startswith("https://" if hops else "http://"), link
