"""Searching one index version: request parsing, query parsing, postings, matching, ranking, facet counts, highlighting, suggestions, and the one search function (`engine.search`).

May import `indexer.model`, `indexer.facets` and `indexer.build`; never the web layer.
"""
