"""Start-up settings, nothing fetched at import or start-up, and value display helpers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from weather.config import ConfigError, load_settings
from weather.display import flag_emoji, icon_emoji

from .conftest import requests_to

APP_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"FORECAST_PROVIDER": "darksky"}, "FORECAST_PROVIDER"),
        ({"UPSTREAM_TIMEOUT": "soon"}, "UPSTREAM_TIMEOUT"),
        ({"CACHE_TTL": "-1"}, "CACHE_TTL"),
        ({"OPEN_METEO_URL": "file:///etc/passwd"}, "OPEN_METEO_URL"),
        ({"FALLBACK_CITY": "  "}, "FALLBACK_CITY"),
    ],
)
def test_invalid_settings_stop_the_app_with_a_clear_message(override, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"SECRET_KEY": "x"}, override)


def test_settings_come_from_the_environment():
    settings = load_settings({"SECRET_KEY": "x", "UPSTREAM_TIMEOUT": "1.5", "OPEN_METEO_URL": "http://stub:8081/"})
    assert settings["UPSTREAM_TIMEOUT"] == 1.5
    assert settings["OPEN_METEO_URL"] == "http://stub:8081"
    assert settings["APP_ENV"] == "production"  # safe default


def test_creating_the_app_calls_no_upstream(make_app, stub):
    make_app()
    assert requests_to(stub, "/") == []


def test_importing_the_package_needs_no_network():
    # A fresh interpreter with sockets disabled can import the app and serve /healthz.
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "import weather\n"
        "app = weather.create_app({'SECRET_KEY': 'x', 'HISTORY_DB': ':memory:'})\n"
        "assert app.test_client().get('/healthz').status_code == 200\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=APP_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_flags_come_from_country_codes():
    assert flag_emoji("gb") == "\U0001f1ec\U0001f1e7"
    assert flag_emoji("") == ""
    assert flag_emoji("GBR") == ""
    assert flag_emoji("<b") == ""


def test_unknown_icons_still_render():
    assert icon_emoji("no-such-icon") == "\u2753"
