"""create_app(): build a configured Flask app; nothing happens at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, display, errors, extensions, redact, security, views
from .cache import TTLCache
from .config import load_settings
from .history import HistoryStore
from .providers import build_providers
from .service import WeatherService
from .upstream import UpstreamClient

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Settings come from the environment; `config` overrides them (tests use this)."""
    settings = load_settings(os.environ, config)
    redact.install()
    app = Flask(__name__)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_SECURE=settings["APP_ENV"] == "production",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=16 * 1024,  # the app takes no uploads
    )
    if settings["APP_ENV"] == "production":
        # FLASK_DEBUG in the environment must not turn on the debugger in production.
        app.config["DEBUG"] = False
        app.debug = False

    if settings["TRUSTED_PROXIES"]:
        # Use only the X-Forwarded-* entries added by our own proxies (the ALB), so a client
        # cannot pick the address we geolocate by sending the header itself.
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    client = UpstreamClient(settings["UPSTREAM_TIMEOUT"])
    forecasts, locator = build_providers(settings, client)
    cache = TTLCache(settings["CACHE_TTL"], settings["CACHE_MAX_ENTRIES"])
    app.extensions[extensions.SERVICE] = WeatherService(forecasts, locator, cache, settings["FALLBACK_CITY"])
    store = HistoryStore(settings["HISTORY_DB"], settings["HISTORY_MAX_ENTRIES"])
    store.init()
    app.extensions[extensions.HISTORY] = store

    display.register(app)
    security.register(app)
    errors.register(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    log.info("weather app ready: forecast=%s geo=%s", forecasts.name, locator.name)
    return app
