"""The seed app's providers (Visual Crossing, Abstract) against their recorded-shape stubs."""

from __future__ import annotations

import pytest

from . import stub_upstream
from .conftest import requests_to
from .helpers import PUBLIC_LONDON_IP, forecast_rows, heading, visible_text


@pytest.fixture
def keyed_client(make_app):
    app = make_app(
        FORECAST_PROVIDER="visualcrossing",
        GEO_PROVIDER="abstract",
        WEATHER_API_KEY="test-weather-key",
        LOCATION_API_KEY="test-location-key",
    )
    return app.test_client()


def test_visualcrossing_search_shows_seven_days(keyed_client, stub):
    html = keyed_client.get("/search?q=London").get_data(as_text=True)
    assert "London" in heading(html)
    assert "England, United Kingdom" in visible_text(html)
    assert len(forecast_rows(html)) == 7  # Visual Crossing sends 15; the page shows a week
    call = requests_to(stub, "/VisualCrossingWebServices/")[-1]
    assert call["params"]["key"] == "test-weather-key"
    assert call["params"]["unitGroup"] == "metric"


def test_visualcrossing_unknown_place_is_friendly(keyed_client):
    resp = keyed_client.get("/search?q=Qwxzzy")
    assert resp.status_code == 404
    assert "could not find" in resp.get_data(as_text=True)


def test_visualcrossing_keeps_user_text_in_one_path_segment(keyed_client, stub):
    keyed_client.get("/search?q=../../admin?x=1")
    path = requests_to(stub, "/VisualCrossingWebServices/")[-1]["path"]
    assert path == "/VisualCrossingWebServices/rest/services/timeline/..%2F..%2Fadmin%3Fx%3D1"


def test_abstract_geolocates_the_visitor(keyed_client, stub):
    resp = keyed_client.get("/", headers={"X-Forwarded-For": PUBLIC_LONDON_IP})
    assert resp.status_code == 200
    assert "London" in heading(resp.get_data(as_text=True))
    assert "could not tell" not in resp.get_data(as_text=True)
    call = requests_to(stub, "/v1/")[-1]
    assert call["params"] == {"api_key": "test-location-key", "ip_address": PUBLIC_LONDON_IP}


def test_rejected_key_is_an_outage_page(make_app):
    app = make_app(FORECAST_PROVIDER="visualcrossing", WEATHER_API_KEY=stub_upstream.REJECTED_KEY)
    resp = app.test_client().get("/search?q=London")
    assert resp.status_code == 503
    assert "unavailable" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("setting", "missing"),
    [({"FORECAST_PROVIDER": "visualcrossing"}, "WEATHER_API_KEY"), ({"GEO_PROVIDER": "abstract"}, "LOCATION_API_KEY")],
)
def test_keyed_provider_without_key_fails_at_startup(make_app, setting, missing):
    from weather.config import ConfigError

    with pytest.raises(ConfigError, match=missing):
        make_app(**setting)
