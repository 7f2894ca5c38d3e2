"""What views share: the open index and the decorated search result."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, request, url_for

from indexer.curation import Rules
from indexer.facets.registry import FACETS, NAMES
from indexer.search.engine import SearchIndex, result_order, results_in_order, search
from indexer.search.request import MAX_PAGE, InvalidRequest, SearchRequest, parse_search_request
from webapp import caching
from webapp.errors import ApiError
from webapp.searchlog import LoggedSearch

# The keys of each result of a search's answer (the engine's, then the two
# URLs added here), in their order: what `fields=` may ask for.
RESULT_FIELDS = (
    "id",
    "title",
    "title_html",
    "date_start",
    "date_end",
    "date_raw",
    "snippet",
    *(facet.item_key for facet in FACETS if facet.item_key),
    "source",
    "score",
    "pinned",
    "url",
    "api_url",
)
# The bytes of a cursor's digest of itself.
CURSOR_CHECK = 8


def current_index() -> SearchIndex:
    """The serving index: one version for the whole of a request."""
    if "search_index" not in g:
        g.search_index = current_app.extensions["catalog"].current()
    return g.search_index


def current_rules() -> Rules:
    """The editors' best bets and synonyms: one set for the whole of a request."""
    if "curation_rules" not in g:
        g.curation_rules = current_app.extensions["curation"].current()
    return g.curation_rules


def request_args(ignored: tuple[str, ...] = ()) -> dict[str, list[str]]:
    return {key: request.args.getlist(key) for key in request.args if key not in ignored}


def search_from_request(
    ignored: tuple[str, ...] = (),
    *,
    by_cursor: bool = False,
    answer: Mapping[str, str] | None = None,
    logged_as: str | None = None,
    **overrides,
) -> tuple[SearchRequest, dict]:
    """Parse the query string (less the `ignored` parameters), search, and
    add the URLs every rendering (HTML, JSON, Atom, CSV) links with: one
    result dict for all of them. `overrides` replace request fields (a feed
    is always newest first). A client that has this answer already gets a
    304 (webapp/caching.py). `answer` holds the parameters other than the
    search's that change the answer (`fields`, `all`, `bom`): they are part
    of its ETag, and kept in its API links. With `by_cursor`, the results
    are those at the position a `cursor` parameter gives, at any depth.
    With `logged_as` ("page", "api"), the search goes in the search log."""
    index = current_index()
    args = request_args(ignored)
    search_request = dataclasses.replace(parse_search_request(args, index.vocabularies), **overrides)
    offset = read_cursor(index, search_request) if by_cursor else None
    answer = dict(answer or {})
    position = {} if offset is None else {"cursor": offset}
    rules = current_rules()
    caching.conditional(index, rules.version, sorted({**query_params(search_request), **answer, **position}.items()))
    result = search(index, search_request, float(current_app.config["SEARCH_DEADLINE"]), rules)
    if offset is not None:
        stop = offset + search_request.per_page
        result["results"] = list(ordered_results(index, search_request, result, offset, stop))
        result["page"] = result["query"]["page"] = offset // search_request.per_page + 1
    if result["partial"]:
        caching.not_cacheable()
    if logged_as:
        log_search(search_request, result, logged_as)
    decorate(result, search_request, offset, answer)
    return search_request, result


def log_search(search_request: SearchRequest, result: dict, via: str) -> None:
    """Put a search in the search log, if there is one: never a person."""
    search_log = current_app.extensions["searchlog"]
    if search_log is None:
        return
    suggestion = result["suggestion"]
    filters = result["query"]["filters"] | {
        key: [result["query"][key]] for key in ("from", "to") if result["query"][key]
    }
    search_log.record(
        LoggedSearch(
            q=search_request.normalised_q,
            filters=filters,
            total=result["total"],
            took_ms=result["took_ms"],
            page=result["page"],
            version=result["index_version"],
            corrected=suggestion["q"] if suggestion and suggestion["searched"] else None,
            via=via,
            at=time.time(),
        )
    )


def ordered_results(
    index: SearchIndex,
    search_request: SearchRequest,
    result: dict,
    start: int = 0,
    stop: int | None = None,
    bodies: bool = False,
) -> Iterator[dict]:
    """The results of the search that answered `result`, from position
    `start` to `stop` (any depth: a deep position costs what the first does),
    read one at a time; with `bodies`, with the items' bodies."""
    order = result_order(index, search_request, result, float(current_app.config["SEARCH_DEADLINE"]), current_rules())
    if order.partial:
        result["partial"] = True
        caching.not_cacheable()
    return results_in_order(index, order, start, stop, bodies)


def make_cursor(index: SearchIndex, search_request: SearchRequest, offset: int) -> str:
    """An opaque position in one search's results on one index version
    and one set of editors' rules: those versions, a digest of the search
    and the offset, then a digest of those, so that a changed or garbled
    cursor is told apart."""
    fields = [_order_version(index), _search_digest(search_request), offset]
    payload = json.dumps(fields, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload + _cursor_check(payload)).decode("ascii").rstrip("=")


