"""Pages for people, feeds and exports: each renders the one result dict."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template

from indexer.facets.registry import FACETS
from indexer.search.engine import get_item
from webapp import caching, histogram
from webapp.context import add_facet_links, current_index, query_params, search_from_request
from webapp.histogram import histogram_bars

bp = Blueprint("pages", __name__)

# What XML 1.0 allows is tab, line feed, carriage return and U+0020 to
# U+10FFFF less the surrogates and U+FFFE/U+FFFF; anything else is removed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@bp.get("/")
def index() -> str:
    search_request, result = search_from_request()
    add_facet_links(result, search_request)

    def params(**changes: Any) -> dict[str, Any]:
        return query_params(search_request, **changes)

    bars = histogram_bars(result["histogram"], search_request, params)
    return render_template(
        "search.html",
        req=search_request,
        result=result,
        params=params,
        bars=bars,
        width=histogram.WIDTH,
        height=histogram.HEIGHT,
    )


@bp.get("/items/<item_id>")
def item(item_id: str) -> str:
    index = current_index()
    caching.conditional(index, item_id)
    found = get_item(index, item_id)
    if found is None:
        abort(404, description="There is no news item at this address. It may have been removed.")
    return render_template("item.html", item=found)


@bp.get("/search.atom")
def atom() -> Response:
    search_request, result = search_from_request(sort="newest", page=1, per_page=current_app.config["FEED_ENTRIES"])
    return _xml_document("search.atom.xml", "application/atom+xml", req=search_request, result=result)


@bp.get("/search.csv")
def csv_export() -> Response:
    cap = current_app.config["CSV_MAX_ROWS"]
    _, result = search_from_request(page=1, per_page=cap)
    out = io.StringIO()
    writer = csv.writer(out)
    listed = [facet for facet in FACETS if facet.item_key]
    writer.writerow(["id", "date_start", "date_end", "title", *(facet.item_key for facet in listed), "url"])
    for row in result["results"]:
        tags = [
            "; ".join(value if facet.export_values else label for value, label, _ in facet.tags(row))
            for facet in listed
        ]
        writer.writerow([row["id"], row["date_start"], row["date_end"], _csv_safe(row["title"]), *tags, row["url"]])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="newsearch.csv"'
    # The export is capped; these say by how much, for scripts and people alike.
    response.headers["X-Total-Count"] = str(result["total"])
    response.headers["X-Export-Cap"] = str(cap)
    response.headers["X-Export-Truncated"] = "true" if result["total"] > cap else "false"
    return response


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    caching.conditional(current_index())
    return _xml_document("opensearch.xml", "application/opensearchdescription+xml")


def _xml_document(template: str, mimetype: str, **context: Any) -> Response:
    """A rendered XML template without the characters XML 1.0 cannot carry
    (noncharacters such as U+FFFE, lone surrogates, most controls), which a
    query or a page may bring into the text: the document is always well-formed."""
    return Response(_NOT_XML.sub("", render_template(template, **context)), mimetype=mimetype)


@bp.get("/healthz")
def healthz() -> Response:
    """Alive: answers even before the first build, saying what it serves."""
    store = current_app.extensions["catalog"].store
    if not store.exists():
        return jsonify({"status": "ok", "documents": 0, "version": None})
    manifest = store.manifest()
    return jsonify(
        {
            "status": "ok",
            "documents": manifest["documents"],
            "version": manifest["version"],
            "built_at": manifest["built_at"],
            "sources": manifest["sources"],
        }
    )


@bp.get("/readyz")
def readyz() -> Response:
    """Ready: the serving index is open and answers a search."""
    index = current_index()
    documents = index.searcher.doc_count()
    return jsonify(
        {"status": "ready", "documents": documents, "version": index.version, "built_at": index.manifest["built_at"]}
    )
