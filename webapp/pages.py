"""Pages for people, feeds and exports: each renders the one result dict."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from indexer.facets.registry import FACETS, Facet
from indexer.search.engine import get_item
from indexer.search.request import InvalidRequest, parse_search_request
from webapp import caching, histogram
from webapp.context import (
    RESULT_FIELDS,
    add_facet_links,
    add_urls,
    current_index,
    only,
    ordered_results,
    query_params,
    request_args,
    requested_fields,
    search_from_request,
)
from webapp.histogram import histogram_bars

bp = Blueprint("pages", __name__)

DATES = ("from", "to")
# What a JSON Lines export may carry: a result's fields and its item's body.
EXPORT_FIELDS = (*RESULT_FIELDS, "body")
# Lines of an export made and sent together.
EXPORT_BATCH = 200
# Written first with `bom=1`, so that spreadsheets read the CSV as UTF-8.
BOM = "\ufeff"

# What XML 1.0 allows is tab, line feed, carriage return and U+0020 to
# U+10FFFF less the surrogates and U+FFFE/U+FFFF; anything else is removed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@bp.get("/")
def index() -> str:
    # A bad or reversed date is said next to its field, on the page of the
    # search without the dates: the query and the other filters are kept
    # (the API answers such a request with its 400).
    date_error = None
    try:
        typing = request.headers.get("X-Search-As-You-Type") == "1"
        search_request, result = search_from_request(logged_as=None if typing else "page")
    except InvalidRequest as err:
        if err.param not in DATES:
            raise
        date_error = err
        search_request, result = search_from_request(ignored=DATES)
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
        date_error=date_error,
        typed_dates={name: request.args.get(name, "") for name in DATES},
    )


@bp.get("/items/<item_id>")
def item(item_id: str) -> str | BaseResponse:
    index = current_index()
    back = _search_came_from(index)
    caching.conditional(index, item_id, sorted(back.items()))
    found = get_item(index, item_id)
    if found is None and item_id in index.redirects:  # its title was edited since
        target = url_for("pages.item", item_id=index.redirects[item_id])
        query = request.query_string.decode("latin-1")
        return redirect(f"{target}?{query}" if query else target, 301)
    if found is None:
        abort(404, description="There is no news item at this address. It may have been removed.")
    return render_template("item.html", item=found, back=back)


def _search_came_from(index) -> dict[str, Any]:
    """The search a result link carried (its query string), for "Back to
    results"; nothing when there was none or it is not a valid search."""
    try:
        return query_params(parse_search_request(request_args(), index.vocabularies))
    except InvalidRequest:
        return {}


@bp.get("/search.atom")
def atom() -> Response:
    search_request, result = search_from_request(sort="newest", page=1, per_page=current_app.config["FEED_ENTRIES"])
    return _xml_document("search.atom.xml", "application/atom+xml", req=search_request, result=result)


@bp.get("/search.csv")
def csv_export() -> Response:
    """The search's first CSV_MAX_ROWS results, or with `all=1` every one,
    streamed; with `bom=1` after a BOM."""
    everything, bom = _flag("all"), _flag("bom")
    cap = current_app.config["CSV_MAX_ROWS"]
    answer = {name: "1" for name, on in (("all", everything), ("bom", bom)) if on}
    result, hits = _export(answer, stop=None if everything else cap)
    listed = [facet for facet in FACETS if facet.item_key]
    header = ["id", "date_start", "date_end", "title", *(facet.item_key or "" for facet in listed), "url"]
    lines = _csv_lines(itertools.chain([header], (_csv_row(hit, listed) for hit in hits)))
    response = _export_response(lines, "text/csv", "newsearch.csv", bom=bom, streamed=everything)
    # A capped export says by how much, for scripts and people alike.
    response.headers["X-Total-Count"] = str(result["total"])
    if not everything:
        response.headers["X-Export-Cap"] = str(cap)
    response.headers["X-Export-Truncated"] = "true" if not everything and result["total"] > cap else "false"
    return response


@bp.get("/search.jsonl")
def jsonl_export() -> Response:
    """Every result of the search as JSON Lines, streamed: each with the
    API's fields and its item's body, or the `fields` asked for."""
    fields = requested_fields(EXPORT_FIELDS)
    bodies = fields is None or "body" in fields
    result, hits = _export({"fields": ",".join(fields)} if fields else {}, bodies=bodies)
    lines = (json.dumps(only(hit, fields), ensure_ascii=False) + "\n" for hit in hits)
    response = _export_response(lines, "application/jsonl", "newsearch.jsonl", bom=False, streamed=True)
    response.headers["X-Total-Count"] = str(result["total"])
    return response


def _export(answer: Mapping[str, str], stop: int | None = None, bodies: bool = False) -> tuple[dict, Iterator[dict]]:
    """The search's answer, and its results up to `stop` (all when None) in
    its order, read as they are written."""
    search_request, result = search_from_request(answer=answer, page=1, per_page=1)
    hits = ordered_results(current_index(), search_request, result, 0, stop, bodies)
    return result, map(add_urls, hits)


def _export_response(lines: Iterable[str], mimetype: str, filename: str, bom: bool, streamed: bool) -> Response:
    """An export's lines in chunks of EXPORT_BATCH, after a BOM when asked:
    sent as they are made when `streamed`, else at once."""

    def chunks() -> Iterator[str]:
        if bom:
            yield BOM
        remaining = iter(lines)
        while batch := list(itertools.islice(remaining, EXPORT_BATCH)):
            yield "".join(batch)

    response = Response(stream_with_context(chunks()) if streamed else "".join(chunks()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_row(hit: dict, listed: list[Facet]) -> list[str]:
    tags = [
        "; ".join(value if facet.export_values else label for value, label, _ in facet.tags(hit)) for facet in listed
    ]
    return [hit["id"], hit["date_start"], hit["date_end"], _csv_safe(hit["title"]), *tags, hit["url"]]


def _csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _flag(name: str) -> bool:
    value = request.args.get(name, "")
    if value not in ("", "0", "1"):
        raise InvalidRequest(name, f"`{name}` must be 1 or 0, not `{value[:40]}`")
    return value == "1"


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
