"""Score facet extraction against hand-labelled items.

    python -m indexer.evaluate_facets [LABELLED_JSON] [SOURCE ...] [--check] [--min METRIC=VALUE ...]

LABELLED_JSON is a list of items in the format of
`indexer/data/evaluation/facets_labelled_items.json` (the default): each with its heading
`line` and `title`, and the `countries` (iso3 and role), `programmes`,
`themes` and `regions` a person assigned. The SOURCEs (default: the bundled
corpus) are parsed and tagged as by `newsearch build`, and each labelled
item is compared with the parsed item of the same title (or, failing that,
heading line).

Prints precision, recall and F1 per facet, then what each item got wrong:
`+X` assigned but not labelled, `-X` labelled but missed. With `--check`,
exits 1 when a target below is unmet; `--min METRIC=VALUE` sets a target
(and checks). Exits 2 on unreadable input.

How labelled programmes count: an entry marked `optional` counts neither
way; entries linked by `same_as` are one programme that either slug
satisfies; names are compared by registry slug, resolving the labelled name,
then its `same_as`, then its `aliases_in_text`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer.facets import extract_facets
from indexer.facets.programmes import programme_slug
from indexer.facets.regions import region_slug
from indexer.facets.vocabulary import Vocabularies
from indexer.ingest.sources import load_items
from indexer.model import NewsItem, ParseError, normalise_title

EVALUATION = Path(__file__).resolve().parent / "data" / "evaluation"
DEFAULT_LABELLED = EVALUATION / "facets_labelled_items.json"
# Without arguments, every shipped set: items of the bundled page the rules
# were tuned on, items of it held out, items of pages in other years'
# layouts labelled before the rules saw them, and three sets of items written
# and labelled blind, by people who never saw the rules (name, labels,
# pages).
SHIPPED_SETS = (
    ("labelled", DEFAULT_LABELLED, ()),
    ("held out", EVALUATION / "facets_holdout_items.json", ()),
    ("new held out", EVALUATION / "facets_new_holdout_items.json", tuple(sorted(EVALUATION.glob("pages/*")))),
    ("blind", EVALUATION / "facets_blind_items.json", tuple(sorted(EVALUATION.glob("blind-pages/*")))),
    ("second blind", EVALUATION / "facets_blind2_items.json", tuple(sorted(EVALUATION.glob("blind-pages-2/*")))),
    ("third blind", EVALUATION / "facets_blind3_items.json", tuple(sorted(EVALUATION.glob("blind-pages-3/*")))),
    ("fourth blind", EVALUATION / "facets_blind4_items.json", tuple(sorted(EVALUATION.glob("blind-pages-4/*")))),
)

COUNTRIES, PRIMARY_COUNTRIES, PROGRAMMES, THEMES, REGIONS = (
    "countries",
    "primary countries",
    "programmes",
    "themes",
    "regions",
)
MEASURES = (COUNTRIES, PRIMARY_COUNTRIES, PROGRAMMES, THEMES, REGIONS)

# The targets on the labelled items: every country assigned (any role) is
# labelled; the primary countries are found as primary.
TARGETS = {
    f"{COUNTRIES}.precision": 0.90,
    f"{PRIMARY_COUNTRIES}.recall": 0.95,
    f"{PROGRAMMES}.precision": 0.85,
    f"{PROGRAMMES}.recall": 0.85,
    f"{THEMES}.f1": 0.80,
}


@dataclasses.dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        assigned = self.true_positives + self.false_positives
        return self.true_positives / assigned if assigned else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def add(self, extra: Sequence[str], missing: Sequence[str], found: int) -> None:
        self.true_positives += found
        self.false_positives += len(extra)
        self.false_negatives += len(missing)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One measure on one item."""

    found: int
    extra: tuple[str, ...]  # assigned, not labelled
    missing: tuple[str, ...]  # labelled, not assigned


