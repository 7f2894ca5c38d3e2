"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from indexer.facets.registry import FACETS, NAMES, Facet
from indexer.search.request import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS
from webapp.context import RESULT_FIELDS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


# The links of a search's answer.
LINKS = ("self", "next", "prev", "next_cursor", "html", "atom", "csv", "jsonl")

# Every GET answer carries a weak ETag of the index version and the request.
NOT_MODIFIED = {"304": {"description": "Not modified: the ETag sent in If-None-Match is still the answer's."}}


def _error_responses(*statuses: int) -> dict:
    descriptions = {
        400: "A parameter cannot be used; `param` names it.",
        401: "No bearer token was sent, or not the admin token.",
        403: "Admin is disabled (no NEWSEARCH_ADMIN_TOKEN is set).",
        404: "No such item or path.",
        405: "Method not allowed.",
        409: "A reindex is already queued or running; Location is its task.",
        410: "The index changed since the cursor was made; start again from the first page.",
        422: "The sources could not be read; nothing was changed.",
        413: "Request too large.",
        429: "Too many requests; retry later.",
        503: "The index is not built yet.",
    }
    return {
        str(status): {"description": descriptions[status], "content": {"application/json": {"schema": _ref("Error")}}}
        for status in statuses
    }


def _filter_param(facet: Facet) -> dict:
    description = f"Only items with this {facet.title.lower()}: {facet.hint}; repeat for several (OR)."
    return {
        "name": facet.name,
        "in": "query",
        "required": False,
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": {"type": "string", "maxLength": 200}},
    }


