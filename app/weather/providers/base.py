"""The small interface every provider implements, and the errors they raise."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..models import Forecast, Place


class UpstreamError(Exception):
    """An upstream service failed, timed out or answered nonsense.

    The message is safe to log and show: a provider name and a short reason, never a URL
    (URLs can carry API keys).
    """

    def __init__(self, provider: str, reason: str):
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


class PlaceNotFound(Exception):
    """The upstream answered properly but knows no such place."""


class ForecastProvider(ABC):
    name: str

    @abstractmethod
    def find_place(self, query: str) -> Place:
        """Resolve a free-text city (optionally "city, country"); raise PlaceNotFound."""

    @abstractmethod
    def forecast(self, place: Place) -> Forecast:
        """Current conditions and the next 7 days for a resolved place."""

    def search(self, query: str) -> Forecast:
        """Free text to forecast; providers that can do it in one call override this."""
        return self.forecast(self.find_place(query))


class IpLocator(ABC):
    name: str

    @abstractmethod
    def locate(self, ip: str) -> Place | None:
        """The place of a public IP address, or None when the service cannot tell."""
