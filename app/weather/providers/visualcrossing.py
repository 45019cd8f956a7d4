"""Visual Crossing Timeline API (keyed; the seed app's forecast provider)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from ..display import ICONS
from ..models import Conditions, Day, Forecast, Place
from ..upstream import UpstreamClient
from .base import ForecastProvider, UpstreamError
from .parsing import optional_float, text

DAYS = 7
TIMELINE_PATH = "/VisualCrossingWebServices/rest/services/timeline/"


class VisualCrossing(ForecastProvider):
    name = "visualcrossing"

    def __init__(self, client: UpstreamClient, base_url: str, api_key: str):
        self.client = client
        self.base_url = base_url
        self._api_key = api_key

    def search(self, query: str) -> Forecast:
        # The timeline endpoint geocodes free text itself: one call instead of two.
        return self._timeline(query, None)

    def find_place(self, query: str) -> Place:
        return self._timeline(query, None).place

    def forecast(self, place: Place) -> Forecast:
        return self._timeline(f"{place.latitude:.4f},{place.longitude:.4f}", place)

    def _timeline(self, location: str, place: Place | None) -> Forecast:
        data = self.client.get_json(
            self.name,
            # quote(safe="") keeps user text inside one path segment.
            self.base_url + TIMELINE_PATH + quote(location, safe=""),
            {"unitGroup": "metric", "include": "days,current", "contentType": "json", "key": self._api_key},
            # Visual Crossing answers 400 "Invalid location parameter value" for unknown places.
            not_found_statuses=(400,),
        )
        try:
            return self._parse(data, place)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            raise UpstreamError(self.name, "unexpected forecast response") from None

    def _parse(self, data: dict, place: Place | None) -> Forecast:
        if place is None:
            parts = [p.strip() for p in text(data["resolvedAddress"]).split(",") if p.strip()]
            place = Place(
                name=parts[0],
                latitude=float(data["latitude"]),
                longitude=float(data["longitude"]),
                country=parts[-1] if len(parts) > 1 else "",
                region=parts[1] if len(parts) > 2 else "",
            )
        now = data["currentConditions"]
        current = Conditions(
            temperature=float(now["temp"]),
            humidity=optional_float(now.get("humidity")),
            icon=_icon(now.get("icon")),
            summary=text(now.get("conditions")),
        )
        days = tuple(
            Day(
                date=date.fromisoformat(day["datetime"]),
                temp_day=float(day["tempmax"]),
                temp_night=float(day["tempmin"]),
                humidity=optional_float(day.get("humidity")),
                icon=_icon(day.get("icon")),
                summary=text(day.get("conditions")),
            )
            for day in data["days"][:DAYS]
        )
        if not days:
            raise ValueError("no days")
        return Forecast(place=place, current=current, days=days, source=self.name)


def _icon(name: object) -> str:
    name = text(name)
    for prefix, icon in (("thunder", "thunder"), ("snow", "snow"), ("showers", "showers"), ("rain", "rain")):
        if name.startswith(prefix):
            return icon
    return name if name in ICONS else "unknown"

