"""What views share: the open index and the decorated search result."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for

from indexer.facets.registry import NAMES
from indexer.search.engine import SearchIndex, search
from indexer.search.request import SearchRequest, parse_search_request
from webapp import caching


def current_index() -> SearchIndex:
    return current_app.extensions["catalog"].current()


def request_args() -> dict[str, list[str]]:
    return {key: request.args.getlist(key) for key in request.args}


def search_from_request(**overrides) -> tuple[SearchRequest, dict]:
    """Parse the query string, search, and add the URLs every rendering
    (HTML, JSON, Atom, CSV) links with: one result dict for all of them.
    `overrides` replace request fields (a feed is always newest first).
    A client that has this answer already gets a 304 (webapp/caching.py)."""
    index = current_index()
    search_request = dataclasses.replace(parse_search_request(request_args(), index.vocabularies), **overrides)
    caching.conditional(index, sorted(query_params(search_request).items()))
    result = search(index, search_request, deadline=float(current_app.config["SEARCH_DEADLINE"]))
    if result["partial"]:
        caching.not_cacheable()
    decorate(result, search_request)
    return search_request, result


def query_params(search_request: SearchRequest, **changes: Any) -> dict[str, Any]:
    """The query string of a request, with `changes` applied; parameters at
    their defaults are left out so URLs stay short and shareable."""
    params: dict[str, Any] = {
        "q": search_request.q or None,
        "from": search_request.date_from_raw or None,
        "to": search_request.date_to_raw or None,
        "sort": search_request.sort if search_request.sort != "relevance" else None,
        "page": search_request.page if search_request.page != 1 else None,
        "per_page": search_request.per_page if search_request.per_page != 10 else None,
        "spelling": None if search_request.autocorrect else "off",
    }
    for name in NAMES:
        params[name] = list(search_request.filters.get(name, ())) or None
    params.update(changes)
    if params.get("page") == 1:
        params["page"] = None  # one URL for the first page
    return {key: value for key, value in params.items() if value not in (None, "", [])}


def decorate(result: dict, search_request: SearchRequest) -> None:
    for hit in result["results"]:
        hit["url"] = url_for("pages.item", item_id=hit["id"], _external=True)
        hit["api_url"] = url_for("api.item", item_id=hit["id"], _external=True)
    suggestion = result["suggestion"]
    if suggestion:
        suggestion["url"] = url_for("pages.index", **query_params(search_request, q=suggestion["q"], page=None))
        if suggestion["searched"]:  # the words as typed, never corrected
            suggestion["original_url"] = url_for(
                "pages.index", **query_params(search_request, page=None, spelling="off")
            )
    page = search_request.page
    result["links"] = {
        "self": url_for("api.search", **query_params(search_request), _external=True),
        "next": url_for("api.search", **query_params(search_request, page=page + 1), _external=True)
        if page < result["pages"]
        else None,
        "prev": url_for("api.search", **query_params(search_request, page=page - 1), _external=True)
        if page > 1
        else None,
        "html": url_for("pages.index", **query_params(search_request), _external=True),
        "atom": url_for("pages.atom", **query_params(search_request, page=None), _external=True),
        "csv": url_for("pages.csv_export", **query_params(search_request, page=None, per_page=None), _external=True),
    }


def add_facet_links(result: dict, search_request: SearchRequest) -> None:
    """Give each facet row of the search page the link that selects or
    unselects it. A search has hundreds of facet values: their links share
    everything but their own facet's parameter, so that part is encoded once
    per facet. (The API leaves these out: a program adds `<facet>=<value>`.)"""
    index_url = url_for("pages.index")
    for name, rows in result["facets"].items():
        selected = list(search_request.filters.get(name, ()))
        others = urlencode(query_params(search_request, **{name: None, "page": None}), doseq=True)
        for row in rows:
            values = [v for v in selected if v != row["value"]] if row["selected"] else selected + [row["value"]]
            query = "&".join(part for part in (others, urlencode({name: values}, doseq=True)) if part)
            row["toggle_url"] = f"{index_url}?{query}" if query else index_url
