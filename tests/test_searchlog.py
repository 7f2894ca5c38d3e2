"""The search log (webapp/searchlog.py) in a real SQLite file and a real
redis-server: entries come back as recorded, from several processes at
once, expire, and a broken store never fails the search that records; and
the editors' report over it (webapp/report.py)."""

import datetime
import multiprocessing
import threading
import time

import pytest
import redis
from servers import REDIS_SERVER, require_binary, running_redis

from webapp.report import build_report, format_report
from webapp.searchlog import (
    DAY,
    SEARCHES_STREAM,
    LoggedClick,
    LoggedSearch,
    RedisLog,
    SearchLog,
    SQLiteLog,
    open_log,
)

NOW = time.time()


def search(q="wildlife", *, at=NOW, total=5, page=1, corrected=None, **fields):
    values = {"filters": {}, "took_ms": 12.5, "version": "v-1", "via": "page", **fields}
    return LoggedSearch(q=q, total=total, page=page, corrected=corrected, at=at, **values)


def click(q="wildlife", *, at=NOW, rank=1, item_id="item-1"):
    return LoggedClick(q=q, rank=rank, item_id=item_id, at=at)


@pytest.fixture
def redis_server(tmp_path):
    require_binary(REDIS_SERVER, "redis-server")
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.server)])
def store(request, tmp_path):
    if request.param == "sqlite":
        log: SearchLog = SQLiteLog(tmp_path / "searchlog.sqlite3", retention_days=30)
    else:
        url, _ = request.getfixturevalue("redis_server")
        log = RedisLog(url, retention_days=30)
    yield log
    log.close()


def lost_warnings(caplog):
    return [record for record in caplog.records if record.name == "webapp.searchlog"]


def test_searches_and_clicks_come_back_as_recorded(store):
    searches = [
        search("wildlife", at=NOW - 100, filters={"country": ["KE", "TZ"], "from": ["2019-01-01"]}),
        search("trafficing", at=NOW - 50, corrected="trafficking", via="api", page=2, total=0),
        search("", at=NOW, filters={}, took_ms=0.75),
    ]
    clicks = [click("wildlife", at=NOW - 90, rank=3, item_id="a"), click("", at=NOW, item_id="b")]
    for entry in searches:
        store.record(entry)
    for entry in clicks:
        store.record_click(entry)
    store.flush()
    assert list(store.searches(0)) == searches
    assert list(store.searches(NOW - 60)) == searches[1:]
    assert list(store.clicks(0)) == clicks
    assert list(store.clicks(NOW - 60)) == clicks[1:]


def record_from_threads(log, worker, threads, count):
    """A gunicorn worker's part: several threads recording at once."""

    def record(thread):
        for n in range(count):
            log.record(search(f"w{worker} t{thread} n{n}"))
            log.record_click(click(f"w{worker} t{thread} n{n}"))

    running = [threading.Thread(target=record, args=(thread,)) for thread in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    log.close()


def test_workers_forked_after_the_log_is_made_all_write_to_one_sqlite_file(tmp_path):
    log = SQLiteLog(tmp_path / "searchlog.sqlite3", retention_days=30)
    workers, threads, count = 4, 3, 500
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=record_from_threads, args=(log, worker, threads, count)) for worker in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(20)
    assert [process.exitcode for process in processes] == [0] * workers
    log.record(search("the parent"))
    log.close()
    expected = {f"w{w} t{t} n{n}" for w in range(workers) for t in range(threads) for n in range(count)}
    assert sorted(s.q for s in log.searches(0)) == sorted(expected | {"the parent"})
    assert sorted(c.q for c in log.clicks(0)) == sorted(expected)


def test_sqlite_deletes_what_is_older_than_the_retention(tmp_path):
    path = tmp_path / "searchlog.sqlite3"
    kept = SQLiteLog(path, retention_days=1000)
    for entry in (search("old", at=NOW - 40 * DAY), search("recent", at=NOW - 20 * DAY)):
        kept.record(entry)
    kept.record_click(click("old", at=NOW - 40 * DAY))
    kept.close()
    assert [s.q for s in kept.searches(0)] == ["old", "recent"]

    # Opened with 30 days, the first write deletes the older ones, those
    # of its own batch too.
    log = SQLiteLog(path, retention_days=30)
    log.record(search("older in this batch", at=NOW - 31 * DAY))
    log.record(search("new"))
    log.close()
    assert [s.q for s in log.searches(0)] == ["recent", "new"]
    assert list(log.clicks(0)) == []


@pytest.mark.server
def test_redis_trims_what_it_received_before_the_retention(redis_server):
    url, _ = redis_server
    log = RedisLog(url, retention_days=30)
    log.record(search("old"))
    log.flush()
    with redis.Redis.from_url(url) as client:
        [(_, fields)] = client.xrange(SEARCHES_STREAM)
        # The same entry as if Redis had received it in 1970.
        client.delete(SEARCHES_STREAM)
        client.xadd(SEARCHES_STREAM, fields, id="1000-0")
        log.record(search("new"))
        log.close()
        assert client.xlen(SEARCHES_STREAM) == 1
    assert [s.q for s in log.searches(0)] == ["new"]


