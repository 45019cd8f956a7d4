"""Open-Meteo: keyless geocoding and forecast (https://open-meteo.com/en/docs)."""

from __future__ import annotations

from datetime import date

from ..models import Conditions, Day, Forecast, Place
from ..upstream import UpstreamClient
from . import wmo
from .base import ForecastProvider, PlaceNotFound, UpstreamError
from .parsing import optional_float, split_query, text

DAYS = 7


class OpenMeteo(ForecastProvider):
    name = "open-meteo"

    def __init__(self, client: UpstreamClient, forecast_url: str, geocoding_url: str):
        self.client = client
        self.forecast_url = forecast_url
        self.geocoding_url = geocoding_url

    def find_place(self, query: str) -> Place:
        city, country = split_query(query)
        data = self.client.get_json(
            self.name,
            f"{self.geocoding_url}/v1/search",
            {"name": city, "count": "10", "language": "en", "format": "json"},
        )
        if not isinstance(data, dict):
            raise UpstreamError(self.name, "unexpected geocoding response")
        results = data.get("results") or []  # Open-Meteo omits "results" when nothing matches
        try:
            places = [_place(item) for item in results]
        except (KeyError, TypeError, ValueError):
            raise UpstreamError(self.name, "unexpected geocoding response") from None
        if country:
            wanted = country.casefold()
            places = [p for p in places if wanted in (p.country.casefold(), p.country_code.casefold())]
        if not places:
            raise PlaceNotFound()
        return places[0]

    def forecast(self, place: Place) -> Forecast:
        data = self.client.get_json(
            self.name,
            f"{self.forecast_url}/v1/forecast",
            {
                "latitude": f"{place.latitude:.4f}",
                "longitude": f"{place.longitude:.4f}",
                "current": "temperature_2m,relative_humidity_2m,weather_code,is_day",
                "daily": "weather_code,temperature_2m_max,temperature_2m_min,relative_humidity_2m_mean",
                "timezone": "auto",
                "forecast_days": str(DAYS),
            },
        )
        try:
            return self._parse(place, data)
        except (KeyError, TypeError, ValueError, IndexError):
            raise UpstreamError(self.name, "unexpected forecast response") from None

    def _parse(self, place: Place, data: dict) -> Forecast:
        now = data["current"]
        icon, summary = wmo.describe(now["weather_code"], bool(now.get("is_day", 1)))
        current = Conditions(
            temperature=float(now["temperature_2m"]),
            humidity=optional_float(now.get("relative_humidity_2m")),
            icon=icon,
            summary=summary,
        )
        daily = data["daily"]
        humidity = daily.get("relative_humidity_2m_mean") or [None] * len(daily["time"])
        days = []
        for i, day in enumerate(daily["time"][:DAYS]):
            icon, summary = wmo.describe(daily["weather_code"][i])
            days.append(
                Day(
                    date=date.fromisoformat(day),
                    temp_day=float(daily["temperature_2m_max"][i]),
                    temp_night=float(daily["temperature_2m_min"][i]),
                    humidity=optional_float(humidity[i]),
                    icon=icon,
                    summary=summary,
                )
            )
        if not days:
            raise ValueError("no days")
        return Forecast(place=place, current=current, days=tuple(days), source=self.name)


def _place(item: dict) -> Place:
    return Place(
        name=text(item["name"]),
        latitude=float(item["latitude"]),
        longitude=float(item["longitude"]),
        country=text(item.get("country")),
        country_code=text(item.get("country_code")).upper(),
        region=text(item.get("admin1")),
    )

