"""The benchmark (`python -m bench.run`) end to end at a tiny size: it runs
through every step and prints and writes every figure. Without tantivy,
which would need a download."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
# bench/ is not part of the installed package: import it from the checkout.
if str(CHECKOUT) not in sys.path:
    sys.path.insert(0, str(CHECKOUT))

from bench.corpus import DEFAULT_MAKE_CORPUS  # noqa: E402

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not DEFAULT_MAKE_CORPUS.exists(), reason=f"no corpus generator at {DEFAULT_MAKE_CORPUS}"),
]

CLIENTS = ("1", "4", "16")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[str, dict]:
    workdir = tmp_path_factory.mktemp("bench")
    figures = workdir / "figures.json"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--items",
        "300",
        "--queries",
        "20",
        "--warmup-queries",
        "30",
        "--workers",
        "1",
        "--no-tantivy",
        "--workdir",
        str(workdir),
        "--json",
        str(figures),
    ]
    done = subprocess.run(command, cwd=CHECKOUT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads(figures.read_text())


def test_every_figure_is_written(run):
    _, figures = run
    assert figures["items"] == 300
    assert figures["queries"]["timed"] == 20
    assert 0 < figures["queries"]["warmup"] <= 30
    build = figures["build"]
    for key in ("newsearch_build_s", "update_unchanged_s", "update_one_page_s", "plain_whoosh_build_s"):
        assert build[key] > 0, key
    assert build["tantivy_build_s"] is None
    assert build["update_unchanged_counts"] == {"added": 0, "changed": 0, "removed": 0, "unchanged": 300}
    assert build["update_one_page_counts"]["changed"] == build["edited_items"] > 0
    for mode in ("cold", "steady"):
        assert set(figures["http"][mode]) == set(CLIENTS)
        for run_figures in figures["http"][mode].values():
            assert run_figures["requests"] == 20
            assert run_figures["errors"] == 0
            assert set(run_figures["statuses"]) <= {"200", "400"}
            assert 0 < run_figures["p50"] <= run_figures["p95"] <= run_figures["p99"]
            assert run_figures["throughput"] > 0
    assert set(figures["memory"]) == set(CLIENTS)
    for memory in figures["memory"].values():
        assert len(memory["workers"]) == 1
        assert memory["sum_pss_kb"] == memory["workers"][0]["pss_kb"] > 0
        assert memory["sum_rss_kb"] >= memory["sum_pss_kb"]
        assert memory["arbiter"]["rss_kb"] > 0
    in_process = figures["in_process"]
    assert in_process["queries"] + in_process["rejected"] == 20
    for key in ("newsearch", "plain_whoosh", "plain_over_newsearch"):
        assert set(in_process[key]) == {"p50", "p95", "p99"}, key
    assert in_process["tantivy"] is None
    assert figures["targets"] == []  # the issue sets targets at 20,000 and 100,000 items only


def test_the_table_shows_every_figure(run):
    table, _ = run
    for line in (
        "newsearch build (pages)",
        "newsearch update, nothing changed",
        "newsearch update, one page changed",
        "plain Whoosh build",
        "cold",
        "steady",
        "sum PSS",
        "newsearch search()",
        "plain Whoosh / newsearch",
    ):
        assert line in table, line
