"""One index version on many hosts: the checksums every version keeps,
`newsearch activate`, and the history of builds, updates and activations."""

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from servers import running_server

from indexer.build import history
from indexer.build.store import CHECKSUMS, CURRENT, INCOMING_PREFIX, IndexStore, VersionInvalid, verify_version
from indexer.cli import main
from indexer.model import ParseError
from indexer.pipeline import tagged_items
from indexer.search.engine import Catalog, search
from indexer.search.request import parse_search_request
from webapp import tasks

BROKEN_PAGE = "31.02.2019: An impossible day\n\nBody.\n"


def listed(version_dir: Path) -> dict:
    return json.loads((version_dir / CHECKSUMS).read_text("utf-8"))


def files_of(version_dir: Path) -> dict:
    return {
        path.relative_to(version_dir).as_posix(): {"size": path.stat().st_size, "sha256": sha256(path)}
        for path in version_dir.rglob("*")
        if path.is_file() and path.name != CHECKSUMS
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current_dir(store: IndexStore) -> Path:
    return store.version_path(store.current_version())


def visible(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith("."))


@pytest.fixture
def builder(tmp_path, corpus_items) -> Path:
    """The version a builder host wrote, copied to an incoming folder of a
    replica host (as rsync would)."""
    store = IndexStore(tmp_path / "builder")
    store.build(corpus_items, ["bundled"])
    incoming = tmp_path / "incoming" / store.current_version()
    shutil.copytree(current_dir(store), incoming)
    return incoming


@pytest.fixture
def replica(tmp_path, corpus_items) -> IndexStore:
    """A replica's index directory, serving an older version of 5 items."""
    store = IndexStore(tmp_path / "replica")
    store.build(corpus_items[:5], ["bundled"])
    return store


def test_a_build_and_an_update_list_every_other_file_with_its_size_and_sha256(tmp_path, corpus_items):
    store = IndexStore(tmp_path)
    store.build(corpus_items[:30])
    built = current_dir(store)
    assert listed(built) == files_of(built)
    assert "manifest.json" in listed(built) and "vocabularies/themes.toml" in listed(built)
    store.update(corpus_items[5:])
    updated = current_dir(store)
    assert updated != built
    assert listed(updated) == files_of(updated)
    assert verify_version(updated)["documents"] == 32


def test_an_update_reuses_the_sums_of_the_files_it_links_from_the_previous_version(tmp_path, corpus_items):
    store = IndexStore(tmp_path)
    store.build(corpus_items[:30])
    built = current_dir(store)
    segment_file = next(name for name in listed(built) if name.endswith(".trm"))
    # A sum the update could only have copied, not computed.
    sums = listed(built)
    sums[segment_file] = {"size": sums[segment_file]["size"], "sha256": "0" * 64}
    (built / CHECKSUMS).write_text(json.dumps(sums), "utf-8")
    store.update(corpus_items[5:])
    updated = current_dir(store)
    assert (updated / segment_file).stat().st_ino == (built / segment_file).stat().st_ino
    assert listed(updated)[segment_file]["sha256"] == "0" * 64
    # The files the update wrote are hashed.
    new = {name: sums for name, sums in listed(updated).items() if name not in listed(built)}
    assert new and new == {name: sums for name, sums in files_of(updated).items() if name in new}


def test_activate_copies_a_version_in_and_the_catalog_serves_it(builder, replica, capsys):
    catalog = Catalog(replica)
    assert catalog.current().searcher.doc_count() == 5
    old = replica.current_version()
    assert main(["activate", "--index", str(replica.root), str(builder)]) == 0
    assert capsys.readouterr().out == f"activated {builder.name}: 37 documents in {replica.root}\n"
    assert replica.current_version() == builder.name
    assert visible(replica.root) == sorted([CURRENT, old, builder.name])
    assert not list(replica.root.glob(f"{INCOMING_PREFIX}*"))
    assert listed(replica.version_path(builder.name)) == listed(builder)
    index = catalog.current()
    assert index.version == builder.name
    assert search(index, parse_search_request({"q": ["wildlife"]}, index.vocabularies))["total"] == 6


def test_activate_prunes_old_versions_as_a_build_does(builder, replica, corpus_items):
    replica.build(corpus_items[:6])
    previous = replica.current_version()
    replica.activate(builder)
    assert visible(replica.root) == sorted([CURRENT, previous, builder.name])


def test_a_version_already_in_the_index_directory_is_activated_in_place(replica, corpus_items):
    older = replica.current_version()
    replica.build(corpus_items[:6])
    manifest, swapped = replica.activate(replica.version_path(older))
    assert swapped and manifest["documents"] == 5 and replica.current_version() == older


def tamper(version_dir: Path) -> str:
    name = next(name for name in listed(version_dir) if name.endswith(".pst"))
    data = bytearray((version_dir / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (version_dir / name).write_bytes(bytes(data))
    return f"{name}: SHA-256 differs"


def truncate(version_dir: Path) -> str:
    name = "words.json"
    size = (version_dir / name).stat().st_size
    with open(version_dir / name, "r+b") as f:
        f.truncate(size - 1)
    return f"{name}: {size - 1} bytes, {size} in {CHECKSUMS}"


def remove_file(version_dir: Path) -> str:
    (version_dir / "vocabularies" / "themes.toml").unlink()
    return "vocabularies/themes.toml: missing"


def remove_checksums(version_dir: Path) -> str:
    (version_dir / CHECKSUMS).unlink()
    return f"{CHECKSUMS}: missing"


@pytest.mark.parametrize("damage", [tamper, truncate, remove_file, remove_checksums])
@pytest.mark.parametrize("where", ["elsewhere", "in the index directory"])
def test_a_damaged_version_is_refused_naming_the_file_and_current_is_kept(
    damage, where, builder, replica, corpus_items, capsys
):
    if where == "elsewhere":
        version_dir = builder
    else:
        version_dir = replica.version_path(replica.current_version())
        replica.build(corpus_items[:6])
    serving, before = replica.current_version(), visible(replica.root)
    problem = damage(version_dir)
    for argv in (
        ["activate", "--index", str(replica.root), str(version_dir)],
        ["activate", "--check-only", str(version_dir)],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"newsearch activate: {version_dir}/") and problem in err
    assert replica.current_version() == serving
    assert visible(replica.root) == before
    assert not list(replica.root.glob(f"{INCOMING_PREFIX}*"))


def test_activating_the_serving_version_is_a_no_op_that_says_so(builder, replica, capsys):
    assert main(["activate", "--index", str(replica.root), str(builder)]) == 0
    capsys.readouterr()
    before = visible(replica.root)
    for version_dir in (builder, replica.root / CURRENT, replica.version_path(builder.name)):
        assert main(["activate", "--index", str(replica.root), str(version_dir)]) == 0
        assert capsys.readouterr().out == f"{builder.name} is serving already in {replica.root}: nothing to do\n"
    assert replica.current_version() == builder.name and visible(replica.root) == before


def test_check_only_verifies_and_changes_nothing(builder, replica, capsys):
    serving = replica.current_version()
    assert main(["activate", "--check-only", str(builder)]) == 0
    assert capsys.readouterr().out == f"verified {builder}: {builder.name}, 37 documents\n"
    assert replica.current_version() == serving


def _activate(root: str, version_dir: str) -> None:
    IndexStore(root).activate(version_dir)


def test_an_interrupted_copy_is_never_visible_and_is_cleaned_up(builder, replica):
    serving, before = replica.current_version(), visible(replica.root)
    # A file the checksums do not list, whose copy never ends: a terminal
    # nobody types into.
    controller, terminal = os.openpty()
    (builder / "terminal").symlink_to(os.ttyname(terminal))
    incoming = replica.root / f"{INCOMING_PREFIX}{builder.name}"
    process = multiprocessing.get_context("spawn").Process(target=_activate, args=(str(replica.root), str(builder)))
    process.start()
    try:
        deadline = time.monotonic() + 60
        while not incoming.exists():
            assert time.monotonic() < deadline, "the copy did not start"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.join(10)
        os.close(controller)
        os.close(terminal)
    assert process.exitcode == -signal.SIGKILL and incoming.is_dir()
    assert replica.current_version() == serving and visible(replica.root) == before
    assert Catalog(replica).current().version == serving
    (builder / "terminal").unlink()
    replica.activate(builder)  # which copies to the same name once the leftover is removed
    assert replica.current_version() == builder.name
    assert not incoming.exists()


def test_a_failed_copy_is_removed_and_current_is_kept(builder, replica):
    serving, before = replica.current_version(), visible(replica.root)
    os.mkfifo(builder / "zz-pipe")  # not listed, and not a file that can be copied
    with pytest.raises(shutil.Error, match="zz-pipe"):
        replica.activate(builder)
    assert replica.current_version() == serving and visible(replica.root) == before
    assert not list(replica.root.glob(f"{INCOMING_PREFIX}*"))


def test_a_version_of_another_format_is_refused(builder, replica, capsys):
    manifest = json.loads((builder / "manifest.json").read_text("utf-8"))
    (builder / "manifest.json").write_text(json.dumps({**manifest, "format": 3}), "utf-8")
    (builder / CHECKSUMS).write_text(json.dumps(files_of(builder)), "utf-8")
    with pytest.raises(VersionInvalid, match="index format 3"):
        replica.activate(builder)


def outcome(index_dir: Path, command: str) -> tuple[int, int, bool]:
    entry = history.read(index_dir)[command]
    return entry["succeeded"], entry["failed"], entry["last_ok"]


def test_history_records_builds_updates_and_activations_that_succeed_or_fail(tmp_path, builder, capsys):
    index = tmp_path / "index"
    broken = tmp_path / "bad.txt"
    broken.write_text(BROKEN_PAGE)
    with pytest.raises(ParseError) as raised:
        tagged_items([str(broken)])
    for command in ("build", "update"):
        assert main([command, "--index", str(index)]) == 0
        assert outcome(index, command) == (1, 0, True)
        serving = IndexStore(index).current_version()
        capsys.readouterr()
        assert main([command, "--index", str(index), str(broken)]) == 2
        assert capsys.readouterr().err == f"newsearch {command}: {raised.value}\n"
        assert outcome(index, command) == (1, 1, False)
        assert IndexStore(index).current_version() == serving
    assert main(["activate", "--index", str(index), str(builder)]) == 0
    assert outcome(index, "activate") == (1, 0, True)
    (builder / "words.json").write_text("{}")
    assert main(["activate", "--index", str(index), str(builder)]) == 2
    assert outcome(index, "activate") == (1, 1, False)
    assert history.read(index)["activate"]["last_seconds"] >= 0


def test_a_history_that_cannot_be_written_changes_nothing(tmp_path, capsys):
    index = tmp_path / "index"
    (index / f"{history.HISTORY}.lock").mkdir(parents=True)
    assert main(["build", "--index", str(index)]) == 0
    assert "37 documents" in capsys.readouterr().out
    broken = tmp_path / "bad.txt"
    broken.write_text(BROKEN_PAGE)
    assert main(["build", "--index", str(index), str(broken)]) == 2
    assert "bad.txt:1" in capsys.readouterr().err


def test_history_records_reindex_tasks(tmp_path):
    broken = tmp_path / "bad.txt"
    broken.write_text(BROKEN_PAGE)
    index = tmp_path / "index"
    (index / tasks.TASKS_DIR).mkdir(parents=True)
    for task_id, sources, status in (("good", [], 0), ("bad", [str(broken)], 1)):
        params = {"sources": sources, "vocabularies": ""}
        tasks._write(index, tasks.Task(id=task_id, kind="reindex", state="queued", params=params, enqueued_at=""))
        assert tasks.run(index / tasks.TASKS_DIR / f"{task_id}.json") == status
    assert outcome(index, "reindex") == (1, 1, False)


@pytest.mark.server
def test_a_running_server_serves_an_activated_version_without_restart(tmp_path, builder, replica):
    with running_server(replica.root, tmp_path / "gunicorn.log", workers=2) as base:
        assert main(["activate", "--index", str(replica.root), str(builder)]) == 0
        # Each of the two workers must see the new version on its next request.
        for _ in range(6):
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
                health = json.loads(response.read())
            assert (health["version"], health["documents"]) == (builder.name, 37)
