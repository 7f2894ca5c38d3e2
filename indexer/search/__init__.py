"""Searching an index version: request, query, postings, matching, ranking, facet counts, highlights, `engine.search`.
May import `indexer.model`, `indexer.facets` and `indexer.build`; never the web layer."""
