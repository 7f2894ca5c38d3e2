"""What every request and answer passes: size limits on the way in, and the
security headers every page and answer carries on the way out."""

from __future__ import annotations

from flask import Flask, Response, request

from webapp.errors import ApiError

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Requests are GET queries: a 500-character query of non-Latin script
# percent-encodes to about 6,000 bytes. The server lets larger ones through
# (webapp/gunicorn_conf.py) so that these answers come in the API's shape.
MAX_TARGET_BYTES = 16 * 1024
MAX_HEADERS = 100
MAX_HEADER_BYTES = 8 * 1024


def init_app(app: Flask) -> None:
    @app.before_request
    def check_sizes() -> None:
        target = request.environ.get("RAW_URI") or request.full_path
        if len(target) > MAX_TARGET_BYTES:
            raise ApiError(414, f"the address is {len(target)} bytes long; shorten it to at most {MAX_TARGET_BYTES}")
        if len(request.headers) > MAX_HEADERS:
            raise ApiError(431, f"the request has {len(request.headers)} headers; send at most {MAX_HEADERS}")
        for name, value in request.headers.items():
            if len(name) + len(value) > MAX_HEADER_BYTES:
                raise ApiError(431, f"the `{name[:40]}` header is too large; keep each under {MAX_HEADER_BYTES} bytes")

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api") or request.path.endswith((".atom", ".csv", ".jsonl")):
            headers.setdefault("Access-Control-Allow-Origin", "*")
        return response
