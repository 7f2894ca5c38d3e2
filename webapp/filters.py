"""Jinja filters for dates and facet labels."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from indexer.search.engine import facet_label


def human_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def init_app(app: Flask) -> None:
    app.add_template_filter(human_date)
    app.add_template_filter(lambda value, name: facet_label(name, value), "facet_label")