def test_an_sqlite_file_that_cannot_be_opened_never_fails_a_search(tmp_path, caplog):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    log = SQLiteLog(not_a_folder / "searchlog.sqlite3", retention_days=30)
    start = time.perf_counter()
    for n in range(1000):
        log.record(search(f"q{n}"))
    assert time.perf_counter() - start < 0.5
    log.flush()
    log.record(search("later"))
    log.close()
    # One warning for both failed batches, naming the file.
    [warning] = lost_warnings(caplog)
    assert warning.levelname == "WARNING"
    assert str(not_a_folder / "searchlog.sqlite3") in warning.getMessage()
    assert "1000 entries not written" in warning.getMessage()


@pytest.mark.server
def test_a_redis_that_goes_down_never_fails_a_search(redis_server, caplog):
    url, process = redis_server
    log = RedisLog(url, retention_days=30)
    log.record(search("before"))
    log.flush()
    assert [s.q for s in log.searches(0)] == ["before"]
    process.terminate()
    process.wait(10)

    start = time.perf_counter()
    for n in range(1000):
        log.record(search(f"q{n}"))
        log.record_click(click(f"q{n}"))
    assert time.perf_counter() - start < 0.5
    log.flush()
    log.record(search("later"))
    log.close()
    assert time.perf_counter() - start < 5
    [warning] = lost_warnings(caplog)
    assert "2000 entries not written" in warning.getMessage()
    with pytest.raises(redis.ConnectionError):
        list(log.searches(0))


def test_a_full_queue_drops_entries_and_counts_them(tmp_path, caplog):
    log = SQLiteLog(tmp_path / "searchlog.sqlite3", retention_days=30, queue_size=10)
    for n in range(100):
        log.record(search(f"q{n}"))
    log.close()
    stored = len(list(log.searches(0)))
    assert stored + log.dropped == 100
    assert log.dropped >= 80
    [warning] = lost_warnings(caplog)
    assert f"{log.dropped} entries dropped from the full queue" in warning.getMessage()


@pytest.mark.parametrize("off", [False, 0, "0", "false", "off", "no", " Off "])
def test_the_log_can_be_turned_off(off):
    assert open_log({"SEARCH_LOG": off, "INDEX_DIR": "index"}) is None


@pytest.mark.parametrize(
    "config, kind, where",
    [
        ({}, SQLiteLog, "{index}/searchlog.sqlite3"),
        ({"SEARCH_LOG": "yes", "RATELIMIT_STORAGE_URI": "memory://"}, SQLiteLog, "{index}/searchlog.sqlite3"),
        ({"RATELIMIT_STORAGE_URI": "redis://10.0.0.5:6380/1"}, RedisLog, "redis://10.0.0.5:6380/1"),
        ({"RATELIMIT_STORAGE_URI": "rediss://cache:6379"}, RedisLog, "rediss://cache:6379"),
        ({"SEARCH_LOG_STORAGE_URI": "sqlite:///var/log/s.sqlite3"}, SQLiteLog, "/var/log/s.sqlite3"),
        (
            {"SEARCH_LOG_STORAGE_URI": "sqlite:///var/s.sqlite3", "RATELIMIT_STORAGE_URI": "redis://cache:6379"},
            SQLiteLog,
            "/var/s.sqlite3",
        ),
        (
            {"SEARCH_LOG_STORAGE_URI": "redis://logs:6379/3", "RATELIMIT_STORAGE_URI": "redis://cache:6379"},
            RedisLog,
            "redis://logs:6379/3",
        ),
    ],
)
def test_where_the_log_is_kept(tmp_path, config, kind, where):
    log = open_log({"INDEX_DIR": str(tmp_path), **config})
    assert isinstance(log, kind)
    found = str(log.path) if isinstance(log, SQLiteLog) else log.url
    assert found == where.format(index=tmp_path)
    assert log.retention == 30 * DAY
    log.close()


@pytest.mark.parametrize("days, retention", [(7, 7 * DAY), ("0.5", DAY / 2), (90.0, 90 * DAY)])
def test_the_retention_is_read_in_days(days, retention):
    log = open_log({"INDEX_DIR": "index", "SEARCH_LOG": True, "SEARCH_LOG_DAYS": days})
    assert log is not None and log.retention == retention
    log.close()


