"""Building the index: schema, analysis, the writer, and the versions on disk with their atomic swap.
May import `indexer.model` and `indexer.facets`; never `indexer.search` or the web layer."""
