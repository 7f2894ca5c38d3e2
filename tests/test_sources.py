import dataclasses
import datetime as dt
import functools
import http.server
import socket
import threading
from pathlib import Path

import pytest

from indexer.ingest.sources import PageReport, bundled_corpus, check_sources, expand_source, load_items
from indexer.model import Link, NewsItem, ParseError

D = dt.date


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".asp": "text/html",  # an HTML page whose name does not say so
        ".dat": "text/plain; charset=iso-8859-1",
    }

    def log_message(self, format, *args):  # keep test output clean
        pass


@pytest.fixture
def site(tmp_path):
    """A local web server serving the files in a temporary folder."""
    root = tmp_path / "site"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join()


def write(path: Path, content: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_bundled_corpus_is_the_packaged_page():
    assert (bundled_corpus().name, bundled_corpus().is_file()) == ("eu-unodc-news-2019.txt", True)


def test_no_sources_means_the_bundled_corpus_newest_first():
    items = load_items()
    assert len(items) == 37
    assert {item.page for item in items} == {str(bundled_corpus())}
    assert [(item.date_start, item.title) for item in items[:4]] == [
        (
            D(2019, 12, 10),
            "UNODC calls for shift in paradigm: From women as victims, to women as powerful agents of change",
        ),
        (D(2019, 11, 21), "UNODC Briefing on Environmental Crime"),
        (
            D(2019, 11, 19),
            "UNODC co-organizes Security Council Open Arria Formula meeting on Challenges to Radicalization in Prisons",
        ),
        (D(2019, 11, 12), "14th EU-UNODC Senior Officials Meeting in Vienna"),
    ]
    # the three items of 12 February 2019 are ordered by title
    assert [item.line for item in items if item.date_start == D(2019, 2, 12)] == [562, 547, 589]
    assert [item.date_start for item in items] == sorted((item.date_start for item in items), reverse=True)


def test_a_folder_means_its_pages_sorted_recursively(tmp_path):
    write(tmp_path / "b.txt", "9 December 2019: From a text page\n\nBody.\n")
    write(tmp_path / "a" / "c.htm", "<h3>8 December 2019: From an htm page</h3><p>Body.</p>")
    write(tmp_path / "a" / "d.HTML", "<h3>7 December 2019: From an HTML page</h3><p>Body.</p>")
    write(tmp_path / "notes.md", "6 December 2019: Not a page\n")
    assert expand_source(str(tmp_path)) == [
        str(tmp_path / "a" / "c.htm"),
        str(tmp_path / "a" / "d.HTML"),
        str(tmp_path / "b.txt"),
    ]
    assert [(item.title, Path(item.page).name) for item in load_items([str(tmp_path)])] == [
        ("From a text page", "b.txt"),
        ("From an htm page", "c.htm"),
        ("From an HTML page", "d.HTML"),
    ]


def test_html_is_recognised_by_its_start_when_the_name_does_not_say(tmp_path):
    page = write(tmp_path / "news", "\ufeff<!DOCTYPE html><p><b>10 December 2019: Title</b></p><p>Body &amp; more.</p>")
    [item] = load_items([page])
    assert (item.title, item.body) == ("Title", "Body & more.")


def test_utf8_with_bom_and_crlf_line_ends(tmp_path):
    page = write(tmp_path / "news.txt", "\ufeff10 December 2019: Title\r\n\r\nBody.\r\n".encode())
    [item] = load_items([page])
    assert (item.line, item.title, item.body) == (1, "Title", "Body.")


def test_the_same_item_on_two_pages_is_one_item(tmp_path):
    archive = write(
        tmp_path / "archive.txt",
        "10 December 2019: UNODC calls for shift in paradigm\n\n"
        "The long version of the story, as the archive keeps it.\n\n"
        "9 December 2019: Older item\n\nBody.\n",
    )
    current = write(
        tmp_path / "current.html",
        "<article><h3>10 December 2019: UNODC calls for shift\u00a0 in paradigm</h3>"
        "<figure><figcaption>Image © UNODC</figcaption></figure>"
        '<p>The short version <a href="https://www.unodc.org/x.html">here</a>.</p></article>',
    )
    assert load_items([archive, current]) == [
        NewsItem(
            date_start=D(2019, 12, 10),
            date_end=D(2019, 12, 10),
            date_raw="10 December 2019",
            title="UNODC calls for shift in paradigm",
            body="The long version of the story, as the archive keeps it.",
            page=archive,
            line=1,
            image_credit="UNODC",
            links=(Link("here", "https://www.unodc.org/x.html"),),
        ),
        NewsItem(
            date_start=D(2019, 12, 9),
            date_end=D(2019, 12, 9),
            date_raw="9 December 2019",
            title="Older item",
            body="Body.",
            page=archive,
            line=5,
        ),
    ]


def test_the_copy_with_the_longer_body_wins_and_keeps_both_pages_links(tmp_path):
    first = write(tmp_path / "1.html", '<h3>10 December 2019: Title</h3><p>Short <a href="/a">a</a>.</p>')
    second = write(tmp_path / "2.html", '<h3>10 December 2019: Title</h3><p>A longer body <a href="/b">b</a>.</p>')
    [item] = load_items([first, second])
    assert (item.page, item.body, item.links) == (second, "A longer body b.", (Link("b", "/b"), Link("a", "/a")))


def test_a_bundled_corpus_copy_next_to_the_original_adds_nothing(tmp_path):
    copy = write(tmp_path / "copy.txt", bundled_corpus().read_text(encoding="utf-8"))
    merged = load_items([str(bundled_corpus()), copy])
    assert [dataclasses.replace(item, page="") for item in merged] == [
        dataclasses.replace(item, page="") for item in load_items()
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "{page}: the page is empty"),
        ("blank.txt", b" \n\n \n", "{page}: the page is empty"),
        (
            "binary.txt",
            b"10 December 2019\n\x00\x01\x02",
            "{page}:2: binary data (NUL byte at offset 17), not a text or HTML page",
        ),
        (
            "latin1.txt",
            "10 December 2019: Title\n\nCaf\u00e9 society.\n".encode("latin-1"),
            "{page}:3: not valid UTF-8 (byte 0xe9 at offset 28); save the page as UTF-8",
        ),
        (
            "date.txt",
            b"10 December 2019: Fine\n\nBody.\n31.02.2019: Impossible\n",
            "{page}:4: cannot read the heading date: '31.02.2019' is not a real date (day is out of range for month)",
        ),
        (
            "intro.txt",
            b"Please see below a selection of news items.\n",
            "{page}: no news items found: each item needs a heading like '10 December 2019: Title'",
        ),
        (
            "nav.html",
            b"<!doctype html><nav><p>10 December 2019: Only in the navigation</p></nav>",
            "{page}: no news items found: each item needs a heading like '10 December 2019: Title'",
        ),
    ],
)
def test_bad_pages_are_errors_naming_page_and_line(tmp_path, name, content, message):
    page = write(tmp_path / name, content)
    with pytest.raises(ParseError) as raised:
        load_items([page])
    assert str(raised.value) == message.format(page=page)


