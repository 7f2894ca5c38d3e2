"""An item whose title is edited on the page keeps its address: `newsearch
update` (and `build`) count it as changed, and its old id answers with a
permanent redirect to the new one, across several edits."""

import datetime as dt
import shutil
import subprocess
import sys

import pytest

from indexer.build.renames import carried_forward, renamed
from indexer.build.store import IndexStore
from indexer.ingest.sources import bundled_corpus
from indexer.model import NewsItem
from indexer.search.engine import Catalog
from webapp import create_app

TITLE = "11.03.2019:\u00a0UNODC Container Control Programme wins prestigious industry award"
FIRST_ID = "2019-03-11-unodc-container-control-programme-wins-prestigious-industry-award-60c3cf"


def newsearch(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "webapp.cli", *args], capture_output=True, text=True, check=True)
    return done.stdout


def edit_title(page, old: str, new: str) -> None:
    text = page.read_text("utf-8")
    assert text.count(old) == 1
    page.write_text(text.replace(old, new), "utf-8")


@pytest.fixture
def edited(tmp_path):
    page = tmp_path / "news-2019.txt"
    shutil.copy(bundled_corpus(), page)
    index_dir = tmp_path / "index"
    newsearch("build", "--index", str(index_dir), str(page))
    return page, index_dir


def item_ids(index_dir) -> set[str]:
    index = Catalog(IndexStore(index_dir)).current()
    return {index.stored_item(docnum)["id"] for docnum in range(index.facets.size) if index.facets.live[docnum]}


def test_an_edited_title_is_a_change_and_the_old_address_redirects(edited):
    page, index_dir = edited
    before = item_ids(index_dir)
    assert FIRST_ID in before
    edit_title(page, TITLE, "11.03.2019: UNODC–WCO Container Control Programme wins a prestigious industry award")
    out = newsearch("update", "--index", str(index_dir), str(page))
    assert out.startswith("added 0, changed 1, removed 0, unchanged 36")
    (new_id,) = item_ids(index_dir) - before
    client = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False}).test_client()
    page_answer = client.get(f"/items/{FIRST_ID}?q=award")
    assert page_answer.status_code == 301
    assert page_answer.headers["Location"].endswith(f"/items/{new_id}?q=award")
    assert client.get(page_answer.headers["Location"]).status_code == 200
    api_answer = client.get(f"/api/items/{FIRST_ID}")
    assert api_answer.status_code == 301 and api_answer.headers["Location"].endswith(f"/api/items/{new_id}")
    assert client.get("/api/items/2019-03-11-never-was-000000").status_code == 404

    # A second edit, this time followed by a full build: the first address
    # still leads to the item, in one hop.
    edit_title(page, "UNODC–WCO Container Control Programme wins a prestigious", "Container Control Programme wins the")
    newsearch("build", "--index", str(index_dir), str(page))
    (latest,) = [i for i in item_ids(index_dir) if i.startswith("2019-03-11-container-control-programme-wins")]
    client = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False}).test_client()
    for old in (FIRST_ID, new_id):
        assert client.get(f"/items/{old}").headers["Location"].endswith(f"/items/{latest}")


def test_a_new_item_of_the_same_day_is_not_a_rename():
    gone = {"date_start": "2019-05-01", "body": "The briefing covered wildlife crime in the region."}
    other = _item("Prison reform in Uganda", "Prison officers were trained in Kampala.")
    same = _item("Wildlife briefing, corrected", gone["body"])
    assert renamed({"old-id": gone}, [other]) == {}
    assert renamed({"old-id": gone}, [other, same]) == {"old-id": same.id}


def test_redirects_follow_their_items_and_leave_those_no_longer_there():
    previous = {"a": "b", "x": "gone"}
    assert carried_forward(previous, {"b": "c"}, {"c"}) == {"a": "c", "b": "c"}


def _item(title: str, body: str) -> NewsItem:
    day = dt.date(2019, 5, 1)
    return NewsItem(date_start=day, date_end=day, date_raw="1 May 2019", title=title, body=body)
