"""Per-app objects (service, history store) kept in app.extensions, not in module globals."""

from __future__ import annotations

from flask import current_app

from .history import HistoryStore
from .service import WeatherService

SERVICE = "weather.service"
HISTORY = "weather.history"


def service() -> WeatherService:
    return current_app.extensions[SERVICE]


def history() -> HistoryStore:
    return current_app.extensions[HISTORY]
