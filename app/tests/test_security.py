"""Security headers, production settings and keeping API keys out of logs and pages."""

from __future__ import annotations

import logging

import pytest

from .conftest import stub_settings

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@pytest.mark.parametrize("path", ["/", "/search?q=London", "/api/forecast?q=London", "/healthz", "/nope"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    for name, value in EXPECTED.items():
        assert headers[name] == value
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp  # no script may run at all


def test_pages_need_no_inline_style_or_script(client):
    # The CSP forbids inline code, so the page must not rely on any.
    html = client.get("/search?q=London").get_data(as_text=True)
    assert "<script" not in html
    assert "style=" not in html


def test_production_refuses_to_start_without_a_secret_key(make_app):
    from weather.config import ConfigError

    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        make_app(SECRET_KEY="")


def test_development_generates_a_secret_key_with_a_warning(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app(APP_ENV="development", SECRET_KEY="")
    assert len(app.secret_key) >= 32
    assert "SECRET_KEY is not set" in caplog.text


def test_flask_debug_cannot_enable_the_debugger_in_production(make_app, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app()
    assert app.debug is False
    resp = app.test_client().get("/nope")
    assert "Traceback" not in resp.get_data(as_text=True)


def test_cookies_would_be_secure_in_production(app):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize("mode", ["error", "malformed"])
def test_api_keys_never_reach_logs_or_pages(make_app, stub_factory, caplog, mode):
    secret_weather, secret_geo = "wk-SECRET-1234567890", "lk-SECRET-0987654321"
    broken = stub_factory(mode=mode)
    app = make_app(
        **stub_settings(broken.url),
        FORECAST_PROVIDER="visualcrossing",
        GEO_PROVIDER="abstract",
        WEATHER_API_KEY=secret_weather,
        LOCATION_API_KEY=secret_geo,
    )
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        pages = [
            client.get("/", headers={"X-Forwarded-For": "8.8.8.8"}),
            client.get("/search?q=London"),
            client.get("/api/forecast?q=London"),
        ]
    assert all(p.status_code == 503 for p in pages)
    assert "upstream visualcrossing failed" in caplog.text  # the outage is logged ...
    for text in [caplog.text, *(p.get_data(as_text=True) for p in pages)]:
        assert secret_weather not in text  # ... without the keys
        assert secret_geo not in text


def test_api_keys_are_not_in_the_config_page_or_version(make_app):
    app = make_app(FORECAST_PROVIDER="visualcrossing", WEATHER_API_KEY="wk-SECRET-abc")
    client = app.test_client()
    for path in ("/version", "/healthz", "/search?q=London", "/api/forecast?q=London"):
        assert "wk-SECRET-abc" not in client.get(path).get_data(as_text=True)
