"""JSON API over the same data as the pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from .extensions import history, service
from .providers import PlaceNotFound
from .query import QueryError, clean_query

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_HISTORY_LIMIT = 500


@bp.get("/forecast")
def forecast():
    # API lookups are not recorded in the history: that lists searches made on the site.
    try:
        query = clean_query(request.args.get("q"), current_app.config["MAX_QUERY_LENGTH"])
    except QueryError as exc:
        return jsonify(error="invalid_query", message=str(exc)), 400
    try:
        result = service().search(query)
    except PlaceNotFound:
        return jsonify(error="not_found", message="No place matches that name."), 404
    return jsonify(result.to_dict())


@bp.get("/history")
def history_list():
    limit = request.args.get("limit", default=50, type=int)
    limit = max(1, min(limit, MAX_HISTORY_LIMIT))
    store = history()
    entries = [
        {**e.to_dict(), "download": url_for("pages.history_download", entry_id=e.id)}
        for e in store.recent(limit)
    ]
    return jsonify(total=store.count(), entries=entries)
