"""The shipped deployment (deploy/): nginx with deploy/nginx.conf in front
of two `newsearch serve` replicas that share one index directory and one
redis for the rate limit.

Under a bounded load through nginx, one replica's whole process group is
killed with SIGKILL midway: nginx retries the requests it had in flight on
the other replica and no request fails. The replica is then started again
on its address, as its supervisor would, a build writes a new version, and
both replicas and nginx serve it with no restart. The only change to the
shipped file is the address of each `server …:8000` line (and the port of
its `listen` line, which running_nginx sets).
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from servers import (
    NGINX,
    NGINX_ACCESS_LOG,
    REDIS_SERVER,
    fetch,
    free_port,
    require_binary,
    running_nginx,
    running_redis,
    wait_until_up,
)

from indexer.ingest.sources import bundled_corpus

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
NEWSEARCH = [sys.executable, "-m", "webapp.cli"]
UPSTREAM_SERVER = re.compile(r"^(\s*server\s+)(\S+):8000\b", re.M)

CLIENTS = 6
REQUESTS = 600
LOAD_SECONDS = 12.0
KILL_AT = REQUESTS // 3
WORDS = [
    "wildlife",
    "trafficking",
    "border",
    "container control",
    "corruption",
    "cybercrime",
    "maritime",
    "migrants",
    "Afghanistan",
    "Iraq",
    "drugs",
    "timber",
    "money laundering",
    "terrorism",
    "firearms",
    "forensic",
    "women",
    "traffickng",
]


def health(base: str) -> dict:
    status, _, body = fetch(f"{base}/healthz")
    assert status == 200, body
    return json.loads(body)


def with_upstreams(config: str, addresses: list[str]) -> str:
    """The configuration with its `server <host>:8000` lines pointed at `addresses`, in order."""
    assert len(UPSTREAM_SERVER.findall(config)) == len(addresses), "one upstream server line per replica"
    replaced = iter(addresses)
    return UPSTREAM_SERVER.sub(lambda match: match[1] + next(replaced), config)


def without_first_item(page: str) -> str:
    """The page with its first dated item left out."""
    first, second = list(re.finditer(r"^\d{1,2} [A-Z][a-z]+ \d{4}:\s", page, re.M))[:2]
    return page[: first.start()] + page[second.start() :]


def answered_by(access_log: Path, offset: int, names: dict[str, str]) -> tuple[Counter[str], int]:
    """From the access log past byte `offset`: the answers of each replica (the
    last upstream of a request; `cache` when nginx answered from its cache),
    and how many requests nginx passed to more than one replica."""
    answers: Counter[str] = Counter()
    retried = 0
    with open(access_log, "rb") as log:
        log.seek(offset)
        for line in log.read().decode().splitlines():
            upstreams = re.search(r" upstream=(.*) upstream_status=", line)[1].split(", ")
            answers[names.get(upstreams[-1], "cache")] += 1
            retried += len(upstreams) > 1
    return answers, retried


class Replica:
    """`newsearch serve` with two workers on a fixed port, in a process
    group of its own, so that it can be killed whole and started again at
    the same address."""

    def __init__(self, name: str, index_dir: Path, workdir: Path, env: dict[str, str]):
        self.name = name
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.address}"
        self.command = [*NEWSEARCH, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.command += ["--workers", "2", "--index", str(index_dir)]
        self.log = workdir / f"{name}.log"
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=self.env
            )

    def wait_until_up(self) -> None:
        assert self.process
        wait_until_up(self.base, self.process)

    def kill(self) -> None:
        """SIGKILL to the arbiter and its workers at once."""
        assert self.process
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def refuses_connections(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)


def load_paths(item_ids: list[str]) -> list[str]:
    """REQUESTS varied GETs: searches, the search page, item pages, feeds and facets."""
    rng = random.Random(5)
    kinds = [
        lambda q: f"/api/search?q={q}",
        lambda q: f"/api/search?q={q}&sort=newest&per_page=5",
        lambda q: f"/?q={q}",
        lambda q: f"/search.atom?q={q}",
        lambda q: f"/items/{rng.choice(item_ids)}",
        lambda q: "/api/facets",
        lambda q: "/api/search?country=IRQ",
    ]
    return [rng.choice(kinds)(urllib.parse.quote_plus(rng.choice(WORDS))) for _ in range(REQUESTS)]


def run_load(base: str, paths: list[str], kill: Callable[[], None]) -> dict:
    """Sends `paths` through `base` from CLIENTS threads until all are
    answered or LOAD_SECONDS have passed, calling `kill` once KILL_AT are
    answered. Anything but a whole 200 answer is a failure."""
    lock = threading.Lock()
    pending = iter(paths)
    failures: list[str] = []
    answered = 0
    kill_now = threading.Event()
    started = time.monotonic()
    deadline = started + LOAD_SECONDS

    def client() -> None:
        nonlocal answered
        while time.monotonic() < deadline:
            with lock:
                path = next(pending, None)
            if path is None:
                return
            try:
                status, _, body = fetch(base + path)
                failure = None if status == 200 else f"{path}: HTTP {status} {body[:200]!r}"
            except (OSError, http.client.HTTPException) as err:
                failure = f"{path}: {err!r}"
            with lock:
                answered += 1
                if failure:
                    failures.append(failure)
                if answered == KILL_AT:
                    kill_now.set()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    killed_at = None
    if kill_now.wait(LOAD_SECONDS):
        killed_at = time.monotonic() - started
        kill()
    for thread in threads:
        thread.join(LOAD_SECONDS + 15)
    return {
        "sent": answered,
        "failures": failures,
        "killed_at": killed_at and round(killed_at, 2),
        "seconds": round(time.monotonic() - started, 2),
    }


def build(index_dir: Path, *sources: str) -> None:
    done = subprocess.run([*NEWSEARCH, "build", "--index", str(index_dir), *sources], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.server
def test_nginx_keeps_answering_when_a_replica_is_killed_and_serves_a_new_build(tmp_path):
    require_binary(NGINX, "nginx")
    require_binary(REDIS_SERVER, "redis-server")
    index_dir = tmp_path / "index"
    build(index_dir)
    access_log = tmp_path / NGINX_ACCESS_LOG
    figures: dict[str, object] = {}

    def report() -> str:
        return "\n".join(f"  {name}: {value}" for name, value in figures.items())

    with contextlib.ExitStack() as stack:
        stack.callback(lambda: print(f"\ndeployment figures:\n{report()}"))  # last, on success or failure
        redis_url, _ = stack.enter_context(running_redis(tmp_path))
        env = {
            "NEWSEARCH_TRUSTED_PROXIES": "1",
            "NEWSEARCH_RATELIMIT_STORAGE_URI": redis_url,
            "NEWSEARCH_RATELIMIT": "100000 per minute",
        }
        replicas = [Replica(name, index_dir, tmp_path, env) for name in ("app1", "app2")]
        for replica in replicas:
            replica.start()
            stack.callback(replica.stop)
        for replica in replicas:
            replica.wait_until_up()
        names = {replica.address: replica.name for replica in replicas}
        config = with_upstreams(NGINX_CONF.read_text("utf-8"), list(names))
        base = stack.enter_context(running_nginx(config, tmp_path))

        before = health(base)
        figures["version before"] = f"{before['version']} ({before['documents']} documents)"
        _, _, body = fetch(f"{replicas[1].base}/api/search?per_page=100")
        paths = load_paths([hit["id"] for hit in json.loads(body)["results"]])
        victim = replicas[0]
        offsets = {"load": access_log.stat().st_size}

        def kill() -> None:
            offsets["kill"] = access_log.stat().st_size
            victim.kill()

        load = run_load(base, paths, kill)
        figures["requests sent"] = load["sent"]
        figures["failed"] = len(load["failures"])
        figures["load seconds"] = load["seconds"]
        figures["killed"] = f"{victim.name} ({victim.address}), SIGKILL to its process group"
        figures["killed at"] = f"{load['killed_at']} s into the load, after {KILL_AT} answers"
        figures["answered per replica"] = dict(sorted(answered_by(access_log, offsets["load"], names)[0].items()))
        after_kill, retried = answered_by(access_log, offsets.get("kill", 0), names)
        figures["answered per replica after the kill"] = dict(sorted(after_kill.items()))
        figures["passed on to the other replica"] = retried
        assert load["killed_at"] is not None, f"the load ended before the kill\n{report()}"
        assert victim.refuses_connections(), f"{victim.name} still answers after SIGKILL\n{report()}"
        assert load["failures"] == [], f"failed requests:\n{report()}\n" + "\n".join(load["failures"][:20])
        assert load["sent"] >= KILL_AT + 100, f"too few requests after the kill\n{report()}"

        restarted = time.monotonic()
        victim.start()
        victim.wait_until_up()
        figures[f"{victim.name} healthy again after"] = f"{time.monotonic() - restarted:.2f} s"
        page = tmp_path / "page.txt"
        page.write_text(without_first_item(bundled_corpus().read_text("utf-8")), "utf-8")
        offsets["rebuild"] = access_log.stat().st_size
        build(index_dir, str(page))
        after = {replica.name: health(replica.base) for replica in replicas}
        after["nginx"] = health(base)
        figures["versions after"] = {name: f"{h['version']} ({h['documents']} documents)" for name, h in after.items()}
        assert {h["version"] for h in after.values()} == {os.readlink(index_dir / "current")}, report()
        assert {h["documents"] for h in after.values()} == {before["documents"] - 1}, report()
        assert after["nginx"]["version"] != before["version"], report()

        # nginx tries the restarted replica again once its fail_timeout has passed.
        deadline = time.monotonic() + 10
        while not answered_by(access_log, offsets["rebuild"], names)[0][victim.name]:
            assert time.monotonic() < deadline, f"nginx never sent {victim.name} a request again\n{report()}"
            health(base)
            time.sleep(0.1)
        figures[f"{victim.name} back in nginx's rotation after"] = f"{time.monotonic() - restarted:.2f} s"

        check_proxy_answers(base)


def check_proxy_answers(base: str) -> None:
    """What the rest of the shipped configuration does: /metrics is closed,
    over-long addresses reach the app, answers are compressed once, and
    static files are cached by nginx with the app's Cache-Control."""
    assert fetch(f"{base}/metrics")[0] == 403
    status, headers, body = fetch(f"{base}/api/search?q={'a' * 17000}")
    assert (status, json.loads(body)["error"]["status"]) == (414, 414), body[:300]
    status, headers, body = fetch(f"{base}/?q=wildlife", {"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    html = gzip.decompress(body)
    assert b"</html>" in html

    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', html)
    assert stylesheet, "the search page links no stylesheet"
    first, second = (fetch(base + stylesheet[1].decode()) for _ in range(2))
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert second[1]["X-Cache-Status"] == "HIT", dict(second[1])
    assert "immutable" in second[1]["Cache-Control"] and "max-age=31536000" in second[1]["Cache-Control"]


def test_the_compose_file_names_the_services_nginx_forwards_to():
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))["services"]
    assert set(services) == {"build", "app1", "app2", "redis", "nginx"}
    upstreams = [match[2] for match in UPSTREAM_SERVER.finditer(NGINX_CONF.read_text("utf-8"))]
    assert upstreams == ["app1", "app2"]
    for name in upstreams:
        app = services[name]
        assert app["environment"]["NEWSEARCH_TRUSTED_PROXIES"] == "1"
        assert app["depends_on"]["build"]["condition"] == "service_completed_successfully"
        assert app["volumes"] == services["build"]["volumes"] == ["index:/srv/index"]
        assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert services["build"]["command"][:2] == ["newsearch", "build"]
