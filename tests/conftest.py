import pytest

from indexer.build.store import IndexStore
from indexer.pipeline import tagged_items
from indexer.search.engine import Catalog
from webapp import create_app


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


@pytest.fixture
def app(corpus_index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(corpus_index_dir), "RATELIMIT_ENABLED": False})


@pytest.fixture
def client(app):
    return app.test_client()
