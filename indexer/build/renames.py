"""Addresses that outlive a title edit.

An item's id comes from its date and title (`indexer.model.item_id`), so an
item whose title is corrected on the page gets a new one. When a build or
an update finds an item gone and one added with the same start date and
nearly the same body, it is the same item renamed: the update counts it as
changed, and the version keeps `redirects.json`, old id -> current id, so
that the old address answers with a permanent redirect. A version carries
its predecessor's redirects forward, pointed at where their items went.
"""

from __future__ import annotations

import collections
import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from indexer.model import NewsItem

REDIRECTS_FILE = "redirects.json"
# How alike two bodies must be, as difflib's ratio of their words.
SAME_BODY = 0.9
# Past this many items gone at once, a build is a new corpus, not edits.
MAX_GONE_COMPARED = 2000


def renamed(gone: Mapping[str, dict], added: Sequence[NewsItem]) -> dict[str, str]:
    """Old id -> new id: each item `gone` (id -> the item as stored) with an
    added item of the same start date and nearly the same body."""
    if not gone or not added:
        return {}
    by_date: dict[str, list[tuple[str, list[str]]]] = collections.defaultdict(list)
    for old_id, stored in gone.items():
        by_date[stored["date_start"]].append((old_id, stored["body"].split()))
    found: dict[str, str] = {}
    for item in added:
        words = item.body.split()
        best, best_ratio = None, SAME_BODY
        for old_id, old_words in by_date.get(item.date_start.isoformat(), []):
            if old_id in found:
                continue
            matcher = difflib.SequenceMatcher(None, old_words, words, autojunk=False)
            if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
                ratio = matcher.ratio()
                if ratio >= best_ratio:
                    best, best_ratio = old_id, ratio
        if best is not None:
            found[best] = item.id
    return found


def carried_forward(previous: Mapping[str, str], renames: Mapping[str, str], ids: set[str]) -> dict[str, str]:
    """The redirects of a new version holding `ids`: the previous ones, each
    pointed at where its item went, and the new `renames`."""
    redirects = {old: renames.get(new, new) for old, new in previous.items()}
    redirects.update(renames)
    return {old: new for old, new in sorted(redirects.items()) if new in ids and old not in ids}


def read_redirects(folder: Path) -> dict[str, str]:
    path = folder / REDIRECTS_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def write_redirects(folder: Path, redirects: Mapping[str, str]) -> None:
    (folder / REDIRECTS_FILE).write_text(json.dumps(dict(redirects), ensure_ascii=False), "utf-8")