def read_cursor(index: SearchIndex, search_request: SearchRequest) -> int | None:
    """The offset the request's `cursor` gives; None without one. A cursor
    of another index version is gone (410); a garbled one, one of another
    search, or one with `page` is a bad request."""
    text = request.args.get("cursor", "")
    if not text:
        return None
    if request.args.get("page"):
        raise InvalidRequest("cursor", "give `cursor` or `page`, not both: a cursor carries its own position")
    fields = _cursor_fields(text)
    if fields is None:
        raise InvalidRequest("cursor", "`cursor` is not one this API gave, or it was changed; use the links as given")
    version, digest, offset = fields
    if version != _order_version(index):
        raise ApiError(
            410,
            "the index, its best bets or its synonyms changed since this cursor was made; start again from page 1",
            "cursor",
        )
    if digest != _search_digest(search_request):
        raise InvalidRequest(
            "cursor",
            "this cursor is for another search: keep q, the filters, from, to, sort, per_page and spelling "
            "as in the link it came in",
        )
    return offset


def _cursor_fields(text: str) -> tuple[str, str, int] | None:
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError:
        return None
    payload, check = raw[:-CURSOR_CHECK], raw[-CURSOR_CHECK:]
    if not payload or check != _cursor_check(payload):
        return None
    try:
        version, digest, offset = json.loads(payload)
    except (ValueError, TypeError):
        return None
    if isinstance(version, str) and isinstance(digest, str) and type(offset) is int and offset >= 0:
        return version, digest, offset
    return None


def _order_version(index: SearchIndex) -> str:
    """What an order of results depends on besides the search itself."""
    rules = current_rules()
    return f"{index.version}+{rules.version}" if rules.version else index.version


def _cursor_check(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=CURSOR_CHECK, person=b"newsearch-cursor").digest()


def _search_digest(search_request: SearchRequest) -> str:
    """What decides a search's order: q, filters, dates, sort, per_page, spelling."""
    state = repr(sorted(query_params(search_request, page=None).items()))
    return hashlib.blake2b(state.encode(), digest_size=8).hexdigest()


def requested_fields(valid: Sequence[str]) -> tuple[str, ...] | None:
    """The `fields` asked for (comma-separated or repeated), in the order
    of `valid`; None when not asked (every field)."""
    asked = {name.strip() for value in request.args.getlist("fields") for name in value.split(",")} - {""}
    if not asked:
        return None
    unknown = sorted(asked - set(valid))
    if unknown:
        raise InvalidRequest("fields", f"unknown field `{unknown[0][:40]}`; use some of: {', '.join(valid)}")
    return tuple(name for name in valid if name in asked)


def only(hit: dict, fields: Sequence[str] | None) -> dict:
    """A result with only `fields` (all of them when None)."""
    return hit if fields is None else {name: hit[name] for name in fields}


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


def decorate(
    result: dict, search_request: SearchRequest, offset: int | None = None, answer: Mapping[str, str] | None = None
) -> None:
    for hit in result["results"]:
        add_urls(hit)
    suggestion = result["suggestion"]
    if suggestion:
        suggestion["url"] = url_for("pages.index", **query_params(search_request, q=suggestion["q"], page=None))
        if suggestion["searched"]:  # the words as typed, never corrected
            suggestion["original_url"] = url_for(
                "pages.index", **query_params(search_request, page=None, spelling="off")
            )
    everything = query_params(search_request, page=None, per_page=None)
    result["links"] = {
        **_api_links(result, search_request, offset, answer or {}),
        "html": url_for("pages.index", **query_params(search_request), _external=True),
        "atom": url_for("pages.atom", **query_params(search_request, page=None), _external=True),
        "csv": url_for("pages.csv_export", **everything, _external=True),
        "jsonl": url_for("pages.jsonl_export", **everything, _external=True),
    }


def add_urls(hit: dict) -> dict:
    hit["url"] = url_for("pages.item", item_id=hit["id"], _external=True)
    hit["api_url"] = url_for("api.item", item_id=hit["id"], _external=True)
    return hit


def _api_links(
    result: dict, search_request: SearchRequest, offset: int | None, answer: Mapping[str, str]
) -> dict[str, str | None]:
    """`self`, `next` and `prev` by page number, for people; by cursor when
    the request came with one, and for a page past MAX_PAGE. `next_cursor`
    is the next page by cursor always, for programs."""
    index = current_index()
    per_page = search_request.per_page
    at = (search_request.page - 1) * per_page if offset is None else offset

    def link(position: int | None, by_cursor: bool) -> str | None:
        if position is None:
            return None
        page = position // per_page + 1
        if by_cursor or page > MAX_PAGE:
            params = query_params(search_request, page=None, cursor=make_cursor(index, search_request, position))
        else:
            params = query_params(search_request, page=page)
        return url_for("api.search", **params, **answer, _external=True)

    following = at + per_page if at + per_page < result["total"] else None
    by_cursor = offset is not None
    return {
        "self": link(at, by_cursor),
        "next": link(following, by_cursor),
        "prev": link(max(0, at - per_page) if at > 0 else None, by_cursor),
        "next_cursor": link(following, True),
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
