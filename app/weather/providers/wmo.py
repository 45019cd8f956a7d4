"""WMO weather interpretation codes (used by Open-Meteo) -> icon name and summary."""

from __future__ import annotations

_CODES: dict[int, tuple[str, str]] = {
    0: ("clear", "Clear sky"),
    1: ("clear", "Mainly clear"),
    2: ("partly-cloudy", "Partly cloudy"),
    3: ("cloudy", "Overcast"),
    45: ("fog", "Fog"),
    48: ("fog", "Depositing rime fog"),
    51: ("drizzle", "Light drizzle"),
    53: ("drizzle", "Drizzle"),
    55: ("drizzle", "Dense drizzle"),
    56: ("drizzle", "Freezing drizzle"),
    57: ("drizzle", "Dense freezing drizzle"),
    61: ("rain", "Light rain"),
    63: ("rain", "Rain"),
    65: ("rain", "Heavy rain"),
    66: ("rain", "Freezing rain"),
    67: ("rain", "Heavy freezing rain"),
    71: ("snow", "Light snow"),
    73: ("snow", "Snow"),
    75: ("snow", "Heavy snow"),
    77: ("snow", "Snow grains"),
    80: ("showers", "Light showers"),
    81: ("showers", "Showers"),
    82: ("showers", "Violent showers"),
    85: ("snow", "Snow showers"),
    86: ("snow", "Heavy snow showers"),
    95: ("thunder", "Thunderstorm"),
    96: ("thunder", "Thunderstorm with hail"),
    99: ("thunder", "Thunderstorm with heavy hail"),
}


def describe(code: int, is_day: bool = True) -> tuple[str, str]:
    kind, summary = _CODES.get(int(code), ("unknown", "Unknown"))
    if kind in ("clear", "partly-cloudy"):
        kind = f"{kind}-{'day' if is_day else 'night'}"
    return kind, summary
