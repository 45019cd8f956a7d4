"""The JSON API: same data as the pages, errors as JSON."""

from __future__ import annotations


def test_forecast_api_returns_place_current_and_seven_days(client):
    resp = client.get("/api/forecast?q=Berlin")
    data = resp.get_json()
    assert resp.status_code == 200
    assert data["place"]["name"] == "Berlin"
    assert data["place"]["country_code"] == "DE"
    assert set(data["current"]) >= {"temperature", "humidity", "icon", "summary"}
    assert len(data["days"]) == 7
    assert set(data["days"][0]) >= {"date", "weekday", "temp_day", "temp_night", "humidity", "icon"}


def test_forecast_api_errors_are_json(client):
    empty = client.get("/api/forecast?q=")
    assert empty.status_code == 400
    assert empty.get_json()["error"] == "invalid_query"
    missing = client.get("/api/forecast")
    assert missing.status_code == 400
    unknown = client.get("/api/forecast?q=Qwxzzy")
    assert unknown.status_code == 404
    assert unknown.get_json()["error"] == "not_found"


def test_unknown_api_path_is_a_json_404(client):
    resp = client.get("/api/nope")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "not_found"


def test_history_api_lists_site_searches_newest_first(client):
    client.get("/search?q=London")
    client.get("/search?q=Tokyo")
    client.get("/api/forecast?q=Paris")  # API lookups are not site searches
    data = client.get("/api/history").get_json()
    assert data["total"] == 2
    assert [e["query"] for e in data["entries"]] == ["Tokyo", "London"]
    assert data["entries"][0]["country_code"] == "JP"
    assert data["entries"][0]["download"].endswith(".json")


def test_history_api_limit_is_bounded(client):
    for _ in range(3):
        client.get("/search?q=London")
    assert len(client.get("/api/history?limit=2").get_json()["entries"]) == 2
    assert len(client.get("/api/history?limit=0").get_json()["entries"]) == 1
    assert len(client.get("/api/history?limit=abc").get_json()["entries"]) == 3


def test_post_is_not_allowed(client):
    resp = client.post("/api/forecast?q=London")
    assert resp.status_code == 405
