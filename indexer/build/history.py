"""What the index's builds, updates and activations did: per command, how
many succeeded and failed, and how long the last one took. Kept beside the
versions (`.history.json`) so that the serving processes can report it
(`GET /metrics`) whichever process ran the command."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

HISTORY = ".history.json"

log = logging.getLogger(__name__)


def read(index_dir: str | os.PathLike) -> dict[str, dict]:
    """{command: {"succeeded", "failed", "last_seconds", "last_ok", "last_finished"}};
    empty before the first command or when the file cannot be read."""
    try:
        data = json.loads((Path(index_dir) / HISTORY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(index_dir: str | os.PathLike, command: str, seconds: float, ok: bool) -> None:
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / (HISTORY + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read(folder)
        entry = data.setdefault(command, {"succeeded": 0, "failed": 0})
        entry["succeeded" if ok else "failed"] += 1
        entry["last_seconds"] = round(seconds, 3)
        entry["last_ok"] = ok
        entry["last_finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        temporary = folder / (HISTORY + ".tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, folder / HISTORY)


@contextlib.contextmanager
def recorded(index_dir: str | os.PathLike, command: str) -> Iterator[None]:
    """Record the command run in the block: failed if it raises. A history
    that cannot be written changes nothing of what the command does."""
    started = time.monotonic()
    ok = False
    try:
        yield
        ok = True
    finally:
        try:
            record(index_dir, command, time.monotonic() - started, ok)
        except OSError as err:
            log.warning("could not record the %s in %s: %s", command, index_dir, err)
