"""Rate limiting of the JSON API with flask-limiter: per client address,
in memory by default (`NEWSEARCH_RATELIMIT_STORAGE_URI` for a shared store)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask, *blueprints: Blueprint) -> None:
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        enabled=app.config["RATELIMIT_ENABLED"],
        headers_enabled=True,
    )
    for blueprint in blueprints:
        limiter.limit(lambda: current_app.config["RATELIMIT"])(blueprint)
