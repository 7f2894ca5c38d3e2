"""One error shape for the API, one error page for people.

Under /api every error, whatever raised it, is
`{"error": {"status", "code", "message", "param"}}`; elsewhere it is the
error template. A client's mistake is a 4xx that says what to fix.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from indexer.build.store import IndexMissing
from indexer.search.request import InvalidRequest

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    422: "unprocessable",
    414: "uri_too_long",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    503: "unavailable",
}


# Outside /api, these answer machines too, so they answer errors in JSON.
JSON_PATHS = {"/healthz", "/readyz", "/metrics"}


# A body (JSON or an HTML page), a status and headers, as Flask takes them.
ErrorResponse = tuple[Response | str, int, dict[str, str]]


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, param: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.headers = headers or {}


def error_response(
    status: int, message: str, param: str | None = None, headers: dict[str, str] | None = None
) -> ErrorResponse:
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    if request.path.startswith("/api") or request.path in JSON_PATHS:
        body = {"error": {"status": status, "code": CODES.get(status, "error"), "message": message, "param": param}}
        return jsonify(body), status, headers or {}
    return render_template("error.html", status=status, message=message, param=param), status, headers or {}


def init_app(app: Flask) -> None:
    @app.errorhandler(InvalidRequest)
    def invalid_request(err: InvalidRequest) -> ErrorResponse:
        return error_response(400, err.message, err.param)

    @app.errorhandler(ApiError)
    def api_error(err: ApiError) -> ErrorResponse:
        return error_response(err.status, err.message, err.param, err.headers)

    @app.errorhandler(IndexMissing)
    def index_missing(err: IndexMissing) -> ErrorResponse:
        log.error("%s", err)
        return error_response(503, "The search index is not built yet; try again shortly.")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> ErrorResponse:
        headers = dict(err.get_response().headers)
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        return error_response(err.code or 500, err.description or err.name, headers=headers)

    @app.errorhandler(InternalServerError)
    def internal_error(err: InternalServerError) -> ErrorResponse:
        log.exception("unhandled error on %s", request.path, exc_info=err.original_exception)
        return error_response(500, "Something went wrong on our side; it has been logged.")
