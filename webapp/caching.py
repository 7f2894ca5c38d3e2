"""What lets browsers, proxies and CDNs reuse answers.

Every answer of a search, item, feed or export is fixed for one index
version: a view calls `conditional(index, key)` before doing its work, with
the normalised request as `key`, and gets a weak ETag of the version, the
address it is served at and the request (weak: compressed and plain bodies
are equivalent, and `took_ms` varies). A matching `If-None-Match` is answered
304 at once; a 200 carries the ETag, `Last-Modified` (the version's build
time) and `Cache-Control: public, max-age=CACHE_MAX_AGE`. Anything else
(errors, rate-limited answers, partial results, admin, health, metrics) is
`no-store`.

Static files are linked by content-hashed names (`style.<hash>.css`) and
cached for a year, immutable. Answers are compressed (zstd, brotli or gzip,
as the client accepts) by Flask-Compress in the app, so that every
deployment gets it, with a proxy or without.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
import re
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, request
from flask_compress import Compress

from indexer.search.engine import SearchIndex

YEAR = 365 * 24 * 3600
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/jsonl",
    "application/atom+xml",
    "application/opensearchdescription+xml",
    "image/svg+xml",
]
# `style.0123456789ab.css` -> `style.css`
_HASHED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{12}(?P<suffix>\.[^.]+)$")


class NotModified(Exception):
    pass


def conditional(index: SearchIndex, *key: object) -> None:
    """The answer's validator; raises NotModified when the client has it."""
    state = repr((index.version, request.url_root, request.endpoint, key))
    g.etag = hashlib.blake2b(state.encode(), digest_size=12).hexdigest()
    g.last_modified = dt.datetime.fromisoformat(index.manifest["built_at"])
    if request.if_none_match.contains_weak(g.etag):
        raise NotModified


def not_cacheable() -> None:
    """This answer is not to be reused (a partial result, say)."""
    g.etag = None


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    Compress(app)  # registered before the hook below, so it runs after it
    _hash_static_names(app)

    @app.errorhandler(NotModified)
    def not_modified(_: NotModified) -> Response:
        return Response(status=304)

    @app.after_request
    def cache_headers(response: Response) -> Response:
        etag = g.get("etag")
        if response.status_code in (200, 304) and etag:
            response.set_etag(etag, weak=True)
            response.last_modified = g.last_modified
            response.cache_control.public = True
            response.cache_control.max_age = int(current_app.config["CACHE_MAX_AGE"])
        elif request.endpoint != "static":
            response.cache_control.no_store = True
        return response


def _hash_static_names(app: Flask) -> None:
    """`url_for('static', filename='style.css')` links to `style.<hash>.css`,
    served from memory for a year as immutable. An unknown hash (a page from
    before a deployment) gets the current file, briefly cached."""
    files = {path.name: path.read_bytes() for path in Path(app.static_folder or "").iterdir() if path.is_file()}
    digests = {name: hashlib.sha256(data).hexdigest()[:12] for name, data in files.items()}
    hashed = {name: "{0}.{2}{1}".format(*os.path.splitext(name), digests[name]) for name in files}
    plain_names = {hashed_name: name for name, hashed_name in hashed.items()}

    @app.url_defaults
    def hashed_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in hashed:
            values["filename"] = hashed[values["filename"]]

    def static(filename: str) -> Response:
        match = _HASHED.match(filename)
        name = plain_names.get(filename) or (match["stem"] + match["suffix"] if match else filename)
        if name not in files:
            abort(404)
        response = Response(files[name], mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")
        response.set_etag(digests[name])
        response.cache_control.public = True
        if filename in plain_names:
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        else:
            response.cache_control.max_age = int(current_app.config["CACHE_MAX_AGE"])
        return response

    app.view_functions["static"] = static