@dataclasses.dataclass
class Report:
    scores: dict[str, Score]
    misses: list[tuple[str, dict[str, Comparison]]]  # heading -> measures with errors
    unmatched: list[str]  # labelled items not among the parsed ones
    items: int = 0

    def unmet(self, targets: dict[str, float]) -> list[str]:
        unmet = []
        for metric, target in targets.items():
            measure, _, statistic = metric.rpartition(".")
            value = getattr(self.scores[measure], statistic)
            if value < target:
                unmet.append(f"{metric} = {value:.3f} < {target:.2f}")
        return unmet


def evaluate(labelled: list[dict[str, Any]], items: Sequence[NewsItem]) -> Report:
    """Compare tagged items with labelled ones."""
    report = Report({measure: Score() for measure in MEASURES}, [], [])
    for label in labelled:
        heading = f"line {label.get('line', '?')}: {label['title']}"
        item = _find_item(label, items)
        if item is None:
            report.unmatched.append(heading)
            continue
        report.items += 1
        comparisons = compare(label, item)
        for measure, comparison in comparisons.items():
            report.scores[measure].add(comparison.extra, comparison.missing, comparison.found)
        wrong = {m: c for m, c in comparisons.items() if c.extra or c.missing}
        if wrong:
            report.misses.append((heading, wrong))
    return report


def compare(label: dict[str, Any], item: NewsItem) -> dict[str, Comparison]:
    labelled_primary = {c["iso3"] for c in label["countries"] if c["role"] == "primary"}
    return {
        COUNTRIES: _compare_sets({c.code for c in item.countries}, {c["iso3"] for c in label["countries"]}),
        PRIMARY_COUNTRIES: _compare_sets({c.code for c in item.countries if c.role == "primary"}, labelled_primary),
        PROGRAMMES: _compare_programmes([p.value for p in item.programmes], label.get("programmes", [])),
        THEMES: _compare_sets(set(item.themes), set(label["themes"])),
        REGIONS: _compare_sets(
            {r.value for r in item.regions},
            {region_slug(Vocabularies.bundled(), name) or name for name in label.get("regions", [])},
        ),
    }


def _compare_sets(assigned: set[str], labelled: set[str]) -> Comparison:
    return Comparison(len(assigned & labelled), tuple(sorted(assigned - labelled)), tuple(sorted(labelled - assigned)))


def _compare_programmes(assigned: list[str], labelled: list[dict[str, Any]]) -> Comparison:
    required, optional = _expected_programmes(labelled)
    found = [group for group in required if group[1] & set(assigned)]
    missing = tuple(name for name, slugs in required if not slugs & set(assigned))
    known = optional.union(*(slugs for _, slugs in required))
    extra = tuple(slug for slug in assigned if slug not in known)
    return Comparison(len(found), extra, missing)


def _expected_programmes(labelled: list[dict[str, Any]]) -> tuple[list[tuple[str, set[str]]], set[str]]:
    """The labelled programmes as (name, acceptable slugs), one per programme
    (entries linked by `same_as` merged), and the slugs of optional ones."""
    required: list[tuple[str, set[str]]] = []
    optional: set[str] = set()
    for entry in labelled:
        names = [_programme_slug(entry)]
        if entry.get("same_as"):
            names.append(programme_slug(Vocabularies.bundled(), entry["same_as"]))
        slugs = {slug for slug in names if slug is not None}
        if entry.get("optional"):
            optional |= slugs
            continue
        merged = next((group for group in required if group[1] & slugs), None)
        if merged is None:
            required.append((entry["name"], slugs))
        else:
            merged[1].update(slugs)
    return required, optional - set().union(*(slugs for _, slugs in required))


def _programme_slug(entry: dict[str, Any]) -> str | None:
    for name in [entry["name"], entry.get("same_as"), *entry.get("aliases_in_text", [])]:
        slug = programme_slug(Vocabularies.bundled(), name) if name else None
        if slug is not None:
            return slug
    return None


