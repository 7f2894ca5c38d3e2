"""POST /api/admin/reindex: an update from the configured sources, for
operators who cannot run `newsearch update` on the host."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hmac
import logging
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from indexer.build.store import IndexStore
from indexer.facets.vocabulary import VocabularyError
from indexer.model import ParseError
from indexer.pipeline import tagged_items, vocabularies_from
from webapp import limits
from webapp.errors import ApiError

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/api/admin")

REINDEX_LOCK = ".reindex.lock"


@bp.post("/reindex")
def reindex() -> Response:
    _authorise()
    index_dir = Path(current_app.config["INDEX_DIR"])
    sources = [s.strip() for s in current_app.config["SOURCES"].split(",") if s.strip()]
    with _only_one_reindex(index_dir):
        try:
            vocabularies = vocabularies_from(current_app.config["VOCABULARIES"] or None)
            items = tagged_items(sources, vocabularies=vocabularies)
        except (ParseError, VocabularyError) as err:
            raise ApiError(422, f"the sources could not be read, nothing was changed: {err}") from None
        counts, manifest = IndexStore(index_dir).update(items, sources or ["bundled"], vocabularies)
    log.info("admin reindex: %s -> %s", counts, manifest["version"])
    return jsonify({**dataclasses.asdict(counts), "version": manifest["version"], "documents": manifest["documents"]})


def _authorise() -> None:
    """A missing or wrong token is 401 (RFC 6750); past the failure limit,
    429. The right token is never refused."""
    token = current_app.config["ADMIN_TOKEN"]
    if not token:
        raise ApiError(403, "admin endpoints are disabled; set NEWSEARCH_ADMIN_TOKEN to enable them")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return
    retry_after = limits.failed_attempt_retry_after()
    if retry_after is not None:
        raise ApiError(
            429,
            f"too many failed admin authentications; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    if scheme.lower() != "bearer" or not given:
        raise ApiError(401, "send the admin token as `Authorization: Bearer <token>`")
    raise ApiError(401, "the admin token is not valid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@contextlib.contextmanager
def _only_one_reindex(index_dir: Path) -> Iterator[None]:
    """A second reindex while one runs is refused at once (409) rather than
    queued: in any gunicorn worker, since the lock is a file lock."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / REINDEX_LOCK, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ApiError(409, "a reindex is already running; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
