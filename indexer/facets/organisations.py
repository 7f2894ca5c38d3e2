"""Agencies, coordination groups and institutions an item names.

They are kept apart from countries and programmes: ICAT, ICCWC, WCO, IOM or
EUROPOL run or join programmes but are none. The list is
`data/bodies.toml`.
"""

from __future__ import annotations

import functools

from indexer.facets.sections import ItemText
from indexer.facets.text import PhraseMatcher, acronym_phrases, load_data, name_phrases


def find_bodies(text: ItemText) -> tuple[str, ...]:
    """Names of the bodies in the item, in the order first named."""
    return tuple(dict.fromkeys(found.key for found in _matcher().find(text.text)))


@functools.cache
def _matcher() -> PhraseMatcher:
    phrases = []
    for body in load_data("bodies.toml")["body"]:
        phrases += name_phrases(body.get("aliases", ()), body["name"])
        phrases += [p for acronym in body.get("acronyms", ()) for p in acronym_phrases(acronym, body["name"])]
    return PhraseMatcher(phrases)
