"""Rate limiting with flask-limiter: one limit per client over everything a
visitor can ask for (the search page, item pages, feeds, exports and the
API), counted in each worker's memory by default or, with
`NEWSEARCH_RATELIMIT_STORAGE_URI=redis://…`, in one store shared by every
worker and replica. The client is the request's remote address: the TCP peer,
or the address trusted proxies forwarded (webapp/proxy.py).

An export costs `RATELIMIT_EXPORT_COST` searches. Health checks, metrics,
static files and the admin endpoints are not counted. When the shared store
cannot be reached, the limits are counted in memory until it answers again
(logged): the service keeps answering.

Failed admin authentications have a strict limit of their own, counted only
when they fail, so that a burst of wrong tokens never locks out the right one.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

# Blueprints and endpoints that are never counted.
NOT_LIMITED = {"admin"}
NOT_LIMITED_ENDPOINTS = {"pages.healthz", "pages.readyz", "metrics.metrics", "static"}
EXPORTS = {"pages.csv_export", "pages.jsonl_export"}
# A shared store that does not answer within this many seconds is down.
STORE_TIMEOUT = 0.25
# The counter of failed admin authentications, in the limiter's store.
_FAILURES = "newsearch.admin_failures"


def init_app(app: Flask) -> None:
    # Registered before the limiter's own hook, so it runs after it: the
    # limiter sends Retry-After with every answer, where it says "wait" to
    # a client that was answered.
    @app.after_request
    def retry_after_only_when_refused(response: Response) -> Response:
        if response.status_code < 400:
            response.headers.pop("Retry-After", None)
        return response

    uri = app.config["RATELIMIT_STORAGE_URI"]
    options: dict = {"socket_timeout": STORE_TIMEOUT, "socket_connect_timeout": STORE_TIMEOUT} if "redis" in uri else {}
    Limiter(
        get_remote_address,
        app=app,
        storage_uri=uri,
        storage_options=options,
        key_prefix="newsearch",
        enabled=app.config["RATELIMIT_ENABLED"],
        headers_enabled=True,
        application_limits=[lambda: current_app.config["RATELIMIT"]],
        application_limits_cost=_cost,
        application_limits_exempt_when=_not_limited,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    # Always on, whatever RATELIMIT_ENABLED says: it guards the admin token.
    storage = storage_from_string(uri, **options)
    assert isinstance(storage, Storage), "the limits' store must be a synchronous one"
    app.extensions[_FAILURES] = _FailureCounter(storage)


def _cost() -> int:
    return int(current_app.config["RATELIMIT_EXPORT_COST"]) if request.endpoint in EXPORTS else 1


def _not_limited() -> bool:
    return request.blueprint in NOT_LIMITED or request.endpoint in NOT_LIMITED_ENDPOINTS


class _FailureCounter:
    """Counts in the shared store, or in this process while it is down."""

    def __init__(self, storage: Storage):
        self.shared = FixedWindowRateLimiter(storage)
        self.local = FixedWindowRateLimiter(MemoryStorage())

    def retry_after(self, limit: str, client: str) -> int | None:
        item = parse(limit)
        try:
            return self._retry_after(self.shared, item, client)
        except Exception:  # the store is down: count here instead
            log.warning("rate limit store unreachable; counting failed admin authentications in memory")
            return self._retry_after(self.local, item, client)

    @staticmethod
    def _retry_after(limiter: FixedWindowRateLimiter, item, client: str) -> int | None:
        if limiter.hit(item, "admin-auth-failures", client):
            return None
        reset_at, _ = limiter.get_window_stats(item, "admin-auth-failures", client)
        return max(1, math.ceil(reset_at - time.time()))


def failed_attempt_retry_after() -> int | None:
    """Count a failed admin authentication of this client; the seconds it
    must wait when it has failed too often (`ADMIN_FAILURE_LIMIT`), else None."""
    failures: _FailureCounter = current_app.extensions[_FAILURES]
    return failures.retry_after(current_app.config["ADMIN_FAILURE_LIMIT"], get_remote_address())
