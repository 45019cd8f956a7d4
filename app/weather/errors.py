"""Every failure becomes a clear page (or JSON under /api/), never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .providers import UpstreamError

log = logging.getLogger(__name__)

UNAVAILABLE = "The weather service is unavailable right now. Please try again in a few minutes."


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(UpstreamError)
    def upstream_unavailable(exc: UpstreamError):
        # Already logged by the upstream client; the provider name is safe to show.
        if _wants_json():
            return jsonify(error="upstream_unavailable", message=UNAVAILABLE), 503
        return render_template("error.html", title="Weather unavailable", message=UNAVAILABLE), 503

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description), exc.code
        return render_template("error.html", title=exc.name, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        message = "Something went wrong on our side. Please try again."
        if _wants_json():
            return jsonify(error="internal_error", message=message), 500
        return render_template("error.html", title="Error", message=message), 500
