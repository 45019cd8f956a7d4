"""Abstract API IP geolocation (keyed; the seed app's geolocation provider)."""

from __future__ import annotations

from ..models import Place
from ..upstream import UpstreamClient
from .base import IpLocator, UpstreamError
from .parsing import text


class AbstractIpGeolocation(IpLocator):
    name = "abstract"

    def __init__(self, client: UpstreamClient, base_url: str, api_key: str):
        self.client = client
        self.base_url = base_url
        self._api_key = api_key

    def locate(self, ip: str) -> Place | None:
        data = self.client.get_json(
            self.name, f"{self.base_url}/v1/", {"api_key": self._api_key, "ip_address": ip}
        )
        if not isinstance(data, dict):
            raise UpstreamError(self.name, "unexpected response")
        if not data.get("city") or data.get("latitude") is None or data.get("longitude") is None:
            return None  # private or unknown addresses come back with null fields
        try:
            return Place(
                name=text(data["city"]),
                latitude=float(data["latitude"]),
                longitude=float(data["longitude"]),
                country=text(data.get("country")),
                country_code=text(data.get("country_code")).upper(),
                region=text(data.get("region")),
            )
        except (TypeError, ValueError):
            raise UpstreamError(self.name, "unexpected response") from None
