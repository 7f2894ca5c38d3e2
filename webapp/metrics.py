"""`GET /metrics` in Prometheus's text format (or OpenMetrics, when the
scraper asks for it): requests, their latency and rate-limit refusals
counted as they are answered, and the serving index and the history of its
commands read from the index directory when scraped.

Under gunicorn every worker writes its counts to files in
PROMETHEUS_MULTIPROC_DIR (`webapp/gunicorn_conf.py` sets it up) and a
scrape adds up all the workers', the dead ones' too, whichever worker
answers. Without it (the test client) the counts are this process's own.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from indexer.build import history
from indexer.build.store import IndexMissing, IndexStore
from webapp.errors import ApiError

# prometheus_client keeps its values in files when this is set as it is imported.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ
# Counters without `_created` series, as the multiprocess collector gives them.
disable_created_metrics()

# A search answers in 5-50 ms; the buckets reach a few seconds for the slow ones.
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUESTS = Counter(
    "newsearch_requests", "Requests answered, by endpoint and status", ["endpoint", "status"], registry=None
)
LATENCY = Histogram(
    "newsearch_request_duration_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
RATE_LIMITED = Counter(
    "newsearch_rate_limited", "Requests refused with 429 Too Many Requests, by endpoint", ["endpoint"], registry=None
)
WORKERS = Gauge("newsearch_workers", "Serving processes alive", multiprocess_mode="livesum", registry=None)
COUNTED = (REQUESTS, LATENCY, RATE_LIMITED, WORKERS)

# The endpoint label of a request no route matched.
NO_ENDPOINT = "none"
# The networks METRICS_ALLOWED lists, read as the app is made.
_ALLOWED = "newsearch.metrics_allowed"

bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    app.extensions[_ALLOWED] = networks(app.config["METRICS_ALLOWED"])
    WORKERS.set(1)
    app.before_request(_start)
    app.after_request(_count)
    app.register_blueprint(bp)


def networks(allowed: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`10.0.0.0/8, 127.0.0.1, ::1` as networks; a bad entry is a ValueError."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in allowed.split(",") if part.strip()]


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    endpoint = request.endpoint or NO_ENDPOINT
    REQUESTS.labels(endpoint, response.status_code).inc()
    started = g.pop("metrics_started", None)
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    if response.status_code == 429:
        RATE_LIMITED.labels(endpoint).inc()
    return response


@bp.get("/metrics")
def metrics() -> Response:
    _authorise()
    registry = CollectorRegistry()
    if MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        for metric in COUNTED:
            registry.register(metric)
    registry.register(IndexCollector(current_app.extensions["catalog"].store))
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(registry), content_type=content_type, headers={"Cache-Control": "no-store"})


def _authorise() -> None:
    token = current_app.config["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return
    if not _allowed(request.remote_addr):
        raise ApiError(
            403, "metrics answer only the addresses in NEWSEARCH_METRICS_ALLOWED or the NEWSEARCH_METRICS_TOKEN"
        )


def _allowed(remote_addr: str | None) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # an IPv4 client of a dual-stack socket
    return any(address in network for network in current_app.extensions[_ALLOWED])


class IndexCollector(Collector):
    """The serving index version and the history of the index's commands,
    read from the index directory at each scrape."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        yield from self._serving()
        yield from self._commands()

    def _serving(self) -> Iterator[Metric]:
        help_documents = "Documents in the serving index version"
        try:
            manifest = self.store.manifest()
            age = time.time() - dt.datetime.fromisoformat(manifest["built_at"]).timestamp()
        except (IndexMissing, OSError, ValueError, KeyError, TypeError):
            yield GaugeMetricFamily("newsearch_index_documents", help_documents, value=0)
            return
        yield GaugeMetricFamily("newsearch_index_documents", help_documents, value=manifest["documents"])
        yield GaugeMetricFamily(
            "newsearch_index_age_seconds", "Seconds since the serving index version was built", value=max(0.0, age)
        )
        yield InfoMetricFamily("newsearch_index", "The serving index version", value={"version": manifest["version"]})

    def _commands(self) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            "newsearch_index_commands", "Index commands run, by command and outcome", labels=["command", "outcome"]
        )
        seconds = GaugeMetricFamily(
            "newsearch_index_command_last_duration_seconds", "How long the last run took", labels=["command"]
        )
        success = GaugeMetricFamily(
            "newsearch_index_command_last_success", "1 if the last run succeeded, else 0", labels=["command"]
        )
        finished = GaugeMetricFamily(
            "newsearch_index_command_last_finished_timestamp_seconds",
            "When the last run finished, in Unix time",
            labels=["command"],
        )
        for command, entry in sorted(history.read(self.store.root).items()):
            try:
                finished_at = dt.datetime.fromisoformat(entry["last_finished"]).timestamp()
                counts = {"succeeded": entry["succeeded"], "failed": entry["failed"]}
                last_seconds, last_ok = entry["last_seconds"], entry["last_ok"]
            except (KeyError, TypeError, ValueError):
                continue  # not an entry history.record writes
            for outcome, count in counts.items():
                runs.add_metric([command, outcome], count)
            seconds.add_metric([command], last_seconds)
            success.add_metric([command], 1 if last_ok else 0)
            finished.add_metric([command], finished_at)
        yield from (runs, seconds, success, finished)
