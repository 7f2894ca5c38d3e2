"""Admin endpoints, for operators and editors who cannot run `newsearch`
on the host: `POST /api/admin/reindex` queues an update from the configured
sources as a task (202, `Location` of the task), `GET /api/admin/tasks/<id>`
says how it is going, and `GET /api/admin/report` is the editors' report."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from indexer.search.request import integer_param
from webapp import limits, tasks
from webapp.context import request_args
from webapp.errors import ApiError
from webapp.report import DEFAULT_REPORT_DAYS, editors_report

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/api/admin")


@bp.post("/reindex")
def reindex() -> tuple[Response, int, dict[str, str]]:
    _authorise()
    index_dir = Path(current_app.config["INDEX_DIR"])
    sources = [s.strip() for s in current_app.config["SOURCES"].split(",") if s.strip()]
    try:
        task = tasks.queue_reindex(index_dir, sources, current_app.config["VOCABULARIES"])
    except tasks.TaskBusy as busy:
        url = url_for("admin.task", task_id=busy.task.id, _external=True)
        raise ApiError(409, f"a reindex is already {busy.task.state}: GET {url}", headers={"Location": url}) from None
    log.info("admin reindex queued as task %s", task.id)
    url = url_for("admin.task", task_id=task.id, _external=True)
    return jsonify({**task.public(), "url": url}), 202, {"Location": url}


@bp.get("/report")
def report() -> Response:
    """The editors' report: `newsearch report --json` over HTTP."""
    _authorise()
    days = integer_param(request_args(), "days", DEFAULT_REPORT_DAYS, 1, 3660)
    return jsonify(editors_report(current_app, days))


@bp.get("/tasks/<task_id>")
def task(task_id: str) -> Response:
    _authorise()
    found = tasks.read(Path(current_app.config["INDEX_DIR"]), task_id)
    if found is None:
        raise ApiError(404, f"no task has the id `{task_id[:40]}`", "task_id")
    return jsonify({**found.public(), "url": url_for("admin.task", task_id=task_id, _external=True)})


def _authorise() -> None:
    """A missing or wrong token is 401 (RFC 6750); past the failure limit,
    429. The right token is never refused."""
    token = current_app.config["ADMIN_TOKEN"]
    if not token:
        raise ApiError(403, "admin endpoints are disabled; set NEWSEARCH_ADMIN_TOKEN to enable them")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return
    retry_after = limits.failed_attempt_retry_after()
    if retry_after is not None:
        raise ApiError(
            429,
            f"too many failed admin authentications; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    if scheme.lower() != "bearer" or not given:
        raise ApiError(401, "send the admin token as `Authorization: Bearer <token>`")
    raise ApiError(401, "the admin token is not valid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
