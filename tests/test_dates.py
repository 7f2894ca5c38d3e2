import datetime as dt

import pytest

from indexer.ingest.dates import DateError, DateSpan, parse_date_text

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10 December 2019", DateSpan(D(2019, 12, 10), D(2019, 12, 10), "day")),
        ("8-9 October 2019", DateSpan(D(2019, 10, 8), D(2019, 10, 9), "day")),
        ("22 - 24 October 2019", DateSpan(D(2019, 10, 22), D(2019, 10, 24), "day")),
        ("24-25.06.2019", DateSpan(D(2019, 6, 24), D(2019, 6, 25), "day")),
        ("11.06.2019", DateSpan(D(2019, 6, 11), D(2019, 6, 11), "day")),
        ("04-05.04.2019", DateSpan(D(2019, 4, 4), D(2019, 4, 5), "day")),
        # digit groups split by a stray space
        ("1 8.03.2019", DateSpan(D(2019, 3, 18), D(2019, 3, 18), "day")),
        ("0 7 February 2019", DateSpan(D(2019, 2, 7), D(2019, 2, 7), "day")),
        # ranges across months and years
        ("30 September - 2 October 2019", DateSpan(D(2019, 9, 30), D(2019, 10, 2), "day")),
        ("30.09-02.10.2019", DateSpan(D(2019, 9, 30), D(2019, 10, 2), "day")),
        ("30 December 2019 - 2 January 2020", DateSpan(D(2019, 12, 30), D(2020, 1, 2), "day")),
        ("30.12.2019-02.01.2020", DateSpan(D(2019, 12, 30), D(2020, 1, 2), "day")),
        # en and em dashes
        ("8–9 October 2019", DateSpan(D(2019, 10, 8), D(2019, 10, 9), "day")),
        ("30 September — 2 October 2019", DateSpan(D(2019, 9, 30), D(2019, 10, 2), "day")),
        ("24–25.06.2019", DateSpan(D(2019, 6, 24), D(2019, 6, 25), "day")),
        # month abbreviations, ordinals, odd spaces
        ("12 Sept 2019", DateSpan(D(2019, 9, 12), D(2019, 9, 12), "day")),
        ("12 Sep 2019", DateSpan(D(2019, 9, 12), D(2019, 9, 12), "day")),
        ("3 Oct. 2019", DateSpan(D(2019, 10, 3), D(2019, 10, 3), "day")),
        ("8th october 2019", DateSpan(D(2019, 10, 8), D(2019, 10, 8), "day")),
        ("10\u00a0December  2019 ", DateSpan(D(2019, 12, 10), D(2019, 12, 10), "day")),
        # a month alone
        ("September 2019", DateSpan(D(2019, 9, 1), D(2019, 9, 30), "month")),
        ("Feb. 2020", DateSpan(D(2020, 2, 1), D(2020, 2, 29), "month")),
        ("September - October 2019", DateSpan(D(2019, 9, 1), D(2019, 10, 31), "month")),
    ],
)
def test_parse_date_text(text, expected):
    assert parse_date_text(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("31.02.2019", "'31.02.2019' is not a real date (day is out of range for month)"),
        ("13.13.2019", "'13.13.2019' is not a real date (month must be in 1..12)"),
        ("31 April 2019", "'31 April 2019' is not a real date (day is out of range for month)"),
        ("24-22 October 2019", "'24-22 October 2019' ends before it starts"),
        (
            "30 December - 2 January 2020",
            "'30 December - 2 January 2020' ends before it starts; "
            "write the year on both ends (e.g. '30 December 2019 - 2 January 2020')",
        ),
        (
            "September - 2 October 2019",
            "'September - 2 October 2019' gives a day at one end of the range but not the other",
        ),
        *[
            (
                text,
                f"{text!r} is not a date in a known form "
                "(e.g. '10 December 2019', '8-9 October 2019', '24-25.06.2019', 'September 2019')",
            )
            for text in ["2019", "15 years", "12 million euros", "Smarch 2019", "10 December", "11.06"]
        ],
    ],
)
def test_unreadable_dates_say_why(text, message):
    with pytest.raises(DateError) as raised:
        parse_date_text(text)
    assert str(raised.value) == message


def test_date_error_is_a_value_error():
    assert issubclass(DateError, ValueError)


def test_every_day_of_a_leap_year_in_every_single_day_form():
    days = [D(2020, 1, 1) + dt.timedelta(days=n) for n in range(366)]
    forms = [
        lambda day: f"{day.day} {day:%B %Y}",
        lambda day: f"{day.day} {day:%b %Y}",
        lambda day: f"{day:%d.%m.%Y}",
    ]
    assert [parse_date_text(form(day)) for day in days for form in forms] == [
        DateSpan(day, day, "day") for day in days for _form in forms
    ]
