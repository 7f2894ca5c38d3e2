"""tantivy as a reference: its throwaway venv, and a run of `bench/tantivy_ref.py` in it.

tantivy is no dependency of the service: its bindings live in a venv of
their own under the work directory, made the first time it is needed
(`python -m venv DIR && DIR/bin/pip install tantivy==0.27.*`) and reused.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import Query, write_log

TANTIVY = "tantivy==0.27.*"
SCRIPT = Path(__file__).with_name("tantivy_ref.py")


@dataclasses.dataclass(frozen=True)
class Reference:
    version: str
    build_s: float
    query_ms: list[float]  # per timed query, in the log's order
    counts: list[int]


def tantivy_python(workdir: Path) -> Path:
    """The Python of the tantivy venv, made if it is missing."""
    venv = workdir / "tantivy-venv"
    python = venv / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import tantivy"], capture_output=True).returncode:
        print(f"installing {TANTIVY} into {venv}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", TANTIVY], check=True)
    return python


def run_tantivy(python: Path, corpus: Path, folder: Path, timed: Sequence[Query], warmup: Sequence[Query]) -> Reference:
    """Build the tantivy index in `folder` and time the queries there."""
    folder.mkdir(parents=True, exist_ok=True)
    write_log(timed, folder / "timed.jsonl")
    write_log(warmup, folder / "warmup.jsonl")
    done = subprocess.run(
        [
            str(python),
            str(SCRIPT),
            "--corpus",
            str(corpus),
            "--index",
            str(folder / "index"),
            "--queries",
            str(folder / "timed.jsonl"),
            "--warmup",
            str(folder / "warmup.jsonl"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(done.stdout)
    return Reference(found["version"], found["build_s"], found["query_ms"], found["counts"])
