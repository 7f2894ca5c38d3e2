import datetime as dt
import json
import multiprocessing
import os
import threading

import pytest

from indexer.build.store import CONTENT_HASHES, CURRENT, IndexBusy, IndexMissing, IndexStore, UpdateCounts
from indexer.model import NewsItem
from indexer.search.engine import Catalog


def make_item(day: int, title: str, body: str = "Body text.") -> NewsItem:
    date = dt.date(2019, 5, day)
    return NewsItem(date_start=date, date_end=date, date_raw=date.isoformat(), title=title, body=body)


ITEMS = [
    make_item(1, "Wildlife crime briefing"),
    make_item(2, "Container control award"),
    make_item(3, "Prison reform in Uganda"),
]


def stored(store: IndexStore) -> dict[str, str]:
    _, index = store.open()
    with index.searcher() as searcher:
        return {f["id"]: f["content_hash"] for f in searcher.all_stored_fields()}


def test_build_writes_a_version_and_points_current_at_it(tmp_path):
    store = IndexStore(tmp_path)
    manifest = store.build(ITEMS, ["pages/2019.txt"])
    assert store.current_version() == manifest["version"]
    assert (tmp_path / CURRENT).is_symlink()
    assert manifest["documents"] == 3
    assert manifest["sources"] == ["pages/2019.txt"]
    assert store.manifest() == manifest
    assert set(stored(store)) == {item.id for item in ITEMS}


def test_open_before_any_build_says_what_to_do(tmp_path):
    with pytest.raises(IndexMissing, match="newsearch build"):
        IndexStore(tmp_path).open()


def test_update_applies_only_the_differences(tmp_path):
    store = IndexStore(tmp_path)
    store.build(ITEMS)
    changed = make_item(2, "Container control award", body="A new body.")
    new = make_item(4, "Cyber forum")
    counts, manifest = store.update([ITEMS[0], changed, new])
    assert counts == UpdateCounts(added=1, changed=1, removed=1, unchanged=1)
    assert manifest["documents"] == 3
    assert stored(store) == {item.id: item.content_hash for item in [ITEMS[0], changed, new]}


def test_update_with_nothing_changed_keeps_the_serving_version(tmp_path):
    store = IndexStore(tmp_path)
    store.build(ITEMS)
    before = store.current_version()
    counts, _ = store.update(ITEMS)
    assert counts == UpdateCounts(added=0, changed=0, removed=0, unchanged=3)
    assert store.current_version() == before


def test_update_compares_with_the_hashes_kept_beside_a_version_or_its_stored_fields(tmp_path):
    store = IndexStore(tmp_path)
    store.build(ITEMS)
    hashes = store.version_path(store.current_version()) / CONTENT_HASHES
    assert json.loads(hashes.read_text("utf-8")) == stored(store)
    hashes.unlink()  # as in a version written before they were kept
    changed = make_item(2, "Container control award", body="A new body.")
    counts, _ = store.update([ITEMS[0], changed, ITEMS[2]])
    assert counts == UpdateCounts(added=0, changed=1, removed=0, unchanged=2)
    hashes = store.version_path(store.current_version()) / CONTENT_HASHES
    assert json.loads(hashes.read_text("utf-8")) == stored(store)


def test_update_without_an_index_builds_one(tmp_path):
    counts, manifest = IndexStore(tmp_path).update(ITEMS)
    assert counts.added == 3 and manifest["documents"] == 3


def test_full_rebuild_equals_incremental_updates(tmp_path):
    incremental = IndexStore(tmp_path / "a")
    incremental.build(ITEMS[:1])
    incremental.update(ITEMS[:2])
    incremental.update([make_item(9, "Dropped")] + ITEMS)
    incremental.update(ITEMS)
    rebuilt = IndexStore(tmp_path / "b")
    rebuilt.build(ITEMS)
    assert stored(incremental) == stored(rebuilt)


def test_old_versions_are_pruned_but_the_previous_one_is_kept(tmp_path):
    store = IndexStore(tmp_path)
    versions = [store.build(ITEMS)["version"] for _ in range(4)]
    on_disk = sorted(p.name for p in tmp_path.glob("v-*"))
    assert on_disk == sorted(versions[-2:])


def test_a_partial_version_left_by_a_crash_is_removed_and_never_served(tmp_path):
    store = IndexStore(tmp_path)
    store.build(ITEMS)
    serving = store.current_version()
    abandoned = tmp_path / "v-00000000T000000000000Z-1"
    abandoned.mkdir()
    (abandoned / "MAIN_1.toc").write_bytes(b"half written")
    assert store.current_version() == serving
    store.build(ITEMS)
    assert not abandoned.exists()


def test_a_second_writer_waits_then_fails_with_a_clear_message(tmp_path):
    holder = IndexStore(tmp_path)
    waiter = IndexStore(tmp_path, lock_timeout=0.2)
    with holder.write_lock(), pytest.raises(IndexBusy, match="write lock"):
        waiter.build(ITEMS)


def test_a_second_writer_proceeds_once_the_first_is_done(tmp_path):
    holder = IndexStore(tmp_path)
    waiter = IndexStore(tmp_path, lock_timeout=10)
    released = threading.Event()

    def hold():
        with holder.write_lock():
            released.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        timer = threading.Timer(0.2, released.set)
        timer.start()
        assert waiter.build(ITEMS)["documents"] == 3
    finally:
        thread.join()


def test_a_reader_keeps_its_version_during_a_rebuild_and_sees_the_new_one_after(tmp_path):
    store = IndexStore(tmp_path)
    store.build(ITEMS)
    catalog = Catalog(store)
    before = catalog.current()
    store.build(ITEMS[:1])
    # The searcher opened before the swap still answers from its version.
    assert before.searcher.doc_count() == 3
    after = catalog.current()
    assert after.version != before.version
    assert after.searcher.doc_count() == 1


def _build_forever(root: str, ready) -> None:
    store = IndexStore(root)
    items = [make_item(1 + i % 28, f"Item {i}") for i in range(200000)]

    def progress(done, total):
        if done == 50:
            ready.set()

    store.build(items, progress=progress)


def test_kill_during_a_build_leaves_the_old_index_serving(tmp_path):
    store = IndexStore(tmp_path)
    store.build(ITEMS)
    serving = store.current_version()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=_build_forever, args=(str(tmp_path), ready))
    process.start()
    try:
        assert ready.wait(60), "the build did not start"
        os.kill(process.pid, 9)
    finally:
        process.join(10)
    assert store.current_version() == serving
    assert set(stored(store)) == {item.id for item in ITEMS}
    assert store.build(ITEMS)["documents"] == 3
