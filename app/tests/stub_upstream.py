#!/usr/bin/env python3
"""Stub of every upstream the weather app calls, for tests, CI and benchmarks.

Standard library only, so it runs in any Python image without pip:

    python3 stub_upstream.py --host 0.0.0.0 --port 8081

One base URL serves all providers, on their real paths:
  /v1/search                                          Open-Meteo geocoding
  /v1/forecast                                        Open-Meteo forecast
  /<ip>                                               ipwho.is
  /v1/?api_key=..&ip_address=..                       Abstract IP geolocation
  /VisualCrossingWebServices/rest/services/timeline/<location>   Visual Crossing
  /__stub/health, /__stub/requests                    the stub's own health and request log

Settings (flag or env): --mode/STUB_MODE ok|error|malformed|slow, --latency-ms/STUB_LATENCY_MS,
--slow-seconds/STUB_SLOW_SECONDS, --any-city/STUB_ANY_CITY=1 (invent a place for any name),
--quiet/STUB_QUIET=1.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import math
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

MODES = ("ok", "error", "malformed", "slow")
# Keyed endpoints answer 401 to a missing key or to this one, as the real ones do to a bad key.
REJECTED_KEY = "rejected-key"
VC_PATH = "/VisualCrossingWebServices/rest/services/timeline/"

# Recorded-shape geocoding entries (fields as Open-Meteo returns them).
CITIES = [
    {"name": "London", "latitude": 51.50853, "longitude": -0.12574, "country_code": "GB",
     "country": "United Kingdom", "admin1": "England", "timezone": "Europe/London"},
    {"name": "London", "latitude": 42.98339, "longitude": -81.23304, "country_code": "CA",
     "country": "Canada", "admin1": "Ontario", "timezone": "America/Toronto"},
    {"name": "Paris", "latitude": 48.85341, "longitude": 2.3488, "country_code": "FR",
     "country": "France", "admin1": "Île-de-France", "timezone": "Europe/Paris"},
    {"name": "Berlin", "latitude": 52.52437, "longitude": 13.41053, "country_code": "DE",
     "country": "Germany", "admin1": "Land Berlin", "timezone": "Europe/Berlin"},
    {"name": "Tokyo", "latitude": 35.6895, "longitude": 139.69171, "country_code": "JP",
     "country": "Japan", "admin1": "Tokyo", "timezone": "Asia/Tokyo"},
    {"name": "New York", "latitude": 40.71427, "longitude": -74.00597, "country_code": "US",
     "country": "United States", "admin1": "New York", "timezone": "America/New_York"},
    {"name": "São Paulo", "latitude": -23.5475, "longitude": -46.63611, "country_code": "BR",
     "country": "Brazil", "admin1": "São Paulo", "timezone": "America/Sao_Paulo"},
]
# IP geolocation: this documentation-famous address is London; any other public address is Paris.
IP_CITIES = {"81.2.69.142": CITIES[0]}
DEFAULT_IP_CITY = CITIES[2]

# (WMO code, Visual Crossing icon, Visual Crossing conditions), cycled through the days.
WEATHER = [
    (0, "clear-day", "Clear"), (2, "partly-cloudy-day", "Partially cloudy"), (3, "cloudy", "Overcast"),
    (61, "rain", "Rain"), (80, "showers-day", "Rain, Partially cloudy"), (45, "fog", "Fog"),
    (95, "thunder-rain", "Thunderstorm"), (71, "snow", "Snow"),
]


def _seed(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16)


def _invented_city(name: str) -> dict:
    seed = _seed(name.casefold())
    return {"name": name.title(), "latitude": round((seed % 12000) / 100 - 60, 4),
            "longitude": round((seed // 12000 % 36000) / 100 - 180, 4), "country_code": "",
            "country": "Stubland", "admin1": "", "timezone": "GMT"}


def _days(lat: float, lon: float, count: int) -> list[dict]:
    """Deterministic weather for a coordinate: the same place always gets the same numbers."""
    seed = _seed(round(lat, 2), round(lon, 2))
    base = 24 - abs(lat) * 0.35
    today = datetime.now(timezone.utc).date()
    days = []
    for i in range(count):
        swing = 4 * math.sin((seed % 7 + i) / 1.7)
        code, vc_icon, vc_text = WEATHER[(seed + i) % len(WEATHER)]
        days.append({"date": (today + timedelta(days=i)).isoformat(), "max": round(base + swing + 5, 1),
                     "min": round(base + swing - 4, 1), "humidity": round(55 + (seed + 7 * i) % 40, 1),
                     "code": code, "vc_icon": vc_icon, "vc_text": vc_text})
    return days


def geocode(name: str, any_city: bool) -> list[dict]:
    wanted = name.strip().casefold()
    found = [dict(c) for c in CITIES if c["name"].casefold() == wanted]
    if not found and any_city and wanted:
        found = [_invented_city(name.strip())]
    for i, city in enumerate(found):
        city.update(id=2643743 + i, elevation=25.0, feature_code="PPLC", population=1000000)
    return found


def open_meteo_forecast(lat: float, lon: float, days: int) -> dict:
    ds = _days(lat, lon, days)
    now = ds[0]
    return {
        "latitude": lat, "longitude": lon, "generationtime_ms": 0.05, "utc_offset_seconds": 0,
        "timezone": "GMT", "timezone_abbreviation": "GMT", "elevation": 20.0,
        "current_units": {"time": "iso8601", "interval": "seconds", "temperature_2m": "°C",
                          "relative_humidity_2m": "%", "weather_code": "wmo code", "is_day": ""},
        "current": {"time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:00"), "interval": 900,
                    "temperature_2m": round((now["max"] + now["min"]) / 2, 1),
                    "relative_humidity_2m": int(now["humidity"]), "weather_code": now["code"], "is_day": 1},
        "daily_units": {"time": "iso8601", "weather_code": "wmo code", "temperature_2m_max": "°C",
                        "temperature_2m_min": "°C", "relative_humidity_2m_mean": "%"},
        "daily": {"time": [d["date"] for d in ds], "weather_code": [d["code"] for d in ds],
                  "temperature_2m_max": [d["max"] for d in ds], "temperature_2m_min": [d["min"] for d in ds],
                  "relative_humidity_2m_mean": [int(d["humidity"]) for d in ds]},
    }


def ipwhois(ip: str) -> dict:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return {"ip": ip, "success": False, "message": "Invalid IP address"}
    if not address.is_global:
        return {"ip": ip, "success": False, "message": "Reserved range"}
    city = IP_CITIES.get(ip, DEFAULT_IP_CITY)
    return {"ip": ip, "success": True, "type": f"IPv{address.version}", "continent": "Europe",
            "country": city["country"], "country_code": city["country_code"], "region": city["admin1"],
            "city": city["name"], "latitude": city["latitude"], "longitude": city["longitude"],
            "timezone": {"id": city["timezone"]}}


def abstract(ip: str) -> dict:
    found = ipwhois(ip)
    if not found["success"]:
        return {"ip_address": ip, "city": None, "region": None, "country": None, "country_code": None,
                "latitude": None, "longitude": None}
    return {"ip_address": ip, "city": found["city"], "region": found["region"], "country": found["country"],
            "country_code": found["country_code"], "latitude": found["latitude"], "longitude": found["longitude"],
            "timezone": {"name": found["timezone"]["id"]}}


def visualcrossing(location: str, any_city: bool) -> dict | None:
    try:
        lat, lon = (float(part) for part in location.split(","))
        city = min(CITIES, key=lambda c: (c["latitude"] - lat) ** 2 + (c["longitude"] - lon) ** 2)
        city = dict(city, latitude=lat, longitude=lon)
    except ValueError:
        name, _, country = location.partition(",")
        matches = [c for c in geocode(name, any_city)
                   if not country.strip() or country.strip().casefold()
                   in (c["country"].casefold(), c["country_code"].casefold())]
        if not matches:
            return None
        city = matches[0]
    ds = _days(city["latitude"], city["longitude"], 15)
    address = ", ".join(p for p in (city["name"], city["admin1"], city["country"]) if p)

    def day(d: dict) -> dict:
        return {"datetime": d["date"], "tempmax": d["max"], "tempmin": d["min"],
                "temp": round((d["max"] + d["min"]) / 2, 1), "humidity": d["humidity"],
                "icon": d["vc_icon"], "conditions": d["vc_text"]}

    current = day(ds[0])
    return {"queryCost": 1, "latitude": city["latitude"], "longitude": city["longitude"],
            "resolvedAddress": address, "address": location, "timezone": city["timezone"], "tzoffset": 0.0,
            "days": [day(d) for d in ds],
            "currentConditions": {"datetime": "12:00:00", "temp": current["temp"], "humidity": current["humidity"],
                                  "icon": current["icon"], "conditions": current["conditions"]}}


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connections under benchmark load

    def __init__(self, address, mode="ok", latency_ms=0, slow_seconds=30.0, any_city=False, quiet=False):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        super().__init__(address, Handler)
        self.mode = mode
        self.latency_ms = latency_ms
        self.slow_seconds = slow_seconds
        self.any_city = any_city
        self.quiet = quiet
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        # Clients that hang up (timeouts, the end of a benchmark) are normal here, not errors.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the app's connection pool is exercised
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't stall the second
    server: StubServer

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            super().log_message(fmt, *args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout in "slow" mode)

    def _json(self, status: int, data: object) -> None:
        self._send(status, json.dumps(data).encode())

    def do_GET(self):
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/__stub/health":
            return self._json(200, {"status": "ok", "mode": self.server.mode})
        if url.path == "/__stub/requests":
            with self.server.lock:
                return self._json(200, list(self.server.requests))
        with self.server.lock:
            self.server.requests.append({"path": url.path, "params": params})
            del self.server.requests[:-1000]  # bounded: benchmarks send many requests
        if self.server.latency_ms:
            time.sleep(self.server.latency_ms / 1000)
        mode = self.server.mode
        if mode == "error":
            return self._json(500, {"error": True, "reason": "stub in error mode"})
        if mode == "malformed":
            return self._send(200, b'{"results": [{"name": "London", "lat')
        if mode == "slow":
            time.sleep(self.server.slow_seconds)
        return self._route(url.path, params)

    def _route(self, path: str, params: dict) -> None:
        any_city = self.server.any_city
        if path == "/v1/search":
            results = geocode(params.get("name", ""), any_city)[: int(params.get("count", "10"))]
            # Like Open-Meteo: no "results" key at all when nothing matches.
            return self._json(200, {"results": results, "generationtime_ms": 0.4} if results
                              else {"generationtime_ms": 0.4})
        if path == "/v1/forecast":
            try:
                lat, lon = float(params["latitude"]), float(params["longitude"])
            except (KeyError, ValueError):
                return self._json(400, {"error": True, "reason": "latitude and longitude are required"})
            return self._json(200, open_meteo_forecast(lat, lon, int(params.get("forecast_days", "7"))))
        if path == "/v1/":
            if params.get("api_key", "") in ("", REJECTED_KEY):
                return self._json(401, {"error": {"message": "Invalid API key provided.", "code": "unauthorized"}})
            return self._json(200, abstract(params.get("ip_address", "")))
        if path.startswith(VC_PATH):
            if params.get("key", "") in ("", REJECTED_KEY):
                return self._send(401, b"No account found with API key", "text/plain")
            data = visualcrossing(unquote(path[len(VC_PATH):]), any_city)
            if data is None:
                return self._send(400, b"Bad API Request:Invalid location parameter value.", "text/plain")
            return self._json(200, data)
        candidate = unquote(path.lstrip("/"))
        if candidate and "/" not in candidate:
            return self._json(200, ipwhois(candidate))
        return self._json(404, {"error": True, "reason": "no such stub path"})


def make_server(host="127.0.0.1", port=0, **settings) -> StubServer:
    return StubServer((host, port), **settings)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--mode", choices=MODES, default=os.environ.get("STUB_MODE", "ok"))
    parser.add_argument("--latency-ms", type=int, default=int(os.environ.get("STUB_LATENCY_MS", "0")))
    parser.add_argument("--slow-seconds", type=float, default=float(os.environ.get("STUB_SLOW_SECONDS", "30")))
    parser.add_argument("--any-city", action="store_true", default=_env_flag("STUB_ANY_CITY"))
    parser.add_argument("--quiet", action="store_true", default=_env_flag("STUB_QUIET"))
    args = parser.parse_args()
    server = make_server(args.host, args.port, mode=args.mode, latency_ms=args.latency_ms,
                         slow_seconds=args.slow_seconds, any_city=args.any_city, quiet=args.quiet)
    print(f"stub upstream on {server.url} mode={args.mode} latency_ms={args.latency_ms}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
