"""The layout the package docstrings promise: which stage may import which,
Whoosh's internals in one module, and every facet defined in the registry
alone."""

import ast
import re
from pathlib import Path

import pytest

from indexer.facets.registry import FACETS, NAMES
from indexer.search.ranking import FACET_BOOSTS

ROOT = Path(__file__).resolve().parent.parent
INDEXER = ROOT / "indexer"

# For each part of the core, the imports it must never make.
FORBIDDEN = {
    "indexer/ingest": ("whoosh", "indexer.facets", "indexer.build", "indexer.search", "webapp"),
    "indexer/facets": ("whoosh", "indexer.ingest", "indexer.build", "indexer.search", "webapp"),
    "indexer/build": ("indexer.search", "webapp"),
    "indexer/search": ("webapp",),
    "indexer": ("webapp",),
}
# Names of Whoosh internals: only `indexer/build/whoosh_private.py` may use them.
WHOOSH_INTERNALS = re.compile(
    r"\b(?:_read_ids|_read_weights|_read_values|_next_block|_finalize_segment|_close_segment|perdocwriter"
    r"|fieldwriter|_lk|acore|whoosh\.writing|whoosh\.codec|POSITIONS_OFFSET)\b"
)


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("part, forbidden", FORBIDDEN.items())
def test_stages_import_only_the_stages_before_them(part, forbidden):
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(ROOT / part)
        for name in imported(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert wrong == []


def test_each_stage_says_what_it_holds_and_may_import():
    for package in ("ingest", "facets", "build", "search"):
        doc = ast.get_docstring(ast.parse((INDEXER / package / "__init__.py").read_text("utf-8")))
        assert doc is not None and len(doc.splitlines()) == 2 and "May import" in doc, package


def test_whoosh_internals_are_used_in_one_module_only():
    door = INDEXER / "build" / "whoosh_private.py"
    users = [
        str(path.relative_to(ROOT))
        for path in modules(INDEXER) + modules(ROOT / "webapp")
        if path != door and WHOOSH_INTERNALS.search(path.read_text("utf-8"))
    ]
    assert users == []


def test_no_facet_is_special_cased_outside_the_registry():
    """Facet names appear as strings only in the registry (and the ranking
    constants keyed by them); everything else reads the registry."""
    allowed = {INDEXER / "facets" / "registry.py", INDEXER / "search" / "ranking.py"}
    found = []
    for path in modules(INDEXER) + modules(ROOT / "webapp"):
        if path in allowed or INDEXER / "facets" in path.parents or INDEXER / "ingest" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and node.value in NAMES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    for path in sorted((ROOT / "webapp" / "templates").iterdir()):
        for name in NAMES:
            if re.search(rf"""(?:==|\[|get\()\s*["']{name}["']""", path.read_text("utf-8")):
                found.append(f"{path.relative_to(ROOT)} {name!r}")
    assert found == []


def test_every_facet_a_query_can_name_has_a_boost():
    assert set(FACET_BOOSTS) == {facet.name for facet in FACETS if facet.named_by}
