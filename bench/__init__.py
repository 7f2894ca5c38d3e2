"""Benchmarks: synthetic corpora and search/build timings (not part of the package)."""
