"""Percentiles of timings, as every benchmark here reports them."""

from __future__ import annotations

from collections.abc import Sequence

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], p: float) -> float:
    """The `p`th percentile, interpolated between the two nearest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p95 and p99 of `values` (None for no values)."""
    return {f"p{p}": percentile(values, p) if values else None for p in PERCENTILES}
