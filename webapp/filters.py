"""Jinja filters and globals for dates and facets."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from indexer.facets.registry import FACETS
from webapp.context import current_index


def human_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def facet_label(value: str, name: str) -> str:
    """A facet value's label, from the vocabularies of the serving version."""
    return current_index().label(name, value)


def init_app(app: Flask) -> None:
    app.add_template_filter(human_date)
    app.add_template_filter(facet_label)
    app.jinja_env.globals["facets"] = FACETS