def _find_item(label: dict[str, Any], items: Sequence[NewsItem]) -> NewsItem | None:
    title = normalise_title(label["title"])
    by_title = [item for item in items if normalise_title(item.title) == title]
    if by_title:
        return by_title[0]
    by_line = [item for item in items if item.line == label.get("line")]
    return by_line[0] if len(by_line) == 1 else None


def format_report(report: Report, targets: dict[str, float]) -> str:
    lines = [
        f"{report.items} labelled items compared",
        "",
        f"{'measure':<20}{'precision':>10}{'recall':>8}{'f1':>7}   target",
    ]
    for measure in MEASURES:
        score = report.scores[measure]
        goals = [
            f"{metric.rpartition('.')[2]} >= {value:.2f}"
            for metric, value in targets.items()
            if metric.rpartition(".")[0] == measure
        ]
        lines.append(
            f"{measure:<20}{score.precision:>10.3f}{score.recall:>8.3f}{score.f1:>7.3f}   {', '.join(goals) or '-'}"
        )
    unmet = report.unmet(targets)
    lines += ["", "targets: " + ("all met" if not unmet else "UNMET: " + "; ".join(unmet))]
    if report.misses:
        lines += ["", "misses (+ assigned but not labelled, - labelled but missed):"]
        for heading, comparisons in report.misses:
            lines.append(f"  {heading[:100]}")
            for measure, c in comparisons.items():
                errors = [f"+{x}" for x in c.extra] + [f"-{x}" for x in c.missing]
                lines.append(f"    {measure:<18} {' '.join(errors)}")
    for heading in report.unmatched:
        lines.append(f"not found among the parsed items: {heading[:100]}")
    return "\n".join(lines)


def load_labelled(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sources = list(args.inputs)
    if not sources:
        sets = [(name, labels, [str(page) for page in pages]) for name, labels, pages in SHIPPED_SETS]
    elif sources[0].lower().endswith(".json"):
        sets = [("", Path(sources[0]), sources[1:])]
    else:
        sets = [("", DEFAULT_LABELLED, sources)]
    targets = dict(TARGETS)
    for setting in args.min:
        metric, _, value = setting.partition("=")
        if metric not in _metric_names():
            print(f"error: --min {setting}: metric must be one of {', '.join(_metric_names())}", file=sys.stderr)
            return 2
        try:
            targets[metric] = float(value)
        except ValueError:
            print(f"error: --min {setting}: the target must be a number", file=sys.stderr)
            return 2
    unmet = False
    for name, labelled_path, pages in sets:
        try:
            labelled = load_labelled(labelled_path)
            items = [extract_facets(item) for item in load_items(pages)]
        except (OSError, json.JSONDecodeError, ParseError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        report = evaluate(labelled, items)
        if name:
            print(f"== {name}: {labelled_path.name}" + (f" on {len(pages)} pages" if pages else "") + "\n")
        print(format_report(report, targets) + ("\n" if len(sets) > 1 else ""))
        if not report.items:
            print(f"error: no item of {labelled_path.name} was found among the parsed items", file=sys.stderr)
            return 2
        unmet = unmet or bool(report.unmet(targets))
    return 1 if (args.check or args.min) and unmet else 0


def _metric_names() -> list[str]:
    return [f"{measure}.{statistic}" for measure in MEASURES for statistic in ("precision", "recall", "f1")]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m indexer.evaluate_facets",
        description="Score facet extraction against hand-labelled items.",
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="LABELLED_JSON | SOURCE",
        help=f"a labelled .json file first (default: {DEFAULT_LABELLED.name}), then pages to parse "
        "(default: the bundled corpus); with neither, every shipped set, each on its pages",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is unmet")
    parser.add_argument(
        "--min",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="set a target, e.g. 'themes.f1=0.85' (implies --check)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
