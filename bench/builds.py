"""Builds and updates through the real command line, timed on the wall clock.

- build: `newsearch build --index DIR PAGES` into an empty index directory;
- update, nothing changed: `newsearch update --index DIR PAGES` on the
  same pages;
- update, one page changed: one year's page (the one whose number of items
  is nearest `EDITED_ITEMS`) is edited so that every item's body changes, a
  sentence appended to each of its paragraphs, then `newsearch update`.

The pages are a copy of the generated ones, so that the edit leaves the
cached corpus as it was. In the generator's layout a heading is a line
`D Month YYYY: Title`, and each paragraph is one line; a paragraph that
could read as a heading already starts with a lead word, and the sentence
goes at its end, so the edited page has the same headings and items.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

EDITED_ITEMS = 1000
APPENDED = " The partners reviewed the results of this work in a later meeting."
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
HEADING = re.compile(rf"^\d{{1,2}} (?:{_MONTHS}) \d{{4}}: \S")
_COUNTS = re.compile(r"added (\d+), changed (\d+), removed (\d+), unchanged (\d+)")


@dataclasses.dataclass(frozen=True)
class Timed:
    seconds: float
    output: str  # what the command printed on its standard output

    @property
    def last_line(self) -> str:
        return self.output.strip().rsplit("\n", 1)[-1]

    def counts(self) -> dict[str, int]:
        """An update's added/changed/removed/unchanged counts."""
        found = _COUNTS.search(self.output)
        if not found:
            return {}
        return dict(zip(("added", "changed", "removed", "unchanged"), map(int, found.groups()), strict=True))


def newsearch_command() -> list[str]:
    """The `newsearch` console script of this environment."""
    script = Path(sys.executable).with_name("newsearch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "webapp.cli"]


def run_cli(*args: str) -> Timed:
    started = time.perf_counter()
    done = subprocess.run([*newsearch_command(), *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"newsearch {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return Timed(seconds, done.stdout)


def build(index_dir: Path, pages: Path) -> Timed:
    shutil.rmtree(index_dir, ignore_errors=True)
    return run_cli("build", "--index", str(index_dir), str(pages))


def update(index_dir: Path, pages: Path) -> Timed:
    return run_cli("update", "--index", str(index_dir), str(pages))


def copy_pages(pages: Path, to: Path) -> Path:
    shutil.rmtree(to, ignore_errors=True)
    shutil.copytree(pages, to)
    return to


def items_on(page: Path) -> int:
    return sum(1 for line in page.read_text(encoding="utf-8").split("\n") if HEADING.match(line))


def page_to_edit(pages: Path) -> Path:
    """The page whose number of items is nearest `EDITED_ITEMS`."""
    return min(sorted(pages.glob("*.txt")), key=lambda page: abs(items_on(page) - EDITED_ITEMS))


def edit_page(page: Path) -> int:
    """Append `APPENDED` to every paragraph of every item; the number of items."""
    lines = page.read_text(encoding="utf-8").split("\n")
    items = 0
    for number, line in enumerate(lines):
        if HEADING.match(line):
            items += 1
        elif items and line.strip():
            lines[number] = line.rstrip() + APPENDED
    page.write_text("\n".join(lines), encoding="utf-8")
    return items
