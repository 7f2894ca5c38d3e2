"""What the search box offers while typing: completions (also in the
OpenSearch suggestions format), and one facet's values matching a text,
counted for the current search."""

from __future__ import annotations

import dataclasses
import json

from flask import Blueprint, Response, current_app, jsonify, request

from indexer.facets.registry import BY_NAME, NAMES
from indexer.search.engine import search
from indexer.search.request import InvalidRequest, integer_param, parse_search_request, query_param
from indexer.search.suggest import DEFAULT_LIMIT, MAX_LIMIT, facet_entries, fold, suggester
from webapp import caching
from webapp.context import current_index, query_params, request_args
from webapp.errors import ApiError

bp = Blueprint("typeahead", __name__, url_prefix="/api")

FORMATS = ("json", "opensearch")
OPENSEARCH_TYPE = "application/x-suggestions+json"


@bp.get("/suggest")
def suggest() -> Response:
    typed = _typed()
    limit = integer_param(request_args(), "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    answer_format = request.args.get("format", "json")
    if answer_format not in FORMATS:
        raise ApiError(400, f"unknown format `{answer_format[:40]}`; use one of: {', '.join(FORMATS)}", "format")
    index = current_index()
    caching.conditional(index, typed, limit, answer_format)
    completions = suggester(index).complete(typed, limit)
    if answer_format == "opensearch":
        body = json.dumps([typed, [completion.text for completion in completions]], ensure_ascii=False)
        return Response(body, mimetype=OPENSEARCH_TYPE)
    return jsonify({"q": typed, "suggestions": [completion.to_json() for completion in completions]})


@bp.get("/facets/<name>")
def facet_values(name: str) -> Response:
    """The values of facet `name` with a word starting with `q` (all without
    it), counted for the search the other parameters describe (`query` is
    its words): values the search has first, by count, then the others."""
    if name not in BY_NAME:
        raise ApiError(404, f"no facet is called `{name[:40]}`; facets are {', '.join(NAMES)}", "name")
    typed = _typed()
    index = current_index()
    args = {key: values for key, values in request_args().items() if key not in ("q", "query")}
    args["q"] = request.args.getlist("query")
    try:
        search_request = parse_search_request(args, index.vocabularies)
    except InvalidRequest as err:
        raise ApiError(400, err.message, "query" if err.param == "q" else err.param) from None
    caching.conditional(index, name, typed, sorted(query_params(search_request).items()))
    result = search(
        index,
        dataclasses.replace(search_request, page=1, per_page=1),
        deadline=float(current_app.config["SEARCH_DEADLINE"]),
    )
    if result["partial"]:
        caching.not_cacheable()
    prefix = fold(typed)
    matching = {entry.value: entry for entry in facet_entries(index, name) if entry.matches(prefix)}
    counted = [row for row in result["facets"][name] if row["value"] in matching]
    others = [matching[value] for value in matching.keys() - {row["value"] for row in counted}]
    values = counted + [
        {"value": entry.value, "label": entry.label, "count": 0, "selected": False}
        for entry in sorted(others, key=lambda entry: (entry.label.lower(), entry.value))
    ]
    return jsonify({"facet": name, "q": typed, "total": result["total"], "values": values})


def _typed() -> str:
    return query_param(request_args(), "q")
