"""HTML pages: home (visitor's forecast), search, history, plus health and version."""

from __future__ import annotations

import logging
import sqlite3

from flask import Blueprint, Response, abort, current_app, json, jsonify, render_template, request

from .extensions import history, service
from .providers import PlaceNotFound
from .query import QueryError, clean_query
from .version import read_version

log = logging.getLogger(__name__)
bp = Blueprint("pages", __name__)

HISTORY_PAGE_SIZE = 100


@bp.get("/")
def home():
    visitor = service().for_visitor(request.remote_addr)
    return render_template("home.html", forecast=visitor.forecast, located=visitor.located)


@bp.get("/search")
def search():
    if "q" not in request.args:
        return render_template("search.html", query="", forecast=None, message=None)
    raw = request.args.get("q", "")
    try:
        query = clean_query(raw, current_app.config["MAX_QUERY_LENGTH"])
    except QueryError as exc:
        # Echo a bounded slice of what was typed; Jinja escapes it.
        return render_template("search.html", query=raw[:200], forecast=None, message=str(exc)), 400
    try:
        forecast = service().search(query)
    except PlaceNotFound:
        message = f"We could not find a place called “{query}”. Check the spelling or add the country."
        return render_template("search.html", query=query, forecast=None, message=message), 404
    saved = _save(query, forecast)
    return render_template("search.html", query=query, forecast=forecast, message=None, saved=saved)


def _save(query, forecast) -> bool:
    try:
        history().add(query, forecast)
    except sqlite3.Error:
        # The visitor still gets the forecast; the operator gets the log line.
        log.exception("could not store search history")
        return False
    return True


@bp.get("/history")
def history_page():
    return render_template("history.html", entries=history().recent(HISTORY_PAGE_SIZE))


@bp.get("/history/<int:entry_id>.json")
def history_download(entry_id: int):
    found = history().get(entry_id)
    if found is None:
        abort(404, description="There is no such search in the history.")
    entry, forecast = found
    body = json.dumps({**entry.to_dict(), "forecast": forecast}, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="weather-search-{entry.id}.json"'},
    )


@bp.get("/healthz")
def healthz():
    # Liveness only: no upstream call, so an upstream outage does not restart healthy containers.
    return jsonify(status="ok")


@bp.get("/version")
def version():
    return jsonify(
        version=read_version(current_app.config["VERSION_FILE"]),
        revision=current_app.config["APP_REVISION"],
    )
