"""Ingestion: news pages (text or HTML, from files, folders or URLs) read into plain `NewsItem` values.
May import `indexer.model` only: never Whoosh, the facets, the index or the web layer."""
