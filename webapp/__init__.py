"""The Flask app: the search page, item pages, feeds and the JSON API."""

from __future__ import annotations

import logging

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from indexer.build.store import IndexStore
from indexer.curation import Curation
from indexer.search.engine import Catalog
from webapp import (
    admin,
    api,
    caching,
    errors,
    filters,
    limits,
    metrics,
    pages,
    proxy,
    searchlog,
    security,
    typeahead,
    usage,
)
from webapp.config import DEFAULTS


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("NEWSEARCH")
    if config:
        app.config.from_mapping(config)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # keys in the order the result dict has them

    app.extensions["catalog"] = Catalog(IndexStore(app.config["INDEX_DIR"]))
    app.extensions["curation"] = Curation(app.config["CURATION_DIR"] or app.config["INDEX_DIR"])
    app.extensions["searchlog"] = searchlog.open_log(app.config)
    metrics.init_app(app)

    caching.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    security.init_app(app)
    proxy.init_app(app)
    limits.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(typeahead.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(usage.bp)
    logging.getLogger(__name__).info("serving the index in %s", app.config["INDEX_DIR"])
    return app
