"""The date histogram on the search page: bars computed here, drawn as SVG
by the template, each bar a link that narrows the search to its period."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter

from flask import url_for

from indexer.search.request import SearchRequest

WIDTH = 260
HEIGHT = 60
MAX_MONTH_BARS = 24  # beyond two years of months, bars are years


def histogram_bars(rows: list[dict], search_request: SearchRequest, params) -> list[dict]:
    if not rows:
        return []
    counts = Counter({row["period"]: row["count"] for row in rows})
    first, last = rows[0]["period"], rows[-1]["period"]
    months = _month_range(first, last)
    if len(months) > MAX_MONTH_BARS:
        by_year: Counter[str] = Counter()
        for period, count in counts.items():
            by_year[period[:4]] += count
        periods = [str(y) for y in range(int(first[:4]), int(last[:4]) + 1)]
        counts = by_year
    else:
        periods = months
    tallest = max(counts.values())
    step = WIDTH / len(periods)
    bars = []
    for i, period in enumerate(periods):
        count = counts.get(period, 0)
        height = round(HEIGHT * count / tallest, 1)
        bars.append(
            {
                "period": period,
                "count": count,
                "selected": _overlaps(period, search_request),
                "x": round(i * step + 1, 1),
                "width": round(max(step - 2, 1), 1),
                "y": round(HEIGHT - height, 1),
                "height": height,
                "url": url_for("pages.index", **params(**{"from": period, "to": period, "page": None})),
            }
        )
    return bars


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _overlaps(period: str, search_request: SearchRequest) -> bool:
    """Whether a bar's year or month lies in the searched date range."""
    if not (search_request.date_from or search_request.date_to):
        return False
    year = int(period[:4])
    month = int(period[5:7]) if len(period) > 4 else None
    first = dt.date(year, month or 1, 1)
    last = dt.date(year, month or 12, calendar.monthrange(year, month or 12)[1])
    return (search_request.date_from is None or last >= search_request.date_from) and (
        search_request.date_to is None or first <= search_request.date_to
    )
