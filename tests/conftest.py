import pytest

from indexer.build import writer as writer_module
from indexer.build.store import IndexStore
from indexer.pipeline import tagged_items
from indexer.search.engine import Catalog
from webapp import create_app

# The browser tests' fixtures (Chromium, a served corpus, pages that fail on errors).
pytest_plugins = ["browsing"]


@pytest.fixture(scope="session")
def corpus_items():
    """The bundled corpus, parsed and tagged once for the whole run."""
    return tagged_items()


@pytest.fixture(scope="session")
def corpus_index_dir(tmp_path_factory, corpus_items):
    """An index of the bundled corpus that tests only read."""
    root = tmp_path_factory.mktemp("corpus-index")
    IndexStore(root).build(corpus_items, ["bundled"])
    return root


@pytest.fixture
def corpus_index(corpus_index_dir):
    return Catalog(IndexStore(corpus_index_dir)).current()


@pytest.fixture(params=["one segment", "three segments", "updated"])
def shaped_store(request, tmp_path, corpus_items, monkeypatch):
    """The bundled corpus in an index of one segment, of three, or of two
    after an update (which deleted documents in the first)."""
    store = IndexStore(tmp_path)
    if request.param == "three segments":
        monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 5)
        store.build(corpus_items, processes=3)
    elif request.param == "updated":
        store.build(corpus_items[:30])
        store.update(corpus_items[5:])
    else:
        store.build(corpus_items)
    return store


@pytest.fixture
def app(corpus_index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT_ENABLED": False})


@pytest.fixture
def client(app):
    return app.test_client()
