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
    # The editors' folder of best_bets.toml and synonyms.txt, read again
    # when a file changes (empty: the index directory).
    "CURATION_DIR": "",
    # The log of searches and result clicks for the editors' report (no
    # address, cookie or agent is kept): on or off, the days kept, and where:
    # empty for the rate limit's Redis when it has one, else
    # `searchlog.sqlite3` beside the index; or `sqlite:///path`, `redis://…`.
    "SEARCH_LOG": True,
    "SEARCH_LOG_DAYS": 30,
    "SEARCH_LOG_STORAGE_URI": "",
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
    # One limit per client over the search page, item pages, feeds, exports
    # and the API (an export costs RATELIMIT_EXPORT_COST searches), and where
    # it keeps its counters: `memory://` counts in each worker,
    # `redis://host:port` in one store for every worker and replica.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT": "120 per minute",
    "RATELIMIT_EXPORT_COST": 10,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Proxy hops in front of the app whose X-Forwarded-For/-Proto/-Host are
    # believed (0: forwarded headers change nothing).
    "TRUSTED_PROXIES": 0,
    # The address the service is reached at (`https://news.example.org`):
    # every absolute URL is built from it, whatever Host a request sends.
    "PUBLIC_URL": "",
    # Without PUBLIC_URL, the Host names accepted (comma-separated; any port).
    # Other hosts get a 400. Empty: the loopback names only.
    "ALLOWED_HOSTS": "",
    # Seconds browsers and shared caches may reuse a search, item or feed.
    "CACHE_MAX_AGE": 60,
    # GET /metrics: answered to these addresses or networks (comma-separated),
    # or to `Authorization: Bearer <METRICS_TOKEN>` when one is set.
    "METRICS_ALLOWED": "127.0.0.1, ::1",
    "METRICS_TOKEN": "",
}
