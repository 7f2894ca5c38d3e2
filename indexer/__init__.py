"""Parse EU–UNODC news pages into items, extract facets, build and update the search index."""
