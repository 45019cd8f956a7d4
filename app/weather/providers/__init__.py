"""Provider selection: the app asks for providers by name from its settings."""

from __future__ import annotations

from ..upstream import UpstreamClient
from .abstract import AbstractIpGeolocation
from .base import ForecastProvider, IpLocator, PlaceNotFound, UpstreamError
from .ipwhois import IpWhois
from .open_meteo import OpenMeteo
from .visualcrossing import VisualCrossing

__all__ = ["ForecastProvider", "IpLocator", "PlaceNotFound", "UpstreamError", "build_providers"]


def build_providers(settings: dict, client: UpstreamClient) -> tuple[ForecastProvider, IpLocator]:
    if settings["FORECAST_PROVIDER"] == "visualcrossing":
        forecast: ForecastProvider = VisualCrossing(
            client, settings["VISUALCROSSING_URL"], settings["WEATHER_API_KEY"]
        )
    else:
        forecast = OpenMeteo(client, settings["OPEN_METEO_URL"], settings["OPEN_METEO_GEOCODING_URL"])
    if settings["GEO_PROVIDER"] == "abstract":
        locator: IpLocator = AbstractIpGeolocation(client, settings["ABSTRACT_URL"], settings["LOCATION_API_KEY"])
    else:
        locator = IpWhois(client, settings["IPGEO_URL"])
    return forecast, locator
