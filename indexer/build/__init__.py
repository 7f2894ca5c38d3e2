"""Building the index: the schema and its analysis, the writer, and the versions on disk with their atomic swap.

May import `indexer.model` and `indexer.facets` (the facet registry and vocabularies); never `indexer.search` or the web layer.
"""