def test_missing_path_and_empty_folder(tmp_path):
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(ParseError) as raised:
        load_items([missing])
    assert str(raised.value) == f"{missing}: no such file or folder"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParseError) as raised:
        load_items([str(tmp_path / "empty")])
    assert str(raised.value) == f"{tmp_path / 'empty'}: no .txt, .html, .htm pages in this folder"


def test_pages_from_a_web_server(site):
    url, root = site
    write(root / "news.txt", bundled_corpus().read_bytes())
    write(root / "latest.html", '<h3><a href="item.html">11 December 2019: Newest</a></h3><p>Body.</p>')
    write(root / "feed.asp", "<p><b>12 December 2019: Served as text/html</b></p><p>Body.</p>")
    write(root / "legacy.dat", "13 December 2019: Caf\u00e9 in Latin-1\n\nBody.\n".encode("latin-1"))
    items = load_items([f"{url}/news.txt", f"{url}/latest.html", f"{url}/feed.asp", f"{url}/legacy.dat"])
    assert len(items) == 40
    assert [(item.title, item.page, item.links) for item in items[:3]] == [
        ("Caf\u00e9 in Latin-1", f"{url}/legacy.dat", ()),
        ("Served as text/html", f"{url}/feed.asp", ()),
        ("Newest", f"{url}/latest.html", (Link("11 December 2019: Newest", f"{url}/item.html"),)),
    ]


def test_http_errors_name_the_url(site):
    url, _root = site
    with pytest.raises(ParseError) as raised:
        load_items([f"{url}/missing.html"])
    assert str(raised.value) == f"{url}/missing.html: the server answered HTTP 404 File not found"


def test_closed_port_names_the_url():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/news.html"
    with pytest.raises(ParseError) as raised:
        load_items([url])
    assert str(raised.value) == f"{url}: cannot fetch the page: connection refused"


def test_a_server_that_never_answers_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never replies
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/news.html"
        with pytest.raises(ParseError) as raised:
            load_items([url], timeout=0.2)
    assert str(raised.value) == f"{url}: cannot fetch the page: no answer within 0.2 s"


def test_check_sources_reports_every_page(tmp_path):
    folder = tmp_path / "pages"
    good = write(folder / "a-good.txt", "10 December 2019: First\n\nBody.\n\n8-9 October 2019: Second\n\nBody.\n")
    bad = write(folder / "b-bad.txt", "10 December 2019: Fine\n\nBody.\n\n31.02.2019: Impossible\n")
    odd = write(
        folder / "c-odd.html",
        "<h3>10 December 2019: Same</h3><p>12 May 2019 was a start.</p>"
        "<h3>10 December 2019: Same</h3><h3>September 2019: Empty</h3>",
    )
    missing = str(tmp_path / "missing.txt")
    assert check_sources([str(folder), missing]) == [
        PageReport(good, 2, D(2019, 10, 8), D(2019, 12, 10), [], None),
        PageReport(
            bad,
            0,
            None,
            None,
            [],
            f"{bad}:5: cannot read the heading date: '31.02.2019' is not a real date (day is out of range for month)",
        ),
        PageReport(
            odd,
            3,
            D(2019, 9, 1),
            D(2019, 12, 10),
            [
                f"{odd}:1: starts with a date but was not taken as a heading: '12 May 2019 was a start.'",
                f"{odd}:1: item 'Same' has no body text",
                f"{odd}:1: same item as line 1 ('Same')",
                f"{odd}:1: item 'Empty' has no body text",
            ],
            None,
        ),
        PageReport(missing, 0, None, None, [], f"{missing}: no such file or folder"),
    ]


def test_check_sources_defaults_to_the_bundled_corpus():
    assert check_sources() == [PageReport(str(bundled_corpus()), 37, D(2019, 1, 31), D(2019, 12, 10), [], None)]
