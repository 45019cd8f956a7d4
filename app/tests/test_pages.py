"""The pages a visitor sees when everything upstream works."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from .conftest import requests_to
from .helpers import PUBLIC_OTHER_IP, forecast_rows, heading, visible_text


def test_home_without_a_locatable_address_shows_the_fallback_city(client, stub):
    resp = client.get("/")  # the test client comes from 127.0.0.1, which no service can place
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "London" in heading(html)
    assert "could not tell where you are" in visible_text(html)
    assert len(forecast_rows(html)) == 7
    assert requests_to(stub, "/127.0.0.1") == []  # a loopback address is never sent upstream


def test_home_shows_the_forecast_for_the_visitors_location(client):
    resp = client.get("/", headers={"X-Forwarded-For": PUBLIC_OTHER_IP})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Paris" in heading(html)
    assert "could not tell" not in html
    assert len(forecast_rows(html)) == 7


def test_home_uses_the_configured_fallback_city(make_app):
    client = make_app(FALLBACK_CITY="Tokyo").test_client()
    assert "Tokyo" in heading(client.get("/").get_data(as_text=True))


def test_search_shows_current_conditions_and_seven_dated_days(client):
    resp = client.get("/search?q=London")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "London" in heading(html)
    assert "\U0001f1ec\U0001f1e7" in heading(html)  # the GB flag
    assert "England, United Kingdom" in visible_text(html)
    assert "Humidity" in visible_text(html)
    rows = forecast_rows(html)
    assert len(rows) == 7
    first = datetime.now(UTC).date()  # the stub dates its forecast in UTC
    for i, row in enumerate(rows):
        day = first + timedelta(days=i)
        assert day.strftime("%d %b") in row
        assert day.strftime("%A") in row
        assert row.count("°C") == 2  # day and night temperature
        assert "%" in row  # humidity


def test_search_accepts_city_and_country(client):
    html = client.get("/search?q=London, Canada").get_data(as_text=True)
    assert "Ontario, Canada" in visible_text(html)
    html = client.get("/search?q=London, CA").get_data(as_text=True)
    assert "Ontario, Canada" in visible_text(html)


def test_search_page_without_a_query_shows_the_form(client):
    resp = client.get("/search")
    assert resp.status_code == 200
    assert 'name="q"' in resp.get_data(as_text=True)


def test_history_lists_searches_newest_first(client):
    for city in ("London", "Paris", "Berlin"):
        assert client.get(f"/search?q={city}").status_code == 200
    text = visible_text(client.get("/history").get_data(as_text=True))
    assert text.index("Berlin") < text.index("Paris") < text.index("London")


def test_failed_searches_are_not_in_the_history(client):
    client.get("/search?q=Atlantis")
    client.get("/search?q=")
    assert "No searches yet" in visible_text(client.get("/history").get_data(as_text=True))


def test_history_entry_downloads_as_json(client):
    client.get("/search?q=Paris")
    entry = client.get("/api/history").get_json()["entries"][0]
    resp = client.get(entry["download"])
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.get_data())
    assert data["query"] == "Paris"
    assert data["forecast"]["place"]["country_code"] == "FR"
    assert len(data["forecast"]["days"]) == 7


def test_missing_history_entry_is_a_friendly_404(client):
    resp = client.get("/history/999.json")
    assert resp.status_code == 404
    assert "no such search" in visible_text(resp.get_data(as_text=True))


def test_unknown_page_is_a_friendly_404(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert "Not Found" in visible_text(resp.get_data(as_text=True))


def test_healthz_answers_without_calling_upstream(client, stub):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert requests_to(stub, "/") == []


def test_version_reads_the_version_file_and_revision(make_app, tmp_path):
    (tmp_path / "VERSION").write_text("2.3.4\n")
    resp = make_app(APP_REVISION="abc123").test_client().get("/version")
    assert resp.get_json() == {"version": "2.3.4", "revision": "abc123"}


def test_version_follows_the_file_while_running(client, tmp_path):
    assert client.get("/version").get_json()["version"] == "9.8.7"
    (tmp_path / "VERSION").write_text("9.8.8\n")
    assert client.get("/version").get_json()["version"] == "9.8.8"


def test_version_without_a_file_says_unknown(make_app, tmp_path):
    resp = make_app(VERSION_FILE=str(tmp_path / "missing")).test_client().get("/version")
    assert resp.status_code == 200
    assert resp.get_json()["version"] == "unknown"


def test_static_stylesheet_is_served(client):
    assert client.get("/static/style.css").status_code == 200
