"""Short smoke test against the REAL providers; skipped unless their keys are in the environment.

    WEATHER_API_KEY=... LOCATION_API_KEY=... python -m pytest app/tests/live -q
    LIVE_KEYLESS=1 python -m pytest app/tests/live -q     # the keyless Open-Meteo + ipwho.is pair
"""

from __future__ import annotations

import os

import pytest

from ..helpers import forecast_rows, heading

REAL_URLS = ("OPEN_METEO_URL", "OPEN_METEO_GEOCODING_URL", "IPGEO_URL", "VISUALCROSSING_URL", "ABSTRACT_URL")
PUBLIC_IP = "8.8.8.8"


def _client(tmp_path, **settings):
    from weather import create_app
    from weather.config import DEFAULTS

    real = {key: DEFAULTS[key] for key in REAL_URLS}  # ignore any stub URLs set in this environment
    app = create_app({**real, "SECRET_KEY": "live-test", "HISTORY_DB": str(tmp_path / "h.db"),
                      "UPSTREAM_TIMEOUT": "10", **settings})
    return app.test_client()


@pytest.mark.skipif(not os.environ.get("WEATHER_API_KEY"), reason="WEATHER_API_KEY not set: live Visual Crossing test")
def test_visualcrossing_forecast_for_london(tmp_path):
    client = _client(tmp_path, FORECAST_PROVIDER="visualcrossing", WEATHER_API_KEY=os.environ["WEATHER_API_KEY"])
    resp = client.get("/search?q=London")
    assert resp.status_code == 200
    assert "London" in heading(resp.get_data(as_text=True))
    assert len(forecast_rows(resp.get_data(as_text=True))) == 7


@pytest.mark.skipif(not os.environ.get("LOCATION_API_KEY"), reason="LOCATION_API_KEY not set: live Abstract test")
def test_abstract_locates_a_public_address(tmp_path):
    client = _client(tmp_path, GEO_PROVIDER="abstract", LOCATION_API_KEY=os.environ["LOCATION_API_KEY"])
    resp = client.get("/", headers={"X-Forwarded-For": PUBLIC_IP})
    assert resp.status_code == 200
    assert "could not tell where you are" not in resp.get_data(as_text=True)


@pytest.mark.skipif(not os.environ.get("LIVE_KEYLESS"), reason="LIVE_KEYLESS not set: live Open-Meteo/ipwho.is test")
def test_keyless_providers(tmp_path):
    client = _client(tmp_path)
    resp = client.get("/search?q=London")
    assert resp.status_code == 200
    assert len(forecast_rows(resp.get_data(as_text=True))) == 7
    home = client.get("/", headers={"X-Forwarded-For": PUBLIC_IP})
    assert "could not tell where you are" not in home.get_data(as_text=True)
