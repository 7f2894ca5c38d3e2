"""Where a request comes from, and which address the service answers as.

Behind `TRUSTED_PROXIES` proxy hops, werkzeug's ProxyFix takes the client's
address, scheme and host from the X-Forwarded-For/-Proto/-Host headers those
hops set; with 0, such headers change nothing. Every absolute URL (API links,
feeds, exports, OpenSearch, redirects) is then built from `PUBLIC_URL` when it
is set, or else from the request's host when it is one of `ALLOWED_HOSTS`
(the loopback names when neither is set). A request for any other host is
answered 400 before anything is built from its Host header (health checks
and metrics excepted: they build no URL and are reached by address).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.errors import JSON_PATHS, ApiError

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Where a refused Host header is kept for the error message; the request
# itself goes on as if for the first allowed host, so that nothing, the
# error page included, is built from the refused one.
_REFUSED_HOST = "newsearch.refused_host"


def init_app(app: Flask) -> None:
    public_url = app.config["PUBLIC_URL"].strip()
    allowed = [name.strip().lower() for name in app.config["ALLOWED_HOSTS"].split(",") if name.strip()]
    if public_url:
        app.wsgi_app = PublicURL(app.wsgi_app, public_url)  # type: ignore[method-assign]
    if allowed or not public_url:
        app.wsgi_app = AllowedHosts(app.wsgi_app, allowed or LOOPBACK_HOSTS)  # type: ignore[method-assign]
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops < 0:
        raise ValueError(f"NEWSEARCH_TRUSTED_PROXIES must be 0 or more, not {hops}")
    if hops:
        # Outermost, so that the host checked and used is the forwarded one.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    @app.before_request
    def refuse_other_hosts() -> None:
        # Health checks and scrapes reach a replica by its own address.
        refused = request.environ.get(_REFUSED_HOST)
        if refused is not None and request.path not in JSON_PATHS:
            shown = refused[:100] or "(none)"
            raise ApiError(
                400,
                f"this service does not answer for the host `{shown}`; "
                "use one of its addresses (the operator lists them in NEWSEARCH_ALLOWED_HOSTS)",
            )


class PublicURL:
    """Every request as if made to `PUBLIC_URL`: its scheme, host and path
    prefix are what URLs are built from."""

    def __init__(self, wsgi_app, public_url: str):
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"NEWSEARCH_PUBLIC_URL must look like https://news.example.org, not {public_url!r}")
        self.wsgi_app = wsgi_app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                environ["PATH_INFO"] = path[len(self.prefix) :]  # a proxy that kept the prefix
            environ["SCRIPT_NAME"] = self.prefix
        return self.wsgi_app(environ, start_response)


class AllowedHosts:
    """Requests for hosts other than `names` (any port; `.example.org`
    allows its subdomains too) are marked to be refused."""

    def __init__(self, wsgi_app, names: Iterable[str]):
        self.wsgi_app = wsgi_app
        self.names = tuple(names)

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not self.allows(host_name(host)):
            environ[_REFUSED_HOST] = host
            environ["HTTP_HOST"] = self.names[0].lstrip(".")
        return self.wsgi_app(environ, start_response)

    def allows(self, name: str) -> bool:
        return any(name == allowed or (allowed.startswith(".") and name.endswith(allowed)) for allowed in self.names)


def host_name(host: str) -> str:
    """`Example.org:8000` -> `example.org`, `[::1]:8000` -> `[::1]`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.partition(":")[0].rstrip(".")
