"""Settings read from the environment, validated once when the app is created."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

APP_DIR = Path(__file__).resolve().parent.parent

# Every setting the app reads, with its default. Keys are also the env var names.
DEFAULTS: dict[str, str] = {
    "APP_ENV": "production",
    "SECRET_KEY": "",
    "FORECAST_PROVIDER": "open-meteo",
    "GEO_PROVIDER": "ipwhois",
    "WEATHER_API_KEY": "",
    "LOCATION_API_KEY": "",
    "OPEN_METEO_URL": "https://api.open-meteo.com",
    "OPEN_METEO_GEOCODING_URL": "https://geocoding-api.open-meteo.com",
    "IPGEO_URL": "https://ipwho.is",
    "VISUALCROSSING_URL": "https://weather.visualcrossing.com",
    "ABSTRACT_URL": "https://ipgeolocation.abstractapi.com",
    "UPSTREAM_TIMEOUT": "5",
    "CACHE_TTL": "600",
    "CACHE_MAX_ENTRIES": "1024",
    "HISTORY_DB": str(APP_DIR / "data" / "history.db"),
    "HISTORY_MAX_ENTRIES": "1000",
    "TRUSTED_PROXIES": "1",
    "FALLBACK_CITY": "London",
    "VERSION_FILE": str(APP_DIR / "VERSION"),
    "APP_REVISION": "unknown",
    "MAX_QUERY_LENGTH": "100",
}

CHOICES = {
    "APP_ENV": ("production", "development"),
    "FORECAST_PROVIDER": ("open-meteo", "visualcrossing"),
    "GEO_PROVIDER": ("ipwhois", "abstract"),
}
FLOATS = ("UPSTREAM_TIMEOUT",)
INTS = ("CACHE_TTL", "CACHE_MAX_ENTRIES", "HISTORY_MAX_ENTRIES", "TRUSTED_PROXIES", "MAX_QUERY_LENGTH")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable, never its value."""


def load_settings(environ: Mapping[str, str], overrides: Mapping[str, object] | None = None) -> dict:
    """Merge defaults, the environment and explicit overrides, then validate."""
    raw: dict[str, object] = {key: environ.get(key, default) for key, default in DEFAULTS.items()}
    raw.update(overrides or {})
    settings = dict(raw)
    for key, allowed in CHOICES.items():
        if settings[key] not in allowed:
            raise ConfigError(f"{key} must be one of {', '.join(allowed)}")
    for key in FLOATS:
        settings[key] = _number(key, raw[key], float, minimum=0.01)
    for key in INTS:
        settings[key] = _number(key, raw[key], int, minimum=0)
    for key in ("OPEN_METEO_URL", "OPEN_METEO_GEOCODING_URL", "IPGEO_URL", "VISUALCROSSING_URL", "ABSTRACT_URL"):
        url = str(settings[key]).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{key} must be an http(s) URL")
        settings[key] = url
    if not str(settings["FALLBACK_CITY"]).strip():
        raise ConfigError("FALLBACK_CITY must not be empty")
    _require_keys(settings)
    _secret_key(settings)
    return settings


def _number(key: str, value: object, kind: type, minimum: float) -> float | int:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number") from None
    if number < minimum:
        raise ConfigError(f"{key} must be at least {minimum}")
    return number


def _require_keys(settings: dict) -> None:
    # Fail at start-up rather than on the first visitor when a keyed provider has no key.
    if settings["FORECAST_PROVIDER"] == "visualcrossing" and not settings["WEATHER_API_KEY"]:
        raise ConfigError("WEATHER_API_KEY is required when FORECAST_PROVIDER=visualcrossing")
    if settings["GEO_PROVIDER"] == "abstract" and not settings["LOCATION_API_KEY"]:
        raise ConfigError("LOCATION_API_KEY is required when GEO_PROVIDER=abstract")


def _secret_key(settings: dict) -> None:
    if settings["SECRET_KEY"]:
        return
    if settings["APP_ENV"] == "production":
        raise ConfigError("SECRET_KEY is required when APP_ENV=production")
    # Per-process key: fine for one developer, wrong for several workers behind a load balancer.
    settings["SECRET_KEY"] = secrets.token_hex(32)
    log.warning("SECRET_KEY is not set: generated a random one for this process (development only)")

