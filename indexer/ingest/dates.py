"""Read the dates that head news items: `10 December 2019`, `8-9 October 2019`,
`24-25.06.2019`, `30.12.2019-02.01.2020`, `September 2019` and the like.

A date is one endpoint or a range of two. The end of a range is always written
in full; the start may leave out its month and year (`8-9 October 2019`) or
just its year (`30 September - 2 October 2019`), which it then shares with the
end. The patterns here are also what tells a heading from a body line, so they
only accept complete dates: `2019 saw…` or `15 years of…` never match.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

MONTHS = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

# Digit groups on the real page are sometimes split by a stray space
# (`1 8.03.2019` is 18 March, `0 7 February 2019` is 7 February).
_DAY = r"\d(?: ?\d)?"
_NUM_MONTH = r"\d(?: ?\d)?"
_YEAR = r"\d{4}"
# Longest names first, so `Sept` is not read as `Sep` followed by `t`.
_MONTH_NAME = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
RANGE_DASH = r"[-\u2010-\u2015]"  # hyphen, en dash, em dash and their kin

_WORD_END = rf"(?:{_DAY}{_ORDINAL}\s+)?{_MONTH_NAME},?\s+{_YEAR}"
_WORD_START = rf"{_DAY}{_ORDINAL}(?:\s+{_MONTH_NAME}(?:,?\s+{_YEAR})?)?|{_MONTH_NAME}(?:\s+{_YEAR})?"
_NUM_END = rf"{_DAY}\.{_NUM_MONTH}\.{_YEAR}"
_NUM_START = rf"{_DAY}(?:\.{_NUM_MONTH}(?:\.{_YEAR})?)?"

# A whole date as it may head an item (case-insensitive; no anchors, no groups).
DATE_PATTERN = (
    rf"(?:(?:{_WORD_START})\s*{RANGE_DASH}\s*)?{_WORD_END}"
    rf"|(?:(?:{_NUM_START})\s*{RANGE_DASH}\s*)?{_NUM_END}"
)

_ENDPOINT = re.compile(
    rf"(?:(?P<day>{_DAY}){_ORDINAL}\s*)?(?P<month>{_MONTH_NAME})?,?\s*(?P<year>{_YEAR})?",
    re.IGNORECASE,
)
_NUM_ENDPOINT = re.compile(rf"(?P<day>{_DAY})(?:\.(?P<month>{_NUM_MONTH})(?:\.(?P<year>{_YEAR}))?)?")
_RANGE = re.compile(rf"(?P<start>.+?)\s*{RANGE_DASH}\s*(?P<end>.+)")
_WHOLE_DATE = re.compile(rf"(?:{DATE_PATTERN})", re.IGNORECASE)


class DateError(ValueError):
    """A date that matches no known form, or names a day that does not exist."""


class DateSpan(NamedTuple):
    start: dt.date
    end: dt.date
    precision: str  # "day", or "month" when only a month is named


class _Endpoint(NamedTuple):
    day: int | None
    month: int | None
    year: int | None


def parse_date_text(text: str) -> DateSpan:
    """The first and last day that a heading date covers.

    >>> parse_date_text("30 September - 2 October 2019")
    DateSpan(start=datetime.date(2019, 9, 30), end=datetime.date(2019, 10, 2), precision='day')
    """
    written = " ".join(text.split())
    if not _WHOLE_DATE.fullmatch(written):
        raise DateError(
            f"{written!r} is not a date in a known form "
            "(e.g. '10 December 2019', '8-9 October 2019', '24-25.06.2019', 'September 2019')"
        )
    range_match = _RANGE.fullmatch(written)
    if range_match:
        start_text, end_text = range_match["start"], range_match["end"]
    else:
        start_text, end_text = written, None
    end = _read_endpoint(end_text or start_text)
    written_start = _read_endpoint(start_text) if end_text else end
    start = _Endpoint(written_start.day, written_start.month or end.month, written_start.year or end.year)
    if (start.day is None) != (end.day is None):
        raise DateError(f"{written!r} gives a day at one end of the range but not the other")
    if end.day is None:
        first = _real_date(written, start.year, start.month, 1)
        last = _real_date(written, end.year, end.month, None)
        precision = "month"
    else:
        first = _real_date(written, start.year, start.month, start.day)
        last = _real_date(written, end.year, end.month, end.day)
        precision = "day"
    if last < first:
        # `30 December - 2 January 2020` most likely crosses a year, but which
        # year it starts in is not written, so it is not guessed.
        hint = (
            "; write the year on both ends (e.g. '30 December 2019 - 2 January 2020')"
            if written_start.year is None and start.month != end.month
            else ""
        )
        raise DateError(f"{written!r} ends before it starts{hint}")
    return DateSpan(first, last, precision)


def _read_endpoint(text: str) -> _Endpoint:
    match = _NUM_ENDPOINT.fullmatch(text) or _ENDPOINT.fullmatch(text)
    if not match:  # only reachable if DATE_PATTERN and the endpoint patterns disagree
        raise DateError(f"cannot read {text!r} as one end of a date")
    month = match["month"]
    month_number = MONTHS[month.rstrip(".").lower()] if month and not month[0].isdigit() else _digits(month)
    return _Endpoint(_digits(match["day"]), month_number, _digits(match["year"]))


def _digits(text: str | None) -> int | None:
    return int(text.replace(" ", "")) if text else None


def _real_date(written: str, year: int | None, month: int | None, day: int | None) -> dt.date:
    """The date named, or without a day the last day of the month named."""
    # DATE_PATTERN guarantees the year and month of the end; a start inherits them.
    assert year is not None and month is not None
    try:
        if day is None:
            day = calendar.monthrange(year, month)[1]
        return dt.date(year, month, day)
    except ValueError as err:
        raise DateError(f"{written!r} is not a real date ({err})") from None
