"""Jinja filters and globals for dates, facets and item bodies."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask

from indexer.facets.registry import FACETS
from indexer.search.request import MAX_PAGE
from webapp.context import current_index


def human_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def facet_label(value: str, name: str) -> str:
    """A facet value's label, from the vocabularies of the serving version."""
    return current_index().label(name, value)


# `1. `, `2) ` and `- `, `• `, `* ` at the start of a line.
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+")
_BULLET = re.compile(r"^\s*[-•*–]\s+")


def body_blocks(body: str) -> list[tuple[str, list[str]]]:
    """An item's body as blocks: ("p", [text]) for a paragraph, ("ol" or "ul",
    items) for a paragraph whose every line is numbered or bulleted, and
    ("lines", lines) for one of separate lines (a list of documents, say)."""
    blocks: list[tuple[str, list[str]]] = []
    for paragraph in body.split("\n\n"):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) > 1 and all(_NUMBERED.match(line) for line in lines):
            blocks.append(("ol", [_NUMBERED.sub("", line) for line in lines]))
        elif all(_BULLET.match(line) for line in lines):
            blocks.append(("ul", [_BULLET.sub("", line) for line in lines]))
        else:
            blocks.append(("lines" if len(lines) > 1 else "p", lines))
    return blocks


def init_app(app: Flask) -> None:
    app.add_template_filter(body_blocks)
    app.add_template_filter(human_date)
    app.add_template_filter(facet_label)
    app.jinja_env.globals["facets"] = FACETS
    app.jinja_env.globals["max_page"] = MAX_PAGE  # the last page a link may ask for
