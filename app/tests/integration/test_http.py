"""The running app over HTTP, as a visitor's browser or an API client would see it."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..helpers import forecast_rows, heading, visible_text

UNAVAILABLE = "The weather service is unavailable right now"


def _no_crash(resp) -> None:
    assert "Traceback" not in resp.text
    assert "Internal Server Error" not in resp.text


# --- independent of the upstream ---------------------------------------------------------

def test_healthz_is_ok(http):
    resp = http.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_version_reports_version_and_revision(http):
    data = http.get("/version").json()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", data["version"]), data
    assert data["revision"]


@pytest.mark.parametrize("path", ["/", "/search?q=London", "/history", "/api/history", "/healthz"])
def test_security_headers_are_present(http, path):
    headers = http.get(path).headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_empty_search_asks_for_a_city(http):
    resp = http.get("/search", params={"q": "  "})
    assert resp.status_code == 400
    assert "Please enter a city name" in visible_text(resp.text)


def test_too_long_search_is_refused_politely(http):
    resp = http.get("/search", params={"q": "a" * 150})
    assert resp.status_code == 400
    assert "too long" in visible_text(resp.text)


def test_huge_request_is_refused_without_a_crash(http):
    resp = http.get("/search", params={"q": "a" * 5000})
    assert 400 <= resp.status_code < 500
    _no_crash(resp)


def test_history_page_loads(http):
    resp = http.get("/history")
    assert resp.status_code == 200
    assert "Search history" in resp.text


# --- upstream answering ------------------------------------------------------------------

@pytest.mark.upstream_ok
def test_home_shows_a_seven_day_forecast(http):
    resp = http.get("/")
    assert resp.status_code == 200
    assert heading(resp.text)  # a place name: the visitor's or the fallback city
    assert len(forecast_rows(resp.text)) == 7


@pytest.mark.upstream_ok
def test_search_london_shows_london_and_seven_days(http):
    resp = http.get("/search", params={"q": "London"})
    assert resp.status_code == 200
    assert "London" in heading(resp.text)
    rows = forecast_rows(resp.text)
    assert len(rows) == 7
    assert all(row.count("°C") == 2 for row in rows)


@pytest.mark.upstream_ok
def test_unknown_place_gets_a_friendly_message(http):
    resp = http.get("/search", params={"q": "Qwxzzy Flurbington"})
    assert resp.status_code == 404
    assert "We could not find a place called" in visible_text(resp.text)


@pytest.mark.upstream_ok
def test_script_input_is_escaped(http):
    resp = http.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in resp.text
    assert "&lt;script&gt;" in resp.text
    _no_crash(resp)


@pytest.mark.upstream_ok
def test_forecast_api(http):
    resp = http.get("/api/forecast", params={"q": "London"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["place"]["name"] == "London"
    assert len(data["days"]) == 7


@pytest.mark.upstream_ok
def test_search_is_in_history_and_downloads_as_json(http):
    assert http.get("/search", params={"q": "Tokyo"}).status_code == 200
    entries = http.get("/api/history", params={"limit": 20}).json()["entries"]
    entry = next(e for e in entries if e["query"] == "Tokyo")
    assert "Tokyo" in visible_text(http.get("/history").text)
    download = http.get(entry["download"])
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.json()["forecast"]["place"]["name"] == "Tokyo"


@pytest.mark.upstream_ok
def test_parallel_searches_lose_no_history_entry(http):
    before = http.get("/api/history", params={"limit": 1}).json()["entries"]
    last_id = before[0]["id"] if before else 0
    searches = 20
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: http.get("/search", params={"q": "Paris"}).status_code, range(searches)))
    assert statuses == [200] * searches
    entries = http.get("/api/history", params={"limit": 100}).json()["entries"]
    assert len([e for e in entries if e["id"] > last_id]) == searches


# --- upstream failing (STUB_MODE=error, EXPECT_UPSTREAM=down) ----------------------------

@pytest.mark.upstream_down
@pytest.mark.parametrize("path", ["/", "/search?q=London"])
def test_pages_explain_the_outage(http, path):
    resp = http.get(path)
    assert resp.status_code == 503
    assert UNAVAILABLE in visible_text(resp.text)
    _no_crash(resp)


@pytest.mark.upstream_down
def test_api_explains_the_outage(http):
    resp = http.get("/api/forecast", params={"q": "London"})
    assert resp.status_code == 503
    assert resp.json()["error"] == "upstream_unavailable"
