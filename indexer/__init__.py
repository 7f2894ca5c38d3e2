"""newsearch's core, as stages that import only the stages before them:

    ingest/   pages -> NewsItem values (text and HTML pages, dates, cleaning)
    facets/   the facet registry, the editors' vocabularies, and extraction
    build/    schema, analysis and writer: items -> index versions on disk
    search/   request -> query -> matching, ranking, facet counts -> result dict

`model.py` holds the plain values they pass along; `pipeline.py` runs
ingest and facets for a build; `cli.py` is the `newsearch` command. Nothing
here imports the web layer (`webapp`).
"""
