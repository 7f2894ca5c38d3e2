"""The editors' report over the search log (webapp/searchlog.py): what
visitors look for, what finds nothing, what gets corrected, and what finds
results nobody opens. One pass over the period's searches and one over its
clicks, counting as they stream by: no rows are held.

The lists count first pages only, since a later page of a search is the
same visitor paging on, and leave out the empty query (browsing without
words), which is counted on its own as `browsing`.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from flask import Flask

from indexer.curation import Rules
from indexer.search.engine import SearchIndex
from webapp.searchlog import DAY, SearchLog

# A query needs this many first-page searches with results, and no click at
# all, to be listed as unclicked: once or twice may be a visitor who left.
UNCLICKED_MIN_SEARCHES = 3
# Days a report covers unless asked otherwise.
DEFAULT_REPORT_DAYS = 30

# The lists of the report as format_report shows them: title, key, columns.
SECTIONS = [
    ("Top queries", "top_queries", ["q", "count", "zero_results", "clicks", "click_rate"]),
    ("Queries with no results", "zero_result_queries", ["q", "count", "last_seen"]),
    ("Corrected queries", "corrected_queries", ["q", "corrected", "count"]),
    ("Queries with results nobody opened", "unclicked_queries", ["q", "count"]),
]
HEADINGS = {
    "q": "query",
    "count": "searches",
    "zero_results": "no results",
    "clicks": "clicks",
    "click_rate": "click rate",
    "last_seen": "last seen",
    "corrected": "searched instead",
}


def editors_report(app: Flask, days: float) -> dict:
    """The search log's figures (when there is a log) and the state of the
    editors' files, as `newsearch report` and `GET /api/admin/report` give them."""
    search_log = app.extensions["searchlog"]
    report = build_report(search_log, days) if search_log is not None else {"search_log": "off"}
    catalog = app.extensions["catalog"]
    index = catalog.current() if catalog.store.exists() else None
    report["curation"] = curation_report(app.extensions["curation"].current(), index)
    return report


def curation_report(rules: Rules, index: SearchIndex | None, today: datetime.date | None = None) -> dict:
    """Files that did not parse, pinned ids the serving index does not
    hold (they are ignored), and bets past their end date."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    bets = rules.best_bets.bets
    return {
        "problems": list(rules.problems),
        "best_bets": len(bets),
        "synonym_terms": len(rules.synonyms.rules),
        "missing_items": [
            {"bet": bet.number, "id": item}
            for bet in bets
            for item in bet.items
            if index is None or index.docnum(item) is None
        ],
        "expired_bets": [
            {"bet": bet.number, "expires": bet.expires.isoformat(), "queries": ", ".join(bet.queries)}
            for bet in bets
            if bet.expires is not None and not bet.applies_on(today)
        ],
    }


def build_report(log: SearchLog, days: float, now: float | None = None, limit: int = 20) -> dict:
    """The figures of the searches and clicks of the `days` days up to `now`
    (unix time; default: this moment), each list cut at `limit` rows."""
    end = time.time() if now is None else now
    start = end - days * DAY

    searches = pages_after_first = browsing = zero_results = 0
    asked: Counter[str] = Counter()  # first-page searches of each query
    found: Counter[str] = Counter()  # ... of those, the ones with results
    empty: Counter[str] = Counter()  # ... of those, the ones without
    last_empty: dict[str, float] = {}
    corrected: Counter[tuple[str, str]] = Counter()
    for search in log.searches(start):
        if search.at > end:
            continue
        searches += 1
        zero_results += search.total == 0
        if search.page > 1:
            pages_after_first += 1
        elif not search.q:
            browsing += 1
        else:
            asked[search.q] += 1
            if search.total:
                found[search.q] += 1
            else:
                empty[search.q] += 1
                last_empty[search.q] = max(search.at, last_empty.get(search.q, search.at))
            if search.corrected is not None:
                corrected[search.q, search.corrected] += 1

    clicks: Counter[str] = Counter(click.q for click in log.clicks(start) if click.at <= end)

    return {
        "period": {"days": days, "from": _iso(start), "to": _iso(end)},
        "searches": searches,
        "pages_after_first": pages_after_first,
        "browsing": browsing,
        "zero_result_share": zero_results / searches if searches else 0.0,
        "top_queries": [
            {
                "q": q,
                "count": count,
                "zero_results": empty[q],
                "clicks": clicks[q],
                "click_rate": clicks[q] / count,
            }
            for q, count in _most_common(asked, limit)
        ],
        "zero_result_queries": [
            {"q": q, "count": count, "last_seen": _iso(last_empty[q])} for q, count in _most_common(empty, limit)
        ],
        "corrected_queries": [
            {"q": q, "corrected": correction, "count": count}
            for (q, correction), count in _most_common(corrected, limit)
        ],
        "unclicked_queries": [
            {"q": q, "count": count}
            for q, count in _most_common(found, None)
            if count >= UNCLICKED_MIN_SEARCHES and not clicks[q]
        ][:limit],
    }


def _most_common(counts: Counter[Any], limit: int | None) -> list[tuple[Any, int]]:
    """Most frequent first, ties in the order of their keys."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _iso(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_report(report: dict) -> str:
    """The report as plain text for a terminal: the totals, then one table
    a list, then the editors' files."""
    lines = _format_searches(report) if "period" in report else ["The search log is off (NEWSEARCH_SEARCH_LOG)."]
    curation = report.get("curation")
    if curation is not None:
        title = f"Best bets ({curation['best_bets']}) and synonyms ({curation['synonym_terms']} terms)"
        lines += ["", title, "-" * len(title)]
        lines += [f"  problem: {problem}" for problem in curation["problems"]]
        lines += [f"  bet {m['bet']}: no item has the id {m['id']} (ignored)" for m in curation["missing_items"]]
        lines += [f"  bet {e['bet']}: ended {e['expires']} ({e['queries']})" for e in curation["expired_bets"]]
        if not (curation["problems"] or curation["missing_items"] or curation["expired_bets"]):
            lines.append("  (all in force)")
    return "\n".join(lines) + "\n"


def _format_searches(report: dict) -> list[str]:
    period = report["period"]
    lines = [
        f"Searches from {period['from']} to {period['to']} ({period['days']:g} days)",
        "",
        *_table(
            ["", ""],
            [
                ["searches", report["searches"]],
                ["  of them later pages", report["pages_after_first"]],
                ["browsing (no words)", report["browsing"]],
                ["with no results", _percent(report["zero_result_share"])],
            ],
        ),
    ]
    for title, key, columns in SECTIONS:
        lines += ["", title, "-" * len(title)]
        rows = report[key]
        if not rows:
            lines.append("  (none)")
            continue
        lines += _table(
            [HEADINGS[column] for column in columns],
            [[_percent(row[c]) if c == "click_rate" else row[c] for c in columns] for row in rows],
        )
    return lines


def _percent(share: float) -> str:
    return f"{share:.1%}"


def _table(headings: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Aligned columns: text to the left, numbers (and percentages) to the right."""
    cells = [[str(value) for value in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or str(row[i]).endswith("%") for row in rows) for i in range(len(headings))
    ]
    widths = [max(len(heading), *(len(row[i]) for row in cells)) for i, heading in enumerate(headings)]

    def line(values: Sequence[str]) -> str:
        aligned = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return ("  " + "  ".join(aligned)).rstrip()

    shown = [line(headings)] if any(headings) else []
    return shown + [line(row) for row in cells]
