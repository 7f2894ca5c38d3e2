"""gunicorn settings for `newsearch serve`, `make run` and the Docker image.

Each can be overridden with the usual GUNICORN_CMD_ARGS or by the flags
`newsearch serve` passes.
"""

import logging
import multiprocessing
import os

bind = f"{os.environ.get('NEWSEARCH_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Searching is CPU-bound pure Python: one process per core, plus one to
# cover a worker blocked on disk.
workers = int(os.environ.get("NEWSEARCH_WORKERS") or multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Requests are GET queries: a 500-character query of non-Latin script
# percent-encodes to ~6,000 bytes, within the largest line gunicorn allows.
limit_request_line = 8190
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# No query strings in the access log's default line would lose the search;
# keep them, but never the Authorization header.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_fork(server: object, worker: object) -> None:
    """The app's own log lines (index opened, swapped, errors) go where
    gunicorn's error log goes."""
    error_log = logging.getLogger("gunicorn.error")
    for name in ("indexer", "webapp"):
        logger = logging.getLogger(name)
        logger.handlers = list(error_log.handlers)
        logger.setLevel(logging.INFO)
        logger.propagate = False