@pytest.mark.parametrize(
    "config, setting",
    [
        ({"SEARCH_LOG_STORAGE_URI": "mysql://db/log"}, "SEARCH_LOG_STORAGE_URI"),
        ({"SEARCH_LOG_STORAGE_URI": "sqlite://relative.sqlite3"}, "SEARCH_LOG_STORAGE_URI"),
        ({"SEARCH_LOG_STORAGE_URI": "sqlite:///"}, "SEARCH_LOG_STORAGE_URI"),
        ({"SEARCH_LOG_STORAGE_URI": "/var/log/s.sqlite3"}, "SEARCH_LOG_STORAGE_URI"),
        ({"SEARCH_LOG": "maybe"}, "SEARCH_LOG must"),
        ({"SEARCH_LOG": 2}, "SEARCH_LOG must"),
        ({"SEARCH_LOG_DAYS": "a month"}, "SEARCH_LOG_DAYS"),
        ({"SEARCH_LOG_DAYS": 0}, "SEARCH_LOG_DAYS"),
    ],
)
def test_a_wrong_setting_is_named(config, setting):
    with pytest.raises(ValueError, match=setting):
        open_log({"INDEX_DIR": "index", **config})


REPORT_NOW = datetime.datetime(2024, 3, 31, 12, tzinfo=datetime.UTC).timestamp()
HOUR = 3600


@pytest.fixture
def crafted_log(tmp_path):
    """A week of searches and clicks, and some outside it."""
    # A century of retention: these entries are dated 2024.
    log = SQLiteLog(tmp_path / "searchlog.sqlite3", retention_days=36500)
    at = REPORT_NOW - 2 * DAY
    entries = [
        *[search("wildlife", at=at + n) for n in range(4)],
        *[search("wildlife", at=at + n, page=2) for n in range(2)],
        *[search("cocaine", at=at, total=3) for _ in range(3)],
        *[search("kenya", at=at, total=1) for _ in range(2)],
        search("xyzzy", at=REPORT_NOW - HOUR, total=0),
        search("xyzzy", at=REPORT_NOW - 60, total=0),
        *[search("trafficing", at=at, total=7, corrected="trafficking") for _ in range(2)],
        *[search("", at=at, total=37) for _ in range(3)],
        search("", at=at, total=37, page=2),
        # Outside the week: before it, and after `now`.
        search("cocaine", at=REPORT_NOW - 8 * DAY, total=0),
        search("later", at=REPORT_NOW + 60),
    ]
    for entry in entries:
        log.record(entry)
    for entry in [click("wildlife", at=at), click("wildlife", at=at, rank=2), click("trafficing", at=at)]:
        log.record_click(entry)
    log.record_click(click("cocaine", at=REPORT_NOW - 8 * DAY))
    log.flush()
    yield log
    log.close()


def test_the_report_counts_a_week_of_searches(crafted_log):
    assert build_report(crafted_log, days=7, now=REPORT_NOW) == {
        "period": {"days": 7, "from": "2024-03-24T12:00:00Z", "to": "2024-03-31T12:00:00Z"},
        "searches": 19,
        "pages_after_first": 3,
        "browsing": 3,
        "zero_result_share": 2 / 19,
        "top_queries": [
            {"q": "wildlife", "count": 4, "zero_results": 0, "clicks": 2, "click_rate": 0.5},
            {"q": "cocaine", "count": 3, "zero_results": 0, "clicks": 0, "click_rate": 0.0},
            {"q": "kenya", "count": 2, "zero_results": 0, "clicks": 0, "click_rate": 0.0},
            {"q": "trafficing", "count": 2, "zero_results": 0, "clicks": 1, "click_rate": 0.5},
            {"q": "xyzzy", "count": 2, "zero_results": 2, "clicks": 0, "click_rate": 0.0},
        ],
        "zero_result_queries": [{"q": "xyzzy", "count": 2, "last_seen": "2024-03-31T11:59:00Z"}],
        "corrected_queries": [{"q": "trafficing", "corrected": "trafficking", "count": 2}],
        "unclicked_queries": [{"q": "cocaine", "count": 3}],
    }


def test_the_report_lists_are_cut_at_the_limit(crafted_log):
    report = build_report(crafted_log, days=7, now=REPORT_NOW, limit=2)
    assert [row["q"] for row in report["top_queries"]] == ["wildlife", "cocaine"]


def test_the_report_reads_in_a_terminal(crafted_log):
    text = format_report(build_report(crafted_log, days=7, now=REPORT_NOW))
    assert text.startswith(
        "Searches from 2024-03-24T12:00:00Z to 2024-03-31T12:00:00Z (7 days)\n"
        "\n"
        "  searches                  19\n"
        "    of them later pages      3\n"
        "  browsing (no words)        3\n"
        "  with no results        10.5%\n"
    )
    for heading in [
        "Top queries",
        "Queries with no results",
        "Corrected queries",
        "Queries with results nobody opened",
    ]:
        assert f"\n{heading}\n{'-' * len(heading)}\n" in text
    assert "  query       searches  no results  clicks  click rate\n" in text
    assert "  wildlife           4           0       2       50.0%\n" in text


def test_an_empty_period_has_an_empty_report(tmp_path):
    log = SQLiteLog(tmp_path / "searchlog.sqlite3", retention_days=30)
    report = build_report(log, days=7)
    assert (report["searches"], report["zero_result_share"], report["top_queries"]) == (0, 0.0, [])
    assert format_report(report).count("(none)") == 4
    log.close()
