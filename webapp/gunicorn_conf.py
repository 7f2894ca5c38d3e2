"""gunicorn settings for `newsearch serve`, `make run` and the Docker image.

Each can be overridden with the usual GUNICORN_CMD_ARGS or by the flags
`newsearch serve` passes.
"""

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
# Requests are small GET queries: refuse oversized lines and headers early.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# No query strings in the access log's default line would lose the search;
# keep them, but never the Authorization header.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The app's own log lines (index opened, swapped, errors) beside gunicorn's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {"indexer": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
                "webapp": {"level": "INFO", "handlers": ["stderr"], "propagate": False}},
}
