"""Rate limiting with flask-limiter: per client address, in memory by
default (`NEWSEARCH_RATELIMIT_STORAGE_URI` for a shared store).

The JSON API has one limit per client. Failed admin authentications have a
strict one of their own, counted only when they fail, so that a burst of
wrong tokens never locks out the right one.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

# The counter of failed admin authentications, in the limiter's store.
_FAILURES = "newsearch.admin_failures"


def init_app(app: Flask, *limited: Blueprint) -> None:
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        enabled=app.config["RATELIMIT_ENABLED"],
        headers_enabled=True,
    )
    for blueprint in limited:
        limiter.limit(lambda: current_app.config["RATELIMIT"])(blueprint)
    # Always on, whatever RATELIMIT_ENABLED says: it guards the admin token.
    app.extensions[_FAILURES] = FixedWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))


def failed_attempt_retry_after() -> int | None:
    """Count a failed admin authentication of this client; the seconds it
    must wait when it has failed too often (`ADMIN_FAILURE_LIMIT`), else None."""
    failures: FixedWindowRateLimiter = current_app.extensions[_FAILURES]
    item = parse(current_app.config["ADMIN_FAILURE_LIMIT"])
    client = get_remote_address()
    if failures.hit(item, "admin-auth-failures", client):
        return None
    reset_at, _ = failures.get_window_stats(item, "admin-auth-failures", client)
    return max(1, math.ceil(reset_at - time.time()))
