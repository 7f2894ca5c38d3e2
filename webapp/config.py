"""Settings: defaults here, then `NEWSEARCH_*` environment variables, then
whatever `create_app(config)` is given. Nothing is read at import time."""

DEFAULTS = {
    # Where the built index lives (the `current` symlink and its versions).
    "INDEX_DIR": "index",
    # Largest request body accepted, in bytes; the API only takes GET queries.
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # Seconds a search may spend matching before it expands no more wildcards
    # and matches no more phrases, answering partly: well under gunicorn's
    # 30 s worker timeout.
    "SEARCH_DEADLINE": 0.5,
    # Rows in a CSV export of a search; the export says when it was cut.
    "CSV_MAX_ROWS": 1000,
    # Entries in an Atom feed of a search.
    "FEED_ENTRIES": 50,
    # Bearer token for POST /api/admin/reindex; the endpoint is off without one.
    "ADMIN_TOKEN": "",
    # Pages sources for the admin reindex, comma-separated (empty: bundled corpus).
    "SOURCES": "",
    # The folder of vocabulary files the admin reindex tags items with
    # (empty: the bundled ones). A running server always answers with the
    # vocabularies kept in the index version it serves.
    "VOCABULARIES": "",
    # Failed admin authentications a client may make (the right token is
    # never refused by this limit).
    "ADMIN_FAILURE_LIMIT": "10 per minute",
    # flask-limiter limit for /api, and where it keeps its counters.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT": "120 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
}
