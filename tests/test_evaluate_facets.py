import datetime as dt
import json

import pytest

from indexer.evaluate_facets import (
    DEFAULT_LABELLED,
    PROGRAMMES,
    SHIPPED_SETS,
    TARGETS,
    Comparison,
    Score,
    compare,
    evaluate,
    load_labelled,
    main,
)
from indexer.facets import extract_facets
from indexer.ingest.sources import load_items
from indexer.model import Country, FacetValue, NewsItem

LABELLED = DEFAULT_LABELLED
# Items labelled before the extraction was run on them, to measure it on
# items it was not tuned on.
HOLDOUT = DEFAULT_LABELLED.with_name("facets_holdout_items.json")


@pytest.mark.parametrize("path, count", [(LABELLED, 10), (HOLDOUT, 12)])
def test_the_targets_are_met_on_the_labelled_items(path, count):
    report = evaluate(load_labelled(path), [extract_facets(item) for item in load_items()])
    assert not report.unmatched
    assert report.items == count
    assert report.unmet(TARGETS) == []


@pytest.mark.parametrize(
    "shipped, count",
    [(SHIPPED_SETS[2], 20), (SHIPPED_SETS[3], 16), (SHIPPED_SETS[4], 28), (SHIPPED_SETS[5], 14), (SHIPPED_SETS[6], 14)],
    ids=["new held out", "blind", "second blind", "third blind", "fourth blind"],
)
def test_the_items_of_other_layouts_meet_the_targets_and_their_pages_read_right(shipped, count):
    _, labels, pages = shipped
    parsed = load_items([str(page) for page in pages])
    report = evaluate(load_labelled(labels), [extract_facets(item) for item in parsed])
    assert not report.unmatched and report.items == count
    assert report.unmet(TARGETS) == []
    by_title = {item.title: item for item in parsed}
    for label in load_labelled(labels):
        item = by_title[label["title"]]
        written = (label["image_credit"], label["source"], label["date_start"], label["date_end"])
        assert (item.image_credit, item.source, item.date_start.isoformat(), item.date_end.isoformat()) == written


def test_without_arguments_every_shipped_set_is_scored(capsys):
    assert main(["--check"]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("== ")] == [
        "== labelled: facets_labelled_items.json",
        "== held out: facets_holdout_items.json",
        "== new held out: facets_new_holdout_items.json on 4 pages",
        "== blind: facets_blind_items.json on 4 pages",
        "== second blind: facets_blind2_items.json on 8 pages",
        "== third blind: facets_blind3_items.json on 4 pages",
        "== fourth blind: facets_blind4_items.json on 4 pages",
    ]


def test_the_holdout_items_are_other_items():
    lines = {label["line"] for label in load_labelled(LABELLED)}
    assert lines.isdisjoint(label["line"] for label in load_labelled(HOLDOUT))


def test_score():
    score = Score()
    score.add(extra=["x"], missing=["y", "z"], found=3)
    assert (score.precision, score.recall, round(score.f1, 3)) == (0.75, 0.6, 0.667)
    assert (Score().precision, Score().recall) == (1.0, 1.0)


def tagged(**facets) -> NewsItem:
    return NewsItem(dt.date(2019, 1, 1), dt.date(2019, 1, 1), "1 January 2019", "A title", "A body.", **facets)


def test_programmes_optional_same_as_and_unknown_names():
    label = {
        "title": "A title",
        "countries": [],
        "themes": [],
        "programmes": [
            {"name": "Cocaine Route Programme"},
            {"name": "Global Illicit Flows Programme", "same_as": "Cocaine Route Programme"},
            {"name": "GLO.ACT Women's Network", "optional": True},
            {"name": "A programme nobody registered"},
        ],
    }
    item = tagged(
        programmes=(
            FacetValue("global-illicit-flows-programme", "GIFP"),
            FacetValue("glo-act-womens-network", "Network"),
            FacetValue("pact", "PACT"),
        )
    )
    assert compare(label, item)[PROGRAMMES] == Comparison(1, ("pact",), ("A programme nobody registered",))


def test_countries_by_role():
    label = {
        "title": "A title",
        "themes": [],
        "countries": [{"iso3": "IRQ", "role": "primary"}, {"iso3": "IRN", "role": "mentioned"}],
    }
    item = tagged(
        countries=(
            Country("IRQ", "Iraq", "mentioned"),
            Country("IRN", "Iran", "mentioned"),
            Country("PAK", "Pakistan", "mentioned"),
        )
    )
    comparisons = compare(label, item)
    assert comparisons["countries"] == Comparison(2, ("PAK",), ())
    assert comparisons["primary countries"] == Comparison(0, (), ("IRQ",))


def test_main_prints_the_summary_and_checks_targets(capsys):
    assert main([str(LABELLED), "--check"]) == 0
    out = capsys.readouterr().out
    assert "10 labelled items compared" in out and "targets: all met" in out
    assert main(["--min", "regions.precision=0.99"]) == 1
    assert "UNMET: regions.precision" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--min", "colours.f1=0.5"], "metric must be one of"),
        (["--min", "themes.f1=high"], "must be a number"),
        (["no-such-file.json"], "error:"),
    ],
)
def test_main_refuses_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_labelled_items_are_matched_by_title_or_line(tmp_path):
    labelled = json.loads(LABELLED.read_text("utf-8"))[:1]
    labelled[0]["title"] = "A title the parser never saw"
    path = tmp_path / "labelled.json"
    path.write_text(json.dumps(labelled), "utf-8")
    report = evaluate(load_labelled(path), [extract_facets(item) for item in load_items()])
    assert report.items == 1
