"""Ingestion: news pages (text or HTML, from files, folders or URLs) read into plain `NewsItem` values.

May import `indexer.model` only; never Whoosh, the facets or the web layer.
"""
