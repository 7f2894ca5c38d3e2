"""What the page's script reports for the editors' search log, with no
identifier of anyone: the search a reader settled on after typing in place
(the searches made while typing are not logged), and the rank of a result
they opened. Both are `POST`s with the parameters in the query string, as
`navigator.sendBeacon` sends them; both answer 204."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app

from indexer.search.request import MAX_PAGE, MAX_PER_PAGE, InvalidRequest, integer_param, normalise_query, query_param
from webapp.context import current_index, request_args, search_from_request
from webapp.searchlog import LoggedClick

bp = Blueprint("usage", __name__, url_prefix="/api/log")


@bp.post("/search")
def settled_search() -> Response:
    search_from_request(logged_as="page")
    return Response(status=204)


@bp.post("/click")
def click() -> Response:
    args = request_args()
    q = query_param(args, "q")
    rank = integer_param(args, "rank", 0, 1, MAX_PAGE * MAX_PER_PAGE)
    item_id = query_param(args, "id")
    if not rank or current_index().docnum(item_id) is None:
        raise InvalidRequest("id" if rank else "rank", "give the `rank` and `id` of a result of this search")
    search_log = current_app.extensions["searchlog"]
    if search_log is not None:
        search_log.record_click(LoggedClick(q=normalise_query(q), rank=rank, item_id=item_id, at=time.time()))
    return Response(status=204)
