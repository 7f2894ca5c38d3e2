"""The JSON API: thin views over the one search function."""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from indexer.search.engine import all_facet_values, get_item
from webapp import caching
from webapp.context import RESULT_FIELDS, current_index, only, requested_fields, search_from_request
from webapp.errors import ApiError
from webapp.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response:
    fields = requested_fields(RESULT_FIELDS)
    _, result = search_from_request(
        by_cursor=True, answer={"fields": ",".join(fields)} if fields else None, logged_as="api"
    )
    result["results"] = [only(hit, fields) for hit in result["results"]]
    return jsonify(result)


@bp.get("/items/<item_id>")
def item(item_id: str) -> Response | BaseResponse:
    index = current_index()
    caching.conditional(index, item_id)
    found = get_item(index, item_id)
    if found is None and item_id in index.redirects:  # its title was edited since
        return redirect(url_for("api.item", item_id=index.redirects[item_id]), 301)
    if found is None:
        raise ApiError(404, f"no item has the id `{item_id[:100]}`", "item_id")
    found["url"] = url_for("pages.item", item_id=item_id, _external=True)
    # A page read from this host's disk is named, never located.
    if not found["page"].startswith(("http://", "https://")):
        found["page"] = PurePath(found["page"]).name
    for related in found["related"]:
        related["url"] = url_for("pages.item", item_id=related["id"], _external=True)
        related["api_url"] = url_for("api.item", item_id=related["id"], _external=True)
    return jsonify(found)


@bp.get("/facets")
def facets() -> Response:
    index = current_index()
    caching.conditional(index)
    return jsonify({"documents": index.manifest["documents"], "facets": all_facet_values(index)})


@bp.get("/openapi.json")
def openapi() -> Response:
    caching.conditional(current_index())
    return jsonify(openapi_document(request.url_root.rstrip("/")))
