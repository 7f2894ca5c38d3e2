"""Admin work that outlasts a request: a reindex runs as a task, in a process
of its own, and any worker can say how it is going.

A task is a JSON file in the index directory's `.tasks/` folder, written
atomically, under a file lock, by whoever changes its state: the web worker
that queued it, then the process that runs it (`python -m webapp.tasks
TASK_FILE`). One task runs at a time across every worker, and a task whose
process has died is marked failed rather than left running.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TASKS_DIR = ".tasks"
QUEUE_LOCK = ".tasks.lock"
UNFINISHED = ("queued", "running")
# Finished tasks kept for their reports; older ones are removed.
KEEP_FINISHED = 20


class TaskBusy(RuntimeError):
    def __init__(self, task: Task):
        super().__init__(f"task {task.id} is {task.state}")
        self.task = task


@dataclasses.dataclass
class Task:
    id: str
    kind: str
    state: str  # queued, running, succeeded or failed
    params: dict[str, Any]
    enqueued_at: str
    started_at: str | None = None
    finished_at: str | None = None
    pid: int | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None  # message, and page and line for a broken page

    def public(self) -> dict[str, Any]:
        """What the API shows: everything but how it runs."""
        return {key: value for key, value in dataclasses.asdict(self).items() if key not in ("params", "pid")}


def queue_reindex(index_dir: Path, sources: list[str], vocabularies: str) -> Task:
    """Queue a reindex and start the process that runs it; TaskBusy if one
    is queued or running."""
    (index_dir / TASKS_DIR).mkdir(parents=True, exist_ok=True)
    # The lock is held until the task is written with its process's id: the
    # process waits for it before it reads the task.
    with _queue_lock(index_dir):
        tasks = _all(index_dir)
        for task in tasks:
            if task.state in UNFINISHED and _still_running(index_dir, task):
                raise TaskBusy(task)
        finished = sorted((t for t in tasks if t.state not in UNFINISHED), key=lambda t: t.enqueued_at)
        for old in finished[:-KEEP_FINISHED]:
            _path(index_dir, old.id).unlink(missing_ok=True)
        task = Task(
            id=uuid.uuid4().hex[:12],
            kind="reindex",
            state="queued",
            params={"sources": sources, "vocabularies": vocabularies},
            enqueued_at=_now(),
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "webapp.tasks", str(_path(index_dir, task.id))],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        task.pid = process.pid
        _write(index_dir, task)
    # Reap the process when it ends, so that no zombie is left behind.
    threading.Thread(target=process.wait, name=f"task {task.id}", daemon=True).start()
    return task


def read(index_dir: Path, task_id: str) -> Task | None:
    if not task_id.isalnum():
        return None
    with _queue_lock(index_dir):
        try:
            task = _load(_path(index_dir, task_id))
        except FileNotFoundError:
            return None
        _still_running(index_dir, task)
        return task


def run(task_file: Path) -> int:
    """Run a queued task: the body of the process `queue_reindex` starts."""
    from indexer.build import history
    from indexer.build.store import IndexStore
    from indexer.build.writer import available_cpus
    from indexer.facets.vocabulary import VocabularyError
    from indexer.model import ParseError
    from indexer.pipeline import PageCache, read_corpus, vocabularies_from

    index_dir = task_file.parent.parent
    with _queue_lock(index_dir):
        task = _load(task_file)
        task.state, task.started_at = "running", _now()
        _write(index_dir, task)
    try:
        with history.recorded(index_dir, "reindex"):
            vocabularies = vocabularies_from(task.params["vocabularies"] or None)
            store = IndexStore(index_dir)
            with store.write_lock():  # which the page cache is used under
                # One CPU is left to the workers answering searches meanwhile.
                corpus = read_corpus(
                    task.params["sources"],
                    vocabularies=vocabularies,
                    processes=max(1, available_cpus() - 1),
                    cache=PageCache(store.page_cache_folder),
                )
                sources = task.params["sources"] or ["bundled"]
                counts, manifest = store.update(corpus.items, sources, vocabularies, corpus.words)
    except ParseError as err:
        task.state, task.error = "failed", {"message": str(err), "page": err.page, "line": err.line}
    except (VocabularyError, OSError, RuntimeError) as err:
        task.state, task.error = "failed", {"message": str(err), "page": None, "line": None}
    else:
        task.state = "succeeded"
        task.result = {**dataclasses.asdict(counts), "version": manifest["version"], "documents": manifest["documents"]}
    task.finished_at = _now()
    with _queue_lock(index_dir):
        _write(index_dir, task)
    return 0 if task.state == "succeeded" else 1


def _still_running(index_dir: Path, task: Task) -> bool:
    """Whether an unfinished task's process is alive; if it is not, the
    task is marked failed (called under the queue lock)."""
    if task.state not in UNFINISHED:
        return False
    if task.pid is not None and _alive(task.pid):
        return True
    current = _load(_path(index_dir, task.id))  # it may have finished meanwhile
    if current.state not in UNFINISHED:
        task.__dict__.update(vars(current))
        return False
    task.state, task.finished_at = "failed", _now()
    task.error = {"message": "the process running the task stopped before it finished", "page": None, "line": None}
    _write(index_dir, task)
    return False


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: ask the kernel whether it exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return not _is_zombie(pid)
    return waited == 0


def _is_zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    return False


def _all(index_dir: Path) -> list[Task]:
    return [_load(path) for path in sorted((index_dir / TASKS_DIR).glob("*.json"))]


def _path(index_dir: Path, task_id: str) -> Path:
    return index_dir / TASKS_DIR / f"{task_id}.json"


def _load(path: Path) -> Task:
    return Task(**json.loads(path.read_text("utf-8")))


def _write(index_dir: Path, task: Task) -> None:
    path = _path(index_dir, task.id)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(task)), "utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def _queue_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / QUEUE_LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
