"""What the views need: a forecast for a search or for a visitor, cached, provider-neutral."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from .cache import TTLCache
from .models import Forecast, Place
from .providers import ForecastProvider, IpLocator, UpstreamError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VisitorForecast:
    forecast: Forecast
    located: bool  # False when the fallback city is shown


class WeatherService:
    def __init__(self, forecasts: ForecastProvider, locator: IpLocator, cache: TTLCache, fallback_city: str):
        self.forecasts = forecasts
        self.locator = locator
        self.cache = cache
        self.fallback_city = fallback_city

    def search(self, query: str) -> Forecast:
        """Raises PlaceNotFound or UpstreamError."""
        key = ("search", self.forecasts.name, query.casefold())
        return self.cache.get_or_compute(key, lambda: self.forecasts.search(query))

    def for_visitor(self, ip: str | None) -> VisitorForecast:
        """Forecast at the visitor's location, or at the fallback city when it cannot be found."""
        place = self._locate(ip)
        if place is None:
            return VisitorForecast(self.search(self.fallback_city), located=False)
        # Rounded to ~1 km so neighbours share a cache entry.
        key = ("coords", self.forecasts.name, round(place.latitude, 2), round(place.longitude, 2))
        return VisitorForecast(self.cache.get_or_compute(key, lambda: self.forecasts.forecast(place)), located=True)

    def _locate(self, ip: str | None) -> Place | None:
        try:
            address = ipaddress.ip_address((ip or "").strip())
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global:
            return None  # private, loopback, test ranges: no service can place these
        try:
            return self.cache.get_or_compute(
                ("ip", self.locator.name, str(address)), lambda: self.locator.locate(str(address))
            )
        except UpstreamError:
            return None  # a geolocation outage only costs the visitor their local forecast
