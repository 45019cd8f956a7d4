"""An upstream that fails, hangs or talks nonsense gives a clear page, never a 500."""

from __future__ import annotations

import socket
import time

import pytest

from .conftest import stub_settings
from .helpers import PUBLIC_OTHER_IP, heading, visible_text

UNAVAILABLE = "The weather service is unavailable right now"


@pytest.fixture(params=["error", "malformed", "slow"])
def broken_client(request, stub_factory, make_app):
    broken = stub_factory(mode=request.param, slow_seconds=3)
    app = make_app(**stub_settings(broken.url), UPSTREAM_TIMEOUT="0.3")
    return app.test_client()


@pytest.mark.parametrize("path", ["/", "/search?q=London"])
def test_pages_explain_the_outage(broken_client, path):
    started = time.monotonic()
    resp = broken_client.get(path)
    text = visible_text(resp.get_data(as_text=True))
    assert resp.status_code == 503
    assert UNAVAILABLE in text
    assert "Traceback" not in text
    assert time.monotonic() - started < 2.5  # the timeout, not the stub's 3 s sleep, decides


def test_api_explains_the_outage(broken_client):
    resp = broken_client.get("/api/forecast?q=London")
    assert resp.status_code == 503
    assert resp.get_json()["error"] == "upstream_unavailable"


def test_health_and_history_work_during_an_outage(broken_client):
    assert broken_client.get("/healthz").status_code == 200
    assert broken_client.get("/history").status_code == 200
    assert broken_client.get("/api/history").status_code == 200


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_unreachable_upstream_is_an_outage_page(make_app):
    client = make_app(**stub_settings(_closed_port_url())).test_client()
    resp = client.get("/search?q=London")
    assert resp.status_code == 503
    assert UNAVAILABLE in visible_text(resp.get_data(as_text=True))


def test_geolocation_outage_falls_back_to_the_default_city(make_app, stub_factory):
    broken = stub_factory(mode="error")
    client = make_app(IPGEO_URL=broken.url).test_client()
    resp = client.get("/", headers={"X-Forwarded-For": PUBLIC_OTHER_IP})
    assert resp.status_code == 200
    assert "London" in heading(resp.get_data(as_text=True))
    assert "could not tell where you are" in visible_text(resp.get_data(as_text=True))


def test_forecast_with_wrong_shape_is_an_outage_not_a_crash(make_app, stub_factory, monkeypatch):
    # Valid JSON, wrong content: the geocoder answers but the forecast lacks "daily".
    from . import stub_upstream

    monkeypatch.setattr(stub_upstream, "open_meteo_forecast", lambda lat, lon, days: {"current": {}})
    resp = make_app().test_client().get("/search?q=London")
    assert resp.status_code == 503
    assert UNAVAILABLE in visible_text(resp.get_data(as_text=True))