def openapi_document(server_url: str) -> dict:
    item_summary = {
        "type": "object",
        "required": ["id", "title", "date_start", "date_end"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "date_start": {"type": "string", "format": "date"},
            "date_end": {"type": "string", "format": "date"},
            "url": {"type": "string"},
            "api_url": {"type": "string"},
        },
    }
    facet_value = {
        "type": "object",
        "required": ["value", "name"],
        "properties": {"value": {"type": "string"}, "name": {"type": "string"}},
    }
    country = {
        "type": "object",
        "required": ["code", "name", "role"],
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "name": {"type": "string"},
            "role": {"enum": ["primary", "mentioned"]},
        },
    }
    result = {
        "type": "object",
        "required": [
            "id",
            "title",
            "date_start",
            "date_end",
            "url",
            "api_url",
            "snippet",
            "themes",
            "programmes",
            "countries",
            "regions",
            "organisations",
            "score",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "title_html": {
                "type": "string",
                "description": "The title, HTML-escaped, with <mark> around matched words.",
            },
            "date_start": {"type": "string", "format": "date"},
            "date_end": {"type": "string", "format": "date"},
            "date_raw": {"type": "string"},
            "url": {"type": "string"},
            "api_url": {"type": "string"},
            "snippet": {
                "type": "string",
                "description": "The best body fragment, HTML-escaped, with <mark> around matched words.",
            },
            "themes": {"type": "array", "items": {"type": "string"}},
            "programmes": {"type": "array", "items": _ref("FacetValue")},
            "countries": {"type": "array", "items": _ref("Country")},
            "regions": {"type": "array", "items": _ref("FacetValue")},
            "organisations": {"type": "array", "items": _ref("FacetValue")},
            "source": _nullable({"type": "string"}),
            "score": _nullable({"type": "number", "description": "null when sorted by date, or pinned."}),
            "pinned": {
                "type": "boolean",
                "description": "Shown first by an editors' best bet for the query's words (`best_bets.toml`).",
            },
        },
    }
    facet_count = {
        "type": "object",
        "required": ["value", "label", "count", "selected"],
        "properties": {
            "value": {"type": "string"},
            "label": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean"},
        },
    }
    facets = {
        "type": "object",
        "required": list(NAMES),
        "properties": {name: {"type": "array", "items": _ref("FacetCount")} for name in NAMES},
    }
    search_response = {
        "type": "object",
        "required": [
            "query",
            "total",
            "page",
            "per_page",
            "pages",
            "results",
            "facets",
            "suggestion",
            "notice",
            "links",
            "took_ms",
        ],
        "properties": {
            "query": {
                "type": "object",
                "description": "The request as it was understood.",
                "properties": {
                    "q": {"type": "string"},
                    "filters": {"type": "object"},
                    "from": _nullable({"type": "string"}),
                    "to": _nullable({"type": "string"}),
                    "sort": {"enum": list(SORTS)},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                },
            },
            "total": {"type": "integer", "minimum": 0},
            "total_all_words": {
                "type": "integer",
                "minimum": 0,
                "description": "How many of the results match every word of the query.",
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"enum": list(SORTS)},
            "results": {
                "type": "array",
                "description": "With `fields`, each result has only the fields asked for.",
                "items": {
                    "anyOf": [
                        _ref("SearchResult"),
                        {"type": "object", "properties": result["properties"], "additionalProperties": False},
                    ]
                },
            },
            "facets": _ref("Facets"),
            "histogram": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["period", "count"],
                    "properties": {"period": {"type": "string"}, "count": {"type": "integer"}},
                },
            },
            "suggestion": _nullable(
                {
                    "type": "object",
                    "required": ["q", "searched"],
                    "properties": {"q": {"type": "string"}, "searched": {"type": "boolean"}, "url": {"type": "string"}},
                }
            ),
            "notice": _nullable({"type": "string"}),
            "partial": {
                "type": "boolean",
                "description": "True when the search ran out of time and answered with what it had found.",
            },
            "links": {
                "type": "object",
                "description": "`next` and `prev` go by page number, or by cursor once the request came with one "
                "and past the last page a number may ask for; `next_cursor` always goes by cursor.",
                "required": list(LINKS),
                "properties": {key: _nullable({"type": "string"}) for key in LINKS},
            },
            "index_version": {"type": "string"},
            "took_ms": {"type": "number"},
        },
    }
    item = {
        "type": "object",
        "required": [
            "id",
            "title",
            "date_start",
            "date_end",
            "date_raw",
            "body",
            "themes",
            "programmes",
            "countries",
            "regions",
            "organisations",
            "links",
            "related",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "date_start": {"type": "string", "format": "date"},
            "date_end": {"type": "string", "format": "date"},
            "date_raw": {"type": "string"},
            "date_precision": {"enum": ["day", "month"]},
            "body": {"type": "string", "description": "Plain text; paragraphs separated by a blank line."},
            "source": _nullable({"type": "string"}),
            "image_credit": _nullable({"type": "string"}),
            "links": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "href"],
                    "properties": {"text": {"type": "string"}, "href": {"type": "string"}},
                },
            },
            "themes": {"type": "array", "items": {"type": "string"}},
            "programmes": {"type": "array", "items": _ref("FacetValue")},
            "countries": {"type": "array", "items": _ref("Country")},
            "regions": {"type": "array", "items": _ref("FacetValue")},
            "organisations": {"type": "array", "items": _ref("FacetValue")},
            "content_hash": {"type": "string"},
            "url": {"type": "string"},
            "related": {"type": "array", "items": _ref("ItemSummary")},
        },
    }
    task = {
        "type": "object",
        "required": ["id", "kind", "state", "enqueued_at", "started_at", "finished_at", "result", "error", "url"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"enum": ["reindex"]},
            "state": {"enum": ["queued", "running", "succeeded", "failed"]},
            "enqueued_at": {"type": "string", "format": "date-time"},
            "started_at": _nullable({"type": "string", "format": "date-time"}),
            "finished_at": _nullable({"type": "string", "format": "date-time"}),
            "result": _nullable(
                {
                    "type": "object",
                    "description": "What the update changed.",
                    "properties": {
                        key: {"type": "integer"} for key in ("added", "changed", "removed", "unchanged", "documents")
                    }
                    | {"version": {"type": "string"}},
                }
            ),
            "error": _nullable(
                {
                    "type": "object",
                    "description": "Why it failed; a broken page is named with its line.",
                    "properties": {
                        "message": {"type": "string"},
                        "page": _nullable({"type": "string"}),
                        "line": _nullable({"type": "integer"}),
                    },
                }
            ),
            "url": {"type": "string"},
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message", "param"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "param": _nullable({"type": "string"}),
                },
            }
        },
    }

    search_parameters = [
        {
            "name": "q",
            "in": "query",
            "required": False,
            "description": 'Words, "phrases", AND/OR/NOT, -word, and '
            + "/".join(f"{name}:" for name in ("title", *NAMES))
            + " prefixes.",
            "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
        },
        *(_filter_param(facet) for facet in FACETS),
        {
            "name": "from",
            "in": "query",
            "required": False,
            "description": "Items whose dates end on or after this: YYYY, YYYY-MM or YYYY-MM-DD.",
            "schema": {"type": "string", "pattern": r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"},
        },
        {
            "name": "to",
            "in": "query",
            "required": False,
            "description": "Items whose dates start on or before this: YYYY, YYYY-MM or YYYY-MM-DD.",
            "schema": {"type": "string", "pattern": r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"},
        },
        {"name": "sort", "in": "query", "required": False, "schema": {"enum": list(SORTS), "default": "relevance"}},
        {
            "name": "spelling",
            "in": "query",
            "required": False,
            "description": "`auto`: a likely correction of misspelled words is searched instead when it finds more "
            "(`suggestion.searched`); `off`: the words as typed, a correction only offered.",
            "schema": {"enum": ["auto", "off"], "default": "auto"},
        },
        {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        },
        {
            "name": "cursor",
            "in": "query",
            "required": False,
            "description": "A position in the results, from `links.next_cursor` (or `next`, `prev`): for pages at any "
            "depth, on one index version (else 410) and for the search it was made for; not with `page`.",
            "schema": {"type": "string", "maxLength": 1000},
        },
        {
            "name": "fields",
            "in": "query",
            "required": False,
            "description": "Only these keys in each result, comma-separated; facets and links are unchanged.",
            "style": "form",
            "explode": False,
            "schema": {"type": "array", "items": {"enum": list(RESULT_FIELDS)}, "uniqueItems": True},
        },
    ]
    json_ok = lambda schema, description: {  # noqa: E731
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "EU–UNODC news search API",
            "version": "1.0.0",
            "description": "Full-text, faceted search over EU–UNODC partnership news. "
            "Facet filters are OR within a facet and AND across facets; "
            "facet counts leave out the facet's own filter.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search news items",
                    "parameters": search_parameters,
                    "responses": {
                        "200": json_ok(_ref("SearchResponse"), "Results, facets and links."),
                        **NOT_MODIFIED,
                        **_error_responses(400, 410, 429, 503),
                    },
                }
            },
            "/api/items/{item_id}": {
                "get": {
                    "operationId": "getItem",
                    "summary": "One news item with related items",
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 300},
                        }
                    ],
                    "responses": {
                        "200": json_ok(_ref("Item"), "The item."),
                        **NOT_MODIFIED,
                        **_error_responses(404, 429, 503),
                    },
                }
            },
            "/api/facets": {
                "get": {
                    "operationId": "facets",
                    "summary": "Every facet value with its count",
                    "responses": {
                        "200": json_ok(
                            {
                                "type": "object",
                                "required": ["documents", "facets"],
                                "properties": {"documents": {"type": "integer"}, "facets": _ref("Facets")},
                            },
                            "All facet values.",
                        ),
                        **NOT_MODIFIED,
                        **_error_responses(429, 503),
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Completions of a prefix: facet values, title phrases and words, most useful first",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "description": "What has been typed; under 2 characters, no completions.",
                            "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
                        },
                        {
                            "name": "format",
                            "in": "query",
                            "required": False,
                            "description": "`opensearch`: the OpenSearch suggestions format, `[q, [text, ...]]`.",
                            "schema": {"enum": ["json", "opensearch"], "default": "json"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The completions.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["q", "suggestions"],
                                        "properties": {
                                            "q": {"type": "string"},
                                            "suggestions": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "required": ["text", "kind", "filter", "count"],
                                                    "properties": {
                                                        "text": {"type": "string"},
                                                        "kind": {"enum": [*NAMES, "phrase", "word"]},
                                                        "filter": _nullable({"type": "object"}),
                                                        "count": {"type": "integer", "minimum": 1},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                },
                                "application/x-suggestions+json": {
                                    # `["prefix", ["completion", …]]`: the prefix, then its completions.
                                    "schema": {
                                        "type": "array",
                                        "minItems": 2,
                                        "maxItems": 2,
                                        "items": {
                                            "anyOf": [
                                                {"type": "string"},
                                                {"type": "array", "items": {"type": "string"}},
                                            ]
                                        },
                                    }
                                },
                            },
                        },
                        **NOT_MODIFIED,
                        **_error_responses(400, 429, 503),
                    },
                }
            },
            "/api/facets/{name}": {
                "get": {
                    "operationId": "facetValues",
                    "summary": "One facet's values matching `q`, counted for the search of the other parameters",
                    "description": "Values the search has come first, by count; the others follow with count 0.",
                    "parameters": [
                        {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 40}},
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "description": "Values with a word of their label, value or acronym starting with this.",
                            "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                        },
                        {
                            "name": "query",
                            "in": "query",
                            "required": False,
                            "description": "The words of the search (what `q` is to /api/search).",
                            "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                        },
                        *(param for param in search_parameters if param["name"] in (*NAMES, "from", "to")),
                    ],
                    "responses": {
                        "200": json_ok(
                            {
                                "type": "object",
                                "required": ["facet", "q", "total", "values"],
                                "properties": {
                                    "facet": {"enum": list(NAMES)},
                                    "q": {"type": "string"},
                                    "total": {"type": "integer", "minimum": 0},
                                    "values": {"type": "array", "items": _ref("FacetCount")},
                                },
                            },
                            "The matching values.",
                        ),
                        **NOT_MODIFIED,
                        **_error_responses(400, 404, 429, 503),
                    },
                }
            },
            "/api/admin/reindex": {
                "post": {
                    "operationId": "reindex",
                    "summary": "Queue an update of the index from the configured sources (NEWSEARCH_SOURCES)",
                    "description": "Disabled unless NEWSEARCH_ADMIN_TOKEN is set. Runs as a task, one at a time; "
                    "the answer's Location is the task's URL.",
                    "security": [{"bearer": []}],
                    "responses": {
                        "202": json_ok(_ref("Task"), "The task, queued."),
                        **_error_responses(401, 403, 409, 429),
                    },
                }
            },
            "/api/log/search": {
                "post": {
                    "operationId": "logSearch",
                    "summary": "Log a search a reader settled on after typing in place (sent by the search page)",
                    "description": "The same parameters as GET /api/search, in the query string; no body. "
                    "Nothing of the reader is kept.",
                    "parameters": [p for p in search_parameters if p["name"] not in ("cursor", "fields")],
                    "responses": {"204": {"description": "Logged."}, **_error_responses(400, 429, 503)},
                }
            },
            "/api/log/click": {
                "post": {
                    "operationId": "logClick",
                    "summary": "Log the rank of a result a reader opened (sent by the search page)",
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH}},
                        {"name": "rank", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
                        {"name": "id", "in": "query", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {"204": {"description": "Logged."}, **_error_responses(400, 429, 503)},
                }
            },
            "/api/admin/report": {
                "get": {
                    "operationId": "getReport",
                    "summary": "The editors' report: top queries, queries with no results, corrected and "
                    "unclicked queries, and the state of the best bets and synonyms",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "days",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 3660, "default": 30},
                        }
                    ],
                    "responses": {
                        "200": json_ok({"type": "object"}, "The report, as `newsearch report --json` prints it."),
                        **_error_responses(400, 401, 403, 429),
                    },
                }
            },
            "/api/admin/tasks/{task_id}": {
                "get": {
                    "operationId": "getTask",
                    "summary": "How a task is going: its state, and what it did or why it failed",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "task_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 40},
                        }
                    ],
                    "responses": {"200": json_ok(_ref("Task"), "The task."), **_error_responses(401, 403, 404, 429)},
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "SearchResponse": search_response,
                "SearchResult": result,
                "Facets": facets,
                "FacetCount": facet_count,
                "FacetValue": facet_value,
                "Country": country,
                "Item": item,
                "ItemSummary": item_summary,
                "Error": error,
                "Task": task,
            },
        },
    }
